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
 * Quantization index of v (FORMAT.md 6.1): v / 2^s rounded to nearest, ties to the even index, at most
 * qMax = indexLimit(maxPos, s) (identity for s = 0). Ties to even make the reconstruction error zero-mean
 * where ties toward zero would lower every tie by half a step (at s = 1: every odd value). The limit
 * matters only for v = maxPos at s = 1, whose tie would round to qMax + 1; a negative index never
 * exceeds the accepted range (minVal is a multiple of 2^s), so it needs no limit.
 */
export function quantize(v: number, s: number, qMax: number): number {
  if (s === 0) return v;
  const m = Math.abs(v);
  // (m + 2^(s-1) - 1 + bit s of m) >> s: the extra 1 turns a tie up exactly when floor(m / 2^s) is odd
  const q = (m + (1 << (s - 1)) - 1 + ((m >> s) & 1)) >> s;
  return v < 0 ? -q : q < qMax ? q : qMax;
}

/** Reconstruction of index q: q * 2^s clamped to the value range [lo, hi]. */
export function dequantize(q: number, s: number, lo: number, hi: number): number {
  const r = q * (s < 31 ? 1 << s : 2 ** s); // (1 << s: 2 ** s with a variable s is a slow pow() in V8)
  return r < lo ? lo : r > hi ? hi : r;
}
