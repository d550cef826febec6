// What an integrator must know about one configuration, for manifest.json's "integration" section and
// docs/RTL.md ("Integrating the cores"). Every number comes from the golden model's bounds
// (golden/bounds.ts) or from the builders; the texts say where each fact is checked.
import { recordBitsMax } from '../golden/bounds.js';
import { Derived, POLICIES, TILE_HEADER_BITS } from '../golden/params.js';
import { decoderRate } from './builders/decoder.js';
import { encoderRate, encoderSettings } from './builders/encoder.js';

/** A configuration's integration facts (JSON-ready). */
export function integrationFacts(d: Derived): Record<string, unknown> {
  const { channels: C, dctSize: N, dataWidth: W, busWidth: B } = d.cfg;
  const policies = POLICIES.filter((p) => p !== 'dct' || d.cfg.dct); // a no-DCT build has no dct policy
  const recordBits = Object.fromEntries(policies.map((p) => [p, recordBitsMax(d, p)]));
  const tileWords = Object.fromEntries(
    policies.map((p) => [p, `ceil((${TILE_HEADER_BITS} + P * ${recordBitsMax(d, p)}) / ${B}) + 1`]),
  );
  const settings = encoderSettings(d);
  return {
    throughput: {
      rule: 'cycles per pixel are about max(1, compressed bits per pixel / B) plus a few cycles per tile; measured figures in docs/RTL.md',
      encoder: encoderRate(d),
      decoder: decoderRate(d),
    },
    worstCase: {
      rawPixelBits: C * W,
      recordBits,
      tileWords,
      note:
        `for a tile of P pixels: the ${TILE_HEADER_BITS}-bit header, the P records' bits (in P + 29 slots) and zero padding to a ${B}-bit word, then the trailer word. ` +
        `A RAW record is C*W + 3*C/N = ${recordBitsMax(d, 'lossless')} bits, more than the raw pixel: incompressible tiles exceed the raw size. ` +
        'Adversarial tiles reach these bounds (test/golden/bounds.test.ts)',
    },
    settings: {
      maxQuantShift: settings.maxQuantShift,
      unsupported: settings.unsupported,
      sampled: "cfg_policy, cfg_quant_shift and cfg_tile_pixels are sampled with a tile's first pixel only",
    },
    channels: {
      fewer:
        `a layer with fewer than ${C} channels: put it in channels 0 and up and drive zeros on the rest; they decode to zeros. ` +
        `A block of ${N} zero channels costs 2 bits per pixel (a ZERO block), a zero channel inside a CTX block 1 bit ` +
        '(test/golden/padding.test.ts)',
      more: `a layer with more than ${C} channels: code it as groups of ${C} channels, each group its own tiles (tiles are independent)`,
    },
    fifo:
      "the decoder takes no word after a tile's tlast word until that tile has ended, so wired directly to the encoder it stalls the encoder at " +
      'every tile boundary; the encoder\'s two-word output slice absorbs part of that stall and a FIFO of 4 to 8 words most of the rest ' +
      '(measured in test/rtl/prefix-pair.test.ts, docs/RTL.md); a 1-word FIFO that cannot take a word while full is slower than none. ' +
      'Neither core has a combinational input-to-output path, so no combinational loop forms either way',
  };
}
