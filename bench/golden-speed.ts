// Speed of the golden model, guarded by a bit-exactness fixture.
//
//   node dist/bench/golden-speed.js              verify against /tmp/golden-ref.json (if present), then time
//   node dist/bench/golden-speed.js --record     write /tmp/golden-ref.json from the current code
//   node dist/bench/golden-speed.js --verify     only verify
//   node dist/bench/golden-speed.js --bench      only time
//   options: --reps N (default 7), --ref FILE, --data DIR (default <repo>/../shared/data),
//            --compare DIR  also time the golden model built in DIR (DIR/tools/*.js, DIR/golden/*.js), interleaved
//            --reference    also time the reference encoder (tile.ts stages) of this build, interleaved
//   The fixture runs encodeTensor's default encoder: the fast one, or the reference with DCTCM_ENCODER=reference.
//
// The fixture encodes real activations (resnet50v2 and squeezenet11, img0) and seeded random tensors
// (signed 16-bit, 4-bit, N = 4/16/32, several bus widths, precisions and tile sizes) in several policies,
// and records sha256 of the tile words, the container, the encoder's reconstruction and the decoded
// tensor. It also runs planPixel/writePixel/updateContext directly (every PixelPlan field is hashed), and
// feeds corrupted tiles and files to the decoders, recording each outcome (error class, bit offset and
// message, or the decoded output's hash).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BitWriter } from '../golden/bits.js';
import { decodeContainer, encodeTensor, FILE_HEADER_BYTES } from '../tools/container.js';
import { NpyDtype, Tensor, formatNpy, fromPixels, parseNpy, toPixels } from '../tools/npy.js';
import { CodecConfig, Policy, TileSettings, defaultBusWidth, derive } from '../golden/params.js';
import { decodeTile, effectiveShift, newPlan, planPixel, updateContext, writePixel } from '../golden/tile.js';
import { Rng, floats } from '../sim/rng.js';
import { FILE_OPS, TILE_OPS, reseal } from '../sim/mutate.js';
import { SHARED_DATA } from '../sim/paths.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dataDir = opt('--data') ?? SHARED_DATA;
const refPath = opt('--ref') ?? '/tmp/golden-ref.json';
const reps = Number(opt('--reps') ?? 7);

// ---------------------------------------------------------------------------------------------- helpers

function sha(...parts: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 24);
}

const rng = floats;

/** Hash of the tile words only (the container minus its header and per-tile word counts). */
function tileWordsHash(bytes: Uint8Array, busWidth: number, tiles: number): string {
  const h = createHash('sha256');
  let at = FILE_HEADER_BYTES;
  for (let i = 0; i < tiles; i++) {
    const words = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
    at += 4;
    const len = (words * busWidth) / 8;
    h.update(bytes.subarray(at, at + len));
    at += len;
  }
  return h.digest('hex').slice(0, 24);
}

function outcome(f: () => string): string {
  try {
    return 'ok:' + f();
  } catch (e) {
    const x = e as Error & { bitOffset?: number };
    return `${x.name}@${x.bitOffset ?? '-'}:${x.message}`;
  }
}

interface Case {
  name: string;
  tensor: Tensor;
  cfg: CodecConfig;
  settings: TileSettings;
  tilePixels: number;
  fuzz: number; // corrupted-stream trials
  plan: boolean; // also hash planPixel/writePixel/updateContext directly
}

const LOSSY: [Policy, number][] = [
  ['lossless', 0],
  ['auto', 1],
  ['auto', 2],
  ['dct', 1],
];

function loadDir(dir: string): { name: string; t: Tensor }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.npy'))
    .sort()
    .map((f) => ({ name: f, t: parseNpy(readFileSync(join(dir, f)), f) }));
}

