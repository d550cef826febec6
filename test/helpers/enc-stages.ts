// The encoder stage benches' matrix and stimulus (test/rtl/enc-*-rtl.test.ts) and the stage-reference
// checks (test/generator/enc-stages.test.ts): a few small configurations, every policy, lossy shifts up
// to the largest, extreme and random pixels, and a real tensor slice.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecConfig, Derived, Policy, derive } from '../../golden/params.js';
import { parseNpy } from '../../tools/npy.js';
import { PackRecord, PortValues, StageTile, encPack, encStageBeats } from '../../sim/enc-stages.js';
import { StageRunOptions, runStageBench, writeStageBench } from '../../sim/stage-bench.js';
import { Simulator, requireTools } from '../../sim/run.js';
import { ROOT } from '../../generator/render.js';
import { Module } from '../../generator/builders/types.js';
import { buildDct } from '../../generator/builders/dct.js';
import { buildEncPrep } from '../../generator/builders/enc_prep.js';
import { buildEncCtx } from '../../generator/builders/enc_ctx.js';
import { buildEncRec } from '../../generator/builders/enc_rec.js';
import { buildEncPay } from '../../generator/builders/enc_pay.js';
import { buildEncPack } from '../../generator/builders/enc_pack.js';
import { encWidths } from '../../generator/builders/enc_common.js';
import { activationsDir } from '../../sim/paths.js';
import { Rng } from '../../sim/rng.js';
import { cfgOf } from './config.js';
import { Pattern, genPixels, patternsFor } from './random.js';

/** Small configurations: one-unit and two-unit buses, unsigned and signed, with and without escapes. */
export const STAGE_CONFIGS: CodecConfig[] = [
  cfgOf(8, 4, 4, false, 32), // no escape field (W + 1 bit lengths fit the ranks)
  cfgOf(16, 8, 8, true, 64),
  cfgOf(8, 8, 6, true, 32), // records longer than the bus
  cfgOf(8, 4, 8, false, 32, 12, false), // built without the DCT: fewer ports, no DCT mode
];

export const stageLabel = (c: CodecConfig): string =>
  `C${c.channels} N${c.dctSize} W${c.dataWidth} ${c.signed ? 's' : 'u'} B${c.busWidth}${c.dct ? '' : ' nodct'}`;

/**
 * A lossless tile whose first pixel has every block at a tie of CTX and RAW cost (contexts are 0 at a
 * tile's start): bit lengths whose CTX costs sum to exactly the RAW cost, found by a subset-sum over
 * the channels (planPixel then codes the block CTX; a `<` for `<=` would code it RAW). Null when no
 * such lengths exist for this configuration.
 */
export function tieTile(d: Derived, rng: Rng): StageTile | null {
  const { channels: C, dctSize: N, dataWidth: W, signed } = d.cfg;
  const target = 3 + N * W - 1; // RAW bits minus the CTX block's M1 bit
  const cost = (L: number) => d.symBits[L]; // context 0
  // reach[i][t]: a length for channel i from which the remaining channels can make t
  const reach: (number | null)[][] = Array.from({ length: N + 1 }, () => new Array<number | null>(target + 1).fill(null));
  reach[N][0] = 0;
  for (let i = N - 1; i >= 0; i--) {
    for (let t = 0; t <= target; t++) {
      const Ls = Array.from({ length: W + 1 }, (_, L) => L).filter((L) => cost(L) <= t && reach[i + 1][t - cost(L)] !== null);
      if (Ls.length) reach[i][t] = rng.pick(Ls);
    }
  }
  if (reach[0][target] === null) return null;
  const px = new Int32Array(C);
  for (let b = 0; b < C / N; b++) {
    let t = target;
    for (let i = 0; i < N; i++) {
      const L = reach[i][t]!;
      t -= cost(L);
      // a value of bit length L: 2^(L-1) .. 2^L - 1 (signed: -2^(W-1) for L = W, else either sign)
      let v = L === 0 ? 0 : 2 ** (L - 1) + rng.int(0, 2 ** (L - 1) - 1);
      if (signed) v = L === W ? -(2 ** (W - 1)) : rng.chance(0.5) ? -v : v;
      px[b * N + i] = v;
    }
  }
  return { settings: { policy: 'lossless', quantShift: 0 }, pixels: px, npix: 1 };
}

