// Compression analysis of tensors with the golden model, and the simple baselines it is compared with.
// Every number about the codec comes from the real .dctcm bytes: the tensor is encoded, the bytes are
// decoded again, and the error is measured on the decoder's output.
import { ParamError } from '../golden/errors.js';
import { decodeContainer, defaultTilePixels, encodeTensor, EncodeResult } from './container.js';
import { bitLength } from '../golden/intmath.js';
import { NPY_DTYPES, Tensor } from './npy.js';
import { CodecConfig, DEFAULT_CONFIG, DCT_SIZES, MODE_NAMES, TileSettings, defaultBusWidth, derive } from '../golden/params.js';
import { dequantize, indexLimit, quantize } from '../golden/quantize.js';
import { effectiveShift } from '../golden/tile.js';

/** Codec options a user may set; anything left out is derived from the tensor. */
export interface CodecOptions {
  dctSize?: number; // default 8
  dataWidth?: number; // default: the dtype's bits
  busWidth?: number; // default: defaultBusWidth(C, dataWidth)
  dctPrecision?: number; // default 12
  dct?: boolean; // default true: a build with the DCT mode
}

export type ModeCounts = { zero: number; ctx: number; raw: number; dct: number };

export interface Baselines {
  /** Zero-value compression: one mask bit per value plus W bits per non-zero value. */
  zvc: { bits: number; ratio: number };
  /** Order-0 entropy of the values: the bound of any memoryless per-value code. */
  entropy0: { bits: number; bits_per_value: number; ratio: number | null };
  /** Plain requantization at step 2^s, every index at the fixed width of the largest possible index. */
  requant: { shift: number; width: number; bits: number; ratio: number; sqnr_db: number | null; max_abs_error: number; error_energy: number };
  /** Requantized indices with one mask bit each plus the fixed width per non-zero index. */
  requant_zvc: { bits: number; ratio: number; sqnr_db: number | null };
}

export interface LayerResult {
  name: string;
  shape: [number, number, number];
  dtype: string;
  config: CodecConfig;
  tile_pixels: number;
  tiles: number;
  input_bits: number;
  compressed_bits: number;
  ratio: number;
  sqnr_db: number | null;
  max_abs_error: number;
  /** Mean of decoded - input: the bias a quantizer leaves (0 in lossless). */
  mean_error: number;
  error_sum: number;
  signal_energy: number;
  error_energy: number;
  modes: ModeCounts;
  baselines: Baselines;
}

export interface Totals {
  layers: number;
  input_bits: number;
  compressed_bits: number;
  ratio: number;
  sqnr_db: number | null;
  max_abs_error: number;
  mean_error: number;
  signal_energy: number;
  error_energy: number;
  modes: ModeCounts;
  baselines: {
    zvc: { bits: number; ratio: number };
    entropy0: { bits: number; ratio: number | null };
    requant: { bits: number; ratio: number; sqnr_db: number | null; max_abs_error: number };
    requant_zvc: { bits: number; ratio: number; sqnr_db: number | null };
  };
}

export interface Report {
  config: Record<string, unknown>;
  settings: TileSettings;
  total: Totals;
  layers: LayerResult[];
}

/** SQNR in dB from signal and error energy; null when the error is zero (lossless, infinite SQNR). */
export function sqnrDb(signal: number, error: number): number | null {
  if (error === 0) return null;
  return 10 * Math.log10(signal / error);
}

function ratioOf(inputBits: number, bits: number): number | null {
  return bits === 0 ? null : inputBits / bits;
}

