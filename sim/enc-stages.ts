// Golden references of the encoder's pipeline stages, one function per module: encPrep (dctcm_enc_prep),
// encCtx (dctcm_enc_ctx), encRec (dctcm_enc_rec), encPay (dctcm_enc_pay), encPack (dctcm_enc_pack).
// The record's levels and the packer's tiles as numbers: sim/v2-ref.ts (on golden recordLevels and the slot rule).
// They live in sim/, not golden/, because a stage's interface is an RTL detail (which values prep
// computes ahead of the context loop, how the record is split into block payloads); each is built from
// the specification's own functions (golden/tile.ts planPixel, writePixel, writeBlockPayload, contextOf,
// ctxField, dctBlockBits; quantize, forwardDct; v2-ref.ts recordLevels, tileFromLevels), never a second
// copy of a rule. test/generator/enc-stages.test.ts proves that they compose to encodeTile bit for bit, and the
// stage benches (sim/stage-bench.ts) compare each module with its function on every beat.
//
// Values are keyed by port name: a number or bigint for a scalar port, an array for a port of equal
// lanes (lane i at bits [i*w +: w], w = port width / lanes), so the bench takes every width from the
// builder's port list.
import { BitWriter } from '../golden/bits.js';
import { signedWidthOf } from '../golden/intmath.js';
import { Derived, LEVELS, MODE_CTX, MODE_DCT, MODE_RAW, Policy, TileSettings } from '../golden/params.js';
import { indexLimit } from '../golden/quantize.js';
import {
  PixelPlan,
  contextOf,
  ctxField,
  ctxFieldBits,
  dctBlockBits,
  effectiveShift,
  foldedDctOf,
  forwardDct,
  newPlan,
  planPixel,
  quantizeInContext,
  tieContext,
  ctxLimit,
  updateContext,
  writeBlockPayload,
} from '../golden/tile.js';
import { RecordLevels, recordLevels, tileFromLevels } from './v2-ref.js';

export type PortValue = number | bigint | ArrayLike<number>;
export type PortValues = Record<string, PortValue>;

/** cfg_policy codes of the encoder's ports (docs/RTL.md, Interfaces). */
export const POLICY_CODE: Record<Policy, number> = { lossless: 0, auto: 1, dct: 2 };

/** What prep computes for one pixel (the per-value and per-block fields, before any context). */
export interface Prep {
  q: Int32Array; // [channel] quantization index
  len: Int32Array; // [channel] bit length L of |q|
  fld: Int32Array; // [channel] CTX payload field of q
  flen: Int32Array; // [channel] its width
  ctxc: Int32Array; // [channel] the context the value leaves if its block is CTX: min(L, bitLength(maxMag >> s))
  ctxr: Int32Array; // [channel] ... if RAW
  mask: Int32Array; // [channel] value != 0
  raw: Int32Array; // [channel] the value
  zero: Int32Array; // [block] every value is 0
  zeroq: Int32Array; // [block] every index is 0
  coef: Int32Array; // [channel] forward DCT of the block at shift s (computed for every block)
  wc: Int32Array; // [block] coefficient width
  dctbits: Int32Array; // [block] cost of the block as DCT
}

/** Channel c's index q and what follows from it: bit length, CTX field and its width, context after CTX. */
function setIndex(d: Derived, p: Prep, c: number, q: number, s: number): void {
  const L = 32 - Math.clz32(Math.abs(q));
  p.q[c] = q;
  p.len[c] = L;
  p.fld[c] = ctxField(q, L, d.cfg.signed);
  p.flen[c] = ctxFieldBits(L, d.cfg.signed);
  p.ctxc[c] = Math.min(L, ctxLimit(d, s)); // the CTX rule of FORMAT.md 6.4
}

