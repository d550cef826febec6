// gen-rtl: option validation (exit 2, the constraint named, nothing written), --config files,
// byte-identical regeneration, generated-file headers, filelist order and manifest. No simulator:
// lint and the Yosys check of every emitted file are in test/rtl/gen-rtl-lint.test.ts, gen-rtl cosim in
// test/rtl/cosim-cli.test.ts.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { gen, tempRoot } from '../helpers/gen-rtl.js';
import { GENERATOR_VERSION, ROOT } from '../../generator/render.js';
import { TILE_ERRORS } from '../../golden/errors.js';
import { FORMAT_VERSION } from '../../golden/params.js';
import { coreName } from '../../generator/emit.js';
import { parse as parseYaml } from 'yaml';

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
    [['--channels', '64', '--no-dct', '--default-policy', 'dct'], /--default-policy dct needs a build with the DCT mode: this configuration is built with --no-dct/],
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
    writeFileSync(badPrefix, JSON.stringify({ channels: 8, prefix: '7x' }));
    r = await gen(['--config', badPrefix, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--prefix "7x" is not a Verilog identifier prefix/);
    expect(existsSync(out)).toBe(false);
  });

  it('values in a --config file must have JSON types: the key, the file and the expected type are named', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ channels: '64' }, '"channels" must be an integer (a JSON number, e.g. 64), not the string "64"'],
      [{ channels: 64, 'dct-size': 8.5 }, '"dct-size" must be an integer (a JSON number, e.g. 64), not the number 8.5'],
      [{ channels: 64, busWidth: null }, '"busWidth" must be an integer (a JSON number, e.g. 64), not null'],
      [{ channels: 64, signed: 'true' }, '"signed" must be true or false (a JSON boolean), not the string "true"'],
      [{ channels: 64, signed: 1 }, '"signed" must be true or false (a JSON boolean), not the number 1'],
      [{ channels: 64, 'default-policy': ['auto'] }, '"default-policy" must be a string, one of "lossless", "auto", "dct", not an array'],
      [{ channels: [64] }, '"channels" must be an integer (a JSON number, e.g. 64), not an array'],
    ];
    for (const [i, [content, message]] of cases.entries()) {
      const file = join(tmp.root(), `typed${i}.json`);
      writeFileSync(file, JSON.stringify(content));
      const out = fresh();
      const r = await gen(['--config', file, '--out', out]);
      expect(r.code, JSON.stringify(content)).toBe(2);
      expect(r.err).toBe(`gen-rtl: error: --config ${file}: ${message}\n`);
      expect(existsSync(out)).toBe(false);
    }
    // the command line gives strings, and they are parsed
    const ok = join(tmp.root(), 'typed-ok.json');
    writeFileSync(ok, JSON.stringify({ 'dct-size': 4, signed: true, 'default-policy': 'auto' }));
    const out = fresh();
    expect((await gen(['--config', ok, '--channels', '16', '--out', out])).code).toBe(0);
    expect(JSON.parse(read(out, 'manifest.json')).configuration).toMatchObject({ channels: 16, dctSize: 4, signed: true });
  });
});