/** Tiles of every policy, shifts 0, 1, 2 and the largest, random patterns; a few single-pixel tiles. */
export function stageTiles(d: Derived, count: number, seed: number): StageTile[] {
  const rng = new Rng(seed);
  const { channels: C, dataWidth: W, signed } = d.cfg;
  const maxShift = Math.min(15, W - 1);
  const settings: [Policy, number][] = [
    ['lossless', 0],
    ['auto', 1],
    ['auto', 2],
    ['auto', maxShift],
    ['dct', 0],
    ['dct', 1],
    ['dct', maxShift],
  ].filter(([policy]) => d.cfg.dct || policy !== 'dct') as [Policy, number][];
  const tiles: StageTile[] = [];
  for (let i = 0; i < count; i++) {
    const [policy, quantShift] = settings[i % settings.length];
    const npix = rng.chance(0.2) ? 1 : rng.int(2, 8);
    const pattern: Pattern = rng.pick(patternsFor(signed));
    tiles.push({ settings: { policy, quantShift }, pixels: genPixels(rng, pattern, npix, C, W, signed), npix });
    if (i % 8 === 3) {
      const tie = tieTile(d, rng);
      if (tie) tiles.push(tie);
    }
  }
  return tiles;
}

/** The real-tensor configuration: ResNet-50 v2 stage1_conv5, 64 channels, 8-bit unsigned. */
export const REAL_CONFIG: CodecConfig = cfgOf(64, 8, 8, false, 256);

/** npix pixel vectors (channel-fastest) of row 20 of the real tensor, as tiles of each policy. */
export function realTiles(npix: number): StageTile[] {
  const file = join(activationsDir('resnet50v2'), 'img0_n01440764', 'stage1_conv5.npy');
  const t = parseNpy(new Uint8Array(readFileSync(file)), file);
  const [C, H, Wd] = t.shape;
  const px = new Int32Array(npix * C);
  for (let p = 0; p < npix; p++) for (let c = 0; c < C; c++) px[p * C + c] = t.data[c * H * Wd + 20 * Wd + p];
  const per = Math.ceil(npix / 3);
  return (
    [
      ['lossless', 0],
      ['auto', 1],
      ['dct', 2],
    ] as [Policy, number][]
  ).map(([policy, quantShift], i) => ({ settings: { policy, quantShift }, pixels: px, base: i * per * C, npix: Math.min(per, npix - i * per) }));
}

// ---- the RTL benches of the stages (one test file per module: test/rtl/enc-<stage>-rtl.test.ts) ----

/** An encoder stage by its base name, its builder and the modules it instantiates. */
export type EncStage = 'enc_prep' | 'enc_ctx' | 'enc_rec' | 'enc_pay' | 'enc_pack';

function stageModules(d: Derived, stage: EncStage): { m: Module; deps: Module[] } {
  switch (stage) {
    case 'enc_prep':
      return { m: buildEncPrep(d), deps: [buildDct(d)] };
    case 'enc_ctx':
      return { m: buildEncCtx(d), deps: [] };
    case 'enc_rec':
      return { m: buildEncRec(d), deps: [buildEncPay(d)] };
    case 'enc_pay':
      return { m: buildEncPay(d), deps: [] };
    case 'enc_pack':
      return { m: buildEncPack(d), deps: [] };
  }
}

/** Random records for the packer (its input is any levels up to each level's width, of any content), as tiles. */
function randomRecords(d: Derived, rng: Rng, tiles: number): PackRecord[] {
  const out: PackRecord[] = [];
  const { LVW } = encWidths(d);
  for (let t = 0; t < tiles; t++) {
    const n = rng.int(1, 6);
    const shift = rng.int(0, Math.min(15, d.cfg.dataWidth - 1));
    for (let i = 0; i < n; i++) {
      // each level empty, full or in between, so slots fill, straddle and exceed words
      const len = LVW.map((w) => rng.pick([0, w, rng.int(0, w), rng.int(0, w)]));
      const bits = len.map((l) => {
        let x = 0n;
        for (let k = 0; k < l; k += 32) x |= BigInt(rng.u32()) << BigInt(k);
        return BigInt.asUintN(l, x);
      });
      out.push({ levels: { bits, len }, first: i === 0, last: i === n - 1, shift, count: n });
    }
  }
  return out;
}

