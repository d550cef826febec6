// Seeded mutation fuzzing of the decoders: every mutant of a valid tile or file must either decode
// (to at most the expected pixels, every value in range) or throw StreamError, within a time bound.
// Any other exception (RangeError, TypeError, ...) or a slow case is a failure.
import { describe, expect, it } from 'vitest';
import { decodeContainer, encodeTensor } from '../../tools/container.js';
import { ERR, STREAM_ERRORS, StreamError } from '../../golden/errors.js';
import { NpyDtype } from '../../tools/npy.js';
import { CodecConfig, Derived, Policy, derive } from '../../golden/params.js';
import { decodeTile, encodeTile } from '../../golden/tile.js';
import { Rng } from '../../sim/rng.js';
import { FILE_OPS, TILE_OPS, reseal } from '../../sim/mutate.js';
import { Pattern, genPixels, genTensorData, patternsFor, valueRange } from '../helpers/random.js';

const SEED = 0xf022;
const TILE_MUTANTS = 6000;
const FILE_MUTANTS = 3000;
/**
 * Per-mutant bound against a decoder that loops: the largest base tile decodes in well under a
 * millisecond, so any real hang passes it; it is not a speed check (250 ms failed on a machine at load 13).
 */
const CASE_MS = 10_000;

const CONFIGS: CodecConfig[] = [
  { channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 },
  { channels: 16, dctSize: 4, dataWidth: 4, signed: false, busWidth: 64, dctPrecision: 8 },
  { channels: 16, dctSize: 8, dataWidth: 5, signed: true, busWidth: 96, dctPrecision: 12 },
  { channels: 32, dctSize: 16, dataWidth: 8, signed: true, busWidth: 128, dctPrecision: 16 },
  { channels: 32, dctSize: 32, dataWidth: 12, signed: false, busWidth: 32, dctPrecision: 12 },
  { channels: 24, dctSize: 8, dataWidth: 16, signed: true, busWidth: 256, dctPrecision: 16 },
  { channels: 64, dctSize: 8, dataWidth: 9, signed: false, busWidth: 64, dctPrecision: 8 },
  { channels: 32, dctSize: 32, dataWidth: 16, signed: false, busWidth: 64, dctPrecision: 16 },
  // builds without the DCT: a mutant's DCT block is NO_DCT
  { channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12, dct: false },
  { channels: 32, dctSize: 8, dataWidth: 6, signed: true, busWidth: 64, dctPrecision: 12, dct: false },
];

/** A random policy and shift; without the DCT the dct policy is coded auto. */
function settingsFor(rng: Rng, W: number, dct = true): { policy: Policy; quantShift: number } {
  const policy = rng.pick(['lossless', 'auto', 'dct'] as Policy[]);
  const quantShift = policy === 'lossless' ? 0 : rng.int(policy === 'dct' ? 0 : 1, Math.min(15, W - 1));
  return { policy: policy === 'dct' && !dct ? 'auto' : policy, quantShift };
}

interface Tally {
  rejected: number;
  decoded: number;
  slowest: number;
  failures: string[];
  byOp: Map<string, [number, number]>;
  codes: Set<number>; // error codes seen
}

const newTally = (): Tally => ({ rejected: 0, decoded: 0, slowest: 0, failures: [], byOp: new Map(), codes: new Set() });

/** The codes decodeTile may throw: every tile check (not the container's). */
const TILE_CODES = new Set<number>(STREAM_ERRORS.filter((e) => e.code !== ERR.CONTAINER).map((e) => e.code));

function count(t: Tally, op: string, decoded: boolean): void {
  const c = t.byOp.get(op) ?? [0, 0];
  c[decoded ? 1 : 0]++;
  t.byOp.set(op, c);
  if (decoded) t.decoded++;
  else t.rejected++;
}

function report(name: string, t: Tally): string {
  const ops = [...t.byOp].map(([op, [r, d]]) => `${op} ${r}/${d}`).join(', ');
  return `${name}: ${t.rejected + t.decoded} mutants, ${t.rejected} rejected (StreamError), ${t.decoded} decoded; slowest ${t.slowest.toFixed(1)} ms; per op rejected/decoded: ${ops}`;
}

