#!/usr/bin/env node
// gen-rtl: writes the Verilog of one DCT-CM configuration (every module, the filelist dctcm.f and
// manifest.json), or co-simulates the generated encoder and decoder against the golden model on a
// .npy tensor (gen-rtl cosim). Bad options exit with code 2 and a message naming the constraint, and
// write nothing.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputError, ParamError, StreamError } from '../golden/errors.js';
import { NPY_DTYPES, parseNpy, toPixels } from '../golden/npy.js';
import { checkRange } from '../golden/container.js';
import { POLICIES, Policy, TileSettings, derive, validateSettings } from '../golden/params.js';
import { GEN_DEFAULTS, RawOptions, loadConfigFile, resolveConfig } from './config.js';
import { emit } from './emit.js';
import { GENERATOR_VERSION } from './render.js';

const DEFAULT_OUT = 'rtl-out';

function isUserError(e: unknown): e is Error {
  return e instanceof ParamError || e instanceof InputError || e instanceof StreamError;
}

interface CodecFlags {
  channels?: string;
  dctSize?: string;
  dataWidth?: string;
  signed?: boolean;
  busWidth?: string;
  dctPrecision?: string;
  defaultPolicy?: string;
  defaultQuantShift?: string;
  config?: string;
}

/** The configuration options of gen-rtl and gen-rtl cosim. No commander defaults: a --config file may set them. */
function addConfigOptions(cmd: Command, channelsHelp: string): Command {
  return cmd
    .option('--channels <n>', channelsHelp)
    .option('--dct-size <n>', 'DCT length N, channels per block: 4, 8, 16 or 32 (default: 8)')
    .option('--data-width <bits>', 'bits per activation W, 4..16 (default: 8)')
    .option('--signed', 'activations are two\'s complement (default: unsigned)')
    .option('--no-signed', 'activations are unsigned (overrides "signed" in --config)')
    .option('--bus-width <bits>', 'compressed word width B, a multiple of 32 from 32 to 4096 (default: max(32, ceil(C*W/2/32)*32), half a raw pixel)')
    .option('--dct-precision <bits>', 'fractional bits P of the integer DCT matrix, 8..16 (default: 12)')
    .addOption(
      new Option(
        '--default-policy <policy>',
        `run-time policy the testbenches and gen-rtl cosim drive on cfg_policy when none is given: ${POLICIES.join(', ')} (default: ${GEN_DEFAULTS.defaultPolicy})`,
      ),
    )
    .option(
      '--default-quant-shift <s>',
      `run-time quantization shift the testbenches and gen-rtl cosim drive on cfg_quant_shift when none is given, 0..min(15, W - 1), 0 with lossless (default: ${GEN_DEFAULTS.defaultQuantShift})`,
    )
    .option('--config <file.json>', 'JSON object of these options, keys camelCase or kebab-case (e.g. {"channels": 64, "dct-size": 8}); command-line options override it');
}

function rawOf(o: CodecFlags): RawOptions {
  return {
    channels: o.channels,
    dctSize: o.dctSize,
    dataWidth: o.dataWidth,
    signed: o.signed,
    busWidth: o.busWidth,
    dctPrecision: o.dctPrecision,
    defaultPolicy: o.defaultPolicy,
    defaultQuantShift: o.defaultQuantShift,
  };
}

function generate(o: CodecFlags & { out: string }): void {
  const file = o.config ? loadConfigFile(o.config) : {};
  const gc = resolveConfig(rawOf(o), file);
  const out = emit(gc, o.out);
  process.stdout.write(`gen-rtl: wrote ${out.files.size} files to ${o.out} (${out.modules.length} modules, dctcm.f, manifest.json)\n`);
}

interface CosimFlags extends CodecFlags {
  npy: string;
  sim: string;
  core: string;
  policy?: string;
  quantShift?: string;
  tilePixels?: string;
  pixels?: string;
  stallPct: string;
  gapPct: string;
  seed: string;
  work?: string;
}

function intOpt(name: string, v: string, lo: number, hi: number): number {
  const n = /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ParamError(`${name} ${v} is out of range: it must be an integer from ${lo} to ${hi}`);
  return n;
}

type CoreResult = { ok: boolean; message: string; cycles: number; pixels: number; beats: number };

