// The worst-case sizes of golden/bounds.ts against the encoder: adversarial tiles reach them exactly
// (so they are not loose), and no tile exceeds them (adversarial, random, every policy).
import { describe, expect, it } from 'vitest';
import { CodecConfig, Derived, MODE_DCT, MODE_RAW, MODE_ZERO, POLICIES, Policy, TileSettings, defaultBusWidth, derive } from '../../golden/params.js';
import { effectiveShift, encodeTile, newPlan, planPixel, updateContext } from '../../golden/tile.js';
import { recordBitsMax, recordBitsMaxAny, tileBitsMax, tileWordsMax } from '../../golden/bounds.js';
import { bitLength } from '../../golden/intmath.js';
import { Rng } from '../../sim/rng.js';

const cfg = (channels: number, dctSize: number, dataWidth: number, signed: boolean, busWidth?: number, dctPrecision = 12): CodecConfig => ({
  channels,
  dctSize,
  dataWidth,
  signed,
  busWidth: busWidth ?? defaultBusWidth(channels, dataWidth),
  dctPrecision,
});

const CONFIGS: CodecConfig[] = [
  cfg(8, 4, 4, false),
  cfg(8, 8, 5, true, 96),
  cfg(16, 8, 8, true),
  cfg(64, 8, 8, false),
  cfg(16, 16, 12, false, 64),
  cfg(64, 32, 16, true),
  cfg(32, 4, 16, false, 32, 8),
  cfg(32, 16, 10, true, 128, 16),
];
const label = (c: CodecConfig) => `C${c.channels} N${c.dctSize} W${c.dataWidth} ${c.signed ? 's' : 'u'} B${c.busWidth} P${c.dctPrecision}`;

/** A value of bit length L (L = W only as the most negative value when signed). */
function valueOfLength(d: Derived, L: number): number {
  if (L === 0) return 0;
  if (d.cfg.signed && L === d.cfg.dataWidth) return d.minVal;
  return 2 ** (L - 1);
}

/**
 * Pixels that make every block as dear as CTX can be: each channel takes the bit length whose CTX cost
 * is highest in its current context, then the context that length leaves (the block goes RAW).
 */
function adversarialCtx(d: Derived, npix: number): Int32Array {
  const { channels: C, dataWidth: W } = d.cfg;
  const S = d.symbols;
  const px = new Int32Array(npix * C);
  const ctx = new Uint8Array(C);
  for (let p = 0; p < npix; p++) {
    for (let c = 0; c < C; c++) {
      let best = 1;
      for (let L = 1; L <= W; L++) if (d.symBits[ctx[c] * S + L] > d.symBits[ctx[c] * S + best]) best = L;
      px[p * C + c] = valueOfLength(d, best);
      ctx[c] = bitLength(Math.abs(px[p * C + c])); // a RAW value's context at shift 0
    }
  }
  return px;
}

/**
 * Candidates for the widest DCT coefficients: every value at an end of the range, following the signs of
 * one row of T (or their opposite), so that row's sum reaches its largest magnitude.
 */
function dctCandidates(d: Derived, npix: number): Int32Array[] {
  const { channels: C, dctSize: N } = d.cfg;
  const out: Int32Array[] = [];
  for (const row of d.dct) {
    for (const flip of [false, true]) {
      const px = new Int32Array(npix * C);
      for (let i = 0; i < px.length; i++) px[i] = (row[i % N] >= 0) !== flip ? d.maxPos : d.minVal;
      out.push(px);
    }
  }
  return out;
}

function recordBits(d: Derived, settings: TileSettings, px: Int32Array, npix: number): { bits: number[]; modes: number[] } {
  const ctx = new Uint8Array(d.cfg.channels);
  const plan = newPlan(d);
  const bits: number[] = [];
  const modes: number[] = [];
  for (let p = 0; p < npix; p++) {
    planPixel(d, settings, ctx, px, p * d.cfg.channels, p, plan);
    updateContext(d, effectiveShift(settings), plan, ctx);
    bits.push(plan.bits);
    modes.push(...plan.modes);
  }
  return { bits, modes };
}

