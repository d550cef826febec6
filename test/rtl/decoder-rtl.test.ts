// dctcm_decoder against decodeTileStatus of the golden model: co-simulation on Icarus and Verilator
// (every beat compared, tuser and tlast included), protocol stress (tvalid gaps, tready backpressure),
// fuzzed streams (each bad tile closed by its status beat with the golden code, recovery, no deadlock),
// several bad tiles in one stream, the bench's own failure paths, a real tensor slice with cycles per
// pixel, lint; over the shared matrix of sim/sweep.ts (synthesis: test/synth/decoder-synth.test.ts).
// The parser on its own: test/rtl/dec-parse-rtl.test.ts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, toPixels } from '../../tools/npy.js';
import { ERR } from '../../golden/errors.js';
import { CodecConfig, Derived, derive } from '../../golden/params.js';
import { encodeTile } from '../../golden/tile.js';
import { buildDecoder } from '../../generator/builders/decoder.js';
import { DEC_ERRORS, STATUS_CODE_BITS } from '../../generator/builders/dec_common.js';
import { cosimDecoder, encodeTiles, runDecoderStream } from '../../sim/decoder-cosim.js';
import { StreamTile, beatBits } from '../../sim/decoder-vectors.js';
import { TILE_OPS, reseal } from '../../sim/mutate.js';
import { Simulator, lint, requireTools } from '../../sim/run.js';
import { SWEEP, SWEEP_NO_DCT, SWEEP_SETTINGS, sweepLabel, sweepSettings } from '../../sim/sweep.js';
import { activationsDir } from '../../sim/paths.js';
import { longRecordTile } from '../../sim/long-record.js';
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
// Builds without the DCT (gen-rtl --no-dct): co-simulation, fuzz and lint rows of their own.
const NO_DCT: CodecConfig[] = SWEEP_NO_DCT;
const SETTINGS = SWEEP_SETTINGS;

/** A tile whose header counts 0 pixels (BAD_COUNT: a tile holds 1 to 65535), its trailer resealed. */
function zeroCountTile(d: Derived): Uint32Array {
  const u = encodeTile(d, SETTINGS[0], new Int32Array(d.cfg.channels), 1).units;
  u[1] &= 0xffff0000; // header bits 32-47
  reseal(d, u);
  return u;
}

/** Tiles of every policy and pixel pattern, 1 to 6 pixels each, plus a longer one. */
function variedStream(d: Derived, seed: number): StreamTile[] {
  const { channels: C, dataWidth: W, signed } = d.cfg;
  const rng = new Rng(seed);
  const tiles: StreamTile[] = [];
  for (const s of sweepSettings(d)) {
    for (const pat of patternsFor(signed)) {
      const n = rng.int(1, 6);
      tiles.push({ units: encodeTile(d, s, genPixels(rng, pat, n, C, W, signed), n).units });
    }
  }
  tiles.push({ units: longRecordTile(d).units }); // the longest record a decoder must accept (CTX longer than RAW)
  tiles.push({ units: zeroCountTile(d) });
  const n = 40;
  tiles.push({ units: encodeTile(d, SETTINGS[2], genPixels(rng, 'sparse', n, C, W, signed), n).units });
  return tiles;
}

const sims: Simulator[] = ['icarus', 'verilator'];

