// Format version 1's tile writer, kept for the format study (bench/v2-candidates.ts measures v1 as
// candidate a against it). golden/ writes version 2 since; this is v1 as docs/FORMAT.md described it
// before: a 32-bit header (version 1), each record with its present bit, an end bit, zero padding, the
// trailer word. Contexts follow v1's rule (layout.ts updateContextV1).
import { BitWriter } from '../../golden/bits.js';
import { Derived, TILE_MAGIC, TileSettings, validateSettings } from '../../golden/params.js';
import { effectiveShift, fold16, newPlan, planPixel } from '../../golden/tile.js';
import { updateContextV1, writeRecordV1 } from './layout.js';

export const V1_VERSION = 1;

/** A version-1 tile of npix pixels (channel-fastest from pixels[base]): its units and B-bit word count. */
export function encodeTileV1(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): { units: Uint32Array; words: number } {
  validateSettings(d.cfg, settings);
  const C = d.cfg.channels;
  const B = d.cfg.busWidth;
  const s = effectiveShift(settings);
  const w = new BitWriter(Math.ceil((npix * C * d.cfg.dataWidth) / 32) + 64);
  w.write(TILE_MAGIC | (V1_VERSION << 8) | (s << 12), 16);
  w.write(d.tag, 16);
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  for (let p = 0; p < npix; p++) {
    planPixel(d, settings, ctx, pixels, base + p * C, p, plan);
    writeRecordV1(d, plan, w);
    updateContextV1(d, s, plan, ctx);
  }
  w.write(0, 1); // end of tile
  w.align(B);
  const chk = fold16(w.buf, w.bitLength >>> 5);
  w.write(npix & 0xffff, 16);
  w.write(chk, 16);
  w.align(B);
  const units = w.units();
  return { units, words: units.length / (B / 32) };
}
