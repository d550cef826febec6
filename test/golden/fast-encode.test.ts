// The fast encoder (golden/fast-encode.ts) against the specification: encodeTile, which runs the stage
// functions planPixel, writePixel and updateContext pixel by pixel. Every case compares the tile words
// (every bit), the word count, the mode counts and the reconstruction, on seeded random tiles of every
// configuration class (N 4/8/16/32 x W 4..16 x signed/unsigned x every pattern of test/helpers/random.ts
// x lossless/auto/dct at several shifts, with random bus widths, precisions and tile lengths), on whole
// tensors through encodeTensor (transposition, many tiles, reconstruction) and on real activations.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { breathe } from '../helpers/breathe.js';
import { encodeTensorFast, encodeTilePixels } from '../../golden/fast-encode.js';
import { CodecConfig, DCT_SIZES, MODE_CTX, MODE_DCT, MODE_NAMES, MODE_RAW, MODE_ZERO, Policy, TileSettings, defaultBusWidth, derive } from '../../golden/params.js';
import { EncodedTile, encodeTile } from '../../golden/tile.js';
import { EncodeResult, defaultEncoder, encodeTensor } from '../../tools/container.js';
import { NpyDtype, Tensor, parseNpy } from '../../tools/npy.js';
import { activationsDir } from '../../sim/paths.js';
import { Rng } from '../../sim/rng.js';
import { genPixels, genTensorData, patternsFor } from '../helpers/random.js';

/** The first difference between two encodings of a tile, or null when they are identical. */
function tileDiff(a: EncodedTile, b: EncodedTile): string | null {
  if (a.words !== b.words || a.units.length !== b.units.length) return `words ${a.words} vs ${b.words} (${a.units.length} vs ${b.units.length} units)`;
  for (let i = 0; i < a.units.length; i++) {
    if (a.units[i] !== b.units[i]) {
      const x = (a.units[i] ^ b.units[i]) >>> 0;
      return `unit ${i} (first differing bit ${i * 32 + 31 - Math.clz32(x & -x)}): ${a.units[i].toString(16)} vs ${b.units[i].toString(16)}`;
    }
  }
  if (a.modeCounts.join() !== b.modeCounts.join()) return `mode counts ${a.modeCounts} vs ${b.modeCounts}`;
  if (a.recon.length !== b.recon.length) return `recon length ${a.recon.length} vs ${b.recon.length}`;
  for (let i = 0; i < a.recon.length; i++) if (a.recon[i] !== b.recon[i]) return `recon[${i}] ${a.recon[i]} vs ${b.recon[i]}`;
  return null;
}

/** The first difference between two encodings of a tensor, or null. */
function tensorDiff(a: EncodeResult, b: EncodeResult): string | null {
  if (a.bytes.length !== b.bytes.length) return `file of ${a.bytes.length} vs ${b.bytes.length} bytes`;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return `file byte ${i}: ${a.bytes[i]} vs ${b.bytes[i]}`;
  if (a.tiles !== b.tiles) return `tiles ${a.tiles} vs ${b.tiles}`;
  if (a.modeCounts.join() !== b.modeCounts.join()) return `mode counts ${a.modeCounts} vs ${b.modeCounts}`;
  for (let i = 0; i < a.recon.length; i++) if (a.recon[i] !== b.recon[i]) return `recon[${i}] ${a.recon[i]} vs ${b.recon[i]}`;
  return a.recon.length === b.recon.length ? null : 'recon lengths differ';
}

/** Lossless, then auto and dct at shifts spread over 1 .. min(15, W - 1) (dct also at 0). */
function settingsFor(rng: Rng, W: number): TileSettings[] {
  const top = Math.min(15, W - 1);
  const out: TileSettings[] = [{ policy: 'lossless', quantShift: 0 }];
  for (const s of new Set([1, top, rng.int(1, top)])) out.push({ policy: 'auto', quantShift: s });
  for (const s of new Set([0, rng.int(1, top)])) out.push({ policy: 'dct', quantShift: s });
  return out;
}

function dtypeFor(W: number, signed: boolean): NpyDtype {
  return W <= 8 ? (signed ? '|i1' : '|u1') : signed ? '<i2' : '<u2';
}

