// Stimulus and expected output of the encoder testbench (sim/tb/encoder_tb.v.hbs), from the golden model:
// in.hex (one pixel per line: {tile pixels, shift, policy, tlast, pixel}), exp.hex (one output beat per
// line: {tlast, word}) and plan.hex (one pixel per line: {record bits, block modes}, the internal stream
// the bench checks at the record stage so that a mismatch is located, not only detected).
import { Derived, TileSettings } from '../golden/params.js';
import { effectiveShift, encodeTile, newPlan, planPixel, updateContext } from '../golden/tile.js';
import { bitLength } from '../golden/intmath.js';
import { Rng } from './rng.js';

/** One tile of the stimulus: its settings and its pixels (channel-fastest). */
export interface EncoderTile {
  settings: TileSettings;
  pixels: ArrayLike<number>;
  npix: number;
  base?: number; // first value of the tile in pixels (default 0)
  /** Drive s_axis_tlast wrongly on this pixel of the tile (the encoder must flag it and code the tile unchanged). */
  badTlast?: number;
  /** cfg_tile_pixels driven at the first pixel in place of npix (0: the encoder codes 1 pixel and flags it). */
  portCount?: number;
}

export interface EncoderVectors {
  inLines: string[];
  expLines: string[];
  planLines: string[];
  recBitsWidth: number; // width of the record-length field in plan.hex
  expError: boolean; // the encoder's sticky error output at the end (a tile drives a wrong tlast)
}

/** Width of an in.hex line: the pixel, tlast, policy (2), shift (4), tile pixels (16). */
export const inLineBits = (d: Derived): number => d.cfg.channels * d.cfg.dataWidth + 23;

const POLICY_CODE = { lossless: 0, auto: 1, dct: 2 } as const;

function hex(v: bigint, bits: number): string {
  return v.toString(16).padStart(Math.ceil(bits / 4), '0');
}

/**
 * The configuration port value of a tile's first pixel. A lossless tile is driven in one of the ways the
 * encoder must read as lossless (policy 0 with any shift, policy 3, or a lossy policy with an unsupported
 * shift), so the mapping of unsupported values is checked too.
 */
function portSettings(d: Derived, s: TileSettings, rand: () => number): { policy: number; shift: number } {
  if (s.policy !== 'lossless') return { policy: POLICY_CODE[s.policy], shift: s.quantShift };
  const maxShift = Math.min(15, d.cfg.dataWidth - 1);
  const pick = rand() % 3;
  // (without the DCT, policy 2 is unsupported too)
  if (pick === 1) return { policy: d.cfg.dct === false ? 2 + (rand() % 2) : 3, shift: rand() % 16 };
  if (pick === 2 && maxShift < 15) return { policy: 1 + (rand() % 2), shift: maxShift + 1 + (rand() % (15 - maxShift)) };
  return { policy: 0, shift: rand() % 16 };
}

export function encoderVectors(d: Derived, tiles: EncoderTile[], seed = 1): EncoderVectors {
  const { channels: C, dataWidth: W, busWidth: B } = d.cfg;
  const PW = C * W;
  const units = B / 32;
  const gen = new Rng(seed);
  const rand = () => gen.u32();
  const inLines: string[] = [];
  const expLines: string[] = [];
  const planLines: string[] = [];
  const recBitsWidth = bitLength(d.maxEncodedRecordBits);
  const vmask = (1n << BigInt(W)) - 1n;
  let expError = false;
  for (const t of tiles) {
    if (t.npix < 1 || t.npix > 65535) throw new Error(`encoderVectors: a tile of ${t.npix} pixels (1..65535)`);
    const base = t.base ?? 0;
    const port = portSettings(d, t.settings, rand);
    for (let p = 0; p < t.npix; p++) {
      let word = 0n;
      for (let c = C - 1; c >= 0; c--) word = (word << BigInt(W)) | (BigInt(t.pixels[base + p * C + c]) & vmask);
      // configuration is sampled only at a tile's first pixel: drive noise on the others
      const pol = p === 0 ? port.policy : rand() & 3;
      const sh = p === 0 ? port.shift : rand() & 15;
      // the tile length, too, is sampled at the first pixel only
      const n = p === 0 ? (t.portCount ?? t.npix) : rand() & 0xffff;
      if (p === 0 && t.portCount !== undefined && !(t.portCount === t.npix || (t.portCount === 0 && t.npix === 1))) throw new Error('encoderVectors: portCount must be npix, or 0 for one pixel');
      if (p === 0 && t.portCount === 0) expError = true;
      const bad = t.badTlast === p;
      if (bad) expError = true;
      const last = (p === t.npix - 1) !== bad ? 1n : 0n;
      const line = (BigInt(n) << BigInt(PW + 7)) | (BigInt(sh) << BigInt(PW + 3)) | (BigInt(pol) << BigInt(PW + 1)) | (last << BigInt(PW)) | word;
      inLines.push(hex(line, PW + 23));
    }
    const enc = encodeTile(d, t.settings, t.pixels, t.npix, base);
    for (let w = 0; w < enc.words; w++) {
      let word = 0n;
      for (let u = units - 1; u >= 0; u--) word = (word << 32n) | BigInt(enc.units[w * units + u]);
      const last = w === enc.words - 1 ? 1n : 0n;
      expLines.push(hex((last << BigInt(B)) | word, B + 1));
    }
    // the internal stream: record length and block modes per pixel
    const ctx = new Uint8Array(C);
    const plan = newPlan(d);
    const s = effectiveShift(t.settings);
    for (let p = 0; p < t.npix; p++) {
      planPixel(d, t.settings, ctx, t.pixels, base + p * C, p, plan);
      updateContext(d, s, plan, ctx);
      let modes = 0n;
      for (let b = d.blocks - 1; b >= 0; b--) modes = (modes << 2n) | BigInt(plan.modes[b]);
      planLines.push(hex((BigInt(plan.bits) << BigInt(2 * d.blocks)) | modes, recBitsWidth + 2 * d.blocks));
    }
  }
  return { inLines, expLines, planLines, recBitsWidth, expError };
}
