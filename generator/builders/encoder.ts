// The encoder: top dctcm_encoder and its pipeline stages dctcm_enc_{prep,ctx,rec,pack}; the forward DCT
// is the shared core dctcm_dct (dct.ts). Each builder computes every constant, table and width its
// template prints (from Derived, via enc_common.ts).
import { Derived, TILE_END_BITS, TILE_HEADER_BITS } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { CombPath, DEFAULT_PREFIX, Module, Port, asReg, bit, moduleNames, vec } from './types.js';
import { EncWidths, encWidths, modeCostLines } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';
import { TIE_PARITY, indexLimit, quantize } from '../../golden/quantize.js';
import { DCT_LATENCY, buildDct } from './dct.js';
import { AXIS_SLICE_LATENCY, buildAxisSlice } from './axis_slice.js';

/** The valid/ready ports every encoder stage has on each side, in the order the templates declare them. */
const inHandshake = (): Port[] => [bit('input', 'in_valid'), bit('output', 'in_ready')];
const outHandshake = (): Port[] => [bit('output', 'out_valid', undefined, { reg: true }), bit('input', 'out_ready')];
const clkRst = (): Port[] => [bit('input', 'clk'), bit('input', 'rst')];

/** Cycles of each encoder stage; prep waits for dctcm_dct and adds one register for wc and the DCT cost. */
const PREP_LATENCY = DCT_LATENCY + 1;
const CTX_LATENCY = 1;
const REC_LATENCY = 1;
const PACK_LATENCY = 1;
/** From an accepted pixel to the first output word holding its record (the output slice included). */
const ENCODER_LATENCY = PREP_LATENCY + CTX_LATENCY + REC_LATENCY + PACK_LATENCY + AXIS_SLICE_LATENCY;

/** Concatenation of equal-width fields, field i at bits [i*w +: w]. */
function packFields(values: number[], w: number): bigint {
  let x = 0n;
  const mask = (1n << BigInt(w)) - 1n;
  for (let i = values.length - 1; i >= 0; i--) x = (x << BigInt(w)) | (BigInt(values[i]) & mask);
  return x;
}

/** Widths every port list prints. */
function portWidths(e: EncWidths) {
  return {
    C: e.C,
    NB: e.NB,
    CWd: e.C * e.W,
    CLW: e.C * e.LW,
    CCW: e.C * e.CW,
    NBCWB: e.NB * e.CWB,
    NBBBW: e.NB * e.BBW,
    NB2: e.NB * 2,
    CRKW: e.C * e.RKW,
    CESCW: e.C * e.ESCW,
    REC: e.REC,
    OW: e.OW,
    B: e.B,
  };
}

