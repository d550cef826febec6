// Yosys synthesis of one core over the shared matrix (sim/sweep.ts). The rows up to 64 channels are
// elaborated and checked (proc, check -assert, no latches); the rows up to 16 channels also go through
// coarse synthesis (synth up to gate mapping), and the C = 8 rows through the whole generic flow to
// 4-input LUTs. In the WebAssembly Yosys, coarse synthesis of a 64- or 128-channel row takes 3 to 20
// minutes and elaborating a 128-channel decoder about 8, which CI's 90 minutes on 2 cores cannot hold;
// `npm run bench:hw -- --configs` synthesizes any row. One file per core, so the two run on separate
// workers.
import { describe, expect, it } from 'vitest';
import { derive } from '../../golden/params.js';
import { Module } from '../../generator/builders/types.js';
import { synthCheck, synthesize } from '../../sim/run.js';
import { SWEEP, SWEEP_NO_DCT, sweepLabel } from '../../sim/sweep.js';

/**
 * The no-DCT rows Yosys checks (gen-rtl --no-dct): the C8 N8 W8 B32 target, also through the whole
 * generic flow, and C16 N8 W8 s B64 (coarse); the other no-DCT rows are co-simulated and linted only.
 */
const NO_DCT_ROWS = SWEEP_NO_DCT.filter((c) => c.dctSize === 8 && c.dataWidth === 8);

/** The widest configurations that go through coarse synthesis, and through elaboration, in the test suite. */
export const COARSE_MAX_CHANNELS = 16;
export const ELABORATE_MAX_CHANNELS = 64;

export function synthSweep(top: 'dctcm_encoder' | 'dctcm_decoder', build: (d: ReturnType<typeof derive>) => Module[]): void {
  describe(`${top}: Yosys over the sweep`, () => {
    for (const c of [...SWEEP.filter((row) => row.channels <= ELABORATE_MAX_CHANNELS), ...NO_DCT_ROWS]) {
      const files = () => build(derive(c)).map((m) => ({ name: `${m.name}.v`, text: m.text }));
      const depth = c.channels <= COARSE_MAX_CHANNELS ? 'coarse' : 'elaborate';
      it(`${sweepLabel(c)}: ${depth === 'coarse' ? 'synth -run :fine' : 'proc'}, check -assert, no latches`, async () => {
        const t0 = performance.now();
        const r = await synthCheck(files(), top, depth);
        expect(r.ok, r.log.slice(-3000)).toBe(true);
        expect(r.cells).toBeGreaterThan(0);
        console.log(`${top} ${sweepLabel(c)}: ${depth}, ${r.cells} word-level cells (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }, 1_800_000);
      if (c.channels === 8) {
        it(`${sweepLabel(c)}: full generic synthesis to LUT4, check -assert, no latches`, async () => {
          const r = await synthesize(files(), top, 'generic');
          expect(r.ok, r.log.slice(-3000)).toBe(true);
          expect(r.luts).toBeGreaterThan(0);
          console.log(`${top} ${sweepLabel(c)}: ${r.luts} LUT4, ${r.ffs} flip-flops`);
        }, 1_800_000);
      }
    }
  });
}
