// gen-rtl: option validation (exit 2, the constraint named, nothing written), --config files,
// byte-identical regeneration, generated-file headers, filelist order and manifest. No simulator:
// lint and the Yosys check of every emitted file are in test/rtl/gen-rtl-lint.test.ts, gen-rtl cosim in
// test/rtl/cosim-cli.test.ts.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { gen, tempRoot } from '../helpers/gen-rtl.js';
import { GENERATOR_VERSION, ROOT } from '../../generator/render.js';
import { TILE_ERRORS } from '../../golden/errors.js';
import { FORMAT_VERSION } from '../../golden/params.js';

const tmp = tempRoot('dctcm-gen-rtl-');
const fresh = tmp.fresh;

const files = (dir: string) => readdirSync(dir).sort();
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

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
    const bad = join(tmp.root(), 'bad.json');
    writeFileSync(bad, '{"channels": 64,');
    const out = fresh();
    let r = await gen(['--config', bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--config .*bad\.json cannot be read as JSON/);
    const unknown = join(tmp.root(), 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ channels: 64, 'dct-sise': 8 }));
    r = await gen(['--config', unknown, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option "dct-sise"/);
    const invalid = join(tmp.root(), 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ channels: 12 }));
    r = await gen(['--config', invalid, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--channels 12 is not a multiple of --dct-size 8/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to replace a folder it did not write, and leaves it alone', async () => {
    const out = fresh();
    await gen(['--channels', '8', '--out', out]);
    const mine = join(tmp.root(), 'mine');
    rmSync(mine, { recursive: true, force: true });
    writeFileSync(join(tmp.root(), 'keep.txt'), 'x');
    const r = await gen(['--channels', '8', '--out', tmp.root()]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/did not write/);
    expect(existsSync(join(tmp.root(), 'keep.txt'))).toBe(true);
    // an earlier gen-rtl output is replaced as a whole
    const again = await gen(['--channels', '16', '--out', out]);
    expect(again.code).toBe(0);
    expect(JSON.parse(read(out, 'manifest.json')).configuration.channels).toBe(16);
  });
});

describe('--config', () => {
  it('accepts camelCase and kebab-case keys; the command line overrides the file', async () => {
    const cfg = join(tmp.root(), 'cfg.json');
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
    expect(port(m.decoder, 'm_axis_tuser')).toEqual({ name: 'm_axis_tuser', direction: 'output', width: 5 });
    // the manifest's codes are golden's hardware checks, field for field
    expect(m.decoder.errorCodes).toEqual(TILE_ERRORS.map(({ code, name, text }) => ({ code, name, text })));
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

describe('as a process', () => {
  it('exits 2 with the message on stderr and writes nothing', async () => {
    const wrapper = join(tmp.root(), 'run-gen-rtl.mts');
    writeFileSync(wrapper, `import { main } from ${JSON.stringify(join(ROOT, 'tools', 'gen-rtl.ts'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
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
