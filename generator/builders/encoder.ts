// The encoder top dctcm_encoder; its pipeline stages dctcm_enc_{prep,ctx,rec,pay,pack} have a builder
// file each (enc_prep.ts, ...), with the widths they share in enc_common.ts; the forward DCT is the
// shared core dctcm_dct (dct.ts). Each builder computes every constant, table and width its template
// prints (from Derived, via enc_common.ts).
import { Derived, TILE_END_BITS, TILE_HEADER_BITS } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { CombPath, DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';
import { encWidths, portWidths } from './enc_common.js';
import { buildDct } from './dct.js';
import { AXIS_SLICE_LATENCY, buildAxisSlice } from './axis_slice.js';
import { buildEncPrep, prepLatency } from './enc_prep.js';
import { CTX_LATENCY, buildEncCtx } from './enc_ctx.js';
import { REC_LATENCY, buildEncRec } from './enc_rec.js';
import { buildEncPay } from './enc_pay.js';
import { PACK_LATENCY, buildEncPack } from './enc_pack.js';

/** From an accepted pixel to the first output word holding its record (the output slice included). */
const encoderLatency = (d: Derived): number => prepLatency(d) + CTX_LATENCY + REC_LATENCY + PACK_LATENCY + AXIS_SLICE_LATENCY;

/** What an integrator budgets for the encoder (manifest integration.throughput; checked in test/rtl/prefix-pair.test.ts). */
export function encoderRate(d: Derived): { perPixel: string; perTileCycles: number; latencyCycles: number } {
  const B = d.cfg.busWidth;
  return {
    perPixel: `max(1, record bits / ${B}) cycles on average: one pixel per cycle, or one ${B}-bit word per cycle while records are longer (the packer fills every word)`,
    // the words the header and the end bit (with its padding) can add, and the trailer beat
    perTileCycles: Math.ceil((TILE_HEADER_BITS + TILE_END_BITS) / B) + 1,
    latencyCycles: encoderLatency(d),
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
    prepLatency: prepLatency(d),
    dct: e.dct,
  };
  const description = [
    'DCT-CM encoder: pixel vectors in, the compressed tile stream of golden/tile.ts encodeTile out, bit exact.',
    `Input lane order: channel c in s_axis_tdata[c*${e.W} +: ${e.W}]; output: stream bit i in bit i mod ${e.B}`,
    `of word floor(i / ${e.B}) (32-bit unit 0 in the least significant bits).`,
    `Pipeline: prep (quantize, bit lengths${e.dct ? ', DCT' : ''}; ${prepLatency(d)} cycles) -> ctx (context loop, modes; ${CTX_LATENCY}) -> rec (record`,
    `assembly; ${REC_LATENCY}) -> pack (bit packer; ${PACK_LATENCY}) -> output register slice (${AXIS_SLICE_LATENCY}), valid/ready between stages, all registered.`,
    'Throughput: one pixel per cycle while m_axis_tready is high and the record fits the bus; a record',
    `longer than ${e.B} bits takes ceil(bits / ${e.B}) cycles; one extra cycle per tile for the trailer.`,
    `Latency: ${encoderLatency(d)} cycles from an accepted pixel to the first output word that holds its record.`,
    'No combinational path from any input to any output: the m_axis outputs are the output slice\'s',
    'registers, and s_axis_tready is the stage ready chain, which starts at the slice\'s registered ready',
    '(m_axis_tready drives only the slice).',
    'Loops: the context loop in ctx (context -> rank ROM -> block cost -> compare -> mode -> next context)',
    'and the packer\'s fill pointer; everything else is feed-forward. The record stage is cut into three',
    `registered stages (${REC_LATENCY} cycles: sections, then plane scatter and offsets, then placement), so its`,
    `shifters no longer set the clock; the longest paths are prep's quantizer${e.dct ? ', the DCT stages' : ''} and the context loop.`,
    ...(e.dct ? [] : ['Built without the DCT (gen-rtl --no-dct): no DCT block is ever coded; cfg_policy 2 (dct) codes lossless.']),
  ];
  return makeModule('encoder', d, prefix, {
    ports: encoderPorts(d),
    ctx,
    description,
    deps: ['enc_prep', 'enc_ctx', 'enc_rec', 'enc_pack', 'axis_slice'],
    latency: encoderLatency(d),
    throughput: `one pixel per cycle while m_axis_tready is high and its record fits the ${e.B}-bit bus; ceil(bits / ${e.B}) cycles for a longer record`,
    combPaths: ENCODER_COMB_PATHS,
  });
}

/** The encoder top and its submodules (the shared dctcm_dct included), dependencies first. */
export function buildEncoder(d: Derived, prefix: string = DEFAULT_PREFIX): Module[] {
  const stages = [buildEncPrep, buildEncCtx, buildEncPay, buildEncRec, buildEncPack, buildAxisSlice, buildEncoderTop];
  return (d.cfg.dct ? [buildDct, ...stages] : stages).map((b) => b(d, prefix));
}
