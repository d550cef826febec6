// Rank tables of the context coder (FORMAT.md section 5.3) and the per-symbol costs derived from them.
import { describe, expect, it } from 'vitest';
import { buildRankTable, rankOrder } from '../../golden/ctxcode.js';
import { RANKS, derive } from '../../golden/params.js';

const WIDTHS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/** The documented rule, written independently: distance order from the centre (shorter first), zero inserted by k. */
function expectedOrder(k: number, W: number): number[] {
  const m = k > 0 ? k : Math.max(1, Math.floor(W / 2) - 1);
  const nz: number[] = [m];
  for (let d = 1; d <= W; d++) {
    if (m - d >= 1) nz.push(m - d);
    if (m + d <= W) nz.push(m + d);
  }
  const zeroAt = k <= 1 ? 0 : k <= 3 ? 1 : 3;
  nz.splice(zeroAt, 0, 0);
  return nz.slice(0, RANKS);
}

describe('rank tables', () => {
  it('RANKS is 5 (the format constant every table below depends on)', () => {
    expect(RANKS).toBe(5);
  });

  it('W = 8 matches the table of FORMAT.md 5.3', () => {
    const t = buildRankTable(8, RANKS);
    expect(t.order).toEqual([
      [0, 3, 2, 4, 1],
      [0, 1, 2, 3, 4],
      [2, 0, 1, 3, 4],
      [3, 0, 2, 4, 1],
      [4, 3, 5, 0, 2],
      [5, 4, 6, 0, 3],
      [6, 5, 7, 0, 4],
      [7, 6, 8, 0, 5],
      [8, 7, 6, 0, 5],
    ]);
    expect(t.escLen).toEqual([
      [5, 6, 7, 8],
      [5, 6, 7, 8],
      [5, 6, 7, 8],
      [5, 6, 7, 8],
      [1, 6, 7, 8],
      [1, 2, 7, 8],
      [1, 2, 3, 8],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
  });

  it('W = 4: five lengths, all ranked, no escapes', () => {
    const t = buildRankTable(4, RANKS);
    // k=0: centre max(1, 2-1) = 1 -> 1, 2, 3, 4; zero first
    expect(t.order[0]).toEqual([0, 1, 2, 3, 4]);
    expect(t.order[2]).toEqual([2, 0, 1, 3, 4]);
    expect(t.order[3]).toEqual([3, 0, 2, 4, 1]);
    expect(t.order[4]).toEqual([4, 3, 2, 0, 1]);
    for (const e of t.escLen) expect(e).toEqual([]);
  });

  for (const W of WIDTHS) {
    it(`W = ${W}: every context ranks ${RANKS} distinct lengths, and the tables are mutually inverse`, () => {
      const S = W + 1;
      const { table, order, escIndex, escLen } = buildRankTable(W, RANKS);
      expect(table.length).toBe(S * S);
      expect(order.length).toBe(S);
      expect(escLen.length).toBe(S);
      for (let k = 0; k <= W; k++) {
        const o = order[k];
        expect(o.length, `k=${k}`).toBe(RANKS);
        expect(new Set(o).size, `k=${k} distinct`).toBe(RANKS);
        for (const L of o) expect(L >= 0 && L <= W && Number.isInteger(L), `k=${k} L=${L}`).toBe(true);
        // the documented order rule
        expect(o, `k=${k}`).toEqual(expectedOrder(k, W));
        expect(rankOrder(k, W, RANKS)).toEqual(o);
        const zeroRank = o.indexOf(0);
        expect(zeroRank, `k=${k}: rank of the zero length`).toBe(k <= 1 ? 0 : k <= 3 ? 1 : 3);
        if (k >= 1) expect(o[k <= 1 ? 1 : 0], `k=${k}: the context's own length comes first`).toBe(k);
        // table: rank of each ranked length, RANKS for the others
        for (let L = 0; L <= W; L++) {
          const r = table[k * S + L];
          if (o.includes(L)) expect(o[r], `k=${k} L=${L}`).toBe(L);
          else expect(r, `k=${k} L=${L} must be escaped`).toBe(RANKS);
        }
        // escapes: the unranked lengths in ascending order, indexed by escIndex
        const unranked = [];
        for (let L = 0; L <= W; L++) if (!o.includes(L)) unranked.push(L);
        expect(escLen[k], `k=${k}`).toEqual(unranked);
        expect(escLen[k].length).toBe(W + 1 - RANKS);
        escLen[k].forEach((L, e) => expect(escIndex[k * S + L], `k=${k} L=${L}`).toBe(e));
        // ranked and escaped lengths partition 0..W
        expect([...o, ...escLen[k]].sort((a, b) => a - b)).toEqual(Array.from({ length: S }, (_, i) => i));
      }
    });
  }

  it('the escape field is wide enough for every unranked length, and no wider', () => {
    for (const W of WIDTHS) {
      const d = derive({ channels: 8, dctSize: 8, dataWidth: W, signed: false, busWidth: 32, dctPrecision: 12 });
      const unranked = W + 1 - RANKS;
      expect(d.escBits, `W=${W}`).toBe(unranked <= 1 ? 0 : Math.ceil(Math.log2(unranked)));
      expect(2 ** d.escBits).toBeGreaterThanOrEqual(unranked);
      // FORMAT.md: E = bitLength(max(0, W - R))
      expect(d.escBits).toBe((Math.max(0, W - RANKS)).toString(2).replace(/^0$/, '').length);
    }
  });

  it('derive() carries the same tables, and symBits is the CTX cost of each (context, length)', () => {
    for (const W of WIDTHS) {
      for (const signed of [false, true]) {
        const d = derive({ channels: 16, dctSize: 8, dataWidth: W, signed, busWidth: 64, dctPrecision: 12 });
        const t = buildRankTable(W, RANKS);
        expect(Array.from(d.rankTable)).toEqual(Array.from(t.table));
        expect(Array.from(d.escIndex)).toEqual(Array.from(t.escIndex));
        expect(d.rankOrder).toEqual(t.order);
        expect(d.escLen).toEqual(t.escLen);
        expect(d.symbols).toBe(W + 1);
        for (let k = 0; k <= W; k++) {
          for (let L = 0; L <= W; L++) {
            const r = t.order[k].indexOf(L);
            const planes = r >= 0 ? r + 1 : RANKS + d.escBits; // rank r: r zeros and a one; escape: R zeros + field
            const payload = L === 0 ? 0 : (signed ? 1 : 0) + L - 1;
            expect(d.symBits[k * (W + 1) + L], `W=${W} signed=${signed} k=${k} L=${L}`).toBe(planes + payload);
          }
        }
      }
    }
  });
});