describe('the comparison can fail', () => {
  it('a one-bit difference in the words, a mode count or one reconstructed value is reported', () => {
    const d = derive({ channels: 8, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 });
    const px = genPixels(new Rng(1), 'sparse', 5, 8, 8, false);
    const a = encodeTile(d, { policy: 'auto', quantShift: 1 }, px, 5);
    expect(tileDiff(a, { ...a, units: a.units.slice() })).toBeNull();
    const flipped = a.units.slice();
    flipped[1] ^= 1 << 7;
    expect(tileDiff(a, { ...a, units: flipped })).toMatch(/^unit 1 \(first differing bit 39\)/);
    expect(tileDiff(a, { ...a, modeCounts: [...a.modeCounts.slice(0, 3), a.modeCounts[3] + 1] })).toMatch(/^mode counts/);
    const recon = a.recon.slice();
    recon[17]++;
    expect(tileDiff(a, { ...a, recon })).toBe(`recon[17] ${a.recon[17]} vs ${recon[17]}`);
  });
});

describe('encodeTilePixels equals encodeTile (the stage functions)', () => {
  for (const N of DCT_SIZES) {
    for (const signed of [false, true]) {
      it(`N=${N} ${signed ? 'signed' : 'unsigned'}, W 4..16, every pattern and policy`, async () => {
        const rng = new Rng(0xfa57 + N * 2 + +signed);
        let cases = 0;
        const modes = [0, 0, 0, 0];
        for (let W = 4; W <= 16; W++) {
          await breathe();
          for (const pattern of patternsFor(signed)) {
            const C = N * rng.int(1, Math.max(1, Math.floor(96 / N)));
            const cfg: CodecConfig = {
              channels: C,
              dctSize: N,
              dataWidth: W,
              signed,
              busWidth: rng.pick([32, 64, 96, 256, defaultBusWidth(C, W)]),
              dctPrecision: rng.pick([8, 11, 12, 16]),
            };
            const d = derive(cfg);
            const npix = rng.pick([1, 2, 7, 13]);
            const px = genPixels(rng, pattern, npix + 3, C, W, signed);
            const base = rng.int(0, 3) * C; // a tile that starts inside a larger array
            for (const st of settingsFor(rng, W)) {
              const ref = encodeTile(d, st, px, npix, base);
              const fast = encodeTilePixels(d, st, px, npix, base);
              const diff = tileDiff(ref, fast);
              expect(diff, `C=${C} N=${N} W=${W} ${signed ? 's' : 'u'} B=${cfg.busWidth} P=${cfg.dctPrecision} ${pattern} ${npix} px ${st.policy} s=${st.quantShift}`).toBeNull();
              ref.modeCounts.forEach((m, i) => (modes[i] += m));
              cases++;
            }
          }
        }
        expect(cases).toBeGreaterThan(13 * patternsFor(signed).length * 3);
        // every mode was produced (and compared) somewhere in this class
        MODE_NAMES.forEach((name, i) => expect(modes[i], `${name} blocks`).toBeGreaterThan(0));
      });
    }
  }

  it('a pixel whose record has more than 32 bits in every section (C = 512: long rank planes, many units of payload)', () => {
    const rng = new Rng(77);
    const cfg: CodecConfig = { channels: 512, dctSize: 8, dataWidth: 8, signed: false, busWidth: 256, dctPrecision: 12 };
    const d = derive(cfg);
    for (const pattern of ['dense', 'sparse', 'smooth'] as const) {
      const px = genPixels(rng, pattern, 9, 512, 8, false);
      for (const st of settingsFor(rng, 8)) expect(tileDiff(encodeTile(d, st, px, 9), encodeTilePixels(d, st, px, 9)), `${pattern} ${st.policy} ${st.quantShift}`).toBeNull();
    }
  });

  it('dct policy, W <= 8: a block whose indices are all 0 but whose values are not is DCT, and one of zeros is ZERO', () => {
    // The pair table has no value-is-zero bit: for W <= 8 the fast encoder looks at the values of a
    // block whose indices are all 0. Values 1 at s = 2 quantize to 0; signed, -1 and 1 do too.
    for (const signed of [false, true]) {
      const cfg: CodecConfig = { channels: 16, dctSize: 8, dataWidth: 8, signed, busWidth: 32, dctPrecision: 12 };
      const d = derive(cfg);
      const npix = 4;
      const px = new Int32Array(npix * 16); // block 0 of every pixel: zeros; block 1: small values
      for (let p = 0; p < npix; p++) for (let c = 8; c < 16; c++) px[p * 16 + c] = signed && (p + c) % 3 === 0 ? -1 : (p + c) % 2;
      const st: TileSettings = { policy: 'dct', quantShift: 2 };
      const ref = encodeTile(d, st, px, npix);
      expect(ref.modeCounts[MODE_ZERO], 'zero blocks').toBe(npix);
      expect(ref.modeCounts[MODE_DCT], 'DCT blocks').toBe(npix);
      expect(tileDiff(ref, encodeTilePixels(d, st, px, npix))).toBeNull();
    }
  });

  it('the same encoder object serves configurations and policies one after another (no state leaks between calls)', () => {
    const rng = new Rng(5);
    const cfgs: CodecConfig[] = [
      { channels: 16, dctSize: 8, dataWidth: 8, signed: false, busWidth: 32, dctPrecision: 12 },
      { channels: 64, dctSize: 4, dataWidth: 12, signed: true, busWidth: 64, dctPrecision: 12 },
    ];
    for (let k = 0; k < 40; k++) {
      const cfg = rng.pick(cfgs);
      const d = derive(cfg);
      const px = genPixels(rng, rng.pick(patternsFor(cfg.signed)), 6, cfg.channels, cfg.dataWidth, cfg.signed);
      const st = rng.pick(settingsFor(rng, cfg.dataWidth));
      expect(tileDiff(encodeTile(d, st, px, 6), encodeTilePixels(d, st, px, 6)), `${k}`).toBeNull();
    }
  });
});

