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
    [['--channels', '64', '--prefix', '1a_'], /--prefix "1a_" is not a Verilog identifier prefix/],
    [['--channels', '64', '--prefix', 'a-b'], /--prefix "a-b" is not a Verilog identifier prefix/],
    [['--channels', '64', '--prefix', ''], /--prefix "" is not a Verilog identifier prefix/],
    [['--channels', '64', '--prefix', '../x_'], /--prefix "..\/x_" is not a Verilog identifier prefix/],
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
    const badPrefix = join(tmp.root(), 'prefix.json');
    writeFileSync(badPrefix, JSON.stringify({ channels: 8, prefix: 7 }));
    r = await gen(['--config', badPrefix, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--prefix 7 is not a Verilog identifier prefix/);
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
    writeFileSync(cfg, JSON.stringify({ channels: 32, 'dct-size': 16, dataWidth: 12, signed: true, 'dct-precision': 10, 'default-policy': 'auto', defaultQuantShift: 3, prefix: 'k_' }));
    const out = fresh();
    const r = await gen(['--config', cfg, '--data-width', '10', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(read(out, 'manifest.json'));
    expect(m.prefix).toBe('k_');
    expect(m.encoder.top).toBe('k_encoder');
    expect(existsSync(join(out, 'k.f'))).toBe(true);
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
      expect(t, f).toMatch(/^\/\/ Regenerate: gen-rtl --channels 64 --dct-size 8 --data-width 8 --no-signed --bus-width 256 --dct-precision 12 --prefix dctcm_$/m);
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
    const prefix = JSON.parse(read(a, 'manifest.json')).prefix;
    expect(prefix).toBe('dctcm_');
    for (const f of list) {
      const t = read(a, f);
      // every instantiation in the text, whether or not the builder declared it
      for (const m of t.matchAll(new RegExp(`^\\s*(${prefix}\\w+)\\s+(?:#\\s*\\(|\\w+\\s*\\()`, 'gm'))) {
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
    expect(m.regenerate).toBe('gen-rtl --channels 64 --dct-size 8 --data-width 8 --no-signed --bus-width 256 --dct-precision 12 --prefix dctcm_ --default-policy lossless --default-quant-shift 0');
    expect(m.prefix).toBe('dctcm_');
    expect(m.testbenchDefaults).toMatchObject({ policy: 'lossless', quantShift: 0 });
    const port = (side: { ports: { name: string; width: number; direction: string }[] }, name: string) => side.ports.find((p) => p.name === name);
    expect(m.encoder.top).toBe('dctcm_encoder');
    expect(port(m.encoder, 's_axis_tdata')).toEqual({ name: 's_axis_tdata', direction: 'input', width: 64 * 8, description: 'channel c in bits [c*8 +: 8]' });
    expect(port(m.encoder, 'm_axis_tdata')).toMatchObject({ name: 'm_axis_tdata', direction: 'output', width: 256 });
    expect(port(m.encoder, 'cfg_quant_shift')?.width).toBe(4);
    expect(m.decoder.top).toBe('dctcm_decoder');
    expect(port(m.decoder, 's_axis_tdata')?.width).toBe(256);
    expect(port(m.decoder, 'm_axis_tdata')?.width).toBe(512);
    expect(port(m.decoder, 'error_code')?.width).toBe(4);
    for (const side of [m.encoder, m.decoder]) {
      expect(Number.isInteger(side.latencyCycles)).toBe(true);
      expect(side.throughput).toMatch(/\w/);
      expect(Array.isArray(side.combinationalPaths)).toBe(true);
    }
    expect(m.encoder.combinationalPaths.map((p: { from: string; to: string }) => `${p.from}->${p.to}`)).toEqual(['m_axis_tready->s_axis_tready']);
    expect(m.decoder.combinationalPaths).toEqual([]);
    // every module states its latency and throughput (none left null)
    for (const c of m.cores) {
      expect(Number.isInteger(c.latencyCycles), c.module).toBe(true);
      expect(c.throughput, c.module).toMatch(/\w/);
    }
    expect(m.decoder.errorCodes.length).toBeGreaterThan(0);
    for (const e of m.decoder.errorCodes) expect(e).toMatchObject({ code: expect.any(Number), name: expect.any(String), text: expect.any(String) });
    expect(m.decoder.recovery).toMatch(/tlast/);
    const dct = m.cores.find((c: { module: string }) => c.module === 'dctcm_dct');
    expect(dct).toMatchObject({ latencyCycles: 2, throughput: 'one block per cycle with ce high' });
    expect(m.files.map((f: { file: string }) => f.file).sort()).toEqual(files(a).filter((f) => f.endsWith('.v')));
  });

  it('the manifest states what an integrator must know: throughput, worst-case sizes, settings, channels, FIFO', () => {
    const m = JSON.parse(read(a, 'manifest.json'));
    const i = m.integration;
    expect(i.throughput.rule).toMatch(/max\(1, compressed bits per pixel \/ B\)/);
    expect(i.throughput.encoder).toMatchObject({ perTileCycles: 2, latencyCycles: m.encoder.latencyCycles });
    expect(i.throughput.decoder).toMatchObject({ perTileCycles: 4, latencyCycles: m.decoder.latencyCycles });
    // C = 64, N = 8, W = 8: a RAW record is 64*8 + 1 + 3*8 bits, the dct bound is the decoder's longest record
    expect(i.worstCase.rawPixelBits).toBe(512);
    expect(i.worstCase.recordBits).toEqual({ lossless: 537, auto: 537, dct: m.derived.maxRecordBits });
    expect(i.worstCase.tileWords.lossless).toBe('ceil((32 + P * 537 + 1) / 256) + 1');
    expect(i.settings.maxQuantShift).toBe(7);
    expect(i.settings.unsupported).toMatch(/coded lossless/);
    expect(i.channels.fewer).toMatch(/zeros/);
    expect(i.fifo).toMatch(/FIFO/);
  });

  it('--help documents every option with its default', async () => {
    const r = await gen(['--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--channels', '--dct-size', '--data-width', '--signed', '--bus-width', '--dct-precision', '--prefix', '--default-policy', '--default-quant-shift', '--config', '--out']) {
      expect(r.out).toContain(opt);
    }
    expect(r.out).toMatch(/--dct-size <n>[\s\S]*?\(default: 8\)/);
    expect(r.out).toMatch(/--data-width <bits>[\s\S]*?\(default: 8\)/);
    expect(r.out).toMatch(/--dct-precision <bits>[\s\S]*?\(default: 12\)/);
    expect(r.out).toMatch(/--bus-width <bits>[\s\S]*?\(default: max\(32/);
    expect(r.out).toMatch(/--default-policy <policy>[\s\S]*?\(default: lossless\)/);
    expect(r.out).toMatch(/--out <dir>[\s\S]*?\(default: "?rtl-out"?\)/);
    expect(r.out).toMatch(/--prefix <name>[\s\S]*?\(default: dctcm_\)/);
    const c = await gen(['cosim', '--help']);
    expect(c.code).toBe(0);
    for (const opt of ['--npy', '--sim', '--policy', '--quant-shift', '--tile-pixels', '--stall-pct', '--gap-pct', '--seed']) expect(c.out).toContain(opt);
  });
});

describe('--prefix', () => {
  let a = '';
  let p = '';
  beforeAll(async () => {
    a = fresh();
    p = fresh();
    expect((await gen(['--channels', '16', '--out', a])).code).toBe(0);
    const r = await gen(['--channels', '16', '--prefix', 'pfx_', '--out', p]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/pfx\.f/);
  });

  it('names every module, file and the filelist; nothing else changes', () => {
    const def = files(a);
    expect(def).toContain('dctcm.f');
    expect(files(p)).toEqual(def.map((f) => f.replace(/^dctcm_/, 'pfx_').replace(/^dctcm\.f$/, 'pfx.f')).sort());
    for (const f of def.filter((x) => x.endsWith('.v'))) {
      const t = read(p, f.replace(/^dctcm_/, 'pfx_'));
      expect(t).not.toMatch(/dctcm_/);
      expect(t).toMatch(new RegExp(`^module ${f.replace(/^dctcm_/, 'pfx_').slice(0, -2)} \\(`, 'm'));
      // the text with the default prefix is the same text with the other names, header command included
      expect(read(a, f)).not.toMatch(/pfx_/);
      expect(t.replaceAll('pfx_', 'dctcm_')).toBe(read(a, f));
    }
    const list = read(p, 'pfx.f');
    expect(list).toMatch(/^\/\/ pfx\.f -- generated/);
    expect(list).toMatch(/--prefix pfx_/);
    expect(list).not.toMatch(/dctcm_/);
  });

  it('the manifest names the prefixed tops, modules and files', () => {
    const m = JSON.parse(read(p, 'manifest.json'));
    expect(m.prefix).toBe('pfx_');
    expect(m.filelist).toBe('pfx.f');
    expect(m.encoder.top).toBe('pfx_encoder');
    expect(m.decoder.top).toBe('pfx_decoder');
    expect(m.regenerate).toMatch(/ --prefix pfx_ /);
    for (const f of m.files) {
      expect(f.module).toMatch(/^pfx_/);
      for (const dep of f.deps) expect(dep).toMatch(/^pfx_/);
    }
    const def = JSON.parse(read(a, 'manifest.json'));
    expect(m.encoder.ports).toEqual(def.encoder.ports);
    expect(m.decoder.ports).toEqual(def.decoder.ports);
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
