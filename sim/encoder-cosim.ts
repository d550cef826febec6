// Co-simulation of dctcm_encoder against golden encodeTile: generates the RTL and the bench
// (sim/tb/encoder_tb.v.hbs), writes the vectors (sim/encoder-vectors.ts), runs Icarus or Verilator
// through sim/run.ts and reads the bench's verdict.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { Derived, TileSettings } from '../golden/params.js';
import { buildEncoder } from '../generator/builders/encoder.js';
import { GENERATOR_VERSION, ROOT } from '../generator/render.js';
import { Simulator, simulate } from './run.js';
import { EncoderTile, encoderVectors, writeEncoderVectors } from './encoder-vectors.js';

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

let tbTemplate: Handlebars.TemplateDelegate | undefined;

/** The bench for one configuration and one set of vectors (sizes are fixed in the bench). */
export function renderEncoderTb(d: Derived, pixels: number, beats: number, recBitsWidth: number, top: string): string {
  if (!tbTemplate) {
    const text = readFileSync(join(ROOT, 'sim', 'tb', 'encoder_tb.v.hbs'), 'utf8');
    tbTemplate = Handlebars.create().compile(text, { strict: true, noEscape: true });
  }
  const MW = 2 * d.blocks;
  return tbTemplate({
    version: GENERATOR_VERSION,
    top,
    PW: d.cfg.channels * d.cfg.dataWidth,
    B: d.cfg.busWidth,
    NPIX: pixels,
    NBEATS: beats,
    MW,
    RBW: recBitsWidth,
    PLW: MW + recBitsWidth,
    IDLE_LIMIT: 2000,
  });
}

/** Runs the bench on explicit tiles (each with its own settings). */
export async function cosimEncoderTiles(d: Derived, tiles: EncoderTile[], sim: Simulator, opts: CosimOptions): Promise<CosimResult> {
  // a fresh folder per run: concurrent runs with the same workDir never share vectors or sources
  mkdirSync(resolve(opts.workDir), { recursive: true });
  const dir = mkdtempSync(join(resolve(opts.workDir), 'enc-'));
  const v = encoderVectors(d, tiles, opts.seed);
  if (opts.corruptBeat !== undefined || opts.dropBeats || opts.extraBeat) {
    const lines = v.expHex.trimEnd().split('\n');
    if (opts.corruptBeat !== undefined) {
      const l = lines[opts.corruptBeat];
      lines[opts.corruptBeat] = l.slice(0, -1) + (parseInt(l.slice(-1), 16) ^ 1).toString(16);
    }
    if (opts.dropBeats) lines.splice(lines.length - opts.dropBeats, opts.dropBeats);
    if (opts.extraBeat) lines.push(lines[lines.length - 1]);
    v.expHex = lines.join('\n') + '\n';
    v.beats = lines.length;
  }
  writeEncoderVectors(dir, v);
  const files: string[] = [];
  const modules = buildEncoder(d, opts.prefix);
  for (const m of modules) {
    const f = join(dir, `${m.name}.v`);
    writeFileSync(f, m.text);
    files.push(f);
  }
  const tb = join(dir, 'encoder_tb.v');
  writeFileSync(tb, renderEncoderTb(d, v.pixels, v.beats, v.recBitsWidth, modules[modules.length - 1].name));
  files.push(tb);
  const r = await simulate(sim, {
    files,
    top: 'encoder_tb',
    workDir: dir,
    plusargs: [
      `+in=${join(dir, 'in.hex')}`,
      `+exp=${join(dir, 'exp.hex')}`,
      `+plan=${join(dir, 'plan.hex')}`,
      `+seed=${opts.seed}`,
      `+gap_pct=${opts.gapPct}`,
      `+stall_pct=${opts.stallPct}`,
    ],
  });
  const pass = /^PASS beats=(\d+) cycles=(\d+) pixels=(\d+)/m.exec(r.output);
  if (r.ok && pass) {
    return { ok: true, message: pass[0], beats: Number(pass[1]), cycles: Number(pass[2]), pixels: Number(pass[3]) };
  }
  const lines = r.output.split('\n');
  const verdict = lines.filter((l) => /^(MISMATCH|FAIL|ERROR)/.test(l));
  const message = [...verdict, '--- log tail ---', ...lines.slice(-30)].join('\n');
  return { ok: false, message, cycles: 0, pixels: 0, beats: 0 };
}

/**
 * Encodes npix pixels as consecutive tiles of tilePixels pixels (the last one shorter), all with the
 * same settings, and checks the RTL's output beat for beat.
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
