// Stimulus and expected beats of the dctcm_decoder testbench, from the golden model: the words of each
// tile (golden encodeTile, or any word sequence a test builds) and the pixels decodeTile returns.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamError } from '../golden/errors.js';
import { Derived } from '../golden/params.js';
import { decodeTile } from '../golden/tile.js';
import { errorCodeOf } from '../generator/builders/dec_common.js';

/** One tile as the decoder sees it: its words (B/32 units each); the last word carries tlast. */
export interface StreamTile {
  units: Uint32Array;
  /** Pulse rst before this tile: starts an independent case (the bench waits for quiet first). */
  resetBefore?: boolean;
}

/** What decodeTile says about a tile. */
export interface TileVerdict {
  pixels: Int32Array | null; // null when decodeTile throws
  count: number;
  errorCode: number; // dctcm_decoder's code for the StreamError, 0 when it decodes
  message: string;
}

export function judgeTile(d: Derived, units: Uint32Array): TileVerdict {
  try {
    const t = decodeTile(d, units);
    return { pixels: t.pixels, count: t.count, errorCode: 0, message: '' };
  } catch (e) {
    if (!(e instanceof StreamError)) throw e;
    return { pixels: null, count: 0, errorCode: errorCodeOf(e.problem), message: e.message };
  }
}

function hexOf(v: bigint, bits: number): string {
  return v.toString(16).padStart(Math.ceil(bits / 4), '0');
}

/** Input lines {reset_before, tlast, data[B-1:0]} of a tile sequence. */
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
      if (i === 0 && t.resetBefore) v |= 1n << BigInt(B + 1);
      lines.push(hexOf(v, B + 2));
    }
  }
  return lines;
}

/** One expected beat {tlast, pixel}: channel c in bits [c*W +: W], two's complement. */
export function pixelBeat(d: Derived, pixels: ArrayLike<number>, base: number, last: boolean): bigint {
  const { channels: C, dataWidth: W } = d.cfg;
  const mask = (1n << BigInt(W)) - 1n;
  let v = last ? 1n : 0n;
  for (let c = C - 1; c >= 0; c--) v = (v << BigInt(W)) | (BigInt(pixels[base + c]) & mask);
  return v;
}

export function beatLines(d: Derived, pixels: ArrayLike<number>, count: number): string[] {
  const C = d.cfg.channels;
  const PW = C * d.cfg.dataWidth;
  const lines: string[] = [];
  for (let p = 0; p < count; p++) lines.push(hexOf(pixelBeat(d, pixels, p * C, p === count - 1), PW + 1));
  return lines;
}

export interface DecoderVectors {
  inFile: string;
  expFile: string;
  nin: number;
  nexp: number;
  verdicts: TileVerdict[];
}

/**
 * Writes dec_in.hex and dec_exp.hex into dir. Expected beats are the pixels of every tile decodeTile
 * accepts (tlast on each tile's last pixel); a tile it rejects contributes none.
 */
export function writeDecoderVectors(d: Derived, dir: string, tiles: StreamTile[]): DecoderVectors {
  const verdicts = tiles.map((t) => judgeTile(d, t.units));
  const inL = inputLines(d, tiles);
  const expL: string[] = [];
  for (const v of verdicts) if (v.pixels) expL.push(...beatLines(d, v.pixels, v.count));
  const inFile = join(dir, 'dec_in.hex');
  const expFile = join(dir, 'dec_exp.hex');
  writeFileSync(inFile, inL.join('\n') + '\n');
  writeFileSync(expFile, expL.join('\n') + '\n');
  return { inFile, expFile, nin: inL.length, nexp: expL.length, verdicts };
}
