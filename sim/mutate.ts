// The one stream mutator of the fuzz tests: corruptions of a tile (32-bit units, B/32 per bus word) and
// of a .dctcm file (bytes), all drawn from sim/rng.ts. The golden fuzz test (test/golden/fuzz.test.ts)
// uses every operation; the RTL decoder (test/rtl/decoder-rtl.test.ts) only those that keep whole bus
// words, since it receives words. reseal repairs a mutant's trailer so the parser meets the corruption.
import { ERR } from '../golden/errors.js';
import { Derived } from '../golden/params.js';
import { decodeTileStatus, fold16 } from '../golden/tile.js';
import { Rng } from './rng.js';

export interface TileOp {
  /** true when the result is whole bus words (the RTL decoder can receive it). */
  words: boolean;
  /** The mutant (a new array); next is another valid tile, for the operations that splice two. */
  apply: (rng: Rng, units: Uint32Array, upw: number, next: Uint32Array) => Uint32Array;
}

const bytesOf = (u: Uint32Array) => new Uint8Array(u.buffer, u.byteOffset, u.byteLength);

function flipBit(u: Uint32Array, bit: number): void {
  u[bit >>> 5] ^= 1 << (bit & 31);
}

/** Start of a tile's trailer word, in bits. */
const trailerBit = (u: Uint32Array, upw: number) => (u.length - upw) * 32;

