// NumPy .npy reading and writing for 3-D integer tensors (C x H x W, C order).
import { InputError } from '../golden/errors.js';

export const NPY_DTYPES = {
  '|u1': { bits: 8, signed: false },
  '|i1': { bits: 8, signed: true },
  '<u2': { bits: 16, signed: false },
  '<i2': { bits: 16, signed: true },
} as const;
export type NpyDtype = keyof typeof NPY_DTYPES;

export interface Tensor {
  dtype: NpyDtype;
  shape: [number, number, number];
  data: Int32Array; // C-order values
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** True when buf starts with the .npy magic (to tell a user who passed a .npy where a .dctcm goes). */
export function looksLikeNpy(buf: Uint8Array): boolean {
  return buf.length >= MAGIC.length && MAGIC.every((m, i) => buf[i] === m);
}

/** True on little-endian machines, where typed arrays read .npy's '<' data as it is. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Parses a .npy buffer; `name` is used in error messages. */
export function parseNpy(buf: Uint8Array, name: string): Tensor {
  const bad = (msg: string) => new InputError(`${name}: ${msg}`);
  if (buf.length < 10 || !looksLikeNpy(buf)) throw bad('not a .npy file (bad magic)');
  const major = buf[6];
  let hlen: number;
  let hstart: number;
  if (major === 1) {
    hlen = buf[8] | (buf[9] << 8);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('truncated header');
    hlen = (buf[8] | (buf[9] << 8) | (buf[10] << 16) | (buf[11] << 24)) >>> 0;
    hstart = 12;
  } else throw bad(`unsupported .npy version ${major}`);
  if (hstart + hlen > buf.length) throw bad('truncated header');
  const header = new TextDecoder('latin1').decode(buf.subarray(hstart, hstart + hlen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad('malformed header');
  if (fortran === 'True') throw bad('Fortran-ordered arrays are not supported (save with C order)');
  // One-byte types have no byte order: '<u1' and '>u1' are '|u1'.
  const dtype = (/^[<>=]u1$/.test(descr) ? '|u1' : /^[<>=]i1$/.test(descr) ? '|i1' : descr) as NpyDtype;
  if (!(dtype in NPY_DTYPES)) {
    if (`<${descr.slice(1)}` in NPY_DTYPES && descr.startsWith('>')) {
      throw bad(`dtype ${descr} is big-endian: only little-endian 16-bit data (<u2, <i2) is supported (convert with arr.astype('<${descr.slice(1)}'))`);
    }
    throw bad(`dtype ${descr} is not supported: use uint8, int8, uint16 or int16`);
  }
  const dims = shapeText.split(',').map((t) => t.trim()).filter((t) => t.length > 0).map(Number);
  if (dims.length !== 3 || dims.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw bad(`shape (${shapeText}) is not C x H x W with positive sizes`);
  }
  const [C, H, W] = dims;
  const n = C * H * W;
  const { bits, signed } = NPY_DTYPES[dtype];
  const start = hstart + hlen;
  const need = (n * bits) / 8;
  if (buf.length - start < need) throw bad(`truncated data: ${buf.length - start} bytes for ${need} (${C}x${H}x${W} ${dtype})`);
  if (buf.length - start > need) throw bad(`${buf.length - start - need} bytes of trailing data after the array`);
  const data = new Int32Array(n);
  const at = buf.byteOffset + start;
  // Typed-array views convert whole arrays at once (set() widens each element to Int32). 16-bit views
  // need an even offset and a little-endian machine; otherwise read through a DataView.
  if (bits === 8) data.set(signed ? new Int8Array(buf.buffer, at, n) : buf.subarray(start, start + n));
  else if (LITTLE_ENDIAN && at % 2 === 0) data.set(signed ? new Int16Array(buf.buffer, at, n) : new Uint16Array(buf.buffer, at, n));
  else {
    const view = new DataView(buf.buffer, at, need);
    for (let i = 0; i < n; i++) data[i] = signed ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true);
  }
  return { dtype, shape: [C, H, W], data };
}

/** Serializes a tensor as .npy version 1.0. */
export function formatNpy(t: Tensor): Uint8Array {
  const { bits, signed } = NPY_DTYPES[t.dtype];
  let header = `{'descr': '${t.dtype}', 'fortran_order': False, 'shape': (${t.shape.join(', ')}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const n = t.data.length;
  const out = new Uint8Array(10 + header.length + (n * bits) / 8);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const at = 10 + header.length;
  // set() narrows each value modulo 2^8 or 2^16 (two's complement), as the DataView setters do.
  if (bits === 8) out.set(t.data, at);
  else if (LITTLE_ENDIAN && at % 2 === 0) (signed ? new Int16Array(out.buffer, at, n) : new Uint16Array(out.buffer, at, n)).set(t.data);
  else {
    const view = new DataView(out.buffer, at);
    for (let i = 0; i < n; i++) {
      if (signed) view.setInt16(2 * i, t.data[i], true);
      else view.setUint16(2 * i, t.data[i], true);
    }
  }
  return out;
}

/** Channel-major (C, H, W) to pixel-major (H*W pixels of C channels), the order the codec streams. */
export function toPixels(t: Tensor): Int32Array {
  const [C, H, W] = t.shape;
  const P = H * W;
  const data = t.data;
  const out = new Int32Array(C * P);
  // Pixel by pixel: the writes are sequential, the reads are C sequential streams (faster than the
  // other way round).
  for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) out[p * C + c] = data[c * P + p];
  return out;
}

/** Inverse of toPixels. */
export function fromPixels(px: Int32Array, shape: [number, number, number]): Int32Array {
  const [C, H, W] = shape;
  const P = H * W;
  const out = new Int32Array(C * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) out[c * P + p] = px[p * C + c];
  return out;
}
