// dctcm_dec_recon (generator/builders/dec_recon.ts, templates/dctcm_dec_recon.v.hbs) against its golden
// reference decRecon (sim/dec-stages.ts: dequantize for CTX, the value for RAW, 0 otherwise), on Icarus
// and Verilator: the parsed pixels of real plans (where decRecon must also equal planPixel's recon) and
// random indices over the whole W + 1-bit field (clamping) at every supported shift. Combinational: the
// bench (sim/stage-bench.ts, sim/tb/stage_tb.v.hbs) applies one line at a time; it must report a
// corrupted expected line.
import { resolve, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecConfig, Derived, MODE_CTX, MODE_RAW, derive } from '../../golden/params.js';
import { effectiveShift, newPlan, planPixel, updateContext } from '../../golden/tile.js';
import { buildDecRecon } from '../../generator/builders/dec_recon.js';
import { ROOT } from '../../generator/render.js';
import { decRecon } from '../../sim/dec-stages.js';
import { PortValues } from '../../sim/enc-stages.js';
import { runStageBench, writeStageBench } from '../../sim/stage-bench.js';
import { Simulator, requireTools } from '../../sim/run.js';
import { Rng } from '../../sim/rng.js';
import { STAGE_CONFIGS, stageLabel, stageTiles } from '../helpers/enc-stages.js';

requireTools();
const WORK = resolve(ROOT, 'tmp', 'dec-recon-rtl');

/** Beats from the plans of random tiles, then random ones; checks decRecon against planPixel's recon. */
function reconBeats(d: Derived, seed: number): { in: PortValues; out: PortValues }[] {
  const { channels: C, dctSize: N, dataWidth: W } = d.cfg;
  const beats: { in: PortValues; out: PortValues }[] = [];
  for (const t of stageTiles(d, 20, seed)) {
    const s = effectiveShift(t.settings);
    const ctx = new Uint8Array(C);
    const plan = newPlan(d);
    for (let p = 0; p < t.npix; p++) {
      planPixel(d, t.settings, ctx, t.pixels, (t.base ?? 0) + p * C, p, plan);
      const b = decRecon(d, plan.modes, plan.index, s);
      const px = b.out.pixel as number[];
      for (let c = 0; c < C; c++) {
        const m = plan.modes[Math.floor(c / N)];
        if (m === MODE_CTX || m === MODE_RAW) expect(px[c]).toBe(plan.recon[c]);
      }
      beats.push(b);
      updateContext(d, s, plan, ctx);
    }
  }
  const rng = new Rng(seed);
  const sMax = Math.min(15, W - 1);
  for (let i = 0; i < 200; i++) {
    const modes = Array.from({ length: d.blocks }, () => rng.int(0, 3));
    const index = Array.from({ length: C }, (_, c) =>
      modes[Math.floor(c / N)] === MODE_RAW ? rng.int(d.minVal, d.maxPos) : rng.int(-(2 ** W), 2 ** W - 1),
    );
    beats.push(decRecon(d, modes, index, i < 16 * 4 ? i % (sMax + 1) : rng.int(0, sMax)));
  }
  return beats;
}

async function run(sim: Simulator, c: CodecConfig, tag: string, corruptBeat?: number) {
  const d = derive(c);
  const beats = reconBeats(d, 11 + c.channels);
  const sb = writeStageBench(join(WORK, tag), buildDecRecon(d), [], beats.map((b) => b.in), beats.map((b) => b.out));
  return { r: await runStageBench(sim, sb, { seed: 1, gapPct: 0, stallPct: 0, corruptBeat }), n: beats.length };
}

describe.concurrent('dctcm_dec_recon against decRecon', () => {
  const rows: { sim: Simulator; c: CodecConfig }[] = [...STAGE_CONFIGS.map((c) => ({ sim: 'icarus' as Simulator, c })), { sim: 'verilator', c: STAGE_CONFIGS[1] }];
  for (const { sim, c } of rows) {
    it(`${sim} ${stageLabel(c)}: every beat`, async () => {
      const { r, n } = await run(sim, c, `${sim}-${stageLabel(c).replace(/ /g, '_')}`);
      expect(r.ok, r.message).toBe(true);
      expect(r.beats).toBe(n);
    }, 900_000);
  }
  it('the bench can fail: a corrupted expected line is reported at its index', async () => {
    const { r } = await run('icarus', STAGE_CONFIGS[0], 'corrupt', 9);
    expect(r.ok).toBe(false);
    expect(r.mismatchBeat, r.message).toBe(9);
  }, 900_000);
});
