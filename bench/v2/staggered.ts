// Format v2 prototype: staggered sections (docs/design/format-v2.md). A tile's records are v1's records
// (golden planPixel plans them, layout.ts writeRecordV1 writes them), cut into the levels of layout.ts GROUPING and
// reordered: slot t carries level k of record t - O[k], with O = levelOffsets(D, topExtra) = k*D (the top
// level one slot later when topExtra is 1). Every section's length in slot t follows from levels read
// at least D slots before, so a decoder's position loop is `pos += a length computed D slots ago`. The
// reader below is built that way and checks it: it computes a slot's section lengths before it reads
// the slot, from data stamped with the slot it was read in, and throws if any of that data is too young.
//
// Two variants of the tile framing:
// - presentBits: v1's framing. Level 0 starts with v1's present bit; the end marker is a level 0 of
//   1 + C/N zero bits, followed by D - 1 more such fillers, because a decoder learns of the end only D
//   slots later and keeps reading level-0 sections until then.
// - count in header (presentBits false, the proposal): a 16-bit pixel count after the v1 header fields;
//   no present bits, no end marker, no fillers.
// Not the format: golden/tile.ts is (test/golden/v2-prototype.test.ts proves the two write the same
// bits with { D: 4, presentBits: false, topExtra: 1 }); nothing in golden/ or tools/ imports this folder.
import { BitWriter, getBits, pastEndError } from '../../golden/bits.js';
import { dctInverse } from '../../golden/dct.js';
import { ERR, StreamError, StreamErrorCode } from '../../golden/errors.js';
import { Derived, FORMAT_VERSION, MODE_CTX, MODE_DCT, MODE_RAW, MODE_ZERO, RANKS, TILE_MAGIC, TileSettings, dctContext, validateSettings } from '../../golden/params.js';
import { dequantize, indexLimit } from '../../golden/quantize.js';
import { ctxFieldBits, effectiveShift, fold16, newPlan, planPixel } from '../../golden/tile.js';
import { GROUPING, LEVELS, S_PRESENT, TOP, ctxLimit, levelOffsets, recordBitsV1, sectionRanges, updateContextV2, writeRecordV1 } from './layout.js';

/**
 * Version field of the prototype's tile header: the golden's, so that the test that proves the two write
 * the same bits still holds after version 3 (which changed only the rank order, read from Derived here too).
 */
export const PROTO_VERSION = FORMAT_VERSION;
/** Width of the pixel-count field of the count-in-header variant. */
export const COUNT_BITS = 16;

export interface StaggerOptions {
  D: number; // stagger: level k of record r sits in slot r + k*D (layout.ts levelOffsets)
  presentBits: boolean; // v1 framing (present bits, end marker, fillers) or a pixel count in the header
  topExtra?: number; // 0 or 1: the top level one slot later
}

/** Slot offsets of the levels of a record from its level 0. */
export function offsetsOf(o: StaggerOptions): number[] {
  return levelOffsets(o.D, o.topExtra ?? 0);
}

export interface StaggeredTile {
  units: Uint32Array;
  words: number;
  recon: Int32Array;
  slots: number; // slots written: npix + TOP*D for npix > 0
  slotBits: number[]; // length of every slot
}

/** Slots of a tile of n pixels: the last record's top level sits in slot n - 1 + (its offset). */
export function tileSlots(n: number, o: StaggerOptions): number {
  if (n > 0) return n + offsetsOf(o)[TOP];
  return o.presentBits ? o.D : 0; // the end marker and its fillers
}

/** Bits of the tile header: the v1 fields, then the pixel count if the variant has one. */
export function headerBits(o: StaggerOptions): number {
  return 32 + (o.presentBits ? 0 : COUNT_BITS);
}

function checkOptions(o: StaggerOptions): void {
  if (!Number.isInteger(o.D) || o.D < 1 || o.D > 64) throw new Error(`stagger D ${o.D} must be an integer from 1 to 64`);
  if (![0, 1, undefined].includes(o.topExtra)) throw new Error(`topExtra ${o.topExtra} must be 0 or 1`);
}

/** Copies bits [start, start + n) of src to w. */
function copyBits(src: Uint32Array, start: number, n: number, w: BitWriter): void {
  for (let i = 0; i < n; i += 32) {
    const k = Math.min(32, n - i);
    w.write(getBits(src, start + i, k), k);
  }
}

