// Tiles (FORMAT.md sections 2, 4-8), format version 3: known answers built by hand (records written
// level by level, staggered into slots by an independent helper), round-trip properties over every
// configuration class, the record-length plan against the bits actually written, and every stream check.
import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../golden/bits.js';
import { dctForward } from '../../golden/dct.js';
import { ERR, ParamError, StreamError } from '../../golden/errors.js';
import {
  CodecConfig,
  Derived,
  FORMAT_VERSION,
  LEVELS,
  LEVEL_OFFSETS,
  MAX_TILE_PIXELS,
  MODE_CTX,
  MODE_DCT,
  MODE_NAMES,
  MODE_RAW,
  MODE_ZERO,
  Policy,
  RANKS,
  TILE_MAGIC,
  TileSettings,
  configTag,
  derive,
} from '../../golden/params.js';
import { dequantize } from '../../golden/quantize.js';
import { decodeTile, decodeTileStatus, encodeTile, fold16, newPlan, planPixel, recordLevels, updateContext, writePixel } from '../../golden/tile.js';
import { Rng } from '../../sim/rng.js';
import { genPixels, patternsFor, valueRange } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { cfgOf } from '../helpers/config.js';

// ---------------------------------------------------------------------------------------------------
// Independent helpers (written from FORMAT.md, not from the model)

/** Bits of a non-negative integer (bitLength(0) = 0). */
const blen = (m: number): number => (m === 0 ? 0 : m.toString(2).length);

/** Smallest two's-complement width of v (0 for 0). */
const swidth = (v: number): number => (v === 0 ? 0 : v > 0 ? blen(v) + 1 : blen(-v - 1) + 1);

/** roundShift by the FORMAT.md formula, exact for |x| < 2^53. */
function rshift(x: number, n: number): number {
  if (n === 0) return x;
  const r = Math.floor((Math.abs(x) + 2 ** (n - 1)) / 2 ** n);
  return x < 0 ? -r : r;
}

/** FNV-1a config tag of FORMAT.md 2.4. */
function tagOf(c: CodecConfig): number {
  const text = `${c.channels},${c.dctSize},${c.dataWidth},${c.signed ? 1 : 0},${c.busWidth},${c.dctPrecision}`;
  let h = 0x811c9dc5;
  for (const ch of text) {
    h ^= ch.charCodeAt(0);
    h = Number((BigInt(h) * 0x01000193n) & 0xffffffffn);
  }
  return ((h >>> 16) ^ (h & 0xffff)) & 0xffff;
}


const headerUnit = (s: number, tag: number): number => (TILE_MAGIC | (FORMAT_VERSION << 8) | (s << 12) | (tag << 16)) >>> 0;

/** A field of width n, least significant bit first, as a '0'/'1' string in stream order. */
function field(v: number, n: number): string {
  let out = '';
  for (let j = 0; j < n; j++) out += Math.floor(v / 2 ** j) % 2 === 0 ? '0' : '1';
  return out;
}
/** Two's-complement field. */
const sfield = (v: number, n: number): string => field(v < 0 ? v + 2 ** n : v, n);

/** Packs a stream-order bit string into 32-bit units (bit i -> bit i%32 of unit i/32). */
function pack(bits: string): Uint32Array {
  const out = new Uint32Array(Math.ceil(bits.length / 32));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') out[i >>> 5] = (out[i >>> 5] | (1 << (i & 31))) >>> 0;
  return out;
}

/** The level offsets of FORMAT.md 2.6, written out: level k of a record sits O[k] slots after its level 0. */
const O = [0, 4, 8, 12, 16, 20, 24, 29];

/**
 * The slot stream of hand-written records (FORMAT.md 2.6): records[r][k] is level k of record r as a
 * bit string (missing levels are empty); slot t is level k of record t - O[k] for k = 0..7.
 */
function stagger(records: string[][]): string {
  const n = records.length;
  let out = '';
  for (let t = 0; t < n + O[7]; t++) for (let k = 0; k < 8; k++) if (t - O[k] >= 0 && t - O[k] < n) out += records[t - O[k]][k] ?? '';
  return out;
}

/**
 * A whole tile from hand-written records (level strings): header unit, 16-bit pixel count, slots, zero
 * pad to B, trailer (count | checksum << 16, zero above bit 31). Options break single rules for the
 * error tests: another header count, bits after the slots, extra data words, trailer fields.
 */
function buildTile(
  hdr: number,
  records: string[][],
  B: number,
  opt: { headerCount?: number; tail?: string; extraDataWords?: number; countOverride?: number; checksumXor?: number; trailerHigh?: number } = {},
): Uint32Array {
  const count = records.length;
  let bits = field(hdr, 32) + field(opt.headerCount ?? count, 16) + stagger(records) + (opt.tail ?? '');
  bits += '0'.repeat((B - (bits.length % B)) % B);
  bits += '0'.repeat(B * (opt.extraDataWords ?? 0));
  const data = pack(bits);
  const tail = new Uint32Array(B / 32);
  tail[0] = (((opt.countOverride ?? count) & 0xffff) | (((fold16(data, data.length) ^ (opt.checksumXor ?? 0)) & 0xffff) << 16)) >>> 0;
  if (B > 32 && opt.trailerHigh) tail[1] = opt.trailerHigh;
  const out = new Uint32Array(data.length + tail.length);
  out.set(data);
  out.set(tail, data.length);
  return out;
}

/** The worked example's record (FORMAT.md 11) by level: mode plane 1, rank planes 0-4, escape, payloads. */
const EXAMPLE = ['1', '10110101', '100', '00', '10', '1', '', '10' + '001'];

const hex = (u: ArrayLike<number>): string[] => Array.from(u, (x) => (x >>> 0).toString(16).padStart(8, '0'));

const streamError = (f: () => unknown): StreamError => thrown(StreamError, f);

// ---------------------------------------------------------------------------------------------------
// Known answers

