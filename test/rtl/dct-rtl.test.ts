// dctcm_dct and dctcm_idct against the golden model (dctForward; dctInverse + clamp + mask as in
// dctReconstruct), bit for bit, on Icarus and Verilator, for every DCT size, data widths 4..16, signed
// and unsigned, every quantization shift 0..15, with random ce stalls and valid gaps; plus lint (zero
// warnings) of both cores in every configuration. Yosys: test/synth/dct-rtl-synth.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derive, type CodecConfig } from '../../golden/params.js';
import { buildDct } from '../../generator/builders/dct.js';
import { buildIdct, idctWidths } from '../../generator/builders/idct.js';
import { dctVectors, goldenForward, goldenInverse, writeDctBench, writeDctBenchGroup } from '../../sim/dct-bench.js';
import { lint, requireTools, type Simulator } from '../../sim/run.js';
import { runBench } from '../../sim/bench.js';
import { DCT_CONFIGS, DCT_SIZES_TESTED } from '../helpers/dct-configs.js';

const SIZES = DCT_SIZES_TESTED;
const configs = DCT_CONFIGS;

const label = (c: CodecConfig) => `N=${c.dctSize} W=${c.dataWidth} ${c.signed ? 'signed' : 'unsigned'} P=${c.dctPrecision}`;
let root = '';

beforeAll(() => {
  requireTools();
  root = mkdtempSync(join(tmpdir(), 'dctcm-dct-rtl-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('golden helpers the bench relies on', () => {
  it('forward of a constant block is the DC term only; inverse restores it', () => {
    const d = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    const q = goldenForward(d, Array(8).fill(100), 0);
    expect(q[0]).toBe(Math.round(100 * Math.sqrt(8)));
    expect(q.slice(1).every((v) => v === 0)).toBe(true);
    expect(goldenInverse(d, q, Array(8).fill(1), 0)).toEqual(Array(8).fill(100));
    expect(goldenInverse(d, q, [1, 0, 1, 0, 1, 0, 1, 0], 0)).toEqual([100, 0, 100, 0, 100, 0, 100, 0]);
  });

  it('the inverse clamps values far beyond 32 bits instead of wrapping', () => {
    const d = derive({ channels: 4, dctSize: 4, dataWidth: 16, signed: true, busWidth: 32, dctPrecision: 8 });
    const big = Array(4).fill(2 ** (d.coefWidthMax - 1) - 1);
    const y = goldenInverse(d, big, [1, 1, 1, 1], 15);
    for (const v of y) expect(v === d.minVal || v === d.maxPos).toBe(true);
    expect(idctWidths(d).yWidth).toBeGreaterThan(32); // this configuration has y wider than 32 bits
    expect(idctWidths(d).clampWidth).toBe(idctWidths(d).yWidth);
  });
});

describe.concurrent.each(configs)('lint $dctSize-point W=$dataWidth signed=$signed P=$dctPrecision', (cfg) => {
  it('zero warnings under verilator --lint-only -Wall', async () => {
    const d = derive(cfg);
    const dir = join(root, `lint-${label(cfg).replace(/[ =]/g, '_')}`);
    mkdirSync(dir, { recursive: true });
    for (const m of [buildDct(d), buildIdct(d)]) {
      const vfile = join(dir, `${m.name}.v`);
      writeFileSync(vfile, m.text);
      const l = await lint([vfile], m.name);
      expect(l.ok, l.output).toBe(true);
    }
  });
});

// One simulator build per DCT size runs all eight width/sign configurations of that size side by side.
describe.concurrent.each(SIZES)('%i-point cores, every width and sign', (N) => {
  for (const sim of ['icarus', 'verilator'] as Simulator[]) {
    it(`bit-exact on ${sim}`, async () => {
      const members = configs
        .filter((c) => c.dctSize === N)
        .map((c) => {
          const d = derive(c);
          return { d, vectors: dctVectors(d, N >= 16 ? 120 : 300, N * 100 + c.dataWidth + (c.signed ? 1 : 0)) };
        });
      const dir = join(root, `${sim}-N${N}`);
      const bench = writeDctBenchGroup(members, dir);
      const r = await runBench(sim, bench, ['+seed=7', '+stall_pct=25', '+gap_pct=25']);
      expect(r.ok, r.message).toBe(true);
      expect(r.output.match(/^DONE /gm)?.length).toBe(members.length);
    });
  }
});

describe('the bench can fail', () => {
  it('reports the first wrong block with its index and both values', async () => {
    const d = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: true, busWidth: 32, dctPrecision: 12 });
    const dir = join(root, 'mutant');
    const v = dctVectors(d, 20, 3);
    const bench = writeDctBench(d, dir, v);
    const exp = join(dir, 'inv_exp.hex').replace(/\\/g, '/');
    const lines = readFileSync(exp, 'utf8').split('\n');
    lines[5] = (BigInt(`0x${lines[5]}`) ^ 1n).toString(16); // one bit of block 5's expected output
    writeFileSync(exp, lines.join('\n'));
    const r = await runBench('icarus', bench);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^FAIL N=8 W=8 signed P=12 idct block 5: got \w+ expected \w+/m);
  });
});
