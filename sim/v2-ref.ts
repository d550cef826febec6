// Format v2's record levels and slots in the form the encoder's stage references and benches use: each
// level of a record as one number (bit i of the level in bit i) with its length, and a tile written from
// such levels. Built on golden/tile.ts (recordLevels, writePixel, startTile, finishTile, LEVEL_OFFSETS),
// so the packer's reference is the format's own slot rule applied to levels of any content.
import { BitWriter, getBits } from '../golden/bits.js';
import { Derived, LEVELS, LEVEL_OFFSETS, TOP_LEVEL } from '../golden/params.js';
import { PixelPlan, finishTile, recordLevels as levelRuns, startTile, writePixel } from '../golden/tile.js';

/** A record cut into levels: level k is bits[k] (bit i of the level in bit i), len[k] bits long. */
export interface RecordLevels {
  bits: bigint[];
  len: number[];
}

/** The levels of a planned record (golden recordLevels' runs of writePixel's bits, as numbers). */
export function recordLevels(d: Derived, plan: PixelPlan): RecordLevels {
  const w = new BitWriter(8);
  writePixel(d, plan, w);
  const out: RecordLevels = { bits: [], len: [] };
  for (const runs of levelRuns(d, plan)) {
    let x = 0n;
    let n = 0;
    for (let j = 0; j < runs.length; j += 2) {
      for (let i = 0; i < runs[j + 1]; i += 32) {
        const k = Math.min(32, runs[j + 1] - i);
        x |= BigInt(getBits(w.buf, runs[j] + i, k) >>> 0) << BigInt(n);
        n += k;
      }
    }
    out.bits.push(x);
    out.len.push(n);
  }
  if (out.len.length !== LEVELS) throw new Error(`recordLevels: ${out.len.length} levels, the format has ${LEVELS}`);
  return out;
}

/**
 * A tile from its records' levels (FORMAT.md 2): startTile's header with the count, slots 0 .. n - 1 +
 * O[top] (slot t: level k of record t - O[k] where that record exists), finishTile's padding and trailer.
 */
export function tileFromLevels(d: Derived, shift: number, recs: RecordLevels[]): Uint32Array {
  const n = recs.length;
  const w = startTile(d, shift, n);
  const put = (x: bigint, bits: number) => {
    for (let i = 0; i < bits; i += 32) {
      const k = Math.min(32, bits - i);
      w.write(Number((x >> BigInt(i)) & ((1n << BigInt(k)) - 1n)), k);
    }
  };
  for (let t = 0; t < n + LEVEL_OFFSETS[TOP_LEVEL]; t++) {
    for (let k = 0; k < LEVELS; k++) {
      const r = t - LEVEL_OFFSETS[k];
      if (r >= 0 && r < n) put(recs[r].bits[k], recs[r].len[k]);
    }
  }
  return finishTile(d, w, n);
}
