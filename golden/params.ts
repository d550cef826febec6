// The codec configuration, its validation, and every constant derived from it. The generator and the
// golden model both read constants from here, so the RTL and the model are built from one source.
import { ParamError } from './errors.js';
import { bitLength, signedWidth } from './intmath.js';
import { dctMatrix } from './dct.js';
import { buildRankTable } from './ctxcode.js';
import { TIE_PARITY } from './quantize.js';

/** Version of the compressed format described in docs/FORMAT.md. Bumped on any change of the bits. */
export const FORMAT_VERSION = 1;
/** First byte of every tile header. */
export const TILE_MAGIC = 0xdc;
/** Bits of the tile header: magic, version, shift, configuration tag (FORMAT.md 2.1). */
export const TILE_HEADER_BITS = 32;
/** Bits of the end-of-tile marker after the last record (FORMAT.md 2.2). */
export const TILE_END_BITS = 1;
/** Rank planes per coded value before the escape (FORMAT.md section 5). */
export const RANKS = 5;

export const DCT_SIZES = [4, 8, 16, 32] as const;
export const POLICIES = ['lossless', 'auto', 'dct'] as const;
export type Policy = (typeof POLICIES)[number];

/** Block modes (FORMAT.md section 4). Numeric values are the mode-histogram indices, not bit codes. */
export const MODE_ZERO = 0;
export const MODE_CTX = 1;
export const MODE_RAW = 2;
export const MODE_DCT = 3;
export const MODE_NAMES = ['zero', 'ctx', 'raw', 'dct'] as const;

/** Build-time configuration: fixed in the RTL, recorded in every file header. */
export interface CodecConfig {
  channels: number; // C: values per pixel vector
  dctSize: number; // N: channels per block, DCT length
  dataWidth: number; // W: bits per activation
  signed: boolean; // two's-complement activations
  busWidth: number; // B: compressed word width in bits
  dctPrecision: number; // P: fractional bits of the integer DCT matrix
  // Build with the DCT mode (default true). false (--no-dct): the encoder never writes a DCT block and
  // the cores hold no transform; tiles carry the no-DCT tag and a DCT block in them is an error (FORMAT.md 2.4).
  dct?: boolean;
}

/** Run-time settings: sampled per tile (the RTL's configuration port). */
export interface TileSettings {
  policy: Policy;
  quantShift: number; // s: quantization step 2^s for the lossy modes; forced to 0 by the lossless policy
}

export const DEFAULT_CONFIG = {
  dctSize: 8,
  dataWidth: 8,
  signed: false,
  dctPrecision: 12,
  dct: true,
} as const;

/** Whether a configuration is built with the DCT mode (an absent `dct` means the default, true). */
export function hasDct(c: CodecConfig): boolean {
  return c.dct !== false;
}

/** Valid compressed word widths B: multiples of BUS_WIDTH_STEP from BUS_WIDTH_MIN to BUS_WIDTH_MAX. */
export const BUS_WIDTH_MIN = 32;
export const BUS_WIDTH_MAX = 4096;
export const BUS_WIDTH_STEP = 32;

/**
 * Default bus width: half the raw pixel width rounded up to 32 bits, so an average pixel fits one word,
 * kept within the valid widths (wide pixels, C x W > 8192, get the widest bus, 4096).
 */
export function defaultBusWidth(channels: number, dataWidth: number): number {
  const half = Math.ceil((channels * dataWidth) / 2 / BUS_WIDTH_STEP) * BUS_WIDTH_STEP;
  return Math.min(BUS_WIDTH_MAX, Math.max(BUS_WIDTH_MIN, half));
}

/** defaultBusWidth in words, for the --help texts of gen-rtl and dctcm. */
export const DEFAULT_BUS_WIDTH_TEXT = `half a raw pixel, C*W/2, rounded up to a multiple of ${BUS_WIDTH_STEP} and kept within ${BUS_WIDTH_MIN}..${BUS_WIDTH_MAX}`;

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new ParamError(`${name} ${v} is out of range: it must be an integer from ${lo} to ${hi}`);
  }
}

