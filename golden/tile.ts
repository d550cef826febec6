// Tile encoder and decoder: the bit-exact definition of the DCT-CM stream (docs/FORMAT.md).
// Stages are exported one by one (planPixel, writePixel, updateContext, and the pieces they are made of:
// contextOf, ctxField, dctBlockBits, writeBlockPayload, beginTile / endTile) so the RTL's stage references
// (sim/enc-stages.ts) are built from them.
//
// Speed (bench/golden-speed.ts): the loops that run once per value avoid branches whose direction
// depends on the data. A value of an activation map is zero about half of the time, so an `if` on it is
// mispredicted about half of the time, which costs as much as the rest of the loop body. V8 compiles
// `+(a === b)` to a 0 or 1, and Math.abs and Math.clz32 to single instructions, without branches; these
// loops use them, and where one of two outcomes must be kept they store both and advance a count.
import { BitReader, BitWriter, getBit, getBits, pastEndError } from './bits.js';
import { ERR, StreamError, StreamErrorCode } from './errors.js';
import { signedWidthOf } from './intmath.js';
import { dctForward, dctForwardFolded, dctInverse, dctInverseFolded, foldDct } from './dct.js';
import { dequantize, indexLimit, quantize, tieDirection } from './quantize.js';
import {
  Derived,
  FORMAT_VERSION,
  MODE_CTX,
  MODE_DCT,
  MODE_RAW,
  MODE_ZERO,
  NO_DCT_TAG_XOR,
  RANKS,
  TILE_MAGIC,
  TileSettings,
  dctContext,
  validateSettings,
} from './params.js';

/** What the encoder decided for one pixel: every field the record is written from. */
export interface PixelPlan {
  modes: Uint8Array; // [block] MODE_*
  blockBits: Int32Array; // [block] bits of the chosen mode, its mode-plane bits included
  index: Int32Array; // [channel] CTX: quantization index; RAW: the value
  len: Uint8Array; // [channel] CTX: bit length L of |index|
  rank: Uint8Array; // [channel] CTX: rank of L, RANKS for an escape
  sym: Uint16Array; // [channel] CTX: context * (W + 1) + L, the index into the rank tables
  coef: Int32Array; // [channel] DCT: coefficient k of block b sits at b*N + k
  coefWidth: Uint8Array; // [block] DCT: coefficient field width
  mask: Uint8Array; // [channel] 1 where the input value is non-zero (the DCT zero mask)
  recon: Int32Array; // [channel] the decoder's output
  bits: number; // record length, the present bit included
}

export function newPlan(d: Derived): PixelPlan {
  const C = d.cfg.channels;
  return {
    modes: new Uint8Array(d.blocks),
    blockBits: new Int32Array(d.blocks),
    index: new Int32Array(C),
    len: new Uint8Array(C),
    rank: new Uint8Array(C),
    sym: new Uint16Array(C),
    coef: new Int32Array(C),
    coefWidth: new Uint8Array(d.blocks),
    mask: new Uint8Array(C),
    recon: new Int32Array(C),
    bits: 0,
  };
}


/** Effective quantization shift: the lossless policy always codes exactly. */
export function effectiveShift(s: TileSettings): number {
  return s.policy === 'lossless' ? 0 : s.quantShift;
}

/** d.dct folded for the faster transforms (dct.ts foldDct), or null if it cannot be (never for dctMatrix). */
const foldedDct = new WeakMap<Derived, Int32Array | null>();

export function foldedDctOf(d: Derived): Int32Array | null {
  let F = foldedDct.get(d);
  if (F === undefined) {
    F = foldDct(d.dct) ?? null;
    foldedDct.set(d, F);
  }
  return F;
}

/** dctForward (dct.ts) of d.dct, folded when it can be: the same result, half the multiplications. */
export function forwardDct(d: Derived, F: Int32Array | null, s: number, x: Int32Array, out: Int32Array): void {
  if (F) dctForwardFolded(F, d.cfg.dctSize, d.cfg.dctPrecision, s, x, out);
  else dctForward(d.dct, d.cfg.dctPrecision, s, x, out);
}

/** Bits of a DCT block with coefficient width wc: 3 mode-plane bits, N mask bits, the width field, N coefficients. */
export function dctBlockBits(d: Derived, wc: number): number {
  return 3 + d.cfg.dctSize + d.coefWidthBits + d.cfg.dctSize * wc;
}

