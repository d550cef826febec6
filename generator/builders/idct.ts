// Inverse integer DCT of one block with the decoder's clamp and zero mask: y_n = roundShift(sum_k
// T[k][n] q_k, P - s) (a left shift by s - P when s > P), clamped to the value range, 0 where the mask
// is 0 -- dctInverse + dctReconstruct of golden/dct.ts and golden/tile.ts, operation for operation.
// Emits templates/dctcm_idct.v.hbs; checked by test/dct-rtl.test.ts.
import { Derived } from '../../golden/params.js';
import { renderModule } from '../render.js';
import { DCT_LATENCY, bits, checkFold, termsOf } from './dct.js';
import { Module } from './types.js';

/** Widths of dctcm_idct, exported for tests and the manifest. */
export function idctWidths(d: Derived): { coefWidth: number; accWidth: number; lead: number; yWidth: number; clampWidth: number } {
  const { dctSize: N, dctPrecision: P } = d.cfg;
  const CW = d.coefWidthMax;
  const maxIn = 2 ** (CW - 1); // any CW-bit field the decoder reads, not just coefficients an encoder makes
  let maxSum = 0;
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += Math.abs(d.dct[k][n]);
    maxSum = Math.max(maxSum, s * maxIn);
  }
  const accWidth = Math.max(bits(maxSum) + 1, CW + 1);
  // quant_shift is 4 bits: s > P (a left shift) is reachable when P < 15. Pre-shifting |acc| left by
  // lead = 15 - P turns both cases into one right shift by max(P, 15) - s with the same rounding.
  const lead = Math.max(0, 15 - P);
  const yWidth = accWidth + lead;
  return { coefWidth: CW, accWidth, lead, yWidth, clampWidth: yWidth };
}

export function buildIdct(d: Derived): Module {
  const { dctSize: N, dataWidth: W, signed, dctPrecision: P } = d.cfg;
  const { coefWidth: CW, accWidth: AW, lead: L, yWidth: YW, clampWidth: KW } = idctWidths(d);
  const lanes = Array.from({ length: N }, (_, k) => ({ k, hi: k * CW + CW - 1, lo: k * CW, ext: AW - CW }));
  checkFold(d);
  const cols = Array.from({ length: N }, (_, n) => ({ n, hi: n * W + W - 1, lo: n * W }));
  // Folded: with E_n, O_n the sums over even and odd k of T[k][n] q_k (n < N/2), y_n = E_n + O_n and
  // y_(N-1-n) = E_n - O_n, because T[k][N-1-n] = (-1)^k T[k][n].
  const pairs = Array.from({ length: N / 2 }, (_, n) => ({
    n,
    mirror: N - 1 - n,
    even: termsOf(d.dct.map((row, k) => (k % 2 === 0 ? row[n] : 0))),
    odd: termsOf(d.dct.map((row, k) => (k % 2 === 1 ? row[n] : 0))),
  }));
  const ctx = {
    name: 'dctcm_idct',
    N,
    W,
    P,
    signed,
    coefWidth: CW,
    coefMsb: CW - 1,
    inWidth: N * CW,
    outWidth: N * W,
    maskMsb: N - 1,
    accWidth: AW,
    accMsb: AW - 1,
    magWidth: AW - 1,
    magMsb: AW - 2,
    lead: L,
    hasLead: L > 0,
    rightMax: P + L,
    yWidth: YW,
    yMsb: YW - 1,
    wraps: YW > KW,
    clampWidth: KW,
    clampMsb: KW - 1,
    minVal: d.minVal,
    maxPos: d.maxPos,
    wMsb: W - 1,
    latency: DCT_LATENCY,
    lanes,
    cols,
    pairs,
  };
  const description = [
    `Inverse ${N}-point integer DCT of one block of ${CW}-bit two's-complement coefficients, then clamp to`,
    `[${d.minVal}, ${d.maxPos}] (${signed ? 'signed' : 'unsigned'} ${W}-bit) and zero where in_mask is 0:`,
    `y_n = roundShift(sum_k T[k][n] * q_k, P - s), P = ${P}, s = quant_shift (a left shift by s - P when s > P),`,
    'rounding half away from zero; bit-exact with dctInverse + dctReconstruct (golden/dct.ts, golden/tile.ts),',
    `y is kept exact in ${YW} bits up to the clamp, for any coefficient field a stream can carry.`,
    `Lanes: coefficient k in in_coef[k*${CW} +: ${CW}], mask bit n in in_mask[n], value n in out_data[n*${W} +: ${W}].`,
    `Latency ${DCT_LATENCY} cycles of ce; throughput one block per cycle with ce high. ce advances every stage`,
    'at once (a whole-pipeline stall when low: nothing moves, nothing is lost); in_valid is sampled only with ce,',
    'and a block leaves the core on a clock edge where ce and out_valid are both high.',
  ];
  return { name: 'dctcm_idct', text: renderModule('dctcm_idct', d, ctx, description), deps: [], latency: DCT_LATENCY, throughput: 'one block per cycle with ce high' };
}
