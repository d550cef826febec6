// dctcm_decoder against decodeTile of the golden model: co-simulation on Icarus and Verilator (every
// beat compared), protocol stress (tvalid gaps, tready backpressure), fuzzed streams (error, error code,
// recovery, no deadlock), a real tensor slice with cycles per pixel, lint; over the shared matrix of sim/sweep.ts (synthesis:
// test/synth/decoder-synth.test.ts).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, toPixels } from '../../tools/npy.js';
import { BitWriter } from '../../golden/bits.js';
import { CodecConfig, Derived, MODE_CTX, MODE_DCT, MODE_RAW, Policy, derive } from '../../golden/params.js';
import { effectiveShift, encodeTile, fold16, newPlan, planPixel, updateContext, writePixel } from '../../golden/tile.js';
import { buildDecoder } from '../../generator/builders/decoder.js';
import { DEC_ERRORS, decWidths, errorCodeOf } from '../../generator/builders/dec_common.js';
import { cosimDecoder, encodeTiles, parseDecoderLog, runDecoderStream } from '../../sim/decoder-cosim.js';
import { StreamTile, judgeTile, pixelBeat } from '../../sim/decoder-vectors.js';
import { Simulator, lint, requireTools, simulate } from '../../sim/run.js';
import { SWEEP, sweepLabel } from '../../sim/sweep.js';
import { activationsDir } from '../../sim/paths.js';
import { Rng } from '../../sim/rng.js';
import { genPixels, patternsFor } from '../helpers/random.js';

requireTools();
const WORK = join(tmpdir(), `dctcm-decoder-rtl-${process.pid}`);
mkdirSync(WORK, { recursive: true });
afterAll(() => {
  if (!process.env.KEEP_SIM) rmSync(WORK, { recursive: true, force: true });
});

const label = sweepLabel;

// The shared matrix (sim/sweep.ts), on both simulators; Yosys synthesis of the same rows is in
// test/synth/decoder-synth.test.ts.
const CONFIGS: CodecConfig[] = SWEEP;
const SETTINGS: { policy: Policy; quantShift: number }[] = [
  { policy: 'lossless', quantShift: 0 },
  { policy: 'auto', quantShift: 1 },
  { policy: 'auto', quantShift: 2 },
  { policy: 'dct', quantShift: 0 },
  { policy: 'dct', quantShift: 3 },
];

/** Tiles of every policy and pixel pattern, 0 to 9 pixels each, plus a longer one. */
function variedStream(d: Derived, seed: number): StreamTile[] {
  const { channels: C, dataWidth: W, signed } = d.cfg;
  const rng = new Rng(seed);
  const tiles: StreamTile[] = [];
  for (const s of SETTINGS) {
    for (const pat of patternsFor(signed)) {
      const n = rng.int(1, 6);
      tiles.push({ units: encodeTile(d, s, genPixels(rng, pat, n, C, W, signed), n).units });
    }
  }
  tiles.push({ units: encodeTile(d, SETTINGS[1], new Int32Array(0), 0).units }); // an empty tile
  const n = 40;
  tiles.push({ units: encodeTile(d, SETTINGS[2], genPixels(rng, 'sparse', n, C, W, signed), n).units });
  return tiles;
}

const sims: Simulator[] = ['icarus', 'verilator'];

describe.concurrent('dctcm_decoder co-simulation against decodeTile', () => {
  for (const sim of sims) {
    for (const c of CONFIGS) {
      const runs = sim === 'icarus' ? [{ gap: 0, stall: 0, seed: 1 }, { gap: 30, stall: 40, seed: 2 }] : [{ gap: 25, stall: 35, seed: 3 }];
      for (const r of runs) {
        it(`${sim} ${label(c)} gaps ${r.gap}% stalls ${r.stall}%`, async () => {
          const d = derive(c);
          const tiles = variedStream(d, 100 + r.seed + c.channels);
          const res = await runDecoderStream(d, tiles, sim, {
            workDir: join(WORK, `cosim-${sim}-${label(c).replace(/ /g, '_')}-${r.seed}`),
            seed: r.seed,
            gapPct: r.gap,
            stallPct: r.stall,
          });
          expect(res.message, res.output.slice(-2000)).toMatch(/^PASS/);
          expect(res.beats).toBe(res.nexp);
          expect(res.ok).toBe(true);
        }, 900_000);
      }
    }
  }
});