describe.each(CONFIGS.map((c) => [label(c), c] as const))('worst-case sizes: %s', (_l, c) => {
  const d = derive(c);

  it('the bound over all policies is the encoder\'s longest record, and a record can exceed the raw pixel', () => {
    expect(recordBitsMaxAny(d)).toBe(d.maxEncodedRecordBits);
    expect(recordBitsMax(d, 'lossless')).toBe(c.channels * c.dataWidth + 3 * d.blocks);
    expect(recordBitsMax(d, 'auto')).toBe(recordBitsMax(d, 'lossless'));
  });

  it('lossless: the adversarial tile is all RAW and every record and the tile reach the bound exactly', () => {
    const s: TileSettings = { policy: 'lossless', quantShift: 0 };
    for (const npix of [1, 7, 40]) {
      const px = adversarialCtx(d, npix);
      const r = recordBits(d, s, px, npix);
      expect(r.modes.every((m) => m === MODE_RAW)).toBe(true);
      expect(r.bits.every((b) => b === recordBitsMax(d, 'lossless'))).toBe(true);
      const t = encodeTile(d, s, px, npix);
      expect(t.words).toBe(tileWordsMax(d, npix, recordBitsMax(d, 'lossless')));
      expect(t.units.length * 32).toBe(tileBitsMax(d, npix, recordBitsMax(d, 'lossless')));
    }
  });

  it('dct: full-scale values reach the bound, or miss it by at most one bit per coefficient', () => {
    // CWmax is the signed width of the largest |sum|; when that sum is only reached negatively and is a
    // power of two (signed data), the coefficient fits one bit less, so the bound can be N bits per block loose.
    const s: TileSettings = { policy: 'dct', quantShift: 0 };
    let max = 0;
    for (const px of dctCandidates(d, 3)) {
      const r = recordBits(d, s, px, 3);
      expect(r.modes.every((m) => m === MODE_DCT || m === MODE_ZERO)).toBe(true); // an all-zero candidate block is ZERO
      max = Math.max(max, ...r.bits);
    }
    const bound = recordBitsMax(d, 'dct');
    expect(max).toBeLessThanOrEqual(bound);
    expect(bound - max).toBeLessThanOrEqual(d.blocks * c.dctSize);
    if (!c.signed) expect(max).toBe(bound); // unsigned: the all-maximum block reaches CWmax
    console.log(`${label(c)}: dct records up to ${max} of the bound ${bound} bits; lossless/auto ${recordBitsMax(d, 'lossless')} bits (raw pixel ${c.channels * c.dataWidth})`);
  });

  it('no tile exceeds its policy\'s bound: adversarial and random pixels, every policy and shift', () => {
    const rng = new Rng(c.channels * 131 + c.dataWidth);
    const rand = () => rng.u32();
    const npix = 12;
    const maxShift = Math.min(15, c.dataWidth - 1);
    for (const policy of POLICIES as readonly Policy[]) {
      for (const quantShift of policy === 'lossless' ? [0] : [0, 1, maxShift]) {
        const s: TileSettings = { policy, quantShift };
        const random = new Int32Array(npix * c.channels).map(() => d.minVal + (rand() % (d.maxPos - d.minVal + 1)));
        for (const px of [adversarialCtx(d, npix), ...dctCandidates(d, npix).slice(0, 4), random]) {
          const r = recordBits(d, s, px, npix);
          expect(Math.max(...r.bits)).toBeLessThanOrEqual(recordBitsMax(d, policy));
          expect(encodeTile(d, s, px, npix).words).toBeLessThanOrEqual(tileWordsMax(d, npix, recordBitsMax(d, policy)));
        }
      }
    }
  });
});
