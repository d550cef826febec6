// Golden references of the decoder's stages that have an RTL-specific interface, one function per
// module: decParse (dctcm_dec_parse, bench sim/tb/dec_parse_tb.v.hbs) and decRecon (dctcm_dec_recon,
// through sim/stage-bench.ts). Built from the specification's functions (golden/tile.ts planPixel,
// writePixel, updateContext; quantize.ts dequantize), as sim/enc-stages.ts is for the encoder.
import { getBits } from '../golden/bits.js';
import { DRAIN_SLOTS, Derived, LEVELS, LEVEL_OFFSETS, MODE_CTX, MODE_DCT, MODE_RAW, TILE_HEADER_BITS, TileSettings, tileSlots } from '../golden/params.js';
import { dequantize } from '../golden/quantize.js';
import { effectiveShift, encodeTile, newPlan, planPixel, recordLevels, updateContext } from '../golden/tile.js';
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
  expLines: string[]; // {care mask, expected outputs}: only the bits under the mask are compared
  inw: number;
  outw: number;
  slots: number; // lines that check the outputs (one per slot)
}

/**
 * dctcm_dec_parse: the tiles' slots (golden encodeTile's words), one line each after a start line per
 * tile, then a flush line. in {start, flush, hdr_n, shift, bits from the slot's first bit}; expected on
 * every slot: slot_len (the sum of its levels' lengths, golden recordLevels), more, last, no error flag,
 * pix_valid of the slot before (the one in the X registers); two lines after a slot with a top level
 * (the line after its commit), that record's plan (golden planPixel, contexts by updateContext): modes,
 * values (CTX index, RAW value, DCT coefficient), mask. Out layout {slot_len, more, last, pix_valid,
 * mode_ctx, mode_raw, [mode_dct], value, [mask], err_nodct, err_escape, [err_width], err_value}.
 */
