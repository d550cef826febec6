// Integer DCT (FORMAT.md section 7) and the integer helpers every rounding goes through (intmath.ts).
import { describe, expect, it } from 'vitest';
import { dctFloat, dctForward, dctInverse, dctMatrix } from '../../golden/dct.js';
import { bitLength, roundShift, signedWidth, signedWidthOf } from '../../golden/intmath.js';
import { Rng } from '../../sim/rng.js';

const SIZES = [4, 8, 16, 32];
const PRECISIONS = [8, 12, 16];

/** Exact reference: sign(x) * ((|x| + 2^(n-1)) >> n) in BigInt (FORMAT.md notation). */
function refRoundShift(x: number, n: number): number {
  if (n === 0) return x;
  const bx = BigInt(x);
  const mag = bx < 0n ? -bx : bx;
  const r = (mag + (1n << BigInt(n - 1))) >> BigInt(n);
  return Number(bx < 0n ? -r : r) + 0;
}

describe('intmath.roundShift', () => {
  it('rounds ties away from zero', () => {
    // x / 2^n with fractional part exactly 1/2
    expect(roundShift(1, 1)).toBe(1); // 0.5
    expect(roundShift(3, 1)).toBe(2); // 1.5
    expect(roundShift(5, 1)).toBe(3); // 2.5
    expect(roundShift(2, 2)).toBe(1); // 0.5
    expect(roundShift(6, 2)).toBe(2); // 1.5
    expect(roundShift(10, 2)).toBe(3); // 2.5
    expect(roundShift(-1, 1)).toBe(-1); // -0.5
    expect(roundShift(-3, 1)).toBe(-2); // -1.5
    expect(roundShift(-6, 2)).toBe(-2); // -1.5
    expect(roundShift(-10, 2)).toBe(-3); // -2.5
    expect(roundShift(2048, 12)).toBe(1); // 0.5
    expect(roundShift(-2048, 12)).toBe(-1);
  });

  it('rounds non-ties to nearest, negative inputs symmetrically', () => {
    expect(roundShift(5, 2)).toBe(1); // 1.25
    expect(roundShift(7, 2)).toBe(2); // 1.75
    expect(roundShift(-5, 2)).toBe(-1);
    expect(roundShift(-7, 2)).toBe(-2);
    expect(roundShift(1, 2) === 0).toBe(true); // 0.25 (-0 and 0 both accepted)
    expect(roundShift(-1, 2) === 0).toBe(true);
    expect(roundShift(4095, 12)).toBe(1);
    expect(roundShift(2047, 12) === 0).toBe(true);
    expect(roundShift(-2047, 12) === 0).toBe(true);
    // (+ 0: a -0 result is the integer 0; the tests compare integer values)
    for (let x = -300; x <= 300; x++) {
      for (let n = 0; n <= 10; n++) if (roundShift(x, n) !== refRoundShift(x, n)) expect(roundShift(x, n) + 0, `x=${x} n=${n}`).toBe(refRoundShift(x, n));
    }
  });

  it('n = 0 is the identity, for any magnitude', () => {
    for (const x of [0, 1, -1, 12345, -12345, 2 ** 31, -(2 ** 31), 2 ** 40 + 3, -(2 ** 51) + 7]) expect(roundShift(x, 0)).toBe(x);
  });

  it('handles values beyond 2^31 (float path) with the same rule', () => {
    expect(roundShift(2 ** 40 + 2 ** 19, 20)).toBe(2 ** 20 + 1); // tie 1048576.5 -> away
    expect(roundShift(-(2 ** 40 + 2 ** 19), 20)).toBe(-(2 ** 20 + 1));
    expect(roundShift(2 ** 40 + 2 ** 19 - 1, 20)).toBe(2 ** 20);
    expect(roundShift(2 ** 33, 1)).toBe(2 ** 32);
    expect(roundShift(2 ** 33 + 1, 1)).toBe(2 ** 32 + 1); // tie
    expect(roundShift(-(2 ** 33) - 1, 1)).toBe(-(2 ** 32) - 1);
    expect(roundShift(2 ** 51 + 2 ** 9, 10)).toBe(2 ** 41 + 1);
    expect(roundShift(2 ** 31, 31)).toBe(1);
    expect(roundShift(2 ** 30, 31)).toBe(1); // 0.5 -> 1
    expect(roundShift(-(2 ** 30), 31)).toBe(-1);
    expect(roundShift(2 ** 30 - 1, 31) === 0).toBe(true);
    expect(roundShift(5, 40) === 0).toBe(true);
  });

  it('the 32-bit fast path and the float path agree at their boundary and everywhere else', () => {
    // The fast path covers n < 31 and |x| < 2^30: probe both sides of each limit, then random values of
    // every magnitude up to 2^52, against an exact BigInt reference.
    const edges = [0x3fffffff, 0x40000000, 0x40000001, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000];
    for (const e of edges) {
      for (const x of [e, -e, e - 1, -e + 1]) {
        for (let n = 0; n <= 40; n++) expect(roundShift(x, n) + 0, `x=${x} n=${n}`).toBe(refRoundShift(x, n));
      }
    }
    const rng = new Rng(0x5eed01);
    for (let i = 0; i < 20000; i++) {
      const bits = rng.int(1, 52);
      let x = Math.floor(rng.float() * 2 ** bits);
      if (rng.chance(0.5)) x = -x;
      const n = rng.int(0, 40);
      const got = roundShift(x, n);
      const want = refRoundShift(x, n);
      if (got !== want) expect(got, `roundShift(${x}, ${n})`).toBe(want);
      // an exact half in the float range
      if (n > 0 && n < 40) {
        const t = (Math.floor(rng.float() * 2 ** 10) * 2 + 1) * 2 ** (n - 1); // odd multiple of 2^(n-1)
        if (t < 2 ** 52) {
          expect(roundShift(t, n) + 0).toBe(refRoundShift(t, n));
          expect(roundShift(-t, n) + 0).toBe(refRoundShift(-t, n));
        }
      }
    }
  });
});