/** One record cut into levels: the level-k bits are bits[k], len[k] of them. */
interface LeveledRecord {
  bits: Uint32Array[];
  len: number[];
}

/** Encodes npix pixel vectors (channel-fastest) of one tile in the staggered layout. */
export function encodeTileStaggered(
  d: Derived,
  settings: TileSettings,
  pixels: ArrayLike<number>,
  npix: number,
  o: StaggerOptions,
  base = 0,
): StaggeredTile {
  validateSettings(d.cfg, settings);
  checkOptions(o);
  if (!o.presentBits && npix >= 2 ** COUNT_BITS) throw new Error(`a tile of ${npix} pixels does not fit the ${COUNT_BITS}-bit count`);
  const C = d.cfg.channels;
  const Bw = d.cfg.busWidth;
  const s = effectiveShift(settings);
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  const recon = new Int32Array(npix * C);
  const records: LeveledRecord[] = [];
  for (let p = 0; p < npix; p++) {
    planPixel(d, settings, ctx, pixels, base + p * C, p, plan);
    const rec = new BitWriter(((recordBitsV1(plan) + 31) >>> 5) + 2);
    writeRecordV1(d, plan, rec);
    const ranges = sectionRanges(d, plan);
    const lv: LeveledRecord = { bits: [], len: [] };
    for (const secs of GROUPING) {
      const w = new BitWriter(8);
      for (const sec of secs) {
        if (sec === S_PRESENT && !o.presentBits) continue;
        for (const r of ranges[sec]) copyBits(rec.buf, r.start, r.len, w);
      }
      lv.bits.push(w.units());
      lv.len.push(w.pos);
    }
    records.push(lv);
    updateContextV2(d, s, plan, ctx);
    recon.set(plan.recon, p * C);
  }
  const w = new BitWriter(Math.ceil((npix * C * d.cfg.dataWidth) / 32) + 64);
  w.write(TILE_MAGIC | (PROTO_VERSION << 8) | (s << 12), 16);
  w.write(d.tag, 16);
  if (!o.presentBits) w.write(npix, COUNT_BITS);
  const slots = tileSlots(npix, o);
  const O = offsetsOf(o);
  const slotBits: number[] = [];
  for (let t = 0; t < slots; t++) {
    const at = w.pos;
    for (let k = 0; k < LEVELS; k++) {
      const r = t - O[k];
      if (k === 0 && r >= npix) {
        // the end marker (r = npix) and the fillers after it: a level 0 of zeros
        if (o.presentBits && r < npix + o.D) w.write(0, 1 + d.blocks);
        continue;
      }
      if (r < 0 || r >= npix) continue;
      const lv = records[r];
      copyBits(lv.bits[k], 0, lv.len[k], w);
    }
    slotBits.push(w.pos - at);
  }
  w.align(Bw);
  const dataUnits = w.bitLength >>> 5;
  const chk = fold16(w.buf, dataUnits);
  w.write(npix & 0xffff, 16);
  w.write(chk, 16);
  w.align(Bw);
  const units = w.units();
  return { units, words: units.length / (Bw / 32), recon, slots, slotBits };
}

export interface StaggeredDecoded {
  pixels: Int32Array;
  count: number;
  slots: number;
  slotBits: number[];
  spans: { pos: number; len: number }[][]; // [record][level] where the reader found that level's bits
}

/** What the reader knows of one record, each part stamped with the slot it was read in. */
class RecordState {
  modes: Uint8Array; // MODE_*; after level 0: CTX or ZERO, after mode plane 2 RAW, after plane 3 DCT
  rank: Uint8Array; // [channel] rank of a CTX value, RANKS while undecided or escaped
  pending: Uint16Array; // CTX channels whose rank is not decided yet, in channel order
  undecided = 0;
  L: Uint8Array; // [channel] bit length of a CTX value, once the record's contexts and escapes are known
  mask: Uint8Array;
  coefWidth: Uint8Array;
  values: Int32Array; // the decoded pixel
  ctx: Uint8Array | null = null; // contexts of this record (from the record before)
  ctxAt = -1; // slot in which the last input of ctx was read (-1: the tile start)
  levelAt: number[] = []; // [k] slot in which level k was read
  lengthAt = -1; // slot in which the last input of L was read
  nCtx = 0; // blocks of each mode, as far as the mode planes read so far tell
  nRaw = 0;
  nDct = 0;
  nOther = 0; // blocks that are not CTX (mode plane 2's length)