/** The codec configuration for a tensor: signedness from its dtype, unset options from their defaults. */
export function resolveConfig(t: Tensor, o: CodecOptions): CodecConfig {
  const { bits, signed } = NPY_DTYPES[t.dtype];
  const C = t.shape[0];
  const dctSize = o.dctSize ?? DEFAULT_CONFIG.dctSize;
  const dataWidth = o.dataWidth ?? bits;
  const cfg: CodecConfig = {
    channels: C,
    dctSize,
    dataWidth,
    signed,
    busWidth: o.busWidth ?? defaultBusWidth(C, dataWidth),
    dctPrecision: o.dctPrecision ?? DEFAULT_CONFIG.dctPrecision,
    dct: o.dct ?? DEFAULT_CONFIG.dct,
  };
  // The channel count is the tensor's, not an option of the user: say so rather than name --channels.
  if ((DCT_SIZES as readonly number[]).includes(dctSize) && C % dctSize !== 0) {
    throw new ParamError(`the tensor has C=${C} channels, which is not a multiple of --dct-size ${dctSize}`);
  }
  return cfg;
}

function modeCountsOf(m: number[]): ModeCounts {
  const out = { zero: 0, ctx: 0, raw: 0, dct: 0 };
  MODE_NAMES.forEach((n, i) => (out[n] = m[i] ?? 0));
  return out;
}

/** Baselines on the same tensor and data width as the codec, requantized at the codec's step. */
export function computeBaselines(t: Tensor, cfg: CodecConfig, settings: TileSettings): Baselines {
  const d = derive(cfg);
  const W = cfg.dataWidth;
  const n = t.data.length;
  const inputBits = n * W;
  const s = effectiveShift(settings);
  // Histogram over the dtype's whole range (values were range-checked against the codec's width).
  const { bits: dtBits, signed } = NPY_DTYPES[t.dtype];
  const offset = signed ? 2 ** (dtBits - 1) : 0;
  const hist = new Float64Array(2 ** dtBits);
  const qMax = indexLimit(d.maxPos, s);
  const width = bitLength(qMax) + (cfg.signed ? 1 : 0);
  let nnz = 0;
  let nnzQ = 0;
  let errEnergy = 0;
  let signal = 0;
  let maxErr = 0;
  for (let i = 0; i < n; i++) {
    const v = t.data[i];
    hist[v + offset]++;
    if (v !== 0) nnz++;
    const q = quantize(v, s, qMax, (Math.abs(v) >> s) & 1); // ties to even: no position, no context here
    if (q !== 0) nnzQ++;
    const e = v - dequantize(q, s, d.minVal, d.maxPos);
    errEnergy += e * e;
    signal += v * v;
    const a = Math.abs(e);
    if (a > maxErr) maxErr = a;
  }
  let h = 0;
  for (let i = 0; i < hist.length; i++) {
    if (hist[i] === 0) continue;
    const p = hist[i] / n;
    h -= p * Math.log2(p);
  }
  if (h < 1e-12) h = 0; // a constant tensor: -1 * log2(1) rounds to -0
  const zvcBits = n + nnz * W;
  const rqBits = n * width;
  const rqzBits = n + nnzQ * width;
  const rqSqnr = sqnrDb(signal, errEnergy);
  return {
    zvc: { bits: zvcBits, ratio: inputBits / zvcBits },
    entropy0: { bits: n * h, bits_per_value: h, ratio: h === 0 ? null : W / h },
    requant: { shift: s, width, bits: rqBits, ratio: inputBits / rqBits, sqnr_db: rqSqnr, max_abs_error: maxErr, error_energy: errEnergy },
    requant_zvc: { bits: rqzBits, ratio: inputBits / rqzBits, sqnr_db: rqSqnr },
  };
}

export interface AnalysisDetail {
  layer: LayerResult;
  encoded: EncodeResult;
  decoded: Tensor;
}

/**
 * Encodes t, decodes the produced bytes, checks the decoder against the encoder's reconstruction, and
 * measures rate and error on the decoded tensor. tilePixels defaults to the tools' tiling
 * (container.ts defaultTilePixels: one tile per tensor, or whole rows up to MAX_TILE_PIXELS).
 */
