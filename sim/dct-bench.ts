// Golden vectors for dctcm_dct / dctcm_idct and the bench that checks them (sim/tb/tb_dctcm_dct.v.hbs,
// several configurations at once in sim/tb/tb_dctcm_dct_group.v.hbs); run them with sim/bench.ts runBench.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dctForward, dctInverse } from '../golden/dct.js';
import { Derived } from '../golden/params.js';
import { buildDct } from '../generator/builders/dct.js';
import { buildIdct } from '../generator/builders/idct.js';
import { DEFAULT_PREFIX } from '../generator/builders/types.js';
import { renderBench } from '../generator/render.js';
import { floats } from './rng.js';
import { Bench } from './bench.js';

export interface FwdVector {
  x: number[];
  s: number;
  q: number[];
}

export interface InvVector {
  q: number[];
  mask: number[];
  s: number;
  y: number[];
}

const rng = floats;

/** Forward golden: dctForward exactly. */
export function goldenForward(d: Derived, x: number[], s: number): number[] {
  const out = new Int32Array(d.cfg.dctSize);
  dctForward(d.dct, d.cfg.dctPrecision, s, x, out);
  return Array.from(out);
}

/** Inverse golden: dctInverse (exact), then clamp and mask as dctReconstruct (golden/tile.ts). */
export function goldenInverse(d: Derived, q: number[], mask: number[], s: number): number[] {
  const y = new Float64Array(d.cfg.dctSize);
  dctInverse(d.dct, d.cfg.dctPrecision, s, q, y);
  return Array.from(y, (v, i) => (mask[i] ? (v < d.minVal ? d.minVal : v > d.maxPos ? d.maxPos : v) : 0));
}

/**
 * Vectors: corner blocks (zeros, extremes, alternating, impulses) at every shift 0..15, then random
 * dense, sparse (ReLU-like) and small-valued blocks at random shifts. Inverse inputs are the forward
 * coefficients of such blocks (what an encoder sends) and random full-range fields with random masks
 * (what a corrupt stream can carry: clamping of values far beyond 32 bits).
 */
export function dctVectors(d: Derived, randomCount: number, seed: number): { fwd: FwdVector[]; inv: InvVector[] } {
  const { dctSize: N } = d.cfg;
  const CW = d.coefWidthMax;
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const blocks: number[][] = [];
  const fill = (f: (n: number) => number) => Array.from({ length: N }, (_, n) => f(n));
  blocks.push(fill(() => 0), fill(() => d.maxPos), fill(() => d.minVal), fill((n) => (n % 2 ? d.minVal : d.maxPos)));
  blocks.push(fill((n) => (n % 2 ? d.maxPos : d.minVal)), fill((n) => (n < N / 2 ? d.maxPos : d.minVal)));
  for (let i = 0; i < N; i++) blocks.push(fill((n) => (n === i ? d.maxPos : 0)), fill((n) => (n === i ? d.minVal : d.maxPos)));
  const fwd: FwdVector[] = [];
  for (const x of blocks) for (let s = 0; s < 16; s++) fwd.push({ x, s, q: goldenForward(d, x, s) });
  for (let i = 0; i < randomCount; i++) {
    const kind = i % 3;
    const small = Math.max(1, Math.floor(d.maxPos / 16));
    const x = fill(() =>
      kind === 0 ? int(d.minVal, d.maxPos) : kind === 1 ? (r() < 0.6 ? 0 : int(Math.max(d.minVal, -small), d.maxPos)) : int(Math.max(d.minVal, -small), small),
    );
    const s = int(0, 15);
    fwd.push({ x, s, q: goldenForward(d, x, s) });
  }
  const inv: InvVector[] = [];
  const qMax = 2 ** (CW - 1) - 1;
  const qMin = -(2 ** (CW - 1));
  const ones = fill(() => 1);
  const qBlocks = [fill(() => qMax), fill(() => qMin), fill((n) => (n % 2 ? qMin : qMax)), fill((n) => (n === 0 ? qMax : 0)), fill(() => 0)];
  for (const q of qBlocks) for (let s = 0; s < 16; s++) inv.push({ q, mask: ones, s, y: goldenInverse(d, q, ones, s) });
  for (let i = 0; i < randomCount; i++) {
    const s = int(0, 15);
    let q: number[];
    let mask: number[];
    if (i % 2 === 0) {
      const v = fwd[blocks.length * 16 + i].x; // an encoder's view: coefficients of a real block, its mask
      q = goldenForward(d, v, s);
      mask = v.map((x) => (x !== 0 ? 1 : 0));
    } else {
      q = fill(() => int(qMin, qMax));
      mask = fill(() => (r() < 0.8 ? 1 : 0));
    }
    inv.push({ q, mask, s, y: goldenInverse(d, q, mask, s) });
  }
  return { fwd, inv };
}