/** Throws ParamError naming the first violated constraint. */
export function validateConfig(c: CodecConfig): void {
  checkInt('--channels', c.channels, 1, 4096);
  if (!(DCT_SIZES as readonly number[]).includes(c.dctSize)) {
    throw new ParamError(`--dct-size ${c.dctSize} is not supported: it must be one of ${DCT_SIZES.join(', ')}`);
  }
  if (c.channels % c.dctSize !== 0) {
    throw new ParamError(`--channels ${c.channels} is not a multiple of --dct-size ${c.dctSize}`);
  }
  checkInt('--data-width', c.dataWidth, 4, 16);
  checkInt('--dct-precision', c.dctPrecision, 8, 16);
  checkInt('--bus-width', c.busWidth, BUS_WIDTH_MIN, BUS_WIDTH_MAX);
  if (c.busWidth % BUS_WIDTH_STEP !== 0) throw new ParamError(`--bus-width ${c.busWidth} is not a multiple of ${BUS_WIDTH_STEP}`);
}

export function validateSettings(c: CodecConfig, s: TileSettings): void {
  if (!(POLICIES as readonly string[]).includes(s.policy)) {
    throw new ParamError(`--policy ${s.policy} is not one of ${POLICIES.join(', ')}`);
  }
  checkInt('--quant-shift', s.quantShift, 0, Math.min(15, c.dataWidth - 1));
  if (s.policy === 'dct' && !hasDct(c)) {
    throw new ParamError('--policy dct needs a build with the DCT mode: this configuration is built with --no-dct (use lossless or auto)');
  }
  if (s.policy === 'lossless' && s.quantShift !== 0) {
    throw new ParamError(`--quant-shift ${s.quantShift} needs a lossy policy: --policy lossless codes exactly (shift 0)`);
  }
}

/**
 * A no-DCT build's tag is the DCT build's tag XOR this (its complement): always different from it, so a
 * decoder tells the two apart (FORMAT.md 2.4).
 */
export const NO_DCT_TAG_XOR = 0xffff;

/** 16-bit tag of the build-time configuration, carried in every tile header (FORMAT.md 2.4). */
export function configTag(c: CodecConfig): number {
  return hasDct(c) ? dctTag(c) : dctTag(c) ^ NO_DCT_TAG_XOR;
}

