// NumPy .npy reading and writing (golden/npy.ts), and the pixel reordering the codec streams in.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../golden/errors.js';
import { NPY_DTYPES, NpyDtype, Tensor, formatNpy, fromPixels, parseNpy, toPixels } from '../../tools/npy.js';
import { Rng } from '../../sim/rng.js';
import { thrown } from '../helpers/thrown.js';

/** A .npy file built by hand: magic, version, header length, header text, data bytes. */
function npyBytes(header: string, data: number[] | Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0], 0);
  for (let i = 0; i < lenBytes; i++) out[8 + i] = (header.length >>> (8 * i)) & 0xff;
  for (let i = 0; i < header.length; i++) out[8 + lenBytes + i] = header.charCodeAt(i);
  out.set(data, 8 + lenBytes + header.length);
  return out;
}

const hdr = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;

const inputError = (f: () => unknown): InputError => thrown(InputError, f);

describe('npy round trips', () => {
  const extremes: Record<NpyDtype, number[]> = {
    '|u1': [0, 1, 127, 128, 254, 255],
    '|i1': [-128, -127, -1, 0, 1, 127],
    '<u2': [0, 1, 255, 256, 32768, 65535],
    '<i2': [-32768, -32767, -256, -1, 0, 32767],
  };
  for (const dtype of Object.keys(NPY_DTYPES) as NpyDtype[]) {
    it(`${dtype}: format then parse gives the same tensor, with a 64-byte aligned header`, () => {
      const { bits, signed } = NPY_DTYPES[dtype];
      const rng = new Rng(bits * 2 + (signed ? 1 : 0));
      for (const shape of [[1, 1, 1], [3, 2, 5], [8, 7, 9], [64, 3, 1]] as [number, number, number][]) {
        const n = shape[0] * shape[1] * shape[2];
        const lo = signed ? -(2 ** (bits - 1)) : 0;
        const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
        const data = Int32Array.from({ length: n }, (_, i) => (i < extremes[dtype].length ? extremes[dtype][i] : rng.int(lo, hi)));
        const t: Tensor = { dtype, shape, data };
        const buf = formatNpy(t);
        const headerLen = buf[8] | (buf[9] << 8);
        expect(Array.from(buf.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
        expect((10 + headerLen) % 64).toBe(0);
        expect(buf[10 + headerLen - 1]).toBe(0x0a);
        const text = new TextDecoder('latin1').decode(buf.subarray(10, 10 + headerLen));
        expect(text).toContain(`'descr': '${dtype}'`);
        expect(text).toContain(`'fortran_order': False`);
        expect(text).toContain(`'shape': (${shape.join(', ')})`);
        expect(buf.length).toBe(10 + headerLen + (n * bits) / 8);
        // data bytes, little-endian two's complement
        const v0 = data[0];
        if (bits === 8) expect(buf[10 + headerLen]).toBe(v0 & 0xff);
        else expect(buf[10 + headerLen] | (buf[10 + headerLen + 1] << 8)).toBe(v0 & 0xffff);
        const back = parseNpy(buf, 'x.npy');
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(back.data).toEqual(data);
      }
    });
  }

  it('parses hand-built files: <u1 / <i1 spellings, spacing, version 2 headers, data at an offset', () => {
    const u = parseNpy(npyBytes(hdr('<u1', '(2, 1, 2)'), [1, 2, 3, 255]), 'a');
    expect(u.dtype).toBe('|u1');
    expect(Array.from(u.data)).toEqual([1, 2, 3, 255]);
    const i = parseNpy(npyBytes(`{'descr':'<i1','fortran_order':False,'shape':(1,1,2)}`, [0xff, 0x80]), 'b');
    expect(i.dtype).toBe('|i1');
    expect(Array.from(i.data)).toEqual([-1, -128]);
    expect(parseNpy(npyBytes(hdr('>u1', '(1, 1, 2)'), [7, 200]), 'be').dtype).toBe('|u1'); // one byte: no byte order
    expect(Array.from(parseNpy(npyBytes(hdr('>i1', '(1, 1, 2)'), [0xff, 1]), 'be').data)).toEqual([-1, 1]);
    const v2 = parseNpy(npyBytes(hdr('<i2', '(1, 1, 2)'), [0x00, 0x80, 0xfe, 0xff], 2), 'c');
    expect(Array.from(v2.data)).toEqual([-32768, -2]);
    const v3 = parseNpy(npyBytes(hdr('<u2', '(1, 2, 1)'), [0x34, 0x12, 0xff, 0xff], 3), 'd');
    expect(Array.from(v3.data)).toEqual([0x1234, 65535]);
    // the same file inside a larger buffer
    const f = npyBytes(hdr('<u2', '(1, 2, 1)'), [0x34, 0x12, 0xff, 0xff]);
    const big = new Uint8Array(f.length + 7);
    big.set(f, 5);
    expect(Array.from(parseNpy(big.subarray(5, 5 + f.length), 'e').data)).toEqual([0x1234, 65535]);
  });
});

describe('npy errors (InputError naming the file and the problem)', () => {
  const ok = () => npyBytes(hdr('|u1', '(1, 2, 2)'), [1, 2, 3, 4]);

  it('bad magic, short files, unsupported versions, truncated headers', () => {
    const b = ok();
    b[1] = 0x4f;
    expect(inputError(() => parseNpy(b, 'm.npy')).message).toMatch(/^m\.npy: not a \.npy file \(bad magic\)/);
    expect(inputError(() => parseNpy(ok().subarray(0, 9), 'm.npy')).message).toMatch(/bad magic/);
    expect(inputError(() => parseNpy(new Uint8Array(0), 'm.npy')).message).toMatch(/bad magic/);
    const v = ok();
    v[6] = 4;
    expect(inputError(() => parseNpy(v, 'v.npy')).message).toMatch(/unsupported \.npy version 4/);
    expect(inputError(() => parseNpy(ok().subarray(0, 20), 't.npy')).message).toMatch(/truncated header/);
    expect(inputError(() => parseNpy(npyBytes('', [], 2).subarray(0, 11), 't.npy')).message).toMatch(/truncated header/);
  });

  it('malformed headers, Fortran order, unsupported dtypes', () => {
    expect(inputError(() => parseNpy(npyBytes(`{'descr': '|u1', 'shape': (1, 1, 1), }`, [0]), 'h')).message).toMatch(/malformed header/);
    expect(inputError(() => parseNpy(npyBytes(hdr('|u1', '(1, 2, 2)', 'True'), [1, 2, 3, 4]), 'f.npy')).message).toMatch(/Fortran-ordered/);
    for (const descr of ['<f4', '<f8', '<i4', '>f4', '|b1', '<u8']) {
      const e = inputError(() => parseNpy(npyBytes(hdr(descr, '(1, 1, 1)'), [0, 0, 0, 0, 0, 0, 0, 0]), 'd.npy'));
      expect(e.message).toContain(`dtype ${descr} is not supported`);
    }
    // a supported type in the other byte order: the byte order is the problem
    for (const descr of ['>u2', '>i2']) {
      const e = inputError(() => parseNpy(npyBytes(hdr(descr, '(1, 1, 1)'), [0, 0]), 'd.npy'));
      expect(e.message).toBe(`d.npy: dtype ${descr} is big-endian: only little-endian 16-bit data (<u2, <i2) is supported (convert with arr.astype('<${descr.slice(1)}'))`);
    }
  });

  it('wrong rank or empty dimensions', () => {
    for (const shape of ['()', '(4,)', '(2, 2)', '(1, 1, 2, 2)', '(0, 2, 2)', '(2, 0, 2)', '(1, 1, -1)', '(1.5, 2, 2)']) {
      const e = inputError(() => parseNpy(npyBytes(hdr('|u1', shape), [1, 2, 3, 4]), 'r.npy'));
      expect(e.message, shape).toMatch(/is not C x H x W with positive sizes/);
    }
  });

  it('truncated and trailing data', () => {
    const t = inputError(() => parseNpy(npyBytes(hdr('<u2', '(1, 2, 2)'), [1, 0, 2, 0, 3, 0, 4]), 'x.npy'));
    expect(t.message).toMatch(/^x\.npy: truncated data: 7 bytes for 8/);
    const e = inputError(() => parseNpy(npyBytes(hdr('|u1', '(1, 2, 2)'), [1, 2, 3, 4, 5, 6]), 'y.npy'));
    expect(e.message).toMatch(/^y\.npy: 2 bytes of trailing data/);
  });
});

describe('toPixels / fromPixels', () => {
  it('reorders channel-major to pixel-major and back', () => {
    const t: Tensor = { dtype: '|u1', shape: [2, 1, 3], data: Int32Array.from([1, 2, 3, 4, 5, 6]) };
    expect(Array.from(toPixels(t))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(fromPixels(Int32Array.from([1, 4, 2, 5, 3, 6]), [2, 1, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
    const rng = new Rng(8);
    for (let i = 0; i < 20; i++) {
      const shape: [number, number, number] = [rng.int(1, 9), rng.int(1, 9), rng.int(1, 9)];
      const data = Int32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rng.int(-1000, 1000));
      const px = toPixels({ dtype: '<i2', shape, data });
      // pixel p = h * W + w holds channel c at p * C + c
      const [C, H, W] = shape;
      const h = rng.int(0, H - 1);
      const w = rng.int(0, W - 1);
      const c = rng.int(0, C - 1);
      expect(px[(h * W + w) * C + c]).toBe(data[c * H * W + h * W + w]);
      expect(fromPixels(px, shape)).toEqual(data);
    }
  });
});
