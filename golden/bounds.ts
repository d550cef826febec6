// Worst-case sizes of the compressed stream, for sizing buffers around the cores. They follow from the
// format (FORMAT.md 2, 4) and the encoder's mode decision (FORMAT.md 8); test/golden/bounds.test.ts
// encodes adversarial tiles and checks that the bounds hold and are reached.
import { Derived, Policy, TILE_HEADER_BITS, dctBlockBits, rawBlockBits } from './params.js';

/**
 * Longest record the encoder writes under a policy. lossless and auto: every block costs at most a RAW
 * block (CTX is chosen only when not dearer than RAW, ZERO costs 2 bits, and auto takes DCT only when
 * strictly cheaper). dct: every block is ZERO (2 bits) or DCT, whose coefficients are at most CWmax
 * bits wide. Either way a record can exceed the raw pixel (C * W bits) by 3 * C / N bits.
 */
export function recordBitsMax(d: Derived, policy: Policy): number {
  const { dctSize: N, dataWidth: W } = d.cfg;
  const block = policy === 'dct' ? Math.max(2, dctBlockBits(N, d.coefWidthBits, d.coefWidthMax)) : rawBlockBits(N, W);
  return d.blocks * block;
}

/**
 * Longest record the encoder writes under any policy (Derived.maxEncodedRecordBits). A decoder must
 * buffer Derived.maxRecordBits, which also covers legal CTX blocks longer than RAW (FORMAT.md 4).
 */
export function recordBitsMaxAny(d: Derived): number {
  // (a build without the DCT has no dct policy)
  return d.cfg.dct ? Math.max(recordBitsMax(d, 'lossless'), recordBitsMax(d, 'dct')) : recordBitsMax(d, 'lossless');
}

/**
 * Most B-bit words a tile of `pixels` pixels occupies: header, the records' bits (staggered into slots,
 * which moves bits but adds none), zero padding up to a word boundary, then the trailer word (FORMAT.md 2).
 */
export function tileWordsMax(d: Derived, pixels: number, recordBits: number): number {
  const B = d.cfg.busWidth;
  return Math.ceil((TILE_HEADER_BITS + pixels * recordBits) / B) + 1;
}

/** The same in bits. */
export function tileBitsMax(d: Derived, pixels: number, recordBits: number): number {
  return tileWordsMax(d, pixels, recordBits) * d.cfg.busWidth;
}