/** A valid tile, then a fuzzer's mutation of its words. */
// The *fix mutations flip data bits and then repair the trailer (checksum, and the pixel count when the
// golden decoder reads a different one), so the parser itself meets the corrupted records.
type Mutation = 'flip' | 'flip3' | 'truncate' | 'drop' | 'dup' | 'header' | 'trailer' | 'merge' | 'extra' | 'flipfix' | 'flip3fix' | 'burstfix';
const MUTATIONS: Mutation[] = ['flip', 'flipfix', 'flip3', 'flip3fix', 'truncate', 'burstfix', 'drop', 'flipfix', 'dup', 'flip3fix', 'header', 'burstfix', 'trailer', 'flipfix', 'merge', 'flip3fix', 'extra', 'burstfix'];

/** Rewrites the trailer of a tile so that its checksum matches, and its count where decodeTile says so. */
function fixTrailer(d: Derived, units: Uint32Array): void {
  const upw = d.cfg.busWidth / 32;
  const tu = units.length - upw;
  units[tu] = (units[tu] & 0xffff) | (fold16(units, tu) << 16);
  const v = judgeTile(d, units);
  const m = /the tile holds (\d+)/.exec(v.message);
  if (m) units[tu] = ((Number(m[1]) & 0xffff) | (units[tu] & 0xffff0000)) >>> 0;
}

function mutate(d: Derived, units: Uint32Array, next: Uint32Array, m: Mutation, rng: Rng): Uint32Array {
  const upw = d.cfg.busWidth / 32;
  const words: Uint32Array[] = [];
  for (let i = 0; i < units.length; i += upw) words.push(units.slice(i, i + upw));
  const flip = (w: Uint32Array[], bit: number) => {
    const wi = Math.floor(bit / d.cfg.busWidth);
    const b = bit % d.cfg.busWidth;
    w[wi][b >>> 5] ^= 1 << (b & 31);
  };
  const total = words.length * d.cfg.busWidth;
  switch (m) {
    case 'flip':
      flip(words, rng.int(32, total - 1));
      break;
    case 'flip3':
      for (let i = 0; i < 3; i++) flip(words, rng.int(0, total - 1));
      break;
    case 'truncate':
      words.splice(rng.int(1, Math.max(1, words.length - 1)));
      break;
    case 'drop':
      if (words.length > 1) words.splice(rng.int(0, words.length - 1), 1);
      break;
    case 'dup': {
      const i = rng.int(0, words.length - 1);
      words.splice(i, 0, words[i].slice());
      break;
    }
    case 'header':
      flip(words, rng.pick([rng.int(0, 7), rng.int(8, 11), rng.int(12, 15), rng.int(16, 31)]));
      break;
    case 'trailer':
      flip(words, (words.length - 1) * d.cfg.busWidth + rng.int(0, d.cfg.busWidth - 1));
      break;
    case 'merge':
      for (let i = 0; i < next.length; i += upw) words.push(next.slice(i, i + upw));
      break;
    case 'extra':
      words.push(new Uint32Array(upw));
      break;
    case 'flipfix':
    case 'flip3fix':
    case 'burstfix': {
      const dataEnd = (words.length - 1) * d.cfg.busWidth;
      if (dataEnd <= 32) break;
      if (m === 'burstfix') {
        const at = rng.int(32, dataEnd - 1);
        for (let b = at; b < Math.min(dataEnd, at + 8); b++) if (rng.chance(0.5)) flip(words, b);
      } else for (let i = 0; i < (m === 'flipfix' ? 1 : 3); i++) flip(words, rng.int(32, dataEnd - 1));
      break;
    }
  }
  const out = new Uint32Array(words.length * upw);
  words.forEach((w, i) => out.set(w, i * upw));
  if (m.endsWith('fix') && out.length >= 2 * upw) fixTrailer(d, out);
  return out;
}

interface FuzzCase {
  mutation: Mutation;
  bad: Uint32Array;
  good: Uint32Array;
  goodPixels: Int32Array;
  goodCount: number;
}

