// dctcm_encoder against golden encodeTile (format v2): lint, co-simulation on Icarus and Verilator
// (random tvalid gaps, random tready backpressure, several tiles with different policies and lengths from
// cfg_tile_pixels), the s_axis_tlast check, a real tensor slice with the measured cycles per pixel, over the
// shared matrix of sim/sweep.ts (synthesis: test/synth/encoder-synth.test.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecConfig, Derived, Policy, TileSettings, defaultBusWidth, derive } from '../../golden/params.js';
import { DRAIN_SLOTS, LEVEL_OFFSETS, TILE_HEADER_BITS, TOP_LEVEL } from '../../golden/params.js';
import { effectiveShift, newPlan, planPixel, updateContext } from '../../golden/tile.js';
import { recordLevels } from '../../sim/v2-ref.js';
import { parseNpy } from '../../tools/npy.js';
import { buildEncoder } from '../../generator/builders/encoder.js';
import { ROOT } from '../../generator/render.js';
import { lint } from '../../sim/run.js';
import { SWEEP, SWEEP_NO_DCT, sweepLabel } from '../../sim/sweep.js';
import { activationsDir } from '../../sim/paths.js';
import { cosimEncoder, cosimEncoderTiles } from '../../sim/encoder-cosim.js';
import { EncoderTile } from '../../sim/encoder-vectors.js';
import { Rng } from '../../sim/rng.js';

const WORK = resolve(ROOT, 'tmp', 'encoder-rtl');

function cfg(channels: number, dctSize: number, dataWidth: number, signed: boolean): CodecConfig {
  return { channels, dctSize, dataWidth, signed, busWidth: defaultBusWidth(channels, dataWidth), dctPrecision: 12 };
}

type Kind = 'sparse' | 'dense' | 'zero' | 'max' | 'min' | 'small' | 'ties';

function pixels(d: Derived, npix: number, kind: Kind, rand: () => number): Int32Array {
  const px = new Int32Array(npix * d.cfg.channels);
  const span = d.maxPos - d.minVal + 1;
  for (let i = 0; i < px.length; i++) {
    const r = rand() % 100;
    let v: number;
    if (kind === 'zero') v = 0;
    else if (kind === 'max') v = d.maxPos;
    else if (kind === 'min') v = d.minVal;
    else if (kind === 'small') v = r < 30 ? 0 : (rand() % 7) - (d.cfg.signed ? 3 : 0);
    else if (kind === 'sparse') v = r < 70 ? 0 : r < 85 ? rand() % 8 : d.minVal + (rand() % span);
    else if (kind === 'ties') {
      // at shift 1 and 2, ties between two bit lengths ((2^j - 1) * 2^s + 2^(s-1)), which the context
      // decides (FORMAT.md 6.1), and other ties, which the parity decides
      const s = 1 + (rand() % 2);
      const f = r < 60 ? 2 ** (rand() % (d.cfg.dataWidth - s - 1)) - 1 : rand() % 2 ** (d.cfg.dataWidth - s - 1);
      v = f * 2 ** s + 2 ** (s - 1);
      if (d.cfg.signed && rand() % 2) v = -v;
    }
    else v = d.minVal + (rand() % span);
    if (d.cfg.signed && kind === 'sparse' && r >= 70 && r < 85 && rand() % 2) v = -v;
    px[i] = v;
  }
  return px;
}

/** Several tiles covering every policy, the shifts 1 and 2 of auto, and extreme pixel contents (ties included). */
function tileMix(d: Derived, n: number, seed: number): EncoderTile[] {
  const gen = new Rng(seed);
  const rand = () => gen.u32();
  const plan: [Policy, number, Kind, number][] = [
    ['lossless', 0, 'dense', n],
    ['auto', 1, 'sparse', n],
    ['auto', 2, 'dense', n],
    ['dct', 1, 'sparse', n],
    ['lossless', 0, 'sparse', n],
    ['auto', 1, 'zero', 3],
    ['lossless', 0, 'max', 3],
    ['dct', 2, 'dense', n],
    ['auto', 2, 'small', n],
    ['lossless', 0, 'min', 2],
    ['dct', 0, 'small', 1],
    ['auto', Math.min(15, d.cfg.dataWidth - 1), 'dense', 4],
    ['auto', 1, 'max', 2], // the top value's tie, limited to the decoder's largest index
    ['auto', 1, 'ties', n],
    ['auto', 2, 'ties', n],
  ];
  // without the DCT the dct tiles are coded auto (at the same shift): the same contents, a valid policy
  const noDct = d.cfg.dct === false;
  return plan.map(([policy, quantShift, kind, npix]) => ({
    settings: { policy: noDct && policy === 'dct' ? 'auto' : policy, quantShift },
    pixels: pixels(d, npix, kind, rand),
    npix,
  }));
}

interface Case {
  label: string;
  c: CodecConfig;
  n: number; // pixels per tile for the long tiles
}

