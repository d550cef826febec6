// The analyzer: rate and error measured on the real decoded stream, the baselines against values
// computed here independently, totals, and two real ResNet-50 v2 tensors.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Tensor, parseNpy } from '../../tools/npy.js';
import { TileSettings } from '../../golden/params.js';
import { analyzeTensor, analyzeTensorFull, buildReport, formatReport, summarize } from '../../tools/analyze.js';
import { floats } from '../../sim/rng.js';
import { activationsDir } from '../../sim/paths.js';

// Lets one test corrupt the decoder's output to prove the analyzer checks it against the encoder.
const state = vi.hoisted(() => ({ corrupt: false }));
vi.mock('../../tools/container.js', async (orig) => {
  const real = await orig<typeof import('../../tools/container.js')>();
  return {
    ...real,
    decodeContainer: (bytes: Uint8Array, onTile?: (d: number, t: number) => void) => {
      const r = real.decodeContainer(bytes, onTile);
      if (state.corrupt) r.tensor.data[r.tensor.data.length - 1] ^= 1;
      return r;
    },
  };
});

/** C x H x W tensor from per-channel rows of H*W values. */
function tensorOf(dtype: Tensor['dtype'], channels: number[][], H: number, W: number): Tensor {
  const C = channels.length;
  const data = new Int32Array(C * H * W);
  channels.forEach((ch, c) => {
    expect(ch.length).toBe(H * W);
    data.set(ch, c * H * W);
  });
  return { dtype, shape: [C, H, W], data };
}

// ---- independent reference computations (no golden code) ----

/** Round half toward zero of v / 2^s: the largest index (FORMAT.md 6.2). */
function refLimit(v: number, s: number): number {
  const x = Math.abs(v) / 2 ** s;
  return Math.sign(v) * Math.max(0, Math.ceil(x - 0.5)) + 0;
}