/**
 * dctcm_enc_prep: the context-free part of planPixel for the pixel at pixels[base ..], pixel number px of
 * its tile (its previous pixel, for the ties, at pixels[base - C ..]): quantize at the effective shift s
 * (golden quantizeInContext with tieContext and the parity of px + channel), the bit length, the CTX
 * field (ctxField), the contexts the value leaves after a CTX decision (of its reconstruction) or a RAW one (of the value) (contextOf), the zero flags, and
 * every block's forward DCT with its width and dctBlockBits, whatever the policy (the RTL always
 * transforms; lossless drives shift 0).
 */
export function encPrep(d: Derived, s: number, pixels: ArrayLike<number>, base: number, px: number): Prep {
  const { channels: C, dctSize: N } = d.cfg;
  const NB = d.blocks;
  const qMax = indexLimit(d.maxPos, s);
  const I = () => new Int32Array(C);
  const Bk = () => new Int32Array(NB);
  const p: Prep = { q: I(), len: I(), fld: I(), flen: I(), ctxc: I(), ctxr: I(), mask: I(), raw: I(), zero: Bk(), zeroq: Bk(), coef: I(), wc: Bk(), dctbits: Bk() };
  const F = foldedDctOf(d);
  const x = new Int32Array(N);
  const y = new Int32Array(N);
  for (let b = 0; b < NB; b++) {
    p.zero[b] = 1;
    p.zeroq[b] = 1;
    for (let i = 0; i < N; i++) {
      const c = b * N + i;
      const v = pixels[base + c];
      const q = quantizeInContext(d, v, s, qMax, tieContext(pixels, base, C, px, c, s), (px + c) & 1);
      setIndex(d, p, c, q, s);
      p.ctxr[c] = contextOf(v, s);
      p.mask[c] = +(v !== 0);
      p.raw[c] = v;
      if (v !== 0) p.zero[b] = 0;
      if (q !== 0) p.zeroq[b] = 0;
      x[i] = v;
    }
    forwardDct(d, F, s, x, y);
    let wc = 0;
    for (let k = 0; k < N; k++) {
      p.coef[b * N + k] = y[k];
      wc = Math.max(wc, signedWidthOf(y[k]));
    }
    p.wc[b] = wc;
    p.dctbits[b] = dctBlockBits(d, wc);
  }
  return p;
}

/** The settings and tile position every stage carries beside its data. */
export interface Beat {
  policy: number; // POLICY_CODE of the effective policy
  shift: number; // effective shift
  first: boolean;
  last: boolean;
}

/** dctcm_enc_prep's ports for one pixel: inputs (the pixel and its settings) and outputs (encPrep). */
export function prepPorts(pixels: ArrayLike<number>, base: number, C: number, t: Beat, p: Prep): { in: PortValues; out: PortValues } {
  return {
    in: { in_data: Array.from({ length: C }, (_, c) => pixels[base + c]), in_first: +t.first, in_last: +t.last, in_policy: t.policy, in_shift: t.shift },
    out: {
      out_len: p.len,
      out_fld: p.fld,
      out_flen: p.flen,
      out_ctxc: p.ctxc,
      out_ctxr: p.ctxr,
      out_mask: p.mask,
      out_raw: p.raw,
      out_zero: p.zero,
      out_zeroq: p.zeroq,
      out_coef: p.coef,
      out_wc: p.wc,
      out_dctbits: p.dctbits,
      out_first: +t.first,
      out_last: +t.last,
      out_policy: t.policy,
      out_shift: t.shift,
    },
  };
}

/** A stage's input ports are the previous stage's outputs of the same name (out_x -> in_x). */
function asInputs(out: PortValues): PortValues {
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k.replace(/^out_/, 'in_'), v]));
}

/**
 * dctcm_enc_ctx: the context-dependent part of planPixel (each value's rank and escape field from its
 * context and bit length, the block modes; plan is planPixel's for this pixel with the contexts the
 * tile has reached), and updateContext (kept inside the stage). Everything else passes through.
 */
