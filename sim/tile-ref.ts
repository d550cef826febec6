// The format-v2 reference the decoder's tests compare with: ONE place to switch from the prototype
// (bench/v2/staggered.ts, design d4h+) to golden v2 (golden/tile.ts encodeTile / decodeTileStatus).
import { getBits } from '../golden/bits.js';
import { ERR, StreamError } from '../golden/errors.js';
import { Derived, TileSettings } from '../golden/params.js';
import { TileStatus, fold16 } from '../golden/tile.js';
import { decodeTileStaggered, encodeTileStaggered, StaggerOptions } from '../bench/v2/staggered.js';

/** The prototype's options for format v2 (the contract: candidate d4h+). */
export const V2_OPTIONS: StaggerOptions = { D: 4, presentBits: false, topExtra: 1 };

/** Encodes npix pixel vectors (channel-fastest, from value `base`, as golden encodeTile) as one format-v2 tile. */
export function refEncodeTile(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): { units: Uint32Array; recon: Int32Array } {
  const t = encodeTileStaggered(d, settings, pixels, npix, V2_OPTIONS, base);
  return { units: t.units, recon: t.recon };
}

// Errors whose pixel count the prototype's reader does not report: those inside the slots.
const HEADER_CODES: number[] = [ERR.OVERRUN, ERR.BAD_MAGIC, ERR.BAD_VERSION, ERR.BAD_SHIFT, ERR.BAD_TAG];
const AFTER_SLOTS: number[] = [ERR.BAD_PADDING, ERR.BAD_COUNT, ERR.BAD_CHECKSUM, ERR.BAD_TRAILER];

/**
 * What a decoder makes of one tile: the pixels decoded before an error, and the error. With the
 * prototype as reference, a tile rejected inside its slots has no known pixel count (throws).
 */
export function refDecodeTileStatus(d: Derived, units: Uint32Array): TileStatus {
  try {
    const t = decodeTileStaggered(d, units, V2_OPTIONS);
    return { pixels: t.pixels, count: t.count, error: null };
  } catch (e) {
    if (!(e instanceof StreamError)) throw e;
    if (HEADER_CODES.includes(e.code) && e.bitOffset < 48) return { pixels: new Int32Array(0), count: 0, error: e };
    if (AFTER_SLOTS.includes(e.code)) {
      // the slots decoded: their pixels are what the same words decode to with a good trailer
      const upw = d.cfg.busWidth / 32;
      const m = units.slice();
      const tu = m.length - upw;
      m.fill(0, tu);
      m[tu] = (getBits(units, 32, 16) | (fold16(m, tu) << 16)) >>> 0;
      try {
        const t = decodeTileStaggered(d, m, V2_OPTIONS);
        return { pixels: t.pixels, count: t.count, error: e };
      } catch {
        throw new Error(`prototype reference: the pixels before "${e.message}" need golden v2`);
      }
    }
    throw new Error(`prototype reference: the pixel count before "${e.message}" needs golden v2`);
  }
}
