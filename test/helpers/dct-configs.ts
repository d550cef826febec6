// The DCT and IDCT cores' test matrix, shared by the simulation (test/rtl/dct-rtl.test.ts) and the
// Yosys check (test/synth/dct-rtl-synth.test.ts) so both cover the same configurations.
import { CodecConfig } from '../../golden/params.js';

export const DCT_SIZES_TESTED = [4, 8, 16, 32];
const WIDTHS = [4, 8, 12, 16];
const PRECISIONS = [8, 12, 16, 11]; // 8 and 11 reach the s > P left-shift path, 16 the widest constants

/** Every size x width x sign, with the precisions spread over them. */
export const DCT_CONFIGS: CodecConfig[] = [];
for (const N of DCT_SIZES_TESTED) {
  WIDTHS.forEach((W, wi) => {
    for (const signed of [false, true]) {
      const P = PRECISIONS[(wi + (signed ? 1 : 0) + DCT_SIZES_TESTED.indexOf(N)) % PRECISIONS.length];
      DCT_CONFIGS.push({ channels: N, dctSize: N, dataWidth: W, signed, busWidth: 32, dctPrecision: P });
    }
  });
}