export function encCtx(d: Derived, prepOut: PortValues, plan: PixelPlan): { in: PortValues; out: PortValues } {
  const C = d.cfg.channels;
  const esc = Array.from({ length: C }, (_, c) => d.escIndex[plan.sym[c]]);
  const o = prepOut;
  return {
    in: asInputs(prepOut),
    out: {
      out_mode: Array.from(plan.modes),
      out_rank: Array.from(plan.rank),
      out_esc: esc,
      out_fld: o.out_fld,
      out_flen: o.out_flen,
      out_raw: o.out_raw,
      out_coef: o.out_coef,
      out_wc: o.out_wc,
      out_mask: o.out_mask,
      out_first: o.out_first,
      out_last: o.out_last,
      out_shift: o.out_shift,
    },
  };
}

/** The first `bits` bits of a writer's stream from bit `from` as one number (bit i of the record in bit i). */
function streamBits(w: BitWriter, from: number, bits: number): bigint {
  let x = 0n;
  for (let i = bits - 1; i >= 0; i--) {
    const p = from + i;
    x = (x << 1n) | BigInt((w.buf[p >>> 5] >>> (p & 31)) & 1);
  }
  return x;
}

/** dctcm_enc_rec: the pixel's record (writePixel) as the format's levels. */
export function encRec(d: Derived, ctxOut: PortValues, plan: PixelPlan): { in: PortValues; out: PortValues; levels: RecordLevels } {
  const lv = recordLevels(d, plan);
  const out: PortValues = {};
  for (let k = 0; k < LEVELS; k++) {
    out[`out_lv${k}`] = lv.bits[k];
    out[`out_ln${k}`] = lv.len[k];
  }
  return {
    in: asInputs(ctxOut),
    out: { ...out, out_bits: plan.bits, out_mode: ctxOut.out_mode, out_first: ctxOut.out_first, out_last: ctxOut.out_last, out_shift: ctxOut.out_shift },
    levels: lv,
  };
}

/**
 * dctcm_enc_pay: the payload of block b coded in `mode` (writeBlockPayload), from prep's fields: the
 * index and bit length for CTX, the value for RAW, the coefficients and their width for DCT. Any mode
 * can be asked for, not only the one planPixel chose, so the module is checked on every block in every
 * mode.
 */
export function encPay(d: Derived, p: Prep, b: number, mode: number): { in: PortValues; out: PortValues } {
  const N = d.cfg.dctSize;
  const plan = newPlan(d);
  plan.modes[b] = mode;
  for (let c = b * N; c < (b + 1) * N; c++) {
    plan.index[c] = mode === MODE_RAW ? p.raw[c] : p.q[c];
    plan.len[c] = p.len[c];
    plan.coef[c] = p.coef[c];
  }
  plan.coefWidth[b] = p.wc[b];
  const w = new BitWriter(8);
  w.reserve(N * 32 + 32);
  const end = writeBlockPayload(d, plan, b, w.buf, 0);
  w.pos = end;
  const lanes = (a: Int32Array) => Array.from(a.subarray(b * N, (b + 1) * N));
  return {
    in: { mode, fld: lanes(p.fld), flen: lanes(p.flen), raw: lanes(p.raw), coef: lanes(p.coef), wc: p.wc[b] },
    out: { pay: streamBits(w, 0, end), bits: end },
  };
}

/** One record offered to the packer, as levels. */
export interface PackRecord {
  levels: RecordLevels;
  first: boolean;
  last: boolean;
  shift: number; // the tile's shift (read with the first record)
  count: number; // the tile's pixel count (header and trailer)
}

/**
 * dctcm_enc_pack: the tile stream of a sequence of records, each tile from a first record to a last one
 * (v2-ref.ts tileFromLevels: header with the count, slots with the drain, padding, trailer). One output
 * beat per B-bit word: {m_axis_tdata, m_axis_tlast on the trailer word}.
 */
