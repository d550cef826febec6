// Neither core has a combinational path from an input port to an output port (Yosys, flip-flops cut):
// in particular none from m_axis_tready to s_axis_tready, so cores can be chained and tready fans out
// to one register pair. docs/RTL.md states this; this test is its proof on the C = 8 sweep rows.
import { describe, expect, it } from 'vitest';
import { derive } from '../../golden/params.js';
import { buildDecoder } from '../../generator/builders/decoder.js';
import { buildEncoder } from '../../generator/builders/encoder.js';
import { topPaths } from '../../sim/run.js';
import { SWEEP, sweepLabel } from '../../sim/sweep.js';

const rows = SWEEP.filter((c) => c.channels === 8);

describe.each(rows.map((c) => [sweepLabel(c), c] as const))('combinational paths: %s', (_l, cfg) => {
  const d = derive(cfg);
  for (const [core, build] of [
    ['dctcm_encoder', buildEncoder],
    ['dctcm_decoder', buildDecoder],
  ] as const) {
    it(`${core}: none from any input to any output`, async () => {
      const files = build(d).map((m) => ({ name: `${m.name}.v`, text: m.text }));
      const r = await topPaths(files, core);
      expect(r.ok, r.log.slice(-3000)).toBe(true);
      expect(r.paths).toEqual([]);
    }, 900_000);
  }
});
