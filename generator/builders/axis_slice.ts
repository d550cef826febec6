// AXI4-Stream register slice (output register + skid register): cuts every combinational path
// through a stream port, ready included, at full throughput. Emits templates/dctcm_axis_slice.v.hbs;
// checked by test/rtl/axis-slice.test.ts.
import { Derived } from '../../golden/params.js';
import { renderModule } from '../render.js';
import { Module } from './types.js';

export const AXIS_SLICE = 'dctcm_axis_slice';
/** Cycles from a beat accepted on s_ to the same beat valid on m_. */
export const AXIS_SLICE_LATENCY = 1;

export function buildAxisSlice(d: Derived): Module {
  const text = renderModule('dctcm_axis_slice', d, { name: AXIS_SLICE }, [
    'AXI4-Stream register slice: an output register and one skid register, WIDTH bits per beat.',
    'Every output (m_data, m_valid, s_ready) is a register, so no combinational path crosses it:',
    'a core that puts one on its output port has no path from m_axis_tready to its s_axis_tready.',
    `Latency: ${AXIS_SLICE_LATENCY} cycle. Throughput: one beat per cycle while m_ready is high.`,
    'Beats leave in order; none is lost or duplicated under any tready/tvalid pattern.',
  ]);
  return { name: AXIS_SLICE, text, deps: [], latency: AXIS_SLICE_LATENCY, throughput: 'one beat per cycle while m_ready is high' };
}
