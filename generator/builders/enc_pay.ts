// dctcm_enc_pay: the payload of one block (combinational, inside dctcm_enc_rec).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, asReg, moduleNames, vec } from './types.js';
import { encWidths, zext } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

export function buildEncPay(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const FW = e.dct ? Math.max(e.W, e.CW) : e.W; // widest field
  const PB = e.N * FW + 1;
  // A CTX field is the sign (signed only) and the L - 1 bits below the leading one: W - 1 bits unsigned.
  const FC = e.signed ? e.W : e.W - 1;
  const FT = e.dct ? Math.max(FC, e.CW) : FC;
  const LT = bitLength(FT);
  const LCW = Math.min(e.LW, LT); // the CTX field length's bits that can be set (flen <= FC)
  const levels = Math.log2(e.N);
  const tree = Array.from({ length: levels + 1 }, (_, j) => ({ j, pj: j - 1, n: e.N >> j, w: FT << j, hw: FT << Math.max(0, j - 1), lw: LT + j, plw: LT + j - 1 }));
  const top = tree[levels];
  const ctx = {
    NW: e.N * e.W,
    NLW: e.N * e.LW,
    NCW: e.N * e.CW,
    N: e.N,
    W: e.W,
    CW: e.CW,
    CWB: e.CWB,
    PB,
    PBW: bitLength(PB + FW - 1),
    FT,
    FTwhy: e.signed ? 'a CTX field is W bits (sign and L - 1 bits)' : 'a CTX field is W - 1 bits (the L - 1 bits below the leading one)',
    FC,
    LT,
    tree,
    flenExt: zext(`flen[i*${e.LW} +: ${LCW}]`, LCW, LT),
    wcExt: zext('wc', e.CWB, LT),
    payExt: zext(`t${levels}`, top.w, PB),
    bitsExt: zext(`tl${levels}`, top.lw, bitLength(PB + FW - 1)),
    dct: e.dct,
  };
  const ports: Port[] = [
    vec('input', 'mode', 2, 'block mode: 0 zero, 1 ctx, 2 raw, 3 dct'),
    vec('input', 'fld', e.N * e.W, `CTX fields (sign, mantissa), value i at [i*${e.W} +: ${e.W}], masked to flen${FC < e.W ? ' (its top bit is always zero)' : ''}`, FC < e.W ? { waive: 'UNUSEDSIGNAL' } : {}),
    vec('input', 'flen', e.N * e.LW, `CTX field lengths${LCW < e.LW ? ` (at most ${FC}: the low ${LCW} bits)` : ''}`, LCW < e.LW ? { waive: 'UNUSEDSIGNAL' } : {}),
    vec('input', 'raw', e.N * e.W, 'the values'),
    ...(e.dct ? [vec('input', 'coef', e.N * e.CW, 'DCT coefficients'), vec('input', 'wc', e.CWB, 'DCT coefficient width')] : []),
    ...asReg([vec('output', 'pay', PB, 'payload, LSB first, zero above bits'), vec('output', 'bits', ctx.PBW, 'payload length')]),
  ];
  const description = [
    `Payload of one block of ${e.N} values (golden writePixel, last loop): CTX values' sign and mantissa`,
    `fields, RAW values in ${e.W} bits${e.dct ? ', or DCT coefficients in wc bits' : ''}, in value order, and its length.`,
    `The CTX${e.dct ? ' and DCT' : ''} fields are joined by a tree of ${levels} levels (pairs, then pairs of pairs), each shifter as wide as its nodes.`,
    `Combinational (part of the record stage ${moduleNames(prefix).enc_rec}).`,
  ];
  return makeModule('enc_pay', d, prefix, { ports, ctx, description, deps: [], latency: 0, throughput: 'combinational: one block per cycle' });
}
