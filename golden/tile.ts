// Tile encoder and decoder: the bit-exact definition of the DCT-CM stream (docs/FORMAT.md).
// Stages are exported one by one (planPixel, writePixel, updateContext) so RTL tests can compare them.
import { BitReader, BitWriter } from './bits.js';
import { StreamError } from './errors.js';
import { bitLength, signedWidthOf } from './intmath.js';
import { dctForward, dctInverse } from './dct.js';
import { dequantize, quantize } from './quantize.js';
import {
  Derived,
  FORMAT_VERSION,
  MODE_CTX,
  MODE_DCT,
  MODE_RAW,
  MODE_ZERO,
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

const scratchX = new Int32Array(32);
const planeCursor = new Int32Array(RANKS + 1);
const scratchY = new Int32Array(32);

/**
 * Mode decision and symbols for one pixel (FORMAT.md section 8): every mode the policy allows is costed
 * in bits and the cheapest wins, ties going to ZERO, CTX, RAW, DCT in that order.
 */
export function planPixel(
  d: Derived,
  settings: TileSettings,
  ctx: Uint8Array,
  pixel: ArrayLike<number>,
  pixelBase: number,
  plan: PixelPlan,
): void {
  const { dctSize: N, dataWidth: W, dctPrecision: P } = d.cfg;
  const S = d.symbols;
  const s = effectiveShift(settings);
  const policy = settings.policy;
  const rawBits = 3 + N * W;
  const { mask, sym: symOut, index, len, rank } = plan;
  const rankTable = d.rankTable;
  const symBits = d.symBits;
  let total = 1;
  for (let b = 0; b < d.blocks; b++) {
    const c0 = b * N;
    let allZero = true;
    let allZeroQ = true;
    let ctxBits = 1;
    for (let i = 0; i < N; i++) {
      const c = c0 + i;
      const v = pixel[pixelBase + c];
      mask[c] = v !== 0 ? 1 : 0;
      if (v !== 0) allZero = false;
      const q = s === 0 ? v : quantize(v, s);
      if (q !== 0) allZeroQ = false;
      const L = 32 - Math.clz32(q < 0 ? -q : q);
      const sym = ctx[c] * S + L;
      symOut[c] = sym;
      index[c] = q;
      len[c] = L;
      rank[c] = rankTable[sym];
      ctxBits += symBits[sym];
    }
    let mode: number;
    let bits: number;
    if (policy === 'dct') {
      mode = allZero ? MODE_ZERO : MODE_DCT;
      bits = allZero ? 2 : 0;
    } else if (policy === 'lossless' ? allZero : allZeroQ) {
      mode = MODE_ZERO;
      bits = 2;
    } else if (ctxBits <= rawBits) {
      mode = MODE_CTX;
      bits = ctxBits;
    } else {
      mode = MODE_RAW;
      bits = rawBits;
    }
    if (mode !== MODE_ZERO && policy !== 'lossless') {
      // DCT candidate: cost it, and take it only when strictly cheaper (or forced).
      for (let i = 0; i < N; i++) scratchX[i] = pixel[pixelBase + c0 + i];
      dctForward(d.dct, P, s, scratchX, scratchY);
      let wc = 0;
      for (let k = 0; k < N; k++) {
        plan.coef[c0 + k] = scratchY[k];
        const w = signedWidthOf(scratchY[k]);
        if (w > wc) wc = w;
      }
      const dctBits = 3 + N + d.coefWidthBits + N * wc;
      plan.coefWidth[b] = wc;
      if (policy === 'dct' || dctBits < bits) {
        mode = MODE_DCT;
        bits = dctBits;
      }
    }
    plan.modes[b] = mode;
    plan.blockBits[b] = bits;
    total += bits;
    reconstructBlock(d, s, plan, b, pixel, pixelBase);
  }
  plan.bits = total;
}

/** The decoder's output for block b of a planned pixel. */
function reconstructBlock(d: Derived, s: number, plan: PixelPlan, b: number, pixel: ArrayLike<number>, base: number): void {
  const N = d.cfg.dctSize;
  const c0 = b * N;
  const mode = plan.modes[b];
  if (mode === MODE_ZERO) {
    for (let i = 0; i < N; i++) plan.recon[c0 + i] = 0;
  } else if (mode === MODE_CTX) {
    for (let i = 0; i < N; i++) plan.recon[c0 + i] = s === 0 ? plan.index[c0 + i] : dequantize(plan.index[c0 + i], s, d.minVal, d.maxPos);
  } else if (mode === MODE_RAW) {
    for (let i = 0; i < N; i++) {
      plan.index[c0 + i] = pixel[base + c0 + i];
      plan.recon[c0 + i] = pixel[base + c0 + i];
    }
  } else {
    dctReconstruct(d, s, plan.coef, c0, (i) => plan.mask[c0 + i] === 1, plan.recon);
  }
}

/** Inverse DCT, clamp to the value range, zero where the mask says zero (FORMAT.md 7.3). */
function dctReconstruct(d: Derived, s: number, coef: Int32Array, c0: number, nonzero: (i: number) => boolean, out: Int32Array): void {
  const { dctSize: N, dctPrecision: P } = d.cfg;
  for (let k = 0; k < N; k++) scratchX[k] = coef[c0 + k];
  dctInverse(d.dct, P, s, scratchX, scratchY);
  for (let i = 0; i < N; i++) {
    const y = scratchY[i];
    out[c0 + i] = nonzero(i) ? (y < d.minVal ? d.minVal : y > d.maxPos ? d.maxPos : y) : 0;
  }
}

/** Context of each channel for the next pixel (FORMAT.md 6.4). */
export function updateContext(d: Derived, s: number, plan: PixelPlan, ctx: Uint8Array): void {
  const N = d.cfg.dctSize;
  const kDct = dctContext(d.cfg.dataWidth, s);
  for (let b = 0; b < d.blocks; b++) {
    const mode = plan.modes[b];
    for (let c = b * N; c < (b + 1) * N; c++) {
      const r = plan.recon[c];
      if (mode === MODE_DCT) ctx[c] = plan.mask[c] ? kDct : 0;
      else ctx[c] = bitLength((r < 0 ? -r : r) >>> s);
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

/** Appends the record of a planned pixel (FORMAT.md section 4). */
export function writePixel(d: Derived, plan: PixelPlan, w: BitWriter): void {
  const { dctSize: N, dataWidth: W, signed } = d.cfg;
  const nb = d.blocks;
  const m = plan.modes;
  const rank = plan.rank;
  w.reserve(plan.bits);
  const buf = w.buf;
  let pos = w.pos;
  buf[pos >>> 5] |= 1 << (pos & 31); // present
  pos++;
  for (let b = 0; b < nb; b++, pos++) if (m[b] === MODE_CTX) buf[pos >>> 5] |= 1 << (pos & 31);
  for (let b = 0; b < nb; b++) {
    if (m[b] === MODE_CTX) continue;
    if (m[b] !== MODE_ZERO) buf[pos >>> 5] |= 1 << (pos & 31);
    pos++;
  }
  for (let b = 0; b < nb; b++) {
    if (m[b] !== MODE_RAW && m[b] !== MODE_DCT) continue;
    if (m[b] === MODE_DCT) buf[pos >>> 5] |= 1 << (pos & 31);
    pos++;
  }
  // Rank planes: plane j holds one bit per CTX value whose rank is not below j, 1 where it equals j.
  // Only the ones are set (the buffer is zero), at plane base + the value's place among those in the plane.
  const cursor = planeCursor;
  cursor.fill(0);
  let ctxValues = 0;
  for (let b = 0; b < nb; b++) {
    if (m[b] !== MODE_CTX) continue;
    for (let c = b * N; c < (b + 1) * N; c++) cursor[rank[c]]++;
    ctxValues += N;
  }
  // cursor[j] = start of plane j; plane j holds the values of rank >= j
  let remaining = ctxValues;
  let base = pos;
  let escapes = 0;
  for (let j = 0; j <= RANKS; j++) {
    const here = cursor[j];
    cursor[j] = base;
    base += remaining;
    remaining -= here;
    if (j === RANKS) escapes = here;
  }
  const escStart = cursor[RANKS];
  for (let b = 0; b < nb; b++) {
    if (m[b] !== MODE_CTX) continue;
    for (let c = b * N; c < (b + 1) * N; c++) {
      const r = rank[c];
      for (let j = 0; j < r && j < RANKS; j++) cursor[j]++;
      if (r < RANKS) {
        const at = cursor[r]++;
        buf[at >>> 5] |= 1 << (at & 31);
      }
    }
  }
  pos = escStart;
  if (escapes > 0) {
    for (let b = 0; b < nb; b++) {
      if (m[b] !== MODE_CTX) continue;
      for (let c = b * N; c < (b + 1) * N; c++) if (rank[c] === RANKS) pos = putBits(buf, pos, d.escIndex[plan.sym[c]], d.escBits);
    }
  }
  for (let b = 0; b < nb; b++) {
    if (m[b] !== MODE_DCT) continue;
    for (let c = b * N; c < (b + 1) * N; c++) pos = putBits(buf, pos, plan.mask[c], 1);
    pos = putBits(buf, pos, plan.coefWidth[b], d.coefWidthBits);
  }
  for (let b = 0; b < nb; b++) {
    const c0 = b * N;
    if (m[b] === MODE_CTX) {
      for (let c = c0; c < c0 + N; c++) {
        const L = plan.len[c];
        if (L === 0) continue;
        const q = plan.index[c];
        if (signed) pos = putBits(buf, pos, q < 0 ? 1 : 0, 1);
        pos = putBits(buf, pos, (q < 0 ? -q : q) - (1 << (L - 1)), L - 1);
      }
    } else if (m[b] === MODE_RAW) {
      for (let c = c0; c < c0 + N; c++) pos = putBits(buf, pos, plan.index[c], W);
    } else if (m[b] === MODE_DCT) {
      const wc = plan.coefWidth[b];
      for (let c = c0; c < c0 + N; c++) pos = putBits(buf, pos, plan.coef[c], wc);
    }
  }
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

/** Encodes npix pixel vectors (channel-fastest) of one tile. */
export function encodeTile(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, base = 0): EncodedTile {
  validateSettings(d.cfg, settings);
  const C = d.cfg.channels;
  const Bw = d.cfg.busWidth;
  const s = effectiveShift(settings);
  const w = new BitWriter(Math.ceil((npix * C * d.cfg.dataWidth) / 32) + 64);
  w.write(TILE_MAGIC | (FORMAT_VERSION << 8) | (s << 12), 16);
  w.write(d.tag, 16);
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  const modeCounts = [0, 0, 0, 0];
  const recon = new Int32Array(npix * C);
  for (let p = 0; p < npix; p++) {
    planPixel(d, settings, ctx, pixels, base + p * C, plan);
    writePixel(d, plan, w);
    updateContext(d, s, plan, ctx);
    for (let b = 0; b < d.blocks; b++) modeCounts[plan.modes[b]]++;
    recon.set(plan.recon, p * C);
  }
  w.write(0, 1); // end of tile
  w.align(Bw);
  const dataUnits = w.bitLength >>> 5;
  const chk = fold16(w.units(), dataUnits);
  w.write(npix & 0xffff, 16);
  w.write(chk, 16);
  w.align(Bw);
  const units = w.units();
  return { units, words: units.length / (Bw / 32), modeCounts, recon };
}

export interface DecodedTile {
  pixels: Int32Array;
  count: number;
  quantShift: number;
  modeCounts: number[];
}

/**
 * Decodes one tile. Every inconsistency is a StreamError naming the bit offset (plus bitBase, the
 * tile's position in a larger file). maxPixels bounds the output; the loop always ends because each
 * pixel consumes at least one bit of a finite tile.
 */
export function decodeTile(d: Derived, units: Uint32Array, maxPixels = Infinity, bitBase = 0): DecodedTile {
  const { channels: C, dctSize: N, dataWidth: W, signed, busWidth: Bw } = d.cfg;
  const unitsPerWord = Bw / 32;
  const err = (bit: number, msg: string) => new StreamError(bitBase + bit, msg);
  if (units.length === 0 || units.length % unitsPerWord !== 0) {
    throw err(0, `tile of ${units.length * 32} bits is not a whole number of ${Bw}-bit words`);
  }
  const words = units.length / unitsPerWord;
  if (words < 2) throw err(0, `tile of ${words} word is shorter than a header and a trailer`);
  const limit = (words - 1) * Bw;
  const hdr = units[0];
  if ((hdr & 0xff) !== TILE_MAGIC) throw err(0, `bad tile magic 0x${(hdr & 0xff).toString(16)} (expected 0x${TILE_MAGIC.toString(16)})`);
  if (((hdr >>> 8) & 0xf) !== FORMAT_VERSION) throw err(8, `unsupported format version ${(hdr >>> 8) & 0xf} (this decoder reads ${FORMAT_VERSION})`);
  const s = (hdr >>> 12) & 0xf;
  if (s > W - 1) throw err(12, `quantization shift ${s} exceeds data width ${W} - 1`);
  const tag = hdr >>> 16;
  if (tag !== d.tag) throw err(16, `configuration tag 0x${tag.toString(16)} does not match this decoder's 0x${d.tag.toString(16)} (different channels, DCT size, widths or bus)`);
  const r = new BitReader(units, 32, limit);
  const nb = d.blocks;
  const ctx = new Uint8Array(C);
  const modes = new Uint8Array(nb);
  const rank = new Int8Array(C);
  const len = new Uint8Array(C);
  const mask = new Uint8Array(C);
  const coef = new Int32Array(C);
  const coefWidth = new Uint8Array(nb);
  const kDct = dctContext(W, s);
  const qMax = quantize(d.maxPos, s);
  const qMin = quantize(d.minVal, s);
  const modeCounts = [0, 0, 0, 0];
  let out = new Int32Array(Math.min(1 << 16, Number.isFinite(maxPixels) ? maxPixels * C : 1 << 16) || C);
  let count = 0;
  for (;;) {
    if (r.read(1, 'pixel-present bit') === 0) break;
    if (count >= maxPixels) throw err(r.pos - 1, `more than the expected ${maxPixels} pixels in the tile`);
    if ((count + 1) * C > out.length) {
      const bigger = new Int32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    const base = count * C;
    for (let b = 0; b < nb; b++) modes[b] = r.read(1, 'mode plane 1') ? MODE_CTX : MODE_ZERO;
    for (let b = 0; b < nb; b++) if (modes[b] !== MODE_CTX && r.read(1, 'mode plane 2')) modes[b] = MODE_RAW;
    for (let b = 0; b < nb; b++) if (modes[b] === MODE_RAW && r.read(1, 'mode plane 3')) modes[b] = MODE_DCT;
    for (let b = 0; b < nb; b++) rank.fill(modes[b] === MODE_CTX ? -1 : RANKS + 1, b * N, (b + 1) * N);
    for (let j = 0; j < RANKS; j++) {
      for (let c = 0; c < C; c++) {
        if (rank[c] === -1 && r.read(1, 'rank plane')) {
          rank[c] = j;
          len[c] = d.rankOrder[ctx[c]][j];
        }
      }
    }
    for (let c = 0; c < C; c++) {
      if (rank[c] !== -1) continue;
      const at = r.pos;
      const e = r.read(d.escBits, 'escape field');
      const rest = d.escLen[ctx[c]];
      if (e >= rest.length) throw err(at, `escape field ${e} of channel ${c} is beyond the ${rest.length} unranked bit lengths`);
      len[c] = rest[e];
    }
    for (let b = 0; b < nb; b++) {
      if (modes[b] !== MODE_DCT) continue;
      for (let c = b * N; c < (b + 1) * N; c++) mask[c] = r.read(1, 'DCT zero mask');
      const at = r.pos;
      const wc = r.read(d.coefWidthBits, 'DCT coefficient width');
      if (wc > d.coefWidthMax) throw err(at, `DCT coefficient width ${wc} exceeds the maximum ${d.coefWidthMax}`);
      coefWidth[b] = wc;
    }
    for (let b = 0; b < nb; b++) {
      const c0 = b * N;
      modeCounts[modes[b]]++;
      if (modes[b] === MODE_ZERO) {
        for (let c = c0; c < c0 + N; c++) {
          out[base + c] = 0;
          ctx[c] = 0;
        }
      } else if (modes[b] === MODE_CTX) {
        for (let c = c0; c < c0 + N; c++) {
          const L = len[c];
          let q = 0;
          if (L > 0) {
            const at = r.pos;
            const neg = signed ? r.read(1, 'sign bit') : 0;
            const mag = (1 << (L - 1)) + r.read(L - 1, 'mantissa');
            q = neg ? -mag : mag;
            if (q > qMax || q < qMin) throw err(at, `value ${q} of channel ${c} is outside the ${signed ? 'signed' : 'unsigned'} ${W}-bit range at shift ${s}`);
          }
          const v = s === 0 ? q : dequantize(q, s, d.minVal, d.maxPos);
          out[base + c] = v;
          ctx[c] = bitLength((v < 0 ? -v : v) >>> s);
        }
      } else if (modes[b] === MODE_RAW) {
        for (let c = c0; c < c0 + N; c++) {
          let v = r.read(W, 'raw value');
          if (signed && v >= 1 << (W - 1)) v -= 1 << W;
          out[base + c] = v;
          ctx[c] = bitLength((v < 0 ? -v : v) >>> s);
        }
      } else {
        const wc = coefWidth[b];
        for (let c = c0; c < c0 + N; c++) {
          let v = r.read(wc, 'DCT coefficient');
          if (wc > 0 && v >= 2 ** (wc - 1)) v -= 2 ** wc;
          coef[c] = v;
        }
        const rec = out.subarray(base, base + C);
        dctReconstruct(d, s, coef, c0, (i) => mask[c0 + i] === 1, rec);
        for (let c = c0; c < c0 + N; c++) ctx[c] = mask[c] ? kDct : 0;
      }
    }
    count++;
  }
  const endAt = r.pos;
  const padTo = Math.ceil(endAt / Bw) * Bw;
  if (padTo !== limit) throw err(endAt, `end-of-tile marker is followed by ${limit - padTo} bits of data before the trailer`);
  const pad = new BitReader(units, endAt, limit);
  while (pad.pos < limit) {
    const n = Math.min(32, limit - pad.pos);
    const at = pad.pos;
    if (pad.read(n, 'padding') !== 0) throw err(at, 'non-zero padding after the end-of-tile marker');
  }
  const tu = limit >>> 5;
  const trailer = units[tu];
  if ((trailer & 0xffff) !== (count & 0xffff)) throw err(limit, `trailer counts ${trailer & 0xffff} pixels, the tile holds ${count} (mod 65536)`);
  const chk = fold16(units, tu);
  if (trailer >>> 16 !== chk) throw err(limit + 16, `checksum 0x${(trailer >>> 16).toString(16)} does not match the data's 0x${chk.toString(16)}`);
  for (let i = tu + 1; i < units.length; i++) if (units[i] !== 0) throw err(i * 32, 'non-zero bits in the trailer word');
  return { pixels: out.slice(0, count * C), count, quantShift: s, modeCounts };
}
