// The codec configuration, its validation, and every constant derived from it. The generator and the
// golden model both read constants from here, so the RTL and the model are built from one source.
import { ParamError } from './errors.js';
import { bitLength, signedWidth } from './intmath.js';
import { dctMatrix } from './dct.js';
import { buildRankTable } from './ctxcode.js';
import { TIE_PARITY } from './quantize.js';

/** Version of the compressed format described in docs/FORMAT.md. Bumped on any change of the bits. */
export const FORMAT_VERSION = 3;
/** First byte of every tile header. */
export const TILE_MAGIC = 0xdc;
/** Width of the tile header's pixel count n (FORMAT.md 2.1, header bits 32-47). */
export const TILE_COUNT_BITS = 16;
/** Most pixels a tile holds: the largest count the header's field carries (a tile has 1 .. this). */
export const MAX_TILE_PIXELS = 2 ** TILE_COUNT_BITS - 1;
/** Bits of the tile header: magic, version, shift, configuration tag, pixel count (FORMAT.md 2.1). */
export const TILE_HEADER_BITS = 32 + TILE_COUNT_BITS;
/** Rank planes per coded value before the escape (FORMAT.md section 5). */
export const RANKS = 5;

// ---- the staggered layout (FORMAT.md 2.5, 2.6) ----

/**
 * A record's sections (FORMAT.md section 4) by id, in record order. The payload section is split in
 * two: the RAW blocks' payloads, and those of the CTX and DCT blocks, each in block order.
 */
export const SEC_MODE1 = 0;
export const SEC_MODE2 = 1;
export const SEC_MODE3 = 2;
export const SEC_RANK0 = 3; // rank plane j is SEC_RANK0 + j, j < RANKS
export const SEC_ESCAPES = SEC_RANK0 + RANKS;
export const SEC_DCT_SIDE = SEC_ESCAPES + 1;
export const SEC_RAW_PAYLOADS = SEC_DCT_SIDE + 1;
export const SEC_PAYLOADS = SEC_RAW_PAYLOADS + 1; // CTX payloads and DCT coefficients
export const SECTIONS = SEC_PAYLOADS + 1;
export const SECTION_NAMES: readonly string[] = [
  'mode plane 1',
  'mode plane 2',
  'mode plane 3',
  ...Array.from({ length: RANKS }, (_, j) => `rank plane ${j}`),
  'escape fields',
  'DCT side information',
  'RAW payloads',
  'CTX payloads and DCT coefficients',
];

/**
 * The levels a record is cut into (FORMAT.md 2.5): level k carries these sections, in this order. Each
 * section sits in the lowest level whose length the levels below give, except RAW payloads and DCT side
 * information, which wait until level 6 so that a decoder holds RAW values for a few slots only.
 */
export const GROUPING: readonly (readonly number[])[] = [
  [SEC_MODE1],
  [SEC_MODE2, SEC_RANK0],
  [SEC_MODE3, SEC_RANK0 + 1],
  [SEC_RANK0 + 2],
  [SEC_RANK0 + 3],
  [SEC_RANK0 + 4],
  [SEC_ESCAPES, SEC_DCT_SIDE, SEC_RAW_PAYLOADS],
  [SEC_PAYLOADS],
];
export const LEVELS = GROUPING.length;
/** The top level: the only one whose length needs the record's contexts. */
export const TOP_LEVEL = LEVELS - 1;
/** Slots between consecutive levels of a record (D). */
export const LEVEL_STAGGER = 4;
/**
 * Slot of level k of a record, counted from the slot of its level 0 (FORMAT.md 2.6): k * D, and one
 * slot more for the top level, whose length goes through the context table. (0, 4, 8, ..., 24, 29)
 */
export const LEVEL_OFFSETS: readonly number[] = Array.from({ length: LEVELS }, (_, k) => k * LEVEL_STAGGER + (k === TOP_LEVEL ? 1 : 0));
/** Slots after the last pixel's level 0 that carry only upper levels: a tile of n pixels has n + this slots. */
export const DRAIN_SLOTS = LEVEL_OFFSETS[TOP_LEVEL];

/** Slots of a tile of n pixels: slot t carries level k of record t - LEVEL_OFFSETS[k] (0 <= that < n). */
export function tileSlots(n: number): number {
  return n > 0 ? n + DRAIN_SLOTS : 0;
}

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
  maxRecordBits: number; // longest record a decoder accepts (FORMAT.md section 4)
  maxEncodedRecordBits: number; // longest record the encoder writes (it codes CTX only when no longer than RAW)
  levelMaxBits: number[]; // [k] longest level-k section of any record a decoder accepts (FORMAT.md 4, 2.5)
  maxSlotBits: number; // longest slot: the sum of levelMaxBits, since a slot's levels are of different records
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
  const levelMax = levelMaxBitsOf(blocks, N, W, signed, escBits, coefWidthBits, coefWidthMax, hasDct(cfg));
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
    maxRecordBits: blocks * Math.max(rawBlock, cfg.dct ? dctBlock : 0, ctxBlock),
    maxEncodedRecordBits: blocks * Math.max(rawBlock, cfg.dct ? dctBlock : 0),
    levelMaxBits: levelMax,
    maxSlotBits: levelMax.reduce((a, b) => a + b, 0),
    tag: configTag(cfg),
    noDctTag: configTag({ ...cfg, dct: false }),
  };
  derivedCache.set(key, d);
  return d;
}

/**
 * Longest section of each level (GROUPING) that a record can have. Blocks are independent and each
 * block has one mode, so a level's longest section is C/N times the most one block of any legal mode
 * puts into it (a DCT block is legal only in a build with the DCT).
 */
function levelMaxBitsOf(blocks: number, N: number, W: number, signed: boolean, escBits: number, coefWidthBits: number, coefWidthMax: number, dct: boolean): number[] {
  const perMode = (m: number): number[] => {
    const s = new Array<number>(SECTIONS).fill(0);
    s[SEC_MODE1] = 1;
    if (m === MODE_CTX) {
      for (let j = 0; j < RANKS; j++) s[SEC_RANK0 + j] = N;
      s[SEC_ESCAPES] = N * escBits;
      s[SEC_PAYLOADS] = N * (W - 1 + (signed ? 1 : 0)); // every value of bit length W
    } else {
      s[SEC_MODE2] = 1;
      if (m !== MODE_ZERO) s[SEC_MODE3] = 1;
      if (m === MODE_RAW) s[SEC_RAW_PAYLOADS] = N * W;
      if (m === MODE_DCT) {
        s[SEC_DCT_SIDE] = N + coefWidthBits;
        s[SEC_PAYLOADS] = N * coefWidthMax;
      }
    }
    return s;
  };
  const modes = (dct ? [MODE_ZERO, MODE_CTX, MODE_RAW, MODE_DCT] : [MODE_ZERO, MODE_CTX, MODE_RAW]).map(perMode);
  return GROUPING.map((secs) => blocks * Math.max(...modes.map((s) => secs.reduce((a, i) => a + s[i], 0))));
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
