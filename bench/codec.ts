// Codec benchmark on the real activations: the rate vs SQNR curve of the golden model against simple
// baselines, and the golden model's encode and decode throughput. Prints Markdown to stdout.
//   npm run build && npm run bench:codec            (node dist/bench/codec.js [--data DIR])
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { decodeContainer, encodeTensor } from '../tools/container.js';
import { NPY_DTYPES, Tensor } from '../tools/npy.js';
import { TileSettings } from '../golden/params.js';
import { LayerResult, analyzeTensor, fmtDb, fmtMeanError, fmtRatio, modePercents, resolveConfig, summarize } from '../tools/analyze.js';
import { isUserError, listTensors, loadTensor } from '../tools/dctcm.js';
import { SHARED_DATA } from '../sim/paths.js';

const MODELS = ['resnet50v2', 'squeezenet11'];

interface Run {
  label: string;
  settings: TileSettings;
  wholeTensor?: boolean; // one tile per tensor instead of one per image row: less framing, fewer context restarts
}

const RUNS: Run[] = [
  { label: 'lossless', settings: { policy: 'lossless', quantShift: 0 } },
  { label: 'lossless, tile = tensor', settings: { policy: 'lossless', quantShift: 0 }, wholeTensor: true },
  { label: 'auto s=1', settings: { policy: 'auto', quantShift: 1 } },
  { label: 'auto s=2', settings: { policy: 'auto', quantShift: 2 } },
  { label: 'auto s=3', settings: { policy: 'auto', quantShift: 3 } },
  { label: 'dct s=1', settings: { policy: 'dct', quantShift: 1 } },
  { label: 'auto s=1, tile = tensor', settings: { policy: 'auto', quantShift: 1 }, wholeTensor: true },
  { label: 'auto s=2, tile = tensor', settings: { policy: 'auto', quantShift: 2 }, wholeTensor: true },
  { label: 'auto s=3, tile = tensor', settings: { policy: 'auto', quantShift: 3 }, wholeTensor: true },
];

const SPEED_RUNS: Run[] = [RUNS[0], RUNS[2]];

// Per-tensor shifts under an SQNR floor: the runs a tensor may take, finest first (labels of RUNS), in
// the tools' default tiling (one tile per tensor).
const ALLOC_LEVELS = ['lossless, tile = tensor', 'auto s=1, tile = tensor', 'auto s=2, tile = tensor', 'auto s=3, tile = tensor'];
const ALLOC_FLOOR_DB = 28;

/**
 * A shift per tensor (ALLOC_LEVELS, from the uniform runs' per-tensor results) for the fewest total bits
 * at an aggregate SQNR of at least floorDb: greedy marginal analysis, the step that saves the most bits
 * per unit of added error energy first. It is chosen on the tensors it is scored on: an upper bound of
 * what per-layer settings reach at that SQNR, not a rule for unseen data.
 */
function allocateShifts(levels: LayerResult[][], floorDb: number): { layers: LayerResult[]; counts: number[] } {
  const n = levels[0].length;
  const signal = levels[0].reduce((a, l) => a + l.signal_energy, 0);
  const limit = signal / 10 ** (floorDb / 10);
  const lv = new Array<number>(n).fill(0);
  let err = 0;
  for (;;) {
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < n; i++) {
      if (lv[i] + 1 >= levels.length) continue;
      const [a, b] = [levels[lv[i]][i], levels[lv[i] + 1][i]];
      const saved = a.compressed_bits - b.compressed_bits;
      const added = b.error_energy - a.error_energy;
      if (saved <= 0 || err + added > limit) continue;
      const score = added > 0 ? saved / added : Infinity;
      if (score > bestScore) [best, bestScore] = [i, score];
    }
    if (best < 0) break;
    err += levels[lv[best] + 1][best].error_energy - levels[lv[best]][best].error_energy;
    lv[best]++;
  }
  return { layers: lv.map((l, i) => levels[l][i]), counts: levels.map((_, l) => lv.filter((x) => x === l).length) };
}

