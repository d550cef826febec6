// The one seeded pseudo-random generator of the project's stimulus, benchmarks and tests: the same seed
// gives the same sequence on every run, so a failing case can be replayed. The testbenches' stall and
// gap generator (sim/tb/partials/tb_rand.hbs) is the same xorshift32.

/**
 * 32-bit xorshift generator (shift triple 13, 17, 5), seeded through an integer hash so that nearby
 * seeds give unrelated streams. Period 2^32 - 1; plenty for test data.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Hash the seed (multiply-xorshift mixing); the state must never be 0.
    let h = (seed ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    this.state = h === 0 ? 0x6d2b79f5 : h;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  /** A child generator with its own stream (for sub-cases that must not shift the parent's sequence). */
  fork(salt: number): Rng {
    return new Rng((this.u32() ^ Math.imul(salt, 0x27d4eb2d)) >>> 0);
  }
}

/** Uniform floats in [0, 1) from a seed: the shape of generator some callers want. */
export function floats(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}
