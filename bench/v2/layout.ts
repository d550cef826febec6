// Format v2 prototype, shared part: a v1 record's sections (docs/FORMAT.md section 4), their lengths
// from the encoder's plan, and the grouping of sections into the levels of a staggered stream
// (docs/design/format-v2.md). It became format version 2 (golden/), which no longer writes v1's present
// bit: writeRecordV1 puts it back, so the records here are still v1's records, and the candidates keep
// being measured against them. Nothing in golden/ or tools/ imports this folder.
import { BitWriter } from '../../golden/bits.js';
import { Derived, MODE_CTX, MODE_DCT, MODE_RAW, MODE_ZERO, RANKS, dctContext } from '../../golden/params.js';
import { PixelPlan, blockPayloadBits, contextOf, ctxFieldBits, writePixel } from '../../golden/tile.js';
import { bitLength } from '../../golden/intmath.js';

/** v1's record of a planned pixel: the present bit, then golden writePixel's bits (FORMAT.md v1, 4). */
export function writeRecordV1(d: Derived, plan: PixelPlan, w: BitWriter): void {
  w.write(1, 1);
  writePixel(d, plan, w);
}

/** Bits of v1's record of a planned pixel: golden's record and the present bit. */
export function recordBitsV1(plan: PixelPlan): number {
  return plan.bits + 1;
}

/** v1's context rule (FORMAT.md v1, 6.4): bitLength(|x| >> s) of the reconstruction for CTX and RAW. */
export function updateContextV1(d: Derived, s: number, plan: PixelPlan, ctx: Uint8Array): void {
  const N = d.cfg.dctSize;
  const kDct = dctContext(d.cfg.dataWidth, s);
  const { modes, recon, mask } = plan;
  for (let b = 0; b < d.blocks; b++) {
    for (let c = b * N; c < (b + 1) * N; c++) ctx[c] = modes[b] === MODE_DCT ? mask[c] * kDct : contextOf(recon[c], s);
  }
}

// v1's sections in v1 stream order. v1's payload section (FORMAT.md 4, item 8) is split in two: the
// payloads of the RAW blocks (the next record's contexts need them early) and those of the CTX and DCT
// blocks, each in block order.
export const S_PRESENT = 0;
export const S_MP1 = 1;
export const S_MP2 = 2;
export const S_MP3 = 3;
export const S_RANK0 = 4; // rank plane j is S_RANK0 + j, j < RANKS
export const S_ESC = S_RANK0 + RANKS;
export const S_DCTSIDE = S_ESC + 1;
export const S_PAY_RAW = S_DCTSIDE + 1;
export const S_PAY_REST = S_PAY_RAW + 1;
export const SECTIONS = S_PAY_REST + 1;
export const SECTION_NAMES = [
  'present',
  'mode plane 1',
  'mode plane 2',
  'mode plane 3',
  ...Array.from({ length: RANKS }, (_, j) => `rank plane ${j}`),
  'escapes',
  'DCT side information',
  'RAW payloads',
  'CTX payloads and DCT coefficients',
];

/** A grouping: level k lists the sections it carries, in stream order within the level. */
export type Grouping = readonly (readonly number[])[];

/**
 * The proposed grouping. A section sits in the lowest level at which its length is known from lower
 * levels of its record; the exceptions are deliberate: RAW payloads and the DCT side information wait
 * until level 6 (their lengths are known at level 3) so that the decoder holds RAW values for D slots
 * instead of 4D, at no cost in the encoder's block RAM (its width, not its depth, sets the count); the
 * CTX payloads (sign and mantissa) and the DCT coefficients form the top level, whose length alone
 * needs the record's contexts.
 */
export const GROUPING: Grouping = [
  [S_PRESENT, S_MP1],
  [S_MP2, S_RANK0],
  [S_MP3, S_RANK0 + 1],
  [S_RANK0 + 2],
  [S_RANK0 + 3],
  [S_RANK0 + 4],
  [S_ESC, S_DCTSIDE, S_PAY_RAW],
  [S_PAY_REST],
];
export const LEVELS = GROUPING.length;
export const TOP = LEVELS - 1;

/**
 * Slot offset of each level from its record's level 0: k*D, and one slot more for the top level when
 * topExtra is 1 (its length alone runs through the context table: escapes -> bit lengths -> a sum over
 * the channels, which then gets two decoder cycles instead of one).
 */
export function levelOffsets(D: number, topExtra = 0): number[] {
  return Array.from({ length: LEVELS }, (_, k) => k * D + (k === TOP ? topExtra : 0));
}

/** The grouping of ../shared/design/v2-decoder-study.md (its CTX signs, at level 6 there, stay in the top level here). */
export const STUDY_GROUPING: Grouping = [
  [S_PRESENT, S_MP1],
  [S_MP2, S_RANK0],
  [S_MP3, S_RANK0 + 1],
  [S_RANK0 + 2, S_DCTSIDE, S_PAY_RAW],
  [S_RANK0 + 3],
  [S_RANK0 + 4],
  [S_ESC],
  [S_PAY_REST],
];

/**
 * Section lengths of a planned record into out[0 .. SECTIONS) (the present bit counted); returns their
 * sum, which is recordBitsV1(plan). Lengths come from the plan's modes, ranks, bit lengths and widths, as a
 * decoder finds them from the sections before.
 */
