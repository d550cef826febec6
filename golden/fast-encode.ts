// A second encoder, written for speed. It is an optimisation, not part of the specification: the
// specification is tile.ts (planPixel, writePixel, updateContext, composed by encodeTile) and
// docs/FORMAT.md. This file writes the same tile words, the same reconstruction and the same mode
// counts; test/golden/fast-encode.test.ts proves it against the stage functions on every configuration
// class and on real tensors, and bench/golden-speed.ts checks its output hashes. Change the format in
// tile.ts first, then here.
//
// Where the speed comes from:
// - Everything that depends on one value alone comes from one table indexed by the value: the bit length
//   L of its quantization index, the CTX payload field (sign and mantissa) and its width, the context the
//   value leaves when its block is CTX, whether it is zero. A second table holds the value's CTX
//   reconstruction. Both are built by calling quantize and dequantize (quantize.ts), so a change of the
//   rounding there reaches this file without an edit here. Everything that depends on (context, L) - the
//   value's cost, rank and escape field - comes from one table built from the Derived rank tables.
// - Ties (FORMAT.md 6.1): both tables come twice, ties rounded down and up, interleaved (entry
//   u << 1 | up), and the position parity (pixel in the tile + channel) picks the entry. A tie between
//   two bit lengths goes by its tie context instead (tieDirection, tile.ts tieContext: the context of the
//   same channel's value in the previous pixel): for W <= 8 a table of (tie context, parity, value) gives
//   the direction, the tie context coming from the channel's previous pair table entry; it is consulted
//   only for the values the pair table entry flags as such ties. The reconstruction written while
//   transposing follows the parity; each value whose tie went the other way is a `fix` applied at the end.
// - For W <= 8, the pair table entry of a channel's value is kept (Encoder.te) as the channel's state:
//   it holds the context the next pixel's look-up needs, already in place in the index. The values are
//   read four at a time from the byte copy, the four unrolled (planPixelPairs), their payload fields
//   gathered in one register that joins the pixel's payload without a branch. Lossless and s = 0 runs
//   take a loop without tie work.
// - One pass over a block's values does all its CTX work speculatively: the rank-0 plane bits as one
//   word, the values of rank >= 1 appended to a list for the later planes, the payload fields into a
//   separate bit buffer through a 32-bit register. If the block is coded otherwise, the list and the
//   buffer are rolled back to where the block started; a CTX block's rank-0 word is appended to the
//   pixel's rank plane 0 through a register too, so the record writer copies whole units.
// - The tile buffer is never cleared: each slot copy ORs into the unit holding bit pos (clean above pos)
//   and assigns the unit after it.
// - In `auto`, most blocks lose the DCT comparison by their DC coefficient alone (wc is at least its
//   width), which depends only on the block's sum: a table of the sum gives it. The other blocks are
//   costed one coefficient at a time and dropped as soon as the widths so far make DCT at least as
//   expensive as the mode it competes with; only blocks that may win get the full transform, with
//   tile.ts's own forwardDct and dctReconstruct. All of these are exact lower bounds, not estimates.
// - Memory is touched in long sequential runs: one pass over the C x H x W tensor checks the range,
//   transposes it (in blocks of pixels that stay in cache, four channels per 32-bit store) into a
//   pixel-major byte (or 16-bit) copy of v - minVal, and in a lossy run writes the reconstruction from
//   the CTX table (right for CTX and ZERO blocks); the few RAW and DCT blocks are patched in afterwards.
//   A lossless run copies the input. (Reading the tensor a tile at a time, C short runs per tile, cost
//   more than the coding itself.)
// - The staggered layout (FORMAT.md 2.6): each record is written in level order, every level from a
//   fresh 32-bit unit, into a delay line of the last LEVEL_OFFSETS[TOP_LEVEL] + 1 records; a slot is
//   then 8 copies of whole units, shifted into place. RAW payloads (level 6) are gathered in their own
//   buffer, apart from the CTX and DCT payloads (level 7).
import { contextOf, fold16, checkTilePixels, ctxLimit, dctReconstruct, effectiveShift, foldedDctOf, forwardDct, EncodedTile } from './tile.js';
import { dequantize, indexLimit, quantize, tieDirection } from './quantize.js';
import { roundShift, signedWidthOf } from './intmath.js';
import {
  Derived,
  FORMAT_VERSION,
  LEVELS,
  LEVEL_OFFSETS,
  MODE_CTX,
  MODE_DCT,
  MODE_RAW,
  MODE_ZERO,
  RANKS,
  TILE_HEADER_BITS,
  TILE_MAGIC,
  TOP_LEVEL,
  TileSettings,
  dctContext,
  tileSlots,
  validateSettings,
} from './params.js';

export interface FastTensor {
  tiles: Uint32Array[]; // each tile's words, B/32 units each
  words: number[];
  modeCounts: number[]; // blocks per mode, over all tiles
}

// ---- tables ----

// Value table entry, for value v at index v - minVal:
const WIDTH_AT = 5; // bits 0-4: L = bitLength(|quantize(v, s)|); bits 5-9: width of the CTX payload field
const CTX_AT = 10; // bits 10-14: the context v leaves if its block is CTX: min(L, ctxLimit) (FORMAT.md 6.4)
const NONZERO_BIT = 1 << 15; // bit 15: v !== 0
const FIELD_AT = 16; // bits 16-31: the CTX payload field

interface ValueTables {
  value: Int32Array; // [(v - minVal) << 1 | up]: a tie rounded up (1) or down (0)
  recon: Int32Array; // the CTX reconstruction of v (FORMAT.md 6.2), same index
  lengthTie: Uint8Array; // [v - minVal]: 1 for a tie between two bit lengths, which the tie context decides
}

const valueTablesCache = new WeakMap<Derived, Map<number, ValueTables>>();

/** The per-value tables of d at shift s, from quantize and dequantize (mirrors planPixel and writePixel). */
function valueTables(d: Derived, s: number): ValueTables {
  let bys = valueTablesCache.get(d);
  if (!bys) valueTablesCache.set(d, (bys = new Map()));
  let t = bys.get(s);
  if (t) return t;
  const { minVal, maxPos } = d;
  const signed = d.cfg.signed;
  const n = maxPos - minVal + 1;
  t = { value: new Int32Array(2 * n), recon: new Int32Array(2 * n), lengthTie: new Uint8Array(n) };
  const qMax = indexLimit(maxPos, s); // as planPixel
  const kMax = ctxLimit(d, s); // as updateContext
  for (let i = 0; i < 2 * n; i++) {
    const v = (i >> 1) + minVal;
    const up = i & 1;
    // a tie (the direction matters) that goes against the parity in some context: between two lengths
    const tie = s > 0 && quantize(v, s, qMax, 0) !== quantize(v, s, qMax, 1);
    for (let k = 0; up === 0 && tie && k < d.symbols; k++) {
      for (let par = 0; par < 2; par++) if (tieDirection(Math.abs(v), s, d.tieUp, k * d.symbols, par) !== par) t.lengthTie[i >> 1] = 1;
    }
    const q = s === 0 ? v : quantize(v, s, qMax, up);
    const L = 32 - Math.clz32(Math.abs(q));
    const r = s === 0 ? q : dequantize(q, s, minVal, maxPos);
    const k = Math.min(L, kMax);
    const mantissa = Math.abs(q) - ((1 << L) >>> 1);
    const field = signed ? +(q < 0) | (mantissa << 1) : mantissa;
    const width = signed ? L : L - +(L > 0);
    if (L > 31 || k > 31 || width > 16 || field < 0 || field >= 1 << 16) {
      throw new Error(`fast-encode: value ${v} at shift ${s} does not fit the value table`); // not for W <= 16
    }
    t.value[i] = L | (width << WIDTH_AT) | (k << CTX_AT) | (v !== 0 ? NONZERO_BIT : 0) | (field << FIELD_AT);
    t.recon[i] = r;
  }
  bys.set(s, t);
  return t;
}

