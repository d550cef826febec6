// dctcm_axis_slice: order, no loss or duplication, holding while stalled, full rate without stalls, on
// both simulators; and Yosys proves that no output depends combinationally on an input.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { derive } from '../../golden/params.js';
import { buildAxisSlice } from '../../generator/builders/axis_slice.js';
import { renderBench } from '../../generator/render.js';
import { Simulator, topPaths, lint, requireTools, simulate } from '../../sim/run.js';

requireTools();
const WORK = join(tmpdir(), `dctcm-axis-slice-${process.pid}`);
mkdirSync(WORK, { recursive: true });
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

const d = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
const WIDTH = 12; // wide enough to number every beat of a run; the bench sets the parameter (default B + 1)
const slice = buildAxisSlice(d, 'dctcm_');
const AXIS_SLICE = slice.name;

function sources(dir: string, beats: number, text = slice.text): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, `${slice.name}.v`), join(dir, 'axis_slice_tb.v')];
  writeFileSync(files[0], text);
  writeFileSync(files[1], renderBench('axis_slice_tb', { width: WIDTH, beats, sliceName: AXIS_SLICE }));
  return files;
}

describe('dctcm_axis_slice', () => {
  const runs = [
    { gap: 0, stall: 0, seed: 1 },
    { gap: 30, stall: 50, seed: 2 },
    { gap: 70, stall: 10, seed: 3 },
    { gap: 5, stall: 80, seed: 4 },
  ];
  for (const sim of ['icarus', 'verilator'] as Simulator[]) {
    for (const r of runs) {
      it(`${sim}: gaps ${r.gap}% stalls ${r.stall}%`, async () => {
        const dir = join(WORK, `${sim}-${r.seed}`);
        const beats = 3000;
        const res = await simulate(sim, { files: sources(dir, beats), top: 'axis_slice_tb', workDir: join(dir, 'run'), plusargs: [`+seed=${r.seed}`, `+gap_pct=${r.gap}`, `+stall_pct=${r.stall}`], timeoutMs: 300_000 });
        const pass = /^PASS beats=(\d+) cycles=(\d+)/m.exec(res.output);
        expect(pass, res.output.slice(-2000)).not.toBeNull();
        // without gaps or stalls one beat moves every cycle (plus the one-cycle fill)
        if (r.gap === 0 && r.stall === 0) expect(Number(pass![2])).toBeLessThanOrEqual(beats + 3);
      }, 600_000);
    }
  }

  it('the bench and the path check catch a broken slice', async () => {
    const READY = 'assign s_ready = !skid_valid_q;';
    expect(slice.text).toContain(READY);
    const drops = slice.text.replace(READY, "assign s_ready = 1'b1;"); // overwrites a parked beat
    const dir = join(WORK, 'mutant');
    const res = await simulate('icarus', { files: sources(dir, 500, drops), top: 'axis_slice_tb', workDir: join(dir, 'run'), plusargs: ['+seed=2', '+gap_pct=10', '+stall_pct=50'] });
    expect(res.output).toMatch(/^MISMATCH beat \d+/m);
    const comb = slice.text.replace(READY, 'assign s_ready = !skid_valid_q || m_ready;');
    const r = await topPaths([{ name: `${slice.name}.v`, text: comb }], AXIS_SLICE);
    expect(r.paths).toEqual([{ from: 'm_ready', to: 's_ready' }]);
  }, 600_000);

  it('verilator --lint-only -Wall: zero warnings', async () => {
    const files = sources(join(WORK, 'lint'), 10);
    const r = await lint([files[0]], AXIS_SLICE);
    expect(r.ok, r.output).toBe(true);
  });

  it('has no combinational path from any input to any output (Yosys)', async () => {
    const r = await topPaths([{ name: `${slice.name}.v`, text: slice.text }], AXIS_SLICE);
    expect(r.ok, r.log.slice(-2000)).toBe(true);
    expect(r.paths).toEqual([]);
  });
});
