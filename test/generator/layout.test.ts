// docs/RTL.md's layout table ("one name, four places") is true: one row for every module gen-rtl emits,
// its builder file makes that module, its template exists, its golden reference is exported by the file
// the row names, and its test file exists and names both the module and the reference.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../generator/render.js';
import { BASE_NAMES, DEFAULT_PREFIX } from '../../generator/builders/types.js';

interface Row {
  module: string;
  builder: string;
  template: string;
  golden: { fn: string; file: string } | null;
  test: string;
}

/** The rows of the table under "## Layout: one name, four places". */
function layoutRows(): Row[] {
  const doc = readFileSync(join(ROOT, 'docs', 'RTL.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Layout: one name, four places'), doc.indexOf('\n## ', doc.indexOf('## Layout') + 3));
  const ticks = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  return section
    .split('\n')
    .filter((l) => /^\| `dctcm_/.test(l))
    .map((l) => {
      const cells = l.split('|').slice(1, -1);
      const g = ticks(cells[3]);
      return {
        module: ticks(cells[0])[0],
        builder: ticks(cells[1])[0],
        template: ticks(cells[2])[0],
        golden: cells[3].trim().startsWith('none') ? null : { fn: g[0], file: g[1] },
        test: ticks(cells[4])[0],
      };
    });
}

const rows = layoutRows();

describe('docs/RTL.md layout table', () => {
  it('has one row for every module gen-rtl emits', () => {
    expect(rows.map((r) => r.module).sort()).toEqual(BASE_NAMES.map((b) => DEFAULT_PREFIX + b).sort());
  });

  it.each(rows)('$module: builder, template, golden reference and test are where the row says', (r) => {
    const base = r.module.slice(DEFAULT_PREFIX.length);
    const builder = readFileSync(join(ROOT, 'generator', 'builders', r.builder), 'utf8');
    expect(builder, `${r.builder} makes ${base}`).toContain(`makeModule('${base}'`);
    expect(r.template).toBe(`dctcm_${base}.v.hbs`);
    expect(existsSync(join(ROOT, 'templates', r.template)), r.template).toBe(true);
    const test = join(ROOT, 'test', 'rtl', r.test);
    expect(existsSync(test), r.test).toBe(true);
    const testText = readFileSync(test, 'utf8');
    expect(testText, `${r.test} names ${r.module}`).toContain(r.module);
    if (r.golden) {
      const src = readFileSync(join(ROOT, r.golden.file), 'utf8');
      expect(src, `${r.golden.file} exports ${r.golden.fn}`).toMatch(new RegExp(`export function ${r.golden.fn}\\b`));
      expect(testText, `${r.test} names ${r.golden.fn}`).toContain(r.golden.fn);
    } else {
      expect(base).toBe('axis_slice'); // the only module without a reference: it moves beats unchanged
    }
  });
});
