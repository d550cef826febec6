// Every file gen-rtl emits, in a few configurations: verilator --lint-only -Wall with zero warnings
// under every top of the hierarchy, and the Yosys check (check -assert, no latches) of every module.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { lint, requireTools, synthCheck } from '../../sim/run.js';
import { gen, tempRoot } from '../helpers/gen-rtl.js';

const tmp = tempRoot('dctcm-gen-rtl-lint-');
const fresh = tmp.fresh;
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

// Every emitted file: lint with zero warnings and the Yosys check, through each top of the hierarchy.
const LINT_CONFIGS: string[][] = [
  ['--channels', '16'],
  ['--channels', '32', '--dct-size', '4', '--data-width', '4', '--dct-precision', '8', '--bus-width', '32'],
  ['--channels', '32', '--dct-size', '16', '--data-width', '12', '--signed', '--bus-width', '128', '--dct-precision', '14'],
  ['--channels', '32', '--dct-size', '8', '--data-width', '6', '--signed', '--bus-width', '64', '--no-dct'], // no dctcm_dct, no dctcm_idct
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

  it('each lint target of dctcm.core, run as it asks (verilator, its mode and options, its toplevel, the fileset in order): zero warnings', async () => {
    const core = parseYaml(read(dir, 'dctcm.core'));
    const lints = Object.entries(core.targets as Record<string, { toplevel: string; filesets: string[]; tools: { verilator: { mode: string; verilator_options: string[] } } }>).filter(([n]) => n.startsWith('lint_'));
    expect(lints.map(([, t]) => t.toplevel).sort()).toEqual(['dctcm_decoder', 'dctcm_encoder']);
    for (const [name, t] of lints) {
      const files = t.filesets.flatMap((fs) => core.filesets[fs].files as string[]).map((f) => join(dir, f));
      const r = await execa('verilator', [`--${t.tools.verilator.mode}`, ...t.tools.verilator.verilator_options, '--top-module', t.toplevel, ...files], { reject: false, all: true });
      expect(r.exitCode, `${name}:\n${r.all}`).toBe(0);
      expect(r.all, name).not.toMatch(/%(Warning|Error)/);
    }
  });

  it('Yosys check -assert without latches, every module', async () => {
    const texts = vfiles.map((f) => ({ name: f.slice(dir.length + 1), text: readFileSync(f, 'utf8') }));
    const r = await synthCheck(texts, null, 'elaborate');
    expect(r.ok, r.log.slice(-4000)).toBe(true);
    for (const f of texts) expect(r.log).toContain(`Checking module ${f.name.slice(0, -2)}...`);
  });
});
