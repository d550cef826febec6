// Stimulus and expected beats of the dctcm_decoder testbench, from the golden model: the words of each
// tile (golden encodeTile, or any word sequence a test builds) and the beats the decoder must emit for
// it (docs/RTL.md, per-tile status): a good tile's pixels with tlast on the last; for a tile that
// decodeTileStatus rejects, the pixels decoded before the error, then a status beat with its code; for a
// good tile without pixels, one status beat with code 0.
import { Derived } from '../golden/params.js';
import { decodeTileStatus } from '../golden/tile.js';
import { STATUS_CODE_BITS, TUSER_BITS } from '../generator/builders/dec_common.js';

/** One tile as the decoder sees it: its words (B/32 units each); the last word carries tlast. */
export interface StreamTile {
  units: Uint32Array;
}

/** What the golden model says about a tile. */
export interface TileVerdict {
  pixels: Int32Array; // the pixels decoded (before the error, if there is one)
  count: number;
  errorCode: number; // the StreamError's code, 0 when the tile decodes
  message: string;
}

export function judgeTile(d: Derived, units: Uint32Array): TileVerdict {
  const t = decodeTileStatus(d, units);
  return { pixels: t.pixels, count: t.count, errorCode: t.error?.code ?? 0, message: t.error?.message ?? '' };
}

function hexOf(v: bigint, bits: number): string {
  return v.toString(16).padStart(Math.ceil(bits / 4), '0');
}

/** Input lines {tlast, data[B-1:0]} of a tile sequence. */
export function inputLines(d: Derived, tiles: StreamTile[]): string[] {
  const B = d.cfg.busWidth;
  const upw = B / 32;
  const lines: string[] = [];
  for (const t of tiles) {
    if (t.units.length === 0 || t.units.length % upw !== 0) throw new Error(`tile of ${t.units.length} units is not whole ${B}-bit words`);
    const words = t.units.length / upw;
    for (let i = 0; i < words; i++) {
      let v = 0n;
      for (let u = upw - 1; u >= 0; u--) v = (v << 32n) | BigInt(t.units[i * upw + u] >>> 0);
      if (i === words - 1) v |= 1n << BigInt(B);
      lines.push(hexOf(v, B + 1));
    }
  }
  return lines;
}

/** Bits of an expected beat {tuser, tlast, pixel}. */
export function beatBits(d: Derived): number {
  return TUSER_BITS + 1 + d.cfg.channels * d.cfg.dataWidth;
}

/** A pixel beat {tuser = 0, tlast, pixel}: channel c in bits [c*W +: W], two's complement. */
export function pixelBeat(d: Derived, pixels: ArrayLike<number>, base: number, last: boolean): bigint {
  const { channels: C, dataWidth: W } = d.cfg;
  const mask = (1n << BigInt(W)) - 1n;
  let v = last ? 1n : 0n;
  for (let c = C - 1; c >= 0; c--) v = (v << BigInt(W)) | (BigInt(pixels[base + c]) & mask);
  return v;
}

/** A status beat: tuser = {1, code}, tlast, no pixel (tdata = 0). */
export function statusBeat(d: Derived, code: number): bigint {
  const PW = d.cfg.channels * d.cfg.dataWidth;
  const tuser = (1n << BigInt(STATUS_CODE_BITS)) | BigInt(code);
  return (tuser << BigInt(PW + 1)) | (1n << BigInt(PW));
}

/** The beats dctcm_decoder emits for one tile. */
export function tileBeats(d: Derived, v: TileVerdict): bigint[] {
  const C = d.cfg.channels;
  const closeWithPixel = v.errorCode === 0 && v.count > 0;
  const beats: bigint[] = [];
  for (let p = 0; p < v.count; p++) beats.push(pixelBeat(d, v.pixels, p * C, closeWithPixel && p === v.count - 1));
  if (!closeWithPixel) beats.push(statusBeat(d, v.errorCode));
  return beats;
}

export interface DecoderVectors {
  inLines: string[];
  expLines: string[];
  verdicts: TileVerdict[];
  firstBeat: number[]; // index of each tile's first expected beat
  firstError: number; // the code the sticky error_code must end with (0: none)
}

/** Input and expected lines of a tile sequence, with the golden verdict of every tile. */
export function decoderVectors(d: Derived, tiles: StreamTile[]): DecoderVectors {
  const verdicts = tiles.map((t) => judgeTile(d, t.units));
  const bits = beatBits(d);
  const expLines: string[] = [];
  const firstBeat: number[] = [];
  for (const v of verdicts) {
    firstBeat.push(expLines.length);
    for (const b of tileBeats(d, v)) expLines.push(hexOf(b, bits));
  }
  const firstError = verdicts.find((v) => v.errorCode !== 0)?.errorCode ?? 0;
  return { inLines: inputLines(d, tiles), expLines, verdicts, firstBeat, firstError };
}
