// Uniform quantization of CTX values (FORMAT.md section 6).
import { describe, expect, it } from 'vitest';
import { TIE_PARITY, dequantize, indexLimit, quantize, tieDirection } from '../../golden/quantize.js';
import { RANKS, derive } from '../../golden/params.js';

/** Nearest integer to v / 2^s, a tie rounding away from zero iff up, by exact rational comparison. */
function refQuantize(v: number, s: number, up: number): number {
  const d = 2 ** s;
  const a = Math.abs(v);
  let q = Math.floor(a / d);
  const rem = a - q * d; // exact: all values are small integers
  if (2 * rem > d || (2 * rem === d && up === 1)) q++;
  return v < 0 ? -q : q;
}

/** Nearest integer to m / 2^s with ties toward zero (m >= 0): the decoder's limit, FORMAT.md 6.2. */
function refLimit(m: number, s: number): number {
  const d = 2 ** s;
  const q = Math.floor(m / d);
  return 2 * (m - q * d) > d ? q + 1 : q;
}

const Q255 = (v: number, s: number, up: number) => quantize(v, s, indexLimit(255, s), up); // W = 8 unsigned
const Q127 = (v: number, s: number, up: number) => quantize(v, s, indexLimit(127, s), up); // W = 8 signed

describe('quantize', () => {
  it('s = 0 is the identity', () => {
    for (const v of [0, 1, -1, 255, -128, 65535, -32768]) for (const up of [0, 1]) expect(quantize(v, 0, v, up)).toBe(v);
  });

  it('a tie rounds away from zero with up = 1, toward zero with up = 0', () => {
    expect(Q255(1, 1, 0) === 0).toBe(true); // 0.5
    expect(Q255(1, 1, 1)).toBe(1);
    expect(Q255(3, 1, 0)).toBe(1); // 1.5
    expect(Q255(3, 1, 1)).toBe(2);
    expect(Q255(7, 1, 1)).toBe(4); // 3.5
    expect(Q255(2, 2, 0) === 0).toBe(true); // 0.5
    expect(Q255(6, 2, 1)).toBe(2); // 1.5
    expect(Q255(10, 2, 0)).toBe(2); // 2.5
    expect(Q127(-1, 1, 0) === 0).toBe(true); // -0.5
    expect(Q127(-3, 1, 1)).toBe(-2); // -1.5
    expect(Q127(-5, 1, 0)).toBe(-2); // -2.5
    expect(Q255(64, 7, 1)).toBe(1); // 0.5
    expect(Q255(192, 7, 0)).toBe(1); // 1.5
    expect(Q127(-64, 7, 1)).toBe(-1); // -0.5
  });

  it('rounds non-ties to nearest whatever up says', () => {
    for (const up of [0, 1]) {
      expect(Q255(3, 2, up)).toBe(1); // 0.75
      expect(Q255(5, 2, up)).toBe(1); // 1.25
      expect(Q255(7, 2, up)).toBe(2); // 1.75
      expect(Q127(-7, 2, up)).toBe(-2);
      expect(Q127(-5, 2, up)).toBe(-1);
      expect(Q255(255, 2, up)).toBe(64); // 63.75
      expect(Q255(255, 7, up)).toBe(2); // 1.99
      expect(Q127(-128, 7, up)).toBe(-1);
      expect(Q127(127, 7, up)).toBe(1); // 0.99
      expect(quantize(65535, 15, indexLimit(65535, 15), up)).toBe(2);
      expect(quantize(-32768, 15, indexLimit(32767, 15), up)).toBe(-1);
    }
  });

  it('limits the top tie to the decoder\'s range: maxPos at s = 1', () => {
    expect(Q255(255, 1, 1)).toBe(127); // 127.5 would round to 128 > indexLimit(255, 1) = 127
    expect(Q255(254, 1, 1)).toBe(127);
    expect(Q127(127, 1, 1)).toBe(63); // 63.5 -> 64 > 63
    expect(Q127(-128, 1, 1)).toBe(-64); // exact: the negative end is a multiple of 2^s
    expect(quantize(65535, 1, indexLimit(65535, 1), 1)).toBe(32767);
    expect(quantize(15, 1, indexLimit(15, 1), 1)).toBe(7);
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
          for (const up of [0, 1]) {
            let prev = -Infinity;
            for (let v = lo; v <= hi; v++) {
              const q = quantize(v, s, qMax, up);
              const want = Math.min(refQuantize(v, s, up), qMax);
              if (q !== want || q < prev) expect.fail(`quantize(${v}, ${s}, up ${up}) = ${q}, expected ${want} (prev ${prev})`);
              if (q < qMin || q > qMax) expect.fail(`quantize(${v}, ${s}) = ${q} outside [${qMin}, ${qMax}] at W=${W}`);
              // only v = hi at s = 1 is ever limited
              if (want !== refQuantize(v, s, up) && !(v === hi && s === 1)) expect.fail(`quantize(${v}, ${s}) limited at W=${W}`);
              prev = q;
            }
          }
        }
      }
    }
  });
});

/** CTX cost of length l in context k (FORMAT.md 5.3, section 4 item 8), from the rank order alone. */
function ctxCost(order: number[], escBits: number, l: number, signed: boolean): number {
  const r = order.indexOf(l);
  return (r < 0 ? RANKS + escBits : r + 1) + (l === 0 ? 0 : l - 1 + (signed ? 1 : 0));
}

