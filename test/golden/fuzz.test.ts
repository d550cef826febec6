// Seeded mutation fuzzing of the decoders: every mutant of a valid tile or file must either decode
// (to at most the expected pixels, every value in range) or throw StreamError, within a time bound.
// Any other exception (RangeError, TypeError, ...) or a slow case is a failure.
import { describe, expect, it } from 'vitest';
import { decodeContainer, encodeTensor } from '../../tools/container.js';
import { StreamError } from '../../golden/errors.js';
import { NpyDtype } from '../../tools/npy.js';
import { CodecConfig, Derived, Policy, derive } from '../../golden/params.js';
import { decodeTile, encodeTile } from '../../golden/tile.js';
import { Pattern, Rng, genPixels, genTensorData, patternsFor, valueRange } from '../helpers/random.js';

const SEED = 0xf022;
const TILE_MUTANTS = 6000;
const FILE_MUTANTS = 3000;
/** Per-mutant bound: the largest base tile decodes in well under a millisecond. */
const CASE_MS = 250;

const CONFIGS: CodecConfig[] = [
  { channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 },
  { channels: 16, dctSize: 4, dataWidth: 4, signed: false, busWidth: 64, dctPrecision: 8 },
  { channels: 16, dctSize: 8, dataWidth: 5, signed: true, busWidth: 96, dctPrecision: 12 },
  { channels: 32, dctSize: 16, dataWidth: 8, signed: true, busWidth: 128, dctPrecision: 16 },
  { channels: 32, dctSize: 32, dataWidth: 12, signed: false, busWidth: 32, dctPrecision: 12 },
  { channels: 24, dctSize: 8, dataWidth: 16, signed: true, busWidth: 256, dctPrecision: 16 },
  { channels: 64, dctSize: 8, dataWidth: 9, signed: false, busWidth: 64, dctPrecision: 8 },
  { channels: 32, dctSize: 32, dataWidth: 16, signed: false, busWidth: 64, dctPrecision: 16 },
];

function settingsFor(rng: Rng, W: number): { policy: Policy; quantShift: number } {
  const policy = rng.pick(['lossless', 'auto', 'dct'] as Policy[]);
  return { policy, quantShift: policy === 'lossless' ? 0 : rng.int(policy === 'dct' ? 0 : 1, Math.min(15, W - 1)) };
}

