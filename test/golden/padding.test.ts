// Serving a layer with fewer channels than the core's C: the integrator pads the missing channels with
// zeros (docs/RTL.md, "Layers with another channel count"). A zero in context 0 is rank 0 (FORMAT.md
// 5.3) and leaves context 0, so a whole block of padding is a ZERO block (2 bits per pixel) and a
// padding channel inside a CTX block costs 1 bit per pixel. Checked on a real ResNet-50 v2 tensor.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecConfig, MODE_CTX, MODE_ZERO, TileSettings, defaultBusWidth, derive } from '../../golden/params.js';
import { decodeTile, effectiveShift, encodeTile, newPlan, planPixel, updateContext } from '../../golden/tile.js';
import { parseNpy, toPixels } from '../../tools/npy.js';
import { activationsDir } from '../../sim/paths.js';

const cfg = (channels: number, dctSize = 8): CodecConfig => ({ channels, dctSize, dataWidth: 8, signed: false, busWidth: defaultBusWidth(64, 8), dctPrecision: 12 });

/** The first npix pixels of a real 64-channel tensor, pixel-major. */
function realPixels(npix: number): { px: Int32Array; C: number } {
  const file = join(activationsDir('resnet50v2'), 'img0_n01440764', 'stage1_conv3.npy');
  const t = parseNpy(new Uint8Array(readFileSync(file)), file);
  const all = toPixels(t);
  return { px: Int32Array.from(all.subarray(0, npix * t.shape[0])), C: t.shape[0] };
}

/** Channels 0..used-1 of every pixel, zero-padded (or cut) to C channels. */
function repack(px: Int32Array, from: number, used: number, C: number, npix: number): Int32Array {
  const out = new Int32Array(npix * C);
  for (let p = 0; p < npix; p++) for (let c = 0; c < used; c++) out[p * C + c] = px[p * from + c];
  return out;
}

function recordBits(c: CodecConfig, s: TileSettings, px: Int32Array, npix: number): { total: number; modes: Uint8Array[]; symBits: number[][] } {
  const d = derive(c);
  const ctx = new Uint8Array(c.channels);
  const plan = newPlan(d);
  let total = 0;
  const modes: Uint8Array[] = [];
  const symBits: number[][] = [];
  for (let p = 0; p < npix; p++) {
    planPixel(d, s, ctx, px, p * c.channels, p, plan);
    total += plan.bits;
    modes.push(plan.modes.slice());
    symBits.push(Array.from(plan.sym, (y) => d.symBits[y]));
    updateContext(d, effectiveShift(s), plan, ctx);
  }
  return { total, modes, symBits };
}

const SETTINGS: TileSettings[] = [
  { policy: 'lossless', quantShift: 0 },
  { policy: 'auto', quantShift: 1 },
  { policy: 'auto', quantShift: 2 },
  { policy: 'dct', quantShift: 1 },
];
const NPIX = 112; // two image rows of the 56 x 56 map

describe('layers with fewer channels than C, zero-padded', () => {
  const { px, C: full } = realPixels(NPIX);

  it.each(SETTINGS.map((s) => [`${s.policy} s=${s.quantShift}`, s] as const))(
    '56 channels on a C = 64 core (%s): decodes to the layer and its zeros, exactly 2 bits per pixel more than a C = 56 core',
    (_l, s) => {
      const layer = repack(px, full, 56, 56, NPIX);
      const padded = repack(px, full, 56, 64, NPIX);
      const d56 = derive(cfg(56));
      const d64 = derive(cfg(64));
      const t56 = encodeTile(d56, s, layer, NPIX);
      const t64 = encodeTile(d64, s, padded, NPIX);
      const out = decodeTile(d64, t64.units).pixels;
      // the layer's channels decode as a C = 56 core decodes them, the padding to zeros
      expect(Array.from(out)).toEqual(Array.from(repack(t56.recon, 56, 56, 64, NPIX)));
      if (s.policy === 'lossless') expect(Array.from(out)).toEqual(Array.from(padded));
      const a = recordBits(cfg(56), s, layer, NPIX);
      const b = recordBits(cfg(64), s, padded, NPIX);
      expect(b.modes.every((m) => m[7] === MODE_ZERO)).toBe(true);
      expect(b.total - a.total).toBe(2 * NPIX);
      console.log(`${s.policy} s=${s.quantShift}: 56 of 64 channels, ${a.total} record bits on C = 56, ${b.total} on C = 64 (+${((100 * (b.total - a.total)) / a.total).toFixed(2)}%)`);
    },
  );

  it.each(SETTINGS.map((s) => [`${s.policy} s=${s.quantShift}`, s] as const))(
    '60 channels on a C = 64 core (%s): padding inside a block decodes to zeros and costs 1 bit per channel wherever the block is CTX',
    (_l, s) => {
      const padded = repack(px, full, 60, 64, NPIX);
      const d = derive(cfg(64));
      const t = encodeTile(d, s, padded, NPIX);
      const out = decodeTile(d, t.units).pixels;
      for (let p = 0; p < NPIX; p++) for (let c = 60; c < 64; c++) expect(out[p * 64 + c]).toBe(0);
      if (s.policy === 'lossless') expect(Array.from(out)).toEqual(Array.from(padded));
      const r = recordBits(cfg(64), s, padded, NPIX);
      let ctxPixels = 0;
      for (let p = 0; p < NPIX; p++) {
        if (r.modes[p][7] !== MODE_CTX) continue;
        ctxPixels++;
        for (let c = 60; c < 64; c++) expect(r.symBits[p][c]).toBe(1);
      }
      const perPixel = (4 * ctxPixels) / NPIX;
      console.log(
        `${s.policy} s=${s.quantShift}: 60 of 64 channels, block 7 CTX in ${ctxPixels} of ${NPIX} pixels: padding costs ${perPixel.toFixed(2)} bits per pixel there, ` +
          `${((100 * 4 * ctxPixels) / r.total).toFixed(2)}% of ${r.total} record bits`,
      );
    },
  );
});
