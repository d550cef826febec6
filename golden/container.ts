// The .dctcm file: a small header describing the tensor and the codec, then the tiles' words
// (docs/FORMAT.md section 9). A tile holds tilePixels pixels in raster order; the last may hold fewer.
import { InputError, StreamError } from './errors.js';
import { NPY_DTYPES, NpyDtype, Tensor, fromPixels, toPixels } from './npy.js';
import {
  CodecConfig,
  Derived,
  FORMAT_VERSION,
  POLICIES,
  TileSettings,
  derive,
  validateConfig,
  validateSettings,
} from './params.js';
import { decodeTile, encodeTile } from './tile.js';

export const FILE_MAGIC = [0x44, 0x43, 0x54, 0x43, 0x4d, 0x1a]; // "DCTCM\x1a"
export const CONTAINER_VERSION = 1;
export const FILE_HEADER_BYTES = 36;
const DTYPE_CODES: NpyDtype[] = ['|u1', '|i1', '<u2', '<i2'];

export interface EncodeResult {
  bytes: Uint8Array;
  recon: Int32Array; // C x H x W, what decoding will return
  modeCounts: number[];
  tiles: number;
}

/** Checks that every value fits the configured width; names the first one that does not. */
export function checkRange(t: Tensor, d: Derived): void {
  const [C, H, W] = t.shape;
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (v < d.minVal || v > d.maxPos) {
      const c = Math.floor(i / (H * W));
      const h = Math.floor((i % (H * W)) / W);
      throw new InputError(
        `value ${v} at (c=${c}, h=${h}, w=${i % W}) does not fit --data-width ${d.cfg.dataWidth} ${d.cfg.signed ? 'signed' : 'unsigned'} (range ${d.minVal}..${d.maxPos}) (C=${C})`,
      );
    }
  }
}

export function encodeTensor(
  t: Tensor,
  cfg: CodecConfig,
  settings: TileSettings,
  tilePixels: number,
  onTile?: (done: number, total: number) => void,
): EncodeResult {
  validateConfig(cfg);
  validateSettings(cfg, settings);
  const d = derive(cfg);
  const [C, H, W] = t.shape;
  if (C !== cfg.channels) throw new InputError(`tensor has ${C} channels but --channels is ${cfg.channels}`);
  const { bits, signed } = NPY_DTYPES[t.dtype];
  if (cfg.dataWidth > bits) throw new InputError(`--data-width ${cfg.dataWidth} is wider than the tensor's ${t.dtype} (${bits} bits)`);
  if (cfg.signed !== signed) throw new InputError(`tensor dtype ${t.dtype} is ${signed ? '' : 'un'}signed but the codec is configured ${cfg.signed ? '' : 'un'}signed`);
  if (!Number.isInteger(tilePixels) || tilePixels < 1) throw new InputError(`--tile-pixels ${tilePixels} must be a positive integer`);
  checkRange(t, d);
  const px = toPixels(t);
  const npix = H * W;
  const tiles = Math.ceil(npix / tilePixels);
  const chunks: Uint8Array[] = [];
  const recon = new Int32Array(px.length);
  const modeCounts = [0, 0, 0, 0];
  let total = FILE_HEADER_BYTES;
  for (let i = 0; i < tiles; i++) {
    const n = Math.min(tilePixels, npix - i * tilePixels);
    const e = encodeTile(d, settings, px, n, i * tilePixels * C);
    recon.set(e.recon, i * tilePixels * C);
    e.modeCounts.forEach((m, k) => (modeCounts[k] += m));
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, e.words, true);
    const body = new Uint8Array(e.units.buffer, e.units.byteOffset, e.units.byteLength).slice();
    chunks.push(len, body);
    total += 4 + body.length;
    onTile?.(i + 1, tiles);
  }
  const out = new Uint8Array(total);
  const hv = new DataView(out.buffer);
  out.set(FILE_MAGIC, 0);
  out[6] = CONTAINER_VERSION;
  out[7] = FORMAT_VERSION;
  hv.setUint16(8, cfg.channels, true);
  out[10] = cfg.dctSize;
  out[11] = cfg.dataWidth;
  out[12] = cfg.signed ? 1 : 0;
  out[13] = cfg.dctPrecision;
  hv.setUint16(14, cfg.busWidth, true);
  out[16] = DTYPE_CODES.indexOf(t.dtype);
  out[17] = POLICIES.indexOf(settings.policy);
  out[18] = settings.quantShift;
  out[19] = 0;
  hv.setUint32(20, H, true);
  hv.setUint32(24, W, true);
  hv.setUint32(28, tilePixels, true);
  hv.setUint32(32, tiles, true);
  let at = FILE_HEADER_BYTES;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { bytes: out, recon: fromPixels(recon, t.shape), modeCounts, tiles };
}

