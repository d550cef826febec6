// The format-v2 prototype (bench/v2/, docs/design/format-v2.md): the staggered writer and reader
// round-trip exactly over configuration classes, policies, patterns, staggers and both framings, and on
// real tensors; the reader finds every slot from lengths read at least D slots before (and says so
// when asked for more); the staggered stream holds v1's record bits, only reordered.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BitWriter, getBits } from '../../golden/bits.js';
import { StreamError } from '../../golden/errors.js';
import { CodecConfig, Derived, Policy, TileSettings, derive } from '../../golden/params.js';
import { decodeTile, encodeTile, newPlan, planPixel, updateContext } from '../../golden/tile.js';
import { parseNpy } from '../../tools/npy.js';
import { SHARED_DATA } from '../../sim/paths.js';
import { GROUPING, LEVELS, S_PRESENT, TOP, sectionRanges, writeRecordV1 } from '../../bench/v2/layout.js';
import { StaggerOptions, decodeTileStaggered, encodeTileStaggered, tileSlots } from '../../bench/v2/staggered.js';
import { Rng } from '../../sim/rng.js';
import { genPixels, patternsFor } from '../helpers/random.js';

interface Row {
  C: number;
  N: number;
  W: number;
  signed: boolean;
  B: number;
}

const ROWS: Row[] = [
  { C: 8, N: 4, W: 4, signed: false, B: 32 },
  { C: 16, N: 8, W: 8, signed: true, B: 64 },
  { C: 64, N: 8, W: 8, signed: false, B: 256 },
  { C: 8, N: 8, W: 5, signed: true, B: 96 },
  { C: 32, N: 16, W: 12, signed: false, B: 64 },
  { C: 16, N: 4, W: 16, signed: true, B: 128 },
];

function cfgOf(r: Row): CodecConfig {
  return { channels: r.C, dctSize: r.N, dataWidth: r.W, signed: r.signed, busWidth: r.B, dctPrecision: 12 };
}

function settingsFor(W: number): TileSettings[] {
  const lossy = (policy: Policy, s: number): TileSettings => ({ policy, quantShift: s });
  return [lossy('lossless', 0), lossy('auto', 1), lossy('auto', 2), lossy('auto', W - 1), lossy('dct', 1)];
}

const VARIANTS: StaggerOptions[] = [1, 2, 3, 4].flatMap((D) => [true, false].flatMap((presentBits) => [0, 1].map((topExtra) => ({ D, presentBits, topExtra }))));
/** The proposed layout (docs/design/format-v2.md). */
const PROPOSED: StaggerOptions = { D: 4, presentBits: false, topExtra: 1 };

function roundTrip(d: Derived, st: TileSettings, px: Int32Array, npix: number, o: StaggerOptions): void {
  const e = encodeTileStaggered(d, st, px, npix, o);
  expect(e.slots).toBe(tileSlots(npix, o));
  const r = decodeTileStaggered(d, e.units, { ...o, maxPixels: npix });
  expect(r.count).toBe(npix);
  expect(r.slots).toBe(e.slots);
  expect(r.slotBits).toEqual(e.slotBits);
  expect(Array.from(r.pixels)).toEqual(Array.from(e.recon));
  if (st.policy === 'lossless') expect(Array.from(r.pixels)).toEqual(Array.from(px.subarray(0, npix * d.cfg.channels)));
}