// The shared matrix (sim/sweep.ts), with the no-DCT rows; Yosys synthesis of the same rows is in test/synth/encoder-synth.test.ts.
const CASES: Case[] = [...SWEEP, ...SWEEP_NO_DCT].map((c) => ({ label: sweepLabel(c), c, n: c.channels <= 8 ? 24 : c.channels <= 16 ? 16 : c.channels <= 64 ? 6 : 3 }));

function writeRtl(d: Derived, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return buildEncoder(d).map((m) => {
    const f = join(dir, `${m.name}.v`);
    writeFileSync(f, m.text);
    return f;
  });
}

/** Cycles the throughput contract allows for one tile: max(1, ceil(slot bits / B)) per slot, drain slots included. */
function slotCycles(d: Derived, settings: TileSettings, px: Int32Array, npix: number): number {
  const ctx = new Uint8Array(d.cfg.channels);
  const plan = newPlan(d);
  const slots = new Array<number>(npix + LEVEL_OFFSETS[TOP_LEVEL]).fill(0);
  for (let p = 0; p < npix; p++) {
    planPixel(d, settings, ctx, px, p * d.cfg.channels, p, plan);
    const lv = recordLevels(d, plan);
    LEVEL_OFFSETS.forEach((o, k) => (slots[p + o] += lv.len[k]));
    updateContext(d, effectiveShift(settings), plan, ctx);
  }
  slots[0] += TILE_HEADER_BITS;
  return slots.reduce((a, b) => a + Math.max(1, Math.ceil(b / d.cfg.busWidth)), 0);
}