describe('tie direction (FORMAT.md 6.1)', () => {
  it('derive().tieUp sends a tie between lengths L and L + 1 to the cheaper code, TIE_PARITY when they cost the same', () => {
    let parity = 0;
    for (const [W, signed] of [[4, false], [5, true], [8, false], [8, true], [12, false], [16, true]] as const) {
      const d = derive({ channels: 8, dctSize: 8, dataWidth: W, signed, busWidth: 64, dctPrecision: 12 });
      const S = W + 1;
      for (let k = 0; k <= W; k++) {
        for (let L = 0; L < W; L++) {
          const lo = ctxCost(d.rankOrder[k], d.escBits, L, signed);
          const hi = ctxCost(d.rankOrder[k], d.escBits, L + 1, signed);
          const want = lo === hi ? TIE_PARITY : +(hi < lo);
          if (d.tieUp[k * S + L] !== want) expect.fail(`W=${W} k=${k} L=${L}: ${d.tieUp[k * S + L]}, expected ${want}`);
          parity += +(want === TIE_PARITY);
        }
      }
    }
    expect(parity).toBeGreaterThan(0); // the parity case occurs
    // W = 8 unsigned, by hand from the table of FORMAT.md 5.3 (k = 0: ranks 0, 3, 2, 4, 1; escapes 5, 6, 7, 8):
    const d8 = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    expect(d8.tieUp[0 * 9 + 0]).toBe(0); // 0 (1 bit) against 1 (rank 4, 5 bits)
    expect(d8.tieUp[0 * 9 + 1]).toBe(1); // 1 (5 bits) against 2 or 3 (rank 2: 3 bits + 1 mantissa bit)
    expect(d8.tieUp[0 * 9 + 2]).toBe(TIE_PARITY); // 2 (rank 2: 3 + 1) against 3 (rank 1: 2 + 2)
    expect(d8.tieUp[0 * 9 + 3]).toBe(0); // 3 (rank 1: 2 + 2) against 4 (rank 3: 4 + 3)
    expect(d8.tieUp[5 * 9 + 4]).toBe(TIE_PARITY); // k = 5: length 4 (rank 1: 2 + 3) against 5 (rank 0: 1 + 4)
    expect(d8.tieUp[5 * 9 + 3]).toBe(1); // k = 5: length 3 (rank 4: 5 + 2) against 4 (rank 1: 2 + 3)
  });

  it('a tie between equal lengths, or equal costs, goes by the parity; a non-tie is not consulted', () => {
    const d = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    const S = 9;
    // s = 1, v = 5: candidates 2 and 3, both of length 2
    for (const k of [0, 2, 5]) for (const par of [0, 1]) expect(tieDirection(5, 1, d.tieUp, k * S, par)).toBe(par);
    // s = 1, v = 3: candidates 1 and 2 (lengths 1 and 2): the table decides, whatever the parity
    for (const par of [0, 1]) {
      expect(tieDirection(3, 1, d.tieUp, 0 * S, par)).toBe(1);
      expect(tieDirection(1, 1, d.tieUp, 0 * S, par)).toBe(0);
      expect(tieDirection(7, 1, d.tieUp, 3 * S, par)).toBe(1); // 3 against 4: lengths 2 and 3 in context 3
      expect(tieDirection(14, 2, d.tieUp, 3 * S, par)).toBe(1); // s = 2: 3.5, the same pair
      expect(tieDirection(15, 1, d.tieUp, 0 * S, par)).toBe(0); // 7 against 8: lengths 3 and 4
      expect(tieDirection(15, 1, d.tieUp, 5 * S, par)).toBe(1); // the same pair in context 5
      expect(tieDirection(7, 1, d.tieUp, 0 * S, par)).toBe(par); // lengths 2 and 3 cost 4 bits each in context 0
    }
    // an equal-cost pair takes the parity
    const tbl = new Uint8Array(d.tieUp);
    tbl[0 * S + 1] = TIE_PARITY;
    for (const par of [0, 1]) expect(tieDirection(3, 1, tbl, 0, par)).toBe(par);
  });

  it('ties that the parity decides split evenly: alternating parity over a period of 2^(s+1) values sums the errors to zero', () => {
    // values of a channel along the pixels of a tile see the parity alternate (FORMAT.md 6.1)
    for (let s = 1; s <= 6; s++) {
      const qMax = indexLimit(65535, s);
      const period = 2 ** (s + 1);
      for (const base of [0, period, 5 * period]) {
        for (const start of [0, 1]) {
          let sum = 0;
          for (let v = base; v < base + period; v++) {
            for (let p = 0; p < 2; p++) sum += quantize(v, s, qMax, (p + start) & 1) * 2 ** s - v;
          }
          expect(sum).toBe(0);
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
            for (const up of [0, 1]) {
              const q = quantize(v, s, indexLimit(hi, s), up);
              const r = dequantize(q, s, lo, hi);
              if (r < lo || r > hi) expect.fail(`recon ${r} of ${v} at s=${s} is out of range`);
              if (q * 2 ** s !== r) {
                clamped++;
                if (r !== hi) expect.fail(`only the top clamps: v=${v} s=${s} W=${W} signed=${signed} -> ${r}`);
              }
              if (Math.abs(v - r) > bound) expect.fail(`|${v} - ${r}| > 2^(${s}-1) at W=${W} signed=${signed}`);
            }
          }
          if (s === 0) expect(clamped).toBe(0);
        }
      }
    }
    // the top does clamp where q rounds up past the range
    expect(dequantize(Q255(255, 2, 0), 2, 0, 255)).toBe(255);
    expect(Q255(255, 2, 0) * 4).toBe(256);
  });
});