export function analyzeTensorFull(
  t: Tensor,
  name: string,
  cfgOpts: CodecOptions,
  settings: TileSettings,
  tilePixels?: number,
): AnalysisDetail {
  const cfg = resolveConfig(t, cfgOpts);
  const [C, H, W] = t.shape;
  const tp = tilePixels ?? defaultTilePixels(H, W);
  const encoded = encodeTensor(t, cfg, settings, tp);
  const dec = decodeContainer(encoded.bytes);
  const decoded = dec.tensor;
  const mismatch = (what: string) => new Error(`golden model mismatch on ${name}: ${what}`);
  if (decoded.dtype !== t.dtype || decoded.shape.some((x, i) => x !== t.shape[i])) {
    throw mismatch(`decoded ${decoded.dtype} ${decoded.shape.join('x')} differs from the input ${t.dtype} ${t.shape.join('x')}`);
  }
  if (decoded.data.length !== encoded.recon.length) throw mismatch('decoded length differs from the encoder reconstruction');
  let signal = 0;
  let err = 0;
  let errSum = 0;
  let maxErr = 0;
  for (let i = 0; i < decoded.data.length; i++) {
    const y = decoded.data[i];
    if (y !== encoded.recon[i]) {
      throw mismatch(`decoded value ${y} at flat index ${i} differs from the encoder's reconstruction ${encoded.recon[i]}`);
    }
    const x = t.data[i];
    const e = x - y;
    signal += x * x;
    err += e * e;
    errSum -= e;
    const a = e < 0 ? -e : e;
    if (a > maxErr) maxErr = a;
  }
  if (settings.policy === 'lossless' && maxErr !== 0) throw mismatch(`lossless policy decoded with a maximum error of ${maxErr}`);
  if (dec.modeCounts.some((m, i) => m !== encoded.modeCounts[i])) {
    throw mismatch(`decoder mode counts ${dec.modeCounts.join(',')} differ from the encoder's ${encoded.modeCounts.join(',')}`);
  }
  const inputBits = C * H * W * cfg.dataWidth;
  const compressedBits = encoded.bytes.length * 8;
  const layer: LayerResult = {
    name,
    shape: [C, H, W],
    dtype: t.dtype,
    config: cfg,
    tile_pixels: tp,
    tiles: encoded.tiles,
    input_bits: inputBits,
    compressed_bits: compressedBits,
    ratio: inputBits / compressedBits,
    sqnr_db: sqnrDb(signal, err),
    max_abs_error: maxErr,
    mean_error: errSum / decoded.data.length,
    error_sum: errSum,
    signal_energy: signal,
    error_energy: err,
    modes: modeCountsOf(dec.modeCounts),
    baselines: computeBaselines(t, cfg, settings),
  };
  return { layer, encoded, decoded };
}

export function analyzeTensor(t: Tensor, name: string, cfgOpts: CodecOptions, settings: TileSettings, tilePixels?: number): LayerResult {
  return analyzeTensorFull(t, name, cfgOpts, settings, tilePixels).layer;
}

/** Totals over layers: bits and energies are summed, so ratios and SQNR are over the whole set. */
export function summarize(layers: LayerResult[]): Totals {
  const sum = (f: (l: LayerResult) => number) => layers.reduce((a, l) => a + f(l), 0);
  const max = (f: (l: LayerResult) => number) => layers.reduce((a, l) => Math.max(a, f(l)), 0);
  const input = sum((l) => l.input_bits);
  const values = sum((l) => l.shape[0] * l.shape[1] * l.shape[2]);
  const compressed = sum((l) => l.compressed_bits);
  const signal = sum((l) => l.signal_energy);
  const error = sum((l) => l.error_energy);
  const modes: ModeCounts = { zero: 0, ctx: 0, raw: 0, dct: 0 };
  for (const l of layers) for (const k of MODE_NAMES) modes[k] += l.modes[k];
  const zvc = sum((l) => l.baselines.zvc.bits);
  const ent = sum((l) => l.baselines.entropy0.bits);
  const rq = sum((l) => l.baselines.requant.bits);
  const rqErr = sum((l) => l.baselines.requant.error_energy);
  const rqz = sum((l) => l.baselines.requant_zvc.bits);
  const rqSqnr = sqnrDb(signal, rqErr);
  return {
    layers: layers.length,
    input_bits: input,
    compressed_bits: compressed,
    ratio: input / compressed,
    sqnr_db: sqnrDb(signal, error),
    max_abs_error: max((l) => l.max_abs_error),
    mean_error: values === 0 ? 0 : sum((l) => l.error_sum) / values,
    signal_energy: signal,
    error_energy: error,
    modes,
    baselines: {
      zvc: { bits: zvc, ratio: input / zvc },
      entropy0: { bits: ent, ratio: ratioOf(input, ent) },
      requant: { bits: rq, ratio: input / rq, sqnr_db: rqSqnr, max_abs_error: max((l) => l.baselines.requant.max_abs_error) },
      requant_zvc: { bits: rqz, ratio: input / rqz, sqnr_db: rqSqnr },
    },
  };
}

