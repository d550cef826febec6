// Yosys on dctcm_dct and dctcm_idct: the structural check (no latches, check -assert) in every
// configuration test/rtl/dct-rtl.test.ts simulates, and a full iCE40 mapping of the 4-point cores. A file
// of its own so Yosys (single-threaded WebAssembly) runs in parallel with the simulations.
import { describe, expect, it } from 'vitest';
import { derive } from '../../golden/params.js';
import { buildDct, dctWidths } from '../../generator/builders/dct.js';
import { buildIdct, idctWidths } from '../../generator/builders/idct.js';
import { synthCheck, synthesize } from '../../sim/run.js';
import { DCT_CONFIGS } from '../helpers/dct-configs.js';

const configs = DCT_CONFIGS;

describe.each(configs)('Yosys check $dctSize-point W=$dataWidth signed=$signed P=$dctPrecision', (cfg) => {
  it('passes check -assert without latches', async () => {
    const d = derive(cfg);
    for (const m of [buildDct(d), buildIdct(d)]) {
      const y = await synthCheck([{ name: `${m.name}.v`, text: m.text }], m.name, 'elaborate');
      expect(y.ok, y.log.slice(-3000)).toBe(true);
    }
  });
});

describe('synthesis for iCE40', () => {
  it('4-point cores map without latches, every pipeline register a flip-flop', async () => {
    const N = 4;
    const d = derive({ channels: N, dctSize: N, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    for (const m of [buildDct(d), buildIdct(d)]) {
      const r = await synthesize([{ name: `${m.name}.v`, text: m.text }], m.name, 'ice40');
      expect(r.ok, r.log.slice(-3000)).toBe(true);
      expect(r.luts).toBeGreaterThan(0);
      // stage 1 holds N accumulators, stage 2 N outputs; constant-zero bits may be optimized away
      const w = m.name === 'dctcm_dct' ? dctWidths(d).accWidth : idctWidths(d).accWidth;
      expect(r.ffs).toBeGreaterThan(N * 4);
      expect(r.ffs).toBeLessThanOrEqual(N * (w + 16) + 4 + N + 2);
    }
  });
});
