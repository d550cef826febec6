// The encoder top dctcm_encoder; its pipeline stages dctcm_enc_{prep,ctx,rec,pay,pack} have a builder
// file each (enc_prep.ts, ...), with the widths they share in enc_common.ts; the forward DCT is the
// shared core dctcm_dct (dct.ts). Each builder computes every constant, table and width its template
// prints (from Derived, via enc_common.ts).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { CombPath, DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';
import { ENC_COUNT_BITS, ENC_HEADER_BITS, encWidths, portWidths } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';
import { buildDct } from './dct.js';
import { AXIS_SLICE_LATENCY, buildAxisSlice, outSliceWidth } from './axis_slice.js';
import { buildEncPrep, prepLatency } from './enc_prep.js';
import { CTX_LATENCY, buildEncCtx } from './enc_ctx.js';
import { buildEncRec, recLatency } from './enc_rec.js';
import { buildEncPay } from './enc_pay.js';
import { PACK_LATENCY, buildEncPack } from './enc_pack.js';

/** The top's input register slice: a second dctcm_axis_slice instance, as wide as an input beat. */
export const INPUT_SLICE_LATENCY = AXIS_SLICE_LATENCY;

/** From an accepted pixel to the first output word holding its record (both register slices included). */
const encoderLatency = (d: Derived): number => INPUT_SLICE_LATENCY + prepLatency(d) + CTX_LATENCY + recLatency(d) + PACK_LATENCY + AXIS_SLICE_LATENCY;

/** One field of the input slice's beat: its bits are beat[offset +: width]. */
export interface BeatField {
  name: string;
  width: number;
  offset: number;
  comment: string;
}

/**
 * The input slice's beat, least significant field first: the one list that gives the beat's width and
 * every field's offset (the template packs and unpacks the beat from it). The tile logic before the
 * slice has already made the pixel's first and last flags and its tile's effective settings.
 */
export function inputBeatFields(d: Derived): BeatField[] {
  const ports = encoderPorts(d);
  const port = (name: string): number => ports.find((p) => p.name === name)!.width; // a field as wide as its port
  const fields: Omit<BeatField, 'offset'>[] = [
    { name: 'data', width: port('s_axis_tdata'), comment: 's_axis_tdata' },
    { name: 'first', width: 1, comment: "the tile's first pixel" },
    { name: 'last', width: 1, comment: "the tile's n-th pixel" },
    { name: 'shift', width: port('cfg_quant_shift'), comment: "the tile's effective shift: 0 unless the policy is lossy and the shift supported" },
    ...(d.cfg.dct ? [{ name: 'policy', width: port('cfg_policy'), comment: "the tile's effective policy: 0 (lossless) unless lossy" }] : []),
  ];
  let offset = 0;
  return fields.map((f) => {
    const out = { ...f, offset };
    offset += f.width;
    return out;
  });
}

/**
 * Tiles that can be between s_axis and the packer's input at once: each has a record in a stage register
 * of prep, ctx or rec (or is being accepted). The tile-length FIFO of the top holds one entry per such
 * tile (a power of two; s_axis_tready also waits for room, so the bound is a rate matter, not a
 * correctness one). The input slice's two beats are not counted: the FIFO's entry is written as a
 * tile's first pixel enters the slice, so up to two more tiles can be in flight and a first pixel may
 * wait, but only while 2^k tiles are queued ahead of the packer, which spends at least DRAIN + 2 cycles
 * on each.
 */
export function countFifoDepth(d: Derived): number {
  const inFlight = prepLatency(d) + CTX_LATENCY + recLatency(d) + 1;
  return 2 ** bitLength(inFlight - 1);
}

