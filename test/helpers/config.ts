// A CodecConfig from its build-time values, positionally, for the tests' tables (dct: the default, true).
import { CodecConfig } from '../../golden/params.js';

export const cfgOf = (C: number, N: number, W: number, signed: boolean, B: number, P = 12, dct = true): CodecConfig => ({
  channels: C,
  dctSize: N,
  dataWidth: W,
  signed,
  busWidth: B,
  dctPrecision: P,
  dct,
});
