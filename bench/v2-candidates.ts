// Format v2 candidates measured on the real activations (docs/design/format-v2.md): compression ratio
// and the pixels per clock of an idealised decoder (one step per clock, a B-bit bus), per candidate,
// data set view and tiling. Prints Markdown to stdout.
//   npm run build && node dist/bench/v2-candidates.js [--data DIR] [--views LIST]
// The records are v1's (golden planPixel), so the candidates differ only in layout and framing; every
// figure counts headers, trailers, padding and the .dctcm container (36 bytes a file, 4 a tile).
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CodecConfig, Derived, MAX_TILE_PIXELS, TileSettings, defaultBusWidth, derive } from '../golden/params.js';
import { encodeTile, newPlan, planPixel } from '../golden/tile.js';
import { listTensors, loadTensor } from '../tools/dctcm.js';
import { SHARED_DATA } from '../sim/paths.js';
import { bitLength } from '../golden/intmath.js';
import { GROUPING, LEVELS, S_PAY_RAW, S_PAY_REST, SECTIONS, STUDY_GROUPING, TOP, levelBits, levelMaxBits, levelOffsets, recordBitsV1, recordSections, updateContextV2 } from './v2/layout.js';
import { encodeTileV1 } from './v2/v1.js';
import { BusModel, Candidate, PREFIX, SPLIT, TileRecords, V1, bufferWords, staggered, tileWords, v1MaxRecordBits } from './v2/model.js';
import { encodeTileStaggered } from './v2/staggered.js';

const FILE_HEADER_BITS = 36 * 8;
const TILE_COUNT_BITS = 32;
const LOSSLESS: TileSettings = { policy: 'lossless', quantShift: 0 };

interface View {
  key: string;
  label: string;
  model: string;
  group: number; // channels per coded pixel; 0: the tensor's own C (what the dctcm CLI does)
  bus?: number; // bus width; default: defaultBusWidth(C, 8)
}

const VIEWS: View[] = [
  { key: 'r', label: 'ResNet-50 v2, C = the tensor\'s (as `dctcm`), default B', model: 'resnet50v2', group: 0 },
  { key: 'r64', label: 'ResNet-50 v2 in 64-channel groups, B = 256', model: 'resnet50v2', group: 64, bus: 256 },
  { key: 'r8', label: 'ResNet-50 v2 in 8-channel groups, B = 32', model: 'resnet50v2', group: 8, bus: 32 },
  { key: 's', label: 'SqueezeNet 1.1, C = the tensor\'s, default B', model: 'squeezenet11', group: 0 },
  { key: 's8', label: 'SqueezeNet 1.1 in 8-channel groups, B = 32', model: 'squeezenet11', group: 8, bus: 32 },
];

/**
 * Tilings: image rows per tile; TENSOR = one tile per tensor (per channel-group plane in a group view);
 * CHAIN = consecutive group planes of a tensor in one tile, at least CHAIN_MIN pixels (group views only).
 */
const TENSOR = 0;
const CHAIN = -1;
const CHAIN_MIN = 2048;
const ROW_TILINGS = [1, 2, 4, 8, TENSOR];
const tilingsOf = (v: View) => (v.group ? [...ROW_TILINGS, CHAIN] : ROW_TILINGS);
const tilingName = (rows: number) => (rows === TENSOR ? 'tensor' : rows === CHAIN ? `planes >= ${CHAIN_MIN} px` : `${rows} row${rows > 1 ? 's' : ''}`);

const MAIN: Candidate[] = [
  V1,
  PREFIX,
  SPLIT,
  staggered({ D: 3, presentBits: true }),
  staggered({ D: 4, presentBits: true }),
  staggered({ D: 3, presentBits: false }),
  staggered({ D: 4, presentBits: false }),
  staggered({ D: 4, presentBits: false, topExtra: 1 }),
  staggered({ D: 4, presentBits: false }, true),
];
/** The proposed design (docs/design/format-v2.md). */
const PROPOSED = 'd4h+';
const SWEEP_D = [1, 2, 3, 4, 6, 8];
const SWEEP: Candidate[] = SWEEP_D.map((D) => staggered({ D, presentBits: false }));
const CANDIDATES = [...MAIN, ...SWEEP.filter((c) => !MAIN.some((m) => m.key === c.key))];

interface Tally {
  inputBits: number;
  fileBits: number;
  pixels: number;
  cycles: number;
  words: number;
  steps: number;
  tiles: number;
}
const newTally = (): Tally => ({ inputBits: 0, fileBits: 0, pixels: 0, cycles: 0, words: 0, steps: 0, tiles: 0 });
function addTally(a: Tally, b: Tally): void {
  for (const k of Object.keys(a) as (keyof Tally)[]) a[k] += b[k];
}

