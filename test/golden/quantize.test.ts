// Uniform quantization of CTX values (FORMAT.md section 6).
import { describe, expect, it } from 'vitest';
import { dequantize, quantize } from '../../golden/quantize.js';

/** Nearest integer to v / 2^s with ties toward zero, by exact rational comparison (independent of shifts). */
function refQuantize(v: number, s: number): number {
  const d = 2 ** s;
  const a = Math.abs(v);
  let q = Math.floor(a / d);
  const rem = a - q * d; // exact: all values are small integers
  if (2 * rem > d) q++; // strictly above one half rounds up; exactly one half stays (toward zero)
  return v < 0 ? -q : q;
}

describe('quantize', () => {
  it('s = 0 is the identity', () => {
    for (const v of [0, 1, -1, 255, -128, 65535, -32768]) expect(quantize(v, 0)).toBe(v);
  });

  it('rounds ties toward zero', () => {
    expect(quantize(1, 1) === 0).toBe(true); // 0.5 -> 0
    expect(quantize(3, 1)).toBe(1); // 1.5 -> 1
    expect(quantize(5, 1)).toBe(2); // 2.5 -> 2
    expect(quantize(2, 2) === 0).toBe(true); // 0.5
    expect(quantize(6, 2)).toBe(1); // 1.5
    expect(quantize(10, 2)).toBe(2); // 2.5
    expect(quantize(-1, 1) === 0).toBe(true); // -0.5 -> 0
    expect(quantize(-3, 1)).toBe(-1); // -1.5 -> -1
    expect(quantize(-6, 2)).toBe(-1);
    expect(quantize(-10, 2)).toBe(-2);
    expect(quantize(64, 7) === 0).toBe(true); // 0.5
    expect(quantize(192, 7)).toBe(1); // 1.5
    expect(quantize(-192, 7)).toBe(-1);
  });

  it('rounds non-ties to nearest', () => {
    expect(quantize(3, 2)).toBe(1); // 0.75
    expect(quantize(5, 2)).toBe(1); // 1.25
    expect(quantize(7, 2)).toBe(2); // 1.75
    expect(quantize(-7, 2)).toBe(-2);
    expect(quantize(-5, 2)).toBe(-1);
    expect(quantize(255, 1)).toBe(127); // 127.5 -> 127 (tie)
    expect(quantize(255, 2)).toBe(64); // 63.75
    expect(quantize(255, 7)).toBe(2); // 1.99
    expect(quantize(-128, 7)).toBe(-1);
    expect(quantize(127, 7)).toBe(1); // 0.99
    expect(quantize(65535, 15)).toBe(2);
    expect(quantize(-32768, 15)).toBe(-1);
  });

  it('matches the exact rational rule and is monotonic, exhaustively for W in 4..16', () => {
    for (let W = 4; W <= 16; W++) {
      for (const signed of [false, true]) {
        const lo = signed ? -(2 ** (W - 1)) : 0;
        const hi = signed ? 2 ** (W - 1) - 1 : 2 ** W - 1;
        for (let s = 1; s <= W - 1; s++) {
          let prev = -Infinity;
          for (let v = lo; v <= hi; v++) {
            const q = quantize(v, s);
            if (q !== refQuantize(v, s) || q < prev) expect.fail(`quantize(${v}, ${s}) = ${q}, expected ${refQuantize(v, s)} (prev ${prev})`);
            prev = q;
          }
        }
      }
    }
  });
});

describe('dequantize', () => {
  it('is q * 2^s inside the range and clamps outside', () => {
    expect(dequantize(3, 2, 0, 255)).toBe(12);
    expect(dequantize(-3, 2, -128, 127)).toBe(-12);
    expect(dequantize(64, 2, 0, 255)).toBe(255); // 256 clamps to the top
    expect(dequantize(1, 7, -128, 127)).toBe(127); // 128 clamps
    expect(dequantize(-1, 7, -128, 127)).toBe(-128); // exact bottom
    expect(dequantize(-2, 7, -128, 127)).toBe(-128); // -256 clamps to the bottom
    expect(dequantize(2, 15, 0, 65535)).toBe(65535);
    expect(dequantize(0, 5, 0, 255)).toBe(0);
    expect(dequantize(200, 0, 0, 255)).toBe(200);
    expect(dequantize(300, 0, 0, 255)).toBe(255);
    expect(dequantize(-1, 0, 0, 255)).toBe(0);
  });

  it('recon error |x - recon| <= 2^(s-1) for every value, and the clamped top stays in range', () => {
    // At the clamped top the bound still holds: x <= hi < q 2^s, so hi - x < q 2^s - x <= 2^(s-1).
    for (let W = 4; W <= 16; W++) {
      for (const signed of [false, true]) {
        const lo = signed ? -(2 ** (W - 1)) : 0;
        const hi = signed ? 2 ** (W - 1) - 1 : 2 ** W - 1;
        for (let s = 0; s <= Math.min(15, W - 1); s++) {
          const bound = s === 0 ? 0 : 2 ** (s - 1);
          let clamped = 0;
          for (let v = lo; v <= hi; v++) {
            const q = quantize(v, s);
            const r = dequantize(q, s, lo, hi);
            if (r < lo || r > hi) expect.fail(`recon ${r} of ${v} at s=${s} is out of range`);
            if (q * 2 ** s !== r) {
              clamped++;
              if (r !== hi) expect.fail(`only the top clamps: v=${v} s=${s} W=${W} signed=${signed} -> ${r}`);
            }
            if (Math.abs(v - r) > bound) expect.fail(`|${v} - ${r}| > 2^(${s}-1) at W=${W} signed=${signed}`);
          }
          if (s === 0) expect(clamped).toBe(0);
        }
      }
    }
    // the top does clamp where q rounds up past the range
    expect(dequantize(quantize(255, 2), 2, 0, 255)).toBe(255);
    expect(quantize(255, 2) * 4).toBe(256);
  });

  it('quantize(min) .. quantize(max) bounds every index (the decoder\'s accepted range, FORMAT.md 6.2)', () => {
    for (const [W, signed] of [[8, false], [8, true], [12, true], [16, false]] as const) {
      const lo = signed ? -(2 ** (W - 1)) : 0;
      const hi = signed ? 2 ** (W - 1) - 1 : 2 ** W - 1;
      for (let s = 1; s < W; s++) {
        const qMin = quantize(lo, s);
        const qMax = quantize(hi, s);
        expect(qMax).toBe(refQuantize(hi, s));
        for (let v = lo; v <= hi; v += Math.max(1, (hi - lo) >> 10)) {
          const q = quantize(v, s);
          if (q < qMin || q > qMax) expect.fail(`quantize(${v}, ${s}) = ${q} outside [${qMin}, ${qMax}]`);
        }
      }
    }
  });
});