// Scratch: one block's transform input and output (N <= 32), and the channels of the CTX values that a
// rank plane has not decided yet (C <= 4096).
const scratchX = new Int32Array(32);
const scratchY = new Int32Array(32);
// The inverse's y can exceed 32 bits for coefficients a malformed stream carries: keep it exact until the clamp.
const scratchInv = new Float64Array(32);
const pendingChannels = new Uint16Array(4096);

/**
 * The context a tie of channel c is decided in (FORMAT.md 6.1): contextOf the same channel's input value
 * in the tile's previous pixel, 0 for the tile's first pixel (p = 0). It reads the input, not the context
 * the previous pixel was coded in, so an encoder decides its ties before its context loop.
 */
export function tieContext(pixel: ArrayLike<number>, pixelBase: number, C: number, p: number, c: number, s: number): number {
  return p === 0 ? 0 : contextOf(pixel[pixelBase - C + c], s);
}

/**
 * The quantization index of value v with tie context k (tieContext): v itself at s = 0, else quantize with
 * the tie going the way tieDirection says for this context and parity ((pixel in tile + channel) mod 2).
 */
export function quantizeInContext(d: Derived, v: number, s: number, qMax: number, k: number, parity: number): number {
  return s === 0 ? v : quantize(v, s, qMax, tieDirection(Math.abs(v), s, d.tieUp, k * d.symbols, parity));
}

/**
 * Mode decision and symbols for one pixel (FORMAT.md section 8): every mode the policy allows is costed
 * in bits and the cheapest wins, ties going to ZERO, CTX, RAW, DCT in that order. The pixel's values
 * are pixel[pixelBase ..], and it is pixel number p of its tile (counting from 0): the quantizer's ties
 * depend on its parity and, for p > 0, on the tile's previous pixel, which must be at
 * pixel[pixelBase - C ..] (tieContext; FORMAT.md 6.1).
 */
export function planPixel(
  d: Derived,
  settings: TileSettings,
  ctx: Uint8Array,
  pixel: ArrayLike<number>,
  pixelBase: number,
  p: number,
  plan: PixelPlan,
): void {
  const { dctSize: N, dataWidth: W } = d.cfg;
  const S = d.symbols;
  const s = effectiveShift(settings);
  const lossless = settings.policy === 'lossless';
  const dctOnly = settings.policy === 'dct';
  const rawBits = 3 + N * W;
  const { rankTable, symBits, minVal, maxPos } = d;
  const { modes, blockBits, mask, sym: symOut, index, len, rank, coef, coefWidth, recon } = plan;
  const F = lossless ? null : foldedDctOf(d);
  const qMax = indexLimit(maxPos, s);
  let total = 1;
  for (let b = 0; b < d.blocks; b++) {
    const c0 = b * N;
    const c1 = c0 + N;
    let anyValue = 0; // OR of the block's values, and of their indices: 0 when all are zero
    let anyIndex = 0;
    let ctxBits = 1;
    for (let c = c0; c < c1; c++) {
      const v = pixel[pixelBase + c];
      const q = quantizeInContext(d, v, s, qMax, tieContext(pixel, pixelBase, d.cfg.channels, p, c, s), (p + c) & 1);
      const L = 32 - Math.clz32(Math.abs(q));
      const sym = ctx[c] * S + L;
      anyValue |= v;
      anyIndex |= q;
      mask[c] = +(v !== 0);
      symOut[c] = sym;
      index[c] = q;
      len[c] = L;
      rank[c] = rankTable[sym];
      ctxBits += symBits[sym];
      // The decoder's output if the block is coded CTX; the other modes overwrite it below.
      recon[c] = s === 0 ? q : dequantize(q, s, minVal, maxPos);
    }
    const allZero = anyValue === 0;
    const allZeroQ = anyIndex === 0;
    let mode: number;
    let bits: number;
    if (dctOnly) {
      mode = allZero ? MODE_ZERO : MODE_DCT;
      bits = allZero ? 2 : 0;
    } else if (lossless ? allZero : allZeroQ) {
      mode = MODE_ZERO;
      bits = 2;
    } else if (ctxBits <= rawBits) {
      mode = MODE_CTX;
      bits = ctxBits;
    } else {
      mode = MODE_RAW;
      bits = rawBits;
    }
    if (mode !== MODE_ZERO && !lossless && d.cfg.dct) {
      // DCT candidate: cost it, and take it only when strictly cheaper (or forced).
      for (let i = 0; i < N; i++) scratchX[i] = pixel[pixelBase + c0 + i];
      forwardDct(d, F, s, scratchX, scratchY);
      let wc = 0;
      for (let k = 0; k < N; k++) {
        const y = scratchY[k];
        coef[c0 + k] = y;
        wc = Math.max(wc, signedWidthOf(y));
      }
      const dctBits = dctBlockBits(d, wc);
      coefWidth[b] = wc;
      if (dctOnly || dctBits < bits) {
        mode = MODE_DCT;
        bits = dctBits;
      }
    }
    modes[b] = mode;
    blockBits[b] = bits;
    total += bits;
    // The decoder's output in the other modes.
    if (mode === MODE_ZERO) {
      for (let c = c0; c < c1; c++) recon[c] = 0;
    } else if (mode === MODE_RAW) {
      for (let c = c0; c < c1; c++) {
        const v = pixel[pixelBase + c];
        index[c] = v;
        recon[c] = v;
      }
    } else if (mode === MODE_DCT) {
      dctReconstruct(d, F, s, coef, mask, c0, recon, 0);
    }
  }
  plan.bits = total;
}

