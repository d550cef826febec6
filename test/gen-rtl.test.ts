// gen-rtl: option validation (exit 2, the constraint named, nothing written), --config files,
// byte-identical regeneration, generated-file headers, filelist order, manifest, and lint (zero
// warnings) plus the Yosys check of every emitted file in a few configurations.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../generator/cli.js';
import { GENERATOR_VERSION, ROOT } from '../generator/render.js';
import { FORMAT_VERSION } from '../golden/params.js';
import { lint, requireTools, synthCheck } from '../sim/run.js';

let root = '';
let n = 0;
const fresh = () => join(root, `out${n++}`);

/** Runs gen-rtl in-process; returns the exit code and what it printed. */
async function gen(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

const files = (dir: string) => readdirSync(dir).sort();
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dctcm-gen-rtl-'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('validation', () => {
  const cases: [string[], RegExp][] = [
    [['--channels', '60'], /--channels 60 is not a multiple of --dct-size 8/],
    [['--channels', '64', '--dct-size', '6'], /--dct-size 6 is not supported: it must be one of 4, 8, 16, 32/],
    [['--channels', '64', '--data-width', '17'], /--data-width 17 is out of range: it must be an integer from 4 to 16/],
    [['--channels', '64', '--bus-width', '48'], /--bus-width 48 is not a multiple of 32/],
    [['--channels', '64', '--dct-precision', '7'], /--dct-precision 7 is out of range/],
    [['--channels', 'x'], /--channels "x" is not an integer/],
    [['--channels', '0'], /--channels 0 is out of range/],
    [['--dct-size', '8'], /--channels is required/],
    [['--channels', '64', '--default-policy', 'best'], /--default-policy "best" is not one of lossless, auto, dct/],
    [['--channels', '64', '--default-policy', 'lossless', '--default-quant-shift', '2'], /--default-quant-shift 2 needs a lossy --default-policy/],
    [['--channels', '64', '--data-width', '4', '--default-policy', 'auto', '--default-quant-shift', '4'], /--default-quant-shift 4 is out of range: it must be an integer from 0 to 3/],
  ];
  it.each(cases)('%j exits 2 naming the constraint, writes nothing', async (args, message) => {
    const out = fresh();
    const r = await gen([...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/^gen-rtl: error: /);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown option is a usage error (exit 2), nothing written', async () => {
    const out = fresh();
    const r = await gen(['--channels', '64', '--chanels', '8', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--chanels'/);
    expect(existsSync(out)).toBe(false);
  });

  it('a bad --config file names the file and the problem', async () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{"channels": 64,');
    const out = fresh();
    let r = await gen(['--config', bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--config .*bad\.json cannot be read as JSON/);
    const unknown = join(root, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ channels: 64, 'dct-sise': 8 }));
    r = await gen(['--config', unknown, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option "dct-sise"/);
    const invalid = join(root, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ channels: 12 }));
    r = await gen(['--config', invalid, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--channels 12 is not a multiple of --dct-size 8/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to replace a folder it did not write, and leaves it alone', async () => {
    const out = fresh();
    await gen(['--channels', '8', '--out', out]);
    const mine = join(root, 'mine');
    rmSync(mine, { recursive: true, force: true });
    writeFileSync(join(root, 'keep.txt'), 'x');
    const r = await gen(['--channels', '8', '--out', root]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/did not write/);
    expect(existsSync(join(root, 'keep.txt'))).toBe(true);
    // an earlier gen-rtl output is replaced as a whole
    const again = await gen(['--channels', '16', '--out', out]);
    expect(again.code).toBe(0);
    expect(JSON.parse(read(out, 'manifest.json')).configuration.channels).toBe(16);
  });
});

describe('--config', () => {
  it('accepts camelCase and kebab-case keys; the command line overrides the file', async () => {
    const cfg = join(root, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ channels: 32, 'dct-size': 16, dataWidth: 12, signed: true, 'dct-precision': 10, 'default-policy': 'auto', defaultQuantShift: 3 }));
    const out = fresh();
    const r = await gen(['--config', cfg, '--data-width', '10', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(read(out, 'manifest.json'));
    expect(m.configuration).toMatchObject({ channels: 32, dctSize: 16, dataWidth: 10, signed: true, busWidth: 160, dctPrecision: 10 });
    expect(m.testbenchDefaults).toMatchObject({ policy: 'auto', quantShift: 3 });
    const off = fresh();
    expect((await gen(['--config', cfg, '--no-signed', '--out', off])).code).toBe(0);
    expect(JSON.parse(read(off, 'manifest.json')).configuration.signed).toBe(false);
  });
});

describe('output', () => {
  let a = '';
  beforeAll(async () => {
    a = fresh();
    const r = await gen(['--channels', '64', '--out', a]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wrote \d+ files/);
  });

  it('is byte-identical when regenerated, and differs for another configuration', async () => {
    const b = fresh();
    expect((await gen(['--channels', '64', '--dct-size', '8', '--out', b])).code).toBe(0);
    expect(files(b)).toEqual(files(a));
    for (const f of files(a)) expect(read(b, f), f).toBe(read(a, f));
    const c = fresh();
    expect((await gen(['--channels', '64', '--data-width', '10', '--out', c])).code).toBe(0);
    expect(read(c, 'dctcm_dct.v')).not.toBe(read(a, 'dctcm_dct.v'));
    expect(read(c, 'manifest.json')).not.toBe(read(a, 'manifest.json'));
  });

  it('every Verilog file carries the header, the preamble and the footer, and no path of this machine', () => {
    const vs = files(a).filter((f) => f.endsWith('.v'));
    expect(vs.length).toBeGreaterThanOrEqual(4);
    for (const f of vs) {
      const t = read(a, f);
      const lines = t.split('\n');
      expect(lines[0], f).toBe(`// ${f} -- generated by gen-rtl ${GENERATOR_VERSION}, do not edit`);
      expect(t, f).toMatch(/^\/\/ Regenerate: gen-rtl --channels 64 --dct-size 8 --data-width 8 --no-signed --bus-width 256 --dct-precision 12$/m);
      expect(t, f).toMatch(/^\/\/\s+format version 1$/m);
      expect(t, f).toMatch(/^`resetall\n`timescale 1ns \/ 1ps\n`default_nettype none\n/m);
      expect(t.trimEnd().endsWith('`resetall'), f).toBe(true);
      expect(t, f).toMatch(new RegExp(`^module ${f.slice(0, -2)}\\b`, 'm'));
      expect(t.match(/^module /gm)?.length, `${f}: one module per file`).toBe(1);
      expect(t, f).not.toContain(ROOT);
      expect(t, f).not.toContain(tmpdir());
      expect(t, f).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    }
  });

  it('the filelist lists every module once, each after the modules it instantiates', () => {
    const list = read(a, 'dctcm.f')
      .split('\n')
      .filter((l) => l && !l.startsWith('//'));
    const vs = files(a).filter((f) => f.endsWith('.v'));
    expect([...list].sort()).toEqual(vs);
    const pos = new Map(list.map((f, i) => [f.slice(0, -2), i]));
    for (const f of list) {
      const t = read(a, f);
      // every instantiation in the text, whether or not the builder declared it
      for (const m of t.matchAll(/^\s*(dctcm_\w+)\s+(?:#\s*\(|\w+\s*\()/gm)) {
        expect(pos.has(m[1]), `${f} instantiates ${m[1]}, which is not emitted`).toBe(true);
        expect(pos.get(m[1])!, `${f} must come after ${m[1]}`).toBeLessThan(pos.get(f.slice(0, -2))!);
      }
    }
  });

  it('the manifest describes configuration, ports, latency, throughput, errors and the regenerate command', () => {
    const m = JSON.parse(read(a, 'manifest.json'));
    expect(m.generatorVersion).toBe(GENERATOR_VERSION);
    expect(m.formatVersion).toBe(FORMAT_VERSION);
    expect(m.configuration).toMatchObject({ channels: 64, dctSize: 8, dataWidth: 8, signed: false, busWidth: 256, dctPrecision: 12 });
    expect(m.configuration.configTag).toMatch(/^0x[0-9a-f]{4}$/);
    expect(m.regenerate).toBe('gen-rtl --channels 64 --dct-size 8 --data-width 8 --no-signed --bus-width 256 --dct-precision 12 --default-policy lossless --default-quant-shift 0');
    expect(m.testbenchDefaults).toMatchObject({ policy: 'lossless', quantShift: 0 });
    const port = (side: { ports: { name: string; width: number; direction: string }[] }, name: string) => side.ports.find((p) => p.name === name);
    expect(m.encoder.top).toBe('dctcm_encoder');
    expect(port(m.encoder, 's_axis_tdata')).toEqual({ name: 's_axis_tdata', direction: 'input', width: 64 * 8 });
    expect(port(m.encoder, 'm_axis_tdata')).toEqual({ name: 'm_axis_tdata', direction: 'output', width: 256 });
    expect(port(m.encoder, 'cfg_quant_shift')?.width).toBe(4);
    expect(m.decoder.top).toBe('dctcm_decoder');
    expect(port(m.decoder, 's_axis_tdata')?.width).toBe(256);
    expect(port(m.decoder, 'm_axis_tdata')?.width).toBe(512);
    expect(port(m.decoder, 'error_code')?.width).toBe(4);
    for (const side of [m.encoder, m.decoder]) {
      expect(Number.isInteger(side.latencyCycles)).toBe(true);
      expect(side.throughput).toMatch(/\w/);
    }
    expect(m.decoder.errorCodes.length).toBeGreaterThan(0);
    for (const e of m.decoder.errorCodes) expect(e).toMatchObject({ code: expect.any(Number), name: expect.any(String), text: expect.any(String) });
    expect(m.decoder.recovery).toMatch(/tlast/);
    const dct = m.cores.find((c: { module: string }) => c.module === 'dctcm_dct');
    expect(dct).toMatchObject({ latencyCycles: 2, throughput: 'one block per cycle with ce high' });
    expect(m.files.map((f: { file: string }) => f.file).sort()).toEqual(files(a).filter((f) => f.endsWith('.v')));
  });

  it('--help documents every option with its default', async () => {
    const r = await gen(['--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--channels', '--dct-size', '--data-width', '--signed', '--bus-width', '--dct-precision', '--default-policy', '--default-quant-shift', '--config', '--out']) {
      expect(r.out).toContain(opt);
    }
    expect(r.out).toMatch(/--dct-size <n>[\s\S]*?\(default: 8\)/);
    expect(r.out).toMatch(/--data-width <bits>[\s\S]*?\(default: 8\)/);
    expect(r.out).toMatch(/--dct-precision <bits>[\s\S]*?\(default: 12\)/);
    expect(r.out).toMatch(/--bus-width <bits>[\s\S]*?\(default: max\(32/);
    expect(r.out).toMatch(/--default-policy <policy>[\s\S]*?\(default: lossless\)/);
    expect(r.out).toMatch(/--out <dir>[\s\S]*?\(default: "?rtl-out"?\)/);
    const c = await gen(['cosim', '--help']);
    expect(c.code).toBe(0);
    for (const opt of ['--npy', '--sim', '--policy', '--quant-shift', '--tile-pixels', '--stall-pct', '--gap-pct', '--seed']) expect(c.out).toContain(opt);
  });
});

describe('cosim', () => {
  const npy = () => {
    // 16 channels x 2 x 6, half zeros (ReLU-like), uint8
    const C = 16;
    const data = new Uint8Array(C * 12);
    let a = 12345;
    for (let i = 0; i < data.length; i++) {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      const r = (a >>> 16) % 256;
      data[i] = r < 128 ? 0 : r - 100;
    }
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (16, 2, 6), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = header + ' '.repeat(pad) + '\n';
    const file = join(root, 'small.npy');
    const buf = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, h.length & 0xff, h.length >> 8]), Buffer.from(h, 'latin1'), Buffer.from(data)]);
    writeFileSync(file, buf);
    return file;
  };

  it('runs both cores on a tensor and reports PASS with cycles per pixel', async () => {
    requireTools();
    const r = await gen(['cosim', '--npy', npy(), '--sim', 'icarus', '--policy', 'auto', '--quant-shift', '2', '--tile-pixels', '5']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^encoder: PASS cycles=\d+ pixels=12 beats=\d+ cycles\/pixel=\d+\.\d{3}/m);
    expect(r.out).toMatch(/^decoder: PASS cycles=\d+ pixels=12 beats=12 cycles\/pixel=\d+\.\d{3}/m);
  });

  it('rejects settings the format forbids, exit 2', async () => {
    const r = await gen(['cosim', '--npy', npy(), '--policy', 'lossless', '--quant-shift', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--quant-shift 2 needs a lossy policy/);
    const m = await gen(['cosim', '--npy', join(root, 'missing.npy')]);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/missing\.npy/);
  });
});

describe('as a process', () => {
  it('exits 2 with the message on stderr and writes nothing', async () => {
    const wrapper = join(root, 'run-gen-rtl.mts');
    writeFileSync(wrapper, `import { main } from ${JSON.stringify(join(ROOT, 'generator', 'cli.ts'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    const out = fresh();
    const bad = await execa('npx', ['vite-node', wrapper, '--channels', '60', '--out', out], { cwd: ROOT, reject: false });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--channels 60 is not a multiple of --dct-size 8/);
    expect(existsSync(out)).toBe(false);
    const good = await execa('npx', ['vite-node', wrapper, '--channels', '8', '--out', out], { cwd: ROOT, reject: false });
    expect(good.exitCode, good.stderr).toBe(0);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });
});

// Every emitted file: lint with zero warnings and the Yosys check, through each top of the hierarchy.
const LINT_CONFIGS: string[][] = [
  ['--channels', '16'],
  ['--channels', '32', '--dct-size', '4', '--data-width', '4', '--dct-precision', '8', '--bus-width', '32'],
  ['--channels', '32', '--dct-size', '16', '--data-width', '12', '--signed', '--bus-width', '128', '--dct-precision', '14'],
];

describe.each(LINT_CONFIGS.map((a) => [a.join(' '), a] as const))('lint and Yosys on every emitted file: %s', (_label, args) => {
  let dir = '';
  let tops: string[] = [];
  let vfiles: string[] = [];
  beforeAll(async () => {
    requireTools();
    dir = fresh();
    const r = await gen([...args, '--out', dir]);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(read(dir, 'manifest.json'));
    const used = new Set<string>(m.files.flatMap((f: { deps: string[] }) => f.deps));
    tops = m.files.map((f: { module: string }) => f.module).filter((x: string) => !used.has(x));
    vfiles = m.files.map((f: { file: string }) => join(dir, f.file));
    expect(tops).toEqual(expect.arrayContaining(['dctcm_encoder', 'dctcm_decoder']));
  });

  it('verilator --lint-only -Wall: zero warnings under every top', async () => {
    for (const top of tops) {
      const r = await lint(vfiles, top);
      expect(r.ok, `${top}:\n${r.output.slice(-4000)}`).toBe(true);
    }
  });

  it('Yosys check -assert without latches, every module', async () => {
    const texts = vfiles.map((f) => ({ name: f.slice(dir.length + 1), text: readFileSync(f, 'utf8') }));
    const r = await synthCheck(texts, null, 'elaborate');
    expect(r.ok, r.log.slice(-4000)).toBe(true);
    for (const f of texts) expect(r.log).toContain(`Checking module ${f.name.slice(0, -2)}...`);
  });
});