function fuzzCases(d: Derived, seed: number, n: number): FuzzCase[] {
  const { channels: C, dataWidth: W, signed } = d.cfg;
  const rng = new Rng(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    const s = rng.pick(SETTINGS);
    const pat = rng.pick(patternsFor(signed));
    const np = rng.int(1, 5);
    const base = encodeTile(d, s, genPixels(rng, pat, np, C, W, signed), np).units;
    const gp = genPixels(rng, rng.pick(patternsFor(signed)), 3, C, W, signed);
    const good = encodeTile(d, rng.pick(SETTINGS), gp, 3);
    const mutation = MUTATIONS[i % MUTATIONS.length];
    const verdict = judgeTile(d, good.units);
    cases.push({ mutation, bad: mutate(d, base, good.units, mutation, rng), good: good.units, goodPixels: verdict.pixels!, goodCount: verdict.count });
  }
  return cases;
}

function checkFuzz(d: Derived, cases: FuzzCase[], output: string): { errors: number; decoded: number; codes: Record<number, number> } {
  const logs = parseDecoderLog(output);
  expect(logs.length, output.slice(-3000)).toBe(cases.length);
  const codes: Record<number, number> = {};
  let errors = 0;
  let decoded = 0;
  cases.forEach((fc, i) => {
    const lg = logs[i];
    const v = judgeTile(d, fc.bad);
    const where = `case ${i} (${fc.mutation}): golden ${v.errorCode ? v.message : 'decodes'}`;
    const goodBeats: bigint[] = [];
    for (let p = 0; p < fc.goodCount; p++) goodBeats.push(pixelBeat(d, fc.goodPixels, p * d.cfg.channels, p === fc.goodCount - 1));
    if (v.errorCode === 0) {
      decoded++;
      const exp: bigint[] = [];
      for (let p = 0; p < v.count; p++) exp.push(pixelBeat(d, v.pixels!, p * d.cfg.channels, p === v.count - 1));
      exp.push(...goodBeats);
      expect(lg.finalError, where).toBe(0);
      expect(lg.beats.map((b) => b.toString(16)), where).toEqual(exp.map((b) => b.toString(16)));
    } else {
      errors++;
      codes[v.errorCode] = (codes[v.errorCode] ?? 0) + 1;
      expect(lg.errorCycle, `${where}: the RTL raised no error`).toBeGreaterThanOrEqual(0);
      expect(lg.errorCode, where).toBe(v.errorCode);
      expect(lg.finalCode, where).toBe(v.errorCode);
      // Bounded: at most one record per (1 + blocks) bits of the tile after its tlast word, plus slack.
      const bound = Math.ceil((fc.bad.length * 32) / (1 + d.blocks)) + 64;
      expect(lg.tlastCycles.length, where).toBeGreaterThanOrEqual(1);
      expect(lg.errorCycle - lg.tlastCycles[0], where).toBeLessThanOrEqual(bound);
      // Recovery: the following valid tile decodes exactly, after whatever the bad tile emitted.
      const tail = lg.beats.slice(lg.beats.length - goodBeats.length);
      expect(tail.map((b) => b.toString(16)), where).toEqual(goodBeats.map((b) => b.toString(16)));
    }
  });
  return { errors, decoded, codes };
}

describe.concurrent('dctcm_decoder on fuzzed streams', () => {
  const jobs: { sim: Simulator; c: CodecConfig; n: number }[] = [
    ...CONFIGS.map((c) => ({ sim: 'icarus' as Simulator, c, n: c.channels >= 64 ? 72 : 144 })),
    ...[CONFIGS[0], CONFIGS[1], CONFIGS[5]].map((c) => ({ sim: 'verilator' as Simulator, c, n: c.channels >= 64 ? 72 : 144 })),
  ];
  for (const { sim, c, n } of jobs) {
    it(`${sim} ${label(c)}: ${n} mutated tiles, each followed by a valid one`, async () => {
      const d = derive(c);
      const cases = fuzzCases(d, 7 + c.channels + c.dataWidth, n);
      const tiles: StreamTile[] = [];
      for (const fc of cases) tiles.push({ units: fc.bad, resetBefore: true }, { units: fc.good });
      const res = await runDecoderStream(d, tiles, sim, {
        workDir: join(WORK, `fuzz-${sim}-${label(c).replace(/ /g, '_')}`),
        seed: 11,
        gapPct: 20,
        stallPct: 0,
        log: true,
      });
      expect(res.ok, res.output.slice(-3000)).toBe(true);
      const s = checkFuzz(d, cases, res.output);
      // The fuzzer must reach both outcomes, and more than one kind of error.
      expect(s.errors).toBeGreaterThan(n / 3);
      expect(s.decoded).toBeGreaterThan(0);
      expect(Object.keys(s.codes).length).toBeGreaterThanOrEqual(4);
      console.log(`fuzz ${sim} ${label(c)}: ${s.errors} rejected (codes ${JSON.stringify(s.codes)}), ${s.decoded} decoded`);
    }, 900_000);
  }
});