/**
 * Inverse DCT of the block at channel c0, clamped to the value range, zero where the mask says zero
 * (FORMAT.md 7.3): channel c goes to out[outBase + c].
 */
export function dctReconstruct(
  d: Derived,
  F: Int32Array | null, // foldedDctOf(d)
  s: number,
  coef: Int32Array,
  mask: Uint8Array,
  c0: number,
  out: Int32Array,
  outBase: number,
): void {
  const { dctSize: N, dctPrecision: P } = d.cfg;
  const { minVal, maxPos } = d;
  for (let k = 0; k < N; k++) scratchX[k] = coef[c0 + k];
  if (F) dctInverseFolded(F, N, P, s, scratchX, scratchInv);
  else dctInverse(d.dct, P, s, scratchX, scratchInv);
  for (let i = 0; i < N; i++) {
    const y = scratchInv[i];
    out[outBase + c0 + i] = mask[c0 + i] * (y < minVal ? minVal : y > maxPos ? maxPos : y); // mask is 0 or 1
  }
}

/** The context a CTX or RAW value v leaves at shift s: bitLength(|v| >> s) (FORMAT.md 6.4). */
export function contextOf(v: number, s: number): number {
  return 32 - Math.clz32(Math.abs(v) >>> s);
}

/** Context of each channel for the next pixel (FORMAT.md 6.4). */
export function updateContext(d: Derived, s: number, plan: PixelPlan, ctx: Uint8Array): void {
  const N = d.cfg.dctSize;
  const kDct = dctContext(d.cfg.dataWidth, s);
  const { modes, recon, mask } = plan;
  for (let b = 0; b < d.blocks; b++) {
    const c0 = b * N;
    const c1 = c0 + N;
    if (modes[b] === MODE_DCT) {
      for (let c = c0; c < c1; c++) ctx[c] = mask[c] * kDct; // mask is 0 or 1
    } else {
      for (let c = c0; c < c1; c++) ctx[c] = contextOf(recon[c], s);
    }
  }
}

/** Writes the n low bits of v at bit pos of a zeroed buffer; returns pos + n. (Not a closure: fast.) */
function putBits(buf: Uint32Array, pos: number, v: number, n: number): number {
  if (n === 0) return pos;
  const off = pos & 31;
  const x = n === 32 ? v >>> 0 : v & ((1 << n) - 1);
  buf[pos >>> 5] |= x << off;
  if (off + n > 32) buf[(pos >>> 5) + 1] |= x >>> (32 - off);
  return pos + n;
}

/**
 * putBits without branches, for a field that fits (0 <= x < 2^n, n <= 31; n = 0 writes nothing). It
 * always updates the unit after pos too, so the buffer must have one.
 */
function putField(buf: Uint32Array, pos: number, x: number, n: number): number {
  const off = pos & 31;
  buf[pos >>> 5] |= x << off;
  buf[(pos >>> 5) + 1] |= x >>> 1 >>> (31 - off); // the bits beyond this unit (none when off + n <= 32)
  return pos + n;
}

/**
 * The CTX payload field of index q whose |q| has bit length L (FORMAT.md 4): the L - 1 bits of |q|
 * below its leading one, after the sign bit if signed, as one field of ctxFieldBits(L, signed) bits.
 * For q = 0 (L = 0) the field is empty and (1 << 0) >>> 1 = 0 leaves it 0.
 */