/** XOR of the 16-bit halves of units[0, n). */
function checksum(units: Uint32Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c ^= (units[i] & 0xffff) ^ (units[i] >>> 16);
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Mutations on a tile (32-bit units; a bus word is B/32 units)

type TileOp = (rng: Rng, u: Uint32Array, upw: number) => Uint32Array;

const bytesOf = (u: Uint32Array) => new Uint8Array(u.buffer, u.byteOffset, u.byteLength);

const TILE_OPS: Record<string, TileOp> = {
  'bit flips': (rng, u) => {
    const m = u.slice();
    const k = rng.int(1, 8);
    const from = rng.chance(0.5) ? 32 : 0; // half of them spare the header, to reach the records
    for (let i = 0; i < k; i++) {
      const bit = rng.int(from, m.length * 32 - 1);
      m[bit >>> 5] ^= 1 << (bit & 31);
    }
    return m;
  },
  'byte overwrite': (rng, u) => {
    const m = u.slice();
    const b = bytesOf(m);
    const k = rng.int(1, 4);
    for (let i = 0; i < k; i++) b[rng.int(rng.chance(0.7) ? 4 : 0, b.length - 1)] = rng.int(0, 255);
    return m;
  },
  truncate: (rng, u) => u.slice(0, rng.int(0, u.length - 1)),
  'truncate to words': (rng, u, upw) => u.slice(0, upw * rng.int(0, u.length / upw - 1)),
  'append garbage': (rng, u, upw) => {
    const n = rng.chance(0.5) ? upw * rng.int(1, 3) : rng.int(1, 2 * upw);
    const m = new Uint32Array(u.length + n);
    m.set(u);
    for (let i = u.length; i < m.length; i++) m[i] = rng.chance(0.3) ? 0 : rng.u32();
    return m;
  },
  'drop word': (rng, u, upw) => {
    const w = rng.int(0, u.length / upw - 1);
    return Uint32Array.from([...u.subarray(0, w * upw), ...u.subarray((w + 1) * upw)]);
  },
  'duplicate word': (rng, u, upw) => {
    const w = rng.int(0, u.length / upw - 1);
    return Uint32Array.from([...u.subarray(0, (w + 1) * upw), ...u.subarray(w * upw)]);
  },
  'random body': (rng, u) => {
    // keep the header and trailer position, randomize the records (reaches the field checks)
    const m = u.slice();
    for (let i = 1; i < m.length - 1; i++) m[i] = rng.u32();
    if (rng.chance(0.5)) m[1] |= 1; // a present bit
    return m;
  },
};

/** Re-seals the checksum of a mutant so that the decoder's structural checks are reached. */
function reseal(m: Uint32Array, upw: number): void {
  if (m.length < 2 * upw || m.length % upw !== 0) return;
  const tu = m.length - upw;
  m[tu] = ((m[tu] & 0xffff) | (checksum(m, tu) << 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// Mutations on a file (bytes)

type FileOp = (rng: Rng, b: Uint8Array, wordBytes: number) => Uint8Array;

const FILE_OPS: Record<string, FileOp> = {
  'bit flips': (rng, b) => {
    const m = b.slice();
    const k = rng.int(1, 8);
    for (let i = 0; i < k; i++) {
      const bit = rng.int(0, m.length * 8 - 1);
      m[bit >>> 3] ^= 1 << (bit & 7);
    }
    return m;
  },
  'byte overwrite': (rng, b) => {
    const m = b.slice();
    const k = rng.int(1, 4);
    for (let i = 0; i < k; i++) m[rng.chance(0.3) ? rng.int(0, 35) : rng.int(0, m.length - 1)] = rng.int(0, 255);
    return m;
  },
  'header field': (rng, b) => {
    // a whole little-endian header field replaced: small values, boundary values or random ones
    const m = b.slice();
    const dv = new DataView(m.buffer);
    const at = rng.pick([8, 14, 20, 24, 28, 32]);
    const v = rng.pick([0, 1, 2, 0xffff, 0xffffffff, rng.u32(), rng.int(0, 64)]);
    if (at === 8 || at === 14) dv.setUint16(at, v & 0xffff, true);
    else dv.setUint32(at, v >>> 0, true);
    return m;
  },
  truncate: (rng, b) => b.slice(0, rng.int(0, b.length - 1)),
  'append garbage': (rng, b) => {
    const n = rng.int(1, 40);
    const m = new Uint8Array(b.length + n);
    m.set(b);
    for (let i = b.length; i < m.length; i++) m[i] = rng.chance(0.3) ? 0 : rng.int(0, 255);
    return m;
  },
  'drop chunk': (rng, b, wordBytes) => {
    const size = rng.chance(0.5) ? 4 : wordBytes;
    const at = rng.int(36, Math.max(36, b.length - size));
    return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + size)]);
  },
  'duplicate chunk': (rng, b, wordBytes) => {
    const size = rng.chance(0.5) ? 4 : wordBytes;
    const at = rng.int(36, Math.max(36, b.length - size));
    return Uint8Array.from([...b.subarray(0, at + size), ...b.subarray(at)]);
  },
};

interface Tally {
  rejected: number;
  decoded: number;
  slowest: number;
  failures: string[];
  byOp: Map<string, [number, number]>;
}

const newTally = (): Tally => ({ rejected: 0, decoded: 0, slowest: 0, failures: [], byOp: new Map() });

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
        const settings = settingsFor(rng, cfg.dataWidth);
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
      const m = TILE_OPS[op](rng, base.units, upw);
      if (sealed) reseal(m, upw);
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
    expect(tally.failures.slice(0, 20), `${tally.failures.length} failures`).toEqual([]);
  }, 60_000);

  it(`${FILE_MUTANTS} file mutants: decodeContainer returns or throws StreamError`, () => {
    const rng = new Rng(SEED + 1);
    const bases: { bytes: Uint8Array; wordBytes: number; what: string }[] = [];
    for (const cfg of CONFIGS) {
      for (let i = 0; i < 3; i++) {
        const settings = settingsFor(rng, cfg.dataWidth);
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
      }
      const ms = performance.now() - start;
      tally.slowest = Math.max(tally.slowest, ms);
      if (ms > CASE_MS) tally.failures.push(`${label}: took ${ms.toFixed(0)} ms`);
      count(tally, op, decoded);
    }
    console.log(`${report('files', tally)}; total ${(performance.now() - t0).toFixed(0)} ms`);
    expect(tally.rejected + tally.decoded).toBe(FILE_MUTANTS);
    expect(tally.rejected).toBeGreaterThan(FILE_MUTANTS / 2);
    expect(tally.failures.slice(0, 20), `${tally.failures.length} failures`).toEqual([]);
  }, 60_000);
});