describe('builds without the DCT (dct: false): encodeTilePixels and encodeTensor equal the reference', () => {
  for (const N of DCT_SIZES) {
    it(`N=${N}, signed and unsigned, W 4..16, every pattern, lossless and auto`, async () => {
      const rng = new Rng(0xd0c7 + N);
      const modes = [0, 0, 0, 0];
      for (const signed of [false, true]) {
        for (let W = 4; W <= 16; W += rng.int(1, 3)) {
          await breathe();
          for (const pattern of patternsFor(signed)) {
            const C = N * rng.int(1, Math.max(1, Math.floor(64 / N)));
            const cfg: CodecConfig = { channels: C, dctSize: N, dataWidth: W, signed, busWidth: rng.pick([32, 96, defaultBusWidth(C, W)]), dctPrecision: rng.pick([8, 12, 16]), dct: false };
            const d = derive(cfg);
            const npix = rng.pick([1, 7, 13]);
            const px = genPixels(rng, pattern, npix, C, W, signed);
            for (const st of settingsFor(rng, W).filter((x) => x.policy !== 'dct')) {
              const ref = encodeTile(d, st, px, npix);
              const diff = tileDiff(ref, encodeTilePixels(d, st, px, npix));
              expect(diff, `C=${C} N=${N} W=${W} ${signed ? 's' : 'u'} ${pattern} ${st.policy} s=${st.quantShift}`).toBeNull();
              ref.modeCounts.forEach((m, i) => (modes[i] += m));
            }
          }
          const C = N * rng.int(1, 3);
          const [H, Wd] = [rng.int(1, 5), rng.int(1, 7)];
          const cfg: CodecConfig = { channels: C, dctSize: N, dataWidth: W, signed, busWidth: 64, dctPrecision: 12, dct: false };
          const t: Tensor = { dtype: dtypeFor(W, signed), shape: [C, H, Wd], data: genTensorData(rng, rng.pick(patternsFor(signed)), C, H, Wd, W, signed) };
          const st: TileSettings = { policy: 'auto', quantShift: rng.int(1, Math.min(15, W - 1)) };
          for (const tp of [1, Wd, H * Wd]) {
            expect(tensorDiff(encodeTensor(t, cfg, st, tp, undefined, 'reference'), encodeTensor(t, cfg, st, tp, undefined, 'fast'))).toBeNull();
          }
        }
      }
      expect(modes[MODE_DCT]).toBe(0);
      for (const m of [MODE_ZERO, MODE_CTX, MODE_RAW]) expect(modes[m], MODE_NAMES[m]).toBeGreaterThan(0);
    });
  }
});

