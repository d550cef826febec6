// gen-rtl cosim: co-simulates the generated encoder and decoder against the golden model on a .npy
// tensor and prints PASS/FAIL, cycles and cycles per pixel. It lives with the simulation code; the
// entry point tools/gen-rtl.ts adds it to generator/cli.ts's command tree.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { InputError, ParamError } from '../golden/errors.js';
import { MAX_TILE_PIXELS, POLICIES, Policy, TileSettings, derive, validateSettings } from '../golden/params.js';
import { NPY_DTYPES, parseNpy, toPixels } from '../tools/npy.js';
import { checkRange } from '../tools/container.js';
import { CodecFlags, addConfigOptions, rawOf } from '../generator/cli.js';
import { RawOptions, loadConfigFile, resolveConfig } from '../generator/config.js';

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
  const tilePixels = o.tilePixels !== undefined ? intOpt('--tile-pixels', o.tilePixels, 1, MAX_TILE_PIXELS) : defaultTilePixels(H, W);
  const opts = {
    seed: intOpt('--seed', o.seed, 0, 2 ** 31 - 1),
    stallPct: intOpt('--stall-pct', o.stallPct, 0, 99),
    gapPct: intOpt('--gap-pct', o.gapPct, 0, 99),
    prefix: gc.prefix,
  };
  const pixels = toPixels(t);
  const sim = o.sim as 'icarus' | 'verilator';
  const { requireTools } = await import('./run.js');
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
      const { cosimEncoder } = await import('./encoder-cosim.js');
      report('encoder', await cosimEncoder(d, settings, pixels, npix, tilePixels, sim, { workDir: join(work, 'encoder'), ...opts }));
    }
    if (o.core !== 'encoder') {
      const { cosimDecoder } = await import('./decoder-cosim.js');
      report('decoder', await cosimDecoder(d, settings, pixels, npix, tilePixels, sim, { workDir: join(work, 'decoder'), ...opts }));
    }
  } finally {
    if (!o.work) rmSync(work, { recursive: true, force: true });
  }
  return failed === 0 ? 0 : 1;
}


export { MAX_TILE_PIXELS };

/**
 * The default tiling (format-v2 design, section 4): one tile per tensor, or for a tensor above
 * MAX_TILE_PIXELS pixels as many whole rows of W pixels as fit (a row longer than that: MAX_TILE_PIXELS).
 */
export function defaultTilePixels(H: number, W: number): number {
  if (H * W <= MAX_TILE_PIXELS) return H * W;
  const rows = Math.floor(MAX_TILE_PIXELS / W);
  return rows >= 1 ? rows * W : MAX_TILE_PIXELS;
}

/** The cosim subcommand; its exit code goes to state.code. */
export function cosimCommand(state: { code: number }): Command {
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
    .option('--tile-pixels <n>', `pixels per tile, 1..${MAX_TILE_PIXELS} (default: the whole tensor, or as many whole rows as fit in ${MAX_TILE_PIXELS} pixels)`)
    .option('--pixels <n>', 'simulate only the first n pixels (default: all H*W)')
    .option('--stall-pct <pct>', 'chance in percent that the sink holds tready low in a cycle, 0..99', '20')
    .option('--gap-pct <pct>', 'chance in percent that the source holds tvalid low in a cycle, 0..99', '20')
    .option('--seed <n>', 'seed of the testbench LFSR', '1')
    .option('--work <dir>', 'keep simulator files in this folder (default: a temporary folder, removed afterwards)')
    .action(async (o: CosimFlags) => {
      state.code = await cosim(o);
    });
  return c;
}
