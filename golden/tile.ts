// Tile encoder and decoder: the bit-exact definition of the DCT-CM stream, format version 3
// (docs/FORMAT.md). A pixel's record is planned (planPixel) and written (writePixel) as one run of bits,
// cut into levels (recordLevels, params.ts GROUPING), and the levels of consecutive records are
// staggered into slots: slot t carries level k of record t - LEVEL_OFFSETS[k] (encodeTile). Stages are
// exported one by one (planPixel, writePixel, updateContext, recordSections, recordLevels, and the pieces
// they are made of: contextOf, ctxField, dctBlockBits, writeBlockPayload, startTile / finishTile) so the
// RTL's stage references (sim/) are built from them.
//
// Speed (bench/golden-speed.ts): the loops that run once per value avoid branches whose direction
// depends on the data. A value of an activation map is zero about half of the time, so an `if` on it is
// mispredicted about half of the time, which costs as much as the rest of the loop body. V8 compiles
// `+(a === b)` to a 0 or 1, and Math.abs and Math.clz32 to single instructions, without branches; these
// loops use them, and where one of two outcomes must be kept they store both and advance a count.
import { BitWriter, getBit, getBits, pastEndError } from './bits.js';
import { ERR, ParamError, StreamError, StreamErrorCode } from './errors.js';
import { signedWidthOf } from './intmath.js';
import { dctForward, dctForwardFolded, dctInverse, dctInverseFolded, foldDct } from './dct.js';
import { dequantize, indexLimit, quantize, tieDirection } from './quantize.js';
import {
  Derived,
  FORMAT_VERSION,
  GROUPING,
  LEVELS,
  LEVEL_OFFSETS,
  MAX_TILE_PIXELS,
  MODE_CTX,
  MODE_DCT,
  MODE_RAW,
  MODE_ZERO,
  NO_DCT_TAG_XOR,
  RANKS,
  SECTIONS,
  SEC_DCT_SIDE,
  SEC_ESCAPES,
  SEC_MODE1,
  SEC_MODE2,
  SEC_MODE3,
  SEC_PAYLOADS,
  SEC_RANK0,
  SEC_RAW_PAYLOADS,
  TILE_COUNT_BITS,
  TILE_HEADER_BITS,
  TILE_MAGIC,
  TOP_LEVEL,
  TileSettings,
  dctContext,
  tileSlots,
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
  bits: number; // record length: the sum of its sections (FORMAT.md section 4)
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
  let total = 0;
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

/** The context a RAW value v leaves at shift s: bitLength(|v| >> s) (FORMAT.md 6.4). */
export function contextOf(v: number, s: number): number {
  return 32 - Math.clz32(Math.abs(v) >>> s);
}

/** Largest context a CTX value leaves at shift s: bitLength(maxMag >> s) (FORMAT.md 6.4). */
export function ctxLimit(d: Derived, s: number): number {
  return 32 - Math.clz32(d.maxMag >>> s);
}

/**
 * Context of each channel for the next pixel (FORMAT.md 6.4): a CTX value leaves min(L, ctxLimit), a
 * function of its bit length alone (so of levels 0-6 of its record, never of a sign bit in level 7);
 * a RAW value bitLength(|v| >> s); a DCT block's non-zero channels dctContext; ZERO blocks 0.
 */
export function updateContext(d: Derived, s: number, plan: PixelPlan, ctx: Uint8Array): void {
  const N = d.cfg.dctSize;
  const kDct = dctContext(d.cfg.dataWidth, s);
  const kMax = ctxLimit(d, s);
  const { modes, recon, mask, len } = plan;
  for (let b = 0; b < d.blocks; b++) {
    const c0 = b * N;
    const c1 = c0 + N;
    const m = modes[b];
    if (m === MODE_DCT) {
      for (let c = c0; c < c1; c++) ctx[c] = mask[c] * kDct; // mask is 0 or 1
    } else if (m === MODE_CTX) {
      for (let c = c0; c < c1; c++) ctx[c] = Math.min(len[c], kMax);
    } else if (m === MODE_RAW) {
      for (let c = c0; c < c1; c++) ctx[c] = contextOf(recon[c], s);
    } else {
      for (let c = c0; c < c1; c++) ctx[c] = 0;
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

// ---- the staggered layout: sections, levels, slots ----

/** Payload bits of block b of a planned pixel (FORMAT.md 4, item 8). */
export function blockPayloadBits(d: Derived, plan: PixelPlan, b: number): number {
  const { dctSize: N, dataWidth: W, signed } = d.cfg;
  const m = plan.modes[b];
  if (m === MODE_RAW) return N * W;
  if (m === MODE_DCT) return N * plan.coefWidth[b];
  if (m === MODE_ZERO) return 0;
  let n = 0;
  for (let c = b * N; c < (b + 1) * N; c++) n += ctxFieldBits(plan.len[c], signed);
  return n;
}

/**
 * Section lengths of a planned record (params.ts SEC_*) into out[0 .. SECTIONS); returns their sum,
 * plan.bits. They are what a decoder computes from the sections before (FORMAT.md 2.5).
 */
export function recordSections(d: Derived, plan: PixelPlan, out: Int32Array): number {
  const { dctSize: N, dataWidth: W } = d.cfg;
  const nb = d.blocks;
  const { modes, rank } = plan;
  out.fill(0);
  let ctx = 0;
  let raw = 0;
  let dct = 0;
  let payloads = 0;
  for (let b = 0; b < nb; b++) {
    const m = modes[b];
    if (m === MODE_CTX) {
      ctx++;
      // rank plane j has a bit for every CTX value of rank >= j
      for (let c = b * N; c < (b + 1) * N; c++) for (let j = 0; j < RANKS && j <= rank[c]; j++) out[SEC_RANK0 + j]++;
      payloads += blockPayloadBits(d, plan, b);
    } else if (m === MODE_RAW) raw++;
    else if (m === MODE_DCT) {
      dct++;
      payloads += blockPayloadBits(d, plan, b);
    }
  }
  out[SEC_MODE1] = nb;
  out[SEC_MODE2] = nb - ctx;
  out[SEC_MODE3] = raw + dct;
  let escapes = 0; // values of rank RANKS: in no rank plane's ones
  for (let b = 0; b < nb; b++) if (modes[b] === MODE_CTX) for (let c = b * N; c < (b + 1) * N; c++) escapes += +(rank[c] >= RANKS);
  out[SEC_ESCAPES] = escapes * d.escBits;
  out[SEC_DCT_SIDE] = dct * (N + d.coefWidthBits);
  out[SEC_RAW_PAYLOADS] = raw * N * W;
  out[SEC_PAYLOADS] = payloads;
  let total = 0;
  for (let i = 0; i < SECTIONS; i++) total += out[i];
  return total;
}

/**
 * The per-record level cutting (FORMAT.md 2.5): where level k of a planned record lies in the record's
 * bits as writePixel writes them, as runs [start, start + len) in the order the level carries them
 * (GROUPING[k]'s sections, each payload section block by block). Adjacent runs are merged. Returns
 * runs[k] = [start0, len0, start1, len1, ...]; levelBits[k] (if given) gets the level's length.
 */
export function recordLevels(d: Derived, plan: PixelPlan, levelBits?: Int32Array): number[][] {
  const sec = new Int32Array(SECTIONS);
  recordSections(d, plan, sec);
  // the runs of each section, in record order: sections up to the DCT side information are one run each
  const runs: number[][] = Array.from({ length: SECTIONS }, () => []);
  let pos = 0;
  for (let i = 0; i <= SEC_DCT_SIDE; i++) {
    runs[i].push(pos, sec[i]);
    pos += sec[i];
  }
  for (let b = 0; b < d.blocks; b++) {
    const n = blockPayloadBits(d, plan, b);
    runs[plan.modes[b] === MODE_RAW ? SEC_RAW_PAYLOADS : SEC_PAYLOADS].push(pos, n);
    pos += n;
  }
  if (pos !== plan.bits) throw new Error(`recordLevels: sections cover ${pos} bits, the record has ${plan.bits}`);
  return GROUPING.map((secs, k) => {
    const out: number[] = [];
    let bits = 0;
    for (const i of secs) {
      const r = runs[i];
      for (let j = 0; j < r.length; j += 2) {
        const len = r[j + 1];
        if (len === 0) continue;
        bits += len;
        const last = out.length - 2;
        if (last >= 0 && out[last] + out[last + 1] === r[j]) out[last + 1] += len;
        else out.push(r[j], len);
      }
    }
    if (levelBits) levelBits[k] = bits;
    return out;
  });
}

/** Copies bits [start, start + n) of src to w. */
function copyBits(src: Uint32Array, start: number, n: number, w: BitWriter): void {
  for (let i = 0; i < n; i += 32) {
    const k = Math.min(32, n - i);
    w.write(getBits(src, start + i, k), k);
  }
}

export interface EncodedTile {
  units: Uint32Array; // the tile's words, B/32 units each
  words: number;
  modeCounts: number[]; // blocks per mode
  recon: Int32Array; // what a decoder will output
}

/** Throws ParamError unless a tile of npix pixels fits the format: 1 .. MAX_TILE_PIXELS. */
export function checkTilePixels(npix: number): void {
  if (!Number.isInteger(npix) || npix < 1 || npix > MAX_TILE_PIXELS) {
    throw new ParamError(`a tile of ${npix} pixels is not possible: a tile holds 1 to ${MAX_TILE_PIXELS} pixels (its ${TILE_COUNT_BITS}-bit count)`);
  }
}

/**
 * A tile's stream up to its first slot: the 48-bit header (magic, version, shift s, configuration tag,
 * pixel count; FORMAT.md 2.1), in a writer with room for about `bits` more.
 */
export function startTile(d: Derived, s: number, npix: number, bits = 0): BitWriter {
  checkTilePixels(npix);
  const w = new BitWriter(Math.ceil(bits / 32) + 64);
  w.write(TILE_MAGIC | (FORMAT_VERSION << 8) | (s << 12), 16);
  w.write(d.tag, 16);
  w.write(npix, TILE_COUNT_BITS);
  return w;
}

/**
 * Ends a tile of npix pixels whose slots were written after startTile (FORMAT.md 2.2, 2.3): zero padding
 * to a word, the trailer word (pixel count mod 2^16, fold16 checksum of the words before it); returns
 * the tile's units.
 */
export function finishTile(d: Derived, w: BitWriter, npix: number): Uint32Array {
  const Bw = d.cfg.busWidth;
  w.align(Bw);
  const dataUnits = w.bitLength >>> 5;
  const chk = fold16(w.buf, dataUnits); // the units beyond the written bits are zero
  w.write(npix & 0xffff, 16);
  w.write(chk, 16);
  w.align(Bw);
  return w.units();
}

/** A record ready for the slots: its bits (writePixel) and the runs of each level in them (recordLevels). */
export interface LevelledRecord {
  bits: Uint32Array;
  levels: number[][];
}

/** writePixel and recordLevels of a planned pixel. */
export function levelledRecord(d: Derived, plan: PixelPlan): LevelledRecord {
  const rec = new BitWriter(((plan.bits + 31) >>> 5) + 2);
  writePixel(d, plan, rec);
  return { bits: rec.buf, levels: recordLevels(d, plan) };
}

/**
 * Appends slot t of a tile of n pixels (FORMAT.md 2.6): for k = 0..7, level k of record
 * t - LEVEL_OFFSETS[k] where that is a record of the tile; recordOf(r) gives record r.
 */
export function writeSlot(w: BitWriter, t: number, n: number, recordOf: (r: number) => LevelledRecord): void {
  for (let k = 0; k < LEVELS; k++) {
    const r = t - LEVEL_OFFSETS[k];
    if (r < 0 || r >= n) continue;
    const rec = recordOf(r);
    const runs = rec.levels[k];
    for (let j = 0; j < runs.length; j += 2) copyBits(rec.bits, runs[j], runs[j + 1], w);
  }
}

/**
 * Encodes npix pixel vectors (channel-fastest) of one tile, 1 <= npix <= MAX_TILE_PIXELS. Each record is
 * planned, written and cut into levels as its pixel arrives; slot t then takes level k of record
 * t - LEVEL_OFFSETS[k] from a delay line of the last LEVEL_OFFSETS[TOP_LEVEL] + 1 records.
 */
export function encodeTile(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): EncodedTile {
  validateSettings(d.cfg, settings);
  const C = d.cfg.channels;
  const s = effectiveShift(settings);
  const w = startTile(d, s, npix, npix * C * d.cfg.dataWidth);
  const ctx = new Uint8Array(C); // all contexts are 0 at the first pixel of a tile
  const plan = newPlan(d);
  const modeCounts = [0, 0, 0, 0];
  const recon = new Int32Array(npix * C);
  const depth = LEVEL_OFFSETS[TOP_LEVEL] + 1;
  const line: LevelledRecord[] = new Array(depth);
  const recordOf = (r: number) => line[r % depth];
  const slots = tileSlots(npix);
  for (let t = 0; t < slots; t++) {
    if (t < npix) {
      planPixel(d, settings, ctx, pixels, base + t * C, t, plan);
      line[t % depth] = levelledRecord(d, plan);
      updateContext(d, s, plan, ctx);
      for (let b = 0; b < d.blocks; b++) modeCounts[plan.modes[b]]++;
      recon.set(plan.recon, t * C);
    }
    writeSlot(w, t, npix, recordOf);
  }
  const units = finishTile(d, w, npix);
  return { units, words: units.length / (d.cfg.busWidth / 32), modeCounts, recon };
}

export interface DecodedTile {
  pixels: Int32Array;
  count: number;
  quantShift: number;
  modeCounts: number[];
}

/** Rank and escape tables of one configuration, flattened for the decoder's inner loops. */
interface DecodeTables {
  rankLen: Uint8Array; // [k * (RANKS + 1) + j] -> the bit length of rank j in context k; 0 for j = RANKS (an escape)
  escLen: Uint8Array; // [k * symbols + e] -> the bit length of escape field value e in context k
  escCount: Uint8Array; // [k] -> how many lengths context k leaves unranked
}

const decodeTablesCache = new WeakMap<Derived, DecodeTables>();

function decodeTables(d: Derived): DecodeTables {
  let t = decodeTablesCache.get(d);
  if (!t) {
    const S = d.symbols;
    t = { rankLen: new Uint8Array(S * (RANKS + 1)), escLen: new Uint8Array(S * S), escCount: new Uint8Array(S) };
    for (let k = 0; k < S; k++) {
      for (let j = 0; j < RANKS; j++) t.rankLen[k * (RANKS + 1) + j] = d.rankOrder[k][j];
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

/** What the decoder knows of a record between its level 0 and its top level, DRAIN_SLOTS + 1 slots later. */
class ReadRecord {
  modes: Uint8Array; // [block] MODE_*: after level 0 CTX or ZERO, after mode plane 2 RAW, after plane 3 DCT
  rank: Uint8Array; // [channel] rank of a CTX value, RANKS while undecided (an escape after rank plane 4)
  pending: Uint16Array; // CTX channels whose rank no plane has decided yet, in channel order
  undecided = 0;
  len: Uint8Array; // [channel] bit length L of a CTX value (level 6, with the record's contexts)
  mask: Uint8Array; // [channel] DCT zero mask
  coefWidth: Uint8Array; // [block] DCT coefficient width
  values: Int32Array; // [channel] the decoded pixel: RAW values from level 6, the rest from level 7
  ctx: Uint8Array; // [channel] the record's contexts, from level 6 of the record before
  nCtx = 0; // blocks coded CTX (ones of mode plane 1)
  nRawDct = 0; // blocks RAW or DCT (ones of mode plane 2)
  nDct = 0; // blocks DCT (ones of mode plane 3)
  topBits = 0; // length of the top level (level 6 gives it)

  constructor(C: number, nb: number) {
    this.modes = new Uint8Array(nb);
    this.rank = new Uint8Array(C);
    this.pending = new Uint16Array(C);
    this.len = new Uint8Array(C);
    this.mask = new Uint8Array(C);
    this.coefWidth = new Uint8Array(nb);
    this.values = new Int32Array(C);
    this.ctx = new Uint8Array(C);
  }
}

/** The decoder's delay line of one configuration, made once (decodeTile is not re-entered). */
/**
 * Reads rank plane j of record st at bit pos of units (1 where the rank is j); returns the position after
 * it. (A function of its own, not a closure over decodeTile's pos: a captured, mutated pos would live in
 * a heap context, and every access to it in decodeTile would be a memory access.)
 */
function readRankPlane(units: Uint32Array, pos: number, st: ReadRecord, j: number): number {
  const { pending, rank } = st;
  let next = 0;
  for (let i = 0, n = st.undecided; i < n; i++, pos++) {
    const c = pending[i];
    const bit = getBit(units, pos);
    rank[c] = RANKS - bit * (RANKS - j); // bit ? j : RANKS, without a branch on the data
    pending[next] = c; // kept when the bit is 0, i.e. when `next` advances
    next += 1 - bit;
  }
  st.undecided = next;
  return pos;
}

const readLines = new WeakMap<Derived, ReadRecord[]>();

function readLineOf(d: Derived): ReadRecord[] {
  let line = readLines.get(d);
  if (!line) {
    line = Array.from({ length: LEVEL_OFFSETS[TOP_LEVEL] + 1 }, () => new ReadRecord(d.cfg.channels, d.blocks));
    readLines.set(d, line);
  }
  return line;
}

/**
 * Decodes one tile. Every inconsistency is a StreamError naming the bit offset (plus bitBase, the
 * tile's position in a larger file). maxPixels bounds the header's pixel count.
 *
 * The reader is built like a hardware decoder (FORMAT.md 2.6): for every slot it first computes the
 * length of each of the slot's sections from levels read in earlier slots (at least LEVEL_STAGGER
 * slots before), checks that the slot ends before the trailer, and only then parses the slot, section
 * by section, each parse consuming exactly the length computed for it.
 *
 * With progress, every decoded pixel is recorded there as it completes (its top level is read), so a
 * caller that catches the error still has the pixels before it (decodeTileStatus).
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
  const version = (hdr >>> 8) & 0xf;
  if (version !== FORMAT_VERSION) {
    const old = version < FORMAT_VERSION ? ` (an older encoder wrote it: re-encode the data)` : '';
    throw err(8, ERR.BAD_VERSION, `unsupported format version ${version}${old}: this decoder reads version ${FORMAT_VERSION} only`);
  }
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
  if (TILE_HEADER_BITS > limit) throw pastEndError(32, limit, 'pixel count');
  const n = getBits(units, 32, TILE_COUNT_BITS);
  if (n === 0) throw err(32, ERR.BAD_COUNT, `the header counts 0 pixels: a tile holds 1 to ${MAX_TILE_PIXELS}`);
  if (n > maxPixels) throw err(32, ERR.TOO_MANY_PIXELS, `the header counts ${n} pixels, more than the expected ${maxPixels} in the tile`);

  const nb = d.blocks;
  const S = d.symbols;
  const { escBits, coefWidthBits, coefWidthMax, minVal, maxPos } = d;
  const { rankLen, escLen, escCount } = decodeTables(d);
  const F = foldedDctOf(d);
  const kDct = dctContext(W, s);
  const kMax = ctxLimit(d, s);
  const qMax = indexLimit(maxPos, s);
  const qMin = -indexLimit(-minVal, s);
  const modeCounts = [0, 0, 0, 0];
  const coef = new Int32Array(C);
  const scratchCtx = new Uint8Array(C);
  const depth = LEVEL_OFFSETS[TOP_LEVEL] + 1;
  const line = readLineOf(d);
  const at = (r: number) => line[r % depth];
  let out = new Int32Array(Math.min(n, 1 << 12) * C);
  let count = 0; // pixels complete (top level read)
  const lengths = new Int32Array(LEVELS); // [k] the current slot's level-k section, -1 if none
  let pos = TILE_HEADER_BITS;

  const slots = tileSlots(n);
  for (let t = 0; t < slots; t++) {
    // (1) The slot's sections and their lengths, from levels read in earlier slots only.
    let slotBits = 0;
    for (let k = 0; k < LEVELS; k++) {
      const r = t - LEVEL_OFFSETS[k];
      let len = -1;
      if (r >= 0 && r < n) {
        const st = at(r);
        switch (k) {
          case 0:
            len = nb; // mode plane 1
            break;
          case 1:
            len = nb - st.nCtx + N * st.nCtx; // mode plane 2, rank plane 0
            break;
          case 2:
            len = st.nRawDct + st.undecided; // mode plane 3, rank plane 1
            break;
          case 3:
          case 4:
          case 5:
            len = st.undecided; // rank planes 2, 3, 4
            break;
          case 6:
            len = st.undecided * escBits + st.nDct * (N + coefWidthBits) + (st.nRawDct - st.nDct) * N * W;
            break;
          default:
            len = st.topBits;
        }
        slotBits += len;
      }
      lengths[k] = len;
    }
    if (pos + slotBits > limit) throw pastEndError(pos, limit, `slot ${t}`);

    // (2) The slot's bits, level by level.
    for (let k = 0; k < LEVELS; k++) {
      if (lengths[k] < 0) continue;
      const r = t - LEVEL_OFFSETS[k];
      const st = at(r);
      const end = pos + lengths[k];
      if (k === 0) {
        st.nCtx = 0;
        st.nRawDct = 0;
        st.nDct = 0;
        for (let b = 0; b < nb; b++, pos++) {
          const isCtx = getBit(units, pos);
          st.modes[b] = isCtx ? MODE_CTX : MODE_ZERO;
          st.nCtx += isCtx;
        }
        if (r === 0) st.ctx.fill(0); // contexts restart at every tile; later records get theirs at level 6 of the one before
      } else if (k === 1) {
        for (let b = 0; b < nb; b++) {
          if (st.modes[b] === MODE_CTX) continue;
          if (getBit(units, pos++)) {
            st.modes[b] = MODE_RAW;
            st.nRawDct++;
          }
        }
        let u = 0;
        for (let b = 0; b < nb; b++) if (st.modes[b] === MODE_CTX) for (let c = b * N; c < (b + 1) * N; c++) st.pending[u++] = c;
        st.undecided = u;
        pos = readRankPlane(units, pos, st, 0);
      } else if (k === 2) {
        for (let b = 0; b < nb; b++) {
          if (st.modes[b] !== MODE_RAW) continue;
          if (getBit(units, pos++)) {
            if (noDctTile) throw err(pos - 1, ERR.NO_DCT, `block ${b} is a DCT block, but the tile's configuration tag is that of a build without the DCT`);
            st.modes[b] = MODE_DCT;
            st.nDct++;
          }
        }
        pos = readRankPlane(units, pos, st, 1);
      } else if (k <= 5) {
        pos = readRankPlane(units, pos, st, k - 1);
      } else if (k === 6) {
        // Escape fields: the bit lengths L of the escaped values (the others' come with the top level's
        // length below).
        const ctx = st.ctx;
        for (let i = 0; i < st.undecided; i++) {
          const c = st.pending[i];
          const e = escBits > 0 ? getBits(units, pos, escBits) : 0;
          const kc = ctx[c];
          if (e >= escCount[kc]) throw err(pos, ERR.BAD_ESCAPE, `escape field ${e} of channel ${c} is beyond the ${escCount[kc]} unranked bit lengths`);
          pos += escBits;
          st.len[c] = escLen[kc * S + e];
        }
        for (let b = 0; b < nb; b++) {
          if (st.modes[b] !== MODE_DCT) continue;
          for (let c = b * N; c < (b + 1) * N; c++) st.mask[c] = getBit(units, pos++);
          const wc = getBits(units, pos, coefWidthBits); // coefWidthBits >= 2
          if (wc > coefWidthMax) throw err(pos, ERR.BAD_DCT_WIDTH, `DCT coefficient width ${wc} exceeds the maximum ${coefWidthMax}`);
          pos += coefWidthBits;
          st.coefWidth[b] = wc;
        }
        for (let b = 0; b < nb; b++) {
          if (st.modes[b] !== MODE_RAW) continue;
          for (let c = b * N; c < (b + 1) * N; c++, pos += W) {
            let v = getBits(units, pos, W);
            if (signed && v >= 1 << (W - 1)) v -= 1 << W;
            st.values[c] = v;
          }
        }
        // Every CTX value's L (ranked: from its rank and context; escaped: read above), the top level's
        // length, and the next record's contexts (FORMAT.md 6.4): the context loop.
        let top = 0;
        const next = r + 1 < n ? at(r + 1).ctx : scratchCtx; // (the last record's go nowhere)
        const { rank, len } = st;
        for (let b = 0; b < nb; b++) {
          const m = st.modes[b];
          const c0 = b * N;
          if (m === MODE_CTX) {
            for (let c = c0; c < c0 + N; c++) {
              const rk = rank[c];
              const L = rankLen[ctx[c] * (RANKS + 1) + rk] + len[c] * +(rk === RANKS); // rankLen is 0 for an escape
              len[c] = L;
              top += signed ? L : L - +(L > 0);
              next[c] = Math.min(L, kMax);
            }
          } else if (m === MODE_DCT) {
            top += N * st.coefWidth[b];
            for (let c = c0; c < c0 + N; c++) next[c] = st.mask[c] * kDct;
          } else if (m === MODE_RAW) {
            for (let c = c0; c < c0 + N; c++) next[c] = contextOf(st.values[c], s);
          } else {
            for (let c = c0; c < c0 + N; c++) next[c] = 0;
          }
        }
        st.topBits = top;
      } else {
        // The top level: CTX payloads and DCT coefficients, in block order. The pixel is complete.
        if ((count + 1) * C > out.length) {
          const bigger = new Int32Array(Math.max(out.length * 2, (count + 1) * C));
          bigger.set(out);
          out = bigger;
        }
        const base = count * C;
        for (let b = 0; b < nb; b++) {
          const c0 = b * N;
          const c1 = c0 + N;
          const mode = st.modes[b];
          modeCounts[mode]++;
          if (mode === MODE_ZERO) {
            for (let c = c0; c < c1; c++) out[base + c] = 0;
          } else if (mode === MODE_RAW) {
            for (let c = c0; c < c1; c++) out[base + c] = st.values[c];
          } else if (mode === MODE_CTX) {
            const len = st.len;
            for (let c = c0; c < c1; c++) {
              // The sign bit (if signed) and the L - 1 mantissa bits, read as one field of nf bits (nf = 0
              // for L = 0: getBits then reads 0 and (1 << 0) >>> 1 = 0 makes q = 0).
              const L = len[c];
              const nf = signed ? L : L - +(L > 0);
              const field = nf > 0 ? getBits(units, pos, nf) : 0;
              const neg = signed ? field & 1 : 0;
              const mag = ((1 << L) >>> 1) + (signed ? field >>> 1 : field);
              const q = mag - 2 * neg * mag; // neg ? -mag : mag
              if (q > qMax || q < qMin) throw err(pos, ERR.BAD_VALUE, `value ${q} of channel ${c} is outside the ${signed ? 'signed' : 'unsigned'} ${W}-bit range at shift ${s}`);
              pos += nf;
              out[base + c] = s === 0 ? q : dequantize(q, s, minVal, maxPos);
            }
          } else {
            const wc = st.coefWidth[b];
            for (let c = c0; c < c1; c++) {
              let v = 0;
              if (wc > 0) {
                v = getBits(units, pos, wc);
                pos += wc;
                if (v >= 1 << (wc - 1)) v -= 1 << wc; // (wc <= coefWidthMax < 31)
              }
              coef[c] = v;
            }
            dctReconstruct(d, F, s, coef, st.mask, c0, out, base);
          }
        }
        count++;
        if (progress) {
          progress.values = out;
          progress.count = count;
        }
      }
      if (pos !== end) throw new Error(`decodeTile: level ${k} of record ${r} took ${pos - (end - lengths[k])} bits, its length is ${lengths[k]}`);
    }
  }
  const padTo = Math.ceil(pos / Bw) * Bw;
  if (padTo !== limit) throw err(pos, ERR.BAD_PADDING, `the last slot is followed by ${limit - padTo} bits of data before the trailer`);
  for (let p = pos; p < limit; p += 32) {
    const k = Math.min(32, limit - p);
    if (getBits(units, p, k) !== 0) throw err(p, ERR.BAD_PADDING, 'non-zero padding after the last slot');
  }
  const tu = limit >>> 5;
  const trailer = units[tu];
  if ((trailer & 0xffff) !== (n & 0xffff)) throw err(limit, ERR.BAD_COUNT, `trailer counts ${trailer & 0xffff} pixels, the header ${n}`);
  const chk = fold16(units, tu);
  if (trailer >>> 16 !== chk) throw err(limit + 16, ERR.BAD_CHECKSUM, `checksum 0x${(trailer >>> 16).toString(16)} does not match the data's 0x${chk.toString(16)}`);
  for (let i = tu + 1; i < units.length; i++) if (units[i] !== 0) throw err(i * 32, ERR.BAD_TRAILER, 'non-zero bits in the trailer word');
  const nv = count * C;
  return { pixels: out.length === nv ? out : out.slice(0, nv), count, quantShift: s, modeCounts };
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