export function buildEncPrep(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  // the template carries the pixel in two registers beside dctcm_dct
  if (DCT_LATENCY !== 2) throw new Error(`dctcm_enc_prep expects a 2-cycle dctcm_dct, not ${DCT_LATENCY}`);
  const e = encWidths(d);
  const half: number[] = [];
  const posLim: number[] = [];
  const negLim: number[] = [];
  const qMax: number[] = [];
  const tieLow: number[] = [];
  const tieVal: number[] = [];
  let topTie = 0;
  for (let s = 0; s < 16; s++) {
    half.push(s === 0 ? 0 : Math.min(2 ** (s - 1) - 1, 2 ** e.W - 1));
    posLim.push(Math.floor(e.MAX_POS / 2 ** s));
    negLim.push(Math.min(Math.floor(e.MAX_MAG / 2 ** s), 2 ** e.W - 1));
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
  const lowMask = Array.from({ length: e.W + 1 }, (_, l) => 2 ** l - 1);
  const ctx = {
    ...portWidths(e),
    N: e.N,
    W: e.W,
    LW: e.LW,
    CW: e.CW,
    CWB: e.CWB,
    BBW: e.BBW,
    signed: e.signed,
    half: packFields(half, e.W),
    posLim: packFields(posLim, e.W),
    negLim: packFields(negLim, e.W),
    qMax: packFields(qMax, e.W),
    tieLow: packFields(tieLow, e.W),
    tieVal: packFields(tieVal, e.W),
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
    vec('input', 'in_policy', 2, '0 lossless, 1 auto, 2 dct'),
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
      vec('output', 'out_mask', e.C),
      vec('output', 'out_raw', e.C * e.W),
      vec('output', 'out_bt', e.C, undefined, { heading: ['a tie that the context decides (q is then the lower candidate), and whether the upper one\'s reconstruction clamps'] }),
      vec('output', 'out_hcl', e.C),
      vec('output', 'out_zero', e.NB, undefined, { heading: ['per block b: all values zero, DCT coefficients, width and cost in bits'] }),
      vec('output', 'out_coef', e.C * e.CW),
      vec('output', 'out_wc', e.NB * e.CWB),
      vec('output', 'out_dctbits', e.NB * e.BBW),
      bit('output', 'out_first'),
      bit('output', 'out_last'),
      vec('output', 'out_policy', 2),
      vec('output', 'out_shift', 4),
      bit('output', 'out_par', 'parity of the pixel\'s index in its tile'),
    ]),
    ...outHandshake(),
  ];
  const description = [
    'Encoder stage 1 (everything that does not depend on the context): per value the quantization index',
    '(golden quantize; a tie between two bit lengths is left to the context loop), its bit length L, the CTX payload field, the context the value',
    'leaves after a CTX or a RAW decision, the zero mask; per block the all-zero flags and the forward DCT',
    `(${names.dct}) with its coefficient width and DCT cost.`,
    `Latency ${PREP_LATENCY} cycles, one pixel per cycle: the ${DCT_LATENCY} stages of ${names.dct}, the pixel carried beside`,
    'them, then one register stage for the per-value results, wc and the DCT cost. One enable moves the',
    'whole stage (it stalls as a unit while its output is held).',
  ];
  return makeModule('enc_prep', d, prefix, { ports, ctx, description, deps: ['dct'], latency: PREP_LATENCY, throughput: 'one pixel per cycle' });
}

export function buildEncCtx(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const S = d.symbols;
  const ROMW = e.ESCW + e.SBW + e.RKW;
  const entries = new Array<number>(1 << (2 * e.LW)).fill(0);
  for (let k = 0; k < S; k++) {
    for (let l = 0; l < S; l++) {
      const i = k * S + l;
      entries[(k << e.LW) | l] = (d.escIndex[i] * 2 ** e.SBW + d.symBits[i]) * 2 ** e.RKW + d.rankTable[i];
    }
  }
  // tieUp (golden/params.ts) per {k, L}: 0 down, 1 up, 2 the parity decides
  const ties = new Array<number>(1 << (2 * e.LW)).fill(0);
  for (let k = 0; k < S; k++) for (let l = 0; l < S; l++) ties[(k << e.LW) | l] = d.tieUp[k * S + l];
  const ctx = {
    ...portWidths(e),
    N: e.N,
    W: e.W,
    signed: e.signed,
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
    tieValue: packFields(ties, 2),
    tieParity: TIE_PARITY,
    tieBits: ties.length * 2,
    sbPad: e.BBW - e.SBW,
  };
  const ports: Port[] = [
    ...clkRst(),
    vec('input', 'in_len', e.C * e.LW, undefined, { heading: [`from ${moduleNames(prefix).enc_prep} (per channel c at [c*LW +: LW], per block b at [b*BBW +: BBW])`] }),
    vec('input', 'in_ctxc', e.C * e.LW),
    vec('input', 'in_ctxr', e.C * e.LW),
    vec('input', 'in_mask', e.C),
    vec('input', 'in_zero', e.NB),
    vec('input', 'in_bt', e.C, 'a tie between two bit lengths: in_len is the lower candidate\'s'),
    vec('input', 'in_hcl', e.C, 'the upper candidate\'s reconstruction clamps'),
    bit('input', 'in_par', 'parity of the pixel\'s index in its tile'),
    vec('input', 'in_dctbits', e.NB * e.BBW),
    vec('input', 'in_fld', e.C * e.W),
    vec('input', 'in_flen', e.C * e.LW),
    vec('input', 'in_raw', e.C * e.W),
    vec('input', 'in_coef', e.C * e.CW),
    vec('input', 'in_wc', e.NB * e.CWB),
    bit('input', 'in_first'),
    bit('input', 'in_last'),
    vec('input', 'in_policy', 2),
    vec('input', 'in_shift', 4),
    ...inHandshake(),
    ...asReg([
      vec('output', 'out_mode', e.NB * 2, undefined, { heading: ['decisions: block mode ([b*2 +: 2], 0 zero 1 ctx 2 raw 3 dct), rank and escape field per channel'] }),
      vec('output', 'out_rank', e.C * e.RKW),
      vec('output', 'out_esc', e.C * e.ESCW),
      vec('output', 'out_fld', e.C * e.W),
      vec('output', 'out_flen', e.C * e.LW),
      vec('output', 'out_raw', e.C * e.W),
      vec('output', 'out_coef', e.C * e.CW),
      vec('output', 'out_wc', e.NB * e.CWB),
      vec('output', 'out_mask', e.C),
      bit('output', 'out_first'),
      bit('output', 'out_last'),
      vec('output', 'out_shift', 4),
    ]),
    ...outHandshake(),
  ];
  const description = [
    'Encoder stage 2, the context loop (golden planPixel + updateContext): the direction of each tie between',
    'two bit lengths (the cheaper code in the context, else the parity), rank and cost of every value from',
    'its context and bit length, the CTX cost of each block, the block mode (ZERO, else CTX if not dearer than',
    'RAW, else RAW; DCT when strictly cheaper under auto, always under dct), and the next contexts.',
    ...modeCostLines(e),
    `Latency ${CTX_LATENCY} cycle, one pixel per cycle. The feedback ctx_q -> rank ROM -> cost sum -> compare -> mode ->`,
    'next context is this design\'s critical loop: it cannot be pipelined without changing the format.',
  ];
  return makeModule('enc_ctx', d, prefix, { ports, ctx, description, deps: [], latency: CTX_LATENCY, throughput: 'one pixel per cycle' });
}

