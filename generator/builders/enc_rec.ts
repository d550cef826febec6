// dctcm_enc_rec: encoder stage 3, record assembly (with one dctcm_enc_pay per block).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, asReg, bit, moduleNames, vec } from './types.js';
import { clkRst, encWidths, inHandshake, outHandshake, packFields, stageWidths } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

/**
 * Cycles of enc_rec: stage 1 builds the sections and their lengths (payloads, each escape's and each value's
 * place among the escapes and in its rank plane), stage 2 scatters the escapes and rank planes and adds up
 * the section offsets, stage 3 places them.
 * With one block there are no offsets to add up (each section starts at 0 or after the escapes and side
 * info), so stages 2 and 3 share one register stage: the stage-2 registers were copies of stage 1's
 * (flip-flops fed by flip-flops, a logic cell each on the iCE40).
 */
export const recLatency = (d: Derived): number => (encWidths(d).NB === 1 ? 2 : 3);

export function buildEncRec(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const SB = e.N + e.CWB;
  const FWD = e.dct ? Math.max(e.W, e.CW) : e.W; // widest payload field
  const PB = e.N * FWD + 1;
  const NBW = bitLength(e.NB);
  const [LV0, LV1, LV2, LV3, LV4, LV5, LV6, LV7] = e.LVW;
  const lv = Object.fromEntries(e.LVW.flatMap((w, k) => [[`LV${k}`, w], [`LN${k}`, e.LNW[k]]]));
  if (LV0 !== e.NB || LV1 !== e.C || LV2 !== e.C || LV3 !== e.C || LV4 !== e.C || LV5 !== e.C) throw new Error('enc_rec: unexpected level widths');
  const ctx = {
    ...stageWidths(e),
    ...lv,
    RANKS: e.RANKS,
    RKW: e.RKW,
    ESCW: e.ESCW,
    escBits: e.escBits,
    hasEsc: e.escBits > 0,
    oneBlock: e.NB === 1,
    stagesText: e.NB === 1 ? 'Two stages' : 'Three stages',
    RBW: e.OW,
    NBW,
    NIW: Math.max(1, bitLength(e.NB - 1)),
    CBW: bitLength(e.C),
    PINW: Math.max(1, bitLength(e.C - 1)),
    SB,
    PB,
    PBW: bitLength(PB + FWD - 1),
    OW: Math.max(bitLength(LV6 + PB), bitLength(LV7 + PB), e.OW),
    WK6: LV6 + PB,
    WK7: LV7 + PB,
    RAWPAY: e.N * e.W,
    dct: e.dct,
    geMask: packFields(
      Array.from({ length: e.RANKS + 1 }, (_, r) => 2 ** Math.min(r + 1, e.RANKS) - 1),
      e.RANKS,
    ),
    geMaskW: (e.RANKS + 1) * e.RANKS,
  };
  const names = moduleNames(prefix);
  const hasEsc = e.escBits > 0;
  const levelPorts: Port[] = [];
  e.LVW.forEach((w, k) => {
    levelPorts.push(vec('output', `out_lv${k}`, w, undefined, k === 0 ? { heading: ['the record as format v2 levels: level k in out_lv<k> (bit i of the level in bit i, zero from out_ln<k> up)'] } : {}));
    levelPorts.push(vec('output', `out_ln${k}`, e.LNW[k]));
  });
  const ports: Port[] = [
    ...clkRst(),
    vec('input', 'in_mode', e.NB * 2, undefined, { heading: [`from ${names.enc_ctx}`] }),
    vec('input', 'in_rank', e.C * e.RKW),
    vec('input', 'in_esc', e.C * e.ESCW, hasEsc ? undefined : 'no escapes: W + 1 bit lengths fit the RANKS ranks', hasEsc ? {} : { waive: 'UNUSEDSIGNAL' }),
    vec('input', 'in_fld', e.C * e.W),
    vec('input', 'in_flen', e.C * e.LW),
    vec('input', 'in_raw', e.C * e.W),
    ...(e.dct ? [vec('input', 'in_coef', e.C * e.CW), vec('input', 'in_wc', e.NB * e.CWB), vec('input', 'in_mask', e.C)] : []),
    bit('input', 'in_first'),
    bit('input', 'in_last'),
    vec('input', 'in_shift', 4),
    ...inHandshake(),
    ...asReg([
      ...levelPorts,
      vec('output', 'out_bits', e.OW, 'the record length (sum of the levels), for the scoreboard'),
      vec('output', 'out_mode', e.NB * 2, 'the modes again, for the scoreboard'),
      bit('output', 'out_first'),
      bit('output', 'out_last'),
      vec('output', 'out_shift', 4),
    ]),
    ...outHandshake(),
  ];
  const description = [
    'Encoder stage 3: the pixel record of golden writePixel without its present bit, cut into the 8 levels',
    'of format v2 (docs/design/format-v2.md 3.2), each as (bits, length): 0 mode plane 1; 1 mode plane 2 and',
    'rank plane 0; 2 mode plane 3 and rank plane 1; 3-5 rank planes 2-4; 6 escape fields, DCT side info and',
    'RAW payloads; 7 CTX payloads and DCT coefficients (payloads in block order within a level).',
    `Level widths ${e.LVW.join(' / ')} bits (the longest section each level can hold).`,
    `Pipeline (feed-forward, no loop), ${e.NB === 1 ? 'two registered stages' : 'three registered stages'}: 1. each section from its own start with its`,
    `length (the block payloads through ${names.enc_pay}, the mode planes, each escape's place among the escapes${e.dct ? ', the DCT side info' : ''}, each`,
    "value's rank and place among the values of its rank plane); 2. the rank-plane and escape scatter and every",
    "section's offset inside its level (prefix sums); 3. each section shifted to its offset and ORed into its",
    `level${e.NB === 1 ? ' (one block: 2 and 3 are one stage, as no section has an offset to add up)' : ''}. All move on one enable (!out_valid || out_ready): a held output stalls the stage.`,
    `Latency ${recLatency(d)} cycles, one pixel per cycle.`,
  ];
  return makeModule('enc_rec', d, prefix, { ports, ctx, description, deps: ['enc_pay'], latency: recLatency(d), throughput: 'one pixel per cycle' });
}
