// gen-rtl's command tree: writes the Verilog of one DCT-CM configuration (every module, the filelist
// <prefix>.f, the FuseSoC core <prefix>.core and manifest.json). Subcommands that need the simulators
// (gen-rtl cosim, sim/cosim-cli.ts)
// are added by the entry point tools/gen-rtl.ts, so generator/ never imports sim/. Bad options exit
// with code 2 and a message naming the constraint, and write nothing.
import { Command, CommanderError, Option } from 'commander';
import { InputError, ParamError, StreamError } from '../golden/errors.js';
import { BUS_WIDTH_MAX, BUS_WIDTH_MIN, BUS_WIDTH_STEP, DEFAULT_BUS_WIDTH_TEXT, POLICIES } from '../golden/params.js';
import { GEN_DEFAULTS, RawOptions, loadConfigFile, resolveConfig } from './config.js';
import { MANIFEST, coreFileName, emit, filelistName } from './emit.js';
import { DEFAULT_PREFIX } from './builders/types.js';
import { GENERATOR_VERSION } from './render.js';

export const DEFAULT_OUT = 'rtl-out';

export function isUserError(e: unknown): e is Error {
  return e instanceof ParamError || e instanceof InputError || e instanceof StreamError;
}

export interface CodecFlags {
  channels?: string;
  dctSize?: string;
  dataWidth?: string;
  signed?: boolean;
  busWidth?: string;
  dctPrecision?: string;
  dct?: boolean;
  prefix?: string;
  defaultPolicy?: string;
  defaultQuantShift?: string;
  config?: string;
}

/** The configuration options of gen-rtl and gen-rtl cosim. No commander defaults: a --config file may set them. */
export function addConfigOptions(cmd: Command, channelsHelp: string): Command {
  return cmd
    .option('--channels <n>', channelsHelp)
    .option('--dct-size <n>', 'DCT length N, channels per block: 4, 8, 16 or 32 (default: 8)')
    .option('--data-width <bits>', 'bits per activation W, 4..16 (default: 8)')
    .option('--signed', 'activations are two\'s complement (default: unsigned)')
    .option('--no-signed', 'activations are unsigned (overrides "signed" in --config)')
    .option('--bus-width <bits>', `compressed word width B, a multiple of ${BUS_WIDTH_STEP} from ${BUS_WIDTH_MIN} to ${BUS_WIDTH_MAX} (default: ${DEFAULT_BUS_WIDTH_TEXT})`)
    .option('--dct-precision <bits>', 'fractional bits P of the integer DCT matrix, 8..16 (default: 12)')
    .option('--dct', 'build the DCT mode: the forward DCT in the encoder, the inverse in the decoder (default)')
    .option(
      '--no-dct',
      'build without the DCT mode (overrides "dct" in --config): smaller cores; the encoder never codes DCT blocks (policy dct is invalid, cfg_policy 2 codes lossless), the decoder rejects them (error NO_DCT) and tiles carry the no-DCT tag',
    )
    .option(
      '--prefix <name>',
      `start of every module and file name, a Verilog identifier prefix (letters, digits, _; not a digit first), so cores of two configurations can share one design (default: ${DEFAULT_PREFIX})`,
    )
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
    .option('--config <file.json>', 'JSON object of these options, keys camelCase or kebab-case, values of JSON types: numbers, true/false, policy strings (e.g. {"channels": 64, "dct-size": 8, "signed": true}); command-line options override it');
}

export function rawOf(o: CodecFlags): RawOptions {
  return {
    channels: o.channels,
    dctSize: o.dctSize,
    dataWidth: o.dataWidth,
    signed: o.signed,
    busWidth: o.busWidth,
    dctPrecision: o.dctPrecision,
    dct: o.dct,
    prefix: o.prefix,
    defaultPolicy: o.defaultPolicy,
    defaultQuantShift: o.defaultQuantShift,
  };
}

function generate(o: CodecFlags & { out: string }): void {
  const file = o.config ? loadConfigFile(o.config) : {};
  const gc = resolveConfig(rawOf(o), file);
  const out = emit(gc, o.out);
  process.stdout.write(`gen-rtl: wrote ${out.files.size} files to ${o.out} (${out.modules.length} modules, ${filelistName(gc.prefix)}, ${coreFileName(gc.prefix)}, ${MANIFEST})\n`);
}

/** A subcommand built by another layer; an async action leaves its exit code in state.code. */
export type Subcommand = (state: { code: number }) => Command;

/** The command tree; a subcommand's run leaves its exit code in state.code. */
export function program(state: { code: number } = { code: 0 }, extra: Subcommand[] = []): Command {
  const p = new Command('gen-rtl')
    .description(
      'Generate synthesizable Verilog-2005 for DCT-CM feature-map compression: encoder, decoder and DCT cores of one configuration, the filelist <prefix>.f (dctcm.f by default; dependency order), the FuseSoC core <prefix>.core and manifest.json.',
    )
    .version(GENERATOR_VERSION)
    .enablePositionalOptions()
    .showHelpAfterError();
  addConfigOptions(p, 'values per pixel vector C, 1..4096, a multiple of --dct-size (required, here or in --config)')
    .option(
      '--out <dir>',
      "output folder: a new or empty folder, or gen-rtl's earlier output, whose files (only those its manifest.json lists) are replaced; any other file there stops gen-rtl with nothing written",
      DEFAULT_OUT,
    )
    .action((o: CodecFlags & { out: string }) => generate(o));

  for (const sub of extra) p.addCommand(sub(state));
  return p;
}

export async function main(argv: string[], extra: Subcommand[] = []): Promise<number> {
  const state = { code: 0 };
  const p = program(state, extra);
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
