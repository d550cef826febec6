// Context coding of the values of CTX blocks (FORMAT.md section 5). A value is split into its bit
// length L (0 for zero) and the bits below its leading one. L is coded by rank in a list of RANKS likely
// lengths chosen from the context k, the bit length of the same channel in the previous pixel; a length
// outside the list is escaped with its plain binary value.

/**
 * Rank order for context k: lengths nearest k first, the shorter of two at the same distance first (k,
 * k-1, k+1, k-2, ...); after a zero (k = 0) the lengths around mid-range. Zero takes rank 0 when k <= 1,
 * rank 1 when k is 2 or 3, rank 3 when k >= 4: zeros are likeliest after small values and rarest after
 * large ones. Shorter first because activations are skewed toward small magnitudes: a length is more
 * often followed by a shorter one than by a longer one (format version 3; FORMAT.md 5.3 and 12).
 */
export function rankOrder(k: number, W: number, R: number): number[] {
  const centre = k > 0 ? k : Math.max(1, Math.floor(W / 2) - 1);
  const nz: number[] = [];
  // centre, centre-1, centre+1, centre-2, centre+2, ... within 1..W
  for (let d = 0; nz.length < W; d++) {
    for (const L of d === 0 ? [centre] : [centre - d, centre + d]) {
      if (L >= 1 && L <= W && !nz.includes(L)) nz.push(L);
    }
    if (d > W) break;
  }
  const zeroAt = zeroRank(k);
  const order = nz.slice();
  order.splice(Math.min(zeroAt, order.length), 0, 0);
  return order.slice(0, R);
}

/** The rank of the length 0 (the value zero) in context k (FORMAT.md 5.3). */
export function zeroRank(k: number): number {
  return k <= 1 ? 0 : k <= 3 ? 1 : 3;
}

/**
 * Per context k: rank of each length (RANKS for an escape), the ranked lengths, and for escapes the
 * index of each unranked length among the unranked ones in ascending order (the escape field's value),
 * and its inverse.
 */
export interface RankTables {
  table: Uint8Array; // [k * S + L] -> rank, or R when L is escaped
  order: number[][]; // [k][rank] -> L
  escIndex: Uint8Array; // [k * S + L] -> escape index of an unranked L
  escLen: number[][]; // [k][escape index] -> L
}

export function buildRankTable(W: number, R: number): RankTables {
  const S = W + 1;
  const table = new Uint8Array(S * S).fill(R);
  const escIndex = new Uint8Array(S * S);
  const order: number[][] = [];
  const escLen: number[][] = [];
  for (let k = 0; k <= W; k++) {
    const o = rankOrder(k, W, R);
    order.push(o);
    o.forEach((L, r) => (table[k * S + L] = r));
    const rest: number[] = [];
    for (let L = 0; L <= W; L++) {
      if (table[k * S + L] === R) {
        escIndex[k * S + L] = rest.length;
        rest.push(L);
      }
    }
    escLen.push(rest);
  }
  return { table, order, escIndex, escLen };
}
