// writeOutput (generator/emit.ts) failing midway: file-system calls are made to fail at every step of
// the transaction. An error it can undo leaves the folder exactly as it was; a run that dies without
// undoing (as a killed process would) leaves work folders that the next run recognises and completes.
import * as realFs from 'node:fs';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Output, writeOutput } from '../../generator/emit.js';
import { ParamError } from '../../golden/errors.js';

/** Fault injection: the fail-th call of a write-side function throws; with `dead`, so does every later one. */
// (vi.hoisted: vi.mock below is hoisted above the imports, and reads these.)
const { fault, WRITES } = vi.hoisted(() => ({
  fault: { calls: 0, fail: 0, dead: false, failed: false },
  WRITES: ['renameSync', 'writeFileSync', 'mkdtempSync', 'unlinkSync', 'rmSync', 'rmdirSync', 'mkdirSync'] as const,
}));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrapped: Record<string, unknown> = { ...fs };
  for (const name of WRITES) {
    const real = fs[name] as (...a: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      fault.calls++;
      if (fault.fail > 0 && (fault.calls === fault.fail || (fault.dead && fault.failed))) {
        fault.failed = true;
        throw Object.assign(new Error(`injected failure of ${name}`), { code: 'EIO' });
      }
      return real(...args);
    };
  }
  return { ...wrapped, default: wrapped };
});

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'dctcm-write-output-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.set(relative(dir, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), 'utf8'));
  }
  return out;
}

const expected = (o: Output) => new Map([...o.files].sort(([a], [b]) => (a < b ? -1 : 1)));
const sorted = (m: Map<string, string>) => new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

/** Runs writeOutput with the fail-th write-side call failing; returns the error. */
function failing(out: string, o: Output, fail: number, dead: boolean): unknown {
  Object.assign(fault, { calls: 0, fail, dead, failed: false });
  try {
    writeOutput(out, o);
    return null;
  } catch (e) {
    return e;
  } finally {
    fault.fail = 0;
  }
}

/**
 * A small output as buildOutput shapes it (module files, the filelist, the manifest last, listing every
 * file in outputFiles): the transaction does not depend on what the files say, and few files keep the
 * test fast.
 */
function fakeOutput(modules: string[], tag: string): Output {
  const files = new Map<string, string>();
  for (const m of modules) files.set(`${m}.v`, `module ${m}; // ${tag}\nendmodule\n`);
  files.set('dctcm.f', modules.map((m) => `${m}.v`).join('\n') + '\n');
  const manifest = { generator: 'gen-rtl', generatorVersion: '0.1.0', tag, outputFiles: [...files.keys(), 'manifest.json'].sort() };
  files.set('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  return { files, modules: [], manifest };
}

describe('writeOutput failing midway', () => {
  // the earlier output has a module the later one drops, the later one a module the earlier lacked
  const early = fakeOutput(['dctcm_dct', 'dctcm_retired', 'dctcm_encoder'], 'early');
  const later = fakeOutput(['dctcm_dct', 'dctcm_encoder', 'dctcm_added'], 'later');

  /** How many write-side calls a successful run over an earlier output makes. */
  function callsOfOneRun(): number {
    const out = join(root, 'count');
    writeOutput(out, early);
    Object.assign(fault, { calls: 0, fail: 0 });
    writeOutput(out, later);
    return fault.calls;
  }

  it('an error at any step is undone: the earlier output is as it was, no work folder is left', () => {
    const n = callsOfOneRun();
    expect(n).toBeGreaterThan(2 * early.files.size); // every file is written once and moved at least once
    let undone = 0;
    for (let k = 1; k <= n; k++) {
      const out = join(root, `undo${k}`);
      writeOutput(out, early);
      const before = snapshot(out);
      const e = failing(out, later, k, false);
      const after = snapshot(out);
      if (e === null) {
        // the failing call was a clean-up after the commit point: the new output is complete (a work
        // folder may be left, for the next run to remove)
        for (const [name, text] of later.files) expect(after.get(name), `${k}: ${name}`).toBe(text);
        expect([...after.keys()].filter((f) => !f.startsWith('.gen-rtl-')).sort(), `${k}`).toEqual([...later.files.keys()].sort());
        continue;
      }
      expect(e, String(e)).toBeInstanceOf(ParamError);
      expect((e as Error).message).toMatch(/cannot be written: injected failure .*; nothing was written$/);
      expect(sorted(after), `failure at write-side call ${k}`).toEqual(sorted(before));
      expect(realFs.readdirSync(out).filter((f) => f.startsWith('.gen-rtl-')), `${k}`).toEqual([]);
      undone++;
    }
    expect(undone).toBeGreaterThan(n / 2);
  });

  it('into a new folder: an error leaves no folder behind', () => {
    for (let k = 1; k <= 5; k++) {
      const out = join(root, `new${k}`);
      const e = failing(out, later, k, false);
      expect(e, `${k}`).toBeInstanceOf(ParamError);
      expect(realFs.existsSync(out), `${k}`).toBe(false);
    }
  });

  it('a run that dies at any step without undoing: the next run completes, leaving exactly the new output', () => {
    const n = callsOfOneRun();
    for (let k = 1; k <= n; k++) {
      const out = join(root, `dead${k}`);
      writeOutput(out, early);
      failing(out, later, k, true); // from call k on every write fails, the undo too, as if killed at k
      writeOutput(out, later);
      expect(sorted(snapshot(out)), `died at write-side call ${k}`).toEqual(expected(later));
    }
  });
});