export function decParse(d: Derived, tiles: ParseTile[]): ParseVectors {
  const w = decWidths(d);
  const { channels: C, dctSize: N } = d.cfg;
  const inw = 2 + 16 + 4 + w.SLOTMAX;
  const nb = w.NB;
  const fields: [string, number][] = [
    ['slot_len', w.LENW],
    ['more', 1],
    ['last', 1],
    ['pix_valid', 1],
    ['mode_ctx', nb],
    ['mode_raw', nb],
    ...(w.dct ? ([['mode_dct', nb]] as [string, number][]) : []),
    ['value', C * w.VW],
    ...(w.dct ? ([['mask', C]] as [string, number][]) : []),
    ['errs', w.dct ? 4 : 3],
  ];
  const outw = fields.reduce((a, [, n]) => a + n, 0);
  const inLines: string[] = [];
  const expLines: string[] = [];
  let slots = 0;
  const hex = (v: bigint, bits: number) => v.toString(16).padStart(Math.ceil(bits / 4), '0');
  const mask = (bits: number) => (1n << BigInt(bits)) - 1n;
  const expLine = (val: Record<string, bigint>, care: Record<string, bigint>) => {
    let e = 0n;
    let m = 0n;
    for (const [name, bitsOf] of fields) {
      e = (e << BigInt(bitsOf)) | ((val[name] ?? 0n) & mask(bitsOf));
      m = (m << BigInt(bitsOf)) | ((care[name] ?? 0n) & mask(bitsOf));
    }
    return hex((m << BigInt(outw)) | e, 2 * outw);
  };
  // A record's modes, values and mask come from the P7 registers, set when its top-level slot is
  // committed: with the next slot's step (so on the line after that one) or, for a tile's last slot,
  // by the flush line after the tile (so on the next start line).
  const pixelOf = (plan: ReturnType<typeof newPlan>) => {
    const next = { val: {} as Record<string, bigint>, care: {} as Record<string, bigint> };
    for (const [name, mode] of [
      ['mode_ctx', MODE_CTX],
      ['mode_raw', MODE_RAW],
      ['mode_dct', MODE_DCT],
    ] as [string, number][]) {
      let m = 0n;
      for (let b = nb - 1; b >= 0; b--) m = (m << 1n) | (plan.modes[b] === mode ? 1n : 0n);
      next.val[name] = m;
      next.care[name] = mask(nb);
    }
    let v = 0n;
    let mk = 0n;
    for (let c = C - 1; c >= 0; c--) {
      const mode = plan.modes[Math.floor(c / N)];
      const x = mode === MODE_CTX || mode === MODE_RAW ? plan.index[c] : mode === MODE_DCT ? plan.coef[c] : 0;
      v = (v << BigInt(w.VW)) | (BigInt(x) & mask(w.VW));
      mk = (mk << 1n) | BigInt(mode === MODE_DCT ? plan.mask[c] : 0);
    }
    next.val.value = v;
    next.care.value = mask(C * w.VW);
    next.val.mask = mk;
    next.care.mask = mask(C);
    return next;
  };
  const withPixel = (val: Record<string, bigint>, care: Record<string, bigint>, px: ReturnType<typeof pixelOf> | null) => {
    if (px) Object.assign(val, px.val), Object.assign(care, px.care);
    return expLine(val, care);
  };
  const lineIn = (start: boolean, flush: boolean, n: number, shift: number, bits: bigint) =>
    hex((BigInt(+start) << BigInt(inw - 1)) | (BigInt(+flush) << BigInt(inw - 2)) | (BigInt(n) << BigInt(inw - 18)) | (BigInt(shift) << BigInt(w.SLOTMAX)) | bits, inw);
  let prevLast: ReturnType<typeof pixelOf> | null = null; // the last tile's last pixel: on the next start line
  for (const t of tiles) {
    const shift = effectiveShift(t.settings);
    const units = encodeTile(d, t.settings, t.pixels, t.npix).units;
    const n = t.npix;
    const ctx = new Uint8Array(C);
    const plans: ReturnType<typeof newPlan>[] = [];
    const levelLen: Int32Array[] = [];
    for (let p = 0; p < n; p++) {
      const plan = newPlan(d);
      planPixel(d, t.settings, ctx, t.pixels, p * C, p, plan);
      const lb = new Int32Array(LEVELS);
      recordLevels(d, plan, lb);
      levelLen.push(lb);
      updateContext(d, shift, plan, ctx);
      plans.push(plan);
    }
    // the pixel committed with slot q's commit (none before the first top level)
    const pixAt = (q: number) => (q >= DRAIN_SLOTS ? pixelOf(plans[q - DRAIN_SLOTS]) : null);
    inLines.push(lineIn(true, false, n, shift, 0n));
    // a start line checks the previous tile's last pixel (nothing else)
    expLines.push(withPixel({}, {}, prevLast));
    let pos = TILE_HEADER_BITS;
    const T = tileSlots(n);
    for (let s = 0; s < T; s++) {
      let len = 0;
      for (let k = 0; k < LEVELS; k++) {
        const r = s - LEVEL_OFFSETS[k];
        if (r >= 0 && r < n) len += levelLen[r][k];
      }
      let bits = 0n;
      for (let i = 0; i < w.SLOTMAX; i += 32) {
        const at = pos + i;
        const k = Math.min(32, w.SLOTMAX - i);
        const v = at < units.length * 32 ? BigInt(getBits(units, at, k) >>> 0) : 0n;
        bits |= v << BigInt(i);
      }
      inLines.push(lineIn(false, false, 0, shift, bits));
      // pix_valid and the error flags are for the slot in the X registers (the line before's)
      const val: Record<string, bigint> = { slot_len: BigInt(len), more: 1n, last: BigInt(+(s === T - 1)), pix_valid: BigInt(+(s >= 1 && s - 1 >= DRAIN_SLOTS)), errs: 0n };
      const care: Record<string, bigint> = { slot_len: mask(w.LENW), more: 1n, last: 1n, pix_valid: 1n, errs: mask(w.dct ? 4 : 3) };
      expLines.push(withPixel(val, care, pixAt(s - 2)));
      slots++;
      pos += len;
    }
    // the flush line commits the last slot (it carries the last record's top level)
    inLines.push(lineIn(false, true, 0, shift, 0n));
    expLines.push(withPixel({ more: 0n, pix_valid: 1n, errs: 0n }, { more: 1n, pix_valid: 1n, errs: mask(w.dct ? 4 : 3) }, pixAt(T - 2)));
    prevLast = pixAt(T - 1);
  }
  // a last start line (of no pixels) checks the last tile's last pixel
  inLines.push(lineIn(true, false, 0, 0, 0n));
  expLines.push(withPixel({}, {}, prevLast));
  return { inLines, expLines, inw, outw, slots };
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