describe('staggered prototype: round trips', () => {
  for (const row of ROWS) {
    it(`C${row.C} N${row.N} W${row.W} ${row.signed ? 's' : 'u'} B${row.B}: every policy and pattern, D 1-4, both framings`, () => {
      const d = derive(cfgOf(row));
      const rng = new Rng(row.C * 131 + row.W);
      let i = 0;
      for (const st of settingsFor(row.W)) {
        for (const pattern of patternsFor(row.signed)) {
          const npix = rng.int(1, 40);
          const px = genPixels(rng, pattern, npix, row.C, row.W, row.signed);
          roundTrip(d, st, px, npix, VARIANTS[i++ % VARIANTS.length]);
        }
      }
    });
  }

  it('short tiles: 0 pixels, fewer pixels than D, as many as the top level offset', () => {
    const d = derive(cfgOf(ROWS[1]));
    const rng = new Rng(7);
    for (const o of VARIANTS) {
      const top = TOP * o.D + (o.topExtra ?? 0);
      for (const npix of [0, 1, o.D - 1, o.D, top, top + 1]) {
        const px = genPixels(rng, 'sparse', npix, 16, 8, true);
        roundTrip(d, { policy: 'auto', quantShift: 2 }, px, npix, o);
      }
    }
  });
});

describe('staggered prototype: the reader finds each slot from earlier slots', () => {
  it('asked to use only data read D + 1 slots before, the reader stops at the first length that needs younger data', () => {
    const d = derive(cfgOf(ROWS[0]));
    const px = genPixels(new Rng(3), 'sparse', 30, 8, 4, false);
    for (const D of [1, 3, 4]) {
      const o = { D, presentBits: true };
      const e = encodeTileStaggered(d, { policy: 'lossless', quantShift: 0 }, px, 30, o);
      expect(() => decodeTileStaggered(d, e.units, o)).not.toThrow();
      expect(() => decodeTileStaggered(d, e.units, { ...o, minDistance: D + 1 })).toThrow(/fewer than \d+ slots before/);
    }
  });

  it('with the top level one slot later, its length uses data D + 1 slots old, and no younger', () => {
    const d = derive(cfgOf(ROWS[2]));
    const px = genPixels(new Rng(6), 'sparse', 30, 64, 8, false);
    const e = encodeTileStaggered(d, { policy: 'lossless', quantShift: 0 }, px, 30, PROPOSED);
    expect(() => decodeTileStaggered(d, e.units, { ...PROPOSED, topDistance: PROPOSED.D + 1 })).not.toThrow();
    expect(() => decodeTileStaggered(d, e.units, { ...PROPOSED, topDistance: PROPOSED.D + 2 })).toThrow(/fewer than 6 slots before/);
    // the same stream read as if the top level were at 7D: a different layout, which does not decode
    expect(() => decodeTileStaggered(d, e.units, { ...PROPOSED, topExtra: 0 })).toThrow();
  });

  it('a slot computed with a wrong stagger fails, it does not decode silently', () => {
    const d = derive(cfgOf(ROWS[2]));
    const px = genPixels(new Rng(4), 'sparse', 20, 64, 8, false);
    const e = encodeTileStaggered(d, { policy: 'lossless', quantShift: 0 }, px, 20, { D: 4, presentBits: false });
    expect(() => decodeTileStaggered(d, e.units, { D: 3, presentBits: false })).toThrow();
  });

  it('stream errors name a bit: truncation, version, padding', () => {
    const d = derive(cfgOf(ROWS[0]));
    const px = genPixels(new Rng(5), 'dense', 12, 8, 4, false);
    const o = { D: 4, presentBits: true };
    const e = encodeTileStaggered(d, { policy: 'lossless', quantShift: 0 }, px, 12, o);
    const cut = e.units.slice(0, e.units.length - 2);
    expect(() => decodeTileStaggered(d, cut, o)).toThrow(StreamError);
    const badVersion = e.units.slice();
    badVersion[0] ^= 1 << 8;
    expect(() => decodeTileStaggered(d, badVersion, o)).toThrow(/version/);
    const badTrailer = e.units.slice();
    badTrailer[badTrailer.length - 1] ^= 1;
    expect(() => decodeTileStaggered(d, badTrailer, o)).toThrow(StreamError);
  });
});