  constructor(d: Derived) {
    const C = d.cfg.channels;
    const nb = d.blocks;
    this.modes = new Uint8Array(nb);
    this.rank = new Uint8Array(C);
    this.pending = new Uint16Array(C);
    this.L = new Uint8Array(C);
    this.mask = new Uint8Array(C);
    this.coefWidth = new Uint8Array(nb);
    this.values = new Int32Array(C);
  }
}

export interface ReadOptions extends StaggerOptions {
  /** Slots between reading a piece of data and using it for a section length: D unless a test asks for more. */
  minDistance?: number;
  /** The same for the top level's length (its offset minus level 6's unless a test asks for more). */
  topDistance?: number;
  maxPixels?: number;
}

/**
 * Decodes one staggered tile. For every slot: (1) the length of each of its sections is computed from
 * record state read in earlier slots, checking that state's stamps against minDistance; (2) the slot's
 * bits are read section by section, each parse consuming exactly the length computed before.
 */
export function decodeTileStaggered(d: Derived, units: Uint32Array, o: ReadOptions, bitBase = 0): StaggeredDecoded {
  checkOptions(o);
  const { channels: C, dctSize: N, dataWidth: W, signed, busWidth: Bw, dctPrecision: P } = d.cfg;
  const nb = d.blocks;
  const D = o.D;
  const O = offsetsOf(o);
  const minDistance = o.minDistance ?? D;
  const topDistance = o.topDistance ?? O[TOP] - O[TOP - 1];
  const maxPixels = o.maxPixels ?? Infinity;
  const err = (bit: number, msg: string, code: StreamErrorCode) => new StreamError(bitBase + bit, msg, code);
  const unitsPerWord = Bw / 32;
  if (units.length === 0 || units.length % unitsPerWord !== 0) throw err(0, `tile of ${units.length * 32} bits is not a whole number of ${Bw}-bit words`, ERR.PARTIAL_WORD);
  const words = units.length / unitsPerWord;
  if (words < 2) throw err(0, `tile of ${words} word is shorter than a header and a trailer`, ERR.OVERRUN);
  const limit = (words - 1) * Bw;
  const hdr = units[0];
  if ((hdr & 0xff) !== TILE_MAGIC) throw err(0, `bad tile magic 0x${(hdr & 0xff).toString(16)}`, ERR.BAD_MAGIC);
  if (((hdr >>> 8) & 0xf) !== PROTO_VERSION) throw err(8, `unsupported format version ${(hdr >>> 8) & 0xf} (this reader reads ${PROTO_VERSION})`, ERR.BAD_VERSION);
  const s = (hdr >>> 12) & 0xf;
  if (s > W - 1) throw err(12, `quantization shift ${s} exceeds data width ${W} - 1`, ERR.BAD_SHIFT);
  if (hdr >>> 16 !== d.tag) throw err(16, `configuration tag 0x${(hdr >>> 16).toString(16)} does not match 0x${d.tag.toString(16)}`, ERR.BAD_TAG);
  let pos = 32;
  let n = -1; // pixels in the tile: from the header, or from the end marker
  let endAt = -1; // slot of the end marker
  if (!o.presentBits) {
    if (pos + COUNT_BITS > limit) throw pastEndError(pos, limit, 'pixel count');
    n = getBits(units, pos, COUNT_BITS);
    pos += COUNT_BITS;
    if (n > maxPixels) throw err(32, `tile counts ${n} pixels, more than the expected ${maxPixels}`, ERR.TOO_MANY_PIXELS);
  }
  const { escBits, coefWidthBits, coefWidthMax, minVal, maxPos } = d;
  const kDct = dctContext(W, s);
  const kMax = ctxLimit(d, s);
  const qMax = indexLimit(maxPos, s);
  const qMin = -indexLimit(-minVal, s);
  const records: RecordState[] = [];
  const out: number[] = [];
  const slotBits: number[] = [];
  const spans: { pos: number; len: number }[][] = [];
  const scratchQ = new Int32Array(N);
  const scratchY = new Float64Array(N);

  let t = 0; // the slot being read
  /** Data read in slot `at` may set a length in slot t only if it is minDistance slots old. */
  const need = (at: number, what: string, distance = minDistance): void => {
    if (at > t - distance) {
      throw new Error(`prototype reader: a length in slot ${t} needs ${what}, read in slot ${at}, fewer than ${distance} slots before`);
    }
  };
  /** Length of level k of record r, from what earlier slots told. */
  const levelLength = (k: number, r: number): number => {
    if (k === 0) return nb + (o.presentBits ? 1 : 0);
    const st = records[r];
    need(st.levelAt[k - 1], `level ${k - 1} of record ${r}`);
    switch (k) {
      case 1:
        return st.nOther + N * st.nCtx; // mode plane 2, rank plane 0
      case 2:
        return st.nRaw + st.nDct + st.undecided; // mode plane 3, rank plane 1
      case 3:
      case 4:
      case 5:
        return st.undecided; // rank planes 2, 3, 4
      case 6:
        need(st.levelAt[2], `mode plane 3 of record ${r}`);
        return st.undecided * escBits + st.nDct * (N + coefWidthBits) + st.nRaw * N * W;
      default: {
        need(st.levelAt[TOP - 1], `level ${TOP - 1} of record ${r}`, topDistance);
        need(st.lengthAt, `the bit lengths of record ${r}`, topDistance);
        let bits = 0;
        for (let b = 0; b < nb; b++) {
          if (st.modes[b] === MODE_CTX) for (let c = b * N; c < (b + 1) * N; c++) bits += ctxFieldBits(st.L[c], signed);
          else if (st.modes[b] === MODE_DCT) bits += N * st.coefWidth[b];
        }
        return bits;
      }
    }
  };

  let rd = 0; // read position inside the slot being parsed
  let end = 0; // end of the section being parsed
  const read = (nBits: number, what: string): number => {
    if (nBits === 0) return 0;
    if (nBits > 32) throw new Error(`prototype reader: a ${nBits}-bit field`);
    if (rd + nBits > end) throw new Error(`prototype reader: ${what} runs past its section's precomputed length at bit ${rd}`);
    const v = getBits(units, rd, nBits);
    rd += nBits;
    return v;
  };
  /** Reads nBits that must be zero (end marker, fillers). */
  const readZeros = (nBits: number, what: string): void => {
    for (let i = 0; i < nBits; i += 32) {
      const at = rd;
      if (read(Math.min(32, nBits - i), what) !== 0) throw err(at, `non-zero bits in ${what}`, ERR.BAD_PADDING);
    }
  };

  /** Reads a rank plane of record st: one bit per undecided CTX value, 1 where its rank is j. */
  const rankPlane = (st: RecordState, j: number): void => {
    let next = 0;
    for (let i = 0; i < st.undecided; i++) {
      const c = st.pending[i];
      if (read(1, 'rank plane')) st.rank[c] = j;
      else st.pending[next++] = c;
    }
    st.undecided = next;
  };

  /** Contexts of the record after st (the prototype's rule, layout.ts updateContextV2). */
  const nextContext = (st: RecordState): Uint8Array => {
    const k = new Uint8Array(C);
    for (let b = 0; b < nb; b++) {
      const m = st.modes[b];
      for (let c = b * N; c < (b + 1) * N; c++) {
        k[c] = m === MODE_CTX ? Math.min(st.L[c], kMax) : m === MODE_RAW ? 32 - Math.clz32(Math.abs(st.values[c]) >>> s) : m === MODE_DCT ? st.mask[c] * kDct : 0;
      }
    }
    return k;
  };

  /** Level 0 in slot t: a record's present bit (if any) and mode plane 1, or the end marker, or a filler. */
  const parseLevel0 = (): void => {
    if (o.presentBits) {
      if (endAt >= 0) return readZeros(1 + nb, 'a filler');
      if (read(1, 'present bit') === 0) {
        endAt = t;
        n = t;
        return readZeros(nb, 'the end marker');
      }
    }
    if (records.length >= maxPixels) throw err(rd, `more than the expected ${maxPixels} pixels in the tile`, ERR.TOO_MANY_PIXELS);
    const st = new RecordState(d);
    for (let b = 0; b < nb; b++) {
      const isCtx = read(1, 'mode plane 1');
      st.modes[b] = isCtx ? MODE_CTX : MODE_ZERO;
      st.nCtx += isCtx;
    }
    st.nOther = nb - st.nCtx;
    if (t === 0) st.ctx = new Uint8Array(C); // contexts restart at every tile; later records get theirs from the record before
    st.levelAt[0] = t;
    records.push(st);
  };

  const parseLevel = (k: number, r: number): void => {
    const st = records[r];
    if (k === 1) {
      for (let b = 0; b < nb; b++) {
        if (st.modes[b] === MODE_CTX) continue;
        if (read(1, 'mode plane 2')) {
          st.modes[b] = MODE_RAW;
          st.nRaw++;
        }
      }
      st.undecided = 0;
      for (let b = 0; b < nb; b++) {
        if (st.modes[b] === MODE_CTX) for (let c = b * N; c < (b + 1) * N; c++) st.pending[st.undecided++] = c;
      }
      st.rank.fill(RANKS);
      rankPlane(st, 0);
    } else if (k === 2) {
      for (let b = 0; b < nb; b++) {
        if (st.modes[b] !== MODE_RAW) continue;
        if (read(1, 'mode plane 3')) {
          st.modes[b] = MODE_DCT;
          st.nRaw--;
          st.nDct++;
        }
      }
      rankPlane(st, 1);
    } else if (k <= 5) {
      rankPlane(st, k - 1);
    } else if (k === 6) {
      // escapes; with them and the record's contexts, every CTX value's bit length
      const ctx = st.ctx!; // set when the record before read its level 6, one slot ago
      const esc = new Int32Array(C);
      for (let i = 0; i < st.undecided; i++) {
        const at = rd;
        const c = st.pending[i];
        const e = read(escBits, 'escape field');
        if (e >= d.escLen[ctx[c]].length) throw err(at, `escape field ${e} of channel ${c} is beyond the unranked bit lengths`, ERR.BAD_ESCAPE);
        esc[c] = e;
      }
      for (let b = 0; b < nb; b++) {
        if (st.modes[b] !== MODE_CTX) continue;
        for (let c = b * N; c < (b + 1) * N; c++) st.L[c] = st.rank[c] < RANKS ? d.rankOrder[ctx[c]][st.rank[c]] : d.escLen[ctx[c]][esc[c]];
      }
      st.lengthAt = Math.max(t, st.ctxAt);
      for (let b = 0; b < nb; b++) {
        if (st.modes[b] !== MODE_DCT) continue;
        for (let c = b * N; c < (b + 1) * N; c++) st.mask[c] = read(1, 'DCT zero mask');
        const at = rd;
        const wc = read(coefWidthBits, 'DCT coefficient width');
        if (wc > coefWidthMax) throw err(at, `DCT coefficient width ${wc} exceeds the maximum ${coefWidthMax}`, ERR.BAD_DCT_WIDTH);
        st.coefWidth[b] = wc;
      }
      for (let b = 0; b < nb; b++) {
        if (st.modes[b] !== MODE_RAW) continue;
        for (let c = b * N; c < (b + 1) * N; c++) {
          let v = read(W, 'raw value');
          if (signed && v >= 1 << (W - 1)) v -= 1 << W;
          st.values[c] = v;
        }
      }
      // The context loop: the next record's contexts are complete now. Its level 0 (slot r + 1) was
      // read before this slot (r + 6D), so it exists here if it exists at all.
      const later = records[r + 1];
      if (later) {
        later.ctx = nextContext(st);
        later.ctxAt = t;
      }
    } else {
      for (let b = 0; b < nb; b++) {
        const m = st.modes[b];
        if (m === MODE_ZERO) {
          for (let c = b * N; c < (b + 1) * N; c++) st.values[c] = 0;
        } else if (m === MODE_CTX) {
          for (let c = b * N; c < (b + 1) * N; c++) {
            const L = st.L[c];
            const at = rd;
            const field = read(ctxFieldBits(L, signed), 'CTX value');
            const neg = signed && L > 0 ? field & 1 : 0;
            const mag = L === 0 ? 0 : (1 << (L - 1)) + (signed ? field >>> 1 : field);
            const q = neg ? -mag : mag;
            if (q > qMax || q < qMin) throw err(at, `value ${q} of channel ${c} is outside the range at shift ${s}`, ERR.BAD_VALUE);
            st.values[c] = s === 0 ? q : dequantize(q, s, minVal, maxPos);
          }
        } else if (m === MODE_DCT) {
          const wc = st.coefWidth[b];
          for (let i = 0; i < N; i++) {
            let v = read(wc, 'DCT coefficient');
            if (wc > 0 && v >= 1 << (wc - 1)) v -= 1 << wc;
            scratchQ[i] = v;
          }
          dctInverse(d.dct, P, s, scratchQ, scratchY);
          for (let i = 0; i < N; i++) {
            const y = scratchY[i];
            st.values[b * N + i] = st.mask[b * N + i] * (y < minVal ? minVal : y > maxPos ? maxPos : y);
          }
        }
      }
      for (let c = 0; c < C; c++) out.push(st.values[c]);
    }
  };

  const lastSlot = (): number => (n < 0 ? Infinity : tileSlots(n, o) - 1);
  for (; t <= lastSlot(); t++) {
    // (1) the slot's sections and their lengths, before any of its bits is read
    const sections: { k: number; r: number; len: number }[] = [];
    let level0: boolean;
    if (!o.presentBits) level0 = t < n;
    else if (endAt >= 0 && t >= endAt + D) {
      need(endAt, 'the end marker');
      level0 = false;
    } else level0 = true; // a record, the end marker or a filler
    if (level0) sections.push({ k: 0, r: t, len: levelLength(0, t) });
    for (let k = 1; k < LEVELS; k++) {
      const r = t - O[k];
      if (r < 0 || r >= records.length) continue; // records[] holds the records whose level 0 was read
      need(records[r].levelAt[0], `level 0 of record ${r}`);
      sections.push({ k, r, len: levelLength(k, r) });
    }
    const length = sections.reduce((a, x) => a + x.len, 0);
    if (pos + length > limit) throw pastEndError(pos, limit, `slot ${t}`);
    slotBits.push(length);
    // (2) the slot's bits, section by section
    rd = pos;
    for (const sec of sections) {
      const from = rd;
      end = rd + sec.len;
      if (sec.k === 0) {
        parseLevel0();
        if (records.length > sec.r) spans[sec.r] = [{ pos: from, len: sec.len }];
      } else {
        spans[sec.r][sec.k] = { pos: from, len: sec.len };
        parseLevel(sec.k, sec.r);
        records[sec.r].levelAt[sec.k] = t;
      }
      if (rd !== end) throw new Error(`prototype reader: level ${sec.k} of record ${sec.r} used ${rd - from} bits, its precomputed length is ${sec.len}`);
    }
    pos = rd;
  }

  if (n < 0) throw err(pos, 'tile data ended without an end marker', ERR.OVERRUN);
  const padTo = Math.ceil(pos / Bw) * Bw;
  if (padTo !== limit) throw err(pos, `the last slot is followed by ${limit - padTo} bits of data before the trailer`, ERR.BAD_PADDING);
  for (let p = pos; p < limit; p += 32) {
    const k = Math.min(32, limit - p);
    if (getBits(units, p, k) !== 0) throw err(p, 'non-zero padding after the last slot', ERR.BAD_PADDING);
  }
  const tu = limit >>> 5;
  const trailer = units[tu];
  if ((trailer & 0xffff) !== (n & 0xffff)) throw err(limit, `trailer counts ${trailer & 0xffff} pixels, the tile holds ${n}`, ERR.BAD_COUNT);
  const chk = fold16(units, tu);
  if (trailer >>> 16 !== chk) throw err(limit + 16, `checksum 0x${(trailer >>> 16).toString(16)} does not match the data's 0x${chk.toString(16)}`, ERR.BAD_CHECKSUM);
  for (let i = tu + 1; i < units.length; i++) if (units[i] !== 0) throw err(i * 32, 'non-zero bits in the trailer word', ERR.BAD_TRAILER);
  return { pixels: Int32Array.from(out), count: n, slots: t, slotBits, spans };
}