/** Activation-like random tensor: per-channel levels that drift, zero runs, whole-zero pixels, extremes. */
function randomTensor(seed: number, C: number, H: number, W: number, width: number, signed: boolean): Int32Array {
  const r = rng(seed);
  const maxPos = signed ? 2 ** (width - 1) - 1 : 2 ** width - 1;
  const minVal = signed ? -(2 ** (width - 1)) : 0;
  const level = Array.from({ length: C }, () => Math.floor(r() * (width + 1)));
  const pz = Array.from({ length: C }, () => r() * 0.8);
  const px = new Int32Array(C * H * W);
  for (let p = 0; p < H * W; p++) {
    const pixelZero = r() < 0.06;
    const blockZero = Math.floor(r() * 8);
    for (let c = 0; c < C; c++) {
      if (r() < 0.15) level[c] = Math.max(0, Math.min(width, level[c] + Math.floor(r() * 5) - 2));
      let v = 0;
      const u = r();
      if (pixelZero || (blockZero === 0 && c < C / 4) || u < pz[c]) v = 0;
      else if (u > 0.985) v = r() < 0.5 ? maxPos : minVal;
      else {
        const L = Math.max(0, Math.min(width - (signed ? 1 : 0), level[c] + Math.floor(r() * 3) - 1));
        const mag = L === 0 ? 0 : 2 ** (L - 1) + Math.floor(r() * 2 ** (L - 1));
        v = signed && r() < 0.5 ? -mag : mag;
      }
      px[p * C + c] = Math.max(minVal, Math.min(maxPos, v));
    }
  }
  return fromPixels(px, [C, H, W]);
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  const realSets = [
    ['resnet50v2', join(dataDir, 'activations', 'resnet50v2', 'img0_n01440764')],
    ['squeezenet11', join(dataDir, 'activations', 'squeezenet11', 'img0_n01440764')],
  ];
  for (const [net, dir] of realSets) {
    const files = loadDir(dir);
    if (files.length === 0) throw new Error(`no .npy files in ${dir}`);
    files.forEach(({ name, t }, fi) => {
      const cfg: CodecConfig = { channels: t.shape[0], dctSize: 8, dataWidth: 8, signed: false, busWidth: 64, dctPrecision: 12 };
      for (const [policy, quantShift] of LOSSY) {
        cases.push({
          name: `${net}/${name} ${policy} s${quantShift}`,
          tensor: t,
          cfg,
          settings: { policy, quantShift },
          tilePixels: t.shape[2],
          fuzz: fi % 8 === 0 ? 12 : 0,
          plan: fi % 10 === 0,
        });
      }
    });
  }
  const kinds: { w: number; signed: boolean; dtype: NpyDtype }[] = [
    { w: 16, signed: true, dtype: '<i2' },
    { w: 4, signed: false, dtype: '|u1' },
    { w: 4, signed: true, dtype: '|i1' },
    { w: 16, signed: false, dtype: '<u2' },
    { w: 8, signed: true, dtype: '|i1' },
  ];
  let seed = 1;
  for (const N of [4, 16, 32]) {
    for (const k of kinds) {
      for (const mult of [1, 3]) {
        const C = N * mult;
        seed++;
        const r = rng(seed * 7919);
        const H = 3 + Math.floor(r() * 7);
        const W = 2 + Math.floor(r() * 9);
        const P = [8, 12, 16][seed % 3];
        const bus = [32, 64, 96, 128, 256, defaultBusWidth(C, k.w)][seed % 6];
        const tileChoices = [W, 1, 7, H * W, 1000];
        const data = randomTensor(seed, C, H, W, k.w, k.signed);
        // Round trip through .npy bytes, so parseNpy of every dtype is covered.
        const tensor = parseNpy(formatNpy({ dtype: k.dtype, shape: [C, H, W], data }), 'random');
        const cfg: CodecConfig = { channels: C, dctSize: N, dataWidth: k.w, signed: k.signed, busWidth: bus, dctPrecision: P };
        const pols: [Policy, number][] = [...LOSSY, ['auto', k.w - 1], ['dct', k.w - 1], ['dct', Math.min(k.w - 1, 9)]];
        pols.forEach(([policy, quantShift], pi) => {
          cases.push({
            name: `rand N${N} C${C} ${k.signed ? 's' : 'u'}${k.w} P${P} B${bus} ${H}x${W} ${policy} s${quantShift}`,
            tensor,
            cfg,
            settings: { policy, quantShift },
            tilePixels: tileChoices[(seed + pi) % tileChoices.length],
            fuzz: 25,
            plan: true,
          });
        });
      }
    }
  }
  return cases;
}

// ------------------------------------------------------------------------------------------ the fixture

/** Mutants of one tile (sim/mutate.ts, the fuzz tests' operations, every other one resealed) and each decode's outcome. */
function fuzzTile(cfg: CodecConfig, units: Uint32Array, npix: number, seed: number, trials: number): string[] {
  const d = derive(cfg);
  const r = new Rng(seed);
  const upw = cfg.busWidth / 32;
  const ops = Object.keys(TILE_OPS);
  const res: string[] = [];
  for (let t = 0; t < trials; t++) {
    const m = TILE_OPS[ops[t % ops.length]].apply(r, units, upw, units);
    if (t % 2 === 1) reseal(d, m);
    const maxPixels = r.pick([npix, Infinity, Math.max(0, npix - 1)]);
    const base = r.int(0, 999) * 8;
    res.push(
      outcome(() => {
        const dt = decodeTile(d, m, maxPixels, base);
        return `${dt.count}/${dt.quantShift}/${dt.modeCounts.join(',')}/${sha(dt.pixels)}`;
      }),
    );
  }
  return res;
}