function concat(...parts: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const TILE_OPS: Record<string, TileOp> = {
  // 1 to 8 bit flips, half of the time sparing the header so the records are reached
  'bit flips': {
    words: true,
    apply: (rng, u) => {
      const m = u.slice();
      const k = rng.int(1, 8);
      const from = rng.chance(0.5) ? 32 : 0;
      for (let i = 0; i < k; i++) flipBit(m, rng.int(from, m.length * 32 - 1));
      return m;
    },
  },
  // 1 or 3 flips in the data between header and trailer (with reseal: the parser meets them)
  'data flips': {
    words: true,
    apply: (rng, u, upw) => {
      const m = u.slice();
      const end = trailerBit(m, upw);
      if (end > 32) for (let i = rng.pick([1, 3]); i > 0; i--) flipBit(m, rng.int(32, end - 1));
      return m;
    },
  },
  // up to 8 random bits of an 8-bit run of the data
  burst: {
    words: true,
    apply: (rng, u, upw) => {
      const m = u.slice();
      const end = trailerBit(m, upw);
      if (end > 32) {
        const at = rng.int(32, end - 1);
        for (let b = at; b < Math.min(end, at + 8); b++) if (rng.chance(0.5)) flipBit(m, b);
      }
      return m;
    },
  },
  'byte overwrite': {
    words: true,
    apply: (rng, u) => {
      const m = u.slice();
      const b = bytesOf(m);
      const k = rng.int(1, 4);
      for (let i = 0; i < k; i++) b[rng.int(rng.chance(0.7) ? 4 : 0, b.length - 1)] = rng.int(0, 255);
      return m;
    },
  },
  // one bit of one header field: magic, version, shift, configuration tag or pixel count
  header: {
    words: true,
    apply: (rng, u) => {
      const m = u.slice();
      flipBit(m, rng.pick([rng.int(0, 7), rng.int(8, 11), rng.int(12, 15), rng.int(16, 31), rng.int(32, 47)]));
      return m;
    },
  },
  // one bit of the trailer word
  trailer: {
    words: true,
    apply: (rng, u, upw) => {
      const m = u.slice();
      flipBit(m, trailerBit(m, upw) + rng.int(0, upw * 32 - 1));
      return m;
    },
  },
  truncate: { words: false, apply: (rng, u) => u.slice(0, rng.int(0, u.length - 1)) },
  // keeps at least one word (a tile the RTL receives has one)
  'truncate to words': { words: true, apply: (rng, u, upw) => u.slice(0, upw * rng.int(1, Math.max(1, u.length / upw - 1))) },
  'append garbage': {
    words: false,
    apply: (rng, u, upw) => {
      const n = rng.chance(0.5) ? upw * rng.int(1, 3) : rng.int(1, 2 * upw);
      const m = new Uint32Array(u.length + n);
      m.set(u);
      for (let i = u.length; i < m.length; i++) m[i] = rng.chance(0.3) ? 0 : rng.u32();
      return m;
    },
  },
  'append zero word': { words: true, apply: (_rng, u, upw) => concat(u, new Uint32Array(upw)) },
  'drop word': {
    words: true,
    apply: (rng, u, upw) => {
      if (u.length <= upw) return u.slice();
      const w = rng.int(0, u.length / upw - 1);
      return concat(u.subarray(0, w * upw), u.subarray((w + 1) * upw));
    },
  },
  'duplicate word': {
    words: true,
    apply: (rng, u, upw) => {
      const w = rng.int(0, u.length / upw - 1);
      return concat(u.subarray(0, (w + 1) * upw), u.subarray(w * upw));
    },
  },
  // two tiles run together (the first one's trailer is read as data)
  merge: { words: true, apply: (_rng, u, _upw, next) => concat(u, next) },
  // the header and the trailer's place kept, the records random (reaches the field checks)
  'random body': {
    words: true,
    apply: (rng, u, upw) => {
      const m = u.slice();
      // the 48-bit header (magic .. tag, pixel count) stays: bits 0-15 of unit 1 are the count
      for (let i = 1; i < m.length - upw; i++) m[i] = i === 1 ? ((m[1] & 0xffff) | (rng.u32() & 0xffff0000)) >>> 0 : rng.u32();
      return m;
    },
  },
};

/**
 * Rewrites a mutant's trailer so its checksum matches the data (golden fold16) and, with fixCount, its
 * pixel count matches what the golden decoder reads: then the parser's own checks decide. Does nothing
 * to a mutant that is not whole words of at least a header and a trailer.
 */
export function reseal(d: Derived, m: Uint32Array, fixCount = false): void {
  const upw = d.cfg.busWidth / 32;
  if (m.length < 2 * upw || m.length % upw !== 0) return;
  const tu = m.length - upw;
  m[tu] = ((m[tu] & 0xffff) | (fold16(m, tu) << 16)) >>> 0;
  if (fixCount) {
    const s = decodeTileStatus(d, m);
    if (s.error?.code === ERR.BAD_COUNT) m[tu] = ((m[tu] & 0xffff0000) | (s.count & 0xffff)) >>> 0;
  }
}

export type FileOp = (rng: Rng, b: Uint8Array, wordBytes: number) => Uint8Array;

export const FILE_OPS: Record<string, FileOp> = {
  'bit flips': (rng, b) => {
    const m = b.slice();
    const k = rng.int(1, 8);
    for (let i = 0; i < k; i++) {
      const bit = rng.int(0, m.length * 8 - 1);
      m[bit >>> 3] ^= 1 << (bit & 7);
    }
    return m;
  },
  'byte overwrite': (rng, b) => {
    const m = b.slice();
    const k = rng.int(1, 4);
    for (let i = 0; i < k; i++) m[rng.chance(0.3) ? rng.int(0, 35) : rng.int(0, m.length - 1)] = rng.int(0, 255);
    return m;
  },
  'header field': (rng, b) => {
    // a whole little-endian header field replaced: small values, boundary values or random ones
    const m = b.slice();
    const dv = new DataView(m.buffer);
    const at = rng.pick([8, 14, 20, 24, 28, 32]);
    const v = rng.pick([0, 1, 2, 0xffff, 0xffffffff, rng.u32(), rng.int(0, 64)]);
    if (at === 8 || at === 14) dv.setUint16(at, v & 0xffff, true);
    else dv.setUint32(at, v >>> 0, true);
    return m;
  },
  truncate: (rng, b) => b.slice(0, rng.int(0, b.length - 1)),
  'append garbage': (rng, b) => {
    const n = rng.int(1, 40);
    const m = new Uint8Array(b.length + n);
    m.set(b);
    for (let i = b.length; i < m.length; i++) m[i] = rng.chance(0.3) ? 0 : rng.int(0, 255);
    return m;
  },
  'drop chunk': (rng, b, wordBytes) => {
    const size = rng.chance(0.5) ? 4 : wordBytes;
    const at = rng.int(36, Math.max(36, b.length - size));
    return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + size)]);
  },
  'duplicate chunk': (rng, b, wordBytes) => {
    const size = rng.chance(0.5) ? 4 : wordBytes;
    const at = rng.int(36, Math.max(36, b.length - size));
    return Uint8Array.from([...b.subarray(0, at + size), ...b.subarray(at)]);
  },
};
