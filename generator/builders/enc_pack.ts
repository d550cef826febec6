// dctcm_enc_pack: encoder stage 4, format v2's level delay lines, the slot assembly and the bit packer
// (tile header, slots, padding, trailer).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';
import { ENC_COUNT_BITS, ENC_HEADER_BITS, LEVEL_OFFSETS, clkRst, encWidths, packFields, zext } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

/** From a record taken to the first word holding its level 0: delay-line register, slot register, packer. */
export const PACK_LATENCY = 3;

/**
 * A delay line at least this wide (level bits + length bits) is a memory array with a registered read
 * (Yosys maps it to block RAM); a narrower one is a shift register of flip-flops. Every line is a memory:
 * on the iCE40 a flip-flop fed by another flip-flop takes a logic cell of its own, and at C = 8 the
 * narrow lines alone (levels 1-5, 720 bits) took 720 cells, against 5 of the 32 block RAMs.
 */
export const LINE_RAM_MIN_WIDTH = 1;

/**
 * The packer's chunk: the most bits of a slot it moves into its buffer per cycle, 2B (at least the 48-bit
 * tile header, at most the slot register). Two words per cycle keep the bus busy while a slot drains
 * (a slot of L bits takes ceil(L / 2B) cycles and ceil(L / B) words), and the insertion shifter and the
 * buffer are sized by the chunk, not by the longest slot (161 bits at C = 8).
 */
export function packChunk(d: Derived): number {
  const e = encWidths(d);
  return Math.min(2 * e.B, Math.max(e.SLOT, ENC_HEADER_BITS));
}


/** The delay line of level k >= 1: entries of {length, bits}, depth O[k]. */
export interface DelayLine {
  k: number;
  LV: number; // level bits
  LN: number; // length bits
  EW: number; // entry width LV + LN
  D: number; // depth O[k]
  Dm1: number; // D - 1, the last pointer value
  PW: number; // pointer width (memories)
  XW: number; // stored entry width: a live bit and the bits
  LNX: number; // length line entry width: a live bit and the length
  Dm2: number; // D - 2, the length line's last pointer value
  LPW: number; // length line pointer width
  ram: boolean;
  maxOff: number; // the most the levels before it hold: its largest offset in the slot
  OFW: number; // width of its offset
  SHW: number; // width of the level at its offset: LV + maxOff
  offExpr: string; // its offset: the lengths of levels 1 .. k-1, plus level 0's
  psExpr: string; // the lengths of levels 1 .. k-1 added up ('' for k = 1)
}

export function delayLines(d: Derived): DelayLine[] {
  const e = encWidths(d);
  return LEVEL_OFFSETS.slice(1).map((D, i) => {
    const k = i + 1;
    const EW = e.LVW[k] + e.LNW[k];
    const before = e.LVW.slice(0, k).reduce((a, b) => a + b, 0);
    const OFW = bitLength(before);
    const offExpr =
      k === 1 ? zext('nl0', e.LNW[0], OFW) : `ps${k} + ${zext('nl0', e.LNW[0], OFW)}`;
    // the lengths of levels 1 .. k-1 added up: from the length lines' registers only, so the step's take
    // (level 0's length) meets one adder, not the chain
    const psExpr = k === 1 ? '' : k === 2 ? zext('nl1', e.LNW[1], OFW) : `${zext(`ps${k - 1}`, bitLength(before - e.LVW[k - 1]), OFW)} + ${zext(`nl${k - 1}`, e.LNW[k - 1], OFW)}`;
    if (D < 3) throw new Error(`delay line ${k}: depth ${D} < 3 (its length line is one shorter)`);
    const XW = e.LVW[k] + 1;
    return { k, LV: e.LVW[k], LN: e.LNW[k], LNX: e.LNW[k] + 1, EW, XW, D, Dm1: D - 1, Dm2: D - 2, PW: bitLength(D - 1), LPW: bitLength(D - 2), ram: XW >= LINE_RAM_MIN_WIDTH, maxOff: before, OFW, SHW: e.LVW[k] + before, offExpr, psExpr };
  });
}