/** What an integrator budgets for the encoder (manifest integration.throughput; checked in test/rtl/prefix-pair.test.ts). */
export function encoderRate(d: Derived): { perPixel: string; perTileCycles: number; longRecordExtraCycles: number; latencyCycles: number; resetCycles: number } {
  const B = d.cfg.busWidth;
  return {
    perPixel:
      `max(1, slot bits / ${B}) cycles per slot: one pixel per cycle, or one ${B}-bit word per cycle while slots are longer ` +
      `(a slot of more than ${B} bits takes ceil(bits / ${B}) cycles)`,
    // the drain slots, the words the header can add, and the trailer beat
    perTileCycles: encWidths(d).DRAIN + Math.ceil(ENC_HEADER_BITS / B) + 1,
    longRecordExtraCycles: 0,
    latencyCycles: encoderLatency(d),
    // once after reset the packer clears its delay lines, one slot step per cycle (overlapping the fill)
    resetCycles: encWidths(d).DRAIN,
  };
}

/** The run-time settings the encoder accepts, and what it does with the others (docs/RTL.md, Interfaces). */
export function encoderSettings(d: Derived): { maxQuantShift: number; unsupported: string } {
  const max = encWidths(d).SHIFT_MAX;
  return {
    maxQuantShift: max,
    unsupported:
      `cfg_policy 3${d.cfg.dct ? '' : ', cfg_policy 2 (dct: this build has no DCT)'}, or cfg_policy auto${d.cfg.dct ? ' or dct' : ''} with cfg_quant_shift above ${max} (min(15, W - 1)): the tile is coded lossless with shift 0, ` +
      'and nothing signals it (the tile header carries shift 0); validate the settings before driving them',
  };
}

/** Ports of the encoder top (docs/RTL.md, Interfaces). */
export function encoderPorts(d: Derived): Port[] {
  const e = encWidths(d);
  return [
    bit('input', 'clk'),
    bit('input', 'rst', 'synchronous, active high'),
    vec('input', 'cfg_policy', 2, e.dct ? "0 lossless, 1 auto, 2 dct (3: lossless); sampled at a tile's first pixel" : "0 lossless, 1 auto (2 dct, not built, and 3: lossless); sampled at a tile's first pixel"),
    vec('input', 'cfg_quant_shift', 4, `quantization shift; > ${e.SHIFT_MAX} selects lossless; lossless forces 0`),
    vec('input', 'cfg_tile_pixels', ENC_COUNT_BITS, "pixels in the tile n, 1..65535 (0 codes a tile of 1 and sets error); sampled at a tile's first pixel"),
    vec('input', 's_axis_tdata', e.C * e.W, `channel c in bits [c*${e.W} +: ${e.W}]`),
    bit('input', 's_axis_tvalid'),
    bit('output', 's_axis_tready'),
    bit('input', 's_axis_tlast', "checked only: expected on the tile's n-th pixel (error otherwise)"),
    vec('output', 'm_axis_tdata', e.B, `stream bit i in bit i mod ${e.B} of word i / ${e.B}`),
    bit('output', 'm_axis_tvalid'),
    bit('input', 'm_axis_tready'),
    bit('output', 'm_axis_tlast', "the tile's trailer word"),
    bit('output', 'error', 'a register, high from the first framing error until rst: s_axis_tlast not on the n-th pixel, or cfg_tile_pixels = 0', { reg: true }),
  ];
}

/** Input-to-output paths of the encoder top without a register (checked with Yosys in test/synth/integration.test.ts). */
// Every output is a register of the output slice, and s_axis_tready is a function of registers only (the
// input slice's skid flag, the tile's first flag and the count FIFO's pointers): no input reaches an
// output without a register (test/synth/integration.test.ts).
export const ENCODER_COMB_PATHS: CombPath[] = [];