/** Lane-packed hex word: value i (two's complement, w bits) at bits [i*w +: w]. */
export function packHex(values: number[], w: number): string {
  let word = 0n;
  const m = (1n << BigInt(w)) - 1n;
  values.forEach((v, i) => {
    word |= (BigInt(v) & m) << BigInt(i * w);
  });
  return word.toString(16);
}

/**
 * Writes the two cores, the bench and its vector files into dir; returns the bench for runBench.
 * With a suffix the cores are generated under the prefix dctcm<suffix>_ (dctcm_c0_dct, ...) and the
 * bench is tb_dctcm_dct<suffix>, so several configurations can share one simulator build
 * (writeDctBenchGroup).
 */
export function writeDctBench(
  d: Derived,
  dir: string,
  vectors: { fwd: FwdVector[]; inv: InvVector[] },
  suffix = '',
): Bench {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const { dctSize: N, dataWidth: W } = d.cfg;
  const CW = d.coefWidthMax;
  const lines = (xs: string[]) => xs.join('\n') + '\n';
  const { fwd, inv } = vectors;
  writeFileSync(join(abs, 'fwd_in.hex'), lines(fwd.map((v) => packHex(v.x, W))));
  writeFileSync(join(abs, 'fwd_shift.hex'), lines(fwd.map((v) => v.s.toString(16))));
  writeFileSync(join(abs, 'fwd_exp.hex'), lines(fwd.map((v) => packHex(v.q, CW))));
  writeFileSync(join(abs, 'inv_in.hex'), lines(inv.map((v) => packHex(v.q, CW))));
  writeFileSync(join(abs, 'inv_mask.hex'), lines(inv.map((v) => packHex(v.mask, 1))));
  writeFileSync(join(abs, 'inv_shift.hex'), lines(inv.map((v) => v.s.toString(16))));
  writeFileSync(join(abs, 'inv_exp.hex'), lines(inv.map((v) => packHex(v.y, W))));
  const files: string[] = [];
  const prefix = suffix ? `dctcm${suffix}_` : DEFAULT_PREFIX;
  const cores = [buildDct(d, prefix), buildIdct(d, prefix)];
  for (const m of cores) {
    const f = join(abs, `${m.name}.v`);
    writeFileSync(f, m.text);
    files.push(f);
  }
  const c = d.cfg;
  const tb = renderBench('tb_dctcm_dct', {
    N,
    dir: abs,
    suffix,
    standalone: suffix === '',
    dctName: cores[0].name,
    idctName: cores[1].name,
    label: `N=${N} W=${W} ${c.signed ? 'signed' : 'unsigned'} P=${c.dctPrecision}`,
    fwdCount: fwd.length,
    invCount: inv.length,
    maxCycles: 40 * (fwd.length + inv.length) + 1000,
    fwdInWidth: N * W,
    fwdOutWidth: N * CW,
    invInWidth: N * CW,
    invOutWidth: N * W,
  });
  const top = `tb_dctcm_dct${suffix}`;
  const tbFile = join(abs, `${top}.v`);
  writeFileSync(tbFile, tb);
  files.push(tbFile);
  return { dir: abs, files, top };
}

/**
 * Several configurations in one bench (one simulator build instead of one per configuration, which is
 * what Verilator's compile time asks for): each gets its own folder and suffixed modules; the group top
 * prints PASS when every member is done, and any member's FAIL ends the run.
 */
export function writeDctBenchGroup(members: { d: Derived; vectors: { fwd: FwdVector[]; inv: InvVector[] } }[], dir: string): Bench {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const files: string[] = [];
  members.forEach((m, i) => files.push(...writeDctBench(m.d, join(abs, `c${i}`), m.vectors, `_c${i}`).files));
  const top = 'tb_dctcm_dct_group';
  const text = renderBench(top, {
    members: members.map((_, i) => i),
    allDone: members.map((_, i) => `done_${i}`).join(' && '),
    beats: members.reduce((a, m) => a + m.vectors.fwd.length + m.vectors.inv.length, 0),
  });
  const f = join(abs, `${top}.v`);
  writeFileSync(f, text);
  files.push(f);
  return { dir: abs, files, top };
}