export function buildEncRec(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const HW = 1 + 3 * e.NB;
  const PLW = e.C * e.RANKS;
  const SB = e.N + e.CWB;
  const PB = e.N * Math.max(e.W, e.CW) + 1;
  const WK = e.REC + Math.max(HW, PLW, e.C * e.ESCW, e.NB * SB, PB);
  const ctx = {
    ...portWidths(e),
    N: e.N,
    W: e.W,
    LW: e.LW,
    CW: e.CW,
    CWB: e.CWB,
    RANKS: e.RANKS,
    RKW: e.RKW,
    ESCW: e.ESCW,
    escBits: e.escBits,
    hasEsc: e.escBits > 0,
    WK,
    OW: bitLength(WK - 1),
    RBW: e.OW,
    PLIW: bitLength(PLW - 1),
    HW,
    PLW,
    SB,
    PB,
    PBW: bitLength(PB + Math.max(e.W, e.CW) - 1),
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
    vec('input', 'in_coef', e.C * e.CW),
    vec('input', 'in_wc', e.NB * e.CWB),
    vec('input', 'in_mask', e.C),
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
    'bit, mode planes, rank planes, escape fields, DCT side info, payloads. Every field position is a prefix',
    'count or sum over the fields before it (no bit-serial walk); sections are shifted into place.',
    `Latency ${REC_LATENCY} cycle, one pixel per cycle; longest record ${e.REC} bits.`,
  ];
  return makeModule('enc_rec', d, prefix, { ports, ctx, description, deps: ['enc_pay'], latency: REC_LATENCY, throughput: 'one pixel per cycle' });
}

export function buildEncPay(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const PB = e.N * Math.max(e.W, e.CW) + 1;
  const ctx = {
    NW: e.N * e.W,
    NLW: e.N * e.LW,
    NCW: e.N * e.CW,
    N: e.N,
    W: e.W,
    LW: e.LW,
    CW: e.CW,
    CWB: e.CWB,
    PB,
    PBW: bitLength(PB + Math.max(e.W, e.CW) - 1),
    FW: Math.max(e.W, e.CW),
  };
  const ports: Port[] = [
    vec('input', 'mode', 2, 'block mode: 0 zero, 1 ctx, 2 raw, 3 dct'),
    vec('input', 'fld', e.N * e.W, `CTX fields (sign, mantissa), value i at [i*${e.W} +: ${e.W}], masked to flen`),
    vec('input', 'flen', e.N * e.LW, 'CTX field lengths'),
    vec('input', 'raw', e.N * e.W, 'the values'),
    vec('input', 'coef', e.N * e.CW, 'DCT coefficients'),
    vec('input', 'wc', e.CWB, 'DCT coefficient width'),
    ...asReg([vec('output', 'pay', PB, 'payload, LSB first, zero above bits'), vec('output', 'bits', ctx.PBW, 'payload length')]),
  ];
  const description = [
    `Payload of one block of ${e.N} values (golden writePixel, last loop): CTX values' sign and mantissa`,
    `fields, RAW values in ${e.W} bits, or DCT coefficients in wc bits, in value order, and its length.`,
    `Combinational (part of the record stage ${moduleNames(prefix).enc_rec}).`,
  ];
  return makeModule('enc_pay', d, prefix, { ports, ctx, description, deps: [], latency: 0, throughput: 'combinational: one block per cycle' });
}

