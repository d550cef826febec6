// The longest record a decoder must accept (FORMAT.md section 4): a CTX block may legally be longer
// than RAW. maxRecordBits must equal the longest of such a record and the longest record the encoder
// writes; each level of it must fit levelMaxBits; and the golden decoder must decode it. The tile
// (sim/long-record.ts, which the RTL decoder tests read too) is built from hand-set plans with
// golden's record writer and slot layout, since no encoder writes it.
import { describe, expect, it } from 'vitest';
import { CodecConfig, DCT_SIZES, LEVELS, derive } from '../../golden/params.js';
import { decodeTile } from '../../golden/tile.js';
import { longRecordTile } from '../../sim/long-record.js';

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
