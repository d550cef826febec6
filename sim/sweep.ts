// The configuration matrix every RTL check runs over: co-simulation of both cores on Icarus and
// Verilator, lint, and Yosys synthesis. Together the rows cover channels {8, 16, 64, 128}, DCT size
// {4, 8, 16, 32}, widths {4, 5, 8, 12, 16}, signed and unsigned, and bus widths from one 32-bit unit to
// C*W/2; the tests run every mode policy on each row.
import { CodecConfig, Derived, TileSettings, defaultBusWidth } from '../golden/params.js';

function cfg(channels: number, dctSize: number, dataWidth: number, signed: boolean, busWidth?: number, dct = true): CodecConfig {
  return { channels, dctSize, dataWidth, signed, busWidth: busWidth ?? defaultBusWidth(channels, dataWidth), dctPrecision: 12, dct };
}

export const SWEEP: CodecConfig[] = [
  cfg(8, 4, 4, false), // B = 32: one-unit words
  cfg(16, 8, 8, true),
  cfg(64, 8, 8, false), // the real-tensor configuration (gen-rtl --channels 64)
  cfg(16, 16, 12, false, 64),
  cfg(64, 32, 16, true),
  cfg(128, 16, 12, true),
  cfg(128, 4, 16, false),
  cfg(8, 8, 5, true, 96), // a 3-unit bus, one escape length
];

/**
 * Builds without the DCT (gen-rtl --no-dct), run by the same checks: small rows that cover one-unit and
 * 3-unit buses, signed data, an escape length and the C8 N8 W8 B32 target.
 */
export const SWEEP_NO_DCT: CodecConfig[] = [
  cfg(8, 4, 4, false, 32, false),
  cfg(8, 8, 8, false, 32, false),
  cfg(16, 8, 8, true, 64, false),
  cfg(8, 8, 5, true, 96, false),
];

/** "C64 N8 W8 u B256": the name a configuration has in test titles and logs. */
export const sweepLabel = (c: CodecConfig): string =>
  `C${c.channels} N${c.dctSize} W${c.dataWidth} ${c.signed ? 's' : 'u'} B${c.busWidth}${c.dct === false ? ' nodct' : ''}`;

/** The tile settings the decoder sweeps code their random tiles with. */
export const SWEEP_SETTINGS: TileSettings[] = [
  { policy: 'lossless', quantShift: 0 },
  { policy: 'auto', quantShift: 1 },
  { policy: 'auto', quantShift: 2 },
  { policy: 'dct', quantShift: 0 },
  { policy: 'dct', quantShift: 3 },
];

/** The SWEEP_SETTINGS a build can code: a no-DCT build has no dct policy. */
export const sweepSettings = (d: Derived): TileSettings[] => (d.cfg.dct ? SWEEP_SETTINGS : SWEEP_SETTINGS.filter((s) => s.policy !== 'dct'));
