// dctcm_enc_ctx: encoder stage 2, the context loop (ranks, costs, block modes, next contexts).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, asReg, bit, moduleNames, vec } from './types.js';
import { clkRst, encWidths, inHandshake, modeCostLines, outHandshake, packFields, portWidths } from './enc_common.js';

export const CTX_LATENCY = 1;

export function buildEncCtx(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const S = d.symbols;
  const ROMW = e.ESCW + e.SBW + e.RKW;
  // Entries with k or L above W are never read; each holds the entry of min(k, W), min(L, W), so the
  // table's logic ignores the low bits of an index above W (about half the LUTs of a zero fill).
  const entries = new Array<number>(1 << (2 * e.LW)).fill(0);
  for (let k = 0; k < 1 << e.LW; k++) {
    for (let l = 0; l < 1 << e.LW; l++) {
      const i = Math.min(k, S - 1) * S + Math.min(l, S - 1);
      entries[(k << e.LW) | l] = (d.escIndex[i] * 2 ** e.SBW + d.symBits[i]) * 2 ** e.RKW + d.rankTable[i];
    }
  }
  const ctx = {
    ...portWidths(e),
    N: e.N,
    LW: e.LW,
    RKW: e.RKW,
    SBW: e.SBW,
    ESCW: e.ESCW,
    escBits: e.escBits,
    BBW: e.BBW,
    ROMW,
    RAW_BITS: e.RAW_BITS,
    kdct: packFields(e.kDct, e.LW),
    kdctW: 16 * e.LW,
    romValue: packFields(entries, ROMW),
    romBits: entries.length * ROMW,
    sbPad: e.BBW - e.SBW,
    dct: e.dct,
  };
  const ports: Port[] = [
    ...clkRst(),
    vec('input', 'in_len', e.C * e.LW, undefined, { heading: [`from ${moduleNames(prefix).enc_prep} (per channel c at [c*LW +: LW], per block b at [b*BBW +: BBW])`] }),
    vec('input', 'in_ctxc', e.C * e.LW),
    vec('input', 'in_ctxr', e.C * e.LW),
    ...(e.dct ? [vec('input', 'in_mask', e.C), vec('input', 'in_zero', e.NB)] : []),
    vec('input', 'in_zeroq', e.NB),
    ...(e.dct ? [vec('input', 'in_dctbits', e.NB * e.BBW)] : []),
    vec('input', 'in_fld', e.C * e.W),
    vec('input', 'in_flen', e.C * e.LW),
    vec('input', 'in_raw', e.C * e.W),
    ...(e.dct ? [vec('input', 'in_coef', e.C * e.CW), vec('input', 'in_wc', e.NB * e.CWB)] : []),
    bit('input', 'in_first'),
    bit('input', 'in_last'),
    ...(e.dct ? [vec('input', 'in_policy', 2)] : []),
    vec('input', 'in_shift', 4),
    ...inHandshake(),
    ...asReg([
      vec('output', 'out_mode', e.NB * 2, undefined, { heading: ['decisions: block mode ([b*2 +: 2], 0 zero 1 ctx 2 raw 3 dct), rank and escape field per channel'] }),
      vec('output', 'out_rank', e.C * e.RKW),
      vec('output', 'out_esc', e.C * e.ESCW),
      vec('output', 'out_fld', e.C * e.W),
      vec('output', 'out_flen', e.C * e.LW),
      vec('output', 'out_raw', e.C * e.W),
      ...(e.dct ? [vec('output', 'out_coef', e.C * e.CW), vec('output', 'out_wc', e.NB * e.CWB), vec('output', 'out_mask', e.C)] : []),
      bit('output', 'out_first'),
      bit('output', 'out_last'),
      vec('output', 'out_shift', 4),
    ]),
    ...outHandshake(),
  ];
  const description = [
    'Encoder stage 2, the context loop (golden planPixel + format v2\'s context update): rank and cost of every value from',
    'its context and bit length, the CTX cost of each block, the block mode (ZERO, else CTX if not dearer than',
    e.dct ? 'RAW, else RAW; DCT when strictly cheaper under auto, always under dct), and the next contexts.' : 'RAW, else RAW; no DCT in this build), and the next contexts.',
    ...modeCostLines(e),
    `Latency ${CTX_LATENCY} cycle, one pixel per cycle. The feedback ctx_q -> rank ROM -> cost sum -> compare -> mode ->`,
    'next context is this design\'s critical loop: it cannot be pipelined without changing the format.',
  ];
  return makeModule('enc_ctx', d, prefix, { ports, ctx, description, deps: [], latency: CTX_LATENCY, throughput: 'one pixel per cycle' });
}
