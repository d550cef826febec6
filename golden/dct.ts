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
export function dctInverse(T: number[][], P: number, s: number, q: ArrayLike<number>, out: Float64Array): void {
  const N = T.length;
  for (let n = 0; n < N; n++) {
    let acc = 0;
    for (let k = 0; k < N; k++) acc += T[k][n] * q[k];
    out[n] = s <= P ? roundShift(acc, P - s) : acc * 2 ** (s - P);
  }
}

/**
 * T folded about the block centre, for the transforms below: F[k * N/2 + n] = T[k][n] for n < N/2.
 * Returns undefined unless T[k][N-1-n] = (-1)^k T[k][n] for all k, n. Every dctMatrix has this symmetry:
 * the cosine of row k is even (k even) or odd (k odd) about the centre of the block, and rounding half
 * away from zero keeps it.
 */
export function foldDct(T: number[][]): Int32Array | undefined {
  const N = T.length;
  const H = N >> 1;
  if (N % 2 !== 0 || N > 32) return undefined;
  const F = new Int32Array(N * H);
  for (let k = 0; k < N; k++) {
    for (let n = 0; n < N; n++) {
      const t = T[k][n];
      if (t !== (k % 2 === 0 ? 1 : -1) * T[k][N - 1 - n] || t !== (t | 0)) return undefined; // (| 0: fits Int32)
    }
    for (let n = 0; n < H; n++) F[k * H + n] = T[k][n];
  }
  return F;
}

const foldX = new Float64Array(16);
const foldY = new Float64Array(16);

/**
 * dctForward with T folded (foldDct): the same integer sums with half the products, as
 * sum_n T[k][n] x_n = sum_{n < N/2} T[k][n] (x_n + x_{N-1-n}) for even k, (x_n - x_{N-1-n}) for odd k.
 * (Every sum is an integer below 2^53, so its floating-point value is exact in any order.)
 */
export function dctForwardFolded(F: Int32Array, N: number, P: number, s: number, x: ArrayLike<number>, out: Int32Array): void {
  const H = N >> 1;
  const sum = foldX;
  const diff = foldY;
  for (let n = 0; n < H; n++) {
    sum[n] = x[n] + x[N - 1 - n];
    diff[n] = x[n] - x[N - 1 - n];
  }
  for (let k = 0; k < N; k++) {
    const u = k % 2 === 0 ? sum : diff;
    let acc = 0;
    for (let n = 0; n < H; n++) acc += F[k * H + n] * u[n];
    out[k] = roundShift(acc, P + s);
  }
}

/**
 * dctInverse with T folded (foldDct): with E_n and O_n the sums of T[k][n] q_k over the even and the
 * odd k, y_n = E_n + O_n and y_{N-1-n} = E_n - O_n.
 */
export function dctInverseFolded(F: Int32Array, N: number, P: number, s: number, q: ArrayLike<number>, out: Float64Array): void {
  const H = N >> 1;
  for (let n = 0; n < H; n++) {
    let even = 0;
    let odd = 0;
    for (let k = 0; k < N; k += 2) {
      even += F[k * H + n] * q[k];
      odd += F[(k + 1) * H + n] * q[k + 1];
    }
    out[n] = s <= P ? roundShift(even + odd, P - s) : (even + odd) * 2 ** (s - P);
    out[N - 1 - n] = s <= P ? roundShift(even - odd, P - s) : (even - odd) * 2 ** (s - P);
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
