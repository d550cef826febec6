// Integer helpers shared by the golden model and the generator. Every rounding in the format goes
// through roundShift so the TypeScript and the RTL cannot drift apart on a corner case.

/** Number of bits needed to write the non-negative integer m (bitLength(0) = 0). */
export function bitLength(m: number): number {
  if (m < 0x100000000) return 32 - Math.clz32(m);
  return 32 + bitLength(Math.floor(m / 0x100000000)); // exact up to 2^53, unlike Math.log2
}

/**
 * x / 2^n rounded half away from zero, for n >= 0 (n = 0 returns x).
 * Hardware: magnitude, add 2^(n-1), shift right, restore sign. Valid for |x| < 2^52.
 */
export function roundShift(x: number, n: number): number {
  if (n === 0) return x;
  if (n < 31 && x < 0x40000000 && x > -0x40000000) {
    // Fast path: 32-bit integer arithmetic, same result. The sign is restored without a branch (the DCT
    // rounds coefficients of either sign, unpredictably): with m = x >> 31 (0 or -1), (r ^ m) - m is
    // r or -r.
    const r = (Math.abs(x) + (1 << (n - 1))) >> n;
    const m = x >> 31;
    return (r ^ m) - m;
  }
  const half = 2 ** (n - 1);
  const d = 2 ** n;
  return x >= 0 ? Math.floor((x + half) / d) : -Math.floor((-x + half) / d);
}

/** Width of the two's-complement field that holds every value in [-maxAbs, maxAbs]. */
export function signedWidth(maxAbs: number): number {
  return maxAbs === 0 ? 0 : bitLength(maxAbs) + 1;
}

/** Smallest two's-complement width holding v (0 for v = 0). */
export function signedWidthOf(v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) {
    // Without branches: v ^ (v >> 31) is v when v >= 0 and -v - 1 when v < 0; v = 0 takes 0, not 1.
    return 33 - Math.clz32(v ^ (v >> 31)) - +(v === 0);
  }
  return v > 0 ? bitLength(v) + 1 : bitLength(-v - 1) + 1;
}
