// The .dctcm file: a small header describing the tensor and the codec, then the tiles' words
// (docs/FORMAT.md section 9). A tile holds tilePixels pixels in raster order (1 .. MAX_TILE_PIXELS); the
// last may hold fewer.
import { ERR, InputError, StreamError } from '../golden/errors.js';
import { LITTLE_ENDIAN, NPY_DTYPES, NpyDtype, Tensor } from './npy.js';
import {
  CodecConfig,
  Derived,
  FORMAT_VERSION,
  MAX_TILE_PIXELS,
  POLICIES,
  TileSettings,
  derive,
  hasDct,
  validateConfig,
  validateSettings,
} from '../golden/params.js';
import { DecodedTile, decodeTile, encodeTile } from '../golden/tile.js';
import { encodeTensorFast } from '../golden/fast-encode.js';

export const FILE_MAGIC = [0x44, 0x43, 0x54, 0x43, 0x4d, 0x1a]; // "DCTCM\x1a"
export const CONTAINER_VERSION = 1;
export const FILE_HEADER_BYTES = 36;
const DTYPE_CODES: NpyDtype[] = ['|u1', '|i1', '<u2', '<i2'];
/** Byte 12, the build flags: bit 0 signed data, bit 1 built without the DCT (FORMAT.md 9). */
export const FLAG_SIGNED = 1;
export const FLAG_NO_DCT = 2;

export interface EncodeResult {
  bytes: Uint8Array;
  recon: Int32Array; // C x H x W, what decoding will return
  modeCounts: number[];
  tiles: number;
}

/** Checks that every value fits the configured width; names the first one that does not. */
export function checkRange(t: Tensor, d: Derived): void {
  const [C, H, W] = t.shape;
  const { data } = t;
  const { minVal, maxPos } = d;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < minVal || v > maxPos) {
      const c = Math.floor(i / (H * W));
      const h = Math.floor((i % (H * W)) / W);
      throw new InputError(
        `value ${v} at (c=${c}, h=${h}, w=${i % W}) does not fit --data-width ${d.cfg.dataWidth} ${d.cfg.signed ? 'signed' : 'unsigned'} (range ${d.minVal}..${d.maxPos}) (C=${C})`,
      );
    }
  }
}

/**
 * Which encoder encodeTensor runs: 'fast' (golden/fast-encode.ts, an optimisation proven bit-exact against
 * the stages) or 'reference' (golden/tile.ts encodeTile, the specification); the same bytes either way.
 * DCTCM_ENCODER=reference in the environment makes the reference the default, for any program.
 */
export type TileEncoder = 'fast' | 'reference';

/**
 * The tools' default tiling (docs/FORMAT.md 9): one tile per tensor, or for a tensor of more than
 * MAX_TILE_PIXELS pixels as many whole rows of W pixels as fit in MAX_TILE_PIXELS (and MAX_TILE_PIXELS
 * itself if one row is longer). Long tiles pay the 29-slot drain of FORMAT.md 2.7 once.
 */
export function defaultTilePixels(H: number, W: number): number {
  const npix = H * W;
  if (npix <= MAX_TILE_PIXELS) return npix;
  return W <= MAX_TILE_PIXELS ? Math.floor(MAX_TILE_PIXELS / W) * W : MAX_TILE_PIXELS;
}

