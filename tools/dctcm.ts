#!/usr/bin/env node
// dctcm: file-level DCT-CM codec on the golden model. encode (.npy -> .dctcm), decode (.dctcm -> .npy),
// analyze (rate, error, mode mix and baselines of one tensor or a folder of them), serve (tools/serve.ts).
// User errors (ParamError, InputError, StreamError, bad options) print `dctcm: <message>` and exit 2,
// and never leave an output file behind: outputs are written to a temporary file and renamed.
import { existsSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { InputError, ParamError, StreamError } from '../golden/errors.js';
import { decodeContainer, defaultTilePixels, encodeTensor, looksLikeDctcm } from './container.js';
import { Tensor, formatNpy, looksLikeNpy, parseNpy } from './npy.js';
import { BUS_WIDTH_MAX, BUS_WIDTH_MIN, BUS_WIDTH_STEP, DEFAULT_BUS_WIDTH_TEXT, DEFAULT_CONFIG, MAX_TILE_PIXELS, POLICIES, Policy, TileSettings } from '../golden/params.js';
import { invokedDirectly } from './entry.js';
import { serveStdio } from './serve.js';
import { GENERATOR_VERSION } from '../generator/render.js';
import { CodecOptions, LayerResult, analyzeTensor, buildReport, formatReport, resolveConfig } from './analyze.js';
import { AnalyzeJob, analyzeInParallel } from './analyze-pool.js';

type UserError = ParamError | InputError | StreamError;

export function isUserError(e: unknown): e is UserError {
  return e instanceof ParamError || e instanceof InputError || e instanceof StreamError;
}

// ---- files ----

/** Reads a whole file; a missing or unreadable file is an InputError naming it. */
export function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message;
    throw new InputError(`${path}: cannot read: ${why}`);
  }
}

/**
 * Writes data to path through a temporary file in the same folder and a rename, so that a reader never
 * sees a partial file and a failure leaves nothing behind.
 */
export function writeAtomic(path: string, data: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never created
    }
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'its folder does not exist' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new InputError(`${path}: cannot write: ${why}`);
  }
}

/** One tensor to analyze: a display name and its .npy path. */
export interface TensorSource {
  name: string;
  file: string;
}

interface IndexEntry {
  layer?: unknown;
  file?: unknown;
  shared_with?: unknown;
}

function walkNpy(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, ent.name);
      if (ent.isDirectory()) visit(p);
      else if (ent.isFile() && ent.name.endsWith('.npy')) out.push(p);
    }
  };
  visit(dir);
  return out.sort((a, b) => (relative(dir, a) < relative(dir, b) ? -1 : relative(dir, a) > relative(dir, b) ? 1 : 0));
}

/**
 * The tensors under path: the file itself; a folder's index.json entries (each file once, named after the
 * entry that owns it, the one without shared_with); or every .npy below the folder, sorted by path.
 * Layer names that repeat (the same layer for several images) are prefixed with the file's folder.
 */
export function listTensors(path: string): TensorSource[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or folder`);
  }
  if (st.isFile()) return [{ name: basename(path).replace(/\.npy$/, ''), file: path }];
  const indexPath = join(path, 'index.json');
  if (existsSync(indexPath)) {
    let entries: IndexEntry[];
    try {
      const j = JSON.parse(new TextDecoder().decode(readInput(indexPath)));
      entries = j?.entries;
    } catch (e) {
      if (isUserError(e)) throw e;
      throw new InputError(`${indexPath}: not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(entries)) throw new InputError(`${indexPath}: has no "entries" array`);
    const byFile = new Map<string, { layer: string; file: string; rel: string; owner: boolean }>();
    entries.forEach((e, i) => {
      if (typeof e?.file !== 'string' || typeof e?.layer !== 'string') {
        throw new InputError(`${indexPath}: entry ${i} lacks a string "file" or "layer"`);
      }
      const file = resolve(path, e.file);
      const owner = e.shared_with === null || e.shared_with === undefined;
      const had = byFile.get(file);
      if (had === undefined) byFile.set(file, { layer: e.layer, file, rel: e.file, owner });
      else if (owner && !had.owner) byFile.set(file, { ...had, layer: e.layer, owner }); // keep first position
    });
    if (byFile.size === 0) throw new InputError(`${indexPath}: lists no tensors`);
    const list = [...byFile.values()];
    const seen = new Map<string, number>();
    for (const x of list) seen.set(x.layer, (seen.get(x.layer) ?? 0) + 1);
    return list.map((x) => {
      const folder = dirname(x.rel);
      const name = seen.get(x.layer)! > 1 && folder !== '.' ? `${folder.split(sep).join('/')}/${x.layer}` : x.layer;
      return { name, file: x.file };
    });
  }
  const files = walkNpy(path);
  if (files.length === 0) throw new InputError(`${path}: no .npy files below this folder`);
  return files.map((f) => ({ name: relative(path, f).split(sep).join('/').replace(/\.npy$/, ''), file: f }));
}

export function loadTensor(file: string): Tensor {
  const bytes = readInput(file);
  if (looksLikeDctcm(bytes)) throw new InputError(`${file}: this is a .dctcm file, not a .npy file: use \`dctcm decode\` to decompress it`);
  return parseNpy(bytes, file);
}