export function buildEncPack(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const INS = e.REC + 32;
  const CAP = Math.ceil((e.B + INS + 1) / e.B) * e.B;
  const FW = bitLength(CAP);
  const KMAX = CAP / e.B;
  const WLW = bitLength(KMAX);
  const ks = Array.from({ length: KMAX }, (_, i) => i + 1);
  const ctx = {
    B: e.B,
    REC: e.REC,
    OW: e.OW,
    INS,
    CAP,
    FW,
    UNITS: e.B / 32,
    HEADER_LO: e.HEADER_LO & 0xfff,
    TAG: e.TAG,
    KMAX,
    WLW,
    wordEnd: packFields(
      ks.map((k) => k * e.B),
      FW,
    ),
    wordEndW: KMAX * FW,
    wordCount: packFields(ks, WLW),
    wordCountW: KMAX * WLW,
  };
  const ports: Port[] = [
    ...clkRst(),
    vec('input', 'in_rec', e.REC, 'record bits, LSB first, zero above in_bits'),
    vec('input', 'in_bits', e.OW, 'record length'),
    bit('input', 'in_first', 'first record of a tile: the tile header goes first'),
    bit('input', 'in_last', 'last record of a tile: end bit, padding, trailer follow'),
    vec('input', 'in_shift', 4, "the tile's quantization shift (tile header)"),
    ...inHandshake(),
    vec('output', 'm_axis_tdata', e.B),
    bit('output', 'm_axis_tvalid'),
    bit('input', 'm_axis_tready'),
    bit('output', 'm_axis_tlast'),
  ];
  const description = [
    'Encoder stage 4, the bit packer: tile header (magic, version, shift, configuration tag) before the',
    'first record, records appended LSB first, and after the last record the end bit, zero padding to a',
    `${e.B}-bit boundary and the trailer word (pixel count mod 2^16 | fold16 checksum << 16).`,
    `Takes one record per cycle while what remains after the word sent this cycle is below ${e.B} bits, so a`,
    `record of at most ${e.B} bits costs one cycle and a longer one ceil(bits / ${e.B}) cycles. The next tile's`,
    'records queue behind a pending trailer; only a second tile end waits for it.',
    'A record reaches m_axis one cycle after it is taken.',
  ];
  return makeModule('enc_pack', d, prefix, {
    ports,
    ctx,
    description,
    deps: [],
    latency: PACK_LATENCY,
    throughput: `one record per cycle up to ${e.B} bits, ceil(bits / ${e.B}) cycles for a longer one, one trailer beat per tile`,
  });
}

/** What an integrator budgets for the encoder (manifest integration.throughput; checked in test/rtl/prefix-pair.test.ts). */
export function encoderRate(d: Derived): { perPixel: string; perTileCycles: number; latencyCycles: number } {
  const B = d.cfg.busWidth;
  return {
    perPixel: `max(1, record bits / ${B}) cycles on average: one pixel per cycle, or one ${B}-bit word per cycle while records are longer (the packer fills every word)`,
    // the words the header and the end bit (with its padding) can add, and the trailer beat
    perTileCycles: Math.ceil((TILE_HEADER_BITS + TILE_END_BITS) / B) + 1,
    latencyCycles: ENCODER_LATENCY,
  };
}

/** The run-time settings the encoder accepts, and what it does with the others (docs/RTL.md, Interfaces). */
export function encoderSettings(d: Derived): { maxQuantShift: number; unsupported: string } {
  const max = encWidths(d).SHIFT_MAX;
  return {
    maxQuantShift: max,
    unsupported:
      `cfg_policy 3, or cfg_policy auto or dct with cfg_quant_shift above ${max} (min(15, W - 1)): the tile is coded lossless with shift 0, ` +
      'and nothing signals it (the tile header carries shift 0); validate the settings before driving them',
  };
}

