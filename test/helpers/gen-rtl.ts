// Runs gen-rtl in-process for the tests of every layer, each run's output in a fresh folder under one
// temporary root that the file's afterAll removes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { main } from '../../tools/gen-rtl.js';

export interface GenRun {
  code: number;
  out: string;
  err: string;
}

/** Runs gen-rtl with args; returns the exit code and what it printed. */
export async function gen(args: string[]): Promise<GenRun> {
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

/** A temporary root for this test file (created in beforeAll, removed in afterAll) and fresh paths below it. */
export function tempRoot(prefix: string): { root: () => string; fresh: () => string } {
  let root = '';
  let n = 0;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return { root: () => root, fresh: () => join(root, `out${n++}`) };
}
