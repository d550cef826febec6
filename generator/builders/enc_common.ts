// Widths and constants shared by the encoder's pipeline stages (dctcm_enc_*). Every number a template
// prints is computed here from Derived, so the stages agree with each other and with golden/tile.ts.
import { DRAIN_SLOTS, Derived, FORMAT_VERSION, LEVEL_OFFSETS, RANKS, TILE_COUNT_BITS, TILE_HEADER_BITS, TILE_MAGIC, dctContext } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { dctWidths } from './dct.js';
import { Port, bit } from './types.js';

// The format's framing constants, as the encoder builders read them (golden/params.ts).
export { LEVEL_OFFSETS };
export const ENC_HEADER_BITS = TILE_HEADER_BITS;
export const ENC_COUNT_BITS = TILE_COUNT_BITS;

/** Widths and constants of one configuration's encoder. */
export interface EncWidths {
  C: number; // channels
  N: number; // DCT size (channels per block)
  W: number; // data width
  B: number; // bus width
  P: number; // DCT precision
  NB: number; // blocks
  signed: boolean;
  dct: boolean; // built with the DCT mode (false: no dctcm_dct, no DCT cost, mask or coefficients)
  LW: number; // width of a bit length 0..W (also of a context)
  QW: number; // width of a quantization-index magnitude (W bits: see prep)
  CW: number; // DCT coefficient field: dctcm_dct's output lane (coefWidthMax)
  CWB: number; // width of the coefficient-width field
  SBW: number; // width of the cost of one CTX value (symBits)
  BBW: number; // width of a block's cost in bits
  ESCW: number; // escape field as carried between stages (max(1, escBits))
  escBits: number;
  RANKS: number;
  RKW: number; // width of a rank 0..RANKS
  REC: number; // longest record the encoder writes (maxEncodedRecordBits)
  OW: number; // width of a record offset or length (0..REC)
  RAW_BITS: number; // bits of a RAW block (its mode-plane bits included)
  DCT_FIXED: number; // bits of a DCT block except its coefficients: 3 + N + CWB
  LOG2N: number;
  SHIFT_MAX: number; // largest supported quantization shift min(15, W - 1)
  MAX_POS: number; // largest value
  MAX_MAG: number; // largest magnitude (of the smallest value when signed)
  HEADER_LO: number; // first 16 bits of the tile header without the shift (magic | version << 8)
  TAG: number; // configuration tag, second 16 bits of the tile header
  kDct: number[]; // [s] context of a non-zero DCT-coded value at shift s
  LVW: number[]; // [k] longest section of level k any record can have (golden levelMaxBits; the level's field width)
  LNW: number[]; // [k] width of level k's length 0..LVW[k]
  SLOT: number; // longest slot: the sum of LVW (a slot's levels come from different records)
  DRAIN: number; // slots after a tile's last record: the top level's offset
}

export function encWidths(d: Derived): EncWidths {
  const { channels: C, dctSize: N, dataWidth: W, busWidth: B, dctPrecision: P, signed } = d.cfg;
  const NB = d.blocks;
  let maxSym = 0;
  for (const b of d.symBits) maxSym = Math.max(maxSym, b);
  const rawBits = 3 + N * W;
  const dctMax = 3 + N + d.coefWidthBits + N * d.coefWidthMax;
  const shiftMax = Math.min(15, W - 1);
  const kDct: number[] = [];
  for (let s = 0; s < 16; s++) kDct.push(dctContext(W, Math.min(s, shiftMax)));
  const LVW = d.levelMaxBits.map((w) => Math.max(1, w)); // a level that is always empty still gets a 1-bit port
  return {
    C,
    N,
    W,
    B,
    P,
    NB,
    signed,
    dct: d.cfg.dct === true,
    LW: bitLength(W),
    QW: W,
    CW: dctWidths(d).coefWidth, // the encoder carries dctcm_dct's coefficients unchanged
    CWB: d.coefWidthBits,
    SBW: bitLength(maxSym),
    BBW: bitLength(Math.max(1 + N * maxSym, rawBits, d.cfg.dct ? dctMax : 0)),
    ESCW: Math.max(1, d.escBits),
    escBits: d.escBits,
    RANKS,
    RKW: bitLength(RANKS),
    REC: d.maxEncodedRecordBits,
    OW: bitLength(d.maxEncodedRecordBits),
    RAW_BITS: rawBits,
    DCT_FIXED: 3 + N + d.coefWidthBits,
    LOG2N: Math.log2(N),
    SHIFT_MAX: shiftMax,
    MAX_POS: d.maxPos,
    MAX_MAG: d.maxMag,
    HEADER_LO: TILE_MAGIC | (FORMAT_VERSION << 8),
    TAG: d.tag,
    kDct,
    LVW,
    LNW: LVW.map((w) => bitLength(w)),
    SLOT: LVW.reduce((a, b) => a + b, 0),
    DRAIN: DRAIN_SLOTS,
  };
}

/** The record's cost of each block mode as printed in module headers. */
export function modeCostLines(e: EncWidths): string[] {
  return [
    `ZERO block: 2 bits; RAW block: ${e.RAW_BITS} bits; ${e.dct ? `DCT block: ${e.DCT_FIXED} + ${e.N} * wc bits` : 'no DCT block (built without the DCT)'};`,
    `CTX block: 1 + the CTX cost of its ${e.N} values; longest record ${e.REC} bits.`,
  ];
}

/** The valid/ready ports every encoder stage has on each side, in the order the templates declare them. */
export const inHandshake = (): Port[] => [bit('input', 'in_valid'), bit('output', 'in_ready')];
export const outHandshake = (): Port[] => [bit('output', 'out_valid', undefined, { reg: true }), bit('input', 'out_ready')];
export const clkRst = (): Port[] => [bit('input', 'clk'), bit('input', 'rst')];

/** expr (w bits) zero-extended to W >= w bits, as Verilog-2005 (no zero replication when W = w). */
export const zext = (expr: string, w: number, W: number): string => (W > w ? `{ {${W - w}{1'b0}}, ${expr} }` : expr);

/** Concatenation of equal-width fields, field i at bits [i*w +: w]. */
export function packFields(values: number[], w: number): bigint {
  let x = 0n;
  const mask = (1n << BigInt(w)) - 1n;
  for (let i = values.length - 1; i >= 0; i--) x = (x << BigInt(w)) | (BigInt(values[i]) & mask);
  return x;
}

/** The widths every stage template declares as localparams, with those of its port lists. */
export function stageWidths(e: EncWidths) {
  return { ...portWidths(e), N: e.N, W: e.W, LW: e.LW, CW: e.CW, CWB: e.CWB };
}

/** The widths the port lists print. */
export function portWidths(e: EncWidths) {
  return {
    C: e.C,
    NB: e.NB,
    CWd: e.C * e.W,
    CLW: e.C * e.LW,
    CCW: e.C * e.CW,
    NBCWB: e.NB * e.CWB,
    NBBBW: e.NB * e.BBW,
    NB2: e.NB * 2,
    CRKW: e.C * e.RKW,
    CESCW: e.C * e.ESCW,
    REC: e.REC,
    OW: e.OW,
    B: e.B,
  };
}
