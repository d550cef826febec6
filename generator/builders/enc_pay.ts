// dctcm_enc_pay: the payload of one block (combinational, inside dctcm_enc_rec).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { DEFAULT_PREFIX, Module, Port, asReg, moduleNames, vec } from './types.js';
import { encWidths } from './enc_common.js';
import { bitLength } from '../../golden/intmath.js';

export function buildEncPay(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const e = encWidths(d);
  const FW = e.dct ? Math.max(e.W, e.CW) : e.W; // widest field
  const PB = e.N * FW + 1;
  const ctx = {
    NW: e.N * e.W,
    NLW: e.N * e.LW,
    NCW: e.N * e.CW,
    N: e.N,
    W: e.W,
    LW: e.LW,
    CW: e.CW,
    CWB: e.CWB,
    PB,
    PBW: bitLength(PB + FW - 1),
    FW,
    dct: e.dct,
  };
  const ports: Port[] = [
    vec('input', 'mode', 2, 'block mode: 0 zero, 1 ctx, 2 raw, 3 dct'),
    vec('input', 'fld', e.N * e.W, `CTX fields (sign, mantissa), value i at [i*${e.W} +: ${e.W}], masked to flen`),
    vec('input', 'flen', e.N * e.LW, 'CTX field lengths'),
    vec('input', 'raw', e.N * e.W, 'the values'),
    ...(e.dct ? [vec('input', 'coef', e.N * e.CW, 'DCT coefficients'), vec('input', 'wc', e.CWB, 'DCT coefficient width')] : []),
    ...asReg([vec('output', 'pay', PB, 'payload, LSB first, zero above bits'), vec('output', 'bits', ctx.PBW, 'payload length')]),
  ];
  const description = [
    `Payload of one block of ${e.N} values (golden writePixel, last loop): CTX values' sign and mantissa`,
    `fields, RAW values in ${e.W} bits${e.dct ? ', or DCT coefficients in wc bits' : ''}, in value order, and its length.`,
    `Field offsets are a prefix sum of the field lengths in ${Math.ceil(Math.log2(e.N))} adder levels (Sklansky), not a chain of ${e.N - 1}.`,
    `Combinational (part of the record stage ${moduleNames(prefix).enc_rec}).`,
  ];
  return makeModule('enc_pay', d, prefix, { ports, ctx, description, deps: [], latency: 0, throughput: 'combinational: one block per cycle' });
}