describe.concurrent('dctcm_decoder on a real tensor', () => {
  const file = join(activationsDir('resnet50v2'), 'img0_n01440764', 'stage1_conv3.npy');
  for (const sim of sims) {
    it(`${sim}: resnet50v2 stage1_conv3 rows 0-7, lossless and auto shift 2; cycles per pixel`, async () => {
      const t = parseNpy(new Uint8Array(readFileSync(file)), file);
      const [C, H, Wd] = t.shape;
      expect(C).toBe(64);
      const d = derive(CONFIGS[2]);
      const all = toPixels(t);
      const npix = 8 * Wd;
      expect(npix).toBeLessThanOrEqual(H * Wd);
      const pixels = all.subarray(0, npix * C);
      const tiles = [
        ...encodeTiles(d, { policy: 'lossless', quantShift: 0 }, pixels, npix, 224),
        ...encodeTiles(d, { policy: 'auto', quantShift: 2 }, pixels, npix, 224),
      ];
      const res = await runDecoderStream(d, tiles, sim, { workDir: join(WORK, `real-${sim}`), seed: 5, gapPct: 0, stallPct: 0 });
      expect(res.message, res.output.slice(-2000)).toMatch(/^PASS/);
      expect(res.pixels).toBe(2 * npix);
      const cpp = res.cycles / res.pixels;
      console.log(`real tensor ${sim}: ${res.pixels} pixels in ${res.cycles} cycles = ${cpp.toFixed(3)} cycles/pixel (B = ${d.cfg.busWidth})`);
      // Records average well under B bits here; the only overhead is each tile's header and turnaround.
      expect(cpp).toBeLessThan(1.1);
    }, 900_000);
  }
});

describe.concurrent('dctcm_decoder lint', () => {
  for (const c of CONFIGS) {
    it(`verilator --lint-only -Wall, zero warnings: ${label(c)}`, async () => {
      const dir = join(WORK, `lint-${label(c).replace(/ /g, '_')}`);
      mkdirSync(dir, { recursive: true });
      const files = buildDecoder(derive(c)).map((m) => {
        const f = join(dir, `${m.name}.v`);
        writeFileSync(f, m.text);
        return f;
      });
      const r = await lint(files, 'dctcm_decoder');
      expect(r.ok, r.output).toBe(true);
    }, 300_000);
  }
});

describe('cosimDecoder (sim/decoder-cosim.ts)', () => {
  it('icarus C16 N8 W8 s: 100 sparse pixels in tiles of 33, auto shift 1, gaps and stalls', async () => {
    const d = derive(CONFIGS[1]);
    const px = genPixels(new Rng(9), 'sparse', 100, 16, 8, true);
    const r = await cosimDecoder(d, { policy: 'auto', quantShift: 1 }, px, 100, 33, 'icarus', {
      workDir: join(WORK, 'cosimDecoder'),
      seed: 4,
      gapPct: 20,
      stallPct: 20,
    });
    expect(r.ok, r.message).toBe(true);
    expect(r.pixels).toBe(100);
    expect(r.beats).toBe(100);
  }, 300_000);
});

