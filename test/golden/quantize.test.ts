// Uniform quantization of CTX values (FORMAT.md section 6).
import { describe, expect, it } from 'vitest';
import { dequantize, indexLimit, quantize } from '../../golden/quantize.js';

/** Nearest integer to v / 2^s with ties to even, by exact rational comparison (independent of shifts). */
function refQuantize(v: number, s: number): number {
  const d = 2 ** s;
  const a = Math.abs(v);
  let q = Math.floor(a / d);
  const rem = a - q * d; // exact: all values are small integers
  if (2 * rem > d || (2 * rem === d && q % 2 === 1)) q++; // above one half rounds up; one half goes to the even index
  return v < 0 ? -q : q;
}

/** Nearest integer to m / 2^s with ties toward zero (m >= 0): the decoder's limit, FORMAT.md 6.2. */
function refLimit(m: number, s: number): number {
  const d = 2 ** s;
  const q = Math.floor(m / d);
  return 2 * (m - q * d) > d ? q + 1 : q;
}

const Q255 = (v: number, s: number) => quantize(v, s, indexLimit(255, s)); // W = 8 unsigned
const Q127 = (v: number, s: number) => quantize(v, s, indexLimit(127, s)); // W = 8 signed

describe('quantize', () => {
  it('s = 0 is the identity', () => {
    for (const v of [0, 1, -1, 255, -128, 65535, -32768]) expect(quantize(v, 0, v)).toBe(v);
  });

  it('rounds ties to the even index', () => {
    expect(Q255(1, 1) === 0).toBe(true); // 0.5 -> 0
    expect(Q255(3, 1)).toBe(2); // 1.5 -> 2
    expect(Q255(5, 1)).toBe(2); // 2.5 -> 2
    expect(Q255(7, 1)).toBe(4); // 3.5 -> 4
    expect(Q255(2, 2) === 0).toBe(true); // 0.5
    expect(Q255(6, 2)).toBe(2); // 1.5
    expect(Q255(10, 2)).toBe(2); // 2.5
    expect(Q255(14, 2)).toBe(4); // 3.5
    expect(Q127(-1, 1) === 0).toBe(true); // -0.5 -> 0
    expect(Q127(-3, 1)).toBe(-2); // -1.5 -> -2
    expect(Q127(-5, 1)).toBe(-2); // -2.5 -> -2
    expect(Q127(-6, 2)).toBe(-2);
    expect(Q127(-10, 2)).toBe(-2);
    expect(Q255(64, 7) === 0).toBe(true); // 0.5
    expect(Q255(192, 7)).toBe(2); // 1.5
    expect(Q127(-64, 7) === 0).toBe(true); // -0.5
    expect(quantize(96, 6, indexLimit(255, 6))).toBe(2); // 1.5
  });

  it('rounds non-ties to nearest', () => {
    expect(Q255(3, 2)).toBe(1); // 0.75
    expect(Q255(5, 2)).toBe(1); // 1.25
    expect(Q255(7, 2)).toBe(2); // 1.75
    expect(Q127(-7, 2)).toBe(-2);
    expect(Q127(-5, 2)).toBe(-1);
    expect(Q255(255, 2)).toBe(64); // 63.75
    expect(Q255(255, 7)).toBe(2); // 1.99
    expect(Q127(-128, 7)).toBe(-1);
    expect(Q127(127, 7)).toBe(1); // 0.99
    expect(quantize(65535, 15, indexLimit(65535, 15))).toBe(2);
    expect(quantize(-32768, 15, indexLimit(32767, 15))).toBe(-1);
  });

  it('limits the top tie to the decoder\'s range: maxPos at s = 1', () => {
    expect(Q255(255, 1)).toBe(127); // 127.5 would round to 128 > indexLimit(255, 1) = 127
    expect(Q255(254, 1)).toBe(127);
    expect(Q127(127, 1)).toBe(63); // 63.5 -> 64 > 63
    expect(Q127(-128, 1)).toBe(-64); // exact: the negative end is a multiple of 2^s
    expect(quantize(65535, 1, indexLimit(65535, 1))).toBe(32767);
    expect(quantize(15, 1, indexLimit(15, 1))).toBe(7);
  });

  it('the decoder\'s limits are the range ends rounded with ties toward zero (format version 1)', () => {
    expect(indexLimit(255, 0)).toBe(255);
    expect(indexLimit(255, 1)).toBe(127);
    expect(indexLimit(255, 2)).toBe(64);
    expect(indexLimit(128, 7)).toBe(1);
    expect(indexLimit(127, 7)).toBe(1);
    expect(indexLimit(65535, 15)).toBe(2);
    for (let m = 0; m < 1 << 16; m += 1 + (m >> 6)) for (let s = 0; s <= 15; s++) if (indexLimit(m, s) !== refLimit(m, s)) expect.fail(`indexLimit(${m}, ${s})`);
  });

  it('matches the exact rational rule (limited at the top), is monotonic and stays in the decoder\'s range, exhaustively for W in 4..16', () => {
    for (let W = 4; W <= 16; W++) {
      for (const signed of [false, true]) {
        const lo = signed ? -(2 ** (W - 1)) : 0;
        const hi = signed ? 2 ** (W - 1) - 1 : 2 ** W - 1;
        for (let s = 1; s <= W - 1; s++) {
          const qMax = indexLimit(hi, s);
          const qMin = -indexLimit(-lo, s);
          let prev = -Infinity;
          for (let v = lo; v <= hi; v++) {
            const q = quantize(v, s, qMax);
            const want = Math.min(refQuantize(v, s), qMax);
            if (q !== want || q < prev) expect.fail(`quantize(${v}, ${s}) = ${q}, expected ${want} (prev ${prev})`);
            if (q < qMin || q > qMax) expect.fail(`quantize(${v}, ${s}) = ${q} outside [${qMin}, ${qMax}] at W=${W}`);
            // only v = hi at s = 1 is limited: every other index is the exact rule's
            if (want !== refQuantize(v, s) && !(v === hi && s === 1)) expect.fail(`quantize(${v}, ${s}) limited at W=${W}`);
            prev = q;
          }
        }
      }
    }
  });

  it('ties split evenly: over a whole period of 2^(s+1) values the errors sum to zero', () => {
    // The property that removes the bias of ties toward zero (FORMAT.md 6.1).
    for (let s = 1; s <= 6; s++) {
      const period = 2 ** (s + 1);
      for (const base of [0, period, 5 * period]) {
        let sum = 0;
        const qMax = indexLimit(65535, s);
        for (let v = base; v < base + period; v++) sum += quantize(v, s, qMax) * 2 ** s - v;
        expect(sum).toBe(0);
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
            const q = quantize(v, s, indexLimit(hi, s));
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
    expect(dequantize(Q255(255, 2), 2, 0, 255)).toBe(255);
    expect(Q255(255, 2) * 4).toBe(256);
  });
});