export interface FileInfo {
  cfg: CodecConfig;
  settings: TileSettings;
  dtype: NpyDtype;
  shape: [number, number, number];
  tilePixels: number;
  tiles: number;
}

/** Reads and checks a .dctcm header; every problem names its byte offset. */
export function readHeader(bytes: Uint8Array): FileInfo {
  const err = (byte: number, msg: string) => new StreamError(byte * 8, msg);
  if (bytes.length < FILE_HEADER_BYTES) throw err(bytes.length, `file of ${bytes.length} bytes is shorter than the ${FILE_HEADER_BYTES}-byte header`);
  if (FILE_MAGIC.some((m, i) => bytes[i] !== m)) throw err(0, 'not a .dctcm file (bad magic)');
  if (bytes[6] !== CONTAINER_VERSION) throw err(6, `unsupported container version ${bytes[6]}`);
  if (bytes[7] !== FORMAT_VERSION) throw err(7, `unsupported format version ${bytes[7]} (this decoder reads ${FORMAT_VERSION})`);
  const hv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[12] > 1) throw err(12, `signed flag ${bytes[12]} is not 0 or 1`);
  const cfg: CodecConfig = {
    channels: hv.getUint16(8, true),
    dctSize: bytes[10],
    dataWidth: bytes[11],
    signed: bytes[12] === 1,
    dctPrecision: bytes[13],
    busWidth: hv.getUint16(14, true),
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
  if (bytes[19] !== 0) throw err(19, 'reserved header byte is not zero');
  const H = hv.getUint32(20, true);
  const W = hv.getUint32(24, true);
  const tilePixels = hv.getUint32(28, true);
  const tiles = hv.getUint32(32, true);
  if (H === 0 || W === 0) throw err(20, `tensor shape ${cfg.channels}x${H}x${W} is empty`);
  if (tilePixels === 0) throw err(28, 'tile size is zero');
  if (tiles !== Math.ceil((H * W) / tilePixels)) throw err(32, `tile count ${tiles} does not match ${H}x${W} pixels in tiles of ${tilePixels}`);
  return { cfg, settings, dtype, shape: [cfg.channels, H, W], tilePixels, tiles };
}

export function decodeContainer(bytes: Uint8Array, onTile?: (done: number, total: number) => void): { tensor: Tensor; info: FileInfo; modeCounts: number[] } {
  const info = readHeader(bytes);
  const d = derive(info.cfg);
  const [C, H, W] = info.shape;
  const npix = H * W;
  const px = new Int32Array(npix * C);
  const wordBytes = info.cfg.busWidth / 8;
  const modeCounts = [0, 0, 0, 0];
  let at = FILE_HEADER_BYTES;
  for (let i = 0; i < info.tiles; i++) {
    if (at + 4 > bytes.length) throw new StreamError(at * 8, `file ends before tile ${i} of ${info.tiles}`);
    const words = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
    at += 4;
    const len = words * wordBytes;
    if (at + len > bytes.length) throw new StreamError(at * 8, `tile ${i} claims ${words} words but the file ends after ${Math.floor((bytes.length - at) / wordBytes)}`);
    const units = new Uint32Array(len / 4);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + at, len);
    for (let u = 0; u < units.length; u++) units[u] = dv.getUint32(4 * u, true);
    const expect = Math.min(info.tilePixels, npix - i * info.tilePixels);
    const t = decodeTile(d, units, expect, at * 8);
    if (t.count !== expect) throw new StreamError(at * 8, `tile ${i} holds ${t.count} pixels, expected ${expect}`);
    if (t.quantShift !== (info.settings.policy === 'lossless' ? 0 : info.settings.quantShift)) {
      throw new StreamError(at * 8 + 12, `tile ${i} uses quantization shift ${t.quantShift}, the header says ${info.settings.quantShift}`);
    }
    px.set(t.pixels, i * info.tilePixels * C);
    t.modeCounts.forEach((m, k) => (modeCounts[k] += m));
    at += len;
    onTile?.(i + 1, info.tiles);
  }
  if (at !== bytes.length) throw new StreamError(at * 8, `${bytes.length - at} bytes of trailing data after the last tile`);
  return { tensor: { dtype: info.dtype, shape: info.shape, data: fromPixels(px, info.shape) }, info, modeCounts };
}