describe('known-answer tiles (worked by hand from FORMAT.md)', () => {
  /*
   * C = N = 8, W = 8, unsigned, P = 12, lossless; one pixel [0, 5, 0, 0, 12, 0, 1, 0].
   *
   * Tag: FNV-1a("8,8,8,0,32,12") = 0xC8EA0E7F -> 0xC8EA ^ 0x0E7F = 0xC695 (B = 32);
   *      FNV-1a("8,8,8,0,64,12") = 0x6D0F621E -> 0x6D0F ^ 0x621E = 0x0F11 (B = 64).
   * Header unit: 0xDC | 3 << 8 | 0 << 12 | tag << 16 = 0xC69503DC (B = 32); bits 32-47: count 1.
   *
   * Contexts are all 0. Centre m = max(1, 8/2 - 1) = 3: non-zero lengths by distance, the shorter first,
   * 3, 2, 4, 1, 5, 6, 7, 8; zero goes first (k <= 1): rank order 0, 3, 2, 4, 1; unranked 5, 6, 7, 8
   * (escape field E = bitLength(8 - 5) = 2 bits).
   *   value  L  rank     cost (rank planes + escape + mantissa)
   *   0      0  0        1
   *   5      3  1        2 + 2
   *   12     4  3        4 + 3
   *   1      1  4        5 + 0
   * CTX = 1 (mode bit) + 5*1 + 4 + 7 + 5 = 22 <= RAW = 3 + 8*8 = 67, so the block is CTX.
   *
   * The record's levels, each in its own slot (one pixel: slot O[k] holds level k):
   *   slot 0   level 0  1         mode plane 1: CTX (planes 2 and 3 are empty: no other blocks)
   *   slot 4   level 1  10110101  rank plane 0 over the 8 values (1 where rank = 0)
   *   slot 8   level 2  100       rank plane 1 over values 5, 12, 1
   *   slot 12  level 3  00        rank plane 2 over 12, 1
   *   slot 16  level 4  10        rank plane 3 over 12, 1
   *   slot 20  level 5  1         rank plane 4 over 1
   *   slot 24  level 6  (empty)   no escapes
   *   slot 29  level 7  10 001    mantissa of 5: 5 - 4 = 1 in 2 bits; of 12: 12 - 8 = 4 in 3 bits
   * Stream bits 48-69, then zero padding to bit 96. Unit 1: count 1 (bits 0-15), then the first 16 slot
   * bits 1 10110101 100 00 10 -> set bits 16,17,19,20,22,24,25,30 -> 0x435B0001; unit 2: 1 10001
   * -> bits 0, 1, 5 -> 0x00000023.
   * Trailer: count 1; checksum = halves of 0xC69503DC ^ 0x435B0001 ^ 0x00000023 = 0x85CE03FE -> 0x85CE
   * ^ 0x03FE = 0x8630; trailer = 0x86300001.
   * With B = 64: units 0x0F1103DC (header, tag 0x0F11), 0x435B0001 form word 0, 0x00000023, 0 word 1;
   * the trailer word is 0x4FB40001, 0 (0x4C4A03FE -> 0x4C4A ^ 0x03FE = 0x4FB4).
   */
  const pixel = [0, 5, 0, 0, 12, 0, 1, 0];

  it('config tags', () => {
    expect(configTag(cfgOf(8, 8, 8, false, 32))).toBe(0xc695);
    expect(configTag(cfgOf(8, 8, 8, false, 64))).toBe(0x0f11);
    expect(tagOf(cfgOf(8, 8, 8, false, 32))).toBe(0xc695);
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const N = rng.pick([4, 8, 16, 32]);
      const c = cfgOf(N * rng.int(1, 64), N, rng.int(4, 16), rng.chance(0.5), 32 * rng.int(1, 128), rng.int(8, 16));
      expect(configTag(c)).toBe(tagOf(c));
    }
  });

  it('one pixel, B = 32: words C69503DC 435B0001 00000023 86300001', () => {
    const d = derive(cfgOf(8, 8, 8, false, 32));
    const e = encodeTile(d, { policy: 'lossless', quantShift: 0 }, pixel, 1);
    expect(hex(e.units)).toEqual(['c69503dc', '435b0001', '00000023', '86300001']);
    expect(e.words).toBe(4);
    expect(e.modeCounts).toEqual([0, 1, 0, 0]);
    const dec = decodeTile(d, Uint32Array.from([0xc69503dc, 0x435b0001, 0x00000023, 0x86300001]), 1);
    expect(Array.from(dec.pixels)).toEqual(pixel);
    expect(dec.count).toBe(1);
    expect(dec.quantShift).toBe(0);
    // the same words from the hand-written levels
    expect(hex(buildTile(0xc69503dc, [EXAMPLE], 32))).toEqual(['c69503dc', '435b0001', '00000023', '86300001']);
  });

  it('one pixel, B = 64: words 0F1103DC 435B0001 | 00000023 00000000 | 4FB40001 00000000', () => {
    const d = derive(cfgOf(8, 8, 8, false, 64));
    const e = encodeTile(d, { policy: 'lossless', quantShift: 0 }, pixel, 1);
    expect(hex(e.units)).toEqual(['0f1103dc', '435b0001', '00000023', '00000000', '4fb40001', '00000000']);
    expect(e.words).toBe(3);
  });

  it('the layout constants: offsets 0, 4, ..., 24, 29, 8 levels, a tile of n pixels has n + 29 slots', () => {
    expect(LEVEL_OFFSETS).toEqual(O);
    expect(LEVELS).toBe(8);
    expect(MAX_TILE_PIXELS).toBe(65535);
    // the longest section of each level and the longest slot (docs/design/format-v2.md section 5)
    const d8 = derive(cfgOf(8, 8, 8, false, 32));
    expect(d8.levelMaxBits).toEqual([1, 8, 8, 8, 8, 8, 64, 88]);
    expect(d8.maxSlotBits).toBe(193);
    const d64 = derive(cfgOf(64, 8, 8, false, 256));
    expect(d64.levelMaxBits).toEqual([8, 64, 64, 64, 64, 64, 512, 704]);
    expect(d64.maxSlotBits).toBe(1544);
    // without the DCT the top level holds at most CTX payloads: 8 values of 7 mantissa bits
    expect(derive(cfgOf(8, 8, 8, false, 32, 12, false)).levelMaxBits[7]).toBe(56);
  });

  it('the plan of the worked example: modes, ranks, record length', () => {
    const d = derive(cfgOf(8, 8, 8, false, 32));
    const plan = newPlan(d);
    planPixel(d, { policy: 'lossless', quantShift: 0 }, new Uint8Array(8), pixel, 0, 0, plan);
    expect(plan.modes[0]).toBe(MODE_CTX);
    expect(plan.bits).toBe(22);
    const lv = new Int32Array(LEVELS);
    recordLevels(d, plan, lv);
    expect(Array.from(lv)).toEqual(EXAMPLE.map((x) => x.length));
    expect(plan.blockBits[0]).toBe(22);
    expect(Array.from(plan.len)).toEqual([0, 3, 0, 0, 4, 0, 1, 0]);
    expect(Array.from(plan.rank)).toEqual([0, 1, 0, 0, 3, 0, 4, 0]);
    const ctx = new Uint8Array(8);
    updateContext(d, 0, plan, ctx);
    expect(Array.from(ctx)).toEqual([0, 3, 0, 0, 4, 0, 1, 0]);
  });

  it('two pixels, two blocks: ZERO, CTX, RAW and context-dependent ranks (bits written by hand)', () => {
    /*
     * C = 16, N = 8, W = 8 unsigned, B = 32, lossless.
     * pixel 0: block 0 all zero (ZERO), block 1 = [0, 5, 0, 0, 12, 0, 1, 0] at contexts 0 (as above).
     *   level 0: plane 1: 0 1 | level 1: plane 2 (block 0): 0 = ZERO, rank plane 0 | then as the example
     * pixel 1: block 0 = 8 x 255: at context 0 length 8 is escaped (index 3), 5 + 2 + 7 = 14 bits each,
     *   CTX = 113 > RAW = 67 -> RAW. Block 1 = same values, now at contexts [0,3,0,0,4,0,1,0] (a CTX
     *   value leaves min(L, bitLength(255)) = L): ch1 L=3 at k=3 (order 3,0,2,4,1): rank 0; ch4 L=4 at
     *   k=4 (order 4,3,5,0,2): rank 0; ch6 L=1 at k=1 (order 0,1,2,3,4): rank 1; zeros at k=0: rank 0.
     *   CTX = 1 + 8 + 1 + 5 = 15.
     *   level 0: plane 1: 0 1 | level 1: plane 2 (block 0): 1, rank plane 0: 11111101
     *   level 2: plane 3 (block 0): 0 = RAW, rank plane 1 (ch6): 1 | no escapes
     *   level 6: RAW payload of block 0: 8 x 11111111 | level 7: block 1: 10 (5) 001 (12)
     * Slots: 0: p0 level 0, 1: p1 level 0, 4: p0 level 1, 5: p1 level 1, ..., 29: p0 level 7, 30: p1 level 7.
     */
    const C = 16;
    const cfg = cfgOf(C, 8, 8, false, 32);
    const d = derive(cfg);
    const px = [0, 0, 0, 0, 0, 0, 0, 0, ...pixel, 255, 255, 255, 255, 255, 255, 255, 255, ...pixel];
    const p0 = ['01', '0' + '10110101', '100', '00', '10', '1', '', '10' + '001'];
    const p1 = ['01', '1' + '11111101', '0' + '1', '', '', '', '11111111'.repeat(8), '10' + '001'];
    expect(p0.join('').length).toBe(2 + 1 + 21);
    expect(p1.join('').length).toBe(2 + 1 + 1 + 15 - 1 + 64);
    const want = buildTile(headerUnit(0, tagOf(cfg)), [p0, p1], 32);
    const e = encodeTile(d, { policy: 'lossless', quantShift: 0 }, px, 2);
    expect(hex(e.units)).toEqual(hex(want));
    expect(e.modeCounts).toEqual([1, 2, 1, 0]);
    expect(Array.from(decodeTile(d, want, 2).pixels)).toEqual(px);
  });

  it('a tile holds 1 to 65535 pixels: the encoder refuses 0 and 65536 (ParamError), the decoder a header count of 0', () => {
    const d = derive(cfgOf(8, 8, 8, false, 32));
    const ll: TileSettings = { policy: 'lossless', quantShift: 0 };
    expect(thrown(ParamError, () => encodeTile(d, ll, [], 0)).message).toMatch(/1 to 65535 pixels/);
    expect(() => encodeTile(d, ll, new Int32Array(65536 * 8), 65536)).toThrow(ParamError);
    // header, count 0, trailer: checksum 0xC695 ^ 0x03DC = 0xC549
    const empty = Uint32Array.from([0xc69503dc, 0, 0xc5490000]);
    const err = streamError(() => decodeTile(d, empty));
    expect(err.code).toBe(ERR.BAD_COUNT);
    expect(err.bitOffset).toBe(32);
  });

  it('a DCT block written by hand decodes by the formula of FORMAT.md 7.3', () => {
    // C = N = 4, W = 8 unsigned, P = 12, s = 1: coefficients [100, -20, 0, 7], mask 1 1 0 1.
    // CWmax: A = ceil(4 * 2048 * 255 / 4096) = 510 (row 0; row 1 = 2 * (2676 + 1108) = 7568 -> 471.1),
    // so CWmax = bitLength(510) + 1 = 10 and the width field has bitLength(10) = 4 bits; wc = 8.
    const cfg = cfgOf(4, 4, 8, false, 32);
    const d = derive(cfg);
    expect(d.coefWidthMax).toBe(10);
    expect(d.coefWidthBits).toBe(4);
    const q = [100, -20, 0, 7];
    // levels: plane 1 (not CTX), plane 2 (not ZERO), plane 3 (DCT), -, -, -, mask and width, coefficients
    const rec = ['0', '1', '1', '', '', '', '1101' + field(8, 4), q.map((c) => sfield(c, 8)).join('')];
    const tile = buildTile(headerUnit(1, tagOf(cfg)), [rec], 32);
    const T = [
      [2048, 2048, 2048, 2048],
      [2676, 1108, -1108, -2676],
      [2048, -2048, -2048, 2048],
      [1108, -2676, 2676, -1108],
    ];
    const want = [0, 1, 2, 3].map((n) => {
      const y = rshift(q.reduce((a, c, k) => a + T[k][n] * c, 0), 12 - 1);
      return n === 2 ? 0 : Math.min(255, Math.max(0, y));
    });
    // by hand: n=0: (204800 - 53520 + 7756) / 2048 = 77.6 -> 78; n=1: (204800 - 22160 - 18732) / 2048
    // = 80.03 -> 80; n=3: (204800 + 53520 - 7756) / 2048 = 122.3 -> 122
    expect(want).toEqual([78, 80, 0, 122]);
    const dec = decodeTile(d, tile, 1);
    expect(Array.from(dec.pixels)).toEqual(want);
    expect(dec.modeCounts).toEqual([0, 0, 0, 1]);
    expect(dec.quantShift).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// Round-trip properties over every configuration class

interface Case {
  d: Derived;
  settings: TileSettings;
  pixels: Int32Array;
  npix: number;
  label: string;
}

/** CTX cost of a value of bit length l in context k (FORMAT.md 5.3 and section 4 item 8). */
function ctxCost(d: Derived, k: number, l: number): number {
  const r = d.rankOrder[k].indexOf(l);
  return (r < 0 ? RANKS + d.escBits : r + 1) + (l === 0 ? 0 : l - 1 + (d.cfg.signed ? 1 : 0));
}

/**
 * FORMAT.md 6.1 by exact rational comparison: nearest index; a tie between lengths that differ goes to
 * the cheaper code in tie context k, any other tie by the parity of pixel + channel; limited to the
 * decoder's largest index (the ends of the range rounded with ties toward zero).
 */
function refQuantize(d: Derived, v: number, s: number, k: number, parity: number): number {
  if (s === 0) return v;
  const a = Math.abs(v);
  const f = Math.floor(a / 2 ** s);
  const twice = 2 * (a - f * 2 ** s); // twice the remainder, against the step 2^s
  let q = f;
  if (twice > 2 ** s) q = f + 1;
  else if (twice === 2 ** s) {
    const lo = ctxCost(d, k, blen(f));
    const hi = ctxCost(d, k, blen(f + 1));
    q = f + (lo !== hi ? +(hi < lo) : parity);
  }
  const qMax = Math.floor(d.maxPos / 2 ** s) + +(2 * (d.maxPos % 2 ** s) > 2 ** s);
  return v < 0 ? -q : Math.min(q, qMax);
}

/** Expected cost and mode of one block by FORMAT.md sections 5, 6 and 8, from first principles. */
function expectBlock(d: Derived, settings: TileSettings, ctxBefore: Uint8Array, x: number[], prevX: number[] | null, c0: number, p: number) {
  const { dctSize: N, dataWidth: W, dctPrecision: P } = d.cfg;
  const s = settings.policy === 'lossless' ? 0 : settings.quantShift;
  let ctxBits = 1;
  // a tie's context: the bit length of floor(|x| / 2^s) of the channel's value in the tile's previous pixel, 0 in its first
  const tieK = (i: number) => (prevX === null ? 0 : blen(Math.floor(Math.abs(prevX[i]) / 2 ** s)));
  const q = x.map((v, i) => refQuantize(d, v, s, tieK(i), (p + c0 + i) % 2));
  const L = q.map((v) => blen(Math.abs(v)));
  const rank = L.map((l, i) => {
    const r = d.rankOrder[ctxBefore[c0 + i]].indexOf(l);
    return r < 0 ? RANKS : r;
  });
  for (let i = 0; i < N; i++) ctxBits += ctxCost(d, ctxBefore[c0 + i], L[i]);
  const rawBits = 3 + N * W;
  const allZero = x.every((v) => v === 0);
  const allZeroQ = q.every((v) => v === 0);
  let coef: number[] | undefined;
  let wc = 0;
  let dctBits = Infinity;
  const dctCost = () => {
    const out = new Int32Array(N);
    dctForward(d.dct, P, s, x, out);
    coef = Array.from(out);
    // independent check of dctForward against its formula
    for (let k = 0; k < N; k++) {
      const acc = d.dct[k].reduce((a, t, n) => a + t * x[n], 0);
      if (coef[k] !== rshift(acc, P + s)) throw new Error(`dctForward k=${k}: ${coef[k]} vs ${rshift(acc, P + s)}`);
    }
    wc = Math.max(0, ...coef.map(swidth));
    dctBits = 3 + N + d.coefWidthBits + N * wc;
  };
  let mode: number;
  let bits: number;
  if (settings.policy === 'dct') {
    if (allZero) [mode, bits] = [MODE_ZERO, 2];
    else {
      dctCost();
      [mode, bits] = [MODE_DCT, dctBits];
    }
  } else if (settings.policy === 'lossless' ? allZero : allZeroQ) {
    [mode, bits] = [MODE_ZERO, 2];
  } else {
    [mode, bits] = ctxBits <= rawBits ? [MODE_CTX, ctxBits] : [MODE_RAW, rawBits];
    if (settings.policy === 'auto') {
      dctCost();
      if (dctBits < bits) [mode, bits] = [MODE_DCT, dctBits];
    }
  }
  return { mode, bits, q, L, rank, coef, wc };
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs every property on one tile; throws with the case label on the first violation. */
function checkTile({ d, settings, pixels, npix, label }: Case): void {
  const fail = (msg: string): never => {
    throw new Error(`${label}: ${msg}`);
  };
  const { channels: C, dctSize: N, dataWidth: W, signed, busWidth: B, dctPrecision: P } = d.cfg;
  const s = settings.policy === 'lossless' ? 0 : settings.quantShift;
  const { lo, hi } = valueRange(W, signed);
  const upw = B / 32;

  const e = encodeTile(d, settings, pixels, npix);
  // deterministic: a second encoding gives the same words and reconstruction
  const e2 = encodeTile(d, settings, pixels, npix);
  if (!sameArray(e.units, e2.units)) fail('encoding twice gave different words');
  if (!sameArray(e.recon, e2.recon)) fail('encoding twice gave different recon');

  // framing: whole bus words, header, trailer
  const U = e.units;
  if (U.length % upw !== 0) fail(`${U.length} units is not a whole number of ${B}-bit words`);
  if (e.words !== U.length / upw || e.words < 2) fail(`words ${e.words} vs ${U.length} units`);
  if (U[0] !== headerUnit(s, tagOf(d.cfg))) fail(`header 0x${U[0].toString(16)}`);
  const tu = U.length - upw;
  if ((U[tu] & 0xffff) !== (npix & 0xffff)) fail(`trailer count ${U[tu] & 0xffff} != ${npix}`);
  if (U[tu] >>> 16 !== fold16(U, tu)) fail(`trailer checksum 0x${(U[tu] >>> 16).toString(16)} != 0x${fold16(U, tu).toString(16)}`);
  for (let i = tu + 1; i < U.length; i++) if (U[i] !== 0) fail(`trailer unit ${i} is not zero`);

  // mode counts
  const blocks = C / N;
  if (e.modeCounts.reduce((a, b) => a + b, 0) !== npix * blocks) fail(`mode counts ${e.modeCounts} do not add up to ${npix * blocks}`);
  if (settings.policy === 'lossless' && e.modeCounts[MODE_DCT] !== 0) fail('lossless tile has DCT blocks');
  if (settings.policy === 'dct' && (e.modeCounts[MODE_CTX] !== 0 || e.modeCounts[MODE_RAW] !== 0)) fail(`dct tile has CTX/RAW blocks ${e.modeCounts}`);

  // decode == recon (and == input when lossless)
  const dec = decodeTile(d, U, npix);
  if (dec.count !== npix) fail(`decoded ${dec.count} pixels of ${npix}`);
  if (dec.quantShift !== s) fail(`decoded shift ${dec.quantShift}`);
  if (dec.pixels.length !== npix * C) fail('decoded length');
  for (let i = 0; i < npix * C; i++) if (dec.pixels[i] !== e.recon[i]) fail(`decoded value ${i} = ${dec.pixels[i]}, recon ${e.recon[i]}`);
  if (dec.modeCounts.join() !== e.modeCounts.join()) fail(`decoded mode counts ${dec.modeCounts} vs ${e.modeCounts}`);
  if (settings.policy === 'lossless') for (let i = 0; i < npix * C; i++) if (e.recon[i] !== pixels[i]) fail(`lossless value ${i}: ${e.recon[i]} != ${pixels[i]}`);
  const decInf = decodeTile(d, U);
  if (decInf.count !== npix || !sameArray(decInf.pixels, dec.pixels)) fail('decoding without a pixel bound differs');

  // replay the encoder stage by stage: planPixel, writePixel, recordLevels, updateContext; then the
  // records' levels staggered by the independent helper must be the tile's data
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  const kDct = Math.max(1, Math.floor(W / 2) - s);
  const kMax = blen(Math.floor(d.maxMag / 2 ** s));
  const records: string[][] = [];
  for (let p = 0; p < npix; p++) {
    const ctxBefore = ctx.slice();
    planPixel(d, settings, ctx, pixels, p * C, p, plan);
    let total = 0;
    // the levels' lengths by FORMAT.md 2.5, from the expected modes, ranks, lengths and widths
    const want7 = new Array<number>(8).fill(0);
    const undecided = new Array<number>(RANKS).fill(0);
    let escapes = 0;
    for (let b = 0; b < blocks; b++) {
      const c0 = b * N;
      const x = Array.from(pixels.subarray(p * C + c0, p * C + c0 + N));
      const prevX = p === 0 ? null : Array.from(pixels.subarray((p - 1) * C + c0, (p - 1) * C + c0 + N));
      const want = expectBlock(d, settings, ctxBefore, x, prevX, c0, p);
      const where = `pixel ${p} block ${b}`;
      if (plan.modes[b] !== want.mode) fail(`${where}: mode ${MODE_NAMES[plan.modes[b]]}, expected ${MODE_NAMES[want.mode]} (bits ${plan.blockBits[b]} vs ${want.bits})`);
      if (plan.blockBits[b] !== want.bits) fail(`${where}: block bits ${plan.blockBits[b]}, expected ${want.bits}`);
      total += want.bits;
      for (let i = 0; i < N; i++) {
        const c = c0 + i;
        const r = plan.recon[c];
        const v = x[i];
        if (r !== e.recon[p * C + c]) fail(`${where}: plan recon differs from the tile's`);
        if (r < lo || r > hi) fail(`${where}: recon ${r} out of range`);
        if (want.mode === MODE_CTX) {
          if (plan.index[c] !== want.q[i] || plan.len[c] !== want.L[i] || plan.rank[c] !== want.rank[i]) {
            fail(`${where} ch ${i}: index/len/rank ${plan.index[c]}/${plan.len[c]}/${plan.rank[c]} vs ${want.q[i]}/${want.L[i]}/${want.rank[i]}`);
          }
          const exp = s === 0 ? want.q[i] : dequantize(want.q[i], s, lo, hi);
          if (r !== exp) fail(`${where} ch ${i}: CTX recon ${r}, expected ${exp}`);
          if (Math.abs(r - v) > (s === 0 ? 0 : 2 ** (s - 1))) fail(`${where} ch ${i}: CTX error |${v} - ${r}| > 2^(s-1)`);
        } else if (want.mode === MODE_RAW) {
          if (r !== v) fail(`${where}: RAW recon ${r} != ${v}`);
        } else if (want.mode === MODE_ZERO) {
          if (r !== 0) fail(`${where}: ZERO recon ${r}`);
          if (Math.abs(v) > (s === 0 ? 0 : 2 ** (s - 1))) fail(`${where}: ZERO block holds ${v}`);
        } else {
          if (plan.coef[c] !== want.coef![i]) fail(`${where}: coefficient ${i} ${plan.coef[c]} vs ${want.coef![i]}`);
          if (plan.mask[c] !== (v !== 0 ? 1 : 0)) fail(`${where}: mask`);
          // FORMAT.md 7.3 with exact arithmetic
          const acc = want.coef!.reduce((a, q, k) => a + d.dct[k][i] * q, 0);
          const y = s <= P ? rshift(acc, P - s) : acc * 2 ** (s - P);
          const exp = v === 0 ? 0 : Math.min(hi, Math.max(lo, y));
          if (r !== exp) fail(`${where} ch ${i}: DCT recon ${r}, expected ${exp}`);
        }
      }
      if (want.mode === MODE_DCT && plan.coefWidth[b] !== want.wc) fail(`${where}: coefficient width ${plan.coefWidth[b]} vs ${want.wc}`);
      want7[0] += 1; // mode plane 1
      if (want.mode === MODE_CTX) {
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < RANKS; j++) undecided[j] += +(want.rank[i] >= j);
          escapes += +(want.rank[i] === RANKS);
          want7[7] += want.L[i] === 0 ? 0 : want.L[i] - 1 + (signed ? 1 : 0);
        }
      } else {
        want7[1] += 1; // mode plane 2
        if (want.mode !== MODE_ZERO) want7[2] += 1; // mode plane 3
        if (want.mode === MODE_RAW) want7[6] += N * W;
        if (want.mode === MODE_DCT) {
          want7[6] += N + d.coefWidthBits;
          want7[7] += N * want.wc;
        }
      }
    }
    for (let j = 0; j < RANKS; j++) want7[j + 1] += undecided[j];
    want7[6] += escapes * d.escBits;
    if (plan.bits !== total) fail(`pixel ${p}: plan.bits ${plan.bits}, expected ${total}`);
    if (plan.bits > d.maxEncodedRecordBits) fail(`pixel ${p}: record ${plan.bits} bits > maxEncodedRecordBits ${d.maxEncodedRecordBits}`);
    const w = new BitWriter(4); // small on purpose: exercises growth
    writePixel(d, plan, w);
    if (w.pos !== plan.bits) fail(`pixel ${p}: writePixel wrote ${w.pos} bits, plan.bits = ${plan.bits}`);
    const lv = new Int32Array(LEVELS);
    const runs = recordLevels(d, plan, lv);
    if (Array.from(lv).join() !== want7.join()) fail(`pixel ${p}: level lengths ${Array.from(lv)}, expected ${want7}`);
    for (let k = 0; k < LEVELS; k++) if (lv[k] > d.levelMaxBits[k]) fail(`pixel ${p}: level ${k} has ${lv[k]} bits > levelMaxBits ${d.levelMaxBits[k]}`);
    const bitsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => (w.buf[(from + i) >>> 5] >>> ((from + i) & 31)) & 1).join('');
    records.push(runs.map((r) => r.reduce((acc, _x, j) => (j % 2 === 0 ? acc + bitsOf(r[j], r[j + 1]) : acc), '')));
    updateContext(d, s, plan, ctx);
    for (let b = 0; b < blocks; b++) {
      for (let c = b * N; c < (b + 1) * N; c++) {
        const r = plan.recon[c];
        const m = plan.modes[b];
        // FORMAT.md 6.4: a CTX value leaves min(L, bitLength(maxMag >> s)), a RAW value bitLength(|x| >> s)
        const k = m === MODE_ZERO ? 0 : m === MODE_DCT ? (plan.mask[c] ? kDct : 0) : m === MODE_CTX ? Math.min(plan.len[c], kMax) : blen(Math.floor(Math.abs(r) / 2 ** s));
        if (ctx[c] !== k) fail(`pixel ${p} ch ${c}: context ${ctx[c]}, expected ${k}`);
      }
    }
  }
  let bits = field(headerUnit(s, tagOf(d.cfg)), 32) + field(npix, 16) + stagger(records);
  bits += '0'.repeat((B - (bits.length % B)) % B);
  if (bits.length !== tu * 32) fail(`replayed data is ${bits.length} bits, the tile's data section ${tu * 32}`);
  const replay = pack(bits);
  for (let i = 0; i < tu; i++) if (replay[i] !== U[i]) fail(`replayed unit ${i} 0x${replay[i].toString(16)} != 0x${U[i].toString(16)}`);
}

function settingsFor(W: number): TileSettings[] {
  const out: TileSettings[] = [{ policy: 'lossless', quantShift: 0 }];
  for (const policy of ['auto', 'dct'] as Policy[]) for (const s of [...new Set([1, 2, W - 1])]) out.push({ policy, quantShift: s });
  return out;
}

const BUSES = [32, 64, 96, 256];
const PREC_BY_BUS: Record<number, number> = { 32: 12, 64: 8, 96: 16, 256: 12 };

describe('round trips over every configuration class', () => {
  for (const N of [4, 8, 16, 32]) {
    // channels: one block, and several (4 blocks for the small DCT sizes, 2 for the large ones)
    for (const C of N <= 8 ? [N, 4 * N] : [N, 2 * N]) {
      for (const W of [4, 5, 8, 12, 16]) {
        for (const signed of [false, true]) {
          it(`N=${N} C=${C} W=${W} ${signed ? 'signed' : 'unsigned'}: every policy, shift, bus width and pattern`, () => {
            const rng = new Rng(N * 1000003 + C * 10007 + W * 101 + (signed ? 1 : 0));
            let tiles = 0;
            for (const settings of settingsFor(W)) {
              for (const B of BUSES) {
                const d = derive(cfgOf(C, N, W, signed, B, PREC_BY_BUS[B]));
                for (const pattern of patternsFor(signed)) {
                  const npix = rng.int(1, 10);
                  const pixels = genPixels(rng, pattern, npix, C, W, signed);
                  checkTile({ d, settings, pixels, npix, label: `N=${N} C=${C} W=${W} signed=${signed} B=${B} P=${d.cfg.dctPrecision} ${settings.policy}/${settings.quantShift} ${pattern} npix=${npix}` });
                  tiles++;
                }
              }
            }
            expect(tiles).toBe(settingsFor(W).length * BUSES.length * patternsFor(signed).length);
          });
        }
      }
    }
  }

  it('every mode occurs, and each pattern is coded as expected in the typical case', () => {
    const rng = new Rng(11);
    const d = derive(cfgOf(32, 8, 8, false, 64));
    const count = (settings: TileSettings, pattern: Parameters<typeof genPixels>[1]) =>
      encodeTile(d, settings, genPixels(rng, pattern, 16, 32, 8, false), 16).modeCounts;
    expect(count({ policy: 'lossless', quantShift: 0 }, 'zero')).toEqual([64, 0, 0, 0]);
    expect(count({ policy: 'lossless', quantShift: 0 }, 'small')[MODE_CTX]).toBeGreaterThan(0);
    expect(count({ policy: 'lossless', quantShift: 0 }, 'dense')[MODE_RAW]).toBeGreaterThan(0);
    expect(count({ policy: 'auto', quantShift: 2 }, 'smooth')[MODE_DCT]).toBeGreaterThan(0);
    expect(count({ policy: 'dct', quantShift: 1 }, 'dense')[MODE_DCT]).toBe(64);
  });

  it('a tile of 65535 pixels (the most): header and trailer count 65535 and decoding returns them all', () => {
    const n = MAX_TILE_PIXELS;
    const d = derive(cfgOf(4, 4, 8, false, 32));
    const px = new Int32Array(n * 4);
    px[5] = 9;
    px[(n - 1) * 4 + 3] = 200;
    const e = encodeTile(d, { policy: 'lossless', quantShift: 0 }, px, n);
    expect(e.units[1] & 0xffff).toBe(65535);
    expect(e.units[e.units.length - 1] & 0xffff).toBe(65535);
    const dec = decodeTile(d, e.units);
    expect(dec.count).toBe(n);
    expect(dec.pixels).toEqual(px);
  });

  it('pixels are read from `base` and tiles are independent (contexts restart)', () => {
    const rng = new Rng(12);
    const d = derive(cfgOf(16, 8, 8, false, 32));
    const px = genPixels(rng, 'sparse', 20, 16, 8, false);
    const a = encodeTile(d, { policy: 'auto', quantShift: 1 }, px, 8, 12 * 16);
    const b = encodeTile(d, { policy: 'auto', quantShift: 1 }, px.slice(12 * 16), 8);
    expect(hex(a.units)).toEqual(hex(b.units));
  });
});

describe('encoder settings', () => {
  const d = derive(cfgOf(8, 8, 8, false, 32));
  it('rejects a shift with the lossless policy, a shift above W-1, and unknown policies (ParamError)', () => {
    expect(() => encodeTile(d, { policy: 'lossless', quantShift: 1 }, [0, 0, 0, 0, 0, 0, 0, 0], 1)).toThrow(ParamError);
    expect(() => encodeTile(d, { policy: 'auto', quantShift: 8 }, [0, 0, 0, 0, 0, 0, 0, 0], 1)).toThrow(ParamError);
    expect(() => encodeTile(d, { policy: 'auto', quantShift: -1 }, [0, 0, 0, 0, 0, 0, 0, 0], 1)).toThrow(ParamError);
    expect(() => encodeTile(d, { policy: 'fast' as Policy, quantShift: 0 }, [0, 0, 0, 0, 0, 0, 0, 0], 1)).toThrow(ParamError);
  });
  it('the lossless policy writes shift 0 in the header; lossy policies their shift', () => {
    const zero = [0, 0, 0, 0, 0, 0, 0, 0];
    expect(encodeTile(d, { policy: 'lossless', quantShift: 0 }, zero, 1).units[0] & 0xf000).toBe(0);
    expect((encodeTile(d, { policy: 'auto', quantShift: 7 }, zero, 1).units[0] >>> 12) & 0xf).toBe(7);
    expect((encodeTile(d, { policy: 'dct', quantShift: 3 }, zero, 1).units[0] >>> 12) & 0xf).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------------
// Decoder checks (FORMAT.md section 10): each malformed tile gives a StreamError at the right bit

describe('decoder stream checks', () => {
  const cfg8 = cfgOf(8, 8, 8, false, 32);
  const d8 = derive(cfg8);
  const valid = (): Uint32Array => Uint32Array.from([0xc69503dc, 0x435b0001, 0x00000023, 0x86300001]);
  /** A pixel whose only block is ZERO: mode planes 1 and 2 are 0. */
  const ZERO_RECORD = ['0', '0'];

  it('bad magic, version, shift and config tag name bits 0, 8, 12 and 16 (plus bitBase)', () => {
    const t = valid();
    t[0] = (t[0] & ~0xff) | 0xdd;
    expect(streamError(() => decodeTile(d8, t)).bitOffset).toBe(0);
    expect(streamError(() => decodeTile(d8, t)).code).toBe(ERR.BAD_MAGIC);
    expect(streamError(() => decodeTile(d8, t, 1, 800)).bitOffset).toBe(800);
    for (const version of [0, 2, 4, 15]) {
      const v = valid();
      v[0] = (v[0] & ~0xf00) | (version << 8);
      expect(streamError(() => decodeTile(d8, v)).bitOffset).toBe(8);
      expect(streamError(() => decodeTile(d8, v)).code).toBe(ERR.BAD_VERSION);
    }
    const cfg4 = cfgOf(8, 8, 4, false, 32);
    const d4 = derive(cfg4);
    for (let s = 4; s <= 15; s++) {
      const tile = buildTile(headerUnit(s, tagOf(cfg4)), [ZERO_RECORD], 32);
      const err = streamError(() => decodeTile(d4, tile));
      expect(err.bitOffset).toBe(12);
      expect(err.code).toBe(ERR.BAD_SHIFT);
    }
    expect(decodeTile(d4, buildTile(headerUnit(3, tagOf(cfg4)), [ZERO_RECORD], 32)).count).toBe(1);
    const other = derive(cfgOf(8, 8, 8, false, 64));
    const tagErr = streamError(() => decodeTile(other, valid()));
    expect(tagErr.bitOffset).toBe(16);
    expect(tagErr.code).toBe(ERR.BAD_TAG);
  });

  it('a version-1 tile (the v1 worked example, C69501DC 008826B7 E1760001) is rejected by its version, by name', () => {
    const err = streamError(() => decodeTile(d8, Uint32Array.from([0xc69501dc, 0x008826b7, 0xe1760001])));
    expect(err.code).toBe(ERR.BAD_VERSION);
    expect(err.bitOffset).toBe(8);
    expect(err.message).toMatch(/format version 1 .*re-encode.*version 3/);
  });

  it('a tile that is not a whole number of words, or shorter than a header and a trailer, is rejected', () => {
    const d64 = derive(cfgOf(8, 8, 8, false, 64));
    expect(streamError(() => decodeTile(d64, valid().subarray(0, 3))).bitOffset).toBe(0);
    expect(streamError(() => decodeTile(d64, valid().subarray(0, 3))).code).toBe(ERR.PARTIAL_WORD);
    expect(streamError(() => decodeTile(d8, new Uint32Array(0))).bitOffset).toBe(0);
    expect(streamError(() => decodeTile(d8, Uint32Array.from([0xc69503dc]))).bitOffset).toBe(0);
    expect(streamError(() => decodeTile(d8, Uint32Array.from([0xc69503dc]))).code).toBe(ERR.OVERRUN);
    // B = 32: a header word and a trailer leave no room for the pixel count (bits 32-47)
    const short = streamError(() => decodeTile(d8, Uint32Array.from([0xc69503dc, 0x00010000])));
    expect(short.code).toBe(ERR.OVERRUN);
    expect(short.bitOffset).toBe(32);
  });

  it('a slot running into the trailer word is rejected where the slot starts, before any of it is read', () => {
    // count 1; slot 0: mode plane 1 = CTX (bit 48); slot 4: rank plane 0, 8 zeros (bits 49-56); slot 8
    // needs 8 bits (rank plane 1 over the 8 undecided values) from bit 57, and the data ends at bit 64
    const t = Uint32Array.from([0xc69503dc, 0x00010001, 0]);
    t[2] = ((fold16(t, 2) << 16) | 1) >>> 0;
    const err = streamError(() => decodeTile(d8, t));
    expect(err.bitOffset).toBe(57);
    expect(err.code).toBe(ERR.OVERRUN);
    expect(err.message).toMatch(/slot 8 runs past the end/);
  });

  it('an escape index beyond the unranked lengths (W = 9: 5 unranked, 3-bit field, index 7)', () => {
    const cfg = cfgOf(8, 8, 9, false, 32);
    const d = derive(cfg);
    expect(d.escBits).toBe(3);
    const rec = ['1', '0'.repeat(8), '0'.repeat(8), '0'.repeat(8), '0'.repeat(8), '0'.repeat(8), field(7, 3) + field(0, 3).repeat(7), ''];
    const err = streamError(() => decodeTile(d, buildTile(headerUnit(0, tagOf(cfg)), [rec], 32)));
    expect(err.bitOffset).toBe(48 + 1 + 40);
    expect(err.code).toBe(ERR.BAD_ESCAPE);
  });

  it('a DCT coefficient width above CWmax', () => {
    // W = 8, N = 8, P = 12: A = ceil(8 * 1448 * 255 / 4096) = 722, CWmax = 11, width field 4 bits
    expect(d8.coefWidthMax).toBe(11);
    expect(d8.coefWidthBits).toBe(4);
    const dctRec = (wc: number) => ['0', '1', '1', '', '', '', '11111111' + field(wc, 4), '0'.repeat(8 * wc)];
    for (const wc of [12, 15]) {
      const err = streamError(() => decodeTile(d8, buildTile(headerUnit(1, 0xc695), [dctRec(wc)], 32)));
      expect(err.bitOffset).toBe(48 + 3 + 8);
      expect(err.code).toBe(ERR.BAD_DCT_WIDTH);
    }
    // CWmax itself is accepted
    expect(decodeTile(d8, buildTile(headerUnit(1, 0xc695), [dctRec(11)], 32)).count).toBe(1);
  });

  it('a CTX index outside -indexLimit(-min) .. indexLimit(max)', () => {
    // W = 8 unsigned, s = 2: indices 0..64. Value 0 has L = 8 (escape index 3 at context 0): q >= 128.
    const rec = ['1', '01111111', '0', '0', '0', '0', '11', '0000000'];
    const err = streamError(() => decodeTile(d8, buildTile(headerUnit(2, 0xc695), [rec], 32)));
    expect(err.bitOffset).toBe(48 + 1 + 8 + 4 + 2);
    expect(err.code).toBe(ERR.BAD_VALUE);
    // L = 7 (escape index 2 among 1, 6, 7, 8) with mantissa 0 is q = 64 = indexLimit(255, 2): accepted,
    // and 64 * 4 = 256 clamps to 255
    const okRec2 = ['1', '01111111', '0', '0', '0', '0', '01', '000000'];
    const dec = decodeTile(d8, buildTile(headerUnit(2, 0xc695), [okRec2], 32));
    expect(Array.from(dec.pixels)).toEqual([255, 0, 0, 0, 0, 0, 0, 0]);
    // mantissa 1 -> q = 65 > 64: rejected
    const badRec2 = ['1', '01111111', '0', '0', '0', '0', '01', '100000'];
    expect(streamError(() => decodeTile(d8, buildTile(headerUnit(2, 0xc695), [badRec2], 32))).bitOffset).toBe(48 + 15);
    // signed: W = 8, s = 7: indices -1..1; L = 2 (|q| = 2 or 3) is out of range
    const cfgS = cfgOf(8, 8, 8, true, 32);
    const dS = derive(cfgS);
    // k = 0 order for W = 8: 0, 3, 4, 2, 5 -> L = 2 has rank 3: planes 0 | 0 0 0 1 ; sign 1, mantissa 0
    const sRec = ['1', '01111111', '0', '0', '1', '', '', '1' + '0'];
    const sErr = streamError(() => decodeTile(dS, buildTile(headerUnit(7, tagOf(cfgS)), [sRec], 32)));
    expect(sErr.bitOffset).toBe(48 + 1 + 8 + 3);
    expect(sErr.code).toBe(ERR.BAD_VALUE);
  });

  it('data words between the last slot and the trailer, and non-zero padding', () => {
    const extra = buildTile(0xc69503dc, [EXAMPLE], 32, { extraDataWords: 1 });
    const e1 = streamError(() => decodeTile(d8, extra));
    expect(e1.bitOffset).toBe(48 + 22);
    expect(e1.code).toBe(ERR.BAD_PADDING);
    const padded = buildTile(0xc69503dc, [EXAMPLE], 32, { tail: '0001' });
    const e2 = streamError(() => decodeTile(d8, padded));
    expect(e2.bitOffset).toBe(48 + 22);
    expect(e2.code).toBe(ERR.BAD_PADDING);
  });

  it('header count against the trailer count, checksum and the trailer high bits', () => {
    const c = streamError(() => decodeTile(d8, buildTile(0xc69503dc, [EXAMPLE], 32, { countOverride: 2 })));
    expect(c.bitOffset).toBe(96);
    expect(c.code).toBe(ERR.BAD_COUNT);
    // a header count of 2 with one record's slots: slot 1 (the second record's level 0, 1 bit) and the
    // rest shift the parse; whatever the bits, the trailer's count 2 never matches data of one record
    const h2 = decodeTileStatus(d8, buildTile(0xc69503dc, [EXAMPLE], 32, { headerCount: 2, countOverride: 2 }));
    expect(h2.error).not.toBeNull();
    const k = streamError(() => decodeTile(d8, buildTile(0xc69503dc, [EXAMPLE], 32, { checksumXor: 0x0100 })));
    expect(k.bitOffset).toBe(96 + 16);
    expect(k.code).toBe(ERR.BAD_CHECKSUM);
    const cfg64 = cfgOf(8, 8, 8, false, 64);
    const d64 = derive(cfg64);
    const ok64 = buildTile(headerUnit(0, tagOf(cfg64)), [EXAMPLE], 64);
    expect(hex(ok64)).toEqual(['0f1103dc', '435b0001', '00000023', '00000000', '4fb40001', '00000000']);
    const h = streamError(() => decodeTile(d64, buildTile(headerUnit(0, tagOf(cfg64)), [EXAMPLE], 64, { trailerHigh: 0x80 })));
    expect(h.bitOffset).toBe(160);
    expect(h.code).toBe(ERR.BAD_TRAILER);
  });

  it('a header count above maxPixels is TOO_MANY_PIXELS at bit 32', () => {
    const rng = new Rng(5);
    const px = genPixels(rng, 'sparse', 3, 8, 8, false);
    const e = encodeTile(d8, { policy: 'lossless', quantShift: 0 }, px, 3);
    expect(decodeTile(d8, e.units, 3).count).toBe(3);
    const err = streamError(() => decodeTile(d8, e.units, 2));
    expect(err.code).toBe(ERR.TOO_MANY_PIXELS);
    expect(err.bitOffset).toBe(32);
    expect(streamError(() => decodeTile(d8, e.units, 0)).bitOffset).toBe(32);
  });

  it('decodeTileStatus keeps the pixels completed before the error (their top level read), and the error', () => {
    const npix = 40;
    const px = genPixels(new Rng(6), 'dense', npix, 8, 8, false);
    const e = encodeTile(d8, { policy: 'lossless', quantShift: 0 }, px, npix);
    const ok = decodeTileStatus(d8, e.units);
    expect(ok.error).toBeNull();
    expect(ok.count).toBe(npix);
    expect(Array.from(ok.pixels)).toEqual(Array.from(px));
    // a wrong checksum: every pixel decoded, then the trailer check fails
    const k = e.units.slice();
    k[k.length - 1] ^= 0x10000;
    const sk = decodeTileStatus(d8, k);
    expect(sk.error?.code).toBe(ERR.BAD_CHECKSUM);
    expect(sk.count).toBe(npix);
    expect(Array.from(sk.pixels)).toEqual(Array.from(px));
    // Where each slot ends: the level lengths of the planned records (checkTile checks them against
    // FORMAT.md 2.5), slot t holding level k of record t - O[k].
    const lv: number[][] = [];
    const ctx = new Uint8Array(8);
    const plan = newPlan(d8);
    for (let p = 0; p < npix; p++) {
      planPixel(d8, { policy: 'lossless', quantShift: 0 }, ctx, px, p * 8, p, plan);
      const l = new Int32Array(LEVELS);
      recordLevels(d8, plan, l);
      lv.push(Array.from(l));
      updateContext(d8, 0, plan, ctx);
    }
    const slotEnd: number[] = [];
    let at = 48;
    for (let t = 0; t < npix + 29; t++) {
      for (let k = 0; k < 8; k++) if (t - O[k] >= 0 && t - O[k] < npix) at += lv[t - O[k]][k];
      slotEnd.push(at);
    }
    // cut the data after 1000 bits: the slot that passes them is the first whose end is above 1000;
    // pixel r is complete once slot r + 29 is read
    const cut = new Uint32Array(Math.ceil(1000 / 32) + 1);
    cut.set(e.units.subarray(0, cut.length - 1));
    const firstBad = slotEnd.findIndex((x) => x > (cut.length - 1) * 32);
    const st = decodeTileStatus(d8, cut);
    expect(st.error?.code).toBe(ERR.OVERRUN);
    expect(st.error?.bitOffset).toBe(slotEnd[firstBad - 1]);
    expect(st.count).toBe(Math.max(0, firstBad - 29));
    expect(st.count).toBeGreaterThan(0);
    expect(Array.from(st.pixels)).toEqual(Array.from(px.subarray(0, st.count * 8)));
    // a bad header: nothing decoded
    const h = e.units.slice();
    h[0] ^= 1;
    expect(decodeTileStatus(d8, h)).toMatchObject({ count: 0, error: { code: ERR.BAD_MAGIC } });
  });

  it('DCT reconstruction clamps the exact inverse value for every legal coefficient width (no 32-bit wrap)', () => {
    // FORMAT.md 7.3: y_n = roundShift(sum_k T[k][n] c_k, P - s), x_n = clamp(y_n). A width field up to CWmax is
    // legal, so with W = 16, N = 32, P = 16, s = 15 coefficients of 20 bits give |y| near 2^37. The exact
    // y_0 here is 88368049563, which clamps to 65535.
    const cfg = cfgOf(32, 32, 16, false, 32, 16);
    const d = derive(cfg);
    const s = 15;
    expect(d.coefWidthMax).toBe(20);
    expect(d.coefWidthBits).toBe(5);
    const qmax = 2 ** 19 - 1;
    const q = d.dct.map((row) => Math.sign(row[0]) * qmax);
    const rec = ['0', '1', '1', '', '', '', '1'.repeat(32) + field(20, 5), q.map((c) => sfield(c, 20)).join('')];
    const tile = buildTile(headerUnit(s, tagOf(cfg)), [rec], 32);
    const want = Array.from({ length: 32 }, (_, n) => {
      const acc = q.reduce((a, c, k) => a + d.dct[k][n] * c, 0); // |acc| < 2^40: exact in doubles
      return Math.min(65535, Math.max(0, rshift(acc, 16 - s)));
    });
    expect(want[0]).toBe(65535);
    const dec = decodeTile(d, tile, 1);
    expect(Array.from(dec.pixels)).toEqual(want);
  });
});

describe('builds without the DCT (FORMAT.md 2.4)', () => {
  const cfg8 = cfgOf(8, 8, 8, false, 32);
  const noDct8 = cfgOf(8, 8, 8, false, 32, 12, false);
  const d8 = derive(cfg8);
  const n8 = derive(noDct8);
  // One DCT block with an all-zero mask and wc = 0 (coefWidthBits bits): a valid record of a DCT build.
  const dctRecord = (d: Derived) => ['0', '1', '1', '', '', '', '0'.repeat(8) + field(0, d.coefWidthBits), ''];

  it('the no-DCT tag is the complement of the tag; the sizes lose the DCT block', () => {
    expect(configTag(noDct8)).toBe(tagOf(cfg8) ^ 0xffff);
    expect(n8.tag).toBe(0x396a);
    expect(d8.noDctTag).toBe(0x396a);
    expect(n8.noDctTag).toBe(n8.tag);
    expect(n8.cfg.dct).toBe(false);
    expect(d8.cfg.dct).toBe(true);
    const big = derive(cfgOf(64, 8, 8, false, 256));
    const bigN = derive(cfgOf(64, 8, 8, false, 256, 12, false));
    expect(bigN.maxEncodedRecordBits).toBe(8 * (3 + 8 * 8));
    expect(bigN.maxRecordBits).toBe(904); // CTX blocks bound it (FORMAT.md 4)
    expect(big.maxEncodedRecordBits).toBe(824);
  });

  it('every decoder reads a no-DCT tile; a no-DCT decoder rejects the DCT tag by name', () => {
    const tile = buildTile(headerUnit(0, 0x396a), [EXAMPLE], 32);
    for (const d of [d8, n8]) expect(Array.from(decodeTile(d, tile).pixels)).toEqual([0, 5, 0, 0, 12, 0, 1, 0]);
    const e = streamError(() => decodeTile(n8, Uint32Array.from([0xc69503dc, 0x435b0001, 0x00000023, 0x86300001])));
    expect(e.code).toBe(ERR.BAD_TAG);
    expect(e.bitOffset).toBe(16);
    expect(e.message).toMatch(/built with the DCT.*--no-dct/);
  });

  it('a DCT block in a no-DCT tile is NO_DCT at its mode-plane-3 bit, for either decoder', () => {
    expect(decodeTile(d8, buildTile(headerUnit(1, 0xc695), [dctRecord(d8)], 32)).modeCounts[MODE_DCT]).toBe(1);
    for (const d of [d8, n8]) {
      const e = streamError(() => decodeTile(d, buildTile(headerUnit(1, 0x396a), [dctRecord(d8)], 32)));
      expect(e.code).toBe(ERR.NO_DCT);
      expect(e.bitOffset).toBe(48 + 2); // slot 8, after slot 0 (mode plane 1) and slot 4 (mode plane 2)
    }
    // C = 16: 31 good pixels (two ZERO blocks), then a record whose block 0 is RAW and block 1 DCT
    // (plane 2 '11', plane 3 '01'). Its level 2 is in slot 31 + 8 = 39: pixels 0..9 are complete by then
    // (pixel r's top level is in slot r + 29), pixel 10's top level comes later in slot 39.
    const c16 = cfgOf(16, 8, 8, false, 32, 12, false);
    const d16 = derive(c16);
    const ok = ['00', '00'];
    const bad = ['00', '11', '01', '', '', '', field(0, 64)];
    const records = [...Array.from({ length: 31 }, () => ok), bad];
    const st = decodeTileStatus(d16, buildTile(headerUnit(1, d16.tag), records, 32));
    expect(st.count).toBe(10);
    expect(st.error?.code).toBe(ERR.NO_DCT);
    // bits before the error: slots 0-38 hold 32 level 0s, 32 level 1s (2 bits each) and 30 empty
    // level 2s; slot 39 starts with the bad record's level 2: its block 0 bit, then block 1's
    expect(st.error?.bitOffset).toBe(48 + 2 * 32 + 2 * 32 + 1);
  });

  it('the encoder never chooses DCT, and the dct policy is a ParamError', () => {
    const rng = new Rng(7);
    const px = genPixels(rng, 'smooth', 40, 8, 8, false);
    let dctWith = 0;
    for (const s of [1, 2, 3]) {
      const e = encodeTile(n8, { policy: 'auto', quantShift: s }, px, 40);
      expect(e.modeCounts[MODE_DCT]).toBe(0);
      expect(e.units[0] >>> 16).toBe(0x396a);
      expect(Array.from(decodeTile(n8, e.units).pixels)).toEqual(Array.from(e.recon));
      dctWith += encodeTile(d8, { policy: 'auto', quantShift: s }, px, 40).modeCounts[MODE_DCT];
    }
    expect(dctWith).toBeGreaterThan(0); // the same pixels do take DCT blocks in a DCT build
    expect(() => encodeTile(n8, { policy: 'dct', quantShift: 1 }, px, 40)).toThrow(ParamError);
  });
});