/** The v1 records of a tile (golden planPixel, writeRecordV1, updateContext), each cut into levels in GROUPING order. */
function v1Levels(d: Derived, st: TileSettings, px: Int32Array, npix: number, presentBits: boolean): { bits: number[]; }[][] {
  const C = d.cfg.channels;
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  const out: { bits: number[] }[][] = [];
  for (let p = 0; p < npix; p++) {
    planPixel(d, st, ctx, px, p * C, p, plan);
    const w = new BitWriter(64);
    writeRecordV1(d, plan, w);
    const ranges = sectionRanges(d, plan);
    out.push(
      GROUPING.map((secs) => {
        const bits: number[] = [];
        for (const s of secs) {
          if (s === S_PRESENT && !presentBits) continue;
          for (const r of ranges[s]) for (let i = 0; i < r.len; i++) bits.push(getBits(w.buf, r.start + i, 1));
        }
        return { bits };
      }),
    );
    updateContext(d, 0, plan, ctx); // lossless unsigned: v1's context rule and format 2's agree
  }
  return out;
}

describe('staggered prototype: v1 bits, reordered', () => {
  for (const row of ROWS.filter((r) => !r.signed)) {
    it(`C${row.C} N${row.N} W${row.W}: each level the reader finds holds v1's sections of that record; sizes add up`, () => {
      const d = derive(cfgOf(row));
      const st: TileSettings = { policy: 'lossless', quantShift: 0 };
      const npix = 37;
      const px = genPixels(new Rng(row.C), 'sparse', npix, row.C, row.W, false);
      for (const presentBits of [true, false]) {
        const o = { ...PROPOSED, presentBits };
        const e = encodeTileStaggered(d, st, px, npix, o);
        const r = decodeTileStaggered(d, e.units, o);
        const want = v1Levels(d, st, px, npix, presentBits);
        for (let p = 0; p < npix; p++) {
          for (let k = 0; k < LEVELS; k++) {
            const sp = r.spans[p][k];
            const got: number[] = [];
            for (let i = 0; i < sp.len; i++) got.push(getBits(e.units, sp.pos + i, 1));
            expect(got, `record ${p} level ${k}`).toEqual(want[p][k].bits);
          }
        }
        // v1 writes header + records + end bit; the prototype adds D(1 + C/N) - 1 bits of end marker and
        // fillers, or a 16-bit count and no present bits
        const v1Bits = want.reduce((a, lv) => a + lv.reduce((b, x) => b + x.bits.length, 0), 0);
        const slotSum = e.slotBits.reduce((a, b) => a + b, 0);
        expect(slotSum).toBe(presentBits ? v1Bits + o.D * (1 + d.blocks) : v1Bits);
        const golden = encodeTile(d, st, px, npix);
        expect(Array.from(e.recon)).toEqual(Array.from(golden.recon));
      }
    });
  }
});