export function ctxField(q: number, L: number, signed: boolean): number {
  const mantissa = Math.abs(q) - ((1 << L) >>> 1);
  return signed ? +(q < 0) | (mantissa << 1) : mantissa;
}

/** Width of the CTX payload field of a value with bit length L: L signed, L - 1 unsigned (0 for L = 0). */
export function ctxFieldBits(L: number, signed: boolean): number {
  return signed ? L : L - +(L > 0);
}

/**
 * Writes the payload of block b of a planned pixel at bit pos of buf (zero from pos on, with a unit to
 * spare beyond the payload): CTX fields, RAW values in W bits or DCT coefficients in wc bits, in channel
 * order, nothing for ZERO. Returns the position after it.
 */
export function writeBlockPayload(d: Derived, plan: PixelPlan, b: number, buf: Uint32Array, pos: number): number {
  const { dctSize: N, dataWidth: W, signed } = d.cfg;
  const { modes, len, index, coef, coefWidth } = plan;
  const c0 = b * N;
  const c1 = c0 + N;
  if (modes[b] === MODE_CTX) {
    for (let c = c0; c < c1; c++) pos = putField(buf, pos, ctxField(index[c], len[c], signed), ctxFieldBits(len[c], signed));
  } else if (modes[b] === MODE_RAW) {
    for (let c = c0; c < c1; c++) pos = putBits(buf, pos, index[c], W);
  } else if (modes[b] === MODE_DCT) {
    const wc = coefWidth[b];
    for (let c = c0; c < c1; c++) pos = putBits(buf, pos, coef[c], wc);
  }
  return pos;
}

/**
 * Appends the record of a planned pixel (FORMAT.md section 4). Sections are written in stream order,
 * each in one pass over the blocks or values it covers; bits beyond the write position are zero, so
 * only ones need setting.
 */
export function writePixel(d: Derived, plan: PixelPlan, w: BitWriter): void {
  const N = d.cfg.dctSize;
  const nb = d.blocks;
  const { modes, rank, sym, mask, coefWidth } = plan;
  w.reserve(plan.bits + 32); // + a unit for putField
  const buf = w.buf;
  let pos = w.pos;
  buf[pos >>> 5] |= 1 << (pos & 31); // present
  pos++;
  for (let b = 0; b < nb; b++, pos++) buf[pos >>> 5] |= +(modes[b] === MODE_CTX) << (pos & 31);
  for (let b = 0; b < nb; b++) {
    if (modes[b] === MODE_CTX) continue;
    buf[pos >>> 5] |= +(modes[b] !== MODE_ZERO) << (pos & 31);
    pos++;
  }
  for (let b = 0; b < nb; b++) {
    if (modes[b] !== MODE_RAW && modes[b] !== MODE_DCT) continue;
    buf[pos >>> 5] |= +(modes[b] === MODE_DCT) << (pos & 31);
    pos++;
  }
  // Rank planes: plane j has a bit for each CTX value that the planes before it left undecided (rank
  // >= j), in channel order, 1 where the rank is j. `pending` holds the channels of those values; each
  // plane keeps the ones of rank > j for the next plane, and those left after the last are the escapes.
  // A plane's bits are gathered in a register and stored 32 at a time.
  const pending = pendingChannels;
  let undecided = 0;
  for (let b = 0; b < nb; b++) {
    if (modes[b] === MODE_CTX) for (let c = b * N; c < (b + 1) * N; c++) pending[undecided++] = c;
  }
  for (let j = 0; j < RANKS && undecided > 0; j++) {
    let next = 0;
    let bits = 0; // bits of the plane not stored yet, `held` of them
    let held = 0;
    for (let i = 0; i < undecided; i++) {
      const c = pending[i];
      const r = rank[c];
      bits |= +(r === j) << held;
      pending[next] = c; // kept when r > j, i.e. when `next` advances
      next += +(r !== j);
      if (++held === 32) {
        pos = putBits(buf, pos, bits, 32);
        bits = 0;
        held = 0;
      }
    }
    pos = putBits(buf, pos, bits, held);
    undecided = next;
  }
  for (let i = 0; i < undecided; i++) pos = putBits(buf, pos, d.escIndex[sym[pending[i]]], d.escBits);
  for (let b = 0; b < nb; b++) {
    if (modes[b] !== MODE_DCT) continue;
    let maskBits = 0; // the N <= 32 mask bits as one field, channel b*N + i at bit i
    for (let i = 0; i < N; i++) maskBits |= mask[b * N + i] << i;
    pos = putBits(buf, pos, maskBits, N);
    pos = putBits(buf, pos, coefWidth[b], d.coefWidthBits);
  }
  for (let b = 0; b < nb; b++) pos = writeBlockPayload(d, plan, b, buf, pos);
  w.pos = pos;
}

