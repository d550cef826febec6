// A CodecConfig from its six build-time values, positionally, for the tests' tables.
import { CodecConfig } from '../../golden/params.js';

export const cfgOf = (C: number, N: number, W: number, signed: boolean, B: number, P = 12): CodecConfig => ({
  channels: C,
  dctSize: N,
  dataWidth: W,
  signed,
  busWidth: B,
  dctPrecision: P,
});
