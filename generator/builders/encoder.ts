// The encoder: top dctcm_encoder and its pipeline stages dctcm_enc_{prep,ctx,rec,pack}; the forward DCT
// is the shared core dctcm_dct (dct.ts). Each builder computes every constant, table and width its
// template prints (from Derived, via enc_common.ts).
import { Derived } from '../../golden/params.js';
import { renderModule } from '../render.js';
import { Module } from './types.js';
import { EncWidths, encWidths, modeCostLines } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';
import { indexLimit, quantize } from '../../golden/quantize.js';
import { DCT_LATENCY, buildDct } from './dct.js';

/** Cycles of each encoder stage; prep waits for dctcm_dct and adds one register for wc and the DCT cost. */
const PREP_LATENCY = DCT_LATENCY + 1;
const CTX_LATENCY = 1;
const REC_LATENCY = 1;
const PACK_LATENCY = 1;
/** From an accepted pixel to the first output word holding its record. */
const ENCODER_LATENCY = PREP_LATENCY + CTX_LATENCY + REC_LATENCY + PACK_LATENCY;

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

export function buildEncPrep(d: Derived): Module {
  // the template carries the pixel in two registers beside dctcm_dct
  if (DCT_LATENCY !== 2) throw new Error(`dctcm_enc_prep expects a 2-cycle dctcm_dct, not ${DCT_LATENCY}`);
  const e = encWidths(d);
  const half: number[] = [];
  const posLim: number[] = [];
  const negLim: number[] = [];
  const qMax: number[] = [];
  let topTie = 0;
  for (let s = 0; s < 16; s++) {
    half.push(s === 0 ? 0 : Math.min(2 ** (s - 1) - 1, 2 ** e.W - 1));
    posLim.push(Math.floor(e.MAX_POS / 2 ** s));
    negLim.push(Math.min(Math.floor(e.MAX_MAG / 2 ** s), 2 ** e.W - 1));
    // shifts above SHIFT_MAX never reach the lane (the settings are validated): any value will do
    const sv = Math.min(s, e.SHIFT_MAX);
    qMax.push(indexLimit(e.MAX_POS, sv));
    // quantize() limits maxPos where its unlimited rounding would pass the decoder's largest index
    if (quantize(e.MAX_POS, sv, Infinity) > qMax[s]) topTie |= 1 << s;
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
    dctName: 'dctcm_dct',
  };
  const text = renderModule('dctcm_enc_prep', d, ctx, [
    'Encoder stage 1 (everything that does not depend on the context): per value the quantization index',
    '(golden quantize: ties to the even index), its bit length L, the CTX payload field, the context the value',
    'leaves after a CTX or a RAW decision, the zero mask; per block the all-zero flags and the forward DCT',
    '(dctcm_dct) with its coefficient width and DCT cost.',
    `Latency ${PREP_LATENCY} cycles, one pixel per cycle: the ${DCT_LATENCY} stages of dctcm_dct, the pixel carried beside`,
    'them, then one register stage for the per-value results, wc and the DCT cost. One enable moves the',
    'whole stage (it stalls as a unit while its output is held).',
  ]);
  return { name: 'dctcm_enc_prep', text, deps: ['dctcm_dct'], latency: PREP_LATENCY, throughput: 'one pixel per cycle' };
}

export function buildEncCtx(d: Derived): Module {
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
  };
  const text = renderModule('dctcm_enc_ctx', d, ctx, [
    'Encoder stage 2, the context loop (golden planPixel + updateContext): rank and cost of every value from',
    'its context and bit length, the CTX cost of each block, the block mode (ZERO, else CTX if not dearer than',
    'RAW, else RAW; DCT when strictly cheaper under auto, always under dct), and the next contexts.',
    ...modeCostLines(e),
    `Latency ${CTX_LATENCY} cycle, one pixel per cycle. The feedback ctx_q -> rank ROM -> cost sum -> compare -> mode ->`,
    'next context is this design\'s critical loop: it cannot be pipelined without changing the format.',
  ]);
  return { name: 'dctcm_enc_ctx', text, deps: [], latency: CTX_LATENCY, throughput: 'one pixel per cycle' };
}

export function buildEncRec(d: Derived): Module {
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
    payName: 'dctcm_enc_pay',
    geMask: packFields(
      Array.from({ length: e.RANKS + 1 }, (_, r) => 2 ** Math.min(r + 1, e.RANKS) - 1),
      e.RANKS,
    ),
    geMaskW: (e.RANKS + 1) * e.RANKS,
  };
  const text = renderModule('dctcm_enc_rec', d, ctx, [
    'Encoder stage 3: assembles the pixel record of golden writePixel as one vector and its length: present',
    'bit, mode planes, rank planes, escape fields, DCT side info, payloads. Every field position is a prefix',
    'count or sum over the fields before it (no bit-serial walk); sections are shifted into place.',
    `Latency ${REC_LATENCY} cycle, one pixel per cycle; longest record ${e.REC} bits.`,
  ]);
  return { name: 'dctcm_enc_rec', text, deps: ['dctcm_enc_pay'], latency: REC_LATENCY, throughput: 'one pixel per cycle' };
}

