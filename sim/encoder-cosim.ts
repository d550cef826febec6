// Co-simulation of dctcm_encoder against golden encodeTile: the RTL and the bench
// (sim/tb/encoder_tb.v.hbs) with the vectors of sim/encoder-vectors.ts, run on Icarus or Verilator and
// judged through sim/bench.ts.
import { Derived, TileSettings } from '../golden/params.js';
import { buildEncoder } from '../generator/builders/encoder.js';
import { GENERATOR_VERSION } from '../generator/render.js';
import { Simulator } from './run.js';
import { corruptLine, runBench, writeBench, writeVectors } from './bench.js';
import { EncoderTile, encoderVectors, inLineBits } from './encoder-vectors.js';

export interface CosimOptions {
  workDir: string;
  seed: number;
  gapPct: number;
  stallPct: number;
  /** Self-test of the bench: flip bit 0 of this expected beat (the run must then fail at that beat). */
  corruptBeat?: number;
  /** Self-test of the bench: drop this many expected beats from the end (the run must then fail). */
  dropBeats?: number;
  /** Self-test of the bench: expect one beat more than the encoder sends (the watchdog must fire). */
  extraBeat?: boolean;
  /** Self-test of the bench: expect the error output low whatever the stimulus (the run must then fail). */
  expectNoError?: boolean;
  /** Module prefix of the generated RTL (gen-rtl --prefix); the bench instantiates the top by its name. */
  prefix?: string;
}

export interface CosimResult {
  ok: boolean;
  message: string; // the PASS line, or the first MISMATCH / FAIL lines and the tail of the log
  cycles: number;
  pixels: number;
  beats: number;
}

/** The bench's parameters for one configuration and one set of vectors (sizes are fixed in the bench). */
export function encoderTbContext(d: Derived, pixels: number, beats: number, recBitsWidth: number, top: string): object {
  const MW = 2 * d.blocks;
  return {
    version: GENERATOR_VERSION,
    top,
    PW: d.cfg.channels * d.cfg.dataWidth,
    INW: inLineBits(d),
    B: d.cfg.busWidth,
    NPIX: pixels,
    NBEATS: beats,
    MW,
    RBW: recBitsWidth,
    PLW: MW + recBitsWidth,
    IDLE_LIMIT: 2000,
  };
}

/** Runs the bench on explicit tiles (each with its own settings). */
export async function cosimEncoderTiles(d: Derived, tiles: EncoderTile[], sim: Simulator, opts: CosimOptions): Promise<CosimResult> {
  const v = encoderVectors(d, tiles, opts.seed);
  let exp = v.expLines;
  if (opts.corruptBeat !== undefined) exp = corruptLine(exp, opts.corruptBeat);
  if (opts.dropBeats) exp = exp.slice(0, exp.length - opts.dropBeats);
  if (opts.extraBeat) exp = [...exp, exp[exp.length - 1]];
  const modules = buildEncoder(d, opts.prefix);
  const top = modules[modules.length - 1].name;
  const bench = writeBench(opts.workDir, modules, 'encoder_tb', encoderTbContext(d, v.inLines.length, exp.length, v.recBitsWidth, top));
  const r = await runBench(sim, bench, [
    `+in=${writeVectors(bench, 'in.hex', v.inLines)}`,
    `+exp=${writeVectors(bench, 'exp.hex', exp)}`,
    `+plan=${writeVectors(bench, 'plan.hex', v.planLines)}`,
    `+seed=${opts.seed}`,
    `+gap_pct=${opts.gapPct}`,
    `+stall_pct=${opts.stallPct}`,
    `+exp_error=${v.expError && !opts.expectNoError ? 1 : 0}`,
  ]);
  return { ok: r.ok, message: r.message, cycles: r.cycles, pixels: r.pixels, beats: r.beats };
}

/**
 * Encodes npix pixels as consecutive tiles of tilePixels pixels (the last one shorter; at most 65535, the
 * header's count), all with the same settings, and checks the RTL's output beat for beat.
 */
export async function cosimEncoder(
  d: Derived,
  settings: TileSettings,
  pixels: Int32Array,
  npix: number,
  tilePixels: number,
  sim: Simulator,
  opts: CosimOptions,
): Promise<CosimResult> {
  const tiles: EncoderTile[] = [];
  const C = d.cfg.channels;
  for (let p = 0; p < npix; p += tilePixels) {
    tiles.push({ settings, pixels, npix: Math.min(tilePixels, npix - p), base: p * C });
  }
  return cosimEncoderTiles(d, tiles, sim, opts);
}