/** Throws InputError naming `option` unless n is a valid tile length: an integer 1 .. MAX_TILE_PIXELS. */
export function checkTilePixelsOption(n: number, option = '--tile-pixels'): void {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${option} ${n} must be a positive integer`);
  if (n > MAX_TILE_PIXELS) throw new InputError(`${option} ${n} is above ${MAX_TILE_PIXELS}, the most pixels a tile holds (its 16-bit pixel count, FORMAT.md 2.1)`);
}

export function defaultEncoder(): TileEncoder {
  return process.env.DCTCM_ENCODER === 'reference' ? 'reference' : 'fast';
}

export function encodeTensor(
  t: Tensor,
  cfg: CodecConfig,
  settings: TileSettings,
  tilePixels: number,
  onTile?: (done: number, total: number) => void,
  encoder: TileEncoder = defaultEncoder(),
): EncodeResult {
  validateConfig(cfg);
  validateSettings(cfg, settings);
  const d = derive(cfg);
  const [C, H, W] = t.shape;
  if (C !== cfg.channels) throw new InputError(`tensor has ${C} channels but --channels is ${cfg.channels}`);
  const { bits, signed } = NPY_DTYPES[t.dtype];
  if (cfg.dataWidth > bits) throw new InputError(`--data-width ${cfg.dataWidth} is wider than the tensor's ${t.dtype} (${bits} bits)`);
  if (cfg.signed !== signed) throw new InputError(`tensor dtype ${t.dtype} is ${signed ? '' : 'un'}signed but the codec is configured ${cfg.signed ? '' : 'un'}signed`);
  checkTilePixelsOption(tilePixels);
  if (encoder === 'reference') checkRange(t, d); // (the fast encoder checks the range as it reads the tensor)
  const npix = H * W;
  const tiles = Math.ceil(npix / tilePixels);
  let tileUnits: Uint32Array[] = [];
  let tileWords: number[] = [];
  const recon = new Int32Array(C * npix);
  let modeCounts = [0, 0, 0, 0];
  if (encoder === 'fast') {
    const r = encodeTensorFast(d, settings, t.data, npix, tilePixels, recon, onTile);
    if (r === null) {
      checkRange(t, d); // names the value outside the range
      throw new Error('internal error: encodeTensorFast and checkRange disagree on the value range');
    }
    ({ tiles: tileUnits, words: tileWords, modeCounts } = r);
  } else {
    // Each tile's pixels are gathered from the C x H x W tensor into `px` (pixel-major, channel-fastest,
    // the order the codec streams), and the tile's reconstruction is put back in C x H x W order; no
    // whole-tensor pixel-major copy is made.
    const px = new Int32Array(Math.min(tilePixels, npix) * C);
    for (let i = 0; i < tiles; i++) {
      const p0 = i * tilePixels;
      const n = Math.min(tilePixels, npix - p0);
      gatherPixels(t.data, C, npix, p0, n, px);
      const e = encodeTile(d, settings, px, n);
      scatterPixels(e.recon, C, npix, p0, n, recon);
      for (let k = 0; k < 4; k++) modeCounts[k] += e.modeCounts[k];
      tileUnits.push(e.units);
      tileWords.push(e.words);
      onTile?.(i + 1, tiles);
    }
  }
  let total = FILE_HEADER_BYTES;
  for (const u of tileUnits) total += 4 + u.byteLength;
  const out = new Uint8Array(total);
  const hv = new DataView(out.buffer);
  out.set(FILE_MAGIC, 0);
  out[6] = CONTAINER_VERSION;
  out[7] = FORMAT_VERSION;
  hv.setUint16(8, cfg.channels, true);
  out[10] = cfg.dctSize;
  out[11] = cfg.dataWidth;
  out[12] = (cfg.signed ? FLAG_SIGNED : 0) | (hasDct(cfg) ? 0 : FLAG_NO_DCT);
  out[13] = cfg.dctPrecision;
  hv.setUint16(14, cfg.busWidth, true);
  out[16] = DTYPE_CODES.indexOf(t.dtype);
  out[17] = POLICIES.indexOf(settings.policy);
  out[18] = settings.quantShift;
  hv.setUint32(20, H, true);
  hv.setUint32(24, W, true);
  hv.setUint32(28, tilePixels, true);
  hv.setUint32(32, tiles, true);
  out[19] = headerCheck(out);
  let at = FILE_HEADER_BYTES;
  for (let i = 0; i < tiles; i++) {
    const u = tileUnits[i];
    hv.setUint32(at, tileWords[i], true);
    // The units' bytes in memory order (the file's little-endian order on little-endian machines).
    out.set(new Uint8Array(u.buffer, u.byteOffset, u.byteLength), at + 4);
    at += 4 + u.byteLength;
  }
  return { bytes: out, recon, modeCounts, tiles };
}

/** Pixels p0 .. p0+n-1 of a C x npix channel-major array, pixel-major (channel-fastest) into px. */
function gatherPixels(data: Int32Array, C: number, npix: number, p0: number, n: number, px: Int32Array): void {
  for (let c = 0; c < C; c++) {
    const row = c * npix + p0;
    for (let p = 0; p < n; p++) px[p * C + c] = data[row + p];
  }
}

