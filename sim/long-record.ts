// A tile whose second record is the longest one a decoder must accept (FORMAT.md section 4): every
// value of every block CTX-coded at the costliest (context, bit length) pair, a block longer than RAW.
// The encoder never writes such a record (it codes CTX only when no longer than RAW), so only a
// hand-built stream reaches the decoder's maxRecordBits; the RTL must buffer it and decode it as the
// golden model does.
import { Derived, LEVELS, MODE_CTX, MODE_RAW, tileSlots } from '../golden/params.js';
import { PixelPlan, finishTile, levelledRecord, newPlan, recordLevels, startTile, writeSlot } from '../golden/tile.js';

/** A format-v2 tile (shift 0) of hand-made records, laid out in slots as golden encodeTile does. */
export function tileOfPlans(d: Derived, plans: PixelPlan[]): Uint32Array {
  const recs = plans.map((p) => levelledRecord(d, p));
  const w = startTile(d, 0, plans.length);
  for (let t = 0; t < tileSlots(plans.length); t++) writeSlot(w, t, plans.length, (r) => recs[r]);
  return finishTile(d, w, plans.length);
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
 * tile's units, the second record's length in bits and its level lengths, and the decoded pixels.
 */
export function longRecordTile(d: Derived): { units: Uint32Array; recordBits: number; levels: number[]; pixels: Int32Array } {
  const { channels: C, dataWidth: W } = d.cfg;
  const S = d.symbols;
  const { k, L } = costliestSymbol(d);
  const pixels = new Int32Array(2 * C);
  const raw = newPlan(d);
  raw.modes.fill(MODE_RAW);
  raw.index.fill(valueOfLength(d, k));
  raw.bits = d.blocks * (3 + d.cfg.dctSize * W);
  pixels.fill(valueOfLength(d, k), 0, C);
  const ctx = newPlan(d);
  ctx.modes.fill(MODE_CTX);
  const q = valueOfLength(d, L);
  ctx.index.fill(q);
  ctx.len.fill(L);
  ctx.rank.fill(d.rankTable[k * S + L]);
  ctx.sym.fill(k * S + L);
  ctx.bits = d.blocks + C * d.symBits[k * S + L];
  const recordBits = ctx.bits;
  pixels.fill(q, C, 2 * C);
  const levelBits = new Int32Array(LEVELS); // the second record's level lengths, as golden cuts them
  recordLevels(d, ctx, levelBits);
  const levels = Array.from(levelBits);
  return { units: tileOfPlans(d, [raw, ctx]), recordBits, levels, pixels };
}