export function buildEncoderTop(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const beat = inputBeatFields(d);
  const ctx = {
    ...portWidths(e),
    W: e.W,
    SHIFT_MAX: e.SHIFT_MAX,
    shiftLimited: e.SHIFT_MAX < 15,
    prepLatency: prepLatency(d),
    dct: e.dct,
    IN_FIELDS: beat,
    IW: beat.reduce((a, f) => a + f.width, 0),
    OUTW: outSliceWidth(d),
    CFD: countFifoDepth(d),
    CFW: bitLength(countFifoDepth(d) - 1),
    CFP: bitLength(countFifoDepth(d) - 1) + 1,
    LVW: e.LVW.map((w, k) => ({ k, LV: w, LN: e.LNW[k] })),
  };
  const description = [
    'DCT-CM encoder: pixel vectors in, the compressed tile stream of golden/tile.ts encodeTile out (format v2), bit exact.',
    `Tiles: cfg_tile_pixels (n) is sampled with a tile's first pixel; the tile ends with its n-th pixel. s_axis_tlast`,
    "is a check: on any other pixel, or missing on the n-th, the sticky error output rises (the tile still has n",
    `pixels); cfg_tile_pixels = 0 codes a tile of 1 pixel and raises error too. n reaches the packer through a FIFO of ${countFifoDepth(d)}.`,
    `Input lane order: channel c in s_axis_tdata[c*${e.W} +: ${e.W}]; output: stream bit i in bit i mod ${e.B}`,
    `of word floor(i / ${e.B}) (32-bit unit 0 in the least significant bits).`,
    `Pipeline: input register slice (${INPUT_SLICE_LATENCY}) -> prep (quantize, bit lengths${e.dct ? ', DCT' : ''}; ${prepLatency(d)} cycles) -> ctx (context loop, modes; ${CTX_LATENCY}) -> rec (record`,
    `assembly as levels; ${recLatency(d)}) -> pack (level delay lines, slot assembly, bit packer; ${PACK_LATENCY}) -> output register slice`,
    `(${AXIS_SLICE_LATENCY}), valid/ready between stages, all registered.`,
    'Throughput: one pixel per cycle while m_axis_tready is high and the slot fits the bus; a slot',
    `longer than ${e.B} bits takes ceil(bits / ${e.B}) cycles; per tile ${e.DRAIN} drain slots and a trailer beat.`,
    `Latency: ${encoderLatency(d)} cycles from an accepted pixel to the first output word that holds its record.`,
    'No combinational path from any input to any output: the m_axis outputs are the output slice\'s',
    'registers, s_axis_tready is made of registers (the input slice\'s skid flag gated by the count FIFO\'s full state',
    'at a tile\'s first pixel; the stage ready chain, from the output slice\'s registered ready, ends at the input',
    'slice\'s output register; the tile counters and the FIFO write sit before the input slice), and error is a register.',
    'Loops: the context loop in ctx (context -> rank ROM -> block cost -> compare -> mode -> next context)',
    'and the packer\'s fill pointer; everything else is feed-forward (the record stage in registered',
    `stages: sections, then plane scatter and offsets, then placement into the levels${e.NB === 1 ? ', the last two one stage with one block' : ''}).`,
    ...(e.dct ? [] : ['Built without the DCT (gen-rtl --no-dct): no DCT block is ever coded; cfg_policy 2 (dct) codes lossless.']),
  ];
  return makeModule('encoder', d, prefix, {
    ports: encoderPorts(d),
    ctx,
    description,
    deps: ['enc_prep', 'enc_ctx', 'enc_rec', 'enc_pack', 'axis_slice'],
    latency: encoderLatency(d),
    throughput: `one pixel per cycle while m_axis_tready is high and its slot fits the ${e.B}-bit bus; ceil(bits / ${e.B}) cycles for a longer slot; ${e.DRAIN} drain slots and a trailer beat per tile`,
    combPaths: ENCODER_COMB_PATHS,
  });
}

/** The encoder top and its submodules (the shared dctcm_dct included), dependencies first. */
export function buildEncoder(d: Derived, prefix: string = DEFAULT_PREFIX): Module[] {
  const stages = [buildEncPrep, buildEncCtx, buildEncPay, buildEncRec, buildEncPack, buildAxisSlice, buildEncoderTop];
  return (d.cfg.dct ? [buildDct, ...stages] : stages).map((b) => b(d, prefix));
}