// Context table entry, at index (k << 5) | L: the value's CTX cost in bits (bits 0-4), its rank (bits 5-7,
// RANKS for an escape) and its escape field (bits 8-11). `entry >>> 5` is the rank code the planes use.
const ctxTablesCache = new WeakMap<Derived, Int32Array>();

function ctxTable(d: Derived): Int32Array {
  let t = ctxTablesCache.get(d);
  if (t) return t;
  const S = d.symbols;
  t = new Int32Array(S << 5);
  for (let k = 0; k < S; k++) {
    for (let L = 0; L < S; L++) {
      const sym = k * S + L;
      t[(k << 5) | L] = d.symBits[sym] | (d.rankTable[sym] << 5) | (d.escIndex[sym] << 8);
    }
  }
  ctxTablesCache.set(d, t);
  return t;
}

// Pair table entry, for W <= 8, at index (k << 9) | (up << 8) | (v - minVal): the value table and the
// context table in one look-up, for context k and tie direction up. The entry is also the channel's
// state for the next pixel (Encoder.te): its context field sits where the index wants it, and it carries
// the tie context the value gives the next pixel.
const P_COST_MASK = 15; // bits 0-3: cost in bits (at most 15 for W <= 8)
const P_LENGTH_TIE = 1 << 4; // bit 4: the value is a tie between two bit lengths (ValueTables.lengthTie)
const P_WIDTH_AT = 5; // bits 5-8: payload field width
const P_CTX_AT = 9; // bits 9-12: the context the value leaves in a CTX block (`t & P_CTX_MASK` is k << 9)
const P_CTX_MASK = 15 << P_CTX_AT;
const P_RANKED_AT = 13; // bit 13: rank >= 1 (decided in a later plane)
const P_INDEX_NONZERO = 1 << 14; // L !== 0
const P_TIE_AT = 15; // bits 15-18: the tie context the value gives the next pixel (tile.ts tieContext)
const P_TIE_MASK = 15 << P_TIE_AT;
const P_CODE_AT = 19; // bits 19-23: rank code (rank | escape << 3)
const P_FIELD_AT = 24; // bits 24-31: payload field
// `t >>> P_CODE_AT` is what planPixelPairs lists for the rank planes: the code, the field above it
// (writeLevelsFast masks the escape).

/** The pair table of value tables vts and context table ct, or null when W > 8 (it would not fit). */
function pairTable(d: Derived, vts: ValueTables, ct: Int32Array, tieCtx: Uint8Array): Int32Array | null {
  const W = d.cfg.dataWidth;
  if (W > 8) return null;
  const t = new Int32Array((W + 1) << 9);
  const n = vts.lengthTie.length;
  for (let i = 0; i < t.length; i++) {
    const k = i >>> 9;
    const up = (i >>> 8) & 1;
    const u = i & 255;
    if (u >= n) continue;
    const v = vts.value[(u << 1) | up];
    const c = ct[(k << 5) | (v & 31)];
    const code = c >>> 5;
    const next = (v >>> CTX_AT) & 31;
    const width = (v >>> WIDTH_AT) & 31;
    const field = v >>> FIELD_AT;
    if ((c & 31) > P_COST_MASK || code > 31 || next > 15 || width > 15 || field > 255 || tieCtx[u] > 15) throw new Error('fast-encode: pair table entry does not fit'); // not for W <= 8
    t[i] =
      (c & 31) |
      (vts.lengthTie[u] ? P_LENGTH_TIE : 0) |
      (width << P_WIDTH_AT) |
      (next << P_CTX_AT) |
      (code << P_CODE_AT) |
      ((v & 31) !== 0 ? P_INDEX_NONZERO : 0) |
      (+((code & 7) !== 0) << P_RANKED_AT) |
      (field << P_FIELD_AT) |
      (tieCtx[u] << P_TIE_AT);
  }
  return t;
}

/** Encoder.tieWay for d at shift s > 0, W <= 8. */
function tieWayTable(d: Derived, s: number, lengthTie: Uint8Array): Uint16Array {
  const t = new Uint16Array(d.symbols << 9);
  for (let k = 0; k < d.symbols; k++) {
    for (let par = 0; par < 2; par++) {
      for (let u = 0; u < lengthTie.length; u++) {
        t[(k << 9) | (par << 8) | u] = (lengthTie[u] ? tieDirection(Math.abs(u + d.minVal), s, d.tieUp, k * d.symbols, par) : par) << 8;
      }
    }
  }
  return t;
}

// ---- the encoder of one configuration and policy: tables, scratch, the state of the pixel being coded ----

/** Values v - minVal, pixel-major: bytes when the range allows. */
type Compact = Uint8Array | Uint16Array;

class Encoder {
  readonly C: number;
  readonly N: number;
  readonly W: number;
  readonly nb: number;
  readonly s: number;
  readonly lossless: boolean;
  readonly dctOnly: boolean;
  readonly tryDct: boolean; // DCT is a candidate: a lossy policy on a build with the DCT
  readonly minVal: number;
  readonly escBits: number;
  readonly coefWidthBits: number;
  readonly rawBits: number;
  readonly dctFixed: number; // bits(DCT) = dctFixed + N * wc
  readonly kDct: number;
  readonly wMask: number;
  readonly P: number;
  readonly bytes: boolean; // Compact is a Uint8Array
  readonly vt: Int32Array; // valueTables: [(v - minVal) << 1 | up]
  readonly rt: Int32Array;
  readonly lengthTie: Uint8Array;
  readonly tieCtx: Uint8Array; // [v - minVal] the tie context it gives the next pixel (tile.ts tieContext)
  readonly ct: Int32Array;
  readonly pairs: Int32Array | null; // W <= 8: pairTable(vt, ct)
  readonly F: Int32Array | null;
  readonly dc: number; // T[0][n], the same for every n (0 if it were not: no shortcut)
  readonly dcWidth: Uint8Array | null; // [sum of a block's v - minVal] -> the width of its c_0, if small
  // Scratch
  readonly ctx: Uint8Array; // [channel] context
  readonly ctxMask: Int32Array; // mode plane 1 of the pixel, 32 blocks a word
  readonly others: Int32Array; // per RAW or DCT block of the pixel: (its position in mode plane 2) << 1 | (DCT ? 1 : 0)
  readonly rank0: Uint32Array; // rank plane 0 of the pixel (N bits per CTX block), whole units
  readonly pending: Int32Array; // rank codes (rank | escape << 3) of its CTX values of rank >= 1
  readonly dctSide: Int32Array; // per DCT block: mask, width
  readonly payload: Uint32Array; // its CTX and DCT payloads (level 7), whole units
  readonly rawPayload: Uint32Array; // its RAW payloads (level 6), whole units
  readonly x = new Int32Array(32); // one block's values, coefficients, mask, reconstruction
  readonly y = new Int32Array(32);
  readonly mask = new Uint8Array(32);
  readonly yRecon = new Int32Array(32);
  readonly foldSum = new Float64Array(16);
  readonly foldDiff = new Float64Array(16);
  readonly modeCounts = [0, 0, 0, 0];
  // Values whose tie the tie context sent against the parity (the transposed reconstruction has the
  // parity's): pixel, channel, reconstruction.
  fixes = new Int32Array(3 * 1024);
  nFixes = 0;
  readonly fixAt: Int32Array; // scratch: channels of the pixel whose tie went against the parity
  // W <= 8: [channel] the pair table entry of its value in the last pixel, the context field set by its
  // block's mode (so the channel's context, which ctx holds otherwise)
  readonly te: Int32Array;
  // W <= 8 and s > 0: [(k << 9) | (par << 8) | (v - minVal)] the way (1 up) v rounds in tie context k at
  // parity par (tieDirection; par for a value that is not a tie between two bit lengths), shifted left 8
  // (where the pair table's index has it)
  readonly tieWay: Uint16Array | null;
  // RAW and DCT blocks of a lossy run, whose reconstruction is not the table's: pixel, first channel,
  // then the N values.
  patches = new Int32Array(1024);
  nPatches = 0;
  // The pixel being coded: counts of the lists above, and the payload's partial unit and its bit count.
  nPending = 0;
  nRank0 = 0; // CTX blocks
  r0u = 0; // rank plane 0: its units in rank0, the partial unit and its bit count
  r0acc = 0;
  r0held = 0;
  nDct = 0;
  nOthers = 0; // RAW and DCT blocks
  nNotCtx = 0; // blocks that are not CTX: the length of mode plane 2
  pu = 0;
  pacc = 0;
  pheld = 0;
  ru = 0; // the same for the RAW payloads
  racc = 0;
  rheld = 0;
  pixel = 0;
  parity = 0; // of the pixel's index in its tile
  first = true; // the pixel is its tile's first: tie contexts 0

