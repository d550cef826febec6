// gen-rtl cosim: both cores on a small tensor through the command, and its refusals (exit 2).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTools } from '../../sim/run.js';
import { Rng } from '../../sim/rng.js';
import { gen, tempRoot } from '../helpers/gen-rtl.js';
import { MAX_TILE_PIXELS, defaultTilePixels } from '../../sim/cosim-cli.js';

const tmp = tempRoot('dctcm-cosim-cli-');

describe('cosim', () => {
  const npy = () => {
    // 16 channels x 2 x 6, half zeros (ReLU-like), uint8
    const C = 16;
    const data = new Uint8Array(C * 12);
    const rng = new Rng(12345);
    for (let i = 0; i < data.length; i++) {
      const r = rng.int(0, 255);
      data[i] = r < 128 ? 0 : r - 100;
    }
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (16, 2, 6), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = header + ' '.repeat(pad) + '\n';
    const file = join(tmp.root(), 'small.npy');
    const buf = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, h.length & 0xff, h.length >> 8]), Buffer.from(h, 'latin1'), Buffer.from(data)]);
    writeFileSync(file, buf);
    return file;
  };

  it('runs both cores on a tensor and reports PASS with cycles per pixel', async () => {
    requireTools();
    const r = await gen(['cosim', '--npy', npy(), '--sim', 'icarus', '--policy', 'auto', '--quant-shift', '2', '--tile-pixels', '5']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^encoder: PASS cycles=\d+ pixels=12 beats=\d+ cycles\/pixel=\d+\.\d{3}/m);
    expect(r.out).toMatch(/^decoder: PASS cycles=\d+ pixels=12 beats=12 cycles\/pixel=\d+\.\d{3}/m);
  });

  it('co-simulates cores generated under another --prefix (the benches instantiate the tops by name)', async () => {
    requireTools();
    const r = await gen(['cosim', '--npy', npy(), '--sim', 'icarus', '--prefix', 'q_', '--tile-pixels', '4']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/^encoder: PASS/m);
    expect(r.out).toMatch(/^decoder: PASS/m);
    const bad = await gen(['cosim', '--npy', npy(), '--prefix', '9q']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--prefix "9q" is not a Verilog identifier prefix/);
  });

  it('tiles the whole tensor by default (format v2: one tile per tensor, whole rows up to 65535 pixels)', async () => {
    requireTools();
    const r = await gen(['cosim', '--npy', npy(), '--sim', 'icarus', '--core', 'encoder']);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/tiles of 12 pixels/);
    expect(r.out).toMatch(/^encoder: PASS cycles=\d+ pixels=12 /m);
    expect(defaultTilePixels(56, 56)).toBe(3136);
    expect(defaultTilePixels(300, 300)).toBe(218 * 300); // 65400 <= 65535 < 219 rows
    expect(defaultTilePixels(1, 70000)).toBe(MAX_TILE_PIXELS);
    const big = await gen(['cosim', '--npy', npy(), '--tile-pixels', '65536']);
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/--tile-pixels/);
  });

  it('rejects settings the format forbids, exit 2', async () => {
    const r = await gen(['cosim', '--npy', npy(), '--policy', 'lossless', '--quant-shift', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--quant-shift 2 needs a lossy policy/);
    const m = await gen(['cosim', '--npy', join(tmp.root(), 'missing.npy')]);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/missing\.npy/);
  });
});
