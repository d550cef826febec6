// dctcm_dec_recon: the decoder's reconstruction of the CTX and RAW blocks of a parsed pixel (DCT blocks
// go through dctcm_idct, ZERO blocks are 0).
import { Derived } from '../../golden/params.js';
import { renderModule } from '../render.js';
import { bitLength } from '../../golden/intmath.js';
import { decWidths } from './dec_common.js';
import { Module } from './types.js';

export function buildDecRecon(d: Derived): Module {
  const w = decWidths(d);
  // The decoder keeps a tile's shift in bitLength(min(15, W-1)) bits; q * 2^s is exact in W + 1 + (the
  // largest shift that width holds) bits, so the clamp compares see the true product.
  const shw = bitLength(Math.min(15, w.W - 1));
  const shMax = 2 ** shw - 1;
  const ctx = { w, idxBits: w.C * (w.W + 1), pixBits: w.C * w.W, shw, shMax, dqw: w.W + 1 + shMax };
  const description = [
    'Reconstruction of the CTX and RAW blocks of one parsed pixel: CTX indices dequantized (q * 2^s',
    'clamped to the value range, golden dequantize), RAW values as read; ZERO and DCT blocks give 0',
    '(the decoder takes DCT blocks from dctcm_idct). Latency: 0 (combinational).',
  ];
  return { name: 'dctcm_dec_recon', text: renderModule('dctcm_dec_recon', d, ctx, description), deps: [], latency: 0 };
}