export function buildEncPack(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const SW = e.SLOT;
  const CH = packChunk(d);
  const SWS = Math.max(SW, CH);
  const SOW = bitLength(SWS);
  const CHW = bitLength(CH);
  // a chunk is taken while the buffer holds less than a chunk after this cycle's word: a slot's short last
  // chunk then still leaves a word to send (taking below B only would leave a bubble after it)
  const CAP = Math.ceil((CH - 1 + CH) / e.B) * e.B;
  const FW = bitLength(CAP);
  const KMAX = CAP / e.B;
  const WLW = bitLength(KMAX);
  const ks = Array.from({ length: KMAX }, (_, i) => i + 1);
  const lines = delayLines(d);
  const levels = e.LVW.map((LV, k) => ({ k, LV, LN: e.LNW[k] }));
  const last = lines[lines.length - 1];
  const slotExpr = [zext('a_lv0', e.LVW[0], SWS), ...lines.map((l) => zext(`s${l.k}`, l.SHW, SWS))].join(' | ');
  const bitsExpr = `${zext(`ps${last.k}`, last.OFW, SOW)} + ${zext(`nl${last.k}`, last.LN, SOW)} + ${zext('nl0', e.LNW[0], SOW)}`;
  const ctx = {
    B: e.B,
    SW,
    SOW,
    SWS,
    CH,
    chunked: SWS > CH,
    CAP,
    hdrExt: zext('{ b_count, TAG, b_shift, HEADER_LO }', ENC_HEADER_BITS, CH),
    remExt: zext(`b_rem_q[${CHW - 1}:0]`, CHW, FW),
    FW,
    takeLim: CH,
    takeLimOut: CH + e.B,
    FW1: FW + 1,
    CH2: 2 * CH,
    SOW1: SOW + 1,
    BLW: bitLength(CH - 1),
    UNITS: e.B / 32,
    HEADER_LO: e.HEADER_LO & 0xfff,
    TAG: e.TAG,
    KMAX,
    WLW,
    DRAIN: e.DRAIN,
    DRW: bitLength(e.DRAIN),
    LV0: e.LVW[0],
    LN0: e.LNW[0],
    lines,
    levels,
    slotExpr,
    bitsExpr,
    hasRam: lines.some((l) => l.ram),
    wordEnd: packFields(
      ks.map((k) => k * e.B),
      FW,
    ),
    wordEndW: KMAX * FW,
    wordCount: packFields(ks, WLW),
    wordCountW: KMAX * WLW,
  };
  const levelPorts: Port[] = [];
  e.LVW.forEach((w, k) => {
    levelPorts.push(vec('input', `in_lv${k}`, w, k === 0 ? 'the record as levels: level k, zero from in_ln<k> up' : undefined));
    levelPorts.push(vec('input', `in_ln${k}`, e.LNW[k]));
  });
  const ports: Port[] = [
    ...clkRst(),
    ...levelPorts,
    bit('input', 'in_first', 'first record of a tile: the tile header goes first'),
    bit('input', 'in_last', 'last record of a tile: drain slots, padding and trailer follow'),
    vec('input', 'in_shift', 4, "the tile's quantization shift (tile header)"),
    vec('input', 'in_count', ENC_COUNT_BITS, "the tile's pixel count n (tile header and trailer), the same on every record of the tile"),
    bit('input', 'in_valid'),
    bit('output', 'in_ready'),
    vec('output', 'm_axis_tdata', e.B),
    bit('output', 'm_axis_tvalid'),
    bit('input', 'm_axis_tready'),
    bit('output', 'm_axis_tlast'),
  ];
  const lineText = lines.map((l) => `${l.k}: ${l.D} x ${l.XW} and ${l.Dm1} x ${l.LNX} ${l.ram ? 'block RAM' : 'flip-flops'}`).join(', ');
  const description = [
    'Encoder stage 4, format v2 framing (docs/design/format-v2.md 3, 5): level k of record r goes out in slot',
    `r + O[k], O = (${LEVEL_OFFSETS.join(', ')}).`,
    `1. Delay lines: level 0 direct, level k >= 1 into a line O[k] deep of {live, bits} and one O[k] - 1 deep of {live, length}`,
    `   (${lineText}): the lengths are out a step early, and the slot's offsets are registered with its bits,`,
    `   one write and one read per slot. After a tile's last record, ${e.DRAIN} drain slots push entries that are not live;`,
    `   after reset the lines are cleared the same way (${e.DRAIN} cycles) before the first record is taken.`,
    `2. Slot assembly: the 8 levels concatenated at prefix-sum offsets, at most ${SW} bits, and the slot length,`,
    `   into the slot register, which the packer drains ${CH} bits per cycle${SWS > CH ? ' (a shift right by ' + CH + ' per chunk)' : ''}.`,
    `3. Packer: a ${CAP}-bit buffer; the ${ENC_HEADER_BITS}-bit tile header (magic, version, shift, configuration tag, pixel count)`,
    `   in a cycle of its own before the first slot, slots appended LSB first in chunks of up to ${CH} bits, after`,
    `   the last drain slot zero padding to a ${e.B}-bit boundary and the trailer word (pixel count mod 2^16 |`,
    '   fold16 checksum << 16). The fill pointer (fill += chunk - B per word out) is the only loop.',
    `Takes one chunk per cycle while what remains after the word sent this cycle is below ${CH} bits: one record per`,
    `cycle while slots fit the bus, ceil(bits / ${CH}) cycles for a longer slot (its ceil(bits / ${e.B}) words leave`,
    `at one per cycle), ${e.DRAIN} drain slots and one trailer beat per tile. The next tile's records wait until the drain is done.`,
  ];
  return makeModule('enc_pack', d, prefix, {
    ports,
    ctx,
    description,
    deps: [],
    latency: PACK_LATENCY,
    throughput: `one slot per cycle up to ${e.B} bits, ceil(bits / ${e.B}) cycles for a longer one; ${e.DRAIN} drain slots and one trailer beat per tile`,
  });
}