describe('intmath.bitLength / signedWidth', () => {
  it('small values', () => {
    expect(bitLength(0)).toBe(0);
    expect(bitLength(1)).toBe(1);
    expect(bitLength(2)).toBe(2);
    expect(bitLength(3)).toBe(2);
    expect(bitLength(255)).toBe(8);
    expect(bitLength(256)).toBe(9);
    expect(bitLength(0xffffffff)).toBe(32);
    expect(signedWidth(0)).toBe(0);
    expect(signedWidth(1)).toBe(2); // [-1, 1]
    expect(signedWidth(128)).toBe(9); // [-128, 128]
    expect(signedWidthOf(0)).toBe(0);
    expect(signedWidthOf(1)).toBe(2);
    expect(signedWidthOf(-1)).toBe(1);
    expect(signedWidthOf(-2)).toBe(2);
    expect(signedWidthOf(127)).toBe(8);
    expect(signedWidthOf(-128)).toBe(8);
    expect(signedWidthOf(128)).toBe(9);
    expect(signedWidthOf(-129)).toBe(9);
  });

  it('signedWidthOf is the smallest two\'s-complement width', () => {
    for (let v = -5000; v <= 5000; v++) {
      if (v === 0) continue;
      const w = signedWidthOf(v);
      const fits = v >= -(2 ** (w - 1)) && v <= 2 ** (w - 1) - 1;
      const fitsNarrower = v >= -(2 ** (w - 2)) && v <= 2 ** (w - 2) - 1;
      if (!fits || fitsNarrower) expect.fail(`signedWidthOf(${v}) = ${w}`);
    }
  });

  it('is exact for every m = 2^k - 1, 2^k, 2^k + 1 up to 2^52 (the documented range of the helpers)', () => {
    // bitLength is documented as "number of bits needed to write m"; above 2^32 it uses Math.log2,
    // which rounds 2^k - 1 up to k for large k.
    const wrong: string[] = [];
    for (let k = 1; k <= 52; k++) {
      for (const m of [2 ** k - 1, 2 ** k, 2 ** k + 1]) {
        const want = m.toString(2).length;
        if (bitLength(m) !== want) wrong.push(`bitLength(2^${k}${m === 2 ** k ? '' : m < 2 ** k ? '-1' : '+1'}) = ${bitLength(m)}, expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('dctMatrix', () => {
  it('N=4, P=12 known answer (computed by hand from the cos formula)', () => {
    // c0 = sqrt(1/4) = 1/2:             4096 * 0.5 = 2048
    // k=1: 4096*sqrt(1/2)*cos(pi/8)   = 4096 * 0.6532815 = 2675.84 -> 2676
    //      4096*sqrt(1/2)*cos(3pi/8)  = 4096 * 0.2705981 = 1108.37 -> 1108
    // k=2: 4096*sqrt(1/2)*cos(pi/4)   = 2048 exactly (in doubles 2048.0000000000002 -> 2048)
    // k=3: cos(3pi/8), cos(9pi/8), cos(15pi/8), cos(21pi/8) = +0.3827, -0.9239, +0.9239, -0.3827
    expect(dctMatrix(4, 12)).toEqual([
      [2048, 2048, 2048, 2048],
      [2676, 1108, -1108, -2676],
      [2048, -2048, -2048, 2048],
      [1108, -2676, 2676, -1108],
    ]);
  });

  it('N=8, P=8 known answer rows (by hand)', () => {
    const T = dctMatrix(8, 8);
    // 256/sqrt(8) = 90.51 -> 91
    expect(T[0]).toEqual([91, 91, 91, 91, 91, 91, 91, 91]);
    // 128*cos(pi/16)=125.54, 128*cos(3pi/16)=106.43, 128*cos(5pi/16)=71.11, 128*cos(7pi/16)=24.97
    expect(T[1]).toEqual([126, 106, 71, 25, -25, -71, -106, -126]);
    // 128*cos((2n+1)pi/4) = +-90.51 -> +-91
    expect(T[4]).toEqual([91, -91, -91, 91, 91, -91, -91, 91]);
  });

  it('N=8, P=12 equals the matrix printed in FORMAT.md 7.1', () => {
    expect(dctMatrix(8, 12)).toEqual([
      [1448, 1448, 1448, 1448, 1448, 1448, 1448, 1448],
      [2009, 1703, 1138, 400, -400, -1138, -1703, -2009],
      [1892, 784, -784, -1892, -1892, -784, 784, 1892],
      [1703, -400, -2009, -1138, 1138, 2009, 400, -1703],
      [1448, -1448, -1448, 1448, 1448, -1448, -1448, 1448],
      [1138, -2009, 400, 1703, -1703, -400, 2009, -1138],
      [784, -1892, 1892, -784, -784, 1892, -1892, 784],
      [400, -1138, 1703, -2009, 2009, -1703, 1138, -400],
    ]);
  });

  it('every entry is the half-away rounding of the scaled cosine, with no negative zeros', () => {
    for (const N of SIZES) {
      for (const P of PRECISIONS) {
        const T = dctMatrix(N, P);
        expect(T.length).toBe(N);
        for (let k = 0; k < N; k++) {
          expect(T[k].length).toBe(N);
          const ck = k === 0 ? Math.sqrt(1 / N) : Math.sqrt(2 / N);
          for (let n = 0; n < N; n++) {
            const x = 2 ** P * ck * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N));
            const t = T[k][n];
            if (!Number.isInteger(t) || Math.abs(t - x) > 0.5 || Object.is(t, -0) || (Math.abs(t - x) === 0.5 && Math.abs(t) < Math.abs(x))) {
              expect.fail(`T[${k}][${n}] = ${t} for N=${N} P=${P} is not the half-away rounding of ${x}`);
            }
          }
        }
      }
    }
  });

  it('is orthogonal: |T T^T - 2^(2P) I| <= sqrt(N) 2^P + N/4 entrywise', () => {
    // Each entry is A + e with |e| <= 1/2, so (T T^T)_jk - 2^(2P) delta_jk is bounded by
    // (|A_j|_1 + |A_k|_1) / 2 + N/4 <= sqrt(N) 2^P + N/4 (|A|_1 <= sqrt(N) |A|_2 = sqrt(N) 2^P).
    // The relative error therefore stays below sqrt(N) / 2^P (2.2% for N=32, P=8).
    const report: string[] = [];
    for (const N of SIZES) {
      for (const P of PRECISIONS) {
        const T = dctMatrix(N, P);
        let worst = 0;
        for (let j = 0; j < N; j++) {
          for (let k = 0; k < N; k++) {
            let acc = 0;
            for (let n = 0; n < N; n++) acc += T[j][n] * T[k][n];
            worst = Math.max(worst, Math.abs(acc - (j === k ? 2 ** (2 * P) : 0)));
          }
        }
        const bound = Math.sqrt(N) * 2 ** P + N / 4;
        expect(worst, `N=${N} P=${P}`).toBeLessThanOrEqual(bound);
        report.push(`N=${N} P=${P}: ${worst} (${(worst / 2 ** (2 * P)).toExponential(2)} relative)`);
      }
    }
    console.log(`max |T T^T - 2^2P I|: ${report.join('; ')}`);
  });
});

describe('dctForward / dctInverse', () => {
  it('a constant block has only a DC coefficient', () => {
    // Rows k > 0 are (anti)symmetric pairs of equal magnitude, and rounding is sign-symmetric, so each
    // row sums to exactly 0: q_k = 0 for k > 0 and q_0 = roundShift(c * sum T[0], P + s).
    for (const N of SIZES) {
      for (const P of PRECISIONS) {
        const T = dctMatrix(N, P);
        const out = new Int32Array(N);
        for (const c of [0, 1, 7, 128, 255, -128, 4095, 65535, -32768]) {
          for (const s of [0, 1, 3]) {
            dctForward(T, P, s, new Array(N).fill(c), out);
            for (let k = 1; k < N; k++) expect(out[k], `N=${N} P=${P} c=${c} k=${k}`).toBe(0);
            expect(out[0]).toBe(roundShift(c * N * T[0][0], P + s));
            // and it is close to the true DC, c * sqrt(N) / 2^s
            expect(Math.abs(out[0] - (c * Math.sqrt(N)) / 2 ** s)).toBeLessThanOrEqual(0.5 + (Math.abs(c) * N * 0.5) / 2 ** (P + s));
          }
        }
      }
    }
  });

  it('inverse(forward(x)) reproduces 8-bit inputs within a small bound (s = 0)', () => {
    // Stated bound for 8-bit data (unsigned 0..255 and signed -128..127): P = 8: 4, P >= 12: 1.
    // A looser analytic bound is checked too: |y - x| <= 1/2 + (max column L1 of T) / 2^(P+1)
    // + max_n sum_m |(T^T T)_nm / 2^2P - delta_nm| * max|x|.
    const rng = new Rng(0xdc7);
    const measured: string[] = [];
    for (const N of SIZES) {
      for (const P of PRECISIONS) {
        const T = dctMatrix(N, P);
        let colL1 = 0;
        let gRow = 0;
        for (let n = 0; n < N; n++) {
          colL1 = Math.max(colL1, T.reduce((a, row) => a + Math.abs(row[n]), 0));
          let g = 0;
          for (let m = 0; m < N; m++) {
            let acc = 0;
            for (let k = 0; k < N; k++) acc += T[k][n] * T[k][m];
            g += Math.abs(acc / 2 ** (2 * P) - (n === m ? 1 : 0));
          }
          gRow = Math.max(gRow, g);
        }
        const analytic = 0.5 + colL1 / 2 ** (P + 1) + gRow * 255;
        const stated = P === 8 ? 4 : 1;
        const q = new Int32Array(N);
        const y = new Float64Array(N);
        let worst = 0;
        const inputs: number[][] = [];
        for (let c = 0; c < 256; c++) inputs.push(new Array(N).fill(c));
        for (let i = 0; i < 3000; i++) inputs.push(Array.from({ length: N }, () => rng.int(0, 255)));
        for (let i = 0; i < 500; i++) inputs.push(Array.from({ length: N }, (_, n) => ((n + i) % 2 ? 255 : 0)));
        for (let i = 0; i < 500; i++) inputs.push(Array.from({ length: N }, () => rng.int(-128, 127)));
        for (let i = 0; i < 200; i++) inputs.push(Array.from({ length: N }, () => (rng.chance(0.5) ? 127 : -128)));
        for (const x of inputs) {
          dctForward(T, P, 0, x, q);
          dctInverse(T, P, 0, q, y);
          for (let n = 0; n < N; n++) worst = Math.max(worst, Math.abs(y[n] - x[n]));
        }
        expect(worst, `N=${N} P=${P}`).toBeLessThanOrEqual(stated);
        expect(worst, `N=${N} P=${P}`).toBeLessThanOrEqual(analytic);
        measured.push(`N=${N} P=${P}: ${worst}`);
      }
    }
    console.log(`max |inverse(forward(x)) - x| for 8-bit x: ${measured.join('; ')}`);
  });

  it('inverse(forward(x)) for 16-bit inputs at P = 16 stays within 4', () => {
    const rng = new Rng(77);
    for (const N of SIZES) {
      const T = dctMatrix(N, 16);
      const q = new Int32Array(N);
      const y = new Float64Array(N);
      let worst = 0;
      for (let i = 0; i < 2000; i++) {
        const x = Array.from({ length: N }, () => (i % 2 ? rng.int(0, 65535) : rng.int(-32768, 32767)));
        dctForward(T, 16, 0, x, q);
        dctInverse(T, 16, 0, q, y);
        for (let n = 0; n < N; n++) worst = Math.max(worst, Math.abs(y[n] - x[n]));
      }
      expect(worst, `N=${N}`).toBeLessThanOrEqual(4);
    }
  });

  it('the quantized inverse matches its formula for s <= P and s > P', () => {
    // y_n = roundShift(sum_k T[k][n] q_k, P - s), or the sum times 2^(s-P) when s > P (FORMAT.md 7.3)
    const rng = new Rng(99);
    for (const N of SIZES) {
      for (const P of PRECISIONS) {
        const T = dctMatrix(N, P);
        const y = new Float64Array(N);
        for (const s of [0, 1, 7, 8, 9, 15]) {
          for (let i = 0; i < 40; i++) {
            const q = Array.from({ length: N }, () => rng.int(-40, 40));
            dctInverse(T, P, s, q, y);
            for (let n = 0; n < N; n++) {
              let acc = 0;
              for (let k = 0; k < N; k++) acc += T[k][n] * q[k];
              const want = s <= P ? refRoundShift(acc, P - s) : acc * 2 ** (s - P);
              if (y[n] !== want) expect(y[n], `N=${N} P=${P} s=${s} q=${q}`).toBe(want);
            }
          }
        }
      }
    }
  });

  it('forward transform error against dctFloat is bounded (and reported)', () => {
    // q_k = roundShift(sum T x, P) differs from the exact orthonormal DCT by at most the final rounding
    // (1/2) plus the matrix rounding seen by x: sum_n |T[k][n] - 2^P c_k cos(..)| |x_n| / 2^P
    // <= 1/2 + N * max|x| / 2^(P+1). The tighter per-row bound is asserted; the maximum is printed.
    const rng = new Rng(2024);
    const table: string[] = [];
    let overall = 0;
    for (const N of SIZES) {
      for (const P of PRECISIONS) {
        const T = dctMatrix(N, P);
        const rowErr = T.map((row, k) => {
          const ck = k === 0 ? Math.sqrt(1 / N) : Math.sqrt(2 / N);
          return row.reduce((a, t, n) => a + Math.abs(t - 2 ** P * ck * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N))), 0);
        });
        const q = new Int32Array(N);
        let worst = 0;
        const trials: number[][] = [];
        for (let i = 0; i < 2000; i++) trials.push(Array.from({ length: N }, () => rng.int(0, 255)));
        for (let i = 0; i < 200; i++) trials.push(Array.from({ length: N }, (_, n) => ((n + i) % 2 ? 255 : 0)));
        for (let i = 0; i < 200; i++) trials.push(Array.from({ length: N }, () => (rng.chance(0.5) ? 255 : 0)));
        for (const x of trials) {
          dctForward(T, P, 0, x, q);
          const f = dctFloat(x);
          const xmax = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
          for (let k = 0; k < N; k++) {
            const e = Math.abs(q[k] - f[k]);
            const bound = 0.5 + (rowErr[k] * xmax) / 2 ** P + 1e-9;
            if (e > bound) expect(e, `N=${N} P=${P} k=${k} x=${x}`).toBeLessThanOrEqual(bound);
            worst = Math.max(worst, e);
          }
        }
        expect(worst).toBeLessThanOrEqual(0.5 + (N * 255) / 2 ** (P + 1));
        // P >= 12 keeps the 8-bit forward error below one coefficient step
        if (P >= 12) expect(worst, `N=${N} P=${P}`).toBeLessThan(1);
        overall = Math.max(overall, worst);
        table.push(`N=${N} P=${P}: ${worst.toFixed(3)}`);
      }
    }
    console.log(`max |dctForward - dctFloat| (8-bit inputs, s=0): ${table.join('; ')}; overall ${overall.toFixed(3)}`);
  });

  it('dctFloat is the orthonormal DCT-II (energy preserving)', () => {
    const rng = new Rng(5);
    for (const N of SIZES) {
      const x = Array.from({ length: N }, () => rng.int(-100, 100));
      const f = dctFloat(x);
      const ex = x.reduce((a, v) => a + v * v, 0);
      const ef = f.reduce((a, v) => a + v * v, 0);
      expect(Math.abs(ex - ef)).toBeLessThan(1e-6 * Math.max(1, ex));
    }
    expect(dctFloat([1, 1, 1, 1])[0]).toBeCloseTo(2, 12);
  });
});
