// The dctcm CLI, run as a process from the build: round trips, lossy decode vs the analyzer, user errors
// (exit 2, a message naming the problem, no output file), analyze --json on a file and on folders.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor, formatNpy, parseNpy } from '../../tools/npy.js';
import { analyzeTensorFull } from '../../tools/analyze.js';
import { floats } from '../../sim/rng.js';
import { buildDist } from '../helpers/build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'tools', 'dctcm.js');
const MINE = ['tools/', 'bench/codec.ts'];
let dir: string;

beforeAll(async () => {
  await buildDist(MINE, ['dist/tools/dctcm.js']);
  dir = mkdtempSync(join(tmpdir(), 'dctcm-cli-'));
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const rng = floats;

function randomTensor(dtype: Tensor['dtype'], shape: [number, number, number], seed: number): Tensor {
  const r = rng(seed);
  const [lo, hi] = { '|u1': [0, 255], '|i1': [-128, 127], '<u2': [0, 65535], '<i2': [-32768, 32767] }[dtype];
  const data = new Int32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) {
    const u = r();
    // sparse, mostly small, some extremes
    data[i] = u < 0.4 ? 0 : u < 0.95 ? Math.round(lo / 8 + r() * (hi - lo) / 8) : r() < 0.5 ? lo : hi;
    data[i] = Math.max(lo, Math.min(hi, data[i]));
  }
  return { dtype, shape, data };
}

function writeTensor(name: string, t: Tensor): string {
  const p = join(dir, name);
  writeFileSync(p, formatNpy(t));
  return p;
}

/** A hand-made .npy header, for dtypes and shapes formatNpy does not produce. */
function rawNpy(descr: string, shape: string, dataBytes: number): Uint8Array {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + h.length + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  return out;
}

function leftovers(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

describe('round trips through the CLI', () => {
  it.each([
    ['|u1', [16, 5, 9], []],
    ['<i2', [8, 4, 6], []],
    ['|u1', [32, 3, 5], ['--tile-pixels', '4', '--dct-size', '16', '--bus-width', '96']],
  ] as [Tensor['dtype'], [number, number, number], string[]][])('%s %j %j is bit exact in lossless', (dtype, shape, extra) => {
    const t = randomTensor(dtype, shape, shape[0] * 7 + shape[2]);
    const inp = writeTensor(`rt-${dtype.slice(1)}-${shape.join('x')}.npy`, t);
    const enc = inp.replace(/\.npy$/, '.dctcm');
    const out = inp.replace(/\.npy$/, '.out.npy');
    const e = run('encode', inp, '-o', enc, ...extra);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(readFileSync(enc).subarray(0, 6).toString('latin1')).toBe('DCTCM\x1a');
    const d = run('decode', enc, '-o', out);
    expect(d.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(inp))).toBe(0);
    const back = parseNpy(readFileSync(out), out);
    expect(back.dtype).toBe(dtype);
    expect(Array.from(back.data)).toEqual(Array.from(t.data));
    expect(leftovers()).toEqual([]);
  });

  it('lossy decode equals the analyzer reconstruction, and analyze reports the same error', () => {
    const t = randomTensor('|u1', [16, 6, 7], 99);
    const inp = writeTensor('lossy.npy', t);
    const opts = ['--policy', 'auto', '--quant-shift', '2', '--tile-pixels', '10'];
    expect(run('encode', inp, '-o', join(dir, 'lossy.dctcm'), ...opts).code).toBe(0);
    expect(run('decode', join(dir, 'lossy.dctcm'), '-o', join(dir, 'lossy.out.npy')).code).toBe(0);
    const cli = parseNpy(readFileSync(join(dir, 'lossy.out.npy')), 'cli');
    const ref = analyzeTensorFull(t, 'lossy', {}, { policy: 'auto', quantShift: 2 }, 10);
    expect(Buffer.compare(readFileSync(join(dir, 'lossy.dctcm')), Buffer.from(ref.encoded.bytes))).toBe(0);
    expect(Array.from(cli.data)).toEqual(Array.from(ref.decoded.data));
    let maxErr = 0;
    for (let i = 0; i < t.data.length; i++) maxErr = Math.max(maxErr, Math.abs(t.data[i] - cli.data[i]));
    expect(maxErr).toBeGreaterThan(0);
    const a = run('analyze', inp, '--json', ...opts);
    expect(a.code).toBe(0);
    const rep = JSON.parse(a.stdout);
    expect(rep.layers[0].max_abs_error).toBe(maxErr);
    expect(rep.layers[0].compressed_bits).toBe(readFileSync(join(dir, 'lossy.dctcm')).length * 8);
  });
});

describe('defaults', () => {
  it('a 2048-channel uint8 tensor (C x W = 16384) encodes and analyzes with the default bus width, 4096', () => {
    const t = randomTensor('|u1', [2048, 2, 3], 2048);
    const inp = writeTensor('wide.npy', t);
    const enc = join(dir, 'wide.dctcm');
    const e = run('encode', inp, '-o', enc);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    const bytes = readFileSync(enc);
    expect(bytes.readUInt16LE(14)).toBe(4096); // the header's bus width (FORMAT.md 9)
    const d = run('decode', enc, '-o', join(dir, 'wide.out.npy'));
    expect(d.code).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'wide.out.npy')), readFileSync(inp))).toBe(0);
    const a = run('analyze', inp, '--json');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const rep = JSON.parse(a.stdout);
    expect(rep.layers[0].config.busWidth).toBe(4096);
    expect(rep.layers[0].compressed_bits).toBe(bytes.length * 8);
  });
});