/** Inverse of gatherPixels: n pixel-major pixels into pixels p0 .. p0+n-1 of a channel-major array. */
function scatterPixels(px: Int32Array, C: number, npix: number, p0: number, n: number, data: Int32Array): void {
  // Channel by channel: the writes to the large array are sequential (twice as fast as pixel by pixel).
  for (let c = 0; c < C; c++) {
    const row = c * npix + p0;
    for (let p = 0; p < n; p++) data[row + p] = px[p * C + c];
  }
}

/** Byte 19 of the header: XOR of the other 35 header bytes, so a flipped header bit is caught. */
export function headerCheck(bytes: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < FILE_HEADER_BYTES; i++) if (i !== 19) x ^= bytes[i];
  return x;
}

export interface FileInfo {
  cfg: CodecConfig;
  settings: TileSettings;
  dtype: NpyDtype;
  shape: [number, number, number];
  tilePixels: number;
  tiles: number;
}

/** True when bytes start with the .dctcm magic (to tell a user who passed a .dctcm where a .npy goes). */
export function looksLikeDctcm(bytes: Uint8Array): boolean {
  return bytes.length >= FILE_MAGIC.length && FILE_MAGIC.every((m, i) => bytes[i] === m);
}

/** Reads and checks a .dctcm header; every problem names its byte offset. */
export function readHeader(bytes: Uint8Array): FileInfo {
  const err = (byte: number, msg: string) => new StreamError(byte * 8, msg, ERR.CONTAINER);
  if (bytes.length < FILE_HEADER_BYTES) throw err(bytes.length, `file of ${bytes.length} bytes is shorter than the ${FILE_HEADER_BYTES}-byte header`);
  if (!looksLikeDctcm(bytes)) throw err(0, 'not a .dctcm file (bad magic)');
  if (bytes[6] !== CONTAINER_VERSION) throw err(6, `unsupported container version ${bytes[6]}`);
  if (bytes[7] !== FORMAT_VERSION) {
    const old = bytes[7] < FORMAT_VERSION ? `: an older dctcm wrote this file; re-encode its tensor with this one` : '';
    throw err(7, `unsupported format version ${bytes[7]}${old} (this decoder reads format version ${FORMAT_VERSION} only)`);
  }
  const hv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[12] > (FLAG_SIGNED | FLAG_NO_DCT)) throw err(12, `flags byte ${bytes[12]} has bits other than 0 (signed) and 1 (no DCT) set`);
  const cfg: CodecConfig = {
    channels: hv.getUint16(8, true),
    dctSize: bytes[10],
    dataWidth: bytes[11],
    signed: (bytes[12] & FLAG_SIGNED) !== 0,
    dctPrecision: bytes[13],
    busWidth: hv.getUint16(14, true),
    dct: (bytes[12] & FLAG_NO_DCT) === 0,
  };
  try {
    validateConfig(cfg);
  } catch (e) {
    throw err(8, `header holds an invalid configuration: ${(e as Error).message}`);
  }
  const dtype = DTYPE_CODES[bytes[16]];
  if (dtype === undefined) throw err(16, `unknown dtype code ${bytes[16]}`);
  const { bits, signed } = NPY_DTYPES[dtype];
  if (cfg.dataWidth > bits || cfg.signed !== signed) throw err(16, `dtype ${dtype} disagrees with ${cfg.dataWidth}-bit ${cfg.signed ? 'signed' : 'unsigned'} data`);
  const policy = POLICIES[bytes[17]];
  if (policy === undefined) throw err(17, `unknown policy code ${bytes[17]}`);
  const settings: TileSettings = { policy, quantShift: bytes[18] };
  try {
    validateSettings(cfg, settings);
  } catch (e) {
    throw err(17, `header holds invalid settings: ${(e as Error).message}`);
  }
  const H = hv.getUint32(20, true);
  const W = hv.getUint32(24, true);
  const tilePixels = hv.getUint32(28, true);
  const tiles = hv.getUint32(32, true);
  if (H === 0 || W === 0) throw err(20, `tensor shape ${cfg.channels}x${H}x${W} is empty`);
  if (tilePixels === 0) throw err(28, 'tile size is zero');
  if (tilePixels > MAX_TILE_PIXELS) throw err(28, `tile size ${tilePixels} is above ${MAX_TILE_PIXELS}, the most pixels a tile holds`);
  if (tiles !== Math.ceil((H * W) / tilePixels)) throw err(32, `tile count ${tiles} does not match ${H}x${W} pixels in tiles of ${tilePixels}`);
  if (bytes[19] !== headerCheck(bytes)) throw err(19, `header check byte 0x${bytes[19].toString(16)} does not match the header's 0x${headerCheck(bytes).toString(16)}`);
  return { cfg, settings, dtype, shape: [cfg.channels, H, W], tilePixels, tiles };
}

