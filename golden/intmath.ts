// Integer helpers shared by the golden model and the generator. Every rounding in the format goes
// through roundShift so the TypeScript and the RTL cannot drift apart on a corner case.

/** Number of bits needed to write the non-negative integer m (bitLength(0) = 0). */
export function bitLength(m: number): number {
  if (m < 0x100000000) return 32 - Math.clz32(m);
  return Math.floor(Math.log2(m)) + 1; // only reached by wide DCT intermediates in derived constants
}

/**
 * x / 2^n rounded half away from zero, for n >= 0 (n = 0 returns x).
 * Hardware: magnitude, add 2^(n-1), shift right, restore sign. Valid for |x| < 2^52.
 */
export function roundShift(x: number, n: number): number {
  if (n === 0) return x;
  if (n < 31 && x < 0x40000000 && x > -0x40000000) {
    const half = 1 << (n - 1); // fast path: 32-bit integer arithmetic, same result
    return x >= 0 ? (x + half) >> n : -((-x + half) >> n);
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
  if (v === 0) return 0;
  return v > 0 ? bitLength(v) + 1 : bitLength(-v - 1) + 1;
}
