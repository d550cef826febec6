// A tile whose second record is the longest one a decoder must accept (FORMAT.md section 4): every
// value of every block CTX-coded at the costliest (context, bit length) pair, a block longer than RAW.
// The encoder never writes such a record (it codes CTX only when no longer than RAW), so only a
// hand-built stream reaches the decoder's maxRecordBits; the RTL must buffer it and decode it as the
// golden model does.
import { BitWriter, getBits } from '../golden/bits.js';
import { Derived, MODE_CTX, MODE_RAW, TILE_MAGIC } from '../golden/params.js';
import { PixelPlan, fold16, newPlan, writePixel } from '../golden/tile.js';
import { GROUPING, LEVELS, sectionRanges } from '../bench/v2/layout.js';
import { COUNT_BITS, PROTO_VERSION } from '../bench/v2/staggered.js';
import { DEC_FORMAT } from '../generator/builders/dec_common.js';

/**
 * A format-v2 tile (shift 0) of hand-made records: each plan written as v1 writes it (writePixel), cut
 * into levels and laid out in slots (slot t: level k of record t - O[k]).
 */
export function tileOfPlans(d: Derived, plans: PixelPlan[]): Uint32Array {
  const B = d.cfg.busWidth;
  const O = DEC_FORMAT.offsets;
  const levels = plans.map((plan) => {
    const rec = new BitWriter();
    writePixel(d, plan, rec);
    const ranges = sectionRanges(d, plan);
    return GROUPING.map((secs) => secs.flatMap((sec) => (sec === 0 ? [] : ranges[sec])).map((r) => ({ buf: rec.buf, ...r })));
  });
  const w = new BitWriter();
  w.write(TILE_MAGIC | (PROTO_VERSION << 8), 16); // shift 0
  w.write(d.tag, 16);
  w.write(plans.length, COUNT_BITS);
  const n = plans.length;
  for (let t = 0; n > 0 && t < n + O[LEVELS - 1]; t++) {
    for (let k = 0; k < LEVELS; k++) {
      const r = t - O[k];
      if (r < 0 || r >= n) continue;
      for (const part of levels[r][k]) for (let i = 0; i < part.len; i += 32) w.write(getBits(part.buf, part.start + i, Math.min(32, part.len - i)), Math.min(32, part.len - i));
    }
  }
  w.align(B);
  const chk = fold16(w.buf, w.bitLength >>> 5);
  w.write(n & 0xffff, 16);
  w.write(chk, 16);
  w.align(B);
  return w.units();
}

/** A value of bit length L (0..W) within the configured range, negative where only that fits. */
function valueOfLength(d: Derived, L: number): number {
  if (L === 0) return 0;
  const m = 2 ** (L - 1);
  return m <= d.maxPos ? m : -m;
}

/** The context k and bit length L whose CTX code is longest (first such pair). */
export function costliestSymbol(d: Derived): { k: number; L: number; bits: number } {
  const S = d.symbols;
  let best = { k: 0, L: 0, bits: -1 };
  for (let i = 0; i < d.symBits.length; i++) {
    if (d.symBits[i] > best.bits) best = { k: Math.floor(i / S), L: i % S, bits: d.symBits[i] };
  }
  return best;
}

/**
 * Two pixels at shift 0: the first all RAW, with values whose bit length is the costliest context;
 * the second all CTX at the costliest bit length in that context, so its record is maxRecordBits long
 * wherever a CTX block is the longest block (else a shorter record of the same kind). Returns the
 * tile's units, the second record's length in bits and the decoded pixels.
 */
export function longRecordTile(d: Derived): { units: Uint32Array; recordBits: number; pixels: Int32Array } {
  const { channels: C, dataWidth: W } = d.cfg;
  const S = d.symbols;
  const { k, L } = costliestSymbol(d);
  const pixels = new Int32Array(2 * C);
  const raw = newPlan(d);
  raw.modes.fill(MODE_RAW);
  raw.index.fill(valueOfLength(d, k));
  raw.bits = 1 + d.blocks * (3 + d.cfg.dctSize * W);
  pixels.fill(valueOfLength(d, k), 0, C);
  const ctx = newPlan(d);
  ctx.modes.fill(MODE_CTX);
  const q = valueOfLength(d, L);
  ctx.index.fill(q);
  ctx.len.fill(L);
  ctx.rank.fill(d.rankTable[k * S + L]);
  ctx.sym.fill(k * S + L);
  ctx.bits = 1 + d.blocks + C * d.symBits[k * S + L];
  const recordBits = ctx.bits - 1; // v1 counts a present bit, which format v2 does not have
  pixels.fill(q, C, 2 * C);
  return { units: tileOfPlans(d, [raw, ctx]), recordBits, pixels };
}
