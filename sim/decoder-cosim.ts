// Co-simulation of dctcm_decoder against the golden model: encode with encodeTile, decode with the
// RTL (sim/tb/decoder_tb.v.hbs on Icarus or Verilator), compare every beat with decodeTile.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { Derived, TileSettings } from '../golden/params.js';
import { encodeTile } from '../golden/tile.js';
import { buildDecoder } from '../generator/builders/decoder.js';
import { ROOT } from '../generator/render.js';
import { Simulator, simulate } from './run.js';
import { StreamTile, writeDecoderVectors } from './decoder-vectors.js';

export interface DecoderRunOptions {
  workDir: string;
  seed: number;
  gapPct: number;
  stallPct: number;
  log?: boolean; // print every beat / tlast / error event (see parseDecoderLog)
  maxCycles?: number;
  depthIn?: number; // bench memory depths (words, beats)
  depthOut?: number;
  /** Module prefix of the generated RTL (gen-rtl --prefix); the bench instantiates the top by its name. */
  prefix?: string;
}

export interface DecoderRunResult {
  ok: boolean;
  message: string;
  cycles: number;
  pixels: number;
  beats: number;
  output: string;
}

/** Renders the testbench for a configuration. */
export function renderDecoderTb(d: Derived, depthIn: number, depthOut: number, top: string): string {
  const c = d.cfg;
  const tpl = Handlebars.compile(readFileSync(join(ROOT, 'sim', 'tb', 'decoder_tb.v.hbs'), 'utf8'), { strict: true, noEscape: true });
  return tpl({
    name: 'decoder_tb',
    top,
    config: `channels ${c.channels}, dct size ${c.dctSize}, data width ${c.dataWidth}, ${c.signed ? 'signed' : 'unsigned'}, bus ${c.busWidth}, precision ${c.dctPrecision}`,
    B: c.busWidth,
    PW: c.channels * c.dataWidth,
    depthIn,
    depthOut,
  });
}

/** Writes the decoder's RTL and the bench into dir; returns the file list (dependency order). */
export function writeDecoderSources(d: Derived, dir: string, depthIn: number, depthOut: number, prefix?: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const modules = buildDecoder(d, prefix);
  for (const m of modules) {
    const f = join(dir, `${m.name}.v`);
    writeFileSync(f, m.text);
    files.push(f);
  }
  const tb = join(dir, 'decoder_tb.v');
  writeFileSync(tb, renderDecoderTb(d, depthIn, depthOut, modules[modules.length - 1].name));
  files.push(tb);
  return files;
}

/** Runs a sequence of tiles (any words) through the RTL decoder. */
export async function runDecoderStream(d: Derived, tiles: StreamTile[], sim: Simulator, o: DecoderRunOptions): Promise<DecoderRunResult & { nexp: number }> {
  const dir = resolve(o.workDir);
  mkdirSync(dir, { recursive: true });
  const vec = writeDecoderVectors(d, dir, tiles);
  const depthIn = o.depthIn ?? Math.max(vec.nin, 1);
  const depthOut = o.depthOut ?? Math.max(vec.nexp, 1);
  const files = writeDecoderSources(d, dir, depthIn, depthOut, o.prefix);
  const plusargs = [
    `+in=${vec.inFile}`,
    `+nin=${vec.nin}`,
    `+seed=${o.seed}`,
    `+gap_pct=${o.gapPct}`,
    `+stall_pct=${o.stallPct}`,
    `+max_cycles=${o.maxCycles ?? 200 * (vec.nin + vec.nexp) + 20000}`,
  ];
  if (o.log) plusargs.push('+log=1');
  else plusargs.push(`+exp=${vec.expFile}`, `+nexp=${vec.nexp}`);
  const r = await simulate(sim, { files, top: 'decoder_tb', workDir: join(dir, 'run'), plusargs, timeoutMs: 600_000 });
  const pass = /^PASS beats=(\d+) cycles=(\d+) pixels=(\d+)/m.exec(r.output);
  const bad = /^(MISMATCH.*|FAIL.*|ERROR.*)$/m.exec(r.output);
  return {
    ok: r.ok,
    message: pass && r.ok ? pass[0] : bad ? bad[1] : r.output.split('\n').slice(-30).join('\n'),
    cycles: pass ? Number(pass[2]) : 0,
    pixels: pass ? Number(pass[3]) : 0,
    beats: pass ? Number(pass[1]) : 0,
    output: r.output,
    nexp: vec.nexp,
  };
}

/** Splits npix pixel vectors into tiles of tilePixels and encodes each with the golden model. */
export function encodeTiles(d: Derived, settings: TileSettings, pixels: ArrayLike<number>, npix: number, tilePixels: number): StreamTile[] {
  const C = d.cfg.channels;
  const tiles: StreamTile[] = [];
  for (let p = 0; p < npix; p += tilePixels) {
    const n = Math.min(tilePixels, npix - p);
    tiles.push({ units: encodeTile(d, settings, pixels, n, p * C).units });
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

/** Events of a +log=1 run, per case (segments between resets). */
export interface DecoderCaseLog {
  beats: bigint[]; // {tlast, pixel}
  tlastCycles: number[];
  errorCycle: number; // -1 when no error rose
  errorCode: number;
  finalError: number; // error at the end of the case
  finalCode: number;
}

export function parseDecoderLog(output: string): DecoderCaseLog[] {
  const cases: DecoderCaseLog[] = [];
  let cur: DecoderCaseLog = { beats: [], tlastCycles: [], errorCycle: -1, errorCode: 0, finalError: 0, finalCode: 0 };
  for (const line of output.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^B ([0-9a-fA-F]+)$/.exec(line))) cur.beats.push(BigInt('0x' + m[1]));
    else if ((m = /^T (\d+)$/.exec(line))) cur.tlastCycles.push(Number(m[1]));
    else if ((m = /^E (\d+) (\d+)$/.exec(line))) {
      cur.errorCycle = Number(m[1]);
      cur.errorCode = Number(m[2]);
    } else if ((m = /^CASE error=(\d+) code=(\d+)$/.exec(line))) {
      cur.finalError = Number(m[1]);
      cur.finalCode = Number(m[2]);
      cases.push(cur);
      cur = { beats: [], tlastCycles: [], errorCycle: -1, errorCode: 0, finalError: 0, finalCode: 0 };
    }
  }
  return cases;
}