/** XOR of the 16-bit halves of units[0, n): the tile checksum (FORMAT.md 2.3). */
export function fold16(units: Uint32Array, n: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) x ^= units[i];
  return ((x >>> 16) ^ x) & 0xffff;
}

export interface EncodedTile {
  units: Uint32Array; // the tile's words, B/32 units each
  words: number;
  modeCounts: number[]; // blocks per mode
  recon: Int32Array; // what a decoder will output
}

/**
 * A tile's stream up to its first record: the 32-bit header (magic, version, shift s, configuration tag;
 * FORMAT.md 2.1), in a writer with room for about `bits` more.
 */
export function beginTile(d: Derived, s: number, bits = 0): BitWriter {
  const w = new BitWriter(Math.ceil(bits / 32) + 64);
  w.write(TILE_MAGIC | (FORMAT_VERSION << 8) | (s << 12), 16);
  w.write(d.tag, 16);
  return w;
}

/**
 * Ends a tile of npix records written after beginTile (FORMAT.md 2.2, 2.3): the end bit, zero padding
 * to a word, the trailer word (pixel count mod 2^16, fold16 checksum of the words before it); returns
 * the tile's units.
 */
export function endTile(d: Derived, w: BitWriter, npix: number): Uint32Array {
  const Bw = d.cfg.busWidth;
  w.write(0, 1); // end of tile
  w.align(Bw);
  const dataUnits = w.bitLength >>> 5;
  const chk = fold16(w.buf, dataUnits); // the units beyond the written bits are zero
  w.write(npix & 0xffff, 16);
  w.write(chk, 16);
  w.align(Bw);
  return w.units();
}

/** Encodes npix pixel vectors (channel-fastest) of one tile. */
export function encodeTile(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): EncodedTile {
  validateSettings(d.cfg, settings);
  const C = d.cfg.channels;
  const s = effectiveShift(settings);
  const w = beginTile(d, s, npix * C * d.cfg.dataWidth);
  const ctx = new Uint8Array(C); // all contexts are 0 at the first pixel of a tile
  const plan = newPlan(d);
  const modeCounts = [0, 0, 0, 0];
  const recon = new Int32Array(npix * C);
  for (let p = 0; p < npix; p++) {
    planPixel(d, settings, ctx, pixels, base + p * C, p, plan);
    writePixel(d, plan, w);
    updateContext(d, s, plan, ctx);
    for (let b = 0; b < d.blocks; b++) modeCounts[plan.modes[b]]++;
    recon.set(plan.recon, p * C);
  }
  const units = endTile(d, w, npix);
  return { units, words: units.length / (d.cfg.busWidth / 32), modeCounts, recon };
}

export interface DecodedTile {
  pixels: Int32Array;
  count: number;
  quantShift: number;
  modeCounts: number[];
}

/** The error for a CTX value field (sign bit, then mantissa) of n > 0 bits at pos that passes limit. */
function ctxFieldPastEnd(pos: number, limit: number, signed: boolean): StreamError {
  if (signed && pos + 1 > limit) return pastEndError(pos, limit, 'sign bit');
  return pastEndError(signed ? pos + 1 : pos, limit, 'mantissa');
}

/** Rank and escape tables of one configuration, flattened for the decoder's inner loops. */
interface DecodeTables {
  rankLen: Uint8Array; // [k * RANKS + j] -> the bit length of rank j in context k
  escLen: Uint8Array; // [k * symbols + e] -> the bit length of escape field value e in context k
  escCount: Uint8Array; // [k] -> how many lengths context k leaves unranked
}

const decodeTablesCache = new WeakMap<Derived, DecodeTables>();