function configFor(C: number, bus: number | undefined): CodecConfig {
  return { channels: C, dctSize: 8, dataWidth: 8, signed: false, busWidth: bus ?? defaultBusWidth(C, 8), dctPrecision: 12 };
}

/** Plans the records of one tile (v1's records, golden planPixel) and measures their sections. */
function planTile(d: Derived, px: Int32Array, p0: number, n: number, sec: Int32Array, lev: Int32Array): TileRecords {
  const C = d.cfg.channels;
  const ctx = new Uint8Array(C);
  const plan = newPlan(d);
  const t: TileRecords = { n, bits: new Int32Array(n), payload: new Int32Array(n), levels: new Int32Array(n * LEVELS) };
  for (let r = 0; r < n; r++) {
    planPixel(d, LOSSLESS, ctx, px, (p0 + r) * C, r, plan);
    const bits = recordSections(d, plan, sec);
    if (bits !== recordBitsV1(plan)) throw new Error(`section lengths sum to ${bits}, the plan says ${recordBitsV1(plan)}`);
    t.bits[r] = bits;
    t.payload[r] = sec[S_PAY_RAW] + sec[S_PAY_REST];
    levelBits(sec, GROUPING, lev);
    t.levels.set(lev, r * LEVELS);
    updateContextV2(d, 0, plan, ctx);
  }
  return t;
}

/** Results of one view and tiling: per candidate and per tensor. */
type Results = Map<string, { total: Tally; perTensor: Map<string, Tally> }>;

function runView(dataDir: string, v: View, rows: number, checks: { done: number }): Results {
  const res: Results = new Map(CANDIDATES.map((c) => [c.key, { total: newTally(), perTensor: new Map<string, Tally>() }]));
  const sec = new Int32Array(SECTIONS);
  const lev = new Int32Array(LEVELS);
  for (const src of listTensors(join(dataDir, 'activations', v.model))) {
    const t = loadTensor(src.file);
    const [Ct, H, W] = t.shape;
    const G = v.group || Ct;
    if (Ct % G !== 0) throw new Error(`${src.name}: ${Ct} channels are not a multiple of ${G}`);
    const d = derive(configFor(G, v.bus));
    const B = d.cfg.busWidth;
    const npix = H * W;
    const planes = Ct / G;
    // pixel P = g * npix + p: pixel p of channel group g, the groups one after the other
    const px = new Int32Array(planes * npix * G);
    for (let g = 0; g < planes; g++) {
      for (let c = 0; c < G; c++) for (let p = 0; p < npix; p++) px[(g * npix + p) * G + c] = t.data[(g * G + c) * npix + p];
    }
    const tiles: [number, number][] = []; // [first pixel, pixels]
    if (rows === CHAIN) {
      const per = Math.max(1, Math.ceil(CHAIN_MIN / npix)) * npix;
      for (let p0 = 0; p0 < planes * npix; p0 += per) tiles.push([p0, Math.min(per, planes * npix - p0)]);
    } else {
      const tp = rows === TENSOR ? npix : rows * W;
      for (let g = 0; g < planes; g++) for (let p = 0; p < npix; p += tp) tiles.push([g * npix + p, Math.min(tp, npix - p)]);
    }
    const models = CANDIDATES.map((c) => new BusModel(B, bufferWords(c, d)));
    const tallies = CANDIDATES.map(() => newTally());
    tiles.forEach(([p0, n], i) => {
      const recs = planTile(d, px, p0, n, sec, lev);
      CANDIDATES.forEach((c, ci) => {
        const L = c.layout(d, recs);
        const words = tileWords(L, B);
        models[ci].addTile(L);
        const tl = tallies[ci];
        tl.fileBits += words * B + TILE_COUNT_BITS;
        tl.words += words;
        tl.steps += n + c.extraSteps(n) + 2;
        tl.tiles++;
        // The accounting against the real writers, on the first tile of each tensor: the v1 writer
        // (bench/v2/v1.ts) for v1, the prototype writer for the staggered layouts, and golden encodeTile
        // (format 2) for d4h+ too.
        if (i !== 0) return;
        const wants: number[] = [];
        if (c === V1) wants.push(encodeTileV1(d, LOSSLESS, px, n, p0 * G).words);
        const m = /^d([34])(h?)(\+?)$/.exec(c.key);
        if (m) wants.push(encodeTileStaggered(d, LOSSLESS, px, n, { D: Number(m[1]), presentBits: m[2] !== 'h', topExtra: m[3] ? 1 : 0 }, p0 * G).words);
        if (c.key === 'd4h+' && n <= MAX_TILE_PIXELS) wants.push(encodeTile(d, LOSSLESS, px, n, p0 * G).words);
        for (const want of wants) {
          if (want !== words) throw new Error(`${c.key} on ${src.name}: accounting says ${words} words, the writer wrote ${want}`);
          checks.done++;
        }
      });
    });
    CANDIDATES.forEach((c, ci) => {
      const tl = tallies[ci];
      tl.inputBits = Ct * npix * 8;
      tl.fileBits += FILE_HEADER_BITS;
      tl.pixels = npix * planes;
      tl.cycles = models[ci].cycles();
      const r = res.get(c.key)!;
      addTally(r.total, tl);
      r.perTensor.set(src.name, tl);
    });
  }
  return res;
}