/** Round half to even of v / 2^s, a positive index at most limit: the baseline's requantization. */
function refQuant(v: number, s: number, limit: number): number {
  const x = Math.abs(v) / 2 ** s;
  const f = Math.floor(x);
  const q = x - f > 0.5 || (x - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  return v < 0 ? -q : Math.min(q, limit);
}

function refEntropyBits(values: number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h += (n / values.length) * Math.log2(values.length / n);
  return h * values.length;
}

function refBaselines(values: number[], W: number, s: number, lo: number, hi: number, signed: boolean) {
  const n = values.length;
  const nnz = values.filter((v) => v !== 0).length;
  const largest = refLimit(hi, s);
  const width = Math.floor(Math.log2(largest)) + 1 + (signed ? 1 : 0);
  const q = values.map((v) => refQuant(v, s, largest));
  const rec = q.map((x) => Math.min(hi, Math.max(lo, x * 2 ** s)));
  const sig = values.reduce((a, v) => a + v * v, 0);
  const err = values.reduce((a, v, i) => a + (v - rec[i]) ** 2, 0);
  return {
    zvcBits: n + nnz * W,
    entBits: refEntropyBits(values),
    width,
    rqBits: n * width,
    rqzBits: n + q.filter((x) => x !== 0).length * width,
    rqSqnr: err === 0 ? null : 10 * Math.log10(sig / err),
    rqMaxErr: Math.max(...values.map((v, i) => Math.abs(v - rec[i]))),
  };
}

const rng = floats;

/** ReLU-like sparse, spatially correlated activations. */
function activations(C: number, H: number, W: number, seed: number, max = 255, lo = 0): Tensor {
  const r = rng(seed);
  const data = new Int32Array(C * H * W);
  for (let c = 0; c < C; c++) {
    const scale = r() * max * 0.5;
    for (let p = 0; p < H * W; p++) {
      const v = Math.round((r() - 0.45) * 2 * scale + (p % W) * 0.3);
      data[c * H * W + p] = Math.max(lo, Math.min(max, v));
    }
  }
  return { dtype: lo < 0 ? (max > 127 ? '<i2' : '|i1') : max > 255 ? '<u2' : '|u1', shape: [C, H, W], data };
}

describe('baselines against independent hand computation', () => {
  // 8 channels x 1 x 2 pixels; values chosen to hit ties (1, 3, 5), the clamp (255) and zeros.
  const ch = [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 7],
    [5, 7],
    [6, 100],
    [255, 0],
    [254, 9],
  ];
  const t = tensorOf('|u1', ch, 1, 2);
  const values = Array.from(t.data);

  it('uint8 at auto s=1 matches zvc, entropy0, requant and requant_zvc computed by hand', () => {
    const l = analyzeTensor(t, 'tiny', {}, { policy: 'auto', quantShift: 1 });
    const ref = refBaselines(values, 8, 1, 0, 255, false);
    // spelled-out numbers for this tensor: 11 non-zeros of 16
    expect(ref.zvcBits).toBe(16 + 11 * 8);
    expect(ref.width).toBe(7); // largest index 127
    expect(l.input_bits).toBe(128);
    expect(l.baselines.zvc.bits).toBe(ref.zvcBits);
    expect(l.baselines.zvc.ratio).toBeCloseTo(128 / ref.zvcBits, 12);
    expect(l.baselines.entropy0.bits).toBeCloseTo(ref.entBits, 9);
    expect(l.baselines.entropy0.ratio!).toBeCloseTo((8 * 16) / ref.entBits, 9);
    expect(l.baselines.requant.width).toBe(7);
    expect(l.baselines.requant.bits).toBe(ref.rqBits);
    expect(l.baselines.requant.ratio).toBeCloseTo(8 / 7, 12);
    expect(l.baselines.requant.sqnr_db!).toBeCloseTo(ref.rqSqnr!, 9);
    expect(l.baselines.requant.max_abs_error).toBe(ref.rqMaxErr);
    expect(l.baselines.requant_zvc.bits).toBe(ref.rqzBits);
    // index 1 -> 0 (its tie goes to the even index 0): one more zero after requantization than before
    expect(ref.rqzBits).toBe(16 + 10 * 7);
  });

  it('int8 at auto s=2 includes the sign bit in the requant width', () => {
    const st = tensorOf(
      '|i1',
      ch.map(([a, b], i) => [i % 2 ? -a : a, b === 0 ? -128 : b].map((v) => Math.max(-128, Math.min(127, v)))),
      1,
      2,
    );
    const l = analyzeTensor(st, 'signed', {}, { policy: 'auto', quantShift: 2 });
    const ref = refBaselines(Array.from(st.data), 8, 2, -128, 127, true);
    expect(ref.width).toBe(1 + 5 + 1); // largest index round(127/4) = 32
    expect(l.baselines.requant.width).toBe(ref.width);
    expect(l.baselines.zvc.bits).toBe(ref.zvcBits);
    expect(l.baselines.entropy0.bits).toBeCloseTo(ref.entBits, 9);
    expect(l.baselines.requant.bits).toBe(ref.rqBits);
    expect(l.baselines.requant_zvc.bits).toBe(ref.rqzBits);
    expect(l.baselines.requant.sqnr_db!).toBeCloseTo(ref.rqSqnr!, 9);
  });

  it('lossless requant is the identity at full width, and a constant tensor has zero entropy', () => {
    const z = tensorOf('|u1', Array.from({ length: 8 }, () => [0, 0, 0]), 1, 3);
    const l = analyzeTensor(z, 'zeros', {}, { policy: 'lossless', quantShift: 0 });
    expect(l.baselines.entropy0.bits).toBe(0);
    expect(l.baselines.entropy0.ratio).toBeNull();
    expect(l.baselines.zvc.bits).toBe(24);
    expect(l.baselines.requant.width).toBe(8);
    expect(l.baselines.requant.sqnr_db).toBeNull();
    expect(l.sqnr_db).toBeNull();
    expect(l.modes).toEqual({ zero: 3, ctx: 0, raw: 0, dct: 0 });
  });
});