  constructor(
    readonly d: Derived,
    settings: TileSettings,
  ) {
    const { channels: C, dctSize: N, dataWidth: W, dctPrecision: P } = d.cfg;
    this.C = C;
    this.N = N;
    this.W = W;
    this.P = P;
    this.nb = d.blocks;
    this.s = effectiveShift(settings);
    this.lossless = settings.policy === 'lossless';
    this.dctOnly = settings.policy === 'dct';
    this.tryDct = !this.lossless && d.cfg.dct === true;
    this.minVal = d.minVal;
    this.escBits = d.escBits;
    this.coefWidthBits = d.coefWidthBits;
    this.rawBits = 3 + N * W;
    this.dctFixed = 3 + N + d.coefWidthBits;
    this.kDct = dctContext(W, this.s);
    this.wMask = (1 << W) - 1;
    this.bytes = d.maxPos - d.minVal < 256;
    const t = valueTables(d, this.s);
    this.vt = t.value;
    this.rt = t.recon;
    this.lengthTie = t.lengthTie;
    this.ct = ctxTable(d);
    this.tieCtx = new Uint8Array(d.maxPos - d.minVal + 1);
    for (let u = 0; u < this.tieCtx.length; u++) this.tieCtx[u] = contextOf(u + d.minVal, this.s);
    this.pairs = pairTable(d, t, this.ct, this.tieCtx);
    this.F = this.lossless ? null : foldedDctOf(d);
    this.dc = d.dct[0].every((t) => t === d.dct[0][0]) ? d.dct[0][0] : 0;
    const sums = N * (d.maxPos - d.minVal) + 1;
    this.dcWidth = this.lossless || sums > 1 << 16 ? null : new Uint8Array(sums);
    for (let u = 0; this.dcWidth !== null && u < sums; u++) this.dcWidth[u] = this.c0Width(u);
    this.ctx = new Uint8Array(C);
    this.ctxMask = new Int32Array((d.blocks + 31) >>> 5);
    this.others = new Int32Array(d.blocks);
    this.rank0 = new Uint32Array(Math.ceil((C + 1) / 32) + 1);
    this.pending = new Int32Array(C);
    this.fixAt = new Int32Array(C + 1);
    this.te = new Int32Array(C);
    this.tieWay = this.pairs !== null && this.s > 0 ? tieWayTable(d, this.s, t.lengthTie) : null;
    this.dctSide = new Int32Array(2 * d.blocks);
    this.payload = new Uint32Array(Math.ceil((C * Math.max(W, d.coefWidthMax)) / 32) + 2);
    this.rawPayload = new Uint32Array(Math.ceil((C * W) / 32) + 2);
  }

  /** The width of c_0 = roundShift(T[0][0] * sum of v, P + s) of a block whose v - minVal sum to u. */
  c0Width(u: number): number {
    return signedWidthOf(roundShift(this.dc * (u + this.N * this.minVal), this.P + this.s));
  }
}

const encoders = new WeakMap<Derived, Map<string, Encoder>>();

function encoderOf(d: Derived, settings: TileSettings): Encoder {
  validateSettings(d.cfg, settings);
  let m = encoders.get(d);
  if (!m) encoders.set(d, (m = new Map()));
  const key = `${settings.policy} ${effectiveShift(settings)}`;
  let e = m.get(key);
  if (!e) m.set(key, (e = new Encoder(d, settings)));
  return e;
}

