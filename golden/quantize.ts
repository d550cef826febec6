// Uniform quantization with step 2^s for the lossy CTX mode (FORMAT.md section 6).

/**
 * Quantization index of value v: v / 2^s rounded to nearest, ties toward zero (identity for s = 0).
 * Ties toward zero cost the same error as ties away and give smaller indices, which code in fewer bits.
 */
export function quantize(v: number, s: number): number {
  if (s === 0) return v;
  const half = (1 << (s - 1)) - 1;
  return v >= 0 ? (v + half) >> s : -((-v + half) >> s);
}

/** Reconstruction of index q: q * 2^s clamped to the value range [lo, hi]. */
export function dequantize(q: number, s: number, lo: number, hi: number): number {
  const r = q * (s < 31 ? 1 << s : 2 ** s); // (1 << s: 2 ** s with a variable s is a slow pow() in V8)
  return r < lo ? lo : r > hi ? hi : r;
}