/** Mutants of one .dctcm file (sim/mutate.ts FILE_OPS) and each decode's outcome. */
function fuzzContainer(bytes: Uint8Array, wordBytes: number, seed: number, trials: number): string[] {
  const r = new Rng(seed);
  const ops = Object.keys(FILE_OPS);
  const res: string[] = [];
  for (let t = 0; t < trials; t++) {
    const b = FILE_OPS[ops[t % ops.length]](r, bytes, wordBytes);
    res.push(
      outcome(() => {
        const dc = decodeContainer(b);
        return `${dc.modeCounts.join(',')}/${sha(dc.tensor.data)}`;
      }),
    );
  }
  return res;
}

/** Drives the exported stages directly and hashes every PixelPlan field after every pixel. */
function planHash(c: Case): string {
  const d = derive(c.cfg);
  const C = c.cfg.channels;
  const px = toPixels(c.tensor);
  const npix = c.tensor.shape[1] * c.tensor.shape[2];
  const s = effectiveShift(c.settings);
  const h = createHash('sha256');
  const w = new BitWriter(16);
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  const lim = Math.min(npix, 400);
  for (let p = 0; p < lim; p++) {
    planPixel(d, c.settings, ctx, px, p * C, p, plan);
    writePixel(d, plan, w);
    updateContext(d, s, plan, ctx);
    for (const a of [plan.modes, plan.blockBits, plan.index, plan.len, plan.rank, plan.sym, plan.coef, plan.coefWidth, plan.mask, plan.recon, ctx]) {
      h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    h.update(String(plan.bits));
  }
  h.update(new Uint8Array(w.units().buffer));
  h.update(String(w.bitLength));
  return h.digest('hex').slice(0, 24);
}

function runFixture(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const cases = buildCases();
  cases.forEach((c, ci) => {
    const e = encodeTensor(c.tensor, c.cfg, c.settings, c.tilePixels);
    const dc = decodeContainer(e.bytes);
    const rec: string[] = [
      `words ${tileWordsHash(e.bytes, c.cfg.busWidth, e.tiles)}`,
      `file ${sha(e.bytes)} ${e.bytes.length}`,
      `recon ${sha(e.recon)} modes ${e.modeCounts.join(',')}`,
      `decoded ${sha(dc.tensor.data)} modes ${dc.modeCounts.join(',')} ${dc.tensor.dtype} ${dc.tensor.shape.join('x')}`,
    ];
    if (c.plan) rec.push(`plan ${planHash(c)}`);
    if (c.fuzz > 0) {
      // Tile 0 and the last tile, taken out of the container.
      const wb = c.cfg.busWidth / 8;
      let at = FILE_HEADER_BYTES;
      const npix = c.tensor.shape[1] * c.tensor.shape[2];
      for (let i = 0; i < e.tiles; i++) {
        const words = new DataView(e.bytes.buffer, at, 4).getUint32(0, true);
        at += 4;
        if (i === 0 || i === e.tiles - 1) {
          const u = new Uint32Array(e.bytes.slice(at, at + words * wb).buffer);
          const n = Math.min(c.tilePixels, npix - i * c.tilePixels);
          rec.push(...fuzzTile(c.cfg, u, n, ci * 1009 + i, c.fuzz).map((s) => `tile${i} ${s}`));
        }
        at += words * wb;
      }
      rec.push(...fuzzContainer(e.bytes, c.cfg.busWidth / 8, ci * 31 + 5, Math.ceil(c.fuzz / 3)).map((s) => `file ${s}`));
    }
    out[c.name] = rec;
  });
  return out;
}

function verify(): boolean {
  const t0 = performance.now();
  const got = runFixture();
  const ms = performance.now() - t0;
  if (args.includes('--record')) {
    writeFileSync(refPath, JSON.stringify(got, null, 1));
    const n = Object.values(got).reduce((a, r) => a + r.length, 0);
    console.log(`recorded ${Object.keys(got).length} cases (${n} hashes and outcomes) to ${refPath} in ${(ms / 1000).toFixed(1)} s`);
    return true;
  }
  if (!existsSync(refPath)) {
    console.log(`no ${refPath}: hashes not verified (run with --record to create it)`);
    return true;
  }
  const ref = JSON.parse(readFileSync(refPath, 'utf8')) as Record<string, string[]>;
  let bad = 0;
  let n = 0;
  for (const name of new Set([...Object.keys(ref), ...Object.keys(got)])) {
    const a = ref[name] ?? [];
    const b = got[name] ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      n++;
      if (a[i] !== b[i]) {
        if (bad < 20) console.log(`MISMATCH ${name} [${i}]\n  ref: ${a[i]}\n  got: ${b[i]}`);
        bad++;
      }
    }
  }
  console.log(bad === 0 ? `hashes: all ${n} match ${refPath} (${(ms / 1000).toFixed(1)} s)` : `hashes: ${bad} of ${n} DIFFER from ${refPath}`);
  return bad === 0;
}

