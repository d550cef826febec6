// Format v2 as the encoder's references see it, in ONE place: the tile writer, the context rule and the
// cutting of a planned record into its 8 levels. Until golden v2 lands (v2gold's `golden v2:` commit),
// these are the prototype's (bench/v2/staggered.ts with { D: 4, presentBits: false, topExtra: 1 },
// docs/design/format-v2.md 3); switching to golden is a change of the imports below.
import { BitWriter, getBits } from '../golden/bits.js';
import { Derived, TILE_MAGIC, TileSettings } from '../golden/params.js';
import { PixelPlan, fold16, writePixel } from '../golden/tile.js';
import { GROUPING, LEVELS, S_PRESENT, ctxLimit, sectionRanges, updateContextV2 } from '../bench/v2/layout.js';
import { COUNT_BITS, PROTO_VERSION, StaggerOptions, encodeTileStaggered, headerBits, offsetsOf } from '../bench/v2/staggered.js';

/** The frozen v2 layout (V2-CONTRACT.md): D = 4, pixel count in the header, top level one slot later. */
const V2: StaggerOptions = { D: 4, presentBits: false, topExtra: 1 };

/** Slot offset of each level from its record's level 0, O = (0, 4, ..., 24, 29). */
export const V2_OFFSETS: readonly number[] = offsetsOf(V2);
export const V2_LEVELS = LEVELS;
export const V2_HEADER_BITS = headerBits(V2);
export const V2_COUNT_BITS = COUNT_BITS;
export const V2_VERSION = PROTO_VERSION;

/** The tile stream of golden v2 (the words encodeTile gives). */
export function encodeTileV2(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): { units: Uint32Array; words: number } {
  const t = encodeTileStaggered(d, settings, pixels, npix, V2, base);
  return { units: t.units, words: t.words };
}

/** The next contexts after a pixel (v2's rule: a CTX value leaves min(L, bitLength(maxMag >> s))). */
export const updateContextRef: (d: Derived, s: number, plan: PixelPlan, ctx: Uint8Array) => void = updateContextV2;

/** Largest context a CTX value leaves at shift s: bitLength(maxMag >> s). */
export const ctxLimitRef: (d: Derived, s: number) => number = ctxLimit;

/** A record cut into levels: level k is bits[k] (bit i of the level in bit i), len[k] bits long. */
export interface RecordLevels {
  bits: bigint[];
  len: number[];
}

/** The levels of a planned record: v1's record without its present bit, sections grouped as GROUPING. */
export function recordLevels(d: Derived, plan: PixelPlan): RecordLevels {
  const w = new BitWriter(8);
  writePixel(d, plan, w);
  const ranges = sectionRanges(d, plan);
  const out: RecordLevels = { bits: [], len: [] };
  for (const secs of GROUPING) {
    let x = 0n;
    let n = 0;
    for (const sec of secs) {
      if (sec === S_PRESENT) continue;
      for (const r of ranges[sec]) {
        for (let i = 0; i < r.len; i += 32) {
          const k = Math.min(32, r.len - i);
          x |= BigInt(getBits(w.buf, r.start + i, k) >>> 0) << BigInt(n);
          n += k;
        }
      }
    }
    out.bits.push(x);
    out.len.push(n);
  }
  return out;
}

/**
 * A tile from its records' levels: the 48-bit header (v1's 32 bits, then npix), slots 0 .. n - 1 + O[7]
 * (slot t: level k of record t - O[k] where that record exists), zero padding to B, the trailer word.
 */
export function tileFromLevels(d: Derived, shift: number, recs: RecordLevels[]): Uint32Array {
  const n = recs.length;
  const O = V2_OFFSETS;
  const w = new BitWriter(64);
  const put = (x: bigint, bits: number) => {
    for (let i = 0; i < bits; i += 32) {
      const k = Math.min(32, bits - i);
      w.write(Number((x >> BigInt(i)) & ((1n << BigInt(k)) - 1n)), k);
    }
  };
  // header fields as beginTile writes them, with v2's version and the count
  put(BigInt(TILE_MAGIC | (V2_VERSION << 8) | (shift << 12)), 16);
  put(BigInt(d.tag), 16);
  put(BigInt(n), V2_COUNT_BITS);
  for (let t = 0; t < n + O[O.length - 1]; t++) {
    for (let k = 0; k < O.length; k++) {
      const r = t - O[k];
      if (r >= 0 && r < n) put(recs[r].bits[k], recs[r].len[k]);
    }
  }
  w.align(d.cfg.busWidth);
  const chk = fold16(w.buf, w.bitLength >>> 5);
  w.write(n & 0xffff, 16);
  w.write(chk, 16);
  w.align(d.cfg.busWidth);
  return w.units();
}
