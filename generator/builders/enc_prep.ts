// dctcm_enc_prep: encoder stage 1, everything that does not depend on the context (quantization, bit
// lengths, CTX fields, the forward DCT of every block through dctcm_dct, wc and the DCT cost).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, asReg, bit, moduleNames, vec } from './types.js';
import { clkRst, encWidths, inHandshake, outHandshake, packFields, stageWidths } from './enc_common.js';
import { TIE_PARITY, indexLimit, quantize } from '../../golden/quantize.js';
import { DCT_LATENCY } from './dct.js';

/**
 * Cycles of enc_prep: it waits for dctcm_dct and adds one register for wc and the DCT cost; without the
 * DCT it is an input register and the result register.
 */
export const prepLatency = (d: Derived): number => (d.cfg.dct ? DCT_LATENCY + 1 : 2);

export function buildEncPrep(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  // the template carries the pixel in two registers beside dctcm_dct
  if (DCT_LATENCY !== 2) throw new Error(`dctcm_enc_prep expects a 2-cycle dctcm_dct, not ${DCT_LATENCY}`);
  const e = encWidths(d);
  const half: number[] = [];
  const ctxLim: number[] = [];
  const qMax: number[] = [];
  const tieLow: number[] = [];
  const tieVal: number[] = [];
  let topTie = 0;
  for (let s = 0; s < 16; s++) {
    half.push(s === 0 ? 0 : Math.min(2 ** (s - 1) - 1, 2 ** e.W - 1));
    // FORMAT.md 6.4: a CTX value leaves min(L, bitLength(maxMag >> s)) = bitLength(min(|q|, maxMag >> s))
    ctxLim.push(Math.min(Math.floor(e.MAX_MAG / 2 ** s), 2 ** e.W - 1));
    // shifts above SHIFT_MAX never reach the lane (the settings are validated): any value will do
    const sv = Math.min(s, e.SHIFT_MAX);
    qMax.push(indexLimit(e.MAX_POS, sv));
    // quantize() limits maxPos where its tie, rounded up, would pass the decoder's largest index
    if (quantize(e.MAX_POS, sv, Infinity, 1) > qMax[s]) topTie |= 1 << s;
    // a tie is |v| mod 2^s = 2^(s-1); none at s = 0 (nor at the unused shifts): a mask of 0 against 1
    const tied = s > 0 && s <= e.SHIFT_MAX;
    tieLow.push(tied ? 2 ** s - 1 : 0);
    tieVal.push(tied ? 2 ** (s - 1) : 1);
  }
  // tieUp (golden/params.ts) per {k, L}: 0 down, 1 up, 2 the parity decides
  const S = d.symbols;
  const ties = new Array<number>(1 << (2 * e.LW)).fill(0);
  for (let k = 0; k < S; k++) for (let l = 0; l < S; l++) ties[(k << e.LW) | l] = d.tieUp[k * S + l];
  const lowMask = Array.from({ length: e.W + 1 }, (_, l) => 2 ** l - 1);
  const ctx = {
    ...stageWidths(e),
    BBW: e.BBW,
    signed: e.signed,
    half: packFields(half, e.W),
    ctxLim: packFields(ctxLim, e.W),
    qMax: packFields(qMax, e.W),
    tieLow: packFields(tieLow, e.W),
    tieVal: packFields(tieVal, e.W),
    tieValue: packFields(ties, 2),
    tieParity: TIE_PARITY,
    tieBits: ties.length * 2,
    topTie,
    maxPos: e.MAX_POS,
    hexW: 16 * e.W,
    lenOf: packFields(
      Array.from({ length: e.W }, (_, i) => i + 1),
      e.LW,
    ),
    lenOfW: e.W * e.LW,
    lowMask: packFields(lowMask, e.W),
    lowMaskW: (e.W + 1) * e.W,
    DCT_FIXED: e.DCT_FIXED,
    dct: e.dct,
    dctPad: e.BBW - e.CWB,
    LOG2N: e.LOG2N,
    widthOf: packFields(
      Array.from({ length: e.CW }, (_, i) => i + 2),
      e.CWB,
    ),
    widthOfW: e.CW * e.CWB,
  };
  const names = moduleNames(prefix);
  const ports: Port[] = [
    ...clkRst(),
    vec('input', 'in_data', e.C * e.W, undefined, { heading: [`pixel in: channel c in bits [c*${e.W} +: ${e.W}]; policy/shift are the tile's effective settings`] }),
    bit('input', 'in_first', 'first pixel of a tile'),
    bit('input', 'in_last', 'last pixel of a tile'),
    ...(e.dct ? [vec('input', 'in_policy', 2, '0 lossless, 1 auto, 2 dct')] : []),
    vec('input', 'in_shift', 4, 'effective quantization shift (0 under lossless)'),
    ...inHandshake(),
    ...asReg([
      vec('output', 'out_len', e.C * e.LW, undefined, {
        heading: [
          `per channel c: bit length L of |q| ([c*${e.LW} +: ${e.LW}]), CTX payload field and its length, contexts`,
          'after a CTX or RAW decision, zero mask, the raw value',
        ],
      }),
      vec('output', 'out_fld', e.C * e.W),
      vec('output', 'out_flen', e.C * e.LW),
      vec('output', 'out_ctxc', e.C * e.LW),
      vec('output', 'out_ctxr', e.C * e.LW),
      ...(e.dct ? [vec('output', 'out_mask', e.C)] : []),
      vec('output', 'out_raw', e.C * e.W),
      ...(e.dct
        ? [
            vec('output', 'out_zero', e.NB, undefined, { heading: ['per block b: all values zero, all indices zero, DCT coefficients, width and cost in bits'] }),
            vec('output', 'out_zeroq', e.NB),
            vec('output', 'out_coef', e.C * e.CW),
            vec('output', 'out_wc', e.NB * e.CWB),
            vec('output', 'out_dctbits', e.NB * e.BBW),
          ]
        : [vec('output', 'out_zeroq', e.NB, undefined, { heading: ['per block b: all indices zero (all values zero under lossless, whose shift is 0)'] })]),
      bit('output', 'out_first'),
      bit('output', 'out_last'),
      ...(e.dct ? [vec('output', 'out_policy', 2)] : []),
      vec('output', 'out_shift', 4),
    ]),
    ...outHandshake(),
  ];
  const description = e.dct
    ? [
        'Encoder stage 1 (everything that does not depend on the context): per value the quantization index',
        '(golden quantize; a tie between two bit lengths by the cheaper code in its tie context, the previous',
        'pixel\'s bitLength(|v| >> s), else by the parity), its bit length L, the CTX payload field, the context the value',
        'leaves after a CTX or a RAW decision, the zero mask; per block the all-zero flags and the forward DCT',
        `(${names.dct}) with its coefficient width and DCT cost.`,
        `Latency ${prepLatency(d)} cycles, one pixel per cycle: the ${DCT_LATENCY} stages of ${names.dct}, the pixel carried beside`,
        'them, then one register stage for the per-value results, wc and the DCT cost. One enable moves the',
        'whole stage (it stalls as a unit while its output is held).',
      ]
    : [
        'Encoder stage 1 (everything that does not depend on the context): per value the quantization index',
        '(golden quantize; a tie between two bit lengths by the cheaper code in its tie context, the previous',
        'pixel\'s bitLength(|v| >> s), else by the parity), its bit length L, the CTX payload field, the context the value',
        'leaves after a CTX or a RAW decision; per block the all-indices-zero flag. Built without the DCT: no',
        'transform, no zero mask, no DCT cost.',
        `Latency ${prepLatency(d)} cycles, one pixel per cycle: an input register (with floor(|v| / 2^s) and the facts about`,
        'the bits below s: half, above half; the quantizer is split at its shifter), then one register stage for the',
        'tie, the rounding increment and the per-value results. One enable moves the whole stage (it stalls as a',
        'unit while its output is held).',
      ];
  return makeModule('enc_prep', d, prefix, { ports, ctx, description, deps: e.dct ? ['dct'] : [], latency: prepLatency(d), throughput: 'one pixel per cycle' });
}
