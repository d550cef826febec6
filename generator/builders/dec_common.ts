// Widths, limits and tables shared by the decoder's modules (dctcm_decoder, dctcm_dec_*). Every number
// a decoder template prints is computed here from Derived, so the modules agree with each other and with
// decodeTile of golden/tile.ts.
import { Derived, RANKS, dctContext } from '../../golden/params.js';
import { bitLength } from '../../golden/intmath.js';
import { indexLimit } from '../../golden/quantize.js';

/** error_code values of dctcm_decoder (0 = no error). The order is the order decodeTile checks in. */
export const DEC_ERRORS = [
  { code: 1, name: 'BAD_MAGIC', text: 'bad tile magic (header bits 7:0 are not 0xDC)' },
  { code: 2, name: 'BAD_VERSION', text: 'unsupported format version (header bits 11:8)' },
  { code: 3, name: 'BAD_SHIFT', text: 'quantization shift above W - 1 (header bits 15:12)' },
  { code: 4, name: 'BAD_TAG', text: 'configuration tag mismatch (header bits 31:16)' },
  { code: 5, name: 'BAD_ESCAPE', text: 'escape field beyond the unranked bit lengths of its context' },
  { code: 6, name: 'BAD_DCT_WIDTH', text: 'DCT coefficient width above the maximum' },
  { code: 7, name: 'BAD_VALUE', text: 'CTX value outside the quantized value range' },
  { code: 8, name: 'OVERRUN', text: 'header or record runs past the tile data (tlast word came first, or the record reaches the trailer)' },
  { code: 9, name: 'BAD_PADDING', text: 'non-zero padding, or more than a word between the end-of-tile bit and the trailer' },
  { code: 10, name: 'BAD_COUNT', text: 'trailer pixel count does not match (mod 2^16)' },
  { code: 11, name: 'BAD_CHECKSUM', text: 'trailer checksum does not match' },
  { code: 12, name: 'BAD_TRAILER', text: 'non-zero bits above bit 31 of the trailer word' },
] as const;

/** The error code dctcm_decoder raises for a StreamError message of decodeTile. */
export function errorCodeOf(message: string): number {
  const rules: [RegExp, number][] = [
    [/shorter than a header and a trailer/, 8],
    [/bad tile magic/, 1],
    [/unsupported format version/, 2],
    [/quantization shift/, 3],
    [/configuration tag/, 4],
    [/escape field .* is beyond/, 5],
    [/DCT coefficient width .* exceeds/, 6],
    [/is outside the/, 7],
    [/runs past the end of the tile data/, 8],
    [/end-of-tile marker is followed/, 9],
    [/non-zero padding/, 9],
    [/trailer counts/, 10],
    [/checksum/, 11],
    [/non-zero bits in the trailer word/, 12],
  ];
  for (const [re, code] of rules) if (re.test(message)) return code;
  throw new Error(`no decoder error code for "${message}"`);
}

export interface DecWidths {
  C: number; // channels
  N: number; // DCT size
  NB: number; // blocks
  W: number; // data width
  B: number; // bus width
  signed: boolean;
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
  TAG: number;
  RANKS: number;
}

export function decWidths(d: Derived): DecWidths {
  const { channels: C, dctSize: N, dataWidth: W, busWidth: B, signed } = d.cfg;
  const NB = d.blocks;
  const CWM = d.coefWidthMax;
  const CWB = d.coefWidthBits;
  const escBits = d.escBits;
  const ESCW = Math.max(1, escBits);
  const planesEnd = 1 + 2 * NB + RANKS * C;
  const MRB = d.maxRecordBits;
  // s_axis_tready stays high while a word fits (count <= CAP - B), so the buffer must take a word in
  // every state that waits for one: a record not yet decided (count <= MRB), a header (count < 32),
  // and an end-of-tile marker waiting for its trailer (count <= B). Never a deadlock, whatever the input.
  const CAP = Math.max(MRB + 1, planesEnd + 1, 32, B + 1) + B;
  // Malformed records (bad escape, oversized DCT width) can compute offsets far beyond a valid record.
  const worst = planesEnd + C * escBits + NB * (N + CWB) + C * Math.max(W, 2 ** CWB - 1) + 1;
  const OFFW = bitLength(Math.max(worst, CAP)) + 1;
  return {
    C,
    N,
    NB,
    W,
    B,
    signed,
    SG: signed ? 1 : 0,
    CTXW: bitLength(W),
    escBits,
    ESCW,
    CWB,
    CWM,
    FW: Math.max(W, CWM, ESCW, N + CWB),
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
