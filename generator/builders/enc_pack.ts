// dctcm_enc_pack: encoder stage 4, format v2's level delay lines, the slot assembly and the bit packer
// (tile header, slots, padding, trailer).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';
import { ENC_COUNT_BITS, ENC_HEADER_BITS, LEVEL_OFFSETS, clkRst, encWidths, packFields } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

/** From a record taken to the first word holding its level 0: delay-line register, slot register, packer. */
export const PACK_LATENCY = 3;

/**
 * A delay line at least this wide (level bits + length bits) is a memory array with a registered read
 * (Yosys can map it to block RAM); a narrower one is a shift register of flip-flops.
 */
export const LINE_RAM_MIN_WIDTH = 32;

/** The delay line of level k >= 1: entries of {length, bits}, depth O[k]. */
export interface DelayLine {
  k: number;
  LV: number; // level bits
  LN: number; // length bits
  EW: number; // entry width LV + LN
  D: number; // depth O[k]
  Dm1: number; // D - 1, the last pointer value
  PW: number; // pointer width (memories)
  ram: boolean;
  OFW: number; // width of its offset in the slot: bitLength of the most the levels before it hold
}

export function delayLines(d: Derived): DelayLine[] {
  const e = encWidths(d);
  return LEVEL_OFFSETS.slice(1).map((D, i) => {
    const k = i + 1;
    const EW = e.LVW[k] + e.LNW[k];
    const before = e.LVW.slice(0, k).reduce((a, b) => a + b, 0);
    return { k, LV: e.LVW[k], LN: e.LNW[k], EW, D, Dm1: D - 1, PW: bitLength(D - 1), ram: EW >= LINE_RAM_MIN_WIDTH, OFW: bitLength(before) };
  });
}

export function buildEncPack(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const SW = e.SLOT;
  const SOW = bitLength(SW);
  const INS = SW + ENC_HEADER_BITS;
  const CAP = Math.ceil((e.B + INS) / e.B) * e.B;
  const FW = bitLength(CAP);
  const KMAX = CAP / e.B;
  const WLW = bitLength(KMAX);
  const ks = Array.from({ length: KMAX }, (_, i) => i + 1);
  const lines = delayLines(d);
  const levels = e.LVW.map((LV, k) => ({ k, LV, LN: e.LNW[k] }));
  const ctx = {
    B: e.B,
    SW,
    SOW,
    INS,
    CAP,
    FW,
    BLW: bitLength(e.B - 1),
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
  const lineText = lines.map((l) => `${l.k}: ${l.D} x ${l.EW} ${l.ram ? 'memory' : 'flip-flops'}`).join(', ');
  const description = [
    'Encoder stage 4, format v2 framing (docs/design/format-v2.md 3, 5): level k of record r goes out in slot',
    `r + O[k], O = (${LEVEL_OFFSETS.join(', ')}).`,
    `1. Delay lines: level 0 direct, level k >= 1 into a line O[k] deep of {length, bits} (${lineText}),`,
    `   one write and one read per slot. After a tile's last record, ${e.DRAIN} drain slots push empty entries;`,
    `   after reset the lines are cleared the same way (${e.DRAIN} cycles) before the first record is taken.`,
    `2. Slot assembly: the 8 levels concatenated at prefix-sum offsets, at most ${SW} bits, and the slot length.`,
    `3. Packer: the ${ENC_HEADER_BITS}-bit tile header (magic, version, shift, configuration tag, pixel count) before the first`,
    `   slot, slots appended LSB first, after the last drain slot zero padding to a ${e.B}-bit boundary and the`,
    '   trailer word (pixel count mod 2^16 | fold16 checksum << 16). The fill pointer (fill += slot - B per',
    '   word out) is the only loop.',
    `Takes one slot per cycle while what remains after the word sent this cycle is below ${e.B} bits: one record per`,
    `cycle while slots fit the bus, ceil(bits / ${e.B}) cycles for a longer slot, ${e.DRAIN} drain slots and one trailer beat per tile.`,
    'The next tile\'s records wait until the drain is done.',
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
