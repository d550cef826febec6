// Co-simulation of dctcm_decoder against the golden model: any tile sequence (golden encodeTile, or
// mutated words) goes through the RTL (sim/tb/decoder_tb.v.hbs on Icarus or Verilator, through
// sim/bench.ts), and every beat, tuser and tlast included, is compared with decodeTileStatus's.
import { Derived, TileSettings } from '../golden/params.js';
import { encodeTile } from '../golden/tile.js';
import { buildDecoder } from '../generator/builders/decoder.js';
import { STATUS_CODE_BITS, TUSER_BITS } from '../generator/builders/dec_common.js';
import { GENERATOR_VERSION } from '../generator/render.js';
import { Simulator } from './run.js';
import { Verdict, corruptLine, runBench, writeBench, writeVectors } from './bench.js';
import { StreamTile, TileVerdict, decoderVectors } from './decoder-vectors.js';

export interface DecoderRunOptions {
  workDir: string;
  seed: number;
  gapPct: number;
  stallPct: number;
  maxCycles?: number;
  /** Self-test of the bench: flip bit corruptBit (default 0, a pixel bit) of this expected beat. */
  corruptBeat?: number;
  corruptBit?: number;
  /** Self-test of the bench: expect this sticky error_code at the end instead of the golden one. */
  expectCode?: number;
  /** Module prefix of the generated RTL (gen-rtl --prefix); the bench instantiates the top by its name. */
  prefix?: string;
}

export interface DecoderRunResult extends Verdict {
  nexp: number;
  verdicts: TileVerdict[];
  /** The tile a beat index belongs to (for a mismatch report). */
  tileOfBeat: (beat: number) => number;
}

/** Renders the bench for a configuration and memory depths. */
export function decoderTbContext(d: Derived, depthIn: number, depthOut: number, top: string): object {
  const c = d.cfg;
  return {
    version: GENERATOR_VERSION,
    top,
    config: `channels ${c.channels}, dct size ${c.dctSize}, data width ${c.dataWidth}, ${c.signed ? 'signed' : 'unsigned'}, bus ${c.busWidth}, precision ${c.dctPrecision}`,
    B: c.busWidth,
    PW: c.channels * c.dataWidth,
    UW: TUSER_BITS,
    SCW: STATUS_CODE_BITS,
    depthIn,
    depthOut,
  };
}

/** Runs a sequence of tiles (any words) through the RTL decoder and compares every beat. */
export async function runDecoderStream(d: Derived, tiles: StreamTile[], sim: Simulator, o: DecoderRunOptions): Promise<DecoderRunResult> {
  const vec = decoderVectors(d, tiles);
  const exp = o.corruptBeat === undefined ? vec.expLines : corruptLine(vec.expLines, o.corruptBeat, o.corruptBit);
  const nin = vec.inLines.length;
  const nexp = exp.length;
  const modules = buildDecoder(d, o.prefix);
  const top = modules[modules.length - 1].name;
  const bench = writeBench(o.workDir, modules, 'decoder_tb', decoderTbContext(d, Math.max(nin, 1), Math.max(nexp, 1), top));
  const inFile = writeVectors(bench, 'dec_in.hex', vec.inLines);
  const expFile = writeVectors(bench, 'dec_exp.hex', exp);
  const v = await runBench(
    sim,
    bench,
    [
      `+in=${inFile}`,
      `+nin=${nin}`,
      `+exp=${expFile}`,
      `+nexp=${nexp}`,
      `+exp_code=${o.expectCode ?? vec.firstError}`,
      `+seed=${o.seed}`,
      `+gap_pct=${o.gapPct}`,
      `+stall_pct=${o.stallPct}`,
      `+max_cycles=${o.maxCycles ?? 200 * (nin + nexp) + 20000}`,
    ],
  );
  const tileOfBeat = (beat: number) => {
    let t = 0;
    while (t + 1 < vec.firstBeat.length && vec.firstBeat[t + 1] <= beat) t++;
    return t;
  };
  let message = v.message;
  if (v.mismatchBeat !== null) {
    const t = tileOfBeat(v.mismatchBeat);
    const g = vec.verdicts[t];
    message += `\nbeat ${v.mismatchBeat} is beat ${v.mismatchBeat - vec.firstBeat[t]} of tile ${t} (golden: ${g.errorCode ? `code ${g.errorCode} after ${g.count} pixels, ${g.message}` : `${g.count} pixels`})`;
  }
  return { ...v, message, nexp, verdicts: vec.verdicts, tileOfBeat };
}

/** Splits npix pixel vectors into tiles of tilePixels and encodes each with the golden model. */
export function encodeTiles(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, tilePixels: number): StreamTile[] {
  const tiles: StreamTile[] = [];
  for (let p = 0; p < npix; p += tilePixels) {
    const n = Math.min(tilePixels, npix - p);
    tiles.push({ units: encodeTile(d, settings, pixels, n, p * d.cfg.channels).units });
  }
  return tiles;
}

/** Encodes the pixels with the golden model, then decodes them with the RTL and compares every beat. */
export async function cosimDecoder(
  d: Derived,
  settings: TileSettings,
  pixels: Int32Array,
  npix: number,
  tilePixels: number,
  sim: Simulator,
  opts: { workDir: string; seed: number; gapPct: number; stallPct: number; prefix?: string },
): Promise<{ ok: boolean; message: string; cycles: number; pixels: number; beats: number }> {
  const tiles = encodeTiles(d, settings, pixels, npix, tilePixels);
  const r = await runDecoderStream(d, tiles, sim, opts);
  return { ok: r.ok, message: r.message, cycles: r.cycles, pixels: r.pixels, beats: r.beats };
}
