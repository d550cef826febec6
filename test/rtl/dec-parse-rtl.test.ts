// dctcm_dec_parse (generator/builders/dec_parse.ts, templates/dctcm_dec_parse.v.hbs) on its own against
// its golden reference decParse (sim/dec-stages.ts): every slot of golden encodeTile's tiles, taken one
// per cycle, must give the slot length the golden levels add up to, more / last, no error, and for a
// slot with a top level that record's plan (golden planPixel): modes, values, mask. A mismatch here is
// located in a slot and a record. The bench: sim/tb/dec_parse_tb.v.hbs; it must report a corrupted
// expected line. The whole decoder: test/rtl/decoder-rtl.test.ts.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CodecConfig, Derived, derive } from '../../golden/params.js';
import { buildDecParse } from '../../generator/builders/dec_parse.js';
import { decWidths } from '../../generator/builders/dec_common.js';
import { ParseTile, decParse } from '../../sim/dec-stages.js';
import { corruptLine, runBench, writeBench, writeVectors } from '../../sim/bench.js';
import { Simulator, requireTools } from '../../sim/run.js';
import { SWEEP, SWEEP_NO_DCT, sweepLabel, sweepSettings } from '../../sim/sweep.js';
import { Rng } from '../../sim/rng.js';
import { genPixels, patternsFor } from '../helpers/random.js';

requireTools();
const WORK = join(tmpdir(), `dctcm-dec-parse-rtl-${process.pid}`);
mkdirSync(WORK, { recursive: true });
afterAll(() => {
  if (!process.env.KEEP_SIM) rmSync(WORK, { recursive: true, force: true });
});

const label = sweepLabel;
const CONFIGS: CodecConfig[] = SWEEP;

/** Random tiles of 1 to 40 pixels (random settings and patterns) holding at least count records. */
function parseTiles(d: Derived, seed: number, count: number): ParseTile[] {
  const { channels: C, dataWidth: W, signed } = d.cfg;
  const rng = new Rng(seed);
  const tiles: ParseTile[] = [];
  for (let n = 0; n < count; ) {
    const settings = rng.pick(sweepSettings(d));
    const npix = rng.int(1, 40);
    tiles.push({ settings, npix, pixels: genPixels(rng, rng.pick(patternsFor(signed)), npix, C, W, signed) });
    n += npix;
  }
  return tiles;
}

async function runParse(sim: Simulator, c: CodecConfig, tag: string, count: number, corrupt?: number) {
  const d = derive(c);
  const w = decWidths(d);
  const v = decParse(d, parseTiles(d, 31 + c.channels, count));
  const mod = buildDecParse(d);
  const bench = writeBench(join(WORK, `parse-${tag}`), [mod], 'dec_parse_tb', {
    top: mod.name,
    inw: v.inw,
    outw: v.outw,
    depth: v.inLines.length,
    slotw: w.SLOTMAX,
    lenw: w.LENW,
    nb: w.NB,
    vb: w.C * w.VW,
    c: w.C,
    dct: w.dct,
  });
  const exp = corrupt === undefined ? v.expLines : corruptLine(v.expLines, corrupt);
  const r = await runBench(sim, bench, [`+in=${writeVectors(bench, 'in.hex', v.inLines)}`, `+exp=${writeVectors(bench, 'exp.hex', exp)}`]);
  return { ...r, slots: v.slots, lines: v.inLines.length };
}

describe.concurrent('dctcm_dec_parse against the encoder plan', () => {
  const jobs: { sim: Simulator; c: CodecConfig }[] = [
    ...[CONFIGS[0], CONFIGS[1], CONFIGS[3], CONFIGS[4], CONFIGS[7]].map((c) => ({ sim: 'icarus' as Simulator, c })),
    { sim: 'icarus', c: SWEEP_NO_DCT[1] },
    { sim: 'verilator', c: CONFIGS[0] },
  ];
  for (const { sim, c } of jobs) {
    it(`${sim} ${label(c)}: 300 records, every slot`, async () => {
      const r = await runParse(sim, c, `${sim}-${label(c).replace(/ /g, '_')}`, 300);
      expect(r.ok, r.message).toBe(true);
      expect(r.beats).toBe(r.lines);
      expect(r.pixels).toBe(r.slots);
    }, 900_000);
  }
  it('the bench can fail: a corrupted expected line is reported at its index', async () => {
    // line 1 is slot 0 of the first tile (line 0 starts it); bit 0 is its err_value flag, always compared
    const r = await runParse('icarus', CONFIGS[0], 'corrupt', 40, 1);
    expect(r.ok).toBe(false);
    expect(r.mismatchBeat, r.message).toBe(1);
  }, 900_000);
});