function table(header: string[], rows: string[][], leftCols = 1): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < leftCols ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

const ratio = (t: Tally) => (t.inputBits / t.fileBits).toFixed(3);
const ppc = (t: Tally) => (t.pixels / t.cycles).toFixed(3);

/** Analytic sizes of the staggered layout for one configuration: the decoder's window and the encoder's delay lines. */
function hardwareTable(out: (s: string) => void): void {
  const rows: string[][] = [];
  for (const [C, B] of [
    [8, 32],
    [64, 256],
  ]) {
    const d = derive(configFor(C, B));
    for (const [name, grouping, D, topExtra] of [
      ['proposed', GROUPING, 4, 1],
      ['proposed', GROUPING, 4, 0],
      ['proposed', GROUPING, 3, 0],
      ['study', STUDY_GROUPING, 4, 0],
    ] as const) {
      const m = levelMaxBits(d, grouping, false);
      const O = levelOffsets(D, topExtra);
      // encoder: level k leaves O[k] slots after level 0: one FIFO per level k >= 1, O[k] deep, as wide as
      // the level's longest section plus a field for its length
      const width = m.map((w) => w + bitLength(w));
      const delayBits = width.reduce((a, w, k) => a + O[k] * w, 0);
      const brams = width.reduce((a, w, k) => a + (k > 0 ? Math.ceil(w / 16) : 0), 0);
      rows.push([`C${C} B${B}`, name, O.join(','), m.join(' / '), String(m.reduce((a, b) => a + b, 0)), String(v1MaxRecordBits(d)), String(delayBits), String(brams)]);
    }
  }
  out('## Sizes of the staggered layout (N = 8, W = 8, unsigned; count in header)\n\n');
  out(table(['config', 'grouping', 'level offsets', 'longest section per level 0..7 (bits)', 'longest slot', 'v1 longest record', 'encoder delay lines (bits)', 'iCE40 BRAMs (256x16)'], rows, 3) + '\n\n');
  out(
    'Encoder delay lines: level k of a record is written O[k] slots after its level 0, so each level k >= 1 gets a FIFO O[k] deep, as wide as its longest section ' +
      'plus its length; in 256x16 block RAM the width sets the count. The decoder\'s window must hold the longest slot plus a bus word.\n\n',
  );
}

