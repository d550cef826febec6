// The Python bridge (python/dctcm_torch.py) end to end: test/tools/bridge_check.py sends tensors through
// `dctcm serve` from Python and attaches the codec to a small PyTorch model; here its results are checked,
// and the bits it reports are recomputed with the golden model. It needs /usr/bin/python3 with Debian's
// python3-torch and python3-numpy (.ci/run installs them); without them this test fails, it never skips.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultTilePixels, encodeTensor } from '../../tools/container.js';
import { resolveConfig } from '../../tools/analyze.js';
import { Tensor, parseNpy } from '../../tools/npy.js';
import { TileSettings } from '../../golden/params.js';
import { ROOT, buildDist } from '../helpers/build.js';

const PYTHON = '/usr/bin/python3';
let dir: string;

beforeAll(async () => {
  await buildDist(['tools/'], ['dist/tools/dctcm.js']);
  dir = mkdtempSync(join(tmpdir(), 'dctcm-bridge-'));
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const load = (name: string) => parseNpy(readFileSync(join(dir, name)), name);

function golden(t: Tensor, settings: TileSettings = { policy: 'lossless', quantShift: 0 }, tilePixels?: number) {
  const e = encodeTensor(t, resolveConfig(t, {}), settings, tilePixels ?? defaultTilePixels(t.shape[1], t.shape[2]));
  return { bits: e.bytes.length * 8, recon: e.recon };
}

/** Runs a program without blocking the event loop: exit status and output. */
function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('error', (e) => rej(new Error(`cannot run ${cmd} (apt-get install python3-torch python3-numpy): ${e.message}`)));
    p.on('close', (status) => res({ status, stdout, stderr }));
  });
}

it('tensors through serve and back from Python, and the codec on a PyTorch model', async () => {
  const r = await run(PYTHON, [join(ROOT, 'test', 'tools', 'bridge_check.py'), dir]);
  expect(r.status, `bridge_check.py failed:\n${r.stderr}`).toBe(0);
  const res = JSON.parse(r.stdout);

  // exact under lossless, and the bits are the golden model's
  for (const dt of ['uint8', 'int8', 'uint16', 'int16']) {
    expect(res[dt].exact, dt).toBe(true);
    expect(res[dt].bits, dt).toBe(golden(load(`${dt}.npy`)).bits);
  }
  const lossy = load('lossy.npy');
  const ref = golden(lossy, { policy: 'auto', quantShift: 2 }, 9);
  expect(res.lossy.bits).toBe(ref.bits);
  expect(Array.from(load('lossy.decoded.npy').data)).toEqual(Array.from(ref.recon));
  expect(res.lossy.max_error).toBeGreaterThan(0);

  // a batch, split over two server processes: each item's bits are those of the item alone
  expect(res.batch.exact).toBe(true);
  expect(res.batch.item_bits).toEqual([0, 1, 2, 3, 4].map((k) => golden(load(`batch${k}.npy`)).bits));
  expect(res.batch.bits).toBe(res.batch.item_bits.reduce((a: number, b: number) => a + b, 0));

  expect(res.encode.bits).toBe(res.encode.answer_bits);
  expect(res.encode.decode_matches_code).toBe(true);
  expect(res.error).toBe('bad_settings');
  expect(res.after_error_exact).toBe(true);

  const h = res.hooks;
  expect(h.layers).toEqual(['0', '2.squeeze', '2.e1', '2.e3', '3.conv1', '3.conv2', '3.down']);
  expect(res.skip_first).toEqual(h.layers.slice(1));
  expect(h.signed).toEqual({ '0': true, '2.squeeze': false, '2.e1': false, '2.e3': false, '3.conv1': false, '3.conv2': false, '3.down': false });
  // one tensor read by two convs is coded and counted once, also when other convs run in between
  expect(h.shared).toEqual({ '2.e3': '2.e1', '3.down': '3.conv1' });
  expect(h.quantize_ratio).toBe(1);
  expect(h.quantize_differs_from_float).toBe(true);
  expect(h.lossless_equals_quantize).toBe(true);
  expect(h.lossless_ratio).toBeCloseTo(h.lossless_raw_bits / h.lossless_bits, 12);
  expect(h.auto_bits).toBe(h.auto_bits_by_hand);
  expect(h.auto_bits).toBeLessThan(h.lossless_bits);
  expect(h.auto_differs).toBe(true);
  expect(h.auto_close).toBeLessThan(0.2);
  expect(h.removed_is_float).toBe(true);

  // per-layer settings: each tensor coded with its own, counted alone; QUANTIZE_ONLY at 8 bits a value
  const pl = res.per_layer;
  expect(pl.bits).toEqual(pl.want);
  expect(Object.keys(pl.bits).sort()).toEqual(['0', '2.e1', '2.squeeze', '3.conv1', '3.conv2']);
  expect(pl.bits['2.squeeze']).not.toBe(pl.bits['2.e1']);
  expect(pl.settings['2.squeeze']).toEqual({ policy: 'lossless' });
  expect(pl.settings['3.conv1']).toBeNull();
  expect(pl.settings['0']).toEqual({ policy: 'auto', quant_shift: 2 });
  expect(pl.lossless_sqnr_inf).toBe(true);
  expect(pl.auto_sqnr).toBeGreaterThan(0);
  expect(pl.auto_sqnr).toBeLessThan(60);
  expect(pl.unknown_layer_error).toMatch(/nope/);
  // sensitivity: one entry per coded tensor and candidate; lossless changes nothing, coarser costs fewer bits
  expect(Object.keys(res.sensitivity).sort()).toEqual(['0', '2.e1', '2.squeeze', '3.conv1', '3.conv2']);
  for (const [name, st] of Object.entries(res.sensitivity as Record<string, [number, number][]>)) {
    expect(st[0][1], name).toBe(0);
    expect(st[2][0], name).toBeLessThan(st[0][0]);
    expect(st[2][1], name).toBeGreaterThan(0);
  }
  const all = (shift: number) => Object.fromEntries(h.layers.map((n: string) => [n, shift]));
  // budget 0: only steps that add no divergence (a layer the output does not notice at shift 1)
  for (const [name, st] of Object.entries(res.sensitivity as Record<string, [number, number][]>)) {
    expect(res.alloc['0'][name], name).toBe(st[1][1] <= 0 ? (st[2][1] <= 0 ? 3 : 1) : 0);
  }
  expect(Object.values(res.alloc['0'])).toContain(0);
  expect(res.alloc['1']).toEqual(all(3));
  expect(res.toy).toEqual({
    '0': { a: 0, b: 0, c: 1, c2: 1 },
    '0.25': { a: 1, b: 1, c: 1, c2: 1 },
    '1': { a: 2, b: 2, c: 2, c2: 2 },
  });
}, 600_000);
