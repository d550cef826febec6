// AXI4-Stream register slice (output register + skid register): cuts every combinational path
// through a stream port, ready included, at full throughput. Emits templates/dctcm_axis_slice.v.hbs;
// checked by test/rtl/axis-slice.test.ts. Its width is a module parameter, so one module serves every
// stream (the encoder instantiates it at its input and at its output).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';

/** Cycles from a beat accepted on s_ to the same beat valid on m_. */
export const AXIS_SLICE_LATENCY = 1;

/** Bits per beat of the encoder's output slice: B data bits and tlast (the parameter's default). */
export const outSliceWidth = (d: Derived): number => d.cfg.busWidth + 1;

/** A slice whose WIDTH parameter (bits per beat) defaults to width. */
export function buildAxisSlice(d: Derived, prefix: string = DEFAULT_PREFIX, width = outSliceWidth(d)): Module {
  const ports: Port[] = [
    bit('input', 'clk'),
    bit('input', 'rst'),
    vec('input', 's_data', width, undefined, { widthParam: 'WIDTH' }),
    bit('input', 's_valid'),
    bit('output', 's_ready', 'a register: no combinational path from m_ready'),
    vec('output', 'm_data', width, undefined, { widthParam: 'WIDTH' }),
    bit('output', 'm_valid', 'a register'),
    bit('input', 'm_ready'),
  ];
  const description = [
    `AXI4-Stream register slice: an output register and one skid register, WIDTH bits per beat (default ${width}).`,
    'Every output (m_data, m_valid, s_ready) is a register, so no combinational path crosses it:',
    'a core that puts one on its output port has no path from m_axis_tready to its s_axis_tready.',
    `Latency: ${AXIS_SLICE_LATENCY} cycle. Throughput: one beat per cycle while m_ready is high.`,
    'Beats leave in order; none is lost or duplicated under any tready/tvalid pattern.',
  ];
  return makeModule('axis_slice', d, prefix, {
    ports,
    ctx: { WIDTH: width },
    description,
    deps: [],
    latency: AXIS_SLICE_LATENCY,
    throughput: 'one beat per cycle while m_ready is high',
  });
}
