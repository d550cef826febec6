// Golden references of the decoder's stages that have an RTL-specific interface, one function per
// module: decParse (dctcm_dec_parse, bench sim/tb/dec_parse_tb.v.hbs) and decRecon (dctcm_dec_recon,
// through sim/stage-bench.ts). Built from the specification's functions (golden/tile.ts planPixel,
// writePixel, updateContext; quantize.ts dequantize), as sim/enc-stages.ts is for the encoder.
import { BitWriter } from '../golden/bits.js';
import { Derived, MODE_CTX, MODE_DCT, MODE_RAW, TileSettings } from '../golden/params.js';
import { dequantize } from '../golden/quantize.js';
import { effectiveShift, newPlan, planPixel, updateContext, writePixel } from '../golden/tile.js';
import { decWidths } from '../generator/builders/dec_common.js';
import { PortValues } from './enc-stages.js';

/**
 * dctcm_dec_recon: a pixel's CTX values dequantized (dequantize: q * 2^s clamped to the value range),
 * RAW values as read, 0 in ZERO and DCT blocks. modes[b] is a block mode, index[c] the parsed CTX index
 * or RAW value.
 */
export function decRecon(d: Derived, modes: ArrayLike<number>, index: ArrayLike<number>, s: number): { in: PortValues; out: PortValues } {
  const N = d.cfg.dctSize;
  const pixel = Array.from(index, (q, c) => {
    const m = modes[Math.floor(c / N)];
    return m === MODE_CTX ? dequantize(q, s, d.minVal, d.maxPos) : m === MODE_RAW ? q : 0;
  });
  const flags = (mode: number) => Array.from(modes, (m) => +(m === mode));
  return { in: { mode_ctx: flags(MODE_CTX), mode_raw: flags(MODE_RAW), index: Array.from(index), shift: s }, out: { pixel } };
}