function checkValues(d: Derived, px: ArrayLike<number>, n: number): string | undefined {
  const { lo, hi } = valueRange(d.cfg.dataWidth, d.cfg.signed);
  for (let i = 0; i < n; i++) {
    const v = px[i];
    if (!Number.isInteger(v) || v < lo || v > hi) return `value ${v} at ${i} is outside ${lo}..${hi}`;
  }
  return undefined;
}

describe('decoder fuzzing', () => {
  it(`${TILE_MUTANTS} tile mutants: decodeTile returns or throws StreamError`, () => {
    const rng = new Rng(SEED);
    // base tiles: every config, several policies, patterns and lengths
    const bases: { d: Derived; units: Uint32Array; npix: number; what: string }[] = [];
    for (const cfg of CONFIGS) {
      const d = derive(cfg);
      for (let i = 0; i < 6; i++) {
        const settings = settingsFor(rng, cfg.dataWidth, cfg.dct !== false);
        const pattern: Pattern = rng.pick(patternsFor(cfg.signed));
        const npix = rng.int(1, 16);
        const e = encodeTile(d, settings, genPixels(rng, pattern, npix, cfg.channels, cfg.dataWidth, cfg.signed), npix);
        expect(decodeTile(d, e.units, npix).count).toBe(npix);
        bases.push({ d, units: e.units, npix, what: `C=${cfg.channels} N=${cfg.dctSize} W=${cfg.dataWidth}${cfg.signed ? 's' : 'u'} B=${cfg.busWidth} P=${cfg.dctPrecision} ${settings.policy}/${settings.quantShift} ${pattern} npix=${npix}` });
      }
    }
    const ops = Object.keys(TILE_OPS);
    const tally = newTally();
    const t0 = performance.now();
    for (let i = 0; i < TILE_MUTANTS; i++) {
      const base = rng.pick(bases);
      const upw = base.d.cfg.busWidth / 32;
      const op = ops[i % ops.length];
      const sealed = rng.chance(0.5);
      const m = TILE_OPS[op].apply(rng, base.units, upw, rng.pick(bases.filter((b) => b.d === base.d)).units);
      if (sealed) reseal(base.d, m);
      const label = `mutant ${i} (${op}${sealed ? ', checksum resealed' : ''}) of ${base.what}`;
      const start = performance.now();
      let decoded = false;
      try {
        const r = decodeTile(base.d, m, base.npix);
        decoded = true;
        const C = base.d.cfg.channels;
        if (r.count > base.npix) tally.failures.push(`${label}: ${r.count} pixels > ${base.npix}`);
        if (r.pixels.length !== r.count * C) tally.failures.push(`${label}: ${r.pixels.length} values for ${r.count} pixels`);
        const bad = checkValues(base.d, r.pixels, r.pixels.length);
        if (bad) tally.failures.push(`${label}: ${bad}`);
      } catch (e) {
        if (!(e instanceof StreamError)) tally.failures.push(`${label}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
        else if (!Number.isInteger(e.bitOffset) || e.bitOffset < 0 || e.bitOffset > m.length * 32) tally.failures.push(`${label}: offset ${e.bitOffset} outside the tile`);
        else if (!TILE_CODES.has(e.code)) tally.failures.push(`${label}: code ${e.code} is not a tile error code`);
        else tally.codes.add(e.code);
      }
      const ms = performance.now() - start;
      tally.slowest = Math.max(tally.slowest, ms);
      if (ms > CASE_MS) tally.failures.push(`${label}: took ${ms.toFixed(0)} ms`);
      count(tally, op, decoded);
      // the unbounded decoder (maxPixels = Infinity) on the same mutant: same contract, no pixel bound
      if (i % 10 === 0) {
        try {
          const r = decodeTile(base.d, m);
          const bad = checkValues(base.d, r.pixels, r.pixels.length);
          if (bad) tally.failures.push(`${label} (unbounded): ${bad}`);
        } catch (e) {
          if (!(e instanceof StreamError)) tally.failures.push(`${label} (unbounded): ${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
      }
    }
    console.log(`${report('tiles', tally)}; total ${(performance.now() - t0).toFixed(0)} ms`);
    expect(tally.rejected + tally.decoded).toBe(TILE_MUTANTS);
    expect(tally.rejected).toBeGreaterThan(TILE_MUTANTS / 2); // most mutants must be caught
    // every hardware check is reached (a 32-bit bus has no trailer bits above 31; W = 16 allows every shift)
    for (const e of STREAM_ERRORS) if (e.rtl) expect(tally.codes.has(e.code), `${e.name} never raised`).toBe(true);
    expect(tally.failures.slice(0, 20), `${tally.failures.length} failures`).toEqual([]);
  }, 60_000);

  it(`${FILE_MUTANTS} file mutants: decodeContainer returns or throws StreamError`, () => {
    const rng = new Rng(SEED + 1);
    const bases: { bytes: Uint8Array; wordBytes: number; what: string }[] = [];
    for (const cfg of CONFIGS) {
      for (let i = 0; i < 3; i++) {
        const settings = settingsFor(rng, cfg.dataWidth, cfg.dct !== false);
        const pattern: Pattern = rng.pick(patternsFor(cfg.signed));
        const H = rng.int(1, 4);
        const Wd = rng.int(1, 5);
        const dtype: NpyDtype = cfg.dataWidth <= 8 ? (cfg.signed ? '|i1' : '|u1') : cfg.signed ? '<i2' : '<u2';
        const t = { dtype, shape: [cfg.channels, H, Wd] as [number, number, number], data: genTensorData(rng, pattern, cfg.channels, H, Wd, cfg.dataWidth, cfg.signed) };
        const tp = rng.int(1, H * Wd);
        const e = encodeTensor(t, cfg, settings, tp);
        expect(decodeContainer(e.bytes).tensor.data).toEqual(e.recon);
        bases.push({ bytes: e.bytes, wordBytes: cfg.busWidth / 8, what: `C=${cfg.channels} N=${cfg.dctSize} W=${cfg.dataWidth}${cfg.signed ? 's' : 'u'} B=${cfg.busWidth} ${settings.policy}/${settings.quantShift} ${pattern} ${H}x${Wd} tiles of ${tp}` });
      }
    }
    const ops = Object.keys(FILE_OPS);
    const tally = newTally();
    const t0 = performance.now();
    for (let i = 0; i < FILE_MUTANTS; i++) {
      const base = rng.pick(bases);
      const op = ops[i % ops.length];
      const m = FILE_OPS[op](rng, base.bytes, base.wordBytes);
      const label = `file mutant ${i} (${op}) of ${base.what}`;
      const start = performance.now();
      let decoded = false;
      try {
        const r = decodeContainer(m);
        decoded = true;
        const [C, H, W] = r.info.shape;
        if (r.tensor.data.length !== C * H * W) tally.failures.push(`${label}: ${r.tensor.data.length} values for ${C}x${H}x${W}`);
        const bad = checkValues(derive(r.info.cfg), r.tensor.data, r.tensor.data.length);
        if (bad) tally.failures.push(`${label}: ${bad}`);
      } catch (e) {
        if (!(e instanceof StreamError)) tally.failures.push(`${label}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
        else if (!Number.isInteger(e.bitOffset) || e.bitOffset < 0 || e.bitOffset > m.length * 8) tally.failures.push(`${label}: offset ${e.bitOffset} outside the file`);
        else tally.codes.add(e.code);
      }
      const ms = performance.now() - start;
      tally.slowest = Math.max(tally.slowest, ms);
      if (ms > CASE_MS) tally.failures.push(`${label}: took ${ms.toFixed(0)} ms`);
      count(tally, op, decoded);
    }
    console.log(`${report('files', tally)}; total ${(performance.now() - t0).toFixed(0)} ms`);
    expect(tally.rejected + tally.decoded).toBe(FILE_MUTANTS);
    expect(tally.rejected).toBeGreaterThan(FILE_MUTANTS / 2);
    expect(tally.codes.has(ERR.CONTAINER)).toBe(true);
    expect(tally.failures.slice(0, 20), `${tally.failures.length} failures`).toEqual([]);
  }, 60_000);
});
