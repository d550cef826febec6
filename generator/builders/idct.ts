// Inverse integer DCT of one block with the decoder's clamp and zero mask: y_n = roundShift(sum_k
// T[k][n] q_k, P - s) (a left shift by s - P when s > P), clamped to the value range, 0 where the mask
// is 0 -- dctInverse + dctReconstruct of golden/dct.ts and golden/tile.ts, bit for bit.
// Emits templates/dctcm_idct.v.hbs; checked by test/dct-rtl.test.ts.
//
// Stage 2 never forms y itself (y can exceed 32 bits for fields a malformed stream carries): it adds the
// rounding term once, picks the W output bits with one s-indexed select and tells saturation from the
// sign and the bits above the output range. All widths and bit positions below are computed here.
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DCT_LATENCY, bits, checkFold, coreControlPorts } from './dct.js';
import { DEFAULT_PREFIX, Module, Port, bit, vec } from './types.js';

/** quant_shift is a 4-bit port: the core is exact for every s in 0..SHIFT_MAX. */
const SHIFT_MAX = 15;

/** Trailing zero bits shared by every non-zero entry of T (T = 2^tz * T'). */
function sharedTrailingZeros(T: number[][], P: number): number {
  let tz = P;
  for (const row of T) {
    for (const t of row) {
      if (t === 0) continue;
      let z = 0;
      while ((Math.abs(t) / 2 ** (z + 1)) % 1 === 0 && z < P) z++;
      tz = Math.min(tz, z);
    }
  }
  return tz;
}

export interface IdctWidths {
  coefWidth: number; // CW: coefficient field width
  tz: number; // trailing zeros factored out of T
  precision: number; // P' = P - tz: the sums are of T' = T / 2^tz, so y = roundShift(acc', P' - s)
  maxAcc: number; // bound on |acc'| for any CW-bit coefficients
  accWidth: number; // acc' register width
  zWidth: number; // acc' + rounding term
  yWidth: number; // width of the exact y = acc' shifted (before the clamp), over every shift 0..15
  clampWidth: number; // the clamp decides on the exact y: as wide as yWidth (saturation sees every bit)
}

/** Widths of dctcm_idct, exported for tests and the manifest. */
export function idctWidths(d: Derived): IdctWidths {
  const { dctSize: N, dctPrecision: P } = d.cfg;
  const CW = d.coefWidthMax;
  const tz = sharedTrailingZeros(d.dct, P);
  const Pp = P - tz;
  const maxIn = 2 ** (CW - 1); // any CW-bit field the decoder reads, not just coefficients an encoder makes
  let maxAcc = 0;
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < N; k++) s += Math.abs(d.dct[k][n]) / 2 ** tz;
    maxAcc = Math.max(maxAcc, s * maxIn);
  }
  // |acc'| <= maxAcc: signed, one bit above its magnitude (and room for a CW-bit field alone).
  const accWidth = Math.max(bits(maxAcc) + 1, CW + 1);
  // z = acc' + (2^(P'-s-1) - 1) + !neg when s < P', else acc': at most maxAcc + 2^(P'-1), at least -maxAcc.
  const zMax = maxAcc + (Pp >= 1 ? 2 ** (Pp - 1) : 0);
  const zWidth = Math.max(accWidth, bits(zMax) + 1);
  // Largest |y| over s = 0..15: |acc'| itself for s <= P', |acc'| * 2^(s - P') above.
  const yWidth = bits(maxAcc * 2 ** Math.max(0, SHIFT_MAX - Pp)) + 1;
  return { coefWidth: CW, tz, precision: Pp, maxAcc, accWidth, zWidth, yWidth, clampWidth: yWidth };
}

/** Non-adjacent form of |t|: signed powers of two, fewest non-zero digits (each one adder input). */
function nafDigits(t: number): { sign: number; shift: number }[] {
  const out: { sign: number; shift: number }[] = [];
  let x = Math.abs(t);
  for (let shift = 0; x > 0; shift++) {
    if (x % 2 === 1) {
      const digit = x % 4 === 3 ? -1 : 1;
      out.push({ sign: digit, shift });
      x -= digit;
    }
    x /= 2;
  }
  return out;
}

