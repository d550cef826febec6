// dctcm_enc_rec: encoder stage 3, record assembly (with one dctcm_enc_pay per block).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, asReg, bit, moduleNames, vec } from './types.js';
import { clkRst, encWidths, inHandshake, outHandshake, packFields, stageWidths } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

/**
 * Cycles of enc_rec: stage 1 builds the sections and their lengths (payloads, escapes, each value's place
 * in its rank plane), stage 2 scatters the rank planes and adds up the section offsets, stage 3 places them.
 */
export const REC_LATENCY = 3;

export function buildEncRec(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const HW = 1 + 3 * e.NB;
  const PLW = e.C * e.RANKS;
  const SB = e.N + e.CWB;
  const FWD = e.dct ? Math.max(e.W, e.CW) : e.W; // widest payload field
  const PB = e.N * FWD + 1;
  const WK = e.REC + Math.max(HW, PLW, e.C * e.ESCW, e.dct ? e.NB * SB : 0, PB);
  const ctx = {
    ...stageWidths(e),
    RANKS: e.RANKS,
    RKW: e.RKW,
    ESCW: e.ESCW,
    escBits: e.escBits,
    hasEsc: e.escBits > 0,
    WK,
    OW: bitLength(WK - 1),
    RBW: e.OW,
    PLIW: bitLength(PLW - 1),
    PINW: Math.max(1, bitLength(e.C - 1)),
    HW,
    PLW,
    SB,
    PB,
    PBW: bitLength(PB + FWD - 1),
    dct: e.dct,
    geMask: packFields(
      Array.from({ length: e.RANKS + 1 }, (_, r) => 2 ** Math.min(r + 1, e.RANKS) - 1),
      e.RANKS,
    ),
    geMaskW: (e.RANKS + 1) * e.RANKS,
  };
  const names = moduleNames(prefix);
  const hasEsc = e.escBits > 0;
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
      vec('output', 'out_rec', e.REC, undefined, { heading: ["the record: bit i of the pixel's record in bit i, bits >= out_bits zero"] }),
      vec('output', 'out_bits', e.OW),
      vec('output', 'out_mode', e.NB * 2, 'the modes again, for the scoreboard'),
      bit('output', 'out_first'),
      bit('output', 'out_last'),
      vec('output', 'out_shift', 4),
    ]),
    ...outHandshake(),
  ];
  const description = [
    'Encoder stage 3: assembles the pixel record of golden writePixel as one vector and its length: present',
    `bit, mode planes, rank planes, escape fields, ${e.dct ? 'DCT side info, ' : ''}payloads. Every field position is a prefix`,
    'count or sum over the fields before it (no bit-serial walk); sections are shifted into place.',
    'Pipeline (feed-forward, no loop), three registered stages: 1. each section from its own start with its',
    `length (the block payloads through ${names.enc_pay}, the mode planes, the escape fields${e.dct ? ', the DCT side info' : ''}, each`,
    "value's rank and place among the values of its rank plane); 2. the plane bases, the rank-plane scatter",
    'and every section offset (prefix sums of the lengths); 3. each section shifted to its offset and ORed',
    'in. All three move on one enable (!out_valid || out_ready): a held output stalls the stage.',
    `Latency ${REC_LATENCY} cycles, one pixel per cycle; longest record ${e.REC} bits.`,
  ];
  return makeModule('enc_rec', d, prefix, { ports, ctx, description, deps: ['enc_pay'], latency: REC_LATENCY, throughput: 'one pixel per cycle' });
}