describe('staggered prototype: real tensors', () => {
  const load = (model: string, file: string) => parseNpy(new Uint8Array(readFileSync(join(SHARED_DATA, 'activations', model, file))), file);
  /** Pixel-major vectors of channels [c0, c0 + C) of a C' x H x W tensor. */
  const pixelsOf = (data: Int32Array, npix: number, c0: number, C: number): Int32Array => {
    const px = new Int32Array(npix * C);
    for (let c = 0; c < C; c++) for (let p = 0; p < npix; p++) px[p * C + c] = data[(c0 + c) * npix + p];
    return px;
  };
  const lossless: TileSettings = { policy: 'lossless', quantShift: 0 };

  it('ResNet-50 v2 stage-1 tensor, C = 64, B = 256: one tile per tensor and one per row, the proposed layout in both framings', () => {
    const t = load('resnet50v2', 'img0_n01440764/stage1_conv3.npy');
    const [C, H, W] = t.shape;
    expect(C).toBe(64);
    const d = derive({ channels: 64, dctSize: 8, dataWidth: 8, signed: false, busWidth: 256, dctPrecision: 12 });
    const px = pixelsOf(t.data as Int32Array, H * W, 0, 64);
    for (const presentBits of [true, false]) {
      const o = { ...PROPOSED, presentBits };
      const e = encodeTileStaggered(d, lossless, px, H * W, o);
      expect(Array.from(decodeTileStaggered(d, e.units, o).pixels)).toEqual(Array.from(px));
      const row = encodeTileStaggered(d, lossless, px, W, o, 5 * W * 64);
      expect(Array.from(decodeTileStaggered(d, row.units, o).pixels)).toEqual(Array.from(px.subarray(5 * W * 64, 6 * W * 64)));
    }
  });

  it('SqueezeNet and ResNet-50 v2 tensors in 8-channel groups, B = 32, D = 3 and 4, auto policy too', () => {
    const d = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    for (const [model, file] of [
      ['squeezenet11', 'img1_n02123045/conv13.npy'],
      ['resnet50v2', 'img1_n02123045/stage3_conv1.npy'],
    ]) {
      const t = load(model, file);
      const [C, H, W] = t.shape;
      for (const g of [0, C / 8 - 1]) {
        const px = pixelsOf(t.data as Int32Array, H * W, g * 8, 8);
        for (const [D, st] of [
          [3, lossless],
          [4, { policy: 'auto', quantShift: 2 } as TileSettings],
        ] as const) {
          const o = { D, presentBits: D === 3, topExtra: D === 3 ? 0 : 1 };
          const e = encodeTileStaggered(d, st, px, H * W, o);
          const r = decodeTileStaggered(d, e.units, o);
          expect(Array.from(r.pixels), `${file} group ${g} D ${D}`).toEqual(Array.from(e.recon));
          if (st.policy === 'lossless') expect(Array.from(r.pixels)).toEqual(Array.from(px));
        }
      }
    }
  });
});

describe('golden format 2 is the prototype\'s proposed layout, bit for bit', () => {
  // Configuration classes beyond ROWS: N = 32, wide buses, a no-DCT build.
  const MORE: CodecConfig[] = [
    { channels: 32, dctSize: 32, dataWidth: 12, signed: false, busWidth: 32, dctPrecision: 12 },
    { channels: 24, dctSize: 8, dataWidth: 16, signed: true, busWidth: 256, dctPrecision: 16 },
    { channels: 16, dctSize: 8, dataWidth: 6, signed: true, busWidth: 64, dctPrecision: 12, dct: false },
  ];
  const configs = [...ROWS.map(cfgOf), ...MORE];
  for (const cfg of configs) {
    it(`C${cfg.channels} N${cfg.dctSize} W${cfg.dataWidth} ${cfg.signed ? 's' : 'u'} B${cfg.busWidth}${cfg.dct === false ? ' no-DCT' : ''}: encodeTile = encodeTileStaggered(d4h+), decodeTile inverts it`, () => {
      const d = derive(cfg);
      const rng = new Rng(0x2b00 + cfg.channels * 7 + cfg.dataWidth);
      let compared = 0;
      for (const st of settingsFor(cfg.dataWidth)) {
        if (st.policy === 'dct' && cfg.dct === false) continue;
        for (const pattern of patternsFor(cfg.signed)) {
          for (const npix of [1, 2, 5, 29, 30, 31, rng.int(32, 140)]) {
            const px = genPixels(rng, pattern, npix, cfg.channels, cfg.dataWidth, cfg.signed);
            const want = encodeTileStaggered(d, st, px, npix, PROPOSED);
            const got = encodeTile(d, st, px, npix);
            expect(Array.from(got.units), `${st.policy} s=${st.quantShift} ${pattern} n=${npix}`).toEqual(Array.from(want.units));
            expect(Array.from(got.recon)).toEqual(Array.from(want.recon));
            const back = decodeTile(d, got.units, npix);
            expect(back.count).toBe(npix);
            expect(Array.from(back.pixels)).toEqual(Array.from(got.recon));
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(50);
    });
  }
});