export function buildEncPay(d: Derived): Module {
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
  const text = renderModule('dctcm_enc_pay', d, ctx, [
    `Payload of one block of ${e.N} values (golden writePixel, last loop): CTX values' sign and mantissa`,
    `fields, RAW values in ${e.W} bits, or DCT coefficients in wc bits, in value order, and its length.`,
    'Combinational (part of the record stage dctcm_enc_rec).',
  ]);
  return { name: 'dctcm_enc_pay', text, deps: [], latency: 0, throughput: 'combinational: one block per cycle' };
}

export function buildEncPack(d: Derived): Module {
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
  const text = renderModule('dctcm_enc_pack', d, ctx, [
    'Encoder stage 4, the bit packer: tile header (magic, version, shift, configuration tag) before the',
    'first record, records appended LSB first, and after the last record the end bit, zero padding to a',
    `${e.B}-bit boundary and the trailer word (pixel count mod 2^16 | fold16 checksum << 16).`,
    `Takes one record per cycle while what remains after the word sent this cycle is below ${e.B} bits, so a`,
    `record of at most ${e.B} bits costs one cycle and a longer one ceil(bits / ${e.B}) cycles. The next tile's`,
    'records queue behind a pending trailer; only a second tile end waits for it.',
    'A record reaches m_axis one cycle after it is taken.',
  ]);
  return {
    name: 'dctcm_enc_pack',
    text,
    deps: [],
    latency: PACK_LATENCY,
    throughput: `one record per cycle up to ${e.B} bits, ceil(bits / ${e.B}) cycles for a longer one, one trailer beat per tile`,
  };
}

export function buildEncoderTop(d: Derived): Module {
  const e = encWidths(d);
  const ctx = {
    ...portWidths(e),
    W: e.W,
    SHIFT_MAX: e.SHIFT_MAX,
    shiftLimited: e.SHIFT_MAX < 15,
    prepName: 'dctcm_enc_prep',
    prepLatency: PREP_LATENCY,
    ctxName: 'dctcm_enc_ctx',
    recName: 'dctcm_enc_rec',
    packName: 'dctcm_enc_pack',
  };
  const text = renderModule('dctcm_encoder', d, ctx, [
    'DCT-CM encoder: pixel vectors in, the compressed tile stream of golden/tile.ts encodeTile out, bit exact.',
    `Input lane order: channel c in s_axis_tdata[c*${e.W} +: ${e.W}]; output: stream bit i in bit i mod ${e.B}`,
    `of word floor(i / ${e.B}) (32-bit unit 0 in the least significant bits).`,
    `Pipeline: prep (quantize, bit lengths, DCT; ${PREP_LATENCY} cycles) -> ctx (context loop, modes) -> rec (record`,
    'assembly) -> pack (bit packer), valid/ready between stages, all registered.',
    'Throughput: one pixel per cycle while m_axis_tready is high and the record fits the bus; a record',
    `longer than ${e.B} bits takes ceil(bits / ${e.B}) cycles; one extra cycle per tile for the trailer.`,
    `Latency: ${ENCODER_LATENCY} cycles from an accepted pixel to the first output word that holds its record.`,
    's_axis_tready depends combinationally on m_axis_tready through the stage ready chain.',
    'Clock speed: the longest paths are the record stage (prefix counts over all channels, then shifters as',
    'wide as the longest record), the context loop (rank ROM, cost adder over a block, compare, mode, next',
    'context: a true feedback loop) and the DCT stages (constant multipliers and an adder tree; the',
    'rounding shift). Only the context loop cannot be cut by more registers; the record stage is',
    'feed-forward and could be split into more stages.',
  ]);
  return {
    name: 'dctcm_encoder',
    text,
    deps: ['dctcm_enc_prep', 'dctcm_enc_ctx', 'dctcm_enc_rec', 'dctcm_enc_pack'],
    latency: ENCODER_LATENCY,
    throughput: `one pixel per cycle while m_axis_tready is high and its record fits the ${e.B}-bit bus; ceil(bits / ${e.B}) cycles for a longer record`,
  };
}

/** The encoder top and its submodules (the shared dctcm_dct included), dependencies first. */
export function buildEncoder(d: Derived): Module[] {
  return [buildDct(d), buildEncPrep(d), buildEncCtx(d), buildEncPay(d), buildEncRec(d), buildEncPack(d), buildEncoderTop(d)];
}
