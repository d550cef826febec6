// The longest record a decoder must accept (FORMAT.md section 4): a CTX block may legally be longer
// than RAW. maxRecordBits must equal the longest of such a record and the longest record the encoder
// writes; each level of it must fit levelMaxBits; and the golden decoder must decode it. The tile is
// built from hand-set plans with golden's record writer and slot layout (writePixel, recordLevels,
// writeSlot), since no encoder writes it.
import { describe, expect, it } from 'vitest';
import { CodecConfig, DCT_SIZES, Derived, LEVELS, MODE_CTX, MODE_RAW, derive, tileSlots } from '../../golden/params.js';
import { LevelledRecord, decodeTile, finishTile, levelledRecord, newPlan, startTile, writeSlot } from '../../golden/tile.js';

/** A value of bit length L (0..W) within the configured range, negative where only that fits. */
function valueOfLength(d: Derived, L: number): number {
  if (L === 0) return 0;
  const m = 2 ** (L - 1);
  return m <= d.maxPos ? m : -m;
}

/** The context k and bit length L whose CTX code is longest (first such pair). */
function costliestSymbol(d: Derived): { k: number; L: number } {
  const S = d.symbols;
  let best = { k: 0, L: 0, bits: -1 };
  for (let i = 0; i < d.symBits.length; i++) if (d.symBits[i] > best.bits) best = { k: Math.floor(i / S), L: i % S, bits: d.symBits[i] };
  return best;
}

/**
 * Two pixels at shift 0: the first all RAW, with values whose bit length is the costliest context (a
 * RAW value v leaves context bitLength(|v|)); the second all CTX at the costliest bit length in that
 * context. Returns the tile, the second record's length and level lengths, and the pixels.
 */
function longRecordTile(d: Derived): { units: Uint32Array; recordBits: number; levels: number[]; pixels: Int32Array } {
  const { channels: C, dataWidth: W } = d.cfg;
  const S = d.symbols;
  const { k, L } = costliestSymbol(d);
  const raw = newPlan(d);
  raw.modes.fill(MODE_RAW);
  raw.index.fill(valueOfLength(d, k));
  raw.bits = d.blocks * (3 + d.cfg.dctSize * W);
  const ctx = newPlan(d);
  ctx.modes.fill(MODE_CTX);
  const q = valueOfLength(d, L);
  ctx.index.fill(q);
  ctx.len.fill(L);
  ctx.rank.fill(d.rankTable[k * S + L]);
  ctx.sym.fill(k * S + L);
  ctx.bits = d.blocks + C * d.symBits[k * S + L];
  const recs: LevelledRecord[] = [levelledRecord(d, raw), levelledRecord(d, ctx)];
  const w = startTile(d, 0, 2);
  for (let t = 0; t < tileSlots(2); t++) writeSlot(w, t, 2, (r) => recs[r]);
  const pixels = new Int32Array(2 * C);
  pixels.fill(valueOfLength(d, k), 0, C);
  pixels.fill(q, C, 2 * C);
  const levels = recs[1].levels.map((runs) => runs.reduce((a, x, j) => (j % 2 ? a + x : a), 0));
  return { units: finishTile(d, w, 2), recordBits: ctx.bits, levels, pixels };
}

const configs: CodecConfig[] = [];
for (const N of DCT_SIZES) {
  for (const W of [4, 5, 8, 12, 16]) {
    for (const signed of [false, true]) {
      for (const C of [N, 4 * N]) configs.push({ channels: C, dctSize: N, dataWidth: W, signed, busWidth: 64, dctPrecision: 12 });
    }
  }
}

describe('longest decodable record', () => {
  it.each(configs.map((c) => [`C${c.channels} N${c.dctSize} W${c.dataWidth} ${c.signed ? 's' : 'u'}`, c] as const))('%s', (_l, cfg) => {
    const d = derive(cfg);
    const t = longRecordTile(d);
    expect(d.maxRecordBits).toBe(Math.max(t.recordBits, d.maxEncodedRecordBits));
    expect(t.levels.length).toBe(LEVELS);
    expect(t.levels.reduce((a, b) => a + b, 0)).toBe(t.recordBits);
    for (let k = 0; k < LEVELS; k++) expect(t.levels[k], `level ${k}`).toBeLessThanOrEqual(d.levelMaxBits[k]);
    const out = decodeTile(d, t.units);
    expect(out.count).toBe(2);
    expect(Array.from(out.pixels.slice(0, 2 * cfg.channels))).toEqual(Array.from(t.pixels));
  });

  it('is longer than any record the encoder writes in the common 8-bit configuration', () => {
    const d = derive({ channels: 64, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    expect(longRecordTile(d).recordBits).toBe(904);
    expect(d.maxEncodedRecordBits).toBe(824);
    expect(d.maxRecordBits).toBe(904);
  });
});