// ---- progress ----

function progressEnabled(flag: boolean | undefined): boolean {
  return flag === true || process.stderr.isTTY === true;
}

/** Percentage of tiles done on stderr: rewritten in place on a terminal, one line per 10% otherwise. */
function tileProgress(enabled: boolean, label: string): { tick: (done: number, total: number) => void; end: () => void } {
  let last = -1;
  const tty = process.stderr.isTTY === true;
  return {
    tick(done, total) {
      if (!enabled) return;
      const pct = Math.floor((done * 100) / total);
      // a terminal line is rewritten at every percent; a log gets a line every 10% (and at 100%)
      const step = tty ? pct : Math.floor(pct / 10);
      if (step === last) return;
      last = step;
      process.stderr.write(`${tty ? '\r' : ''}${label}: ${pct}% (${done}/${total} tiles)${tty ? '' : '\n'}`);
    },
    end() {
      if (enabled && tty && last >= 0) process.stderr.write('\n');
    },
  };
}

// ---- options ----

function intArg(v: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new InvalidArgumentError('it must be an integer.');
  return Number(v);
}

function positiveIntArg(v: string): number {
  const n = intArg(v);
  if (n < 1) throw new InvalidArgumentError('it must be a positive integer.');
  return n;
}

interface CodecCliOptions {
  dctSize: number;
  dataWidth?: number;
  busWidth?: number;
  dctPrecision: number;
  dct: boolean;
  policy: Policy;
  quantShift: number;
  tilePixels?: number;
  progress?: boolean;
}

function addCodecOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dct-size <n>', 'channels per block and DCT length: 4, 8, 16 or 32').argParser(intArg).default(DEFAULT_CONFIG.dctSize))
    .addOption(
      new Option('--data-width <bits>', "bits per activation, 4..16, at most the dtype's (default: the input dtype's bits, 8 for uint8/int8, 16 for uint16/int16)").argParser(intArg),
    )
    .addOption(
      new Option('--bus-width <bits>', `compressed word width, a multiple of ${BUS_WIDTH_STEP} from ${BUS_WIDTH_MIN} to ${BUS_WIDTH_MAX} (default: ${DEFAULT_BUS_WIDTH_TEXT})`).argParser(
        intArg,
      ),
    )
    .addOption(new Option('--dct-precision <bits>', 'fractional bits of the integer DCT matrix, 8..16').argParser(intArg).default(DEFAULT_CONFIG.dctPrecision))
    .addOption(new Option('--dct', 'code for a build with the DCT mode (default)').default(DEFAULT_CONFIG.dct))
    .addOption(
      new Option('--no-dct', 'code for a build without the DCT mode (gen-rtl --no-dct): auto chooses among zero/ctx/raw, policy dct is invalid, tiles carry the no-DCT tag'),
    )
    .addOption(
      new Option('--policy <policy>', 'mode policy: lossless (exact), auto (cheapest of zero/ctx/raw/dct at step 2^s), dct (forced DCT for non-zero blocks)')
        .choices(POLICIES)
        .default('lossless'),
    )
    .addOption(new Option('--quant-shift <s>', 'quantization step 2^s of the lossy modes, 0..min(15, data width - 1); only with --policy auto or dct').argParser(intArg).default(0))
    .addOption(
      new Option('--tile-pixels <n>', `pixels per tile, 1..${MAX_TILE_PIXELS} (default: the whole tensor in one tile, or as many whole rows as fit in ${MAX_TILE_PIXELS} pixels)`).argParser(intArg),
    )
    .addOption(new Option('--progress', 'report progress on stderr (default: only when stderr is a terminal)'));
}

function codecOptions(o: CodecCliOptions): CodecOptions {
  return { dctSize: o.dctSize, dataWidth: o.dataWidth, busWidth: o.busWidth, dctPrecision: o.dctPrecision, dct: o.dct };
}

function settingsOf(o: CodecCliOptions): TileSettings {
  return { policy: o.policy, quantShift: o.quantShift };
}

/** Prefixes a user error's message with the file it concerns (unless it already names it). */
function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isUserError(e) && !e.message.startsWith(file)) e.message = `${file}: ${e.message}`;
    throw e;
  }
}

// ---- commands ----

function cmdEncode(input: string, o: CodecCliOptions & { output: string }): void {
  const t = loadTensor(input);
  const cfg = inFile(input, () => resolveConfig(t, codecOptions(o)));
  const tp = o.tilePixels ?? defaultTilePixels(t.shape[1], t.shape[2]);
  const prog = tileProgress(progressEnabled(o.progress), `encode ${basename(input)}`);
  let res;
  try {
    res = inFile(input, () => encodeTensor(t, cfg, settingsOf(o), tp, prog.tick));
  } finally {
    prog.end();
  }
  writeAtomic(o.output, res.bytes);
  const inBits = t.data.length * cfg.dataWidth;
  process.stdout.write(
    `${input} -> ${o.output}: ${res.bytes.length} bytes in ${res.tiles} tiles, ratio ${(inBits / (res.bytes.length * 8)).toFixed(3)} ` +
      `(${t.shape.join('x')} ${t.dtype}, policy ${o.policy}, quant shift ${o.quantShift})\n`,
  );
}

