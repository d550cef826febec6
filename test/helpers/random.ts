// Tensor pattern generators for the tests, driven by the one seeded generator (sim/rng.ts): the same
// seed gives the same data, so a failing case can be replayed exactly.
import { Rng } from '../../sim/rng.js';

/** Value range of W-bit data. */
export function valueRange(W: number, signed: boolean): { lo: number; hi: number } {
  return signed ? { lo: -(2 ** (W - 1)), hi: 2 ** (W - 1) - 1 } : { lo: 0, hi: 2 ** W - 1 };
}

export const UNSIGNED_PATTERNS = ['sparse', 'dense', 'zero', 'max', 'single', 'alternating', 'small', 'smooth'] as const;
export const SIGNED_PATTERNS = [...UNSIGNED_PATTERNS, 'min', 'negative'] as const;
export type Pattern = (typeof SIGNED_PATTERNS)[number];

export function patternsFor(signed: boolean): readonly Pattern[] {
  return signed ? SIGNED_PATTERNS : UNSIGNED_PATTERNS;
}

/** A value whose magnitude is spread over every bit length (so every rank / escape gets used). */
function spreadValue(rng: Rng, W: number, signed: boolean): number {
  const { lo, hi } = valueRange(W, signed);
  const L = rng.int(1, W);
  let mag = 2 ** (L - 1) + Math.floor(rng.float() * 2 ** (L - 1));
  if (signed && rng.chance(0.5)) {
    mag = Math.min(mag, -lo);
    return -mag;
  }
  return Math.min(mag, hi);
}

/**
 * npix pixel vectors of C channels (channel fastest, the codec's streaming order), filled by pattern:
 * - sparse: about 70% zeros, the rest spread over all bit lengths
 * - dense: uniform over the whole range
 * - zero / max / min: constant 0, the largest value, the smallest value
 * - single: all zero except one value (an extreme or a random one)
 * - alternating: min and max alternating over channels, flipping every pixel
 * - small: magnitudes 0..3 (CTX territory)
 * - smooth: slowly varying along channels and pixels (DCT territory), with ReLU-like zeros
 * - negative: signed data, values in [min, -1]
 */
export function genPixels(rng: Rng, pattern: Pattern, npix: number, C: number, W: number, signed: boolean): Int32Array {
  const { lo, hi } = valueRange(W, signed);
  const n = npix * C;
  const out = new Int32Array(n);
  const uniform = () => rng.int(lo, hi);
  switch (pattern) {
    case 'sparse':
      for (let i = 0; i < n; i++) out[i] = rng.chance(0.7) ? 0 : spreadValue(rng, W, signed);
      break;
    case 'dense':
      for (let i = 0; i < n; i++) out[i] = uniform();
      break;
    case 'zero':
      break;
    case 'max':
      out.fill(hi);
      break;
    case 'min':
      out.fill(lo);
      break;
    case 'single':
      if (n > 0) out[rng.int(0, n - 1)] = rng.pick([hi, lo === 0 ? 1 : lo, uniform() || 1]);
      break;
    case 'alternating':
      for (let p = 0; p < npix; p++) for (let c = 0; c < C; c++) out[p * C + c] = (p + c) % 2 === 0 ? hi : lo;
      break;
    case 'small':
      for (let i = 0; i < n; i++) out[i] = signed ? rng.int(-3, 3) : rng.int(0, 3);
      break;
    case 'smooth': {
      const amp = (hi - Math.max(lo, -hi)) / 2;
      for (let p = 0; p < npix; p++) {
        const ph = rng.float() * 6.283;
        for (let c = 0; c < C; c++) {
          let v = Math.round(amp * 0.5 * (1 + Math.sin(ph + c * 0.15)) + (rng.float() - 0.5) * amp * 0.05);
          if (signed) v -= Math.round(amp * 0.5);
          if (rng.chance(0.15)) v = 0;
          out[p * C + c] = Math.max(lo, Math.min(hi, v));
        }
      }
      break;
    }
    case 'negative':
      for (let i = 0; i < n; i++) out[i] = rng.int(lo, -1);
      break;
  }
  return out;
}

/** A C x H x W tensor in channel-major order (the .npy layout), from a pixel pattern. */
export function genTensorData(rng: Rng, pattern: Pattern, C: number, H: number, W: number, dataWidth: number, signed: boolean): Int32Array {
  const px = genPixels(rng, pattern, H * W, C, dataWidth, signed);
  const out = new Int32Array(C * H * W);
  for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[c * H * W + p] = px[p * C + c];
  return out;
}
