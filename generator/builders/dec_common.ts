// Widths, limits and tables shared by the decoder's modules (dctcm_decoder, dctcm_dec_*). Every number
// a decoder template prints is computed here from Derived, so the modules agree with each other and with
// decodeTile of golden/tile.ts.
import { Derived, RANKS, dctContext } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { indexLimit } from '../../golden/quantize.js';
import { TILE_ERRORS } from '../../golden/errors.js';

/** dctcm_decoder's error codes (0 = none): the hardware checks of golden/errors.ts STREAM_ERRORS. */
export const DEC_ERRORS = TILE_ERRORS;

/** Width of a status code (m_axis_tuser's code field, error_code): holds the largest error code. */
export const STATUS_CODE_BITS = bitLength(Math.max(...DEC_ERRORS.map((e) => e.code)));

/** m_axis_tuser: the status code, and above it the flag of a status beat (a beat that carries no pixel). */
export const TUSER_BITS = STATUS_CODE_BITS + 1;

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
  FW: number; // widest field the parser extracts at once
  VW: number; // per-channel value carried from the parser: CTX index (W+1), RAW value (W), coefficient (CWM)
  MRB: number; // longest record (maxRecordBits)
  CAP: number; // bit-buffer capacity
  CNTW: number; // width of a bit count 0..CAP
  IDXW: number; // width of a bit index 0..CAP-1
  OFFW: number; // width of a parse offset (holds any offset a malformed record can produce)
  PLANES_END: number; // bound on the end of the mode and rank planes: 1 + 2*NB + RANKS*C
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
  const ESCW = Math.max(1, escBits);
  const planesEnd = 1 + 2 * NB + RANKS * C;
  const MRB = d.maxRecordBits;
  // s_axis_tready stays high while a word fits (count <= CAP - B), so the buffer must take a word in
  // every state that waits for one: a record not yet decided (count <= MRB), a header (count < 32),
  // and an end-of-tile marker waiting for its trailer (count <= B). Never a deadlock, whatever the input.
  const CAP = Math.max(MRB + 1, planesEnd + 1, 32, B + 1) + B;
  // Malformed records (bad escape, oversized DCT width) can compute offsets far beyond a valid record.
  const worst = planesEnd + C * escBits + (dct ? NB * (N + CWB) : 0) + C * Math.max(W, dct ? 2 ** CWB - 1 : 0) + 1;
  const OFFW = bitLength(Math.max(worst, CAP)) + 1;
  return {
    C,
    N,
    NB,
    W,
    B,
    signed,
    dct,
    SG: signed ? 1 : 0,
    CTXW: bitLength(W),
    escBits,
    ESCW,
    CWB,
    CWM,
    FW: Math.max(W, CWM, ESCW, dct ? N + CWB : 0),
    VW: Math.max(W + 1, CWM),
    MRB,
    CAP,
    CNTW: bitLength(CAP),
    IDXW: bitLength(CAP - 1),
    OFFW,
    PLANES_END: planesEnd,
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
  clampQ: number; // maxPos >> s: a positive index above it reconstructs clamped to maxPos
  clampCtx: number; // bitLength(maxPos >> s): the context of a clamped value
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
      clampQ: Math.floor(d.maxPos / 2 ** s),
      clampCtx: bitLength(Math.floor(d.maxPos / 2 ** s)),
      kDct: dctContext(W, s),
    });
  }
  return rows;
}