describe('dctcm_decoder generator', () => {
  it('is deterministic and documents every error code in the top header', () => {
    const d = derive(CONFIGS[1]);
    const a = buildDecoder(d);
    const b = buildDecoder(d);
    expect(a.map((m) => m.text)).toEqual(b.map((m) => m.text));
    const top = a.find((m) => m.name === 'dctcm_decoder')!;
    for (const e of DEC_ERRORS) expect(top.text).toContain(`${String(e.code).padStart(2)} ${e.name}`);
    expect(a.map((m) => m.name)).toEqual(['dctcm_idct', 'dctcm_dec_parse', 'dctcm_dec_recon', 'dctcm_decoder']);
    for (const m of a) {
      expect(m.text).toContain('`resetall\n`timescale 1ns / 1ps\n`default_nettype none\n');
      expect(m.text.startsWith(`// ${m.name}.v -- generated by gen-rtl`)).toBe(true);
      expect(m.text).toMatch(/`resetall\n$/);
      expect(m.text).not.toMatch(/\/work\/|\/tmp\//);
    }
  });
  it('maps every decodeTile error message to a code', () => {
    expect(errorCodeOf('bad tile magic 0x0 (expected 0xdc)')).toBe(1);
    expect(errorCodeOf('trailer counts 3 pixels, the tile holds 4 (mod 65536)')).toBe(10);
    expect(() => errorCodeOf('something else')).toThrow();
  });
});

// dctcm_dec_parse on its own: every record of encoded pixels, with the contexts the encoder had, must
// parse to the encoder's plan (golden planPixel / writePixel / updateContext): record length, modes,
// values, mask, next contexts, no error. A mismatch here is located in the context loop.
const PARSE_TB = `\`timescale 1ns / 1ps
\`default_nettype none
module parse_tb;
    localparam INW = {{inw}};
    localparam OUTW = {{outw}};
    localparam DEPTH = {{depth}};
    reg [INW-1:0] in_mem [0:DEPTH-1];
    reg [OUTW-1:0] exp_mem [0:DEPTH-1];
    reg [INW-1:0] x;
    wire [{{offw}}-1:0] rec_len;
    wire next_bit;
    wire [{{nb}}-1:0] mode_ctx, mode_raw, mode_dct;
    wire [{{vb}}-1:0] value;
    wire [{{c}}-1:0] mask;
    wire [{{ctxb}}-1:0] ctx_next;
    wire err_escape, err_width, err_value;
    integer i;
    reg [8*1024-1:0] in_file;
    reg [8*1024-1:0] exp_file;
    dctcm_dec_parse u_parse (
        .bits(x[{{cap}}-1:0]), .count(x[{{cap}} +: {{offw}}]), .ctx(x[{{cap}}+{{offw}} +: {{ctxb}}]), .shift(x[INW-4 +: 4]),
        .rec_len(rec_len), .next_bit(next_bit), .mode_ctx(mode_ctx), .mode_raw(mode_raw), .mode_dct(mode_dct),
        .value(value), .mask(mask), .ctx_next(ctx_next), .err_escape(err_escape), .err_width(err_width), .err_value(err_value)
    );
    wire [OUTW-1:0] got = {rec_len, next_bit, mode_ctx, mode_raw, mode_dct, value, mask, ctx_next, err_escape, err_width, err_value};
    initial begin
        if (!$value$plusargs("in=%s", in_file) || !$value$plusargs("exp=%s", exp_file)) begin
            $display("FAIL no vectors");
            $finish;
        end
        $readmemh(in_file, in_mem);
        $readmemh(exp_file, exp_mem);
        for (i = 0; i < DEPTH; i = i + 1) begin
            x = in_mem[i];
            #1;
            if (got !== exp_mem[i]) begin
                $display("MISMATCH beat=%0d got=%h exp=%h", i, got, exp_mem[i]);
                $finish;
            end
        end
        $display("PASS beats=%0d cycles=0 pixels=%0d", DEPTH, DEPTH);
        $finish;
    end
endmodule
`;

function parseVectors(d: Derived, seed: number, count: number): { inLines: string[]; expLines: string[]; inw: number; outw: number } {
  const w = decWidths(d);
  const { channels: C, dctSize: N, dataWidth: W, signed } = d.cfg;
  const rng = new Rng(seed);
  const inLines: string[] = [];
  const expLines: string[] = [];
  const inw = w.CAP + w.OFFW + C * w.CTXW + 4;
  const outw = w.OFFW + 1 + 3 * w.NB + C * w.VW + C + C * w.CTXW + 3;
  const put = (acc: bigint, v: number | bigint, bits: number) => (acc << BigInt(bits)) | (BigInt(v) & ((1n << BigInt(bits)) - 1n));
  while (inLines.length < count) {
    const s = rng.pick(SETTINGS);
    const shift = effectiveShift(s);
    const np = rng.int(1, 8);
    const px = genPixels(rng, rng.pick(patternsFor(signed)), np, C, W, signed);
    const ctx = new Uint8Array(C);
    const plan = newPlan(d);
    for (let p = 0; p < np && inLines.length < count; p++) {
      planPixel(d, s, ctx, px, p * C, plan);
      const bw = new BitWriter(64);
      writePixel(d, plan, bw);
      const next = p < np - 1 ? 1 : 0;
      bw.write(next, 1);
      const units = bw.units();
      let bits = 0n;
      for (let u = units.length - 1; u >= 0; u--) bits = (bits << 32n) | BigInt(units[u] >>> 0);
      let x = BigInt(shift);
      for (let c = C - 1; c >= 0; c--) x = put(x, ctx[c], w.CTXW);
      x = put(x, plan.bits + 1, w.OFFW);
      x = (x << BigInt(w.CAP)) | bits;
      inLines.push(x.toString(16));
      let y = put(0n, plan.bits, w.OFFW);
      y = put(y, next, 1);
      for (const mode of [MODE_CTX, MODE_RAW, MODE_DCT]) {
        let m = 0n;
        for (let b = w.NB - 1; b >= 0; b--) m = (m << 1n) | (plan.modes[b] === mode ? 1n : 0n);
        y = put(y, m, w.NB);
      }
      for (let c = C - 1; c >= 0; c--) {
        const mode = plan.modes[Math.floor(c / N)];
        const v = mode === MODE_CTX || mode === MODE_RAW ? plan.index[c] : mode === MODE_DCT ? plan.coef[c] : 0;
        y = put(y, v, w.VW);
      }
      for (let c = C - 1; c >= 0; c--) y = put(y, plan.modes[Math.floor(c / N)] === MODE_DCT ? plan.mask[c] : 0, 1);
      updateContext(d, shift, plan, ctx);
      for (let c = C - 1; c >= 0; c--) y = put(y, ctx[c], w.CTXW);
      y = put(y, 0, 3);
      expLines.push(y.toString(16));
    }
  }
  return { inLines, expLines, inw, outw };
}

describe.concurrent('dctcm_dec_parse against the encoder plan', () => {
  const jobs: { sim: Simulator; c: CodecConfig }[] = [
    ...[CONFIGS[0], CONFIGS[1], CONFIGS[3], CONFIGS[4], CONFIGS[7]].map((c) => ({ sim: 'icarus' as Simulator, c })),
    { sim: 'verilator', c: CONFIGS[0] },
  ];
  for (const { sim, c } of jobs) {
    it(`${sim} ${label(c)}: 300 records`, async () => {
      const d = derive(c);
      const w = decWidths(d);
      const dir = join(WORK, `parse-${sim}-${label(c).replace(/ /g, '_')}`);
      mkdirSync(dir, { recursive: true });
      const v = parseVectors(d, 31 + c.channels, 300);
      writeFileSync(join(dir, 'in.hex'), v.inLines.join('\n') + '\n');
      writeFileSync(join(dir, 'exp.hex'), v.expLines.join('\n') + '\n');
      const parse = buildDecoder(d).find((m) => m.name === 'dctcm_dec_parse')!;
      writeFileSync(join(dir, 'dctcm_dec_parse.v'), parse.text);
      const tb = Handlebars.compile(PARSE_TB, { noEscape: true })({
        inw: v.inw,
        outw: v.outw,
        depth: v.inLines.length,
        offw: w.OFFW,
        nb: w.NB,
        vb: w.C * w.VW,
        c: w.C,
        ctxb: w.C * w.CTXW,
        cap: w.CAP,
      });
      writeFileSync(join(dir, 'parse_tb.v'), tb);
      const r = await simulate(sim, {
        files: [join(dir, 'dctcm_dec_parse.v'), join(dir, 'parse_tb.v')],
        top: 'parse_tb',
        workDir: dir,
        plusargs: [`+in=${join(dir, 'in.hex')}`, `+exp=${join(dir, 'exp.hex')}`],
      });
      expect(r.ok, r.output.slice(-2000)).toBe(true);
    }, 900_000);
  }
});