function intArg(v: string): number {
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('it must be a positive integer.');
  return Number(v);
}

interface Loaded {
  name: string;
  tensor: Tensor;
  bytes: number; // input bytes (values x dtype bytes)
}

function table(header: string[], rows: string[][], leftCols = 1): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  const sepRow = header.map((_, i) => (i < leftCols ? '---' : '---:'));
  return [line(header), line(sepRow), ...rows.map(line)].join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Encode and decode throughput over all tensors of a model, after one untimed warm-up pass. */
function throughput(tensors: Loaded[], run: Run, repeat: number): { enc: number[]; dec: number[] } {
  const totalBytes = tensors.reduce((a, t) => a + t.bytes, 0);
  const cfgs = tensors.map((t) => resolveConfig(t.tensor, {}));
  const enc: number[] = [];
  const dec: number[] = [];
  let sink = 0;
  for (let pass = 0; pass <= repeat; pass++) {
    const encoded: Uint8Array[] = [];
    const t0 = performance.now();
    tensors.forEach((t, i) => encoded.push(encodeTensor(t.tensor, cfgs[i], run.settings, t.tensor.shape[2]).bytes));
    const t1 = performance.now();
    for (const b of encoded) sink += decodeContainer(b).tensor.data.length;
    const t2 = performance.now();
    if (pass === 0) continue; // warm-up
    enc.push(totalBytes / 1e6 / ((t1 - t0) / 1000));
    dec.push(totalBytes / 1e6 / ((t2 - t1) / 1000));
  }
  if (sink === 0) throw new Error('nothing was decoded');
  return { enc, dec };
}

function benchModel(dataDir: string, model: string, repeat: number, out: (s: string) => void): void {
  const dir = join(dataDir, 'activations', model);
  const sources = listTensors(dir);
  const tensors: Loaded[] = sources.map((s) => {
    const tensor = loadTensor(s.file);
    return { name: s.name, tensor, bytes: (tensor.data.length * NPY_DTYPES[tensor.dtype].bits) / 8 };
  });
  const totalBytes = tensors.reduce((a, t) => a + t.bytes, 0);
  const dtypes = [...new Set(tensors.map((t) => t.tensor.dtype))].join(', ');
  out(`## ${model}\n`);
  out(`${tensors.length} distinct tensors from \`${relative(process.cwd(), join(dir, 'index.json')) || join(dir, 'index.json')}\`, ${(totalBytes / 1e6).toFixed(2)} MB (${dtypes}); `);
  out('default codec configuration per tensor (DCT size 8, data width = dtype bits, default bus width, precision 12), one image row per tile unless the run says otherwise.\n\n');

  const header = ['run', 'ratio', 'SQNR dB', 'max err', 'mean err', 'zero %', 'ctx %', 'raw %', 'dct %', 'zvc', 'entropy0', 'requant', 'requant SQNR dB', 'requant_zvc'];
  const rows: string[][] = [];
  const t0 = performance.now();
  const byRun = new Map<string, LayerResult[]>();
  const runs: { label: string; layers: () => LayerResult[] }[] = RUNS.map((run) => ({
    label: run.label,
    layers: () => {
      const layers = tensors.map((t) => analyzeTensor(t.tensor, t.name, {}, run.settings, run.wholeTensor ? t.tensor.shape[1] * t.tensor.shape[2] : t.tensor.shape[2]));
      byRun.set(run.label, layers);
      return layers;
    },
  }));
  let allocCounts: number[] = [];
  runs.push({
    label: `auto, s per tensor, SQNR >= ${ALLOC_FLOOR_DB} dB, tile = tensor`,
    layers: () => {
      const a = allocateShifts(ALLOC_LEVELS.map((l) => byRun.get(l)!), ALLOC_FLOOR_DB);
      allocCounts = a.counts;
      return a.layers;
    },
  });
  for (const run of runs) {
    const layers = run.layers();
    const s = summarize(layers);
    const b = s.baselines;
    rows.push([
      run.label,
      fmtRatio(s.ratio),
      fmtDb(s.sqnr_db),
      String(s.max_abs_error),
      fmtMeanError(s.mean_error),
      ...modePercents(s.modes).map((p) => p.toFixed(1)),
      fmtRatio(b.zvc.ratio),
      fmtRatio(b.entropy0.ratio),
      fmtRatio(b.requant.ratio),
      fmtDb(b.requant.sqnr_db),
      fmtRatio(b.requant_zvc.ratio),
    ]);
  }
  const analysisSec = (performance.now() - t0) / 1000;
  out(table(header, rows) + '\n\n');
  out(
    `Ratios are total input bits / total bits (codec: whole .dctcm files, headers and padding included); SQNR from summed signal and error energy ` +
      `of the decoded stream, \`inf\` = exact; mean err = mean of decoded - input (the quantizer's bias). Baselines on the same tensors: zvc = 1 mask bit per value + W (data width) bits per non-zero; entropy0 = order-0 ` +
      `entropy bound; requant = requantization at the run's step 2^s at the fixed width of the largest index; requant_zvc = requantized indices ` +
      `with a mask bit each + fixed width per non-zero index. The per-tensor row takes each tensor's result from one of the rows ${ALLOC_LEVELS.join(', ')} ` +
      `(here ${allocCounts.join(', ')} tensors), chosen for the fewest bits at an aggregate SQNR of at least ${ALLOC_FLOOR_DB} dB on these same tensors: a bound, not a rule for other data; its baselines are those of its rows. (${analysisSec.toFixed(1)} s)\n\n`,
  );

  const srows: string[][] = [];
  for (const run of SPEED_RUNS) {
    const r = throughput(tensors, run, repeat);
    srows.push([
      run.label,
      (totalBytes / 1e6).toFixed(2),
      median(r.enc).toFixed(2),
      `${Math.min(...r.enc).toFixed(2)} - ${Math.max(...r.enc).toFixed(2)}`,
      median(r.dec).toFixed(2),
      `${Math.min(...r.dec).toFixed(2)} - ${Math.max(...r.dec).toFixed(2)}`,
    ]);
  }
  out(`Golden-model throughput (single thread, input MB = 10^6 bytes / wall time; one warm-up pass, then median of ${repeat} passes over all ${tensors.length} tensors):\n\n`);
  out(table(['run', 'input MB', 'encode MB/s', 'encode range', 'decode MB/s', 'decode range'], srows) + '\n\n');
}

