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

/** One tile of stimulus: settings and pixels (channel-fastest). */
export interface ParseTile {
  settings: TileSettings;
  pixels: ArrayLike<number>;
  npix: number;
}

export interface ParseVectors {
  inLines: string[];
  expLines: string[];
  inw: number;
  outw: number;
}

/**
 * dctcm_dec_parse: every record of the tiles' pixels, with the contexts the encoder had, parses to the
 * encoder's plan (planPixel / writePixel / updateContext): record length, the bit after it (1 while the
 * tile has more pixels), modes, values, mask, next contexts, no error flag. One line per record:
 * in {shift, contexts, count, bits}, exp {rec_len, next_bit, modes, values, mask, next contexts, errors}.
 */
export function decParse(d: Derived, tiles: ParseTile[], count: number): ParseVectors {
  const w = decWidths(d);
  const { channels: C, dctSize: N } = d.cfg;
  const inLines: string[] = [];
  const expLines: string[] = [];
  const inw = w.CAP + w.OFFW + C * w.CTXW + 4;
  const outw = w.OFFW + 1 + 3 * w.NB + C * w.VW + C + C * w.CTXW + 3;
  const put = (acc: bigint, v: number | bigint, bits: number) => (acc << BigInt(bits)) | (BigInt(v) & ((1n << BigInt(bits)) - 1n));
  for (const t of tiles) {
    const shift = effectiveShift(t.settings);
    const ctx = new Uint8Array(C);
    const plan = newPlan(d);
    for (let p = 0; p < t.npix && inLines.length < count; p++) {
      planPixel(d, t.settings, ctx, t.pixels, p * C, p, plan);
      const bw = new BitWriter(64);
      writePixel(d, plan, bw);
      const next = p < t.npix - 1 ? 1 : 0;
      bw.write(next, 1);
      const units = bw.units();
      let bits = 0n;
      for (let u = units.length - 1; u >= 0; u--) bits = (bits << 32n) | BigInt(units[u] >>> 0);
      let x = BigInt(shift);
      for (let c = C - 1; c >= 0; c--) x = put(x, ctx[c], w.CTXW);
      x = put(x, plan.bits + 1, w.OFFW);
      x = (x << BigInt(w.CAP)) | bits;
      inLines.push(x.toString(16));
      let y = put(0n, plan.bits, w.OFFW);
      y = put(y, next, 1);
      for (const mode of [MODE_CTX, MODE_RAW, MODE_DCT]) {
        let m = 0n;
        for (let b = w.NB - 1; b >= 0; b--) m = (m << 1n) | (plan.modes[b] === mode ? 1n : 0n);
        y = put(y, m, w.NB);
      }
      for (let c = C - 1; c >= 0; c--) {
        const mode = plan.modes[Math.floor(c / N)];
        const v = mode === MODE_CTX || mode === MODE_RAW ? plan.index[c] : mode === MODE_DCT ? plan.coef[c] : 0;
        y = put(y, v, w.VW);
      }
      for (let c = C - 1; c >= 0; c--) y = put(y, plan.modes[Math.floor(c / N)] === MODE_DCT ? plan.mask[c] : 0, 1);
      updateContext(d, shift, plan, ctx);
      for (let c = C - 1; c >= 0; c--) y = put(y, ctx[c], w.CTXW);
      y = put(y, 0, 3);
      expLines.push(y.toString(16));
    }
  }
  return { inLines, expLines, inw, outw };
}

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