async function cosim(o: CosimFlags): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(o.npy);
  } catch (e) {
    throw new InputError(`--npy ${o.npy} cannot be read: ${(e as Error).message}`);
  }
  const t = parseNpy(bytes, o.npy);
  const [C, H, W] = t.shape;
  const dt = NPY_DTYPES[t.dtype];
  // The tensor supplies what the options leave open: channels, data width and signedness.
  const raw = rawOf(o);
  const file = o.config ? loadConfigFile(o.config) : {};
  const fromTensor: RawOptions = { channels: C, dataWidth: dt.bits, signed: dt.signed };
  const gc = resolveConfig(raw, { ...fromTensor, ...file });
  if (gc.codec.channels !== C) throw new ParamError(`--channels ${gc.codec.channels} does not match the tensor's ${C} channels (${o.npy})`);
  const d = derive(gc.codec);
  checkRange(t, d);
  if (!['icarus', 'verilator'].includes(o.sim)) throw new ParamError(`--sim ${o.sim} is not one of icarus, verilator`);
  if (!['encoder', 'decoder', 'both'].includes(o.core)) throw new ParamError(`--core ${o.core} is not one of encoder, decoder, both`);
  if (o.policy !== undefined && !(POLICIES as readonly string[]).includes(o.policy)) throw new ParamError(`--policy ${o.policy} is not one of ${POLICIES.join(', ')}`);
  const settings: TileSettings = {
    policy: (o.policy ?? gc.gen.defaultPolicy) as Policy,
    quantShift: o.quantShift !== undefined ? intOpt('--quant-shift', o.quantShift, 0, 15) : gc.gen.defaultQuantShift,
  };
  validateSettings(gc.codec, settings);
  const npixAll = H * W;
  const npix = o.pixels !== undefined ? intOpt('--pixels', o.pixels, 1, npixAll) : npixAll;
  const tilePixels = o.tilePixels !== undefined ? intOpt('--tile-pixels', o.tilePixels, 1, 1 << 30) : W;
  const opts = {
    seed: intOpt('--seed', o.seed, 0, 2 ** 31 - 1),
    stallPct: intOpt('--stall-pct', o.stallPct, 0, 99),
    gapPct: intOpt('--gap-pct', o.gapPct, 0, 99),
  };
  const pixels = toPixels(t);
  const sim = o.sim as 'icarus' | 'verilator';
  const { requireTools } = await import('../sim/run.js');
  requireTools();
  const work = o.work ?? mkdtempSync(join(tmpdir(), 'gen-rtl-cosim-'));
  process.stdout.write(
    `cosim ${o.npy}: ${npix} of ${npixAll} pixels, ${C} channels, tiles of ${tilePixels} pixels, policy ${settings.policy}, ` +
      `quant shift ${settings.quantShift}, ${sim}, seed ${opts.seed}, stall ${opts.stallPct}%, gap ${opts.gapPct}%\n`,
  );
  let failed = 0;
  const report = (core: string, r: CoreResult) => {
    if (!r.ok) failed++;
    const cpp = r.pixels > 0 ? (r.cycles / r.pixels).toFixed(3) : 'n/a';
    process.stdout.write(
      `${core}: ${r.ok ? 'PASS' : 'FAIL'} cycles=${r.cycles} pixels=${r.pixels} beats=${r.beats} cycles/pixel=${cpp}${r.message && !(r.ok && r.message.startsWith('PASS')) ? `  ${r.message}` : ''}\n`,
    );
  };
  try {
    if (o.core !== 'decoder') {
      const { cosimEncoder } = await import('../sim/encoder-cosim.js');
      report('encoder', await cosimEncoder(d, settings, pixels, npix, tilePixels, sim, { workDir: join(work, 'encoder'), ...opts }));
    }
    if (o.core !== 'encoder') {
      const { cosimDecoder } = await import('../sim/decoder-cosim.js');
      report('decoder', await cosimDecoder(d, settings, pixels, npix, tilePixels, sim, { workDir: join(work, 'decoder'), ...opts }));
    }
  } finally {
    if (!o.work) rmSync(work, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}

/** The command tree; a cosim run leaves its exit code in state.code. */
export function program(state: { code: number } = { code: 0 }): Command {
  const p = new Command('gen-rtl')
    .description(
      'Generate synthesizable Verilog-2005 for DCT-CM feature-map compression: encoder, decoder and DCT cores of one configuration, the filelist dctcm.f (dependency order) and manifest.json.',
    )
    .version(GENERATOR_VERSION)
    .enablePositionalOptions()
    .showHelpAfterError();
  addConfigOptions(p, 'values per pixel vector C, 1..4096, a multiple of --dct-size (required, here or in --config)')
    .option('--out <dir>', 'output folder, replaced atomically; only an empty folder or an earlier gen-rtl output is replaced', DEFAULT_OUT)
    .action((o: CodecFlags & { out: string }) => generate(o));

  const c = new Command('cosim')
    .description(
      'co-simulate the generated encoder and decoder against the golden model on a C x H x W .npy tensor: the encoder must emit the golden stream beat for beat, the decoder must turn the golden stream back into the golden pixels; prints PASS/FAIL, cycles and cycles per pixel of each core (exit 0 only when all pass). --channels, --data-width and --signed default to the tensor\'s shape and dtype',
    )
    .requiredOption('--npy <file>', 'input tensor, C x H x W, uint8/int8/uint16/int16 (required)')
    .addOption(new Option('--sim <simulator>', 'simulator').choices(['icarus', 'verilator']).default('icarus'))
    .addOption(new Option('--core <core>', 'which cores to run').choices(['encoder', 'decoder', 'both']).default('both'));
  addConfigOptions(c, "values per pixel vector C (default: the tensor's C)")
    .option('--policy <policy>', `run-time policy: ${POLICIES.join(', ')} (default: --default-policy)`)
    .option('--quant-shift <s>', 'run-time quantization shift (default: --default-quant-shift)')
    .option('--tile-pixels <n>', "pixels per tile (default: the tensor's W, one image row)")
    .option('--pixels <n>', 'simulate only the first n pixels (default: all H*W)')
    .option('--stall-pct <pct>', 'chance in percent that the sink holds tready low in a cycle, 0..99', '20')
    .option('--gap-pct <pct>', 'chance in percent that the source holds tvalid low in a cycle, 0..99', '20')
    .option('--seed <n>', 'seed of the testbench LFSR', '1')
    .option('--work <dir>', 'keep simulator files in this folder (default: a temporary folder, removed afterwards)')
    .action(async (o: CosimFlags) => {
      state.code = await cosim(o);
    });
  p.addCommand(c);
  return p;
}

export async function main(argv: string[]): Promise<number> {
  const state = { code: 0 };
  const p = program(state);
  p.exitOverride();
  for (const sub of p.commands) sub.exitOverride();
  try {
    await p.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are successes; every other commander error is a usage error (already printed)
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`gen-rtl: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** True when this file is the program being run (node dist/generator/cli.js, or the gen-rtl bin link). */
function invokedDirectly(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`gen-rtl: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