/** Every file below dir (relative path -> content), to show a refused run left a folder untouched. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), 'utf8'));
  }
  return out;
}

describe('--out: gen-rtl replaces only its own earlier output', () => {
  it('a folder with a manifest.json that is not gen-rtl\'s, and an index.html: refused, untouched', async () => {
    const out = fresh();
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ name: 'my-web-app', version: '1.0.0' }));
    writeFileSync(join(out, 'index.html'), '<html></html>\n');
    const before = snapshot(out);
    const r = await gen(['--channels', '8', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gen-rtl: error: --out .* holds files that gen-rtl did not write: index\.html, manifest\.json \(its manifest\.json is not gen-rtl's: its "generator" is null, not "gen-rtl"\)/);
    expect(r.err).toMatch(/nothing was written/);
    expect(snapshot(out)).toEqual(before);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'manifest.json']);
  });

  it('a manifest.json claiming to be gen-rtl\'s but listing a path outside its folder: refused', async () => {
    const out = fresh();
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ generator: 'gen-rtl', generatorVersion: '0.1.0', outputFiles: ['manifest.json', '../keep.txt'] }));
    const r = await gen(['--channels', '8', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/its manifest\.json is not gen-rtl's: it lists "\.\.\/keep\.txt", which is not a plain file name/);
  });

  it('a non-empty folder without a manifest: refused, untouched', async () => {
    const out = fresh();
    mkdirSync(join(out, 'src'), { recursive: true });
    writeFileSync(join(out, 'src', 'top.v'), 'module top; endmodule\n');
    writeFileSync(join(out, 'notes.txt'), 'x');
    const before = snapshot(out);
    const r = await gen(['--channels', '8', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds files that gen-rtl did not write: notes\.txt, src \(and no manifest\.json of an earlier gen-rtl run\)/);
    expect(snapshot(out)).toEqual(before);
  });

  it('a file the user added to an earlier output (my.v): refused naming it, the folder untouched', async () => {
    const out = fresh();
    expect((await gen(['--channels', '8', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'my.v'), 'module my; endmodule\n');
    const before = snapshot(out);
    const r = await gen(['--channels', '16', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/holds files that gen-rtl did not write: my\.v \(not listed in the manifest\.json of gen-rtl's earlier run there\)/);
    expect(snapshot(out)).toEqual(before);
    // a folder in its place is refused just the same
    rmSync(join(out, 'my.v'));
    mkdirSync(join(out, 'sub'));
    expect((await gen(['--channels', '16', '--out', out])).err).toMatch(/did not write: sub /);
  });

  it('regenerates an earlier output: the same configuration byte for byte, another one in place', async () => {
    const out = fresh();
    expect((await gen(['--channels', '8', '--out', out])).code).toBe(0);
    const first = snapshot(out);
    const again = await gen(['--channels', '8', '--out', out]);
    expect(again.code, again.err).toBe(0);
    expect(snapshot(out)).toEqual(first);
    const other = await gen(['--channels', '16', '--out', out]);
    expect(other.code, other.err).toBe(0);
    const m = JSON.parse(read(out, 'manifest.json'));
    expect(m.configuration.channels).toBe(16);
    expect(files(out)).toEqual([...m.outputFiles].sort()); // no work folder left, nothing missing
    expect(m.outputFiles).toEqual(expect.arrayContaining(['dctcm.f', 'dctcm.core', 'manifest.json', 'dctcm_encoder.v', 'dctcm_decoder.v']));
  });

  it('a module of the earlier run that this configuration does not emit is removed (it was gen-rtl\'s)', async () => {
    const out = fresh();
    expect((await gen(['--channels', '8', '--out', out])).code).toBe(0);
    // The earlier run, as its manifest records it, also wrote dctcm_retired.v (every configuration of
    // this version emits the same module set, so an earlier run's extra module is made here).
    writeFileSync(join(out, 'dctcm_retired.v'), 'module dctcm_retired; endmodule\n');
    const m = JSON.parse(read(out, 'manifest.json'));
    m.outputFiles.push('dctcm_retired.v');
    m.files.push({ file: 'dctcm_retired.v', module: 'dctcm_retired', deps: [] });
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(m));
    const r = await gen(['--channels', '16', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(join(out, 'dctcm_retired.v'))).toBe(false);
    expect(files(out)).toEqual([...JSON.parse(read(out, 'manifest.json')).outputFiles].sort());
  });

  it('an output of the earlier manifest version (no outputFiles: its modules, its filelist, itself) is regenerated', async () => {
    const out = fresh();
    expect((await gen(['--channels', '8', '--out', out])).code).toBe(0);
    const m = JSON.parse(read(out, 'manifest.json'));
    delete m.outputFiles;
    delete m.fusesocCore;
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(m));
    rmSync(join(out, 'dctcm.core'));
    expect((await gen(['--channels', '8', '--out', out])).code).toBe(0);
    expect(existsSync(join(out, 'dctcm.core'))).toBe(true);
    // the earlier version did not write a .core file: one left there is not its own
    const m2 = JSON.parse(read(out, 'manifest.json'));
    delete m2.outputFiles;
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(m2));
    const r = await gen(['--channels', '8', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/did not write: dctcm\.core /);
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
      expect(t, f).toMatch(/^\/\/ Regenerate: gen-rtl --channels 64 --dct-size 8 --data-width 8 --no-signed --bus-width 256 --dct-precision 12 --dct --prefix dctcm_$/m);
      expect(t, f).toMatch(new RegExp(`^//\\s+format version ${FORMAT_VERSION}$`, 'm'));
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
    expect(m.regenerate).toBe('gen-rtl --channels 64 --dct-size 8 --data-width 8 --no-signed --bus-width 256 --dct-precision 12 --dct --prefix dctcm_ --default-policy lossless --default-quant-shift 0');
    expect(m.prefix).toBe('dctcm_');
    expect(m.testbenchDefaults).toMatchObject({ policy: 'lossless', quantShift: 0 });
    const port = (side: { ports: { name: string; width: number; direction: string }[] }, name: string) => side.ports.find((p) => p.name === name);
    expect(m.encoder.top).toBe('dctcm_encoder');
    expect(port(m.encoder, 's_axis_tdata')).toEqual({ name: 's_axis_tdata', direction: 'input', width: 64 * 8, description: 'channel c in bits [c*8 +: 8]' });
    expect(port(m.encoder, 'm_axis_tdata')).toMatchObject({ name: 'm_axis_tdata', direction: 'output', width: 256 });
    expect(port(m.encoder, 'cfg_quant_shift')?.width).toBe(4);
    expect(port(m.encoder, 'cfg_tile_pixels')?.width).toBe(16);
    expect(port(m.encoder, 'error')).toMatchObject({ direction: 'output', width: 1 });
    expect(m.decoder.top).toBe('dctcm_decoder');
    expect(port(m.decoder, 's_axis_tdata')?.width).toBe(256);
    expect(port(m.decoder, 'm_axis_tdata')?.width).toBe(512);
    expect(port(m.decoder, 'error_code')?.width).toBe(4);
    for (const side of [m.encoder, m.decoder]) {
      expect(Number.isInteger(side.latencyCycles)).toBe(true);
      expect(side.throughput).toMatch(/\w/);
      expect(Array.isArray(side.combinationalPaths)).toBe(true);
    }
    // the encoder's output slice cuts m_axis_tready -> s_axis_tready; the decoder never had a path
    expect(m.encoder.combinationalPaths).toEqual([]);
    expect(m.decoder.combinationalPaths).toEqual([]);
    // every module states its latency and throughput (none left null)
    for (const c of m.cores) {
      expect(Number.isInteger(c.latencyCycles), c.module).toBe(true);
      expect(c.throughput, c.module).toMatch(/\w/);
    }
    expect(port(m.decoder, 'm_axis_tuser')).toMatchObject({ name: 'm_axis_tuser', direction: 'output', width: 5 });
    // the manifest's codes are golden's hardware checks, field for field
    expect(m.decoder.errorCodes).toEqual(TILE_ERRORS.map(({ code, name, text }) => ({ code, name, text })));
    expect(m.decoder.recovery).toMatch(/tlast/);
    const dct = m.cores.find((c: { module: string }) => c.module === 'dctcm_dct');
    expect(dct).toMatchObject({ latencyCycles: 2, throughput: 'one block per cycle with ce high' });
    expect(m.files.map((f: { file: string }) => f.file).sort()).toEqual(files(a).filter((f) => f.endsWith('.v')));
  });

  it('dctcm.core is a FuseSoC CAPI2 core of the folder: the files of dctcm.f in its order, a default and a lint target per top', () => {
    const text = read(a, 'dctcm.core');
    expect(text.startsWith('CAPI=2:\n')).toBe(true);
    const core = parseYaml(text);
    // keys of the CAPI2 schema (FuseSoC's capi2/schema: Core, Fileset, Target), the subset used here
    expect(Object.keys(core).sort()).toEqual(['CAPI=2', 'description', 'filesets', 'name', 'targets']);
    expect(core.name).toBe(`dctcm:codec:dctcm_c64_n8_w8u_b256_p12:${GENERATOR_VERSION}`);
    expect(core.name.split(':')).toHaveLength(4); // vendor:library:name:version
    expect(core.description).toMatch(`64 channels of 8-bit unsigned data, DCT size 8, 256-bit bus, DCT precision 12, format version ${FORMAT_VERSION}`);
    const list = read(a, 'dctcm.f')
      .split('\n')
      .filter((l) => l && !l.startsWith('//'));
    expect(Object.keys(core.filesets)).toEqual(['rtl']);
    expect(core.filesets.rtl.file_type).toBe('verilogSource');
    expect(core.filesets.rtl.files).toEqual(list); // every module, in dependency order
    for (const f of core.filesets.rtl.files) expect(existsSync(join(a, f)), f).toBe(true);
    const TARGET_KEYS = ['default_tool', 'description', 'flow', 'flow_options', 'tools', 'flags', 'hooks', 'toplevel', 'filesets', 'filters', 'parameters', 'vpi', 'generate'];
    for (const [name, t] of Object.entries(core.targets as Record<string, Record<string, unknown>>)) {
      for (const k of Object.keys(t)) expect(TARGET_KEYS, `${name}.${k}`).toContain(k);
    }
    expect(Object.keys(core.targets)).toEqual(['default', 'lint_encoder', 'lint_decoder']);
    expect(core.targets.default).toEqual({ filesets: ['rtl'] });
    for (const top of ['encoder', 'decoder']) {
      expect(core.targets[`lint_${top}`]).toEqual({
        description: `verilator --lint-only -Wall of dctcm_${top}`,
        default_tool: 'verilator',
        filesets: ['rtl'],
        toplevel: `dctcm_${top}`,
        tools: { verilator: { mode: 'lint-only', verilator_options: ['-Wall'] } },
      });
    }
    const m = JSON.parse(read(a, 'manifest.json'));
    expect(m.fusesocCore).toEqual({ file: 'dctcm.core', name: core.name });
    expect(m.outputFiles).toEqual(files(a));
  });

  it('two configurations get two core names (every build-time parameter is in the name)', () => {
    const base = { channels: 64, dctSize: 8, dataWidth: 8, signed: false, busWidth: 256, dctPrecision: 12 };
    const variants = [
      base,
      { ...base, channels: 128 },
      { ...base, dctSize: 16 },
      { ...base, dataWidth: 10 },
      { ...base, signed: true },
      { ...base, busWidth: 288 },
      { ...base, dctPrecision: 13 },
      { ...base, dct: false },
    ];
    const names = variants.map((c) => coreName(c));
    expect(new Set(names).size).toBe(variants.length);
    for (const n of names) expect(n).toMatch(/^dctcm:codec:dctcm_c\d+_n\d+_w\d+[su]_b\d+_p\d+(_nodct)?:\d+\.\d+\.\d+$/);
    expect(coreName({ ...base, dct: true })).toBe(names[0]); // the default build's name is unchanged
  });

  it('the manifest states what an integrator must know: throughput, worst-case sizes, settings, channels, FIFO', () => {
    const m = JSON.parse(read(a, 'manifest.json'));
    const i = m.integration;
    expect(i.throughput.rule).toMatch(/max\(1, compressed bits per pixel \/ B\)/);
    expect(i.throughput.encoder).toMatchObject({ perTileCycles: 29 + 1 + 1, latencyCycles: m.encoder.latencyCycles }); // drain slots, a header word at B = 256, trailer
    expect(i.throughput.decoder).toMatchObject({ perTileCycles: 29 + 6, latencyCycles: m.decoder.latencyCycles });
    // C = 64, N = 8, W = 8: a RAW record is 64*8 + 3*8 bits (no present bit in format 2), the dct bound is the encoder's longest record
    expect(i.worstCase.rawPixelBits).toBe(512);
    expect(i.worstCase.recordBits).toEqual({ lossless: 536, auto: 536, dct: m.derived.maxEncodedRecordBits });
    expect(i.worstCase.tileWords.lossless).toBe('ceil((48 + P * 536) / 256) + 1');
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
    expect(r.out.replace(/\s+/g, ' ')).toContain('--bus-width <bits> compressed word width B, a multiple of 32 from 32 to 4096 (default: half a raw pixel, C*W/2, rounded up to a multiple of 32 and kept within 32..4096)');
    expect(r.out).toMatch(/--default-policy <policy>[\s\S]*?\(default: lossless\)/);
    expect(r.out.replace(/\s+/g, ' ')).toContain(
      `--out <dir> output folder: a new or empty folder, or gen-rtl's earlier output, whose files (only those its manifest.json lists) are replaced; any other file there stops gen-rtl with nothing written (default: "rtl-out")`,
    );
    expect(r.out).toMatch(/--prefix <name>[\s\S]*?\(default: dctcm_\)/);
    expect(r.out).toMatch(/--dct +build the DCT mode[\s\S]*?\(default\)/);
    expect(r.out).toMatch(/--no-dct +build without the DCT mode/);
    const c = await gen(['cosim', '--help']);
    expect(c.code).toBe(0);
    for (const opt of ['--npy', '--sim', '--policy', '--quant-shift', '--tile-pixels', '--stall-pct', '--gap-pct', '--seed']) expect(c.out).toContain(opt);
  });
});

describe('--no-dct', () => {
  let a = '';
  beforeAll(async () => {
    a = fresh();
    const r = await gen(['--channels', '8', '--bus-width', '32', '--no-dct', '--out', a]);
    expect(r.code, r.err).toBe(0);
  });

  it('emits neither transform: the filelist, the core and the manifest list only the emitted modules', () => {
    expect(files(a)).not.toContain('dctcm_dct.v');
    expect(files(a)).not.toContain('dctcm_idct.v');
    const listed = read(a, 'dctcm.f').split('\n').filter((l) => l.endsWith('.v'));
    expect(listed.sort()).toEqual(files(a).filter((f) => f.endsWith('.v')));
    const core = parseYaml(read(a, 'dctcm.core'));
    expect(core.name).toBe(`dctcm:codec:dctcm_c8_n8_w8u_b32_p12_nodct:${GENERATOR_VERSION}`);
    expect(core.filesets.rtl.files.map((f: Record<string, unknown> | string) => (typeof f === 'string' ? f : Object.keys(f)[0])).sort()).toEqual(listed.sort());
    const m = JSON.parse(read(a, 'manifest.json'));
    expect(m.files.map((f: { file: string }) => f.file).sort()).toEqual(listed.sort());
    for (const v of files(a).filter((f) => f.endsWith('.v'))) expect(read(a, v)).not.toMatch(/dctcm_i?dct\b/);
  });

  it('the manifest records dct: false, the no-DCT tag and the no-DCT sizes and latencies', () => {
    const m = JSON.parse(read(a, 'manifest.json'));
    expect(m.configuration).toMatchObject({ channels: 8, dctSize: 8, dataWidth: 8, busWidth: 32, dct: false, configTag: '0x396a', decoderTags: ['0x396a'] });
    expect(m.regenerate).toMatch(/ --no-dct /);
    expect(m.derived.maxEncodedRecordBits).toBe(3 + 8 * 8); // a RAW block: its mode bits and 8 values
    expect(Object.keys(m.integration.worstCase.recordBits)).toEqual(['lossless', 'auto']);
    expect(m.integration.settings.unsupported).toMatch(/cfg_policy 2 \(dct: this build has no DCT\)/);
    expect(m.encoder.latencyCycles).toBe(10); // input slice 1 + prep 2 + ctx 1 + rec 2 (one block) + pack 3 + output slice 1
    expect(m.decoder.latencyCycles).toBe(3); // stage 1, stage 2 (the value verdict), output
    expect(m.decoder.errorCodes.map((e: { name: string }) => e.name)).toContain('NO_DCT');
  });

  it('the default build records dct: true and reads both tags', async () => {
    const b = fresh();
    expect((await gen(['--channels', '8', '--bus-width', '32', '--out', b])).code).toBe(0);
    const m = JSON.parse(read(b, 'manifest.json'));
    expect(m.configuration).toMatchObject({ dct: true, configTag: '0xc695', decoderTags: ['0xc695', '0x396a'] });
    expect(files(b)).toContain('dctcm_idct.v');
  });

  it('is byte-identical when regenerated; "dct": false in --config is the same build, --dct overrides it', async () => {
    const b = fresh();
    const cfg = join(b + '-cfg.json');
    writeFileSync(cfg, JSON.stringify({ channels: 8, 'bus-width': 32, dct: false }));
    expect((await gen(['--config', cfg, '--out', b])).code).toBe(0);
    expect(files(b)).toEqual(files(a));
    for (const f of files(a)) expect(read(b, f), f).toBe(read(a, f));
    const c = fresh();
    expect((await gen(['--config', cfg, '--dct', '--out', c])).code).toBe(0);
    expect(files(c)).toContain('dctcm_dct.v');
    writeFileSync(cfg, JSON.stringify({ channels: 8, dct: 'no' }));
    const r = await gen(['--config', cfg, '--out', fresh()]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/"dct" must be true or false/);
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
    expect(files(p)).toEqual(def.map((f) => f.replace(/^dctcm_/, 'pfx_').replace(/^dctcm\.f$/, 'pfx.f').replace(/^dctcm\.core$/, 'pfx.core')).sort());
    for (const f of def.filter((x) => x.endsWith('.v'))) {
      const t = read(p, f.replace(/^dctcm_/, 'pfx_'));
      expect(t).not.toMatch(/dctcm_/);
      expect(t).toMatch(new RegExp(`^module ${f.replace(/^dctcm_/, 'pfx_').slice(0, -2)} (#)?\\(`, 'm')); // #( a parameter list
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
    expect(m.fusesocCore).toEqual({ file: 'pfx.core', name: `dctcm:codec:pfx_c16_n8_w8u_b64_p12:${GENERATOR_VERSION}` });
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
