// Configuration defaults and validation (golden/params.ts).
import { describe, expect, it } from 'vitest';
import { DCT_SIZES, defaultBusWidth, validateConfig } from '../../golden/params.js';

describe('defaultBusWidth', () => {
  it('is half a raw pixel rounded up to 32 bits, kept within 32..4096', () => {
    expect(defaultBusWidth(8, 4)).toBe(32); // 16 bits -> the narrowest bus
    expect(defaultBusWidth(64, 8)).toBe(256);
    expect(defaultBusWidth(16, 12)).toBe(96);
    expect(defaultBusWidth(1024, 8)).toBe(4096); // C x W = 8192: exactly the widest bus
    expect(defaultBusWidth(1032, 8)).toBe(4096); // C x W = 8256 would round to 4128
    expect(defaultBusWidth(2048, 8)).toBe(4096);
    expect(defaultBusWidth(4096, 16)).toBe(4096);
  });

  it('is a valid bus width for every valid channel count, DCT size and data width', () => {
    for (const N of DCT_SIZES) {
      for (let C = N; C <= 4096; C += N) {
        for (let W = 4; W <= 16; W++) {
          const cfg = { channels: C, dctSize: N, dataWidth: W, signed: false, busWidth: defaultBusWidth(C, W), dctPrecision: 12 };
          expect(() => validateConfig(cfg), JSON.stringify(cfg)).not.toThrow();
        }
      }
    }
  });
});