/** The tag of the configuration built with the DCT: FNV-1a of `C,N,W,S,B,P`, folded to 16 bits. */
function dctTag(c: CodecConfig): number {
  const text = `${c.channels},${c.dctSize},${c.dataWidth},${c.signed ? 1 : 0},${c.busWidth},${c.dctPrecision}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ((h >>> 16) ^ (h & 0xffff)) & 0xffff;
}

/** Everything the model and the generator derive from a configuration. */
export interface Derived {
  cfg: CodecConfig;
  blocks: number; // C / N
  symbols: number; // W + 1 bit-length symbols 0..W
  escBits: number; // width of an escape field: indexes the W + 1 - RANKS unranked lengths
  maxMag: number; // largest magnitude a value can have (2^W - 1 unsigned, 2^(W-1) signed)
  maxPos: number; // largest value
  minVal: number; // smallest value
  rankTable: Uint8Array; // [k * symbols + L] -> rank 0..RANKS-1, or RANKS for escape
  rankOrder: number[][]; // [k] -> the RANKS symbols in rank order
  escIndex: Uint8Array; // [k * symbols + L] -> escape field value of an unranked L
  symBits: Uint8Array; // [k * symbols + L] -> bits a CTX value costs (rank planes or escape, sign, mantissa)
  tieUp: Uint8Array; // [k * symbols + L] -> a tie between lengths L and L + 1 in tie context k: 1 up, 0 down, TIE_PARITY (quantize.ts)
  escLen: number[][]; // [k][escape field value] -> L
  dct: number[][]; // T[k][n], scaled by 2^P
  coefMaxAbs: number; // largest |quantized coefficient| at shift 0
  coefWidthMax: number; // widest coefficient field
  coefWidthBits: number; // width of the coefficient-width field
  maxRecordBits: number; // longest record a decoder accepts, so the most it must buffer (FORMAT.md section 4)
  maxEncodedRecordBits: number; // longest record the encoder writes (it codes CTX only when no longer than RAW)
  tag: number; // this build's configuration tag, written by its encoder
  noDctTag: number; // the tag of the same configuration built without the DCT: every decoder accepts it (a subset)
}

const derivedCache = new Map<string, Derived>();

export function derive(cfg: CodecConfig): Derived {
  cfg = { ...cfg, dct: hasDct(cfg) }; // d.cfg.dct is always a boolean
  const key = JSON.stringify(cfg);
  const hit = derivedCache.get(key);
  if (hit) return hit;
  validateConfig(cfg);
  const { channels: C, dctSize: N, dataWidth: W, signed, dctPrecision: P } = cfg;
  const T = dctMatrix(N, P);
  const maxAbsIn = signed ? 2 ** (W - 1) : 2 ** W - 1;
  let coefMaxAbs = 0;
  for (const row of T) {
    const s = row.reduce((a, t) => a + Math.abs(t), 0);
    coefMaxAbs = Math.max(coefMaxAbs, Math.ceil((s * maxAbsIn) / 2 ** P));
  }
  const coefWidthMax = signedWidth(coefMaxAbs);
  const coefWidthBits = bitLength(coefWidthMax);
  const { table, order, escIndex, escLen } = buildRankTable(W, RANKS);
  const blocks = C / N;
  const escBits = bitLength(Math.max(0, W - RANKS));
  const symBits = new Uint8Array(table.length);
  for (let i = 0; i < table.length; i++) {
    const r = table[i];
    const L = i % (W + 1);
    symBits[i] = (r < RANKS ? r + 1 : RANKS + escBits) + (L === 0 ? 0 : L - 1 + (signed ? 1 : 0));
  }
  // Ties between lengths L and L + 1 go to the cheaper code (FORMAT.md 6.1); L = W has no tie above it.
  const tieUp = new Uint8Array(table.length).fill(TIE_PARITY);
  for (let k = 0; k <= W; k++) {
    for (let L = 0; L < W; L++) {
      const lo = symBits[k * (W + 1) + L];
      const hi = symBits[k * (W + 1) + L + 1];
      if (lo !== hi) tieUp[k * (W + 1) + L] = +(hi < lo);
    }
  }
  const rawBlock = rawBlockBits(N, W);
  const dctBlock = dctBlockBits(N, coefWidthBits, coefWidthMax);
  // A CTX block may legally be longer than RAW (every value escaped at its widest length): a decoder
  // accepts it, though the encoder never writes one.
  const ctxBlock = 1 + N * symBits.reduce((a, b) => Math.max(a, b), 0);
  const d: Derived = {
    cfg: { ...cfg },
    blocks,
    symbols: W + 1,
    escBits,
    symBits,
    tieUp,
    maxMag: maxAbsIn,
    maxPos: signed ? 2 ** (W - 1) - 1 : 2 ** W - 1,
    minVal: signed ? -(2 ** (W - 1)) : 0,
    rankTable: table,
    rankOrder: order,
    escIndex,
    escLen,
    dct: T,
    coefMaxAbs,
    coefWidthMax,
    coefWidthBits,
    // Without the DCT no DCT block is legal, so none bounds a record.
    maxRecordBits: 1 + blocks * Math.max(rawBlock, cfg.dct ? dctBlock : 0, ctxBlock),
    maxEncodedRecordBits: 1 + blocks * Math.max(rawBlock, cfg.dct ? dctBlock : 0),
    tag: configTag(cfg),
    noDctTag: configTag({ ...cfg, dct: false }),
  };
  derivedCache.set(key, d);
  return d;
}

/** Bits of a RAW block, its three mode-plane bits included (FORMAT.md 4, 8). */
export function rawBlockBits(N: number, W: number): number {
  return 3 + N * W;
}

/** Bits of a DCT block with coefficient width wc, its mode-plane bits and side information included (FORMAT.md 4, 8). */
export function dctBlockBits(N: number, coefWidthBits: number, wc: number): number {
  return 3 + N + coefWidthBits + N * wc;
}

/** Context value of a channel whose block was DCT coded and whose value is non-zero (FORMAT.md 6.4). */
export function dctContext(W: number, s: number): number {
  return Math.max(1, Math.floor(W / 2) - s);
}
