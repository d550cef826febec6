// Forward integer DCT of one block: q_k = roundShift(sum_n T[k][n] x_n, P + s), the operations of
// dctForward (golden/dct.ts) one for one. Emits templates/dctcm_dct.v.hbs; checked by test/dct-rtl.test.ts.
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';

/** Fixed pipeline latency of dctcm_dct and dctcm_idct, in cycles with ce high. */
export const DCT_LATENCY = 2;

/** Exact bit length of a non-negative integer (no floating-point log). */
export function bits(m: number): number {
  if (!Number.isSafeInteger(m) || m < 0) throw new Error(`bits(${m}): not a non-negative safe integer`);
  return m === 0 ? 0 : BigInt(m).toString(2).length;
}

/** One constant product of a row: op is the sign it enters the sum with, coef the magnitude. */
export interface Term {
  op: string; // '' (first, positive), '-', '+'
  coef: number; // |T|
  lane: number; // which input lane it multiplies
}

/** The sum over `lanes` of T-weighted inputs as signed terms; zero constants drop out. */
export function termsOf(weights: number[]): Term[] {
  const out: Term[] = [];
  weights.forEach((t, lane) => {
    if (t === 0) return;
    const first = out.length === 0;
    out.push({ op: t < 0 ? '-' : first ? '' : '+', coef: Math.abs(t), lane });
  });
  return out;
}

/**
 * Checks the symmetry both transforms fold on: T[k][N-1-n] = (-1)^k T[k][n] (the cosine of row k is even
 * or odd about the block centre; rounding half away from zero keeps that). Folding halves the products
 * and leaves every sum, so every result bit, unchanged.
 */
export function checkFold(d: Derived): void {
  const T = d.dct;
  const N = T.length;
  for (let k = 0; k < N; k++) {
    for (let n = 0; n < N; n++) {
      if (T[k][N - 1 - n] !== (k % 2 === 0 ? 1 : -1) * T[k][n]) throw new Error(`DCT matrix is not symmetric at T[${k}][${n}]: cannot fold`);
    }
  }
}

/** Widths of dctcm_dct; the encoder's coefficient lanes (enc_common.ts) are its coefWidth. */
export function dctWidths(d: Derived): { accWidth: number; coefWidth: number } {
  const { dctSize: N, dataWidth: W } = d.cfg;
  let maxSum = 0;
  for (let k = 0; k < N; k++) maxSum = Math.max(maxSum, d.dct[k].reduce((a, t) => a + Math.abs(t), 0) * d.maxMag);
  const accWidth = Math.max(bits(maxSum) + 1, W + 2); // W + 2: the folded lane sums x_n +- x_(N-1-n)
  return { accWidth, coefWidth: d.coefWidthMax };
}

/** Ports of dctcm_dct and dctcm_idct up to their data lanes (the same ce / valid protocol). */
export function coreControlPorts(what: string): Port[] {
  return [
    bit('input', 'clk'),
    bit('input', 'rst'),
    bit('input', 'ce', 'advance enable: all stages move when high, hold when low'),
    bit('input', 'in_valid', `${what} carry a block (sampled with ce)`),
  ];
}

export function buildDct(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const { dctSize: N, dataWidth: W, signed, dctPrecision: P } = d.cfg;
  const { accWidth: AW, coefWidth: CW } = dctWidths(d);
  const lanes = Array.from({ length: N }, (_, n) => ({
    n,
    hi: n * W + W - 1,
    lo: n * W,
    ext: AW - W,
  }));
  checkFold(d);
  const H = N / 2;
  const pairs = Array.from({ length: H }, (_, n) => ({ n, mirror: N - 1 - n }));
  const rows = Array.from({ length: N }, (_, k) => ({
    k,
    hi: k * CW + CW - 1,
    lo: k * CW,
    src: k % 2 === 0 ? 'sum' : 'dif', // even rows weigh x_n + x_(N-1-n), odd rows x_n - x_(N-1-n)
    terms: termsOf(d.dct[k].slice(0, H)),
  }));
  const ports: Port[] = [
    ...coreControlPorts('in_data and quant_shift'),
    vec('input', 'in_data', N * W, `sample n in bits [n*${W} +: ${W}]`),
    vec('input', 'quant_shift', 4, 's: coefficients are divided by 2^s (rounded) on top of 2^P'),
    bit('output', 'out_valid'),
    vec('output', 'out_data', N * CW, `coefficient k in bits [k*${CW} +: ${CW}]`),
  ];
  const ctx = {
    N,
    W,
    P,
    signed,
    accWidth: AW,
    accMsb: AW - 1,
    coefWidth: CW,
    coefMsb: CW - 1,
    coefMaxAbs: d.coefMaxAbs,
    preShift: P - 1,
    lowMsb: P - 2,
    hiMsb: AW - P, // acc >>> (P - 1) has AW - P + 1 bits
    hiWidth: AW - P + 1,
    hiWidthP1: AW - P + 2,
    latency: DCT_LATENCY,
    lanes,
    pairs,
    rows,
  };
  const description = [
    `Forward ${N}-point integer DCT-II of one block of ${N} ${signed ? 'signed' : 'unsigned'} ${W}-bit values,`,
    `quantized: q_k = roundShift(sum_n T[k][n] * x_n, P + s), P = ${P}, s = quant_shift, rounding half`,
    'away from zero; bit-exact with dctForward in golden/dct.ts (the products below hold T, scaled by 2^P).',
    `Lanes: sample n in in_data[n*${W} +: ${W}], coefficient k (two's complement) in out_data[k*${CW} +: ${CW}].`,
    `Latency ${DCT_LATENCY} cycles of ce; throughput one block per cycle with ce high. ce advances every stage`,
    'at once (a whole-pipeline stall when low: nothing moves, nothing is lost); in_valid is sampled only with ce,',
    'and a block leaves the core on a clock edge where ce and out_valid are both high.',
  ];
  return makeModule('dct', d, prefix, { ports, ctx, description, deps: [], latency: DCT_LATENCY, throughput: 'one block per cycle with ce high' });
}
