// `dctcm analyze` on a folder with worker threads (tools/analyze-pool.ts): the report of a parallel run
// equals the serial one byte for byte (JSON and text, random and real tensors), errors are those of the
// serial run (the first failing tensor in order, exit code 2), and errors keep their class across the
// thread boundary. The CLI runs from dist/ (worker threads need .js files), built once for every test
// file by test/helpers/build.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERR, InputError, ParamError, StreamError } from '../../golden/errors.js';
import { deserializeError, serializeError } from '../../tools/analyze-pool.js';
import { Tensor, formatNpy } from '../../tools/npy.js';
import { activationsDir } from '../../sim/paths.js';
import { Rng } from '../../sim/rng.js';
import { genTensorData } from '../helpers/random.js';
import { ROOT, buildDist } from '../helpers/build.js';

let data: string; // tensors written by the tests

beforeAll(async () => {
  await buildDist(['tools/'], ['dist/tools/dctcm.js', 'dist/tools/analyze-worker.js']);
  data = mkdtempSync(join(tmpdir(), 'dctcm-pool-data-'));
}, 300_000);

afterAll(() => {
  if (data) rmSync(data, { recursive: true, force: true });
});

function analyze(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'tools', 'dctcm.js'), 'analyze', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tensor(rng: Rng, dtype: Tensor['dtype'], shape: [number, number, number]): Tensor {
  const W = { '|u1': 8, '|i1': 8, '<u2': 16, '<i2': 16 }[dtype];
  const signed = dtype === '|i1' || dtype === '<i2';
  return { dtype, shape, data: genTensorData(rng, rng.pick(['sparse', 'dense', 'smooth', 'small'] as const), ...shape, W, signed) };
}

describe('analyze on a folder: worker threads give the serial report', () => {
  it('random tensors (four dtypes, several shapes): --jobs 1, 2, 3 and the default, JSON and text', () => {
    const rng = new Rng(0x9001);
    const folder = join(data, 'random');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    const specs: [string, Tensor['dtype'], [number, number, number]][] = [
      ['a.npy', '|u1', [16, 5, 7]],
      ['b.npy', '|i1', [8, 9, 3]],
      ['sub/c.npy', '<u2', [32, 4, 4]],
      ['sub/d.npy', '<i2', [24, 3, 6]],
      ['e.npy', '|u1', [64, 6, 6]],
      ['f.npy', '|u1', [8, 1, 1]],
      ['g.npy', '|i1', [40, 2, 9]],
    ];
    for (const [f, dtype, shape] of specs) writeFileSync(join(folder, f), formatNpy(tensor(rng, dtype, shape)));
    for (const opts of [['--json'], ['--json', '--policy', 'auto', '--quant-shift', '2'], [], ['--policy', 'dct', '--quant-shift', '1', '--tile-pixels', '5']]) {
      const serial = analyze(folder, '--jobs', '1', ...opts);
      expect(serial.code, serial.stderr).toBe(0);
      expect(serial.stdout.length).toBeGreaterThan(100);
      for (const jobs of [['--jobs', '2'], ['--jobs', '3'], []]) {
        const par = analyze(folder, ...jobs, ...opts);
        expect(par.code, par.stderr).toBe(0);
        expect(par.stdout, `${jobs.join(' ')} ${opts.join(' ')}`).toBe(serial.stdout);
      }
    }
    // progress: one line per tensor, whatever the order they finish in
    const p = analyze(folder, '--jobs', '3', '--json', '--progress');
    const lines = p.stderr.trimEnd().split('\n').sort();
    expect(lines).toEqual(['a', 'b', 'e', 'f', 'g', 'sub/c', 'sub/d'].map((n, i) => `[${i + 1}/7] ${n}`).sort());
  });

  it('real activations (SqueezeNet 1.1, index.json): the same JSON report serial and parallel', () => {
    const dir = activationsDir('squeezenet11');
    const serial = analyze(dir, '--json', '--jobs', '1', '--policy', 'auto', '--quant-shift', '1');
    expect(serial.code, serial.stderr).toBe(0);
    const rep = JSON.parse(serial.stdout);
    expect(rep.layers.length).toBeGreaterThan(10);
    const par = analyze(dir, '--json', '--jobs', '2', '--policy', 'auto', '--quant-shift', '1');
    expect(par.stdout).toBe(serial.stdout);
  });

  it('errors: the first failing tensor in order, with the serial message and exit code 2', () => {
    const rng = new Rng(0x9002);
    const folder = join(data, 'broken');
    mkdirSync(folder, { recursive: true });
    const good = (f: string, C: number) => writeFileSync(join(folder, f), formatNpy(tensor(rng, '|u1', [C, 8, 8])));
    good('a.npy', 64);
    const cut = formatNpy(tensor(rng, '|u1', [8, 2, 2]));
    writeFileSync(join(folder, 'b.npy'), cut.subarray(0, cut.length - 3)); // truncated: InputError
    good('c.npy', 32);
    good('d.npy', 12); // C = 12 is not a multiple of the DCT size 8: ParamError
    good('e.npy', 16);
    const serial = analyze(folder, '--jobs', '1');
    expect(serial.code).toBe(2);
    expect(serial.stderr).toMatch(/^dctcm: .*b\.npy: truncated data/);
    expect(serial.stdout).toBe('');
    for (const jobs of ['2', '4']) {
      const par = analyze(folder, '--jobs', jobs);
      expect(par.code).toBe(2);
      expect(par.stderr).toBe(serial.stderr);
      expect(par.stdout).toBe('');
    }
    // only the later error left: that one
    writeFileSync(join(folder, 'b.npy'), formatNpy(tensor(rng, '|u1', [8, 2, 2])));
    const s2 = analyze(folder, '--jobs', '1');
    expect(s2.stderr).toMatch(/^dctcm: .*d\.npy: the tensor has C=12 channels, which is not a multiple of --dct-size 8/);
    expect(analyze(folder, '--jobs', '3').stderr).toBe(s2.stderr);
  });

  it('--jobs must be a positive integer', () => {
    for (const bad of ['0', '-2', 'two', '1.5']) {
      const r = analyze(data, '--jobs', bad);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--jobs <n>' argument '.*' is invalid/);
    }
  });
});

describe('errors across the thread boundary', () => {
  it('keep their class, message and fields', () => {
    const errors: Error[] = [new StreamError(77, 'bad width', ERR.BAD_DCT_WIDTH), new InputError('x.npy: truncated data'), new ParamError('--dct-size 5 is not supported'), new RangeError('internal')];
    for (const e of errors) {
      const back = deserializeError(structuredClone(serializeError(e)));
      expect(back.constructor).toBe(e instanceof RangeError ? Error : e.constructor);
      expect(back.message).toBe(e.message);
      expect(back.name).toBe(e instanceof RangeError ? 'Error' : e.name);
      if (e instanceof StreamError) {
        expect((back as StreamError).bitOffset).toBe(77);
        expect((back as StreamError).code).toBe(ERR.BAD_DCT_WIDTH);
      }
      if (!(e instanceof RangeError)) expect((back as ParamError).exitCode).toBe(2);
    }
  });
});
