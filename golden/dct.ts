// The integer 1-D DCT-II along the channels of a block, and its inverse (FORMAT.md section 7).
import { roundShift } from './intmath.js';

/** Orthonormal DCT-II basis scaled by 2^P, rounded half away from zero: T[k][n]. */
export function dctMatrix(N: number, P: number): number[][] {
  const T: number[][] = [];
  for (let k = 0; k < N; k++) {
    const ck = k === 0 ? Math.sqrt(1 / N) : Math.sqrt(2 / N);
    const row: number[] = [];
    for (let n = 0; n < N; n++) {
      const x = 2 ** P * ck * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N));
      row.push(Math.sign(x) * Math.round(Math.abs(x)) + 0); // + 0 turns -0 into 0
    }
    T.push(row);
  }
  return T;
}

/** Quantized forward transform: q_k = roundShift(sum_n T[k][n] x_n, P + s). */
export function dctForward(T: number[][], P: number, s: number, x: ArrayLike<number>, out: Int32Array): void {
  const N = T.length;
  for (let k = 0; k < N; k++) {
    const row = T[k];
    let acc = 0;
    for (let n = 0; n < N; n++) acc += row[n] * x[n];
    out[k] = roundShift(acc, P + s);
  }
}

/**
 * Inverse transform of quantized coefficients before clamping and masking:
 * y_n = roundShift(sum_k T[k][n] q_k, P - s) (a left shift by s - P when s > P).
 */
export function dctInverse(T: number[][], P: number, s: number, q: ArrayLike<number>, out: Int32Array): void {
  const N = T.length;
  for (let n = 0; n < N; n++) {
    let acc = 0;
    for (let k = 0; k < N; k++) acc += T[k][n] * q[k];
    out[n] = s <= P ? roundShift(acc, P - s) : acc * 2 ** (s - P);
  }
}

/** Float reference (orthonormal DCT-II), used only to measure the integer transform's error. */
export function dctFloat(x: ArrayLike<number>): number[] {
  const N = x.length;
  const out: number[] = [];
  for (let k = 0; k < N; k++) {
    const ck = k === 0 ? Math.sqrt(1 / N) : Math.sqrt(2 / N);
    let acc = 0;
    for (let n = 0; n < N; n++) acc += x[n] * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * N));
    out.push(ck * acc);
  }
  return out;
}