// -------------------------------------------------------------------------------------------- the bench

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Codec {
  label: string;
  parseNpy: typeof parseNpy;
  encodeTensor: typeof encodeTensor;
  decodeContainer: typeof decodeContainer;
}

/** The golden model of another build (e.g. the code before a change), to time side by side. */
async function loadCodec(dir: string, label: string): Promise<Codec> {
  const url = (f: string) => new URL(`file://${resolve(dir, 'tools', f)}`).href;
  const npy = await import(url('npy.js'));
  const container = await import(url('container.js'));
  return { label, parseNpy: npy.parseNpy, encodeTensor: container.encodeTensor, decodeContainer: container.decodeContainer };
}

/** Seconds of wall time and of this process's CPU time (less disturbed by other processes). */
function time(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

async function bench(): Promise<void> {
  const codecs: Codec[] = [{ label: 'this build', parseNpy, encodeTensor, decodeContainer }];
  if (args.includes('--reference')) {
    const reference: typeof encodeTensor = (t, cfg, st, tp) => encodeTensor(t, cfg, st, tp, undefined, 'reference');
    codecs.push({ label: 'this build, reference encoder', parseNpy, encodeTensor: reference, decodeContainer });
  }
  const other = opt('--compare');
  if (other) codecs.push(await loadCodec(other, other));
  const files: { name: string; bytes: Uint8Array }[] = [];
  const rn = join(dataDir, 'activations', 'resnet50v2');
  for (const img of readdirSync(rn).sort()) {
    const dir = join(rn, img);
    if (!img.startsWith('img')) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.npy')) files.push({ name: `${img}/${f}`, bytes: readFileSync(join(dir, f)) });
  }
  const tensors = files.map((f) => parseNpy(f.bytes, f.name));
  const rawBytes = tensors.reduce((a, t) => a + t.data.length, 0); // 8-bit data: one byte per value
  const mb = rawBytes / 1e6;
  console.log(`resnet50v2: ${tensors.length} tensors, ${mb.toFixed(2)} MB of 8-bit activations, N=8 W=8 bus 64, one row per tile`);
  console.log(`MB/s over all of them, median of ${reps} runs after a warm-up run (wall clock | process CPU time)`);
  const fmt = (ts: { wall: number; cpu: number }[]) =>
    `${(mb / median(ts.map((t) => t.wall))).toFixed(1).padStart(6)} | ${(mb / median(ts.map((t) => t.cpu))).toFixed(1).padStart(6)}`;

  for (const c of codecs) {
    const tp = [];
    for (let r = 0; r < Math.max(3, reps); r++) tp.push(time(() => files.forEach((f) => c.parseNpy(f.bytes, f.name))));
    console.log(`  ${c.label}: parseNpy ${fmt(tp)}`);
  }
  for (const [policy, quantShift] of [['lossless', 0], ['auto', 1]] as [Policy, number][]) {
    const settings: TileSettings = { policy, quantShift };
    const cfgOf = (t: Tensor): CodecConfig => ({ channels: t.shape[0], dctSize: 8, dataWidth: 8, signed: false, busWidth: 64, dctPrecision: 12 });
    const runs = codecs.map((c) => {
      let encoded: Uint8Array[] = [];
      const enc = () => (encoded = tensors.map((t) => c.encodeTensor(t, cfgOf(t), settings, t.shape[2]).bytes));
      const dec = () => encoded.forEach((b) => c.decodeContainer(b));
      enc(); // warm-up
      dec();
      return { c, enc, dec, te: [] as { wall: number; cpu: number }[], td: [] as { wall: number; cpu: number }[], size: () => encoded.reduce((a, b) => a + b.length, 0) };
    });
    // Interleaved, so that a compared build sees the same machine load.
    for (let r = 0; r < reps; r++) {
      for (const x of runs) {
        x.te.push(time(x.enc));
        x.td.push(time(x.dec));
      }
    }
    const label = `${policy}${policy === 'lossless' ? '' : ` s=${quantShift}`}`;
    for (const x of runs) {
      console.log(`  ${label.padEnd(9)} encode ${fmt(x.te)}   decode ${fmt(x.td)}   ratio ${(rawBytes / x.size()).toFixed(3)}   ${x.c.label}`);
    }
  }
}

const onlyVerify = args.includes('--verify') || args.includes('--record');
const onlyBench = args.includes('--bench');
let ok = true;
if (!onlyBench) ok = verify();
if (!onlyVerify) await bench();
if (!ok) process.exitCode = 1;
