// dctcm_dec_recon: the decoder's reconstruction of the CTX and RAW blocks of a parsed pixel (DCT blocks
// go through dctcm_idct, ZERO blocks are 0).
import { Derived } from '../../golden/params.js';
import { makeModule } from '../render.js';
import { bitLength } from '../../golden/intmath.js';
import { decWidths } from './dec_common.js';
import { DEFAULT_PREFIX, Module, Port, asReg, moduleNames, vec } from './types.js';

export function buildDecRecon(d: Derived, prefix: string = DEFAULT_PREFIX): Module {
  const w = decWidths(d);
  // The decoder keeps a tile's shift in bitLength(min(15, W-1)) bits; q * 2^s is exact in W + 1 + (the
  // largest shift that width holds) bits, so the clamp compares see the true product.
  const shw = bitLength(Math.min(15, w.W - 1));
  const shMax = 2 ** shw - 1;
  const idct = moduleNames(prefix).idct;
  const ctx = { w, idxBits: w.C * (w.W + 1), pixBits: w.C * w.W, shw, shMax, dqw: w.W + 1 + shMax };
  const description = [
    'Reconstruction of the CTX and RAW blocks of one parsed pixel: CTX indices dequantized (q * 2^s',
    ...(w.dct
      ? ['clamped to the value range, golden dequantize), RAW values as read; ZERO and DCT blocks give 0', `(the decoder takes DCT blocks from ${idct}). Latency: 0 (combinational).`]
      : ['clamped to the value range, golden dequantize), RAW values as read; ZERO blocks give 0.', 'Latency: 0 (combinational).']),
  ];
  const ports: Port[] = [
    vec('input', 'mode_ctx', w.NB, 'block b is CTX'),
    vec('input', 'mode_raw', w.NB, w.dct ? `block b is RAW (neither: ZERO, or DCT, reconstructed by ${idct})` : 'block b is RAW (neither: ZERO)'),
    vec('input', 'index', ctx.idxBits, `channel c in [c*${w.W + 1} +: ${w.W + 1}]: CTX index or RAW value, two's complement`),
    vec('input', 'shift', shw, "the pixel's tile quantization shift s (<= min(15, W-1))"),
    ...asReg([vec('output', 'pixel', ctx.pixBits, `channel c in [c*${w.W} +: ${w.W}]${w.signed ? ", two's complement" : ''}; 0 in ZERO and DCT blocks`)]),
  ];
  return makeModule('dec_recon', d, prefix, { ports, ctx, description, deps: [], latency: 0, throughput: 'combinational: one pixel per cycle' });
}