export function encPack(d: Derived, records: PackRecord[]): { in: PortValues[]; out: PortValues[] } {
  const units = d.cfg.busWidth / 32;
  const inp: PortValues[] = records.map((r) => {
    const v: PortValues = { in_first: +r.first, in_last: +r.last, in_shift: r.shift, in_count: r.count };
    for (let k = 0; k < LEVELS; k++) {
      v[`in_lv${k}`] = r.levels.bits[k];
      v[`in_ln${k}`] = r.levels.len[k];
    }
    return v;
  });
  const out: PortValues[] = [];
  let tile: PackRecord[] | null = null;
  for (const r of records) {
    if (r.first !== (tile === null)) throw new Error('encPack: records must form whole tiles (first ... last)');
    if (r.first) tile = [];
    tile!.push(r);
    if (r.last) {
      if (tile!.some((x) => x.count !== tile!.length || x.shift !== tile![0].shift)) throw new Error('encPack: a tile\'s count and shift must hold on all its records');
      const u = tileFromLevels(
        d,
        r.shift,
        tile!.map((x) => x.levels),
      );
      const words = u.length / units;
      for (let k = 0; k < words; k++) {
        let word = 0n;
        for (let j = units - 1; j >= 0; j--) word = (word << 32n) | BigInt(u[k * units + j]);
        out.push({ m_axis_tdata: word, m_axis_tlast: +(k === words - 1) });
      }
      tile = null;
    }
  }
  if (tile !== null) throw new Error('encPack: the last tile has no last record');
  return { in: inp, out };
}

/** One tile of stimulus: its settings and pixels (channel-fastest), from pixels[base ..]. */
export interface StageTile {
  settings: TileSettings;
  pixels: ArrayLike<number>;
  npix: number;
  base?: number;
}

/** Every stage's beats for a stream of tiles, in stream order. */
export interface EncStageBeats {
  prep: { in: PortValues; out: PortValues }[];
  ctx: { in: PortValues; out: PortValues }[];
  rec: { in: PortValues; out: PortValues; levels: RecordLevels }[];
  pay: { in: PortValues; out: PortValues }[]; // every block of every pixel, in each of the four modes
  pack: { in: PortValues[]; out: PortValues[] };
}

/** The modes enc_pay is driven in, by index (pay beat of block b in mode m: [b * payModes(d).length + m]). */
export const payModes = (d: Derived): number[] => (d.cfg.dct ? [0, MODE_CTX, MODE_RAW, MODE_DCT] : [0, MODE_CTX, MODE_RAW]);

/**
 * Runs the tiles through the stage references as the encoder chains them: prep -> ctx (planPixel with
 * the tile's contexts, then v2's context update) -> rec -> pack; pay takes each block of prep in every mode.
 */
export function encStageBeats(d: Derived, tiles: StageTile[]): EncStageBeats {
  const C = d.cfg.channels;
  const r: EncStageBeats = { prep: [], ctx: [], rec: [], pay: [], pack: { in: [], out: [] } };
  const records: PackRecord[] = [];
  for (const t of tiles) {
    const s = effectiveShift(t.settings);
    const policy = POLICY_CODE[t.settings.policy];
    const ctx = new Uint8Array(C);
    const plan = newPlan(d);
    const base0 = t.base ?? 0;
    for (let i = 0; i < t.npix; i++) {
      const base = base0 + i * C;
      const beat: Beat = { policy, shift: s, first: i === 0, last: i === t.npix - 1 };
      const p = encPrep(d, s, t.pixels, base, i);
      const prep = prepPorts(t.pixels, base, C, beat, p);
      planPixel(d, t.settings, ctx, t.pixels, base, i, plan);
      const cx = encCtx(d, prep.out, plan);
      const rc = encRec(d, cx.out, plan);
      updateContext(d, s, plan, ctx);
      r.prep.push(prep);
      r.ctx.push(cx);
      r.rec.push(rc);
      for (let b = 0; b < d.blocks; b++) for (const mode of payModes(d)) r.pay.push(encPay(d, p, b, mode));
      records.push({ levels: rc.levels, first: beat.first, last: beat.last, shift: s, count: t.npix });
    }
  }
  r.pack = encPack(d, records);
  return r;
}