export function decodeContainer(bytes: Uint8Array, onTile?: (done: number, total: number) => void): { tensor: Tensor; info: FileInfo; modeCounts: number[] } {
  const info = readHeader(bytes);
  const d = derive(info.cfg);
  const [C, H, W] = info.shape;
  const npix = H * W;
  const wordBytes = info.cfg.busWidth / 8;
  // Check the sizes the header claims against the file before allocating for them: every tile takes
  // at least 4 + 2 words of bytes and every pixel at least 2 bits.
  const body = bytes.length - FILE_HEADER_BYTES;
  if (info.tiles * (4 + 2 * wordBytes) > body) throw new StreamError(FILE_HEADER_BYTES * 8, `file of ${bytes.length} bytes cannot hold the ${info.tiles} tiles its header claims`, ERR.CONTAINER);
  if (npix * 2 > body * 8) throw new StreamError(FILE_HEADER_BYTES * 8, `file of ${bytes.length} bytes cannot hold the ${npix} pixels its header claims`, ERR.CONTAINER);
  const data = new Int32Array(C * npix);
  const modeCounts = [0, 0, 0, 0];
  let at = FILE_HEADER_BYTES;
  for (let i = 0; i < info.tiles; i++) {
    if (at + 4 > bytes.length) throw new StreamError(at * 8, `file ends before tile ${i} of ${info.tiles}`, ERR.CONTAINER);
    const words = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
    at += 4;
    const len = words * wordBytes;
    if (at + len > bytes.length) throw new StreamError(at * 8, `tile ${i} claims ${words} words but the file ends after ${Math.floor((bytes.length - at) / wordBytes)}`, ERR.CONTAINER);
    const units = tileUnitsAt(bytes, at, len);
    const expect = Math.min(info.tilePixels, npix - i * info.tilePixels);
    const t = decodeTileAt(d, units, expect, at * 8);
    if (t.count !== expect) throw new StreamError(at * 8, `tile ${i} holds ${t.count} pixels, expected ${expect}`, ERR.CONTAINER);
    if (t.quantShift !== (info.settings.policy === 'lossless' ? 0 : info.settings.quantShift)) {
      throw new StreamError(at * 8 + 12, `tile ${i} uses quantization shift ${t.quantShift}, the header says ${info.settings.quantShift}`, ERR.CONTAINER);
    }
    scatterPixels(t.pixels, C, npix, i * info.tilePixels, t.count, data);
    for (let k = 0; k < 4; k++) modeCounts[k] += t.modeCounts[k];
    at += len;
    onTile?.(i + 1, info.tiles);
  }
  if (at !== bytes.length) throw new StreamError(at * 8, `${bytes.length - at} bytes of trailing data after the last tile`, ERR.CONTAINER);
  return { tensor: { dtype: info.dtype, shape: info.shape, data }, info, modeCounts };
}

/**
 * decodeTile on a tile that starts at file bit `fileBit`: its errors carry tile offsets, rebased here to
 * file offsets, so every offset a .dctcm error names is one in the file. (Problem texts hold sizes and
 * counts, never offsets, so moving bitOffset moves every offset the message prints.)
 */
function decodeTileAt(d: Derived, units: Uint32Array, maxPixels: number, fileBit: number): DecodedTile {
  try {
    return decodeTile(d, units, maxPixels);
  } catch (e) {
    if (e instanceof StreamError) throw e.rebase(fileBit);
    throw e;
  }
}

/** The little-endian 32-bit units of bytes [at, at + len): a view where the machine allows, else a copy. */
function tileUnitsAt(bytes: Uint8Array, at: number, len: number): Uint32Array {
  const offset = bytes.byteOffset + at;
  if (LITTLE_ENDIAN && offset % 4 === 0) return new Uint32Array(bytes.buffer, offset, len / 4);
  const units = new Uint32Array(len / 4);
  const dv = new DataView(bytes.buffer, offset, len);
  for (let u = 0; u < units.length; u++) units[u] = dv.getUint32(4 * u, true);
  return units;
}