describe('encodeTensor: fast and reference encoders give the same file', () => {
  it('random tensors of every width and DCT size, several tile lengths', async () => {
    const rng = new Rng(0x7e45);
    for (const N of DCT_SIZES) {
      for (let W = 4; W <= 16; W += rng.int(1, 3)) {
        await breathe();
        for (const signed of [false, true]) {
          const C = N * rng.int(1, 3);
          const [H, Wd] = [rng.int(1, 6), rng.int(1, 9)];
          const cfg: CodecConfig = { channels: C, dctSize: N, dataWidth: W, signed, busWidth: rng.pick([32, 64, 128]), dctPrecision: rng.pick([8, 12, 16]) };
          const t: Tensor = { dtype: dtypeFor(W, signed), shape: [C, H, Wd], data: genTensorData(rng, rng.pick(patternsFor(signed)), C, H, Wd, W, signed) };
          for (const st of settingsFor(rng, W)) {
            for (const tp of [1, Wd, rng.int(2, 20), H * Wd]) {
              const diff = tensorDiff(encodeTensor(t, cfg, st, tp, undefined, 'reference'), encodeTensor(t, cfg, st, tp, undefined, 'fast'));
              expect(diff, `C=${C} N=${N} W=${W} ${signed ? 's' : 'u'} ${H}x${Wd} tiles of ${tp} ${st.policy} s=${st.quantShift}`).toBeNull();
            }
          }
        }
      }
    }
  });

  it('the same tile progress and the same error for a value out of range', () => {
    const cfg: CodecConfig = { channels: 8, dctSize: 8, dataWidth: 4, signed: false, busWidth: 32, dctPrecision: 12 };
    const t: Tensor = { dtype: '|u1', shape: [8, 3, 3], data: genTensorData(new Rng(3), 'dense', 8, 3, 3, 4, false) };
    const ticks = (enc: 'fast' | 'reference') => {
      const out: string[] = [];
      encodeTensor(t, cfg, { policy: 'lossless', quantShift: 0 }, 4, (a, b) => out.push(`${a}/${b}`), enc);
      return out;
    };
    expect(ticks('fast')).toEqual(ticks('reference'));
    const bad = { ...t, data: t.data.slice() };
    bad.data[40] = 16;
    const message = (enc: 'fast' | 'reference') => {
      try {
        encodeTensor(bad, cfg, { policy: 'lossless', quantShift: 0 }, 4, undefined, enc);
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(message('fast')).toMatch(/^InputError: value 16 at \(c=4, h=1, w=1\)/);
    expect(message('fast')).toBe(message('reference'));
    // encodeTensorFast itself reports the range problem by returning null
    const d = derive(cfg);
    expect(encodeTensorFast(d, { policy: 'lossless', quantShift: 0 }, bad.data, 9, 4, new Int32Array(72))).toBeNull();
  });

  it('ties (FORMAT.md 6.1): every value a tie, tiles of odd and even length, both table paths (W 8 and 12)', () => {
    // Tensors made of ties only, half of them between two bit lengths (the context decides), so both
    // directions, the parity of pixel and channel within each tile, and the context's choice against
    // the parity (the fast encoder's fixes) are all exercised; the reference must show each of them.
    const rng = new Rng(0x7135);
    for (const [W, signed] of [[8, false], [8, true], [12, false], [12, true]] as const) {
      const C = 16;
      const [H, Wd] = [3, 7];
      const cfg: CodecConfig = { channels: C, dctSize: 8, dataWidth: W, signed, busWidth: 64, dctPrecision: 12 };
      const d = derive(cfg);
      for (const s of [1, 2, 3]) {
        const data = new Int32Array(C * H * Wd);
        for (let i = 0; i < data.length; i++) {
          const j = rng.int(0, W - s - 1);
          const f = rng.int(0, 1) === 0 ? 2 ** j - 1 : rng.int(0, 2 ** (W - s - (signed ? 1 : 0)) - 2); // f = 2^j - 1: a length tie
          const m = Math.min(f, 2 ** (W - s - (signed ? 1 : 0)) - 2) * 2 ** s + 2 ** (s - 1);
          data[i] = signed && rng.int(0, 1) === 1 ? -m : m;
        }
        const t: Tensor = { dtype: dtypeFor(W, signed), shape: [C, H, Wd], data };
        const st: TileSettings = { policy: 'auto', quantShift: s };
        let up = 0;
        let down = 0;
        for (const tp of [1, 2, 5, Wd, H * Wd]) {
          const ref = encodeTensor(t, cfg, st, tp, undefined, 'reference');
          const diff = tensorDiff(ref, encodeTensor(t, cfg, st, tp, undefined, 'fast'));
          expect(diff, `W=${W} ${signed ? 's' : 'u'} s=${s} tiles of ${tp}`).toBeNull();
          for (let i = 0; i < data.length; i++) {
            if (ref.recon[i] === 0 && data[i] !== 0) continue; // a ZERO block, or a tie down to 0
            if (Math.abs(ref.recon[i]) > Math.abs(data[i])) up++;
            else down++;
          }
        }
        expect(up, `W=${W} s=${s}: ties rounded up`).toBeGreaterThan(0);
        expect(down, `W=${W} s=${s}: ties rounded down`).toBeGreaterThan(0);
      }
      expect(d.tieUp.some((u) => u === 0) && d.tieUp.some((u) => u === 1), 'the context decides some ties both ways').toBe(true);
    }
  });

  it('DCTCM_ENCODER=reference selects the reference encoder; fast is the default', () => {
    const before = process.env.DCTCM_ENCODER;
    try {
      delete process.env.DCTCM_ENCODER;
      expect(defaultEncoder()).toBe('fast');
      process.env.DCTCM_ENCODER = 'reference';
      expect(defaultEncoder()).toBe('reference');
    } finally {
      if (before === undefined) delete process.env.DCTCM_ENCODER;
      else process.env.DCTCM_ENCODER = before;
    }
  });
});

describe('real activations (../shared/data): fast and reference encoders give the same file', () => {
  for (const model of ['resnet50v2', 'squeezenet11']) {
    it(`${model}: three tensors per image, every policy, tiles of one row and of the whole tensor`, async () => {
      const dir = activationsDir(model);
      const files = fs
        .readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.npy'))
        .sort();
      expect(files.length).toBeGreaterThan(10); // the data folder is required
      const images = [...new Set(files.map((f) => path.dirname(f)))];
      let compared = 0;
      for (const img of images) {
        const mine = files.filter((f) => path.dirname(f) === img);
        for (const f of [mine[0], mine[Math.floor(mine.length / 2)], mine[mine.length - 1]]) {
          await breathe();
          const t = parseNpy(new Uint8Array(fs.readFileSync(path.join(dir, f))), f);
          const [C, H, W] = t.shape;
          const cfg: CodecConfig = { channels: C, dctSize: 8, dataWidth: 8, signed: false, busWidth: defaultBusWidth(C, 8), dctPrecision: 12 };
          const runs: [Policy, number, number][] = [
            ['lossless', 0, W],
            ['lossless', 0, H * W],
            ['auto', 1, W],
            ['auto', 3, W],
            ['dct', 2, W],
          ];
          for (const [policy, quantShift, tp] of runs) {
            const st = { policy, quantShift };
            const diff = tensorDiff(encodeTensor(t, cfg, st, tp, undefined, 'reference'), encodeTensor(t, cfg, st, tp, undefined, 'fast'));
            expect(diff, `${f} ${policy} s=${quantShift} tiles of ${tp}`).toBeNull();
            compared++;
          }
        }
      }
      expect(compared).toBe(images.length * 3 * 5);
    }, 120_000);
  }
});
