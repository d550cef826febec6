// Widths, limits and tables shared by the decoder's modules (dctcm_decoder, dctcm_dec_*). Every number
// a decoder template prints is computed here from Derived, so the modules agree with each other and with
// decodeTile of golden/tile.ts.
import { Derived, FORMAT_VERSION, LEVELS, LEVEL_OFFSETS, RANKS, TILE_COUNT_BITS, TILE_HEADER_BITS, dctContext } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { indexLimit } from '../../golden/quantize.js';
import { TILE_ERRORS } from '../../golden/errors.js';

/** dctcm_decoder's error codes (0 = none): the hardware checks of golden/errors.ts STREAM_ERRORS. */
export const DEC_ERRORS = TILE_ERRORS;

/** Width of a status code (m_axis_tuser's code field, error_code): holds the largest error code. */
export const STATUS_CODE_BITS = bitLength(Math.max(...DEC_ERRORS.map((e) => e.code)));

/** m_axis_tuser: the status code, and above it the flag of a status beat (a beat that carries no pixel). */
export const TUSER_BITS = STATUS_CODE_BITS + 1;

/**
 * Format v2 as the decoder reads it (FORMAT.md 2): the version, the 48-bit tile header with the pixel
 * count, and the slot offsets O[k] of the levels, all from golden/params.ts.
 */
export const DEC_FORMAT = {
  version: FORMAT_VERSION,
  headerBits: TILE_HEADER_BITS,
  countBits: TILE_COUNT_BITS,
  offsets: LEVEL_OFFSETS,
};

/** Levels of a record (the level units of dctcm_dec_parse are written for golden's GROUPING). */
export const DEC_LEVELS = LEVELS;

export interface DecWidths {
  C: number; // channels
  N: number; // DCT size
  NB: number; // blocks
  W: number; // data width
  B: number; // bus width
  signed: boolean;
  dct: boolean; // built with the DCT mode (false: no side information, no coefficients, no dctcm_idct)
  SG: number; // 1 when signed (a CTX value carries a sign bit)
  CTXW: number; // width of a context or a bit length 0..W
  escBits: number; // escape field width (may be 0)
  ESCW: number; // max(1, escBits)
  CWB: number; // coefficient-width field
  CWM: number; // widest coefficient field (coefWidthMax)
  VW: number; // per-channel value carried from the parser: CTX index (W+1), RAW value (W), coefficient (CWM)
  LMAX: number[]; // longest section of each level a decoder accepts (one record's level k)
  LOFF: number[]; // largest offset of level k in a slot: the sum of LMAX below k
  SLOTMAX: number; // longest slot: the sum of LMAX
  CAP: number; // bit-buffer capacity
  CNTW: number; // width of a bit count 0..CAP
  LENW: number; // width of a slot or level length 0..SLOTMAX
  MAX_POS: number;
  MIN_VAL: number;
  TAG: number; // this build's configuration tag
  NODCT_TAG: number; // the tag of the same configuration without the DCT (a DCT build reads its tiles too)
  RANKS: number;
}

export function decWidths(d: Derived): DecWidths {
  const { channels: C, dctSize: N, dataWidth: W, busWidth: B, signed } = d.cfg;
  const NB = d.blocks;
  const dct = d.cfg.dct === true;
  // Without the DCT no coefficient or width field is ever parsed: their widths drop out of every bound.
  const CWM = dct ? d.coefWidthMax : 0;
  const CWB = dct ? d.coefWidthBits : 0;
  const escBits = d.escBits;
  const SG = signed ? 1 : 0;
  // The longest section of each level a decoder accepts (golden levelMaxBits; without the DCT, no DCT terms).
  const LMAX = d.levelMaxBits;
  if (LMAX.length !== DEC_LEVELS) throw new Error(`dctcm_dec_parse is written for ${LMAX.length} levels, the format has ${DEC_LEVELS}`);
  const LOFF = LMAX.map((_, k) => LMAX.slice(0, k).reduce((a, x) => a + x, 0));
  const SLOTMAX = LMAX.reduce((a, x) => a + x, 0);
  // s_axis_tready stays high while a word fits (count <= CAP - B), so the buffer takes a word in every
  // state that waits for one: a slot (count < its length <= SLOTMAX), the header (count < 48) and the
  // padding before the trailer (count < B). Never a deadlock, whatever the input.
  const CAP = Math.max(SLOTMAX, DEC_FORMAT.headerBits, B) + B;
  return {
    C,
    N,
    NB,
    W,
    B,
    signed,
    dct,
    SG,
    CTXW: bitLength(W),
    escBits,
    ESCW: Math.max(1, escBits),
    CWB,
    CWM,
    VW: Math.max(W + 1, CWM),
    LMAX,
    LOFF,
    SLOTMAX,
    CAP,
    CNTW: bitLength(CAP),
    LENW: bitLength(SLOTMAX),
    MAX_POS: d.maxPos,
    MIN_VAL: d.minVal,
    TAG: d.tag,
    NODCT_TAG: d.noDctTag,
    RANKS,
  };
}

/** Per-shift constants of the parser, s = 0..W-1 (larger shifts never reach it: the header rejects them). */
export interface ShiftRow {
  s: number;
  qMax: number; // indexLimit(maxPos, s): largest CTX index
  qMinMag: number; // indexLimit(-minVal, s): largest magnitude of a negative CTX index
  ctxMax: number; // bitLength(maxMag >> s): the largest context a CTX value gives (format v2, design 3.5)
  kDct: number; // context of a non-zero DCT-coded value
}

export function shiftRows(d: Derived): ShiftRow[] {
  const W = d.cfg.dataWidth;
  const rows: ShiftRow[] = [];
  for (let s = 0; s <= W - 1; s++) {
    rows.push({
      s,
      qMax: indexLimit(d.maxPos, s),
      qMinMag: indexLimit(-d.minVal, s),
      ctxMax: bitLength(Math.floor(d.maxMag / 2 ** s)),
      kDct: dctContext(W, s),
    });
  }
  return rows;
}