// Buffers shared by all encoders, replaced by bigger ones when needed. The Compact buffers have a
// 32-bit view too, to be written four (two) entries at a time.
const shared = {
  out: new Uint32Array(1 << 16),
  u8: new Uint8Array(1 << 16),
  u16: new Uint16Array(1 << 12),
  u8w: new Uint32Array(0),
  u16w: new Uint32Array(0),
  line: new Uint32Array(0), // the delay line of encodeTileCompact
  lineStride: 0, // its entries' size in the last tile
  lineAt: new Int32Array((LEVEL_OFFSETS[TOP_LEVEL] + 1) * LEVELS),
  lineLen: new Int32Array((LEVEL_OFFSETS[TOP_LEVEL] + 1) * LEVELS),
  lineUsed: new Int32Array(LEVEL_OFFSETS[TOP_LEVEL] + 1), // [entry] units its record touched, to clear
};
shared.u8w = new Uint32Array(shared.u8.buffer);
shared.u16w = new Uint32Array(shared.u16.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1; // the 32-bit views' byte order

/** A Compact buffer of at least n entries for e (contents undefined). */
function compactBuffer(e: Encoder, n: number): Compact {
  n = (n + 3) & ~3; // whole units of the 32-bit view
  if (e.bytes) {
    if (shared.u8.length < n) {
      shared.u8 = new Uint8Array(Math.max(n, 2 * shared.u8.length));
      shared.u8w = new Uint32Array(shared.u8.buffer);
    }
    return shared.u8;
  }
  if (shared.u16.length < n) {
    shared.u16 = new Uint16Array(Math.max(n, 2 * shared.u16.length));
    shared.u16w = new Uint32Array(shared.u16.buffer);
  }
  return shared.u16;
}

/**
 * The pixel-major copy of v - minVal of a C x npix channel-major tensor into compactBuffer(e, C * npix),
 * in blocks of pixels that stay in cache, four channels (two of 16-bit entries) per 32-bit store; with it, when recon is
 * given, the table reconstruction of every value, its ties by the parity of (pixel in its tile of
 * tilePixels + channel). Returns false if a value is outside the range.
 */
function transpose(e: Encoder, data: Int32Array, npix: number, recon: Int32Array | null, tilePixels: number): boolean {
  const { C, minVal, rt } = e;
  const src = compactBuffer(e, C * npix);
  const range = e.d.maxPos - minVal; // 2^W - 1
  const block = Math.max(16, Math.floor(TRANSPOSE_ENTRIES / C));
  let seen = 0; // OR of all v - minVal: bits above the range's mean a value outside it
  if (!LITTLE_ENDIAN) {
    for (let i = 0, n = C * npix; i < n; i++) seen |= data[i] - minVal;
    if ((seen & ~range) !== 0) return false;
    for (let c = 0; c < C; c++) for (let p = 0; p < npix; p++) src[p * C + c] = data[c * npix + p] - minVal;
    if (recon) for (let c = 0; c < C; c++) for (let p = 0; p < npix; p++) recon[c * npix + p] = rt[((data[c * npix + p] - minVal) << 1) | (((p % tilePixels) + c) & 1)];
    return true;
  }
  const parity = recon ? tileParity(npix, tilePixels) : null;
  for (let q0 = 0; q0 < npix; q0 += block) {
    const q1 = Math.min(npix, q0 + block);
    if (e.bytes) {
      const dst = shared.u8w;
      const stride = C >>> 2; // (C is a multiple of 4)
      for (let c = 0; c < C; c += 4) {
        const r0 = c * npix;
        const r1 = r0 + npix;
        const r2 = r1 + npix;
        const r3 = r2 + npix;
        for (let p = q0, di = q0 * stride + (c >>> 2); p < q1; p++, di += stride) {
          const u0 = data[r0 + p] - minVal;
          const u1 = data[r1 + p] - minVal;
          const u2 = data[r2 + p] - minVal;
          const u3 = data[r3 + p] - minVal;
          seen |= u0 | u1 | u2 | u3;
          dst[di] = u0 | (u1 << 8) | (u2 << 16) | (u3 << 24);
          if (parity !== null && recon !== null) {
            const pp = parity[p]; // channel c is even
            recon[r0 + p] = rt[(u0 << 1) | pp];
            recon[r1 + p] = rt[(u1 << 1) | (pp ^ 1)];
            recon[r2 + p] = rt[(u2 << 1) | pp];
            recon[r3 + p] = rt[(u3 << 1) | (pp ^ 1)];
          }
        }
      }
    } else {
      const dst = shared.u16w;
      const stride = C >>> 1;
      for (let c = 0; c < C; c += 2) {
        const r0 = c * npix;
        const r1 = r0 + npix;
        for (let p = q0, di = q0 * stride + (c >>> 1); p < q1; p++, di += stride) {
          const u0 = data[r0 + p] - minVal;
          const u1 = data[r1 + p] - minVal;
          seen |= u0 | u1;
          dst[di] = u0 | (u1 << 16);
          if (parity !== null && recon !== null) {
            const pp = parity[p];
            recon[r0 + p] = rt[(u0 << 1) | pp];
            recon[r1 + p] = rt[(u1 << 1) | (pp ^ 1)];
          }
        }
      }
    }
  }
  return (seen & ~range) === 0;
}

/** [pixel] the parity of its index in its tile of tilePixels pixels. */
function tileParity(npix: number, tilePixels: number): Uint8Array {
  const par = new Uint8Array(npix);
  for (let p = 0, i = 0; p < npix; p++, i = i + 1 === tilePixels ? 0 : i + 1) par[p] = i & 1;
  return par;
}

/** Writes x (0 <= x < 2^n, n <= 32) at bit pos of the zeroed buf, touching the unit after it too. */
function putField(buf: Uint32Array, pos: number, x: number, n: number): number {
  const off = pos & 31;
  buf[pos >>> 5] |= x << off;
  buf[(pos >>> 5) + 1] |= x >>> 1 >>> (31 - off);
  return pos + n;
}

/** Whether src[i0 .. i0 + n) are all u. */
function allEqual(src: Compact, i0: number, n: number, u: number): boolean {
  for (let j = 0; j < n; j++) if (src[i0 + j] !== u) return false;
  return true;
}

/**
 * Plans pixel src[off .. off + C) (what planPixel does, and updateContext): modes, the record's lists and
 * payload in e, contexts updated; RAW and DCT blocks of a lossy run are added to e's patches.
 */
function planPixelFast(e: Encoder, src: Compact, off: number): void {
  if (e.pairs !== null) planPixelPairs(e, src as Uint8Array, off);
  else planPixelTables(e, src, off);
}

/** Four entries of the byte copy src (words: its 32-bit view) from i, a multiple of 4, the first in the low byte. */
function fourBytes(words: Uint32Array, src: Uint8Array, i: number): number {
  return LITTLE_ENDIAN ? words[i >>> 2] : src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24);
}

/**
 * planPixelFast for W <= 8: one pair table look-up per value, the channel's state in e.te. The values
 * are read four at a time (N is a multiple of 4), and the four payload fields (at most 8 bits each)
 * are gathered in a register that joins the pixel's payload without a branch. Without ties decided by
 * context (tieWay null) the loop has no tie work and no block sum (taken from the values when needed).
 */