/** Input and expected output beats of a stage for these tiles (the packer also gets random records). */
function stageBeats(d: Derived, stage: EncStage, tiles: StageTile[], seed: number): { inputs: PortValues[]; outputs: PortValues[] } {
  const r = encStageBeats(d, tiles);
  const pick = (xs: { in: PortValues; out: PortValues }[]) => ({ inputs: xs.map((x) => x.in), outputs: xs.map((x) => x.out) });
  switch (stage) {
    case 'enc_prep':
      return pick(r.prep);
    case 'enc_ctx':
      return pick(r.ctx);
    case 'enc_rec':
      return pick(r.rec);
    case 'enc_pay':
      return pick(r.pay);
    case 'enc_pack': {
      const chain: PackRecord[] = r.pack.in.map((x, i) => ({ levels: r.rec[i].levels, first: x.in_first === 1, last: x.in_last === 1, shift: x.in_shift as number, count: x.in_count as number }));
      const p = encPack(d, [...chain, ...randomRecords(d, new Rng(seed), 12)]);
      return { inputs: p.in, outputs: p.out };
    }
  }
}

const WORK = resolve(ROOT, 'tmp', 'enc-stages-rtl');

async function runStage(d: Derived, stage: EncStage, tiles: StageTile[], sim: Simulator, tag: string, o: StageRunOptions) {
  const { m, deps } = stageModules(d, stage);
  const { inputs, outputs } = stageBeats(d, stage, tiles, o.seed);
  const sb = writeStageBench(join(WORK, stage, tag), m, deps, inputs, outputs);
  return { r: await runStageBench(sim, sb, o), m, beats: outputs.length, inputs: inputs.length };
}

/**
 * The tests of one stage: bit-exact against its reference on Icarus for every STAGE_CONFIGS row and the
 * real tensor, on Verilator for two rows, with random gaps and stalls; full rate without them; and the
 * bench reports a corrupted expected beat at its index.
 */
export function stageSuite(stage: EncStage): void {
  requireTools();
  const rows: { sim: Simulator; c: CodecConfig; real?: boolean }[] = [
    ...STAGE_CONFIGS.map((c) => ({ sim: 'icarus' as Simulator, c })),
    { sim: 'icarus', c: REAL_CONFIG, real: true },
    { sim: 'verilator', c: STAGE_CONFIGS[0] },
    { sim: 'verilator', c: STAGE_CONFIGS[1] },
  ];
  describe.concurrent(`${stage} against its golden reference (sim/enc-stages.ts)`, () => {
    for (const { sim, c, real } of rows) {
      const label = `${sim} ${stageLabel(c)}${real ? ' real tensor' : ''}`;
      it(`${label}: every beat${stage === 'enc_pay' ? '' : ', random gaps and stalls'}`, async () => {
        const d = derive(c);
        const tiles = real ? realTiles(30) : stageTiles(d, 30, 3 + c.channels);
        const { r, beats } = await runStage(d, stage, tiles, sim, label.replace(/ /g, '_'), { seed: 5 + c.channels, gapPct: 25, stallPct: 35 });
        expect(r.ok, r.message).toBe(true);
        expect(r.beats).toBe(beats);
      }, 900_000);
    }
    it(stage === 'enc_pay' ? 'icarus: every beat, another seed' : 'icarus: one beat per cycle without gaps or stalls', async () => {
      const d = derive(STAGE_CONFIGS[0]);
      const { r, m, inputs } = await runStage(d, stage, stageTiles(d, 20, 9), 'icarus', 'fullrate', { seed: 1, gapPct: 0, stallPct: 0 });
      expect(r.ok, r.message).toBe(true);
      // the packer takes longer records in several words, and adds header words and trailers
      if (stage !== 'enc_pack') expect(r.cycles).toBeLessThanOrEqual(inputs + m.latency + 2);
    }, 900_000);
    it('the bench can fail: a corrupted expected beat is reported at its index', async () => {
      const d = derive(STAGE_CONFIGS[1]);
      const { r } = await runStage(d, stage, stageTiles(d, 6, 4), 'icarus', 'corrupt', { seed: 2, gapPct: 20, stallPct: 20, corruptBeat: 7 });
      expect(r.ok).toBe(false);
      expect(r.mismatchBeat, r.message).toBe(7);
      expect(r.message).toMatch(/^MISMATCH beat=7 got=/m);
    }, 900_000);
  });
}