describe('codec measurements come from the decoded stream', () => {
  it('compressed_bits is the whole file, and error statistics match an independent computation on the decoded tensor', () => {
    const t = activations(16, 5, 7, 11);
    for (const settings of [
      { policy: 'auto', quantShift: 2 },
      { policy: 'dct', quantShift: 1 },
    ] as TileSettings[]) {
      const { layer, encoded, decoded } = analyzeTensorFull(t, 'x', {}, settings, 6);
      expect(layer.compressed_bits).toBe(encoded.bytes.length * 8);
      expect(layer.ratio).toBeCloseTo((16 * 35 * 8) / (encoded.bytes.length * 8), 12);
      expect(Array.from(decoded.data)).toEqual(Array.from(encoded.recon));
      let sig = 0;
      let err = 0;
      let maxErr = 0;
      let errSum = 0;
      for (let i = 0; i < t.data.length; i++) {
        sig += t.data[i] ** 2;
        err += (t.data[i] - decoded.data[i]) ** 2;
        maxErr = Math.max(maxErr, Math.abs(t.data[i] - decoded.data[i]));
        errSum += decoded.data[i] - t.data[i];
      }
      expect(errSum).not.toBe(0);
      expect(layer.error_sum).toBe(errSum);
      expect(layer.mean_error).toBeCloseTo(errSum / t.data.length, 12);
      expect(err).toBeGreaterThan(0);
      expect(layer.sqnr_db!).toBeCloseTo(10 * Math.log10(sig / err), 9);
      expect(layer.max_abs_error).toBe(maxErr);
      const m = layer.modes;
      expect(m.zero + m.ctx + m.raw + m.dct).toBe(35 * 2);
      if (settings.policy === 'dct') expect(m.ctx + m.raw).toBe(0);
    }
  });

  it('throws when the decoder disagrees with the encoder reconstruction', () => {
    const t = activations(8, 2, 3, 5);
    state.corrupt = true;
    try {
      expect(() => analyzeTensor(t, 'bad', {}, { policy: 'auto', quantShift: 1 })).toThrow(/golden model mismatch on bad/);
    } finally {
      state.corrupt = false;
    }
    expect(() => analyzeTensor(t, 'good', {}, { policy: 'auto', quantShift: 1 })).not.toThrow();
  });

  it('signed 16-bit and a narrower data width round trip exactly in lossless', () => {
    const t16 = activations(16, 3, 4, 3, 32767, -32768);
    t16.data[0] = -32768;
    t16.data[1] = 32767;
    const l = analyzeTensorFull(t16, 'i16', {}, { policy: 'lossless', quantShift: 0 });
    expect(l.layer.config).toMatchObject({ dataWidth: 16, signed: true, busWidth: 128 });
    expect(Array.from(l.decoded.data)).toEqual(Array.from(t16.data));
    const t12 = activations(8, 3, 4, 4, 4095);
    t12.dtype = '<u2';
    const l12 = analyzeTensorFull(t12, 'u12', { dataWidth: 12 }, { policy: 'lossless', quantShift: 0 });
    expect(l12.layer.input_bits).toBe(8 * 12 * 12);
    expect(Array.from(l12.decoded.data)).toEqual(Array.from(t12.data));
  });

  it('rejects C that is not a multiple of the DCT size naming both', () => {
    const t = activations(12, 2, 2, 1);
    expect(() => analyzeTensor(t, 'c12', {}, { policy: 'lossless', quantShift: 0 })).toThrow(/C=12 .*--dct-size 8/);
    expect(analyzeTensor(t, 'c12', { dctSize: 4 }, { policy: 'lossless', quantShift: 0 }).modes.ctx).toBeGreaterThan(0);
  });
});

describe('totals', () => {
  it('sums bits, energies and modes over layers', () => {
    const s: TileSettings = { policy: 'auto', quantShift: 1 };
    const a = analyzeTensor(activations(8, 4, 4, 21), 'a', {}, s);
    const b = analyzeTensor(activations(16, 3, 5, 22), 'b', {}, s);
    const t = summarize([a, b]);
    expect(t.input_bits).toBe(a.input_bits + b.input_bits);
    expect(t.compressed_bits).toBe(a.compressed_bits + b.compressed_bits);
    expect(t.ratio).toBeCloseTo((a.input_bits + b.input_bits) / (a.compressed_bits + b.compressed_bits), 12);
    expect(t.sqnr_db!).toBeCloseTo(10 * Math.log10((a.signal_energy + b.signal_energy) / (a.error_energy + b.error_energy)), 12);
    expect(t.max_abs_error).toBe(Math.max(a.max_abs_error, b.max_abs_error));
    expect(t.mean_error).toBeCloseTo((a.error_sum + b.error_sum) / (8 * 4 * 4 + 16 * 3 * 5), 12);
    expect(t.modes.ctx).toBe(a.modes.ctx + b.modes.ctx);
    expect(t.baselines.entropy0.bits).toBeCloseTo(a.baselines.entropy0.bits + b.baselines.entropy0.bits, 9);
    expect(t.baselines.zvc.bits).toBe(a.baselines.zvc.bits + b.baselines.zvc.bits);
    expect(t.baselines.requant.sqnr_db!).toBeCloseTo(
      10 * Math.log10((a.signal_energy + b.signal_energy) / (a.baselines.requant.error_energy + b.baselines.requant.error_energy)),
      12,
    );
    const text = formatReport(buildReport({}, s, [a, b]));
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^total \(2 layers\)/);
    expect(lines.filter((x) => /^[ab] /.test(x))).toHaveLength(2);
    expect(text).toContain(t.ratio.toFixed(3));
  });
});

describe('real ResNet-50 v2 activations', () => {
  const dir = activationsDir('resnet50v2');
  it.each(['img0_n01440764/stage1_conv1.npy', 'img1_n02123045/stage3_conv2.npy'])('%s: lossless ratio > 1.5 and exact round trip', (f) => {
    const t = parseNpy(readFileSync(`${dir}/${f}`), f);
    const { layer, decoded } = analyzeTensorFull(t, f, {}, { policy: 'lossless', quantShift: 0 });
    expect(layer.ratio).toBeGreaterThan(1.5);
    expect(layer.max_abs_error).toBe(0);
    expect(layer.mean_error).toBe(0);
    expect(layer.sqnr_db).toBeNull();
    expect(decoded.shape).toEqual(t.shape);
    expect(Buffer.from(decoded.data.buffer).equals(Buffer.from(t.data.buffer))).toBe(true);
    const [C, H, W] = t.shape;
    const m = layer.modes;
    expect(m.zero + m.ctx + m.raw + m.dct).toBe((C / 8) * H * W);
  });
});
