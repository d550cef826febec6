// NumPy .npy reading and writing for 3-D integer tensors (C x H x W, C order).
import { InputError } from './errors.js';

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

/** Parses a .npy buffer; `name` is used in error messages. */
export function parseNpy(buf: Uint8Array, name: string): Tensor {
  const bad = (msg: string) => new InputError(`${name}: ${msg}`);
  if (buf.length < 10 || MAGIC.some((m, i) => buf[i] !== m)) throw bad('not a .npy file (bad magic)');
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
  const dtype = (descr === '<u1' ? '|u1' : descr === '<i1' ? '|i1' : descr) as NpyDtype;
  if (!(dtype in NPY_DTYPES)) throw bad(`dtype ${descr} is not supported: use uint8, int8, uint16 or int16`);
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
  const view = new DataView(buf.buffer, buf.byteOffset + start, need);
  if (bits === 8) for (let i = 0; i < n; i++) data[i] = signed ? view.getInt8(i) : view.getUint8(i);
  else for (let i = 0; i < n; i++) data[i] = signed ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true);
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
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < n; i++) {
    if (bits === 8) view.setUint8(i, t.data[i] & 0xff);
    else if (signed) view.setInt16(2 * i, t.data[i], true);
    else view.setUint16(2 * i, t.data[i], true);
  }
  return out;
}

/** Channel-major (C, H, W) to pixel-major (H*W pixels of C channels), the order the codec streams. */
export function toPixels(t: Tensor): Int32Array {
  const [C, H, W] = t.shape;
  const P = H * W;
  const out = new Int32Array(C * P);
  for (let c = 0; c < C; c++) {
    const src = c * P;
    for (let p = 0; p < P; p++) out[p * C + c] = t.data[src + p];
  }
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