function decodeTables(d: Derived): DecodeTables {
  let t = decodeTablesCache.get(d);
  if (!t) {
    const S = d.symbols;
    t = { rankLen: new Uint8Array(S * RANKS), escLen: new Uint8Array(S * S), escCount: new Uint8Array(S) };
    for (let k = 0; k < S; k++) {
      for (let j = 0; j < RANKS; j++) t.rankLen[k * RANKS + j] = d.rankOrder[k][j];
      const rest = d.escLen[k];
      t.escCount[k] = rest.length;
      for (let e = 0; e < rest.length; e++) t.escLen[k * S + e] = rest[e];
    }
    decodeTablesCache.set(d, t);
  }
  return t;
}

/** The pixels decodeTile has decoded so far: the first count * C entries of values. */
export interface TileProgress {
  values: Int32Array;
  count: number;
}

/**
 * Decodes one tile. Every inconsistency is a StreamError naming the bit offset (plus bitBase, the
 * tile's position in a larger file). maxPixels bounds the output; the loop always ends because each
 * pixel consumes at least one bit of a finite tile.
 *
 * With progress, every decoded pixel is recorded there as it completes, so a caller that catches the
 * error still has the pixels before it (decodeTileStatus).
 *
 * Fields are read straight from units at bit `pos`. Each read is checked against the limit first, as
 * BitReader.read does it (same message, same offset; a field of zero bits reads 0 and is never checked).
 */