/** sum over lanes of weights[lane] * q_lane as shift-add terms (op '' first positive, '+', '-'). */
function shiftAddTerms(weights: number[]): { op: string; lane: number; shift: number }[] {
  const out: { op: string; lane: number; shift: number }[] = [];
  weights.forEach((t, lane) => {
    for (const dgt of nafDigits(t)) {
      const neg = dgt.sign * Math.sign(t) < 0;
      out.push({ op: neg ? '-' : out.length === 0 ? '' : '+', lane, shift: dgt.shift });
    }
  });
  return out;
}

/** A run of bits of a concatenation, most significant first: z[hi:lo], sign copies, or zeros. */
interface Seg {
  kind: 'z' | 'sign' | 'zero';
  hi: number;
  lo: number;
  count: number;
}

export function buildIdct(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const { dctSize: N, dataWidth: W, signed, dctPrecision: P } = d.cfg;
  const wd = idctWidths(d);
  const { coefWidth: CW, accWidth: AW, zWidth: ZW, precision: Pp, tz } = wd;
  const lanes = Array.from({ length: N }, (_, k) => ({ k, hi: k * CW + CW - 1, lo: k * CW, ext: AW - CW }));
  checkFold(d);
  const cols = Array.from({ length: N }, (_, n) => ({ n, hi: n * W + W - 1, lo: n * W }));
  const Tp = d.dct.map((row) => row.map((t) => t / 2 ** tz));
  // Folded: with E_n, O_n the sums over even and odd k of T'[k][n] q_k (n < N/2), acc_n = E_n + O_n and
  // acc_(N-1-n) = E_n - O_n, because T[k][N-1-n] = (-1)^k T[k][n].
  const pairs = Array.from({ length: N / 2 }, (_, n) => ({
    n,
    mirror: N - 1 - n,
    even: shiftAddTerms(Tp.map((row, k) => (k % 2 === 0 ? row[n] : 0))),
    odd: shiftAddTerms(Tp.map((row, k) => (k % 2 === 1 ? row[n] : 0))),
  }));

  // Rounding term of roundShift(acc', r), r = P' - s >= 1: floor((acc' + 2^(r-1) - neg) / 2^r), and
  // 2^(r-1) - neg = (2^(r-1) - 1) + !neg. Bit i of 2^(r-1) - 1 is (s < P' - 1 - i): a compare with a
  // constant, shared by the lanes; constant where the bound is outside 0..15. For s >= P' the term is 0.
  const cmpLt = (k: number) => (k > SHIFT_MAX ? { c: 1 } : k <= 0 ? { c: 0 } : { k });
  const ones = Array.from({ length: ZW }, (_, i) => ({ i, ...cmpLt(Pp - 1 - i) }));
  const onesBits = ones.slice().reverse(); // MSB first for the concatenation
  const rnd = cmpLt(Pp); // s < P': round (a right shift), else an exact left shift

  // y = floor(z * 2^s / 2^P'), so output bit i is z[P' + i - s] (0 below bit 0, the sign above ZW - 1).
  // zw[t] = z[P' + t - 15] for t = 0..W+14, and y[i] = zw[i + 15 - s] = zw[~s + i].
  const SEL = W + SHIFT_MAX;
  const segs: Seg[] = [];
  const push = (kind: Seg['kind'], idx: number) => {
    const last = segs[segs.length - 1];
    if (last && last.kind === kind && (kind !== 'z' || last.lo === idx + 1)) {
      last.lo = idx;
      last.count++;
    } else segs.push({ kind, hi: idx, lo: idx, count: 1 });
  };
  for (let t = SEL - 1; t >= 0; t--) {
    const idx = Pp + t - SHIFT_MAX;
    if (idx < 0) push('zero', 0);
    else if (idx >= ZW - 1) push('sign', ZW - 1);
    else push('z', idx);
  }
  // Saturation: y fits the value range iff it fits OW-bit two's complement (OW = W signed, W + 1
  // unsigned: then also y >= 0), i.e. iff y's bits OW-1 and up, z's bits P' + OW - 1 - s and up, all
  // equal the sign. Bit q of z counts when s >= P' + OW - 1 - q: always, never, or a shared compare.
  const OW = signed ? W : W + 1;
  const ovf: { q: number; k?: number }[] = [];
  const geKeys = new Set<number>();
  for (let q = 0; q <= ZW - 2; q++) {
    const k = Pp + OW - 1 - q;
    if (k > SHIFT_MAX) continue;
    if (k <= 0) ovf.push({ q });
    else {
      ovf.push({ q, k });
      geKeys.add(k);
    }
  }
  // z bits below P' - 15 reach neither the output select nor the saturation test (only for P' > 15).
  const zLow = Math.max(0, Pp - SHIFT_MAX);
  const used = new Set<number>([ZW - 1]);
  for (const s of segs) if (s.kind === 'z') for (let i = s.lo; i <= s.hi; i++) used.add(i);
  for (const o of ovf) used.add(o.q);
  for (let i = zLow; i < ZW; i++) if (!used.has(i)) throw new Error(`dctcm_idct: z bit ${i} is unused (P'=${Pp}, ZW=${ZW})`);
  const ports: Port[] = [
    ...coreControlPorts('in_coef, in_mask and quant_shift'),
    vec('input', 'in_coef', N * CW, `coefficient k in bits [k*${CW} +: ${CW}], two's complement`),
    vec('input', 'in_mask', N, 'bit n: value n is non-zero (0 forces output n to 0)'),
    vec('input', 'quant_shift', 4, 's: the coefficients were divided by 2^s'),
    bit('output', 'out_valid'),
    vec('output', 'out_data', N * W, `value n in bits [n*${W} +: ${W}]`),
  ];
  const ctx = {
    N,
    W,
    P,
    Pp,
    tz,
    signed,
    coefWidth: CW,
    accWidth: AW,
    accMsb: AW - 1,
    maxAcc: wd.maxAcc,
    zWidth: ZW,
    zMsb: ZW - 1,
    zExt: ZW - AW,
    zLow,
    zUnusedLow: zLow > 0,
    zExtra: ZW - 1,
    onesBits,
    rnd,
    selWidth: SEL,
    selMsb: SEL - 1,
    selIdxMsb: bits(SEL - 1) - 1,
    selPad: bits(SEL - 1) - 4,
    segs: segs.map((g) => ({ ...g, isZ: g.kind === 'z', isSign: g.kind === 'sign', isZero: g.kind === 'zero' })),
    ow: OW,
    ovf,
    geKeys: [...geKeys].sort((a, b) => a - b),
    minVal: d.minVal,
    maxPos: d.maxPos,
    wMsb: W - 1,
    yWidth: wd.yWidth,
    latency: DCT_LATENCY,
    lanes,
    cols,
    pairs,
  };
  const description = [
    `Inverse ${N}-point integer DCT of one block of ${CW}-bit two's-complement coefficients, then clamp to`,
    `[${d.minVal}, ${d.maxPos}] (${signed ? 'signed' : 'unsigned'} ${W}-bit) and zero where in_mask is 0:`,
    `y_n = roundShift(sum_k T[k][n] * q_k, P - s), P = ${P}, s = quant_shift (a left shift by s - P when s > P),`,
    'rounding half away from zero; bit-exact with dctInverse + dctReconstruct (golden/dct.ts, golden/tile.ts)',
    `for any coefficient field a stream can carry and every s in 0..15 (the exact y needs ${wd.yWidth} bits; the`,
    'clamp decides from the sign and the bits above the output range, without forming y).',
    `Lanes: coefficient k in in_coef[k*${CW} +: ${CW}], mask bit n in in_mask[n], value n in out_data[n*${W} +: ${W}].`,
    `Latency ${DCT_LATENCY} cycles of ce; throughput one block per cycle with ce high. ce advances every stage`,
    'at once (a whole-pipeline stall when low: nothing moves, nothing is lost); in_valid is sampled only with ce,',
    'and a block leaves the core on a clock edge where ce and out_valid are both high.',
  ];
  return makeModule('idct', d, prefix, { ports, ctx, description, deps: [], latency: DCT_LATENCY, throughput: 'one block per cycle with ce high' });
}