function main(argv: string[]): number {
  const program = new Command('v2-candidates')
    .description('Format v2 candidates on the real activations: ratio and idealised decoder pixels per clock (Markdown on stdout)')
    .option('--data <dir>', 'data folder holding activations/<model>/index.json', SHARED_DATA)
    .option('--views <list>', `comma-separated views: ${VIEWS.map((v) => v.key).join(',')}`, VIEWS.map((v) => v.key).join(','))
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const o = program.opts<{ data: string; views: string }>();
  if (!existsSync(join(o.data, 'activations'))) {
    process.stderr.write(`v2-candidates: ${resolve(o.data)} has no activations/ folder (use --data DIR)\n`);
    return 2;
  }
  const keys = o.views.split(',').map((x) => x.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !VIEWS.some((v) => v.key === k));
  if (unknown.length) {
    process.stderr.write(`v2-candidates: unknown view ${unknown.join(', ')} (views: ${VIEWS.map((v) => v.key).join(', ')})\n`);
    return 2;
  }
  const out = (s: string) => process.stdout.write(s);
  const start = performance.now();
  out('# Format v2 candidates (lossless, N = 8, W = 8)\n\n');
  out(`Command: \`node dist/bench/v2-candidates.js${argv.length ? ' ' + argv.join(' ') : ''}\`; data \`${resolve(o.data)}\`; Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}\n\n`);
  out(
    'Ratio: input bits / .dctcm bits (tile headers, padding, trailers, 4-byte tile counts, 36-byte file header per tensor). ' +
      'px/clk: pixels / clocks of an idealised decoder that executes one step per clock (the tile header, each record or slot, v1\'s end bit, the trailer) ' +
      'once every bus word the step reads has arrived; the bus brings one B-bit word per clock into a buffer that holds the longest step plus a word per substream; ' +
      'a word leaves it after the last step that reads it. Each tensor is one stream (its channel groups one after the other). ' +
      'Substreams (c, e) are padded to B each and muxed in the order the decoder needs their words. Drain: steps per tile beyond one per pixel (header and trailer not counted).\n\n',
  );
  const checks = { done: 0 };
  const all = new Map<string, Map<number, Results>>();
  for (const v of VIEWS.filter((x) => keys.includes(x.key))) {
    const byTiling = new Map<number, Results>();
    const TILINGS = tilingsOf(v);
    for (const rows of TILINGS) byTiling.set(rows, runView(o.data, v, rows, checks));
    all.set(v.key, byTiling);
    const header = ['candidate', 'drain', ...TILINGS.map((r) => `ratio ${tilingName(r)}`), ...TILINGS.map((r) => `px/clk ${tilingName(r)}`)];
    const rows = MAIN.map((c) => [
      `${c.key}: ${c.label}${c.key === PROPOSED ? ' (proposed)' : ''}`,
      String(c.extraSteps(100)),
      ...TILINGS.map((r) => ratio(byTiling.get(r)!.get(c.key)!.total)),
      ...TILINGS.map((r) => ppc(byTiling.get(r)!.get(c.key)!.total)),
    ]);
    const t0 = byTiling.get(TILINGS[0])!.get('a')!.total;
    out(`## ${v.label}\n\n${t0.pixels} pixels, ${(t0.inputBits / 8e6).toFixed(2)} MB; tiles: ${TILINGS.map((r) => `${tilingName(r)} ${byTiling.get(r)!.get('a')!.total.tiles}`).join(', ')}.\n\n`);
    out(table(header, rows) + '\n\n');
    const bound = TILINGS.map((r) => {
      const t = byTiling.get(r)!.get(PROPOSED)!.total;
      return `${tilingName(r)} ${(t.pixels / t.words).toFixed(3)}`;
    });
    out(`Bus bound (pixels per bus word, ${PROPOSED}): ${bound.join(', ')}.\n\n`);
  }
  // stagger sweep at the count-in-header framing
  const sweepRows: string[][] = [];
  for (const [vk, byTiling] of all) {
    for (const r of [1, TENSOR, ...(byTiling.has(CHAIN) ? [CHAIN] : [])]) {
      const res = byTiling.get(r)!;
      sweepRows.push([vk, tilingName(r), ...SWEEP.map((c) => ppc(res.get(c.key)!.total))]);
    }
  }
  out('## Stagger D: pixels per clock, staggered sections with the count in the header\n\n');
  out(table(['view', 'tiling', ...SWEEP_D.map((D) => `D = ${D} (drain ${TOP * D})`)], sweepRows, 2) + '\n\n');
  // the 64-channel tensors alone (the C = 64 core on real 64-channel tensors)
  const c64: string[][] = [];
  for (const [vk, model] of [
    ['r', 'ResNet-50 v2'],
    ['s', 'SqueezeNet 1.1'],
  ] as const) {
    const byTiling = all.get(vk);
    if (!byTiling) continue;
    for (const r of ROW_TILINGS) {
      const row = [model, tilingName(r)];
      for (const key of ['a', 'd4', 'd3h', 'd4h', PROPOSED]) {
        const sum = newTally();
        for (const [name, tl] of byTiling.get(r)!.get(key)!.perTensor) if (tl.inputBits / tl.pixels === 64 * 8) addTally(sum, tl), void name;
        row.push(sum.pixels ? `${ratio(sum)} / ${ppc(sum)}` : '-');
      }
      c64.push(row);
    }
  }
  if (c64.length) {
    out('## Tensors with exactly 64 channels (C = 64, B = 256): ratio / px/clk\n\n');
    out(table(['model', 'tiling', 'a: v1', 'd4', 'd3h', 'd4h', PROPOSED], c64, 2) + '\n\n');
  }
  hardwareTable(out);
  out(`Cross-checks: ${checks.done} first tiles of a tensor re-encoded by the v1 writer (a), the prototype writer (d3, d4, d3h, d4h, d4h+) and golden encodeTile (d4h+), every word count equal to the accounting.\n\n`);
  out(`Total time: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