export function decodeTile(d: Derived, units: Uint32Array, maxPixels = Infinity, bitBase = 0, progress?: TileProgress): DecodedTile {
  const { channels: C, dctSize: N, dataWidth: W, signed, busWidth: Bw } = d.cfg;
  const unitsPerWord = Bw / 32;
  const err = (bit: number, code: StreamErrorCode, msg: string) => new StreamError(bitBase + bit, msg, code);
  if (units.length === 0 || units.length % unitsPerWord !== 0) {
    throw err(0, ERR.PARTIAL_WORD, `tile of ${units.length * 32} bits is not a whole number of ${Bw}-bit words`);
  }
  const words = units.length / unitsPerWord;
  if (words < 2) throw err(0, ERR.OVERRUN, `tile of ${words} word is shorter than a header and a trailer`);
  const limit = (words - 1) * Bw;
  const hdr = units[0];
  if ((hdr & 0xff) !== TILE_MAGIC) throw err(0, ERR.BAD_MAGIC, `bad tile magic 0x${(hdr & 0xff).toString(16)} (expected 0x${TILE_MAGIC.toString(16)})`);
  if (((hdr >>> 8) & 0xf) !== FORMAT_VERSION) throw err(8, ERR.BAD_VERSION, `unsupported format version ${(hdr >>> 8) & 0xf} (this decoder reads ${FORMAT_VERSION})`);
  const s = (hdr >>> 12) & 0xf;
  if (s > W - 1) throw err(12, ERR.BAD_SHIFT, `quantization shift ${s} exceeds data width ${W} - 1`);
  const tag = hdr >>> 16;
  // Every decoder reads its own tag and the no-DCT tag of its configuration; in a no-DCT tile a DCT
  // block is an error (FORMAT.md 2.4).
  const noDctTile = tag === d.noDctTag;
  if (tag !== d.tag && !noDctTile) {
    if (!d.cfg.dct && tag === (d.noDctTag ^ NO_DCT_TAG_XOR)) {
      throw err(16, ERR.BAD_TAG, `configuration tag 0x${tag.toString(16)} is this configuration's built with the DCT, whose tiles may hold DCT blocks: this decoder is built without the DCT (--no-dct) and reads only tag 0x${d.tag.toString(16)}`);
    }
    throw err(16, ERR.BAD_TAG, `configuration tag 0x${tag.toString(16)} does not match this decoder's 0x${d.tag.toString(16)} (different channels, DCT size, widths or bus)`);
  }
  const nb = d.blocks;
  const S = d.symbols;
  const { escBits, coefWidthBits, coefWidthMax, minVal, maxPos } = d;
  const { rankLen, escLen, escCount } = decodeTables(d);
  const F = foldedDctOf(d);
  const ctx = new Uint8Array(C);
  const modes = new Uint8Array(nb);
  const len = new Uint8Array(C);
  const mask = new Uint8Array(C);
  const coef = new Int32Array(C);
  const coefWidth = new Uint8Array(nb);
  const pending = new Uint16Array(C); // CTX channels whose rank is not decided yet, in channel order
  const kDct = dctContext(W, s);
  const qMax = indexLimit(maxPos, s);
  const qMin = -indexLimit(-minVal, s);
  const modeCounts = [0, 0, 0, 0];
  let out = new Int32Array(Math.min(1 << 16, Number.isFinite(maxPixels) ? maxPixels * C : 1 << 16) || C);
  let count = 0;
  let pos = 32;
  for (;;) {
    if (pos >= limit) throw pastEndError(pos, limit, 'pixel-present bit');
    if (getBit(units, pos++) === 0) break;
    if (count >= maxPixels) throw err(pos - 1, ERR.TOO_MANY_PIXELS, `more than the expected ${maxPixels} pixels in the tile`);
    if ((count + 1) * C > out.length) {
      const bigger = new Int32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    const base = count * C;
    for (let b = 0; b < nb; b++) {
      if (pos >= limit) throw pastEndError(pos, limit, 'mode plane 1');
      modes[b] = getBit(units, pos++) ? MODE_CTX : MODE_ZERO;
    }
    for (let b = 0; b < nb; b++) {
      if (modes[b] === MODE_CTX) continue;
      if (pos >= limit) throw pastEndError(pos, limit, 'mode plane 2');
      if (getBit(units, pos++)) modes[b] = MODE_RAW;
    }
    for (let b = 0; b < nb; b++) {
      if (modes[b] !== MODE_RAW) continue;
      if (pos >= limit) throw pastEndError(pos, limit, 'mode plane 3');
      if (getBit(units, pos++)) {
        if (noDctTile) throw err(pos - 1, ERR.NO_DCT, `block ${b} is a DCT block, but the tile's configuration tag is that of a build without the DCT`);
        modes[b] = MODE_DCT;
      }
    }
    // Rank planes: plane j has a bit for each CTX channel that no earlier plane decided (as in
    // writePixel, without branches on the bits: len[c] is set for every channel of the plane, and
    // overwritten by a later plane or the escape field where the bit is 0).
    let undecided = 0;
    for (let b = 0; b < nb; b++) {
      if (modes[b] === MODE_CTX) for (let c = b * N; c < (b + 1) * N; c++) pending[undecided++] = c;
    }
    for (let j = 0; j < RANKS && undecided > 0; j++) {
      let next = 0;
      for (let i = 0; i < undecided; i++, pos++) {
        const c = pending[i];
        if (pos >= limit) throw pastEndError(pos, limit, 'rank plane');
        len[c] = rankLen[ctx[c] * RANKS + j];
        pending[next] = c; // kept when the bit is 0, i.e. when `next` advances
        next += 1 - getBit(units, pos);
      }
      undecided = next;
    }
    // Escape fields: the channels left undecided after the last plane.
    for (let i = 0; i < undecided; i++) {
      const c = pending[i];
      const at = pos;
      let e = 0;
      if (escBits > 0) {
        if (pos + escBits > limit) throw pastEndError(pos, limit, 'escape field');
        e = getBits(units, pos, escBits);
        pos += escBits;
      }
      const k = ctx[c];
      if (e >= escCount[k]) throw err(at, ERR.BAD_ESCAPE, `escape field ${e} of channel ${c} is beyond the ${escCount[k]} unranked bit lengths`);
      len[c] = escLen[k * S + e];
    }
    for (let b = 0; b < nb; b++) {
      if (modes[b] !== MODE_DCT) continue;
      for (let c = b * N; c < (b + 1) * N; c++) {
        if (pos >= limit) throw pastEndError(pos, limit, 'DCT zero mask');
        mask[c] = getBit(units, pos++);
      }
      const at = pos; // coefWidthBits >= 2: the widest coefficient needs a sign bit and a magnitude bit
      if (pos + coefWidthBits > limit) throw pastEndError(pos, limit, 'DCT coefficient width');
      const wc = getBits(units, pos, coefWidthBits);
      pos += coefWidthBits;
      if (wc > coefWidthMax) throw err(at, ERR.BAD_DCT_WIDTH, `DCT coefficient width ${wc} exceeds the maximum ${coefWidthMax}`);
      coefWidth[b] = wc;
    }
    for (let b = 0; b < nb; b++) {
      const c0 = b * N;
      const c1 = c0 + N;
      const mode = modes[b];
      modeCounts[mode]++;
      if (mode === MODE_ZERO) {
        for (let c = c0; c < c1; c++) {
          out[base + c] = 0;
          ctx[c] = 0;
        }
      } else if (mode === MODE_CTX) {
        for (let c = c0; c < c1; c++) {
          // The sign bit (if signed) and the L - 1 mantissa bits, read as one field of n bits (n = 0
          // for L = 0: getBits then reads 0 and (1 << 0) >>> 1 = 0 makes q = 0).
          const L = len[c];
          const n = signed ? L : L - +(L > 0);
          if (pos + n > limit) throw ctxFieldPastEnd(pos, limit, signed);
          const field = getBits(units, pos, n);
          const neg = signed ? field & 1 : 0;
          const mag = ((1 << L) >>> 1) + (signed ? field >>> 1 : field);
          const q = mag - 2 * neg * mag; // neg ? -mag : mag
          if (q > qMax || q < qMin) throw err(pos, ERR.BAD_VALUE, `value ${q} of channel ${c} is outside the ${signed ? 'signed' : 'unsigned'} ${W}-bit range at shift ${s}`);
          pos += n;
          const v = s === 0 ? q : dequantize(q, s, minVal, maxPos);
          out[base + c] = v;
          ctx[c] = contextOf(v, s);
        }
      } else if (mode === MODE_RAW) {
        for (let c = c0; c < c1; c++) {
          if (pos + W > limit) throw pastEndError(pos, limit, 'raw value');
          let v = getBits(units, pos, W);
          pos += W;
          if (signed && v >= 1 << (W - 1)) v -= 1 << W;
          out[base + c] = v;
          ctx[c] = contextOf(v, s);
        }
      } else {
        const wc = coefWidth[b];
        for (let c = c0; c < c1; c++) {
          let v = 0;
          if (wc > 0) {
            if (pos + wc > limit) throw pastEndError(pos, limit, 'DCT coefficient');
            v = getBits(units, pos, wc);
            pos += wc;
            if (v >= 1 << (wc - 1)) v -= 1 << wc; // (wc <= coefWidthMax < 31)
          }
          coef[c] = v;
        }
        dctReconstruct(d, F, s, coef, mask, c0, out, base);
        for (let c = c0; c < c1; c++) ctx[c] = mask[c] * kDct; // mask is 0 or 1
      }
    }
    count++;
    if (progress) {
      progress.values = out;
      progress.count = count;
    }
  }
  const endAt = pos;
  const padTo = Math.ceil(endAt / Bw) * Bw;
  if (padTo !== limit) throw err(endAt, ERR.BAD_PADDING, `end-of-tile marker is followed by ${limit - padTo} bits of data before the trailer`);
  const pad = new BitReader(units, endAt, limit);
  while (pad.pos < limit) {
    const n = Math.min(32, limit - pad.pos);
    const at = pad.pos;
    if (pad.read(n, 'padding') !== 0) throw err(at, ERR.BAD_PADDING, 'non-zero padding after the end-of-tile marker');
  }
  const tu = limit >>> 5;
  const trailer = units[tu];
  if ((trailer & 0xffff) !== (count & 0xffff)) throw err(limit, ERR.BAD_COUNT, `trailer counts ${trailer & 0xffff} pixels, the tile holds ${count} (mod 65536)`);
  const chk = fold16(units, tu);
  if (trailer >>> 16 !== chk) throw err(limit + 16, ERR.BAD_CHECKSUM, `checksum 0x${(trailer >>> 16).toString(16)} does not match the data's 0x${chk.toString(16)}`);
  for (let i = tu + 1; i < units.length; i++) if (units[i] !== 0) throw err(i * 32, ERR.BAD_TRAILER, 'non-zero bits in the trailer word');
  const n = count * C;
  return { pixels: out.length === n ? out : out.slice(0, n), count, quantShift: s, modeCounts };
}

/** What a decoder makes of one tile: the pixels it decoded, and the error that ended it (null if none). */
export interface TileStatus {
  pixels: Int32Array; // count * C values: every pixel whose record was complete before the error
  count: number;
  error: StreamError | null;
}

/**
 * decodeTile without the throw: a rejected tile keeps the pixels decoded before its error, the ones a
 * streaming decoder (dctcm_decoder) has already emitted when it finds the error (docs/RTL.md).
 */
export function decodeTileStatus(d: Derived, units: Uint32Array): TileStatus {
  const progress: TileProgress = { values: new Int32Array(0), count: 0 };
  try {
    const t = decodeTile(d, units, Infinity, 0, progress);
    return { pixels: t.pixels, count: t.count, error: null };
  } catch (e) {
    if (!(e instanceof StreamError)) throw e;
    const n = progress.count * d.cfg.channels;
    return { pixels: progress.values.slice(0, n), count: progress.count, error: e };
  }
}