describe('dctcm_encoder RTL', () => {
  for (const k of CASES) {
    describe(k.label, () => {
      const d = derive(k.c);
      const tag = k.label.replace(/ /g, '_');

      it('lints clean (verilator -Wall)', async () => {
        const files = writeRtl(d, join(WORK, tag, 'lint'));
        const r = await lint(files, 'dctcm_encoder');
        expect(r.ok, r.output).toBe(true);
      });

      it.concurrent('matches encodeTile on icarus, no gaps or backpressure', async () => {
        const r = await cosimEncoderTiles(d, tileMix(d, k.n, 11), 'icarus', { workDir: join(WORK, tag, 'ic0'), seed: 1, gapPct: 0, stallPct: 0 });
        expect(r.ok, r.message).toBe(true);
        console.log(`${k.label} icarus   gaps 0/0:   ${r.message}`);
      });

      it.concurrent('matches encodeTile on icarus with gaps and backpressure', async () => {
        const r = await cosimEncoderTiles(d, tileMix(d, k.n, 12), 'icarus', { workDir: join(WORK, tag, 'ic1'), seed: 5, gapPct: 30, stallPct: 40 });
        expect(r.ok, r.message).toBe(true);
        console.log(`${k.label} icarus   gaps 30/40: ${r.message}`);
      });

      it.concurrent('matches encodeTile on verilator with gaps and backpressure', async () => {
        const r = await cosimEncoderTiles(d, tileMix(d, k.n, 13), 'verilator', { workDir: join(WORK, tag, 've'), seed: 9, gapPct: 20, stallPct: 50 });
        expect(r.ok, r.message).toBe(true);
        console.log(`${k.label} verilator gaps 20/50: ${r.message}`);
      });
    });
  }

  describe('the bench can fail', () => {
    const d = derive(cfg(8, 4, 4, false));
    it.concurrent('a corrupted expected beat is reported at its index', async () => {
      const r = await cosimEncoderTiles(d, tileMix(d, 8, 21), 'icarus', { workDir: join(WORK, 'neg', 'corrupt'), seed: 2, gapPct: 20, stallPct: 20, corruptBeat: 5 });
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/^MISMATCH beat=5 got=/m);
    });
    it.concurrent('a beat beyond the expected ones fails', async () => {
      const r = await cosimEncoderTiles(d, tileMix(d, 8, 22), 'icarus', { workDir: join(WORK, 'neg', 'extra'), seed: 2, gapPct: 0, stallPct: 0, dropBeats: 1 });
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/^FAIL extra beat/m);
    });
  });

  describe('s_axis_tlast is a check; the tile length is cfg_tile_pixels', () => {
    const d = derive(cfg(8, 4, 4, false));
    // tiles of 5 pixels driven with tlast early (pixel 2), missing (on pixel 4) and on a good tile only
    const tiles = (bad: (number | undefined)[]): EncoderTile[] => {
      const gen = new Rng(31);
      return bad.map((badTlast, i) => ({ settings: i % 2 ? { policy: 'auto', quantShift: 1 } : { policy: 'lossless', quantShift: 0 }, pixels: pixels(d, 5, 'sparse', () => gen.u32()), npix: 5, badTlast }));
    };
    for (const [label, bad] of [
      ['tlast early: error set, every tile still n pixels', [undefined, 2, undefined]],
      ['tlast missing on the n-th pixel: error set, the tile still ends there', [undefined, undefined, 4]],
    ] as [string, (number | undefined)[]][]) {
      it.concurrent(label, async () => {
        const r = await cosimEncoderTiles(d, tiles(bad), 'icarus', { workDir: join(WORK, 'tlast', label.slice(0, 12).replace(/ /g, '_')), seed: 4, gapPct: 20, stallPct: 30 });
        expect(r.ok, r.message).toBe(true);
      });
    }
    it.concurrent('the bench sees the flag: a wrong tlast with error expected low fails', async () => {
      const r = await cosimEncoderTiles(d, tiles([undefined, 2]), 'icarus', { workDir: join(WORK, 'tlast', 'neg'), seed: 4, gapPct: 0, stallPct: 0, expectNoError: true });
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/^FAIL error output 1, expected 0/m);
    });
    it.concurrent('cfg_tile_pixels = 0 codes a tile of one pixel and sets error', async () => {
      const gen = new Rng(32);
      const t: EncoderTile[] = [
        { settings: { policy: 'lossless', quantShift: 0 }, pixels: pixels(d, 3, 'dense', () => gen.u32()), npix: 3 },
        { settings: { policy: 'auto', quantShift: 1 }, pixels: pixels(d, 1, 'dense', () => gen.u32()), npix: 1, portCount: 0 },
        { settings: { policy: 'auto', quantShift: 2 }, pixels: pixels(d, 4, 'sparse', () => gen.u32()), npix: 4 },
      ];
      const r = await cosimEncoderTiles(d, t, 'verilator', { workDir: join(WORK, 'tlast', 'zero'), seed: 6, gapPct: 10, stallPct: 10 });
      expect(r.ok, r.message).toBe(true);
    });
  });

  describe('the bench can fail (watchdog)', () => {
    const d = derive(cfg(8, 4, 4, false));
    it.concurrent('a run that ends before every expected beat arrived fails', async () => {
      const r = await cosimEncoderTiles(d, tileMix(d, 4, 23), 'icarus', { workDir: join(WORK, 'neg', 'short'), seed: 2, gapPct: 10, stallPct: 10, extraBeat: true });
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/^FAIL watchdog/m);
    });
  });

  describe('real tensor (ResNet-50 v2 stage1_conv5, 64 channels, 8-bit)', () => {
    const file = join(activationsDir('resnet50v2'), 'img0_n01440764', 'stage1_conv5.npy');
    const d = derive(cfg(64, 8, 8, false));
    // pixel-major slice: rows 20.. of the 56 x 56 map, channel vectors of 64 values
    function slice(npix: number): Int32Array {
      const t = parseNpy(new Uint8Array(readFileSync(file)), file);
      const [C, H, Wd] = t.shape;
      const px = new Int32Array(npix * C);
      for (let p = 0; p < npix; p++) {
        const pos = 20 * Wd + p;
        for (let c = 0; c < C; c++) px[p * C + c] = t.data[c * H * Wd + pos];
      }
      return px;
    }

    it('the tensor file exists', () => {
      expect(existsSync(file), file).toBe(true);
    });

    it.concurrent('matches encodeTile on icarus (auto, shift 1, backpressure) and verilator (lossless)', async () => {
      const px = slice(112);
      const a = await cosimEncoder(d, { policy: 'auto', quantShift: 1 }, px, 112, 56, 'icarus', { workDir: join(WORK, 'real', 'ic'), seed: 3, gapPct: 15, stallPct: 25 });
      expect(a.ok, a.message).toBe(true);
      const b = await cosimEncoder(d, { policy: 'lossless', quantShift: 0 }, px, 112, 112, 'verilator', { workDir: join(WORK, 'real', 've'), seed: 4, gapPct: 10, stallPct: 10 });
      expect(b.ok, b.message).toBe(true);
    });

    it.concurrent('cycles per pixel without backpressure', async () => {
      const npix = 224;
      const px = slice(npix);
      for (const [policy, quantShift] of [['lossless', 0], ['auto', 1], ['auto', 2], ['dct', 1]] as [Policy, number][]) {
        const r = await cosimEncoder(d, { policy, quantShift }, px, npix, npix, 'icarus', { workDir: join(WORK, 'real', `cpp_${policy}${quantShift}`), seed: 1, gapPct: 0, stallPct: 0 });
        expect(r.ok, r.message).toBe(true);
        const cpp = r.cycles / r.pixels;
        console.log(`real tensor ${policy} s=${quantShift}: ${r.message} -> ${cpp.toFixed(3)} cycles/pixel, ${(r.beats / r.pixels).toFixed(3)} beats/pixel`);
        // one slot per cycle, ceil(bits / B) cycles for a slot (the header with the first) longer than the
        // bus, the drain slots, the trailer beat, plus the pipeline fill (the latency the manifest states)
        // and, once after reset, the packer's flush of its delay lines (DRAIN_SLOTS cycles, overlapping the fill)
        const fill = buildEncoder(d).find((m) => m.name === 'dctcm_encoder')!.latency!;
        const bound = slotCycles(d, { policy, quantShift }, px, npix) + 1 + fill + DRAIN_SLOTS;
        console.log(`  bound from the golden slot lengths: ${bound} cycles`);
        expect(r.cycles).toBeLessThanOrEqual(bound);
      }
    });
  });
});