function cmdDecode(input: string, o: { output: string; progress?: boolean }): void {
  const bytes = readInput(input);
  if (looksLikeNpy(bytes)) throw new InputError(`${input}: this is a .npy file, not a .dctcm file: use \`dctcm encode\` to compress it`);
  const prog = tileProgress(progressEnabled(o.progress), `decode ${basename(input)}`);
  let dec;
  try {
    dec = inFile(input, () => decodeContainer(bytes, prog.tick));
  } finally {
    prog.end();
  }
  writeAtomic(o.output, formatNpy(dec.tensor));
  process.stdout.write(`${input} -> ${o.output}: ${dec.tensor.shape.join('x')} ${dec.tensor.dtype} from ${dec.info.tiles} tiles\n`);
}

/** One tensor of `analyze` (run in a worker thread for a folder): its file read, analyzed, errors naming it. */
export function analyzeSource(src: TensorSource, job: AnalyzeJob): LayerResult {
  const t = loadTensor(src.file);
  return inFile(src.file, () => analyzeTensor(t, src.name, job.cfg, job.settings, job.tilePixels));
}

async function cmdAnalyze(path: string, o: CodecCliOptions & { json?: boolean; jobs?: number }): Promise<void> {
  const sources = listTensors(path);
  const progress = progressEnabled(o.progress);
  const job: AnalyzeJob = { cfg: codecOptions(o), settings: settingsOf(o), tilePixels: o.tilePixels };
  // Progress as tensors finish (in any order when they run in parallel).
  const done = (i: number) => progress && process.stderr.write(`[${i + 1}/${sources.length}] ${sources[i].name}\n`);
  const threads = Math.min(o.jobs ?? availableParallelism(), sources.length);
  let layers: LayerResult[] = [];
  if (threads > 1) layers = await analyzeInParallel(sources, job, threads, done);
  else {
    sources.forEach((src, i) => {
      layers.push(analyzeSource(src, job));
      done(i);
    });
  }
  const config = {
    dctSize: o.dctSize,
    dataWidth: o.dataWidth ?? 'dtype',
    busWidth: o.busWidth ?? 'default',
    dctPrecision: o.dctPrecision,
    dct: o.dct,
    tilePixels: o.tilePixels ?? 'tensor',
  };
  const report = buildReport(config, settingsOf(o), layers);
  if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(formatReport(report));
}

export function buildProgram(): Command {
  const program = new Command('dctcm');
  program
    .description('DCT-CM feature-map codec on the bit-exact golden model: encode, decode and analyze .npy tensors (C x H x W, uint8/int8/uint16/int16)')
    .exitOverride()
    .showHelpAfterError('(run with --help for the options)')
    .version(GENERATOR_VERSION, '-V, --version', 'print the version');

  addCodecOptions(
    program
      .command('encode')
      .description("compress a C x H x W .npy tensor into a .dctcm file (signedness from the dtype)")
      .argument('<in.npy>', 'input tensor')
      .requiredOption('-o, --output <out.dctcm>', 'output file (required; not written on any error)'),
  ).action((input: string, o) => cmdEncode(input, o));

  program
    .command('decode')
    .description('decompress a .dctcm file into a .npy tensor of the dtype recorded in its header')
    .argument('<in.dctcm>', 'compressed file')
    .requiredOption('-o, --output <out.npy>', 'output file (required; not written on any error)')
    .addOption(new Option('--progress', 'report progress on stderr (default: only when stderr is a terminal)'))
    .action((input: string, o) => cmdDecode(input, o));

  addCodecOptions(
    program
      .command('analyze')
      .description(
        'encode and decode tensors and report ratio, SQNR, max error, mode mix and baselines (zvc, order-0 entropy, requantization, requantization + zvc). ' +
          'PATH is a .npy file or a folder: its index.json entries (each file once) if present, else every .npy below it',
      )
      .argument('<path>', '.npy file or folder'),
  )
    .addOption(new Option('--json', 'print a JSON report { config, settings, total, layers } on stdout (default: an aligned text table)'))
    .addOption(
      new Option('--jobs <n>', 'worker threads analyzing the tensors of a folder, a positive integer (default: the number of cores); same report for any n').argParser(positiveIntArg),
    )
    .action((path: string, o) => cmdAnalyze(path, o));

  program
    .command('serve')
    .description(
      'code tensor after tensor for another program: framed requests on stdin (a JSON header line, then its payload), one answer each on stdout; ' +
        'protocol in docs/SERVE.md. Bad requests get error answers and serving continues; ends when stdin ends',
    )
    .action(() =>
      serveStdio().catch((e) => {
        process.stderr.write(`dctcm serve: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
        process.exitCode = 1;
      }),
    );
  return program;
}


/** Runs the CLI; resolves to the exit code (0 ok, 2 user error, 1 internal error). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed its message
    if (isUserError(e)) {
      process.stderr.write(`dctcm: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`dctcm: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

if (invokedDirectly(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