describe.concurrent('dctcm_decoder co-simulation against decodeTile', () => {
  for (const sim of sims) {
    for (const c of [...CONFIGS, ...NO_DCT]) {
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

// Fuzzed streams: the words-only operations of sim/mutate.ts, each with a trailer repair or none
// ('count': checksum and the pixel count the golden decoder reads, so the parser meets the corruption).
const MUTATIONS: { op: string; seal: 'none' | 'checksum' | 'count' }[] = [
  { op: 'bit flips', seal: 'none' },
  { op: 'data flips', seal: 'count' },
  { op: 'bit flips', seal: 'count' },
  { op: 'burst', seal: 'count' },
  { op: 'truncate to words', seal: 'none' },
  { op: 'data flips', seal: 'count' },
  { op: 'drop word', seal: 'none' },
  { op: 'burst', seal: 'count' },
  { op: 'duplicate word', seal: 'checksum' },
  { op: 'header', seal: 'none' },
  { op: 'byte overwrite', seal: 'count' },
  { op: 'trailer', seal: 'none' },
  { op: 'data flips', seal: 'none' },
  { op: 'merge', seal: 'checksum' },
  { op: 'random body', seal: 'count' },
  { op: 'append zero word', seal: 'none' },
  { op: 'burst', seal: 'count' },
];

interface FuzzCase {
  mutation: string;
  bad: Uint32Array;
  good: Uint32Array;
}

function fuzzCases(d: Derived, seed: number, n: number): FuzzCase[] {
  const { channels: C, dataWidth: W, signed } = d.cfg;
  const upw = d.cfg.busWidth / 32;
  const rng = new Rng(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    const s = rng.pick(sweepSettings(d));
    const np = rng.int(1, 5);
    const base = encodeTile(d, s, genPixels(rng, rng.pick(patternsFor(signed)), np, C, W, signed), np).units;
    const good = encodeTile(d, rng.pick(sweepSettings(d)), genPixels(rng, rng.pick(patternsFor(signed)), 3, C, W, signed), 3).units;
    const m = MUTATIONS[i % MUTATIONS.length];
    const op = TILE_OPS[m.op];
    if (!op.words) throw new Error(`${m.op} does not keep whole words`);
    const bad = op.apply(rng, base, upw, good);
    if (m.seal !== 'none') reseal(d, bad, m.seal === 'count');
    cases.push({ mutation: `${m.op}, seal ${m.seal}`, bad, good });
  }
  return cases;
}

describe.concurrent('dctcm_decoder on fuzzed streams', () => {
  const jobs: { sim: Simulator; c: CodecConfig; n: number }[] = [
    ...CONFIGS.map((c) => ({ sim: 'icarus' as Simulator, c, n: c.channels >= 64 ? 72 : 144 })),
    ...[CONFIGS[0], CONFIGS[1], CONFIGS[5]].map((c) => ({ sim: 'verilator' as Simulator, c, n: c.channels >= 64 ? 72 : 144 })),
    { sim: 'icarus' as Simulator, c: NO_DCT[1], n: 144 },
  ];
  for (const { sim, c, n } of jobs) {
    it(`${sim} ${label(c)}: ${n} mutated tiles, each followed by a valid one; every beat and status compared`, async () => {
      const d = derive(c);
      const cases = fuzzCases(d, 7 + c.channels + c.dataWidth, n);
      const tiles: StreamTile[] = [];
      for (const fc of cases) tiles.push({ units: fc.bad }, { units: fc.good });
      const res = await runDecoderStream(d, tiles, sim, {
        workDir: join(WORK, `fuzz-${sim}-${label(c).replace(/ /g, '_')}`),
        seed: 11,
        gapPct: 20,
        stallPct: 20,
      });
      const at = res.mismatchBeat === null ? '' : ` (${cases[Math.floor(res.tileOfBeat(res.mismatchBeat) / 2)].mutation})`;
      expect(res.ok, res.message + at).toBe(true);
      expect(res.beats).toBe(res.nexp);
      const bad = res.verdicts.filter((_, i) => i % 2 === 0);
      expect(res.verdicts.filter((_, i) => i % 2 === 1).every((v) => v.errorCode === 0)).toBe(true);
      const codes: Record<number, number> = {};
      for (const v of bad) if (v.errorCode) codes[v.errorCode] = (codes[v.errorCode] ?? 0) + 1;
      const errors = bad.filter((v) => v.errorCode !== 0).length;
      // The fuzzer must reach both outcomes, more than one kind of error, and errors after pixels.
      expect(errors).toBeGreaterThan(n / 3);
      expect(errors).toBeLessThan(n);
      expect(Object.keys(codes).length).toBeGreaterThanOrEqual(4);
      expect(bad.some((v) => v.errorCode !== 0 && v.count > 0)).toBe(true);
      console.log(`fuzz ${sim} ${label(c)}: ${errors} rejected (codes ${JSON.stringify(codes)}), ${n - errors} decoded`);
    }, 900_000);
  }
});

// Several bad tiles in one stream, back to back and between good ones: each is closed by its own
// status beat (a sticky flag alone would show only the first), and the sticky summary keeps the first.
describe.concurrent('dctcm_decoder per-tile status', () => {
  for (const sim of sims) {
    it(`${sim} ${label(CONFIGS[0])}: checksum error, good, bad magic, bad tag, good, count 0, good`, async () => {
      const d = derive(CONFIGS[0]);
      const { channels: C, dataWidth: W, signed } = d.cfg;
      const rng = new Rng(41);
      const tile = (n: number) => encodeTile(d, SETTINGS[0], genPixels(rng, 'dense', n, C, W, signed), n).units;
      const sum = tile(4);
      sum[sum.length - 1] ^= 0x10000; // checksum: found at the trailer, after all four pixels
      const magic = tile(2);
      magic[0] ^= 0x1;
      const tag = tile(3);
      tag[0] ^= 0x10000;
      const tiles = [sum, tile(3), magic, tag, tile(2), zeroCountTile(d), tile(1)].map((units) => ({ units }));
      const res = await runDecoderStream(d, tiles, sim, { workDir: join(WORK, `status-${sim}`), seed: 8, gapPct: 25, stallPct: 30 });
      expect(res.ok, res.message).toBe(true);
      expect(res.verdicts.map((v) => [v.errorCode, v.count])).toEqual([
        [ERR.BAD_CHECKSUM, 4],
        [0, 3],
        [ERR.BAD_MAGIC, 0],
        [ERR.BAD_TAG, 0],
        [0, 2],
        [ERR.BAD_COUNT, 0],
        [0, 1],
      ]);
      // 4 + 1, 3, 1, 1, 2, 1 (the count-0 tile's status beat), 1
      expect(res.beats).toBe(14);
      expect(res.pixels).toBe(10);
    }, 600_000);
  }
});

// Builds without the DCT (FORMAT.md 2.4): a no-DCT decoder rejects a DCT build's tag and a DCT block in
// its own tiles; a DCT decoder reads no-DCT tiles and rejects a DCT block in them. Each bad tile is closed
// by its status beat after the pixels before the error, and the next tile decodes.
describe.concurrent('dctcm_decoder and builds without the DCT', () => {
  const noDct = derive(NO_DCT[1]);
  const withDct = derive({ ...NO_DCT[1], dct: true });
  const { channels: C, dataWidth: W, signed } = noDct.cfg;
  /** A DCT build's tile under the dct policy, 2 zero pixels (ZERO blocks) first, retagged with `tag`. */
  const dctTile = (rng: Rng, tag?: number): Uint32Array => {
    const px = new Int32Array(5 * C);
    px.set(genPixels(rng, 'dense', 3, C, W, signed), 2 * C);
    const u = encodeTile(withDct, { policy: 'dct', quantShift: 1 }, px, 5).units;
    if (tag !== undefined) {
      u[0] = ((u[0] & 0xffff) | (tag << 16)) >>> 0;
      reseal(withDct, u);
    }
    return u;
  };
  const good = (d: Derived, rng: Rng, n: number) => encodeTile(d, { policy: 'auto', quantShift: 1 }, genPixels(rng, 'sparse', n, C, W, signed), n).units;
  // Icarus only: Verilator runs the no-DCT sweep rows above, and these streams add no new logic path.
  for (const sim of ['icarus'] as Simulator[]) {
    it(`${sim} ${label(NO_DCT[1])} decoder: a DCT build's tile (BAD_TAG), a DCT block in a no-DCT tile (NO_DCT), recovery`, async () => {
      const rng = new Rng(47);
      const tiles = [good(noDct, rng, 3), dctTile(rng), good(noDct, rng, 2), dctTile(rng, noDct.tag), good(noDct, rng, 4)].map((units) => ({ units }));
      const res = await runDecoderStream(noDct, tiles, sim, { workDir: join(WORK, `nodct-${sim}`), seed: 6, gapPct: 25, stallPct: 30 });
      expect(res.ok, res.message).toBe(true);
      expect(res.verdicts.map((v) => [v.errorCode, v.count])).toEqual([
        [0, 3],
        [ERR.BAD_TAG, 0],
        [0, 2],
        [ERR.NO_DCT, 0], // mode plane 3 of record 2 is in slot 10, before the first top level (slot 29)
        [0, 4],
      ]);
    }, 600_000);
    it(`${sim} ${label(withDct.cfg)} decoder: reads a no-DCT build's tiles, NO_DCT for a DCT block in one`, async () => {
      const rng = new Rng(53);
      const tiles = [good(noDct, rng, 3), dctTile(rng, withDct.noDctTag), dctTile(rng), good(withDct, rng, 2), good(noDct, rng, 1)].map((units) => ({ units }));
      const res = await runDecoderStream(withDct, tiles, sim, { workDir: join(WORK, `dct-reads-nodct-${sim}`), seed: 7, gapPct: 25, stallPct: 30 });
      expect(res.ok, res.message).toBe(true);
      expect(res.verdicts.map((v) => [v.errorCode, v.count])).toEqual([
        [0, 3],
        [ERR.NO_DCT, 0], // mode plane 3 of record 2 is in slot 10, before the first top level (slot 29)
        [0, 5],
        [0, 2],
        [0, 1],
      ]);
    }, 600_000);
  }
});

describe.concurrent('the decoder bench can fail', () => {
  const d = derive(CONFIGS[0]);
  const stream = (): StreamTile[] => {
    const rng = new Rng(43);
    const px = genPixels(rng, 'sparse', 6, d.cfg.channels, d.cfg.dataWidth, d.cfg.signed);
    const bad = encodeTile(d, SETTINGS[1], px, 6).units;
    bad[0] ^= 0x100; // version: a status beat at beat 6
    return [{ units: encodeTile(d, SETTINGS[1], px, 6).units }, { units: bad }, { units: encodeTile(d, SETTINGS[0], px, 3).units }];
  };
  it('a wrong expected pixel is reported at its beat index', async () => {
    const r = await runDecoderStream(d, stream(), 'icarus', { workDir: join(WORK, 'neg-pixel'), seed: 2, gapPct: 20, stallPct: 20, corruptBeat: 4 });
    expect(r.ok).toBe(false);
    expect(r.mismatchBeat).toBe(4);
    expect(r.message).toMatch(/^MISMATCH beat=4 got=[0-9a-f]+ exp=[0-9a-f]+$/m);
    expect(r.message).toMatch(/beat 4 is beat 4 of tile 0/);
  }, 300_000);
  it('a wrong expected status code is reported at its beat index', async () => {
    const bit = beatBits(d) - 1 - STATUS_CODE_BITS; // lowest code bit, above tlast and the pixel
    const r = await runDecoderStream(d, stream(), 'icarus', { workDir: join(WORK, 'neg-status'), seed: 2, gapPct: 0, stallPct: 0, corruptBeat: 6, corruptBit: bit });
    expect(r.ok).toBe(false);
    expect(r.mismatchBeat).toBe(6);
    expect(r.message).toMatch(/beat 6 is beat 0 of tile 1 \(golden: code 2 after 0 pixels/);
  }, 300_000);
  it('a wrong expected tlast is reported', async () => {
    const bit = beatBits(d) - 1 - (STATUS_CODE_BITS + 1); // tlast
    const r = await runDecoderStream(d, stream(), 'icarus', { workDir: join(WORK, 'neg-tlast'), seed: 2, gapPct: 0, stallPct: 0, corruptBeat: 5, corruptBit: bit });
    expect(r.ok).toBe(false);
    expect(r.mismatchBeat).toBe(5);
  }, 300_000);
  it('a wrong sticky summary fails the run', async () => {
    const r = await runDecoderStream(d, stream(), 'icarus', { workDir: join(WORK, 'neg-summary'), seed: 2, gapPct: 0, stallPct: 0, expectCode: ERR.BAD_MAGIC });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^FAIL error summary: error=1 error_code=2, expected code 1/m);
  }, 300_000);
});

describe.concurrent('dctcm_decoder on a real tensor', () => {
  const file = join(activationsDir('resnet50v2'), 'img0_n01440764', 'stage1_conv3.npy');
  for (const sim of sims) {
    it(`${sim}: resnet50v2 stage1_conv3 rows 0-7 as one tile, lossless and auto shift 2; cycles per pixel`, async () => {
      const t = parseNpy(new Uint8Array(readFileSync(file)), file);
      const [C, H, Wd] = t.shape;
      expect(C).toBe(64);
      const d = derive(CONFIGS[2]);
      const all = toPixels(t);
      const npix = 8 * Wd;
      expect(npix).toBeLessThanOrEqual(H * Wd);
      const pixels = all.subarray(0, npix * C);
      const tiles = [
        ...encodeTiles(d, { policy: 'lossless', quantShift: 0 }, pixels, npix, npix),
        ...encodeTiles(d, { policy: 'auto', quantShift: 2 }, pixels, npix, npix),
      ];
      const res = await runDecoderStream(d, tiles, sim, { workDir: join(WORK, `real-${sim}`), seed: 5, gapPct: 0, stallPct: 0 });
      expect(res.message, res.output.slice(-2000)).toMatch(/^PASS/);
      expect(res.pixels).toBe(2 * npix);
      const cpp = res.cycles / res.pixels;
      console.log(`real tensor ${sim}: ${res.pixels} pixels in ${res.cycles} cycles = ${cpp.toFixed(3)} cycles/pixel (B = ${d.cfg.busWidth})`);
      // Records average well under B bits here; the overhead is each tile's 29-slot drain, header and turnaround.
      expect(cpp).toBeLessThan(1.1);
    }, 900_000);
  }
});

describe.concurrent('dctcm_decoder lint', () => {
  for (const c of [...CONFIGS, ...NO_DCT]) {
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
  it('without the DCT: no dctcm_idct, no DCT fields, and NO_DCT in its error table', () => {
    const a = buildDecoder(derive(NO_DCT[1]));
    expect(a.map((m) => m.name)).toEqual(['dctcm_dec_parse', 'dctcm_dec_recon', 'dctcm_decoder']);
    const top = a.find((m) => m.name === 'dctcm_decoder')!;
    expect(top.text).not.toMatch(/idct|TAG_NODCT|E_BAD_DCT_WIDTH/);
    expect(top.text).toContain(`localparam [SCW-1:0] E_NO_DCT = ${STATUS_CODE_BITS}'d${ERR.NO_DCT};`);
    expect(top.latency).toBe(3);
    const parse = a.find((m) => m.name === 'dctcm_dec_parse')!;
    expect(parse.ports.map((p) => p.name)).not.toContain('mask');
    expect(parse.ports.map((p) => p.name)).not.toContain('err_width');
  });
  it("takes its error codes and the status width from golden's STREAM_ERRORS", () => {
    // C64 B256 W8: the trailer word has bits above 31 and W - 1 < 15, so every code is raised
    const top = buildDecoder(derive(CONFIGS[2])).find((m) => m.name === 'dctcm_decoder')!;
    expect(STATUS_CODE_BITS).toBe(4);
    expect(top.text).toContain(`output wire [${STATUS_CODE_BITS}:0] m_axis_tuser`);
    expect(top.text).toContain(`output wire [${STATUS_CODE_BITS - 1}:0] error_code`);
    for (const e of DEC_ERRORS) expect(top.text).toContain(`localparam [SCW-1:0] E_${e.name} = ${STATUS_CODE_BITS}'d${e.code};`);
    expect(DEC_ERRORS.map((e) => e.code)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });
});
