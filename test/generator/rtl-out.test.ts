// rtl-out/ holds what `gen-rtl --channels 64` writes, committed so a reader can see a core without
// installing anything. This test keeps it honest: regenerating must give the same files, byte for byte.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../generator/config.js';
import { buildOutput } from '../../generator/emit.js';

const dir = resolve(__dirname, '..', '..', 'rtl-out');

describe('rtl-out/', () => {
  it('is exactly the output of gen-rtl --channels 64 (regenerate it after changing a builder or template)', () => {
    const out = buildOutput(resolveConfig({ channels: 64 }));
    expect(readdirSync(dir).sort()).toEqual([...out.files.keys()].sort());
    for (const [name, text] of out.files) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(text);
  });
});