function main(argv: string[]): number {
  const program = new Command('bench:codec')
    .description('DCT-CM codec benchmark on the real activations: rate vs SQNR against baselines, and golden-model throughput (Markdown on stdout)')
    .option('--data <dir>', 'data folder holding activations/<model>/index.json', SHARED_DATA)
    .option('--models <list>', 'comma-separated models', MODELS.join(','))
    .option('--repeat <n>', 'timed passes per throughput measurement', intArg, 3)
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const o = program.opts<{ data: string; models: string; repeat: number }>();
  if (!existsSync(join(o.data, 'activations'))) {
    process.stderr.write(`bench:codec: ${resolve(o.data)} has no activations/ folder (use --data DIR)\n`);
    return 2;
  }
  const out = (s: string) => process.stdout.write(s);
  const start = performance.now();
  const viaNpm = process.env.npm_lifecycle_event === 'bench:codec';
  const direct = ['node', relative(process.cwd(), fileURLToPath(import.meta.url)) || fileURLToPath(import.meta.url), ...argv].join(' ');
  out('# DCT-CM codec benchmark (golden model)\n\n');
  out(`Command: \`${viaNpm ? `npm run bench:codec${argv.length ? ' -- ' + argv.join(' ') : ''}` : direct}\`${viaNpm ? ` (runs \`${direct}\`)` : ''}\n\n`);
  out(`Data: \`${resolve(o.data)}\`; Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${new Date().toISOString()}\n\n`);
  try {
    for (const m of o.models.split(',').map((x) => x.trim()).filter(Boolean)) benchModel(o.data, m, o.repeat, out);
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`bench:codec: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  out(`Total benchmark time: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