/** Ports of the encoder top (docs/RTL.md, Interfaces). */
export function encoderPorts(d: Derived): Port[] {
  const e = encWidths(d);
  return [
    bit('input', 'clk'),
    bit('input', 'rst', 'synchronous, active high'),
    vec('input', 'cfg_policy', 2, "0 lossless, 1 auto, 2 dct (3: lossless); sampled at a tile's first pixel"),
    vec('input', 'cfg_quant_shift', 4, `quantization shift; > ${e.SHIFT_MAX} selects lossless; lossless forces 0`),
    vec('input', 's_axis_tdata', e.C * e.W, `channel c in bits [c*${e.W} +: ${e.W}]`),
    bit('input', 's_axis_tvalid'),
    bit('output', 's_axis_tready'),
    bit('input', 's_axis_tlast', 'last pixel of the tile'),
    vec('output', 'm_axis_tdata', e.B, `stream bit i in bit i mod ${e.B} of word i / ${e.B}`),
    bit('output', 'm_axis_tvalid'),
    bit('input', 'm_axis_tready'),
    bit('output', 'm_axis_tlast', "the tile's trailer word"),
  ];
}

/** Input-to-output paths of the encoder top without a register (checked with Yosys in test/synth/integration.test.ts). */
// Every output is a register of the output slice, and s_axis_tready is the stage ready chain from the
// slice's registered ready: no input reaches an output without a register (test/synth/integration.test.ts).
export const ENCODER_COMB_PATHS: CombPath[] = [];

export function buildEncoderTop(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const ctx = {
    ...portWidths(e),
    W: e.W,
    SHIFT_MAX: e.SHIFT_MAX,
    shiftLimited: e.SHIFT_MAX < 15,
    prepLatency: PREP_LATENCY,
  };
  const description = [
    'DCT-CM encoder: pixel vectors in, the compressed tile stream of golden/tile.ts encodeTile out, bit exact.',
    `Input lane order: channel c in s_axis_tdata[c*${e.W} +: ${e.W}]; output: stream bit i in bit i mod ${e.B}`,
    `of word floor(i / ${e.B}) (32-bit unit 0 in the least significant bits).`,
    `Pipeline: prep (quantize, bit lengths, DCT; ${PREP_LATENCY} cycles) -> ctx (context loop, modes) -> rec (record`,
    'assembly) -> pack (bit packer) -> output register slice, valid/ready between stages, all registered.',
    'Throughput: one pixel per cycle while m_axis_tready is high and the record fits the bus; a record',
    `longer than ${e.B} bits takes ceil(bits / ${e.B}) cycles; one extra cycle per tile for the trailer.`,
    `Latency: ${ENCODER_LATENCY} cycles from an accepted pixel to the first output word that holds its record.`,
    'No combinational path from any input to any output: the m_axis outputs are the output slice\'s',
    'registers, and s_axis_tready is the stage ready chain, which starts at the slice\'s registered ready',
    '(m_axis_tready drives only the slice).',
    'Clock speed: the longest paths are the record stage (prefix counts over all channels, then shifters as',
    'wide as the longest record), the context loop (rank ROM, cost adder over a block, compare, mode, next',
    'context: a true feedback loop) and the DCT stages (constant multipliers and an adder tree; the',
    'rounding shift). Only the context loop cannot be cut by more registers; the record stage is',
    'feed-forward and could be split into more stages.',
  ];
  return makeModule('encoder', d, prefix, {
    ports: encoderPorts(d),
    ctx,
    description,
    deps: ['enc_prep', 'enc_ctx', 'enc_rec', 'enc_pack', 'axis_slice'],
    latency: ENCODER_LATENCY,
    throughput: `one pixel per cycle while m_axis_tready is high and its record fits the ${e.B}-bit bus; ceil(bits / ${e.B}) cycles for a longer record`,
    combPaths: ENCODER_COMB_PATHS,
  });
}

/** The encoder top and its submodules (the shared dctcm_dct included), dependencies first. */
export function buildEncoder(d: Derived, prefix: string = DEFAULT_PREFIX): Module[] {
  return [buildDct, buildEncPrep, buildEncCtx, buildEncPay, buildEncRec, buildEncPack, buildAxisSlice, buildEncoderTop].map((b) => b(d, prefix));
}