export function recordSections(d: Derived, plan: PixelPlan, out: Int32Array): number {
  const { dctSize: N, dataWidth: W } = d.cfg;
  const nb = d.blocks;
  const { modes, rank } = plan;
  out.fill(0);
  out[S_PRESENT] = 1;
  out[S_MP1] = nb;
  let ctx = 0;
  let raw = 0;
  let dct = 0;
  let payRest = 0;
  // undecided[j]: CTX values of rank >= j, the length of rank plane j
  let u0 = 0;
  let u1 = 0;
  let u2 = 0;
  let u3 = 0;
  let u4 = 0;
  let u5 = 0;
  for (let b = 0; b < nb; b++) {
    const m = modes[b];
    if (m === MODE_CTX) {
      ctx++;
      for (let c = b * N; c < (b + 1) * N; c++) {
        const r = rank[c];
        u1 += +(r >= 1);
        u2 += +(r >= 2);
        u3 += +(r >= 3);
        u4 += +(r >= 4);
        u5 += +(r >= 5);
      }
      u0 += N;
      payRest += blockPayloadBits(d, plan, b);
    } else if (m === MODE_RAW) {
      raw++;
    } else if (m === MODE_DCT) {
      dct++;
      payRest += blockPayloadBits(d, plan, b);
    }
  }
  out[S_MP2] = nb - ctx;
  out[S_MP3] = raw + dct;
  out[S_RANK0] = u0;
  out[S_RANK0 + 1] = u1;
  out[S_RANK0 + 2] = u2;
  out[S_RANK0 + 3] = u3;
  out[S_RANK0 + 4] = u4;
  out[S_ESC] = u5 * d.escBits;
  out[S_DCTSIDE] = dct * (N + d.coefWidthBits);
  out[S_PAY_RAW] = raw * N * W;
  out[S_PAY_REST] = payRest;
  let total = 0;
  for (let i = 0; i < SECTIONS; i++) total += out[i];
  return total;
}

/** Sums section lengths into level lengths (out[0 .. grouping.length)). */
export function levelBits(sections: Int32Array, grouping: Grouping, out: Int32Array): void {
  for (let k = 0; k < grouping.length; k++) {
    let n = 0;
    for (const s of grouping[k]) n += sections[s];
    out[k] = n;
  }
}

/** A run of bits [start, start + len) of a v1 record. */
export interface BitRange {
  start: number;
  len: number;
}

/**
 * Where each section of a planned record sits in the record's v1 bits (writeRecordV1's output), as one
 * list of ranges per section: one range for sections 0..S_DCTSIDE, one per block for the payloads.
 */
export function sectionRanges(d: Derived, plan: PixelPlan): BitRange[][] {
  const sec = new Int32Array(SECTIONS);
  recordSections(d, plan, sec);
  const out: BitRange[][] = Array.from({ length: SECTIONS }, () => []);
  let pos = 0;
  for (let s = 0; s <= S_DCTSIDE; s++) {
    out[s].push({ start: pos, len: sec[s] });
    pos += sec[s];
  }
  for (let b = 0; b < d.blocks; b++) {
    const n = blockPayloadBits(d, plan, b);
    out[plan.modes[b] === MODE_RAW ? S_PAY_RAW : S_PAY_REST].push({ start: pos, len: n });
    pos += n;
  }
  if (pos !== recordBitsV1(plan)) throw new Error(`section ranges cover ${pos} bits, the record has ${recordBitsV1(plan)}`);
  return out;
}

/**
 * Longest section of each level any record can have (one level of one record). Each block adds the
 * most that one mode can put in that level; the sum over levels is the longest slot, since a slot's
 * levels belong to different records.
 */
export function levelMaxBits(d: Derived, grouping: Grouping, presentBit: boolean): number[] {
  const { dctSize: N, dataWidth: W, signed } = d.cfg;
  // per mode: the section lengths one block of that mode contributes at most
  const perMode = (m: number): Int32Array => {
    const s = new Int32Array(SECTIONS);
    s[S_MP1] = 1;
    if (m === MODE_CTX) {
      for (let j = 0; j < RANKS; j++) s[S_RANK0 + j] = N;
      s[S_ESC] = N * d.escBits;
      s[S_PAY_REST] = N * ctxFieldBits(W, signed);
    } else {
      s[S_MP2] = 1;
      if (m !== MODE_ZERO) s[S_MP3] = 1;
      if (m === MODE_RAW) s[S_PAY_RAW] = N * W;
      if (m === MODE_DCT) {
        s[S_DCTSIDE] = N + d.coefWidthBits;
        s[S_PAY_REST] = N * d.coefWidthMax;
      }
    }
    return s;
  };
  const modes = [MODE_ZERO, MODE_CTX, MODE_RAW, MODE_DCT].map(perMode);
  return grouping.map((secs, k) => {
    let most = 0;
    for (const s of modes) most = Math.max(most, secs.reduce((a, i) => a + s[i], 0));
    const present = presentBit && secs.includes(S_PRESENT) ? 1 : 0;
    return present + d.blocks * most;
  });
}

/**
 * The context rule of the prototype (FORMAT.md 6.4 with one change): a CTX value's context is
 * min(L, bitLength(maxMag >> s)), a function of its bit length alone. For unsigned data this equals v1's
 * rule (bitLength(|x| >> s) of the clamped reconstruction); for signed data it differs only for a
 * positive index clamped at the top of the range, and it removes a dependence of the next record's
 * contexts on a sign bit, which the top level of the previous record carries one slot earlier.
 */
export function updateContextV2(d: Derived, s: number, plan: PixelPlan, ctx: Uint8Array): void {
  updateContextV1(d, s, plan, ctx);
  const N = d.cfg.dctSize;
  const kMax = ctxLimit(d, s);
  for (let b = 0; b < d.blocks; b++) {
    if (plan.modes[b] !== MODE_CTX) continue;
    for (let c = b * N; c < (b + 1) * N; c++) ctx[c] = Math.min(plan.len[c], kMax);
  }
}

/** Largest context a CTX value can give at shift s under updateContextV2. */
export function ctxLimit(d: Derived, s: number): number {
  return bitLength(d.maxMag >>> s);
}