export function buildReport(config: Record<string, unknown>, settings: TileSettings, layers: LayerResult[]): Report {
  return { config, settings, total: summarize(layers), layers };
}

// ---- text output ----

export function fmtRatio(r: number | null): string {
  return r === null || !Number.isFinite(r) ? 'inf' : r.toFixed(3);
}

export function fmtDb(x: number | null): string {
  return x === null ? 'inf' : x.toFixed(2);
}

/** Mean error with its sign, to 4 decimals (a bias of a few thousandths of a step is still visible). */
export function fmtMeanError(x: number): string {
  const r = x.toFixed(4);
  return Number(r) === 0 ? '0.0000' : x > 0 ? `+${r}` : r;
}

/** Percentage of blocks in each mode, in MODE_NAMES order. */
export function modePercents(m: ModeCounts): number[] {
  const n = MODE_NAMES.reduce((a, k) => a + m[k], 0);
  return MODE_NAMES.map((k) => (n === 0 ? 0 : (100 * m[k]) / n));
}

/** Aligns columns: the first column to the left, the others to the right. */
export function alignTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const body = rows.map(line);
  // the last row is the total: set it off with a rule
  if (body.length > 1) body.splice(body.length - 1, 0, rule);
  return [line(header), rule, ...body].join('\n');
}

/** Aligned text table of a report: one row per layer and a total row. */
export function formatReport(r: Report): string {
  const header = ['layer', 'shape', 'ratio', 'SQNR dB', 'maxerr', 'mean err', 'zero%', 'ctx%', 'raw%', 'dct%', 'zvc', 'H0', 'requant', 'rq dB', 'rq+zvc'];
  const row = (
    name: string,
    shape: string,
    ratio: number,
    sqnr: number | null,
    maxErr: number,
    meanErr: number,
    modes: ModeCounts,
    b: { zvc: { ratio: number }; entropy0: { ratio: number | null }; requant: { ratio: number; sqnr_db: number | null }; requant_zvc: { ratio: number } },
  ) => [
    name,
    shape,
    fmtRatio(ratio),
    fmtDb(sqnr),
    String(maxErr),
    fmtMeanError(meanErr),
    ...modePercents(modes).map((p) => p.toFixed(1)),
    fmtRatio(b.zvc.ratio),
    fmtRatio(b.entropy0.ratio),
    fmtRatio(b.requant.ratio),
    fmtDb(b.requant.sqnr_db),
    fmtRatio(b.requant_zvc.ratio),
  ];
  const rows = r.layers.map((l) => row(l.name, l.shape.join('x'), l.ratio, l.sqnr_db, l.max_abs_error, l.mean_error, l.modes, l.baselines));
  const t = r.total;
  rows.push(row(`total (${t.layers} layer${t.layers === 1 ? '' : 's'})`, '', t.ratio, t.sqnr_db, t.max_abs_error, t.mean_error, t.modes, t.baselines));
  const s = r.settings;
  const head = `policy ${s.policy}, quant shift ${s.quantShift}; ratios are input bits / compressed bits (whole .dctcm file); SQNR inf = lossless`;
  return `${head}\n${alignTable(header, rows)}\n`;
}
