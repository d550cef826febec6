// Uniform quantization with step 2^s for the lossy CTX mode (FORMAT.md section 6).

/**
 * m / 2^s rounded to nearest with ties toward zero, for m >= 0 (m for s = 0): the largest index magnitude
 * a decoder accepts for a value range reaching m (FORMAT.md 6.2). The accepted range is defined by this
 * fixed rule, not by the encoder's rounding, so the decoder does not depend on how an encoder rounds.
 */
export function indexLimit(m: number, s: number): number {
  return s === 0 ? m : (m + (1 << (s - 1)) - 1) >> s;
}

/**
 * Quantization index of v (FORMAT.md 6.1): v / 2^s rounded to nearest, a tie rounding up (away from zero)
 * when up is 1 and down when it is 0, at most qMax = indexLimit(maxPos, s) (identity for s = 0). The
 * limit matters only for v = maxPos at s = 1, whose tie could round to qMax + 1; rounding is monotonic,
 * and a negative index never leaves the accepted range (minVal is a multiple of 2^s).
 */
export function quantize(v: number, s: number, qMax: number, up: number): number {
  if (s === 0) return v;
  const m = Math.abs(v);
  // (m + 2^(s-1) - 1 + up) >> s: the extra 1 turns exactly the ties up (the other values round alike)
  const q = (m + (1 << (s - 1)) - 1 + up) >> s;
  return v < 0 ? -q : q < qMax ? q : qMax;
}

/** TIE_PARITY in Derived.tieUp: both candidates cost the same, the position decides. */
export const TIE_PARITY = 2;

/**
 * Which way the tie of magnitude m rounds (FORMAT.md 6.1), 1 up or 0 down; any value for a non-tie. When
 * the two candidates floor(m / 2^s) = 2^j - 1 and 2^j differ in bit length, the one whose CTX code is
 * cheaper in the tie's context k (tile.ts tieContext) wins: tieUp[k * symbols + L] (L the lower one's
 * length) is 1, 0, or TIE_PARITY when they cost the same. Every other tie, and those, go by the position parity
 * (pixel index in the tile + channel) mod 2, which sends half the ties each way: no bias on any
 * distribution of values.
 */
export function tieDirection(m: number, s: number, tieUp: Uint8Array, sym0: number, parity: number): number {
  const f = m >> s;
  if (((f + 1) & f) !== 0) return parity; // f + 1 is not a power of two: both lengths are equal
  const u = tieUp[sym0 + 32 - Math.clz32(f)];
  return u === TIE_PARITY ? parity : u;
}

/** Reconstruction of index q: q * 2^s clamped to the value range [lo, hi]. */
export function dequantize(q: number, s: number, lo: number, hi: number): number {
  const r = q * (s < 31 ? 1 << s : 2 ** s); // (1 << s: 2 ** s with a variable s is a slow pow() in V8)
  return r < lo ? lo : r > hi ? hi : r;
}