function planPixelPairs(e: Encoder, src: Uint8Array, off: number): void {
  const { N, nb, tryDct, dctOnly, rawBits, dctFixed, rank0, ctxMask, others, dcWidth, minVal, te, tieWay } = e;
  const pairs = e.pairs as Int32Array;
  const pp = e.parity; // the tie parity of channel c0 + j is pp ^ (j & 1): c0 is a multiple of N, even
  const parA = pp << 8; // of even j, where the pair and tieWay tables index it
  const parB = (pp ^ 1) << 8;
  const zero4 = Math.imul(-minVal, 0x01010101); // four bytes of the value 0
  const words = shared.u8w; // src's 32-bit view
  const cx = e.ctx;
  const pend = e.pending;
  const pbuf = e.payload;
  let np = 0;
  let nr0 = 0;
  let r0u = 0;
  let r0acc = 0;
  let r0held = 0;
  let pu = 0;
  let pacc = 0;
  let pheld = 0;
  let isCtx = 0; // mode plane 1, for the blocks b & ~31 .. b
  let nNotCtx = 0;
  let nOthers = 0;
  e.nDct = 0;
  e.ru = 0;
  e.racc = 0;
  e.rheld = 0;
  const fixAt = e.fixAt;
  let nFix = 0;
  for (let b = 0; b < nb; b++) {
    const c0 = b * N;
    const i0 = off + c0;
    const np0 = np;
    const pu0 = pu;
    const pacc0 = pacc;
    const pheld0 = pheld;
    let ctxBits = 1;
    let any = 0; // OR of the entries (s = 0: of the values' bytes XOR those of 0)
    let r0 = 0;
    let sum = 0; // of v - minVal, with tieWay only
    for (let j = 0; j < N; j += 4) {
      const w4 = fourBytes(words, src, i0 + j);
      let f = 0; // the four payload fields
      let fh = 0;
      // Four values, unrolled (the parities alternate; par here is parity << 8). rg: their rank >= 1 bits.
      let rg = 0;
      if (tieWay === null) {
        // s = 0: an index is 0 when its value is
        any |= w4 ^ zero4;
        {
          const c = c0 + j + 0;
          const t = pairs[(te[c] & P_CTX_MASK) | parA | (w4 & 255)];
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 0;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
        {
          const c = c0 + j + 1;
          const t = pairs[(te[c] & P_CTX_MASK) | parB | ((w4 >>> 8) & 255)];
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 1;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
        {
          const c = c0 + j + 2;
          const t = pairs[(te[c] & P_CTX_MASK) | parA | ((w4 >>> 16) & 255)];
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 2;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
        {
          const c = c0 + j + 3;
          const t = pairs[(te[c] & P_CTX_MASK) | parB | (w4 >>> 24)];
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 3;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
      } else {
        {
          const u = w4 & 255;
          sum += u;
          const c = c0 + j + 0;
          const tp = te[c]; // the channel's entry in the last pixel: context, tie context
          let t = pairs[(tp & P_CTX_MASK) | parA | u];
          if ((t & P_LENGTH_TIE) !== 0) {
            const up = tieWay[((tp >>> (P_TIE_AT - 9)) & (15 << 9)) | parA | u]; // (1 up) << 8
            if (up !== parA) {
              t = pairs[(tp & P_CTX_MASK) | up | u];
              fixAt[nFix++] = c;
            }
          }
          any |= t;
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 0;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
        {
          const u = (w4 >>> 8) & 255;
          sum += u;
          const c = c0 + j + 1;
          const tp = te[c]; // the channel's entry in the last pixel: context, tie context
          let t = pairs[(tp & P_CTX_MASK) | parB | u];
          if ((t & P_LENGTH_TIE) !== 0) {
            const up = tieWay[((tp >>> (P_TIE_AT - 9)) & (15 << 9)) | parB | u]; // (1 up) << 8
            if (up !== parB) {
              t = pairs[(tp & P_CTX_MASK) | up | u];
              fixAt[nFix++] = c;
            }
          }
          any |= t;
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 1;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
        {
          const u = (w4 >>> 16) & 255;
          sum += u;
          const c = c0 + j + 2;
          const tp = te[c]; // the channel's entry in the last pixel: context, tie context
          let t = pairs[(tp & P_CTX_MASK) | parA | u];
          if ((t & P_LENGTH_TIE) !== 0) {
            const up = tieWay[((tp >>> (P_TIE_AT - 9)) & (15 << 9)) | parA | u]; // (1 up) << 8
            if (up !== parA) {
              t = pairs[(tp & P_CTX_MASK) | up | u];
              fixAt[nFix++] = c;
            }
          }
          any |= t;
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 2;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
        {
          const u = w4 >>> 24;
          sum += u;
          const c = c0 + j + 3;
          const tp = te[c]; // the channel's entry in the last pixel: context, tie context
          let t = pairs[(tp & P_CTX_MASK) | parB | u];
          if ((t & P_LENGTH_TIE) !== 0) {
            const up = tieWay[((tp >>> (P_TIE_AT - 9)) & (15 << 9)) | parB | u]; // (1 up) << 8
            if (up !== parB) {
              t = pairs[(tp & P_CTX_MASK) | up | u];
              fixAt[nFix++] = c;
            }
          }
          any |= t;
          te[c] = t;
          ctxBits += t & P_COST_MASK;
          const ranked = (t >>> P_RANKED_AT) & 1;
          rg |= ranked << 3;
          pend[np] = t >>> P_CODE_AT;
          np += ranked;
          f |= (t >>> P_FIELD_AT) << fh;
          fh += (t >>> P_WIDTH_AT) & 15;
        }
      }
      r0 |= (rg ^ 15) << j;
      // f (fh <= 32 bits) joins the payload register; a full unit is stored (always written, kept
      // only when full).
      const spill = f >>> 1 >>> (31 - pheld);
      pacc |= f << pheld;
      pheld += fh;
      pbuf[pu] = pacc;
      const full = pheld >>> 5;
      pu += full;
      pacc = (pacc & (full - 1)) | (spill & -full);
      pheld &= 31;
    }
    // Mode decision (FORMAT.md 8, as planPixel).
    let mode: number;
    let bits = 2;
    if ((tieWay === null ? any : any & P_INDEX_NONZERO) === 0 && (!dctOnly || allEqual(src, i0, N, -minVal))) mode = MODE_ZERO;
    else if (dctOnly) mode = MODE_DCT;
    else if (ctxBits <= rawBits) {
      mode = MODE_CTX;
      bits = ctxBits;
    } else {
      mode = MODE_RAW;
      bits = rawBits;
    }
    let wc = 0;
    if (mode !== MODE_ZERO && tryDct) {
      // DCT candidate. Most blocks lose to CTX by their DC coefficient alone (wc >= its width), which
      // the sum gives: c_0 = roundShift(T[0][0] * sum of v, P + s).
      if (tieWay === null) sum = blockSum(src, i0, N);
      const c0width = dcWidth !== null ? dcWidth[sum] : e.c0Width(sum);
      wc = !dctOnly && dctFixed + N * c0width >= bits ? -1 : dctCandidate(e, src, i0, bits);
      if (wc >= 0 && (dctOnly || dctFixed + N * wc < bits)) mode = MODE_DCT;
    }
    isCtx |= +(mode === MODE_CTX) << b;
    if ((b & 31) === 31 || b === nb - 1) {
      ctxMask[b >>> 5] = isCtx;
      isCtx = 0;
    }
    if (mode === MODE_CTX) {
      nr0++;
      // The block's rank-0 plane bits, appended through a register as the payload is.
      r0acc |= r0 << r0held;
      r0held += N;
      if (r0held >= 32) {
        rank0[r0u++] = r0acc;
        r0held -= 32;
        r0acc = r0 >>> 1 >>> (N - 1 - r0held);
      }
      continue;
    }
    nNotCtx++;
    // Not CTX: drop the block's rank codes and payload fields, and code it the other way.
    np = np0;
    if (mode === MODE_ZERO) {
      // Contexts 0; the reconstruction is 0, which the table gives for these values.
      for (let j = 0; j < N; j++) te[c0 + j] &= P_TIE_MASK;
      pu = pu0;
      pacc = pacc0;
      pheld = pheld0;
      continue;
    }
    others[nOthers++] = ((nNotCtx - 1) << 1) | +(mode === MODE_DCT);
    e.pu = pu0;
    e.pacc = pacc0;
    e.pheld = pheld0;
    codeOtherBlock(e, mode, wc, src, i0, c0);
    for (let c = c0; c < c0 + N; c++) te[c] = (te[c] & P_TIE_MASK) | (cx[c] << P_CTX_AT);
    pu = e.pu; // (a RAW block leaves them at the block's start: its payload went to rawPayload)
    pacc = e.pacc;
    pheld = e.pheld;
  }
  for (let k = 0; k < nFix; k++) {
    const c = fixAt[k];
    addFix(e, c, e.rt[(src[off + c] << 1) | ((pp ^ c ^ 1) & 1)]); // the other direction than the parity's
  }
  finishPixel(e, np, nr0, r0u, r0acc, r0held, nNotCtx, nOthers, pu, pacc, pheld);
}

/** The sum of src[i0 .. i0 + n). */
function blockSum(src: Compact, i0: number, n: number): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += src[i0 + j];
  return sum;
}

/** Stores the pixel's counts and registers in e and adds its blocks to the mode counts. */
function finishPixel(e: Encoder, np: number, nr0: number, r0u: number, r0acc: number, r0held: number, nNotCtx: number, nOthers: number, pu: number, pacc: number, pheld: number): void {
  e.nPending = np;
  e.nRank0 = nr0;
  e.r0u = r0u;
  e.r0acc = r0acc;
  e.r0held = r0held;
  e.nNotCtx = nNotCtx;
  e.nOthers = nOthers;
  const mc = e.modeCounts;
  mc[MODE_ZERO] += nNotCtx - nOthers;
  mc[MODE_CTX] += nr0;
  mc[MODE_RAW] += nOthers - e.nDct;
  mc[MODE_DCT] += e.nDct;
  e.pu = pu;
  e.pacc = pacc;
  e.pheld = pheld;
}

/** planPixelFast for W > 8: the value and context tables, the channel's context in e.ctx. */
function planPixelTables(e: Encoder, src: Compact, off: number): void {
  const { C, N, nb, vt, ct, tryDct, dctOnly, rawBits, dctFixed, rank0, ctxMask, others, dcWidth, lengthTie, tieCtx, minVal, s } = e;
  const tieUp = e.d.tieUp;
  const S = e.d.symbols;
  const prev = e.first ? -1 : off - C; // the previous pixel of the tile (tie contexts), none for the first
  const pp = e.parity; // the tie parity of channel c0 + j is pp ^ (j & 1): c0 is a multiple of N, even
  const cx = e.ctx;
  const pend = e.pending;
  const pbuf = e.payload;
  // The zero test of a block's OR of value table entries: all indices 0 (the dct policy: all values 0).
  const zeroTest = dctOnly ? NONZERO_BIT : 31;
  let np = 0;
  let nr0 = 0;
  let r0u = 0;
  let r0acc = 0;
  let r0held = 0;
  let pu = 0;
  let pacc = 0;
  let pheld = 0;
  let isCtx = 0; // mode plane 1, for the blocks b & ~31 .. b
  let nNotCtx = 0;
  let nOthers = 0;
  e.nDct = 0;
  e.ru = 0;
  e.racc = 0;
  e.rheld = 0;
  for (let b = 0; b < nb; b++) {
    const c0 = b * N;
    const i0 = off + c0;
    const np0 = np;
    const pu0 = pu;
    const pacc0 = pacc;
    const pheld0 = pheld;
    let ctxBits = 1;
    let any = 0;
    let r0 = 0;
    let sum = 0; // of v - minVal
    for (let j = 0; j < N; j++) {
      const u = src[i0 + j];
      const par = (pp ^ j) & 1;
      let t = vt[(u << 1) | par];
      if (lengthTie[u] !== 0) {
        // a tie between two lengths: its tie context decides (tieDirection), else the parity
        const up = tieDirection(Math.abs(u + minVal), s, tieUp, (prev < 0 ? 0 : tieCtx[src[prev + c0 + j]]) * S, par);
        if (up !== par) {
          t = vt[(u << 1) | up];
          addFix(e, c0 + j, e.rt[(u << 1) | up]);
        }
      }
      sum += u;
      const ce = ct[(cx[c0 + j] << 5) | (t & 31)];
      ctxBits += ce & 31;
      const code = ce >>> 5;
      const ranked = +((code & 7) !== 0); // rank >= 1: decided in a later plane
      r0 |= (ranked ^ 1) << j;
      pend[np] = code;
      np += ranked;
      any |= t;
      cx[c0 + j] = (t >>> CTX_AT) & 31;
      // The payload field through a register, stored when full.
      const x = t >>> FIELD_AT;
      const w = (t >>> WIDTH_AT) & 31;
      pacc |= x << pheld;
      pheld += w;
      if (pheld >= 32) {
        pbuf[pu++] = pacc;
        pheld -= 32;
        pacc = x >>> 1 >>> (w - 1 - pheld); // the bits of x beyond the stored unit
      }
    }
    // Mode decision (FORMAT.md 8, as planPixel).
    let mode: number;
    let bits = 2;
    if ((any & zeroTest) === 0) mode = MODE_ZERO;
    else if (dctOnly) mode = MODE_DCT;
    else if (ctxBits <= rawBits) {
      mode = MODE_CTX;
      bits = ctxBits;
    } else {
      mode = MODE_RAW;
      bits = rawBits;
    }
    let wc = 0;
    if (mode !== MODE_ZERO && tryDct) {
      // DCT candidate. Most blocks lose to CTX by their DC coefficient alone (wc >= its width), which
      // the sum gives: c_0 = roundShift(T[0][0] * sum of v, P + s).
      const c0width = dcWidth !== null ? dcWidth[sum] : e.c0Width(sum);
      wc = !dctOnly && dctFixed + N * c0width >= bits ? -1 : dctCandidate(e, src, i0, bits);
      if (wc >= 0 && (dctOnly || dctFixed + N * wc < bits)) mode = MODE_DCT;
    }
    isCtx |= +(mode === MODE_CTX) << b;
    if ((b & 31) === 31 || b === nb - 1) {
      ctxMask[b >>> 5] = isCtx;
      isCtx = 0;
    }
    if (mode === MODE_CTX) {
      nr0++;
      // The block's rank-0 plane bits, appended through a register as the payload is.
      r0acc |= r0 << r0held;
      r0held += N;
      if (r0held >= 32) {
        rank0[r0u++] = r0acc;
        r0held -= 32;
        r0acc = r0 >>> 1 >>> (N - 1 - r0held);
      }
      continue;
    }
    nNotCtx++;
    // Not CTX: drop the block's rank codes and payload fields, and code it the other way.
    np = np0;
    if (mode === MODE_ZERO) {
      // Contexts 0; the reconstruction is 0, which the table gives for these values.
      for (let j = 0; j < N; j++) cx[c0 + j] = 0;
      pu = pu0;
      pacc = pacc0;
      pheld = pheld0;
      continue;
    }
    others[nOthers++] = ((nNotCtx - 1) << 1) | +(mode === MODE_DCT);
    e.pu = pu0;
    e.pacc = pacc0;
    e.pheld = pheld0;
    codeOtherBlock(e, mode, wc, src, i0, c0);
    pu = e.pu; // (a RAW block leaves them at the block's start: its payload went to rawPayload)
    pacc = e.pacc;
    pheld = e.pheld;
  }
  finishPixel(e, np, nr0, r0u, r0acc, r0held, nNotCtx, nOthers, pu, pacc, pheld);
}

/** Records that value (e.pixel, c) reconstructs to r, not to the transposed (parity) reconstruction. */
function addFix(e: Encoder, c: number, r: number): void {
  if (e.fixes.length < 3 * (e.nFixes + 1)) {
    const bigger = new Int32Array(2 * e.fixes.length);
    bigger.set(e.fixes);
    e.fixes = bigger;
  }
  const at = 3 * e.nFixes++;
  e.fixes[at] = e.pixel;
  e.fixes[at + 1] = c;
  e.fixes[at + 2] = r;
}

/**
 * The DCT candidate of the block at src[i0 ..]: its values into e.x, its coefficients into e.y, and
 * their width wc; or -1 when DCT cannot be strictly cheaper than `bits` (never under the dct policy).
 * The bound takes the folded sums of dctForwardFolded one coefficient at a time; a block that may win
 * gets tile.ts's forwardDct.
 */
function dctCandidate(e: Encoder, src: Compact, i0: number, bits: number): number {
  const { N, x, y, F, s, P, dctFixed, minVal } = e;
  for (let j = 0; j < N; j++) x[j] = src[i0 + j] + minVal;
  if (!e.dctOnly && F !== null) {
    const H = N >> 1;
    const sum = e.foldSum;
    const diff = e.foldDiff;
    for (let n = 0; n < H; n++) {
      sum[n] = x[n] + x[N - 1 - n];
      diff[n] = x[n] - x[N - 1 - n];
    }
    let wcLow = 0;
    for (let k = 0; k < N; k++) {
      const u = (k & 1) === 0 ? sum : diff;
      let acc = 0;
      for (let n = 0; n < H; n++) acc += F[k * H + n] * u[n];
      wcLow = Math.max(wcLow, signedWidthOf(roundShift(acc, P + s)));
      if (dctFixed + N * wcLow >= bits) return -1;
    }
  }
  forwardDct(e.d, F, s, x, y);
  let wc = 0;
  for (let k = 0; k < N; k++) wc = Math.max(wc, signedWidthOf(y[k]));
  return wc;
}

/** A block coded RAW or DCT (wc, e.x and e.y from dctCandidate): contexts, payload (RAW: rawPayload), patches. */
function codeOtherBlock(e: Encoder, mode: number, wc: number, src: Compact, i0: number, c0: number): void {
  const { N, s, y, minVal } = e;
  const cx = e.ctx;
  let width = e.W;
  // The reconstruction differs from the table's unless the run is lossless (where it is the value).
  let patch = -1;
  if (!e.lossless) {
    if (e.patches.length < (e.nPatches + 1) * (N + 2)) {
      const bigger = new Int32Array(2 * e.patches.length + N + 2);
      bigger.set(e.patches);
      e.patches = bigger;
    }
    patch = e.nPatches++ * (N + 2);
    e.patches[patch] = e.pixel;
    e.patches[patch + 1] = c0;
  }
  const patches = e.patches;
  if (mode === MODE_RAW) {
    for (let j = 0; j < N; j++) {
      const v = src[i0 + j] + minVal;
      y[j] = v & e.wMask; // the payload field
      cx[c0 + j] = 32 - Math.clz32(Math.abs(v) >>> s);
      if (patch >= 0) patches[patch + 2 + j] = v;
    }
  } else {
    width = wc;
    const { x, mask, yRecon } = e;
    let mk = 0;
    for (let j = 0; j < N; j++) {
      mask[j] = +(x[j] !== 0);
      mk |= mask[j] << j;
    }
    const side = e.dctSide;
    side[2 * e.nDct] = mk;
    side[2 * e.nDct + 1] = wc;
    e.nDct++;
    dctReconstruct(e.d, e.F, s, y, mask, 0, yRecon, 0);
    for (let j = 0; j < N; j++) {
      patches[patch + 2 + j] = yRecon[j]; // (DCT blocks only occur in lossy runs)
      cx[c0 + j] = mask[j] * e.kDct;
    }
    const fieldMask = wc === 0 ? 0 : (1 << wc) - 1; // wc < 32
    for (let j = 0; j < N; j++) y[j] &= fieldMask;
  }
  const raw = mode === MODE_RAW;
  const pbuf = raw ? e.rawPayload : e.payload;
  let pu = raw ? e.ru : e.pu;
  let pacc = raw ? e.racc : e.pacc;
  let pheld = raw ? e.rheld : e.pheld;
  for (let j = 0; j < N; j++) {
    const x = y[j];
    const spill = x >>> 1 >>> (31 - pheld);
    pacc |= x << pheld;
    pheld += width;
    pbuf[pu] = pacc;
    const full = pheld >>> 5;
    pu += full;
    pacc = (pacc & (full - 1)) | (spill & -full);
    pheld &= 31;
  }
  if (raw) {
    e.ru = pu;
    e.racc = pacc;
    e.rheld = pheld;
  } else {
    e.pu = pu;
    e.pacc = pacc;
    e.pheld = pheld;
  }
}

/** Appends units pbuf[from .. to) and the partial unit (acc, held bits) at bit pos of the zeroed out. */
function putUnits(out: Uint32Array, pos: number, pbuf: Uint32Array, from: number, to: number, acc: number, held: number): number {
  const off = pos & 31;
  for (let k = from, u = pos >>> 5; k < to; k++, u++) {
    const x = pbuf[k];
    out[u] |= x << off;
    out[u + 1] = x >>> 1 >>> (31 - off);
  }
  return putField(out, pos + 32 * (to - from), acc, held);
}

/**
 * Writes the record of the pixel planned in e (FORMAT.md 4, as writePixel) in level order (GROUPING),
 * each level from a fresh unit, at unit `base` of the zeroed buf; level k's first unit goes to
 * at[i + k] and its length in bits to len[i + k]. Returns how many units from base it touched.
 */
function writeLevelsFast(e: Encoder, buf: Uint32Array, base: number, at: Int32Array, len: Int32Array, i: number): number {
  const { nb, N } = e;
  let pos = base << 5;
  let start = pos;
  // Bits beyond pos are zero: only ones are set.
  // Level 0: mode plane 1, from its words.
  at[i + 0] = base;
  const ctxMask = e.ctxMask;
  for (let b = 0; b < nb; b += 32) pos = putField(buf, pos, ctxMask[b >>> 5], Math.min(32, nb - b));
  len[i + 0] = pos - start;
  // Level 1: mode plane 2 (zeros but for the RAW and DCT blocks), rank plane 0.
  pos = start = (pos + 31) & ~31;
  at[i + 1] = pos >>> 5;
  const others = e.others;
  for (let k = 0; k < e.nOthers; k++) {
    const b = pos + (others[k] >>> 1); // its plane-2 bit: 1 (not ZERO)
    buf[b >>> 5] |= 1 << (b & 31);
  }
  pos += e.nNotCtx;
  pos = putUnits(buf, pos, e.rank0, 0, e.r0u, e.r0acc, e.r0held);
  len[i + 1] = pos - start;
  // Level 2: mode plane 3 (1 = DCT), rank plane 1; levels 3-5: rank planes 2-4, over the values no plane
  // decided yet; those left after them are the escapes.
  pos = start = (pos + 31) & ~31;
  at[i + 2] = pos >>> 5;
  for (let k = 0; k < e.nOthers; k++, pos++) buf[pos >>> 5] |= (others[k] & 1) << (pos & 31);
  const pend = e.pending;
  const escMask = (1 << e.escBits) - 1; // (pairs' entries carry bits above the code)
  let undecided = e.nPending;
  for (let j = 1; j < RANKS; j++) {
    if (j > 1) {
      pos = start = (pos + 31) & ~31;
      at[i + j + 1] = pos >>> 5;
    }
    // 32 values a word; the values not decided here move down for the next plane.
    let next = 0;
    for (let k = 0; k < undecided; k += 32) {
      const n = Math.min(32, undecided - k);
      let bits = 0;
      for (let q = 0; q < n; q++) {
        const code = pend[k + q];
        const hit = +((code & 7) === j);
        bits |= hit << q;
        pend[next] = code;
        next += hit ^ 1;
      }
      pos = putField(buf, pos, bits, n);
    }
    undecided = next;
    len[i + j + 1] = pos - start;
  }
  // Level 6: escape fields, DCT side information, RAW payloads.
  pos = start = (pos + 31) & ~31;
  at[i + 6] = pos >>> 5;
  for (let k = 0; k < undecided; k++) pos = putField(buf, pos, (pend[k] >>> 3) & escMask, e.escBits);
  const side = e.dctSide;
  for (let k = 0; k < e.nDct; k++) {
    pos = putField(buf, pos, side[2 * k], N);
    pos = putField(buf, pos, side[2 * k + 1], e.coefWidthBits);
  }
  pos = putUnits(buf, pos, e.rawPayload, 0, e.ru, e.racc, e.rheld);
  len[i + 6] = pos - start;
  // Level 7: CTX payloads and DCT coefficients.
  pos = start = (pos + 31) & ~31;
  at[i + 7] = pos >>> 5;
  pos = putUnits(buf, pos, e.payload, 0, e.pu, e.pacc, e.pheld);
  len[i + 7] = pos - start;
  return (pos >>> 5) + 2 - base; // the units touched (putField and putUnits may write the unit after pos's)
}

/** Units of one record in the delay line: every level's longest section in whole units, and a spare. */
function lineStride(d: Derived): number {
  return d.levelMaxBits.reduce((a, b) => a + Math.ceil(b / 32), 0) + 2;
}

/** One tile of npix pixels from pixel p0 of src (pixel-major Compact): its units. Appends to e's patches. */
function encodeTileCompact(e: Encoder, src: Compact, p0: number, npix: number): Uint32Array {
  checkTilePixels(npix);
  const d = e.d;
  const Bw = d.cfg.busWidth;
  const capacity = 1 + Math.ceil((TILE_HEADER_BITS + npix * d.maxRecordBits) / 32) + 2 * (Bw / 32) + 4;
  if (shared.out.length < capacity) shared.out = new Uint32Array(Math.max(capacity, 2 * shared.out.length));
  const out = shared.out;
  // Not cleared: the slot copies below OR into the unit at pos, whose bits above pos are zero, and assign
  // the unit after it; the units after the last slot are cleared at the end.
  out[0] = TILE_MAGIC | (FORMAT_VERSION << 8) | (e.s << 12) | (d.tag << 16);
  out[1] = npix; // the pixel count, bits 32-47
  let pos = TILE_HEADER_BITS;
  // The delay line: record r in entry r mod depth, its level k at unit lineAt[entry * LEVELS + k].
  const depth = LEVEL_OFFSETS[TOP_LEVEL] + 1;
  const stride = lineStride(d);
  if (shared.line.length < depth * stride) {
    shared.line = new Uint32Array(depth * stride);
    shared.lineUsed.fill(0);
  }
  const { line, lineAt, lineLen, lineUsed } = shared;
  // Each entry is cleared (its lineUsed[entry] units) before a record is written into it, so the last
  // tile's records need no clearing here, unless the entries moved (another stride).
  if (shared.lineStride !== stride) {
    for (let k = 0; k < depth; k++) for (let u = k * shared.lineStride, end = u + lineUsed[k]; u < end; u++) line[u] = 0;
    lineUsed.fill(0);
    shared.lineStride = stride;
  }
  e.ctx.fill(0); // all contexts are 0 at the first pixel of a tile, and so are the tie contexts
  e.te.fill(0);
  const slots = tileSlots(npix);
  for (let t = 0, entry = 0; t < slots; t++, entry = entry === depth - 1 ? 0 : entry + 1) {
    // entry = t mod depth
    if (t < npix) {
      const p = p0 + t;
      e.pixel = p;
      e.parity = t & 1;
      e.first = t === 0;
      planPixelFast(e, src, p * e.C);
      const base = entry * stride;
      // (Loops, not fill: the runs are a few units, shorter than a call.)
      for (let u = base, end = base + lineUsed[entry]; u < end; u++) line[u] = 0; // an earlier record
      lineUsed[entry] = stride; // the whole entry, should writeLevelsFast not return (an exception)
      lineUsed[entry] = writeLevelsFast(e, line, base, lineAt, lineLen, entry * LEVELS);
    }
    // Slot t: level k of record t - LEVEL_OFFSETS[k], whole units shifted into place.
    for (let k = 0; k < LEVELS; k++) {
      const r = t - LEVEL_OFFSETS[k];
      if (r < 0 || r >= npix) continue;
      const re = entry - LEVEL_OFFSETS[k]; // r mod depth (LEVEL_OFFSETS[k] < depth)
      const i = (re < 0 ? re + depth : re) * LEVELS + k;
      const n = lineLen[i];
      const off = pos & 31;
      for (let u = lineAt[i], end = u + ((n + 31) >>> 5), o = pos >>> 5; u < end; u++, o++) {
        const x = line[u]; // zero beyond the level's end
        out[o] |= x << off;
        out[o + 1] = x >>> 1 >>> (31 - off);
      }
      pos += n;
    }
  }
  const last = pos >>> 5;
  pos = Math.ceil(pos / Bw) * Bw;
  const dataUnits = pos >>> 5;
  out.fill(0, last + 1, dataUnits + Bw / 32); // padding and trailer word
  out[dataUnits] = (npix & 0xffff) | (fold16(out, dataUnits) << 16); // trailer
  return out.slice(0, dataUnits + Bw / 32);
}

/** Entries of the pixel-major copy written per block of pixels while transposing: a second-level cache share. */
const TRANSPOSE_ENTRIES = 1 << 18;

/**
 * Encodes a C x H x W tensor (data channel-major: value (c, p) at c * npix + p) in tiles of tilePixels
 * pixels, as encodeTile on each tile's pixels would. The decoder's output goes to recon (same layout).
 * onTile is called after each tile. Returns null, having encoded nothing, if a value is outside the
 * configured range (the caller names it: container.ts checkRange).
 */
export function encodeTensorFast(
  d: Derived,
  settings: TileSettings,
  data: Int32Array,
  npix: number,
  tilePixels: number,
  recon: Int32Array,
  onTile?: (done: number, total: number) => void,
): FastTensor | null {
  const e = encoderOf(d, settings);
  const C = e.C;
  // One pass over the tensor: the range check, the pixel-major copy, and in a lossy run the
  // reconstruction of CTX and ZERO blocks (RAW and DCT blocks are patched in after coding). A lossless
  // run reconstructs the input.
  if (!transpose(e, data, npix, e.lossless ? null : recon, tilePixels)) return null;
  if (e.lossless) recon.set(data.subarray(0, C * npix));
  const src = compactBuffer(e, npix * C);
  e.modeCounts.fill(0);
  e.nPatches = 0;
  e.nFixes = 0;
  const tiles: Uint32Array[] = [];
  const words: number[] = [];
  const unitsPerWord = d.cfg.busWidth / 32;
  const n = Math.ceil(npix / tilePixels);
  for (let i = 0; i < n; i++) {
    const p0 = i * tilePixels;
    const u = encodeTileCompact(e, src, p0, Math.min(tilePixels, npix - p0));
    tiles.push(u);
    words.push(u.length / unitsPerWord);
    onTile?.(i + 1, n);
  }
  applyPatches(e, recon, npix, 1);
  return { tiles, words, modeCounts: e.modeCounts.slice() };
}

/**
 * Writes e's fixes, then its patches (a RAW or DCT block replaces what its values' fixes wrote), into
 * recon, where value (p, c) sits at c * channelStride + p * pixelStride.
 */
function applyPatches(e: Encoder, recon: Int32Array, channelStride: number, pixelStride: number): void {
  const { N, patches, fixes } = e;
  for (let k = 0; k < 3 * e.nFixes; k += 3) recon[fixes[k + 1] * channelStride + fixes[k] * pixelStride] = fixes[k + 2];
  for (let k = 0; k < e.nPatches; k++) {
    const at = k * (N + 2);
    const p = patches[at];
    const c0 = patches[at + 1];
    for (let j = 0; j < N; j++) recon[(c0 + j) * channelStride + p * pixelStride] = patches[at + 2 + j];
  }
}

/**
 * One tile with encodeTile's arguments and result (pixels pixel-major, channel fastest, from base; every
 * value in the configured range).
 */
export function encodeTilePixels(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): EncodedTile {
  const e = encoderOf(d, settings);
  const { C, minVal } = e;
  const n = npix * C;
  const src = compactBuffer(e, n);
  for (let i = 0; i < n; i++) src[i] = pixels[base + i] - minVal;
  e.modeCounts.fill(0);
  e.nPatches = 0;
  e.nFixes = 0;
  const units = encodeTileCompact(e, src, 0, npix);
  const recon = new Int32Array(n);
  for (let i = 0; i < n; i++) recon[i] = e.rt[(src[i] << 1) | ((Math.floor(i / C) + (i % C)) & 1)];
  applyPatches(e, recon, 1, C);
  return { units, words: units.length / (d.cfg.busWidth / 32), modeCounts: e.modeCounts.slice(), recon };
}