describe('user errors: exit 2, a message naming the problem, no output file', () => {
  function expectFailure(args: string[], out: string, message: RegExp): void {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  }

  it('truncated .npy', () => {
    const bytes = formatNpy(randomTensor('|u1', [8, 2, 3], 1));
    const p = join(dir, 'trunc.npy');
    writeFileSync(p, bytes.subarray(0, bytes.length - 5));
    expectFailure(['encode', p, '-o', join(dir, 'trunc.dctcm')], join(dir, 'trunc.dctcm'), /^dctcm: .*trunc\.npy: truncated data/);
  });

  it('float dtype', () => {
    const p = join(dir, 'float.npy');
    writeFileSync(p, rawNpy('<f4', '(8, 2, 2)', 8 * 4 * 4));
    expectFailure(['encode', p, '-o', join(dir, 'float.dctcm')], join(dir, 'float.dctcm'), /^dctcm: .*dtype <f4 is not supported/);
  });

  it('big-endian 16-bit data: the byte order is named as the problem', () => {
    for (const descr of ['>u2', '>i2']) {
      const p = join(dir, `be${descr.slice(1)}.npy`);
      writeFileSync(p, rawNpy(descr, '(8, 2, 2)', 8 * 4 * 2));
      expectFailure(['encode', p, '-o', join(dir, 'be.dctcm')], join(dir, 'be.dctcm'), new RegExp(`^dctcm: .*dtype \\${descr} is big-endian: only little-endian 16-bit data \\(<u2, <i2\\) is supported`));
    }
  });

  it('a .npy given to decode, a .dctcm given to encode: the message says which command reads it', () => {
    const p = writeTensor('swap.npy', randomTensor('|u1', [8, 2, 2], 10));
    expectFailure(['decode', p, '-o', join(dir, 'swap.out.npy')], join(dir, 'swap.out.npy'), /^dctcm: .*swap\.npy: this is a \.npy file, not a \.dctcm file: use `dctcm encode` to compress it/);
    const enc = join(dir, 'swap.dctcm');
    expect(run('encode', p, '-o', enc).code).toBe(0);
    expectFailure(['encode', enc, '-o', join(dir, 'swap2.dctcm')], join(dir, 'swap2.dctcm'), /^dctcm: .*swap\.dctcm: this is a \.dctcm file, not a \.npy file: use `dctcm decode` to decompress it/);
  });

  it('2-D shape', () => {
    const p = join(dir, 'flat.npy');
    writeFileSync(p, rawNpy('|u1', '(8, 4)', 32));
    expectFailure(['encode', p, '-o', join(dir, 'flat.dctcm')], join(dir, 'flat.dctcm'), /^dctcm: .*shape \(8, 4\) is not C x H x W/);
  });

  it('C not a multiple of --dct-size', () => {
    const p = writeTensor('c12.npy', randomTensor('|u1', [12, 2, 2], 3));
    expectFailure(['encode', p, '-o', join(dir, 'c12.dctcm')], join(dir, 'c12.dctcm'), /^dctcm: .*C=12 channels.*not a multiple of --dct-size 8/);
    // and it works with a size that divides 12
    expect(run('encode', p, '-o', join(dir, 'c12.dctcm'), '--dct-size', '4').code).toBe(0);
  });

  it('--data-width 3', () => {
    const p = writeTensor('dw.npy', randomTensor('|u1', [8, 2, 2], 4));
    expectFailure(['encode', p, '-o', join(dir, 'dw.dctcm'), '--data-width', '3'], join(dir, 'dw.dctcm'), /^dctcm: .*--data-width 3 is out of range/);
  });

  it('--quant-shift with the lossless policy', () => {
    const p = writeTensor('qs.npy', randomTensor('|u1', [8, 2, 2], 5));
    expectFailure(['encode', p, '-o', join(dir, 'qs.dctcm'), '--quant-shift', '2'], join(dir, 'qs.dctcm'), /^dctcm: .*--quant-shift 2 needs a lossy policy/);
    expectFailure(['analyze', p, '--quant-shift', '2'], join(dir, 'none'), /^dctcm: .*--quant-shift 2 needs a lossy policy/);
  });

  it('values that do not fit --data-width', () => {
    const t = randomTensor('|u1', [8, 2, 2], 6);
    t.data[5] = 200;
    const p = writeTensor('fit.npy', t);
    expectFailure(['encode', p, '-o', join(dir, 'fit.dctcm'), '--data-width', '6'], join(dir, 'fit.dctcm'), /^dctcm: .*value 200 .*does not fit --data-width 6/);
  });

  it('corrupted .dctcm: no .npy written, and an existing output is left untouched', () => {
    const p = writeTensor('good.npy', randomTensor('|u1', [16, 4, 4], 7));
    const enc = join(dir, 'good.dctcm');
    expect(run('encode', p, '-o', enc).code).toBe(0);
    const bytes = new Uint8Array(readFileSync(enc));
    const bad = join(dir, 'bad.dctcm');
    bytes[bytes.length - 40] ^= 0x10; // a data bit of the last tile: the checksum no longer matches
    writeFileSync(bad, bytes);
    expectFailure(['decode', bad, '-o', join(dir, 'bad.npy')], join(dir, 'bad.npy'), /^dctcm: .*bad\.dctcm: malformed stream at bit \d+/);
    writeFileSync(join(dir, 'keep.npy'), 'previous');
    const r = run('decode', bad, '-o', join(dir, 'keep.npy'));
    expect(r.code).toBe(2);
    expect(readFileSync(join(dir, 'keep.npy'), 'utf8')).toBe('previous');
    // a tile cut short: the offset printed is where the error is in the file, past the tile's start
    const enc32 = join(dir, 'good32.dctcm');
    expect(run('encode', p, '-o', enc32, '--bus-width', '32', '--tile-pixels', '4').code).toBe(0);
    const tail = new Uint8Array(readFileSync(enc32));
    const dv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    let at = 36;
    const starts: number[] = []; // byte offsets of each tile's words
    while (at < tail.length) {
      starts.push(at + 4);
      at += 4 + dv.getUint32(at, true) * 4;
    }
    const last = starts.at(-1)!;
    expect(last).toBeGreaterThan(100);
    dv.setUint32(last - 4, 2, true); // two 32-bit words: the tile header word, then the trailer; no data
    const short = join(dir, 'short.dctcm');
    writeFileSync(short, tail.subarray(0, last + 8));
    const bit = (last + 4) * 8; // the pixel count (tile bits 32-47) after the tile header word
    expectFailure(['decode', short, '-o', join(dir, 'short.npy')], join(dir, 'short.npy'), new RegExp(`^dctcm: .*short\\.dctcm: malformed stream at bit ${bit} \\(byte ${bit / 8}\\): pixel count runs past the end of the tile data`));
    const cut = join(dir, 'cut.dctcm');
    writeFileSync(cut, bytes.subarray(0, 20));
    expectFailure(['decode', cut, '-o', join(dir, 'cut.npy')], join(dir, 'cut.npy'), /^dctcm: .*shorter than the 36-byte header/);
  });

  it('tiling: one tile per tensor by default, whole rows up to 65535 pixels beyond; --tile-pixels above 65535 is exit 2 naming it', () => {
    const small = writeTensor('tile1.npy', randomTensor('|u1', [8, 4, 5], 61));
    const e1 = run('encode', small, '-o', join(dir, 'tile1.dctcm'));
    expect(e1.code).toBe(0);
    expect(e1.stdout).toMatch(/ in 1 tiles/);
    // 256 x 256 = 65536 pixels: 255 rows (65280 pixels) in the first tile, one row in the second
    const big = writeTensor('tile2.npy', { dtype: '|u1', shape: [8, 256, 256], data: new Int32Array(8 * 256 * 256) });
    const e2 = run('encode', big, '-o', join(dir, 'tile2.dctcm'));
    expect(e2.code).toBe(0);
    expect(e2.stdout).toMatch(/ in 2 tiles/);
    const hdr = new DataView(readFileSync(join(dir, 'tile2.dctcm')).buffer);
    expect(hdr.getUint32(28, true)).toBe(255 * 256);
    expect(run('decode', join(dir, 'tile2.dctcm'), '-o', join(dir, 'tile2.out.npy')).code).toBe(0);
    expectFailure(['encode', small, '-o', join(dir, 'tile3.dctcm'), '--tile-pixels', '65536'], join(dir, 'tile3.dctcm'), /^dctcm: .*--tile-pixels 65536 is above 65535/);
    expect(run('encode', small, '-o', join(dir, 'tile4.dctcm'), '--tile-pixels', '65535').code).toBe(0);
    const a = run('analyze', small, '--tile-pixels', '70000');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--tile-pixels 70000 is above 65535/);
  });

  it('a file of format version 1 is rejected: exit 2, a message naming the version, no output', () => {
    const p = writeTensor('v1.npy', randomTensor('|u1', [8, 2, 3], 62));
    const enc = join(dir, 'v1.dctcm');
    expect(run('encode', p, '-o', enc).code).toBe(0);
    const b = new Uint8Array(readFileSync(enc));
    b[7] = 1; // format version 1, header check byte repaired
    let x = 0;
    for (let i = 0; i < 36; i++) if (i !== 19) x ^= b[i];
    b[19] = x;
    writeFileSync(enc, b);
    expectFailure(['decode', enc, '-o', join(dir, 'v1.out.npy')], join(dir, 'v1.out.npy'), /^dctcm: .*v1\.dctcm: malformed stream at bit 56 \(byte 7\): unsupported format version 1: an older dctcm wrote this file; re-encode/);
  });

  it('missing input, unknown option, missing -o, bad option values and no command', () => {
    const p = writeTensor('opt.npy', randomTensor('|u1', [8, 2, 2], 8));
    expectFailure(['encode', join(dir, 'nope.npy'), '-o', join(dir, 'nope.dctcm')], join(dir, 'nope.dctcm'), /^dctcm: .*nope\.npy: cannot read: no such file/);
    expectFailure(['encode', p, '-o', join(dir, 'o1.dctcm'), '--frobnicate'], join(dir, 'o1.dctcm'), /unknown option '--frobnicate'/);
    expectFailure(['encode', p], join(dir, 'opt.dctcm'), /required option '-o, --output/);
    expectFailure(['encode', p, '-o', join(dir, 'o2.dctcm'), '--policy', 'best'], join(dir, 'o2.dctcm'), /argument 'best' is invalid/);
    expectFailure(['encode', p, '-o', join(dir, 'o3.dctcm'), '--dct-size', 'eight'], join(dir, 'o3.dctcm'), /--dct-size <n>' argument 'eight' is invalid/);
    expectFailure(['decode', '-o', join(dir, 'x.npy')], join(dir, 'x.npy'), /missing required argument 'in.dctcm'/);
    expectFailure(['encode', p, '-o', join(dir, 'no', 'such', 'dir.dctcm')], join(dir, 'no'), /^dctcm: .*cannot write: its folder does not exist/);
    expect(run().code).toBe(2);
  });

  it('an output path that is a folder: the temporary file is removed', () => {
    const p = writeTensor('todir.npy', randomTensor('|u1', [8, 2, 2], 9));
    mkdirSync(join(dir, 'adir'));
    const r = run('encode', p, '-o', join(dir, 'adir'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dctcm: .*adir: cannot write: is a directory/);
    expect(readdirSync(join(dir, 'adir'))).toEqual([]);
    expect(leftovers()).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe('--no-dct: a build without the DCT', () => {
  it('encode writes a no-DCT file (flags bit 1, no DCT block) that decode reads; analyze reports no DCT block', () => {
    const p = writeTensor('nodct.npy', randomTensor('|u1', [16, 3, 5], 31));
    const out = join(dir, 'nodct.dctcm');
    const r = run('encode', p, '-o', out, '--no-dct', '--policy', 'auto', '--quant-shift', '1');
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes[12] & 2).toBe(2);
    const back = join(dir, 'nodct-back.npy');
    expect(run('decode', out, '-o', back).code).toBe(0);
    const a = run('analyze', p, '--no-dct', '--policy', 'auto', '--quant-shift', '1', '--json');
    expect(a.code, a.stderr).toBe(0);
    const rep = JSON.parse(a.stdout);
    expect(rep.config.dct).toBe(false);
    expect(rep.total.modes.dct).toBe(0);
  });
  it('--policy dct with --no-dct exits 2 naming the combination, and writes nothing', () => {
    const p = writeTensor('nodct2.npy', randomTensor('|u1', [8, 2, 3], 32));
    const out = join(dir, 'nodct2.dctcm');
    const r = run('encode', p, '-o', out, '--no-dct', '--policy', 'dct', '--quant-shift', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--policy dct needs a build with the DCT mode: this configuration is built with --no-dct/);
    expect(existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});

describe('help', () => {
  it('documents every option and its default', () => {
    const enc = run('encode', '--help');
    expect(enc.code).toBe(0);
    for (const [opt, dflt] of [
      ['--dct-size', 'default: 8'],
      ['--data-width', "default: the input dtype's bits"],
      ['--bus-width', 'default: half a raw pixel, C*W/2, rounded up to a multiple of 32 and kept within 32..4096'],
      ['--dct-precision', 'default: 12'],
      ['--dct ', 'default: true'],
      ['--no-dct', 'policy dct is invalid'],
      ['--policy', 'default: "lossless"'],
      ['--quant-shift', 'default: 0'],
      ['--tile-pixels', 'pixels per tile, 1..65535 (default: the whole tensor in one tile, or as many whole rows as fit in 65535 pixels)'],
      ['--progress', 'default: only when stderr is a terminal'],
      ['--output', 'required'],
    ]) {
      expect(enc.stdout).toContain(opt);
      expect(enc.stdout.replace(/\s+/g, ' ')).toContain(dflt);
    }
    const an = run('analyze', '--help');
    expect(an.code).toBe(0);
    for (const opt of ['--dct-size', '--data-width', '--bus-width', '--dct-precision', '--policy', '--quant-shift', '--tile-pixels', '--progress', '--json']) {
      expect(an.stdout).toContain(opt);
    }
    expect(an.stdout.replace(/\s+/g, ' ')).toContain('default: an aligned text table');
    const dec = run('decode', '--help');
    expect(dec.stdout).toContain('--output');
    expect(dec.stdout).toContain('--progress');
  });
});

describe('analyze', () => {
  it('--json on a tiny tensor: totals, layers, and baselines computed by hand', () => {
    // 8 channels x 1 x 2: values 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 0, 0, 0, 255
    const vals = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 200, 0, 0, 0, 255];
    const p = writeTensor('tiny.npy', { dtype: '|u1', shape: [8, 1, 2], data: Int32Array.from(vals) });
    const r = run('analyze', p, '--json', '--policy', 'auto', '--quant-shift', '3');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(typeof rep.total.ratio).toBe('number');
    expect(typeof rep.total.sqnr_db).toBe('number');
    expect(Array.isArray(rep.layers)).toBe(true);
    expect(rep.layers).toHaveLength(1);
    expect(rep.settings).toEqual({ policy: 'auto', quantShift: 3 });
    const b = rep.layers[0].baselines;
    // zvc: 16 mask bits + 11 non-zeros x 8 bits
    expect(b.zvc.bits).toBe(16 + 11 * 8);
    // entropy0: 0 occurs 5 times, 11 other values once each
    const H = (5 / 16) * Math.log2(16 / 5) + 11 * (1 / 16) * Math.log2(16);
    expect(b.entropy0.bits).toBeCloseTo(16 * H, 9);
    expect(b.entropy0.ratio).toBeCloseTo(8 / H, 9);
    // requant at step 8, ties to even: 1..4 -> 0 (4 is a tie), 5..9 -> 1, 200 -> 25, 255 -> 32 (31.875 rounds up)
    expect(b.requant.width).toBe(6); // bit length of 32
    expect(b.requant.bits).toBe(16 * 6);
    expect(b.requant.ratio).toBeCloseTo(8 / 6, 12);
    const rec = [0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 200, 0, 0, 0, 255]; // 32 * 8 = 256 clamps to 255
    const sig = vals.reduce((a, v) => a + v * v, 0);
    const err = vals.reduce((a, v, i) => a + (v - rec[i]) ** 2, 0);
    expect(b.requant.sqnr_db).toBeCloseTo(10 * Math.log10(sig / err), 9);
    expect(b.requant.max_abs_error).toBe(4);
    // requant_zvc: 16 mask bits + 7 non-zero indices x 6 bits
    expect(b.requant_zvc.bits).toBe(16 + 7 * 6);
    expect(rep.total.baselines.requant_zvc.ratio).toBeCloseTo(128 / (16 + 7 * 6), 12);
    expect(rep.total.ratio).toBeCloseTo(128 / rep.layers[0].compressed_bits, 12);
  });

  it('lossless --json reports sqnr_db null, and the text table has a row per layer and a total', () => {
    const p = writeTensor('ll.npy', randomTensor('|u1', [8, 3, 3], 12));
    const j = JSON.parse(run('analyze', p, '--json').stdout);
    expect(j.total.sqnr_db).toBeNull();
    expect(j.layers[0].sqnr_db).toBeNull();
    expect(j.total.max_abs_error).toBe(0);
    const t = run('analyze', p);
    expect(t.code).toBe(0);
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines.some((l) => /^ll\s+8x3x3\s/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^total \(1 layer\)\s+\d+\.\d{3}\s+inf\s+0\s/);
  });

  it('a folder with index.json: each file once, named after its owning entry; other files ignored', () => {
    const f = join(dir, 'model');
    mkdirSync(join(f, 'img0'), { recursive: true });
    const a = randomTensor('|u1', [8, 2, 3], 31);
    const b = randomTensor('|u1', [16, 2, 2], 32);
    writeFileSync(join(f, 'img0', 'a.npy'), formatNpy(a));
    writeFileSync(join(f, 'img0', 'b.npy'), formatNpy(b));
    writeFileSync(join(f, 'img0', 'ignored.npy'), formatNpy(randomTensor('|u1', [8, 1, 1], 33)));
    writeFileSync(
      join(f, 'index.json'),
      JSON.stringify({
        model: 'test',
        entries: [
          { layer: 'conv_b_alias', file: 'img0/b.npy', shared_with: 'conv_b', shape: [16, 2, 2] },
          { layer: 'conv_a', file: 'img0/a.npy', shared_with: null, shape: [8, 2, 3] },
          { layer: 'conv_b', file: 'img0/b.npy', shared_with: null, shape: [16, 2, 2] },
        ],
      }),
    );
    const r = run('analyze', f, '--json', '--progress');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout); // progress went to stderr, not into the JSON
    expect(r.stderr).toContain('[1/2] conv_b');
    expect(r.stderr).toContain('[2/2] conv_a');
    expect(rep.layers.map((l: { name: string }) => l.name)).toEqual(['conv_b', 'conv_a']);
    expect(rep.total.input_bits).toBe((8 * 6 + 16 * 4) * 8);
    const sumBits = rep.layers.reduce((s: number, l: { compressed_bits: number }) => s + l.compressed_bits, 0);
    expect(rep.total.compressed_bits).toBe(sumBits);
    expect(rep.total.ratio).toBeCloseTo(rep.total.input_bits / sumBits, 12);
    // without --progress and with a pipe for stderr: silent
    expect(run('analyze', f, '--json').stderr).toBe('');
  });

  it('a folder without index.json: every .npy below it, sorted', () => {
    const f = join(dir, 'plain');
    mkdirSync(join(f, 'sub'), { recursive: true });
    writeFileSync(join(f, 'z.npy'), formatNpy(randomTensor('|u1', [8, 1, 2], 41)));
    writeFileSync(join(f, 'sub', 'm.npy'), formatNpy(randomTensor('|u1', [8, 1, 2], 42)));
    writeFileSync(join(f, 'a.npy'), formatNpy(randomTensor('|u1', [8, 1, 2], 43)));
    writeFileSync(join(f, 'notes.txt'), 'x');
    const rep = JSON.parse(run('analyze', f, '--json').stdout);
    expect(rep.layers.map((l: { name: string }) => l.name)).toEqual(['a', 'sub/m', 'z']);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = run('analyze', empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dctcm: .*no \.npy files/);
  });

  it('encode and decode --progress report tile percentages on stderr only', () => {
    const p = writeTensor('prog.npy', randomTensor('|u1', [8, 4, 5], 51));
    const e = run('encode', p, '-o', join(dir, 'prog.dctcm'), '--progress', '--tile-pixels', '5');
    expect(e.code).toBe(0);
    expect(e.stderr).toMatch(/encode prog\.npy: 100% \(4\/4 tiles\)/);
    expect(e.stdout).not.toContain('%');
    const d = run('decode', join(dir, 'prog.dctcm'), '-o', join(dir, 'prog.out.npy'), '--progress');
    expect(d.stderr).toMatch(/decode prog\.dctcm: 100% \(4\/4 tiles\)/);
    expect(run('encode', p, '-o', join(dir, 'prog2.dctcm')).stderr).toBe('');
  });
});
