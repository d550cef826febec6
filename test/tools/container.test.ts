// The .dctcm file (FORMAT.md section 9): round trips, the header layout, and every header/framing check.
import { describe, expect, it } from 'vitest';
import { CONTAINER_VERSION, FILE_HEADER_BYTES, FILE_MAGIC, decodeContainer, defaultTilePixels, encodeTensor, headerCheck, readHeader } from '../../tools/container.js';
import { ERR, InputError, ParamError, StreamError } from '../../golden/errors.js';
import { NpyDtype, Tensor, toPixels } from '../../tools/npy.js';
import { CodecConfig, FORMAT_VERSION, Policy, TileSettings, derive } from '../../golden/params.js';
import { decodeTile } from '../../golden/tile.js';
import { Rng } from '../../sim/rng.js';
import { Pattern, genTensorData, patternsFor } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { cfgOf } from '../helpers/config.js';


const dtypeFor = (W: number, signed: boolean): NpyDtype => (W <= 8 ? (signed ? '|i1' : '|u1') : signed ? '<i2' : '<u2');

function tensorOf(rng: Rng, pattern: Pattern, C: number, H: number, Wd: number, W: number, signed: boolean): Tensor {
  return { dtype: dtypeFor(W, signed), shape: [C, H, Wd], data: genTensorData(rng, pattern, C, H, Wd, W, signed) };
}

const streamError = (f: () => unknown): StreamError => thrown(StreamError, f);

/** Byte offsets of each tile's word-count field, read by walking the file. */
function tileOffsets(bytes: Uint8Array, B: number): number[] {
  const out: number[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = FILE_HEADER_BYTES;
  while (at < bytes.length) {
    out.push(at);
    at += 4 + dv.getUint32(at, true) * (B / 8);
  }
  expect(at).toBe(bytes.length);
  return out;
}

const small = (): { t: Tensor; cfg: CodecConfig; bytes: Uint8Array } => {
  const t: Tensor = { dtype: '|u1', shape: [8, 2, 3], data: Int32Array.from({ length: 48 }, (_, i) => (i * 37) % 11 === 0 ? 0 : (i * 37) % 256) };
  const cfg = cfgOf(8, 8, 8, false, 32);
  const bytes = encodeTensor(t, cfg, { policy: 'lossless', quantShift: 0 }, 4).bytes;
  return { t, cfg, bytes };
};

describe('container round trips', () => {
  it('the header layout of FORMAT.md 9, byte by byte', () => {
    const { bytes } = small();
    // prettier-ignore
    expect(Array.from(bytes.subarray(0, 36))).toEqual([
      0x44, 0x43, 0x54, 0x43, 0x4d, 0x1a, // "DCTCM\x1a"
      1, 3, //                               container version 1, format version 3
      8, 0, //                               C = 8
      8, 8, 0, 12, //                        N, W, unsigned, P
      32, 0, //                              B = 32
      0, 0, 0, 0x44 ^ 0x43 ^ 0x54 ^ 0x43 ^ 0x4d ^ 0x1a ^ 1 ^ 3 ^ 8 ^ 8 ^ 8 ^ 12 ^ 32 ^ 2 ^ 3 ^ 4 ^ 2, // dtype uint8, policy lossless, s = 0, header check (XOR of the rest)
      2, 0, 0, 0, //                         H = 2
      3, 0, 0, 0, //                         W = 3
      4, 0, 0, 0, //                         4 pixels per tile
      2, 0, 0, 0, //                         ceil(6 / 4) = 2 tiles
    ]);
    expect(FILE_MAGIC).toEqual([0x44, 0x43, 0x54, 0x43, 0x4d, 0x1a]);
    expect(FILE_HEADER_BYTES).toBe(36);
    expect(CONTAINER_VERSION).toBe(1);
    expect(FORMAT_VERSION).toBe(3);
  });

  it('the tools\' default tiling: one tile per tensor, or as many whole rows as fit in 65535 pixels', () => {
    expect(defaultTilePixels(1, 1)).toBe(1);
    expect(defaultTilePixels(56, 56)).toBe(56 * 56);
    expect(defaultTilePixels(255, 257)).toBe(65535); // exactly the limit: one tile
    expect(defaultTilePixels(256, 256)).toBe(255 * 256); // 65536 pixels: 255 rows per tile
    expect(defaultTilePixels(3, 70000)).toBe(65535); // a row longer than a tile: tiles of the limit
    expect(defaultTilePixels(300, 300)).toBe(218 * 300);
  });

  it('each tile is its word count then its words, and decodes alone (tiles are independent)', () => {
    const { t, cfg, bytes } = small();
    const d = derive(cfg);
    const offs = tileOffsets(bytes, 32);
    expect(offs.length).toBe(2);
    const px = toPixels(t);
    const counts = [4, 2];
    offs.forEach((at, i) => {
      const words = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
      const units = new Uint32Array(words);
      for (let u = 0; u < words; u++) units[u] = new DataView(bytes.buffer, bytes.byteOffset + at + 4 + 4 * u, 4).getUint32(0, true);
      const dec = decodeTile(d, units);
      expect(dec.count).toBe(counts[i]);
      expect(Array.from(dec.pixels)).toEqual(Array.from(px.subarray(i * 4 * 8, (i * 4 + counts[i]) * 8)));
    });
  });

  const classes: [number, number, boolean, number][] = [
    // W, N, signed, B
    [8, 8, false, 32],
    [8, 8, true, 64],
    [4, 4, false, 96],
    [5, 16, true, 32],
    [12, 8, false, 128],
    [12, 4, true, 32],
    [16, 32, false, 256],
    [16, 8, true, 64],
  ];
  for (const [W, N, signed, B] of classes) {
    it(`W=${W} N=${N} ${signed ? 'signed' : 'unsigned'} B=${B}: lossless is exact, lossy decodes to recon, for several tile sizes`, () => {
      const rng = new Rng(W * 131 + N * 7 + B + (signed ? 1 : 0));
      for (const C of [N, 2 * N]) {
        const cfg = cfgOf(C, N, W, signed, B, rng.pick([8, 12, 16]));
        for (const pattern of patternsFor(signed)) {
          const H = rng.int(1, 5);
          const Wd = rng.int(1, 6);
          const t = tensorOf(rng, pattern, C, H, Wd, W, signed);
          for (const tp of [1, rng.int(2, 7), Wd, H * Wd, H * Wd + 3]) {
            const settingsList: TileSettings[] = [
              { policy: 'lossless', quantShift: 0 },
              { policy: 'auto', quantShift: rng.int(1, W - 1) },
              { policy: 'dct', quantShift: rng.int(0, W - 1) },
            ];
            for (const settings of settingsList) {
              const enc = encodeTensor(t, cfg, settings, tp);
              expect(enc.tiles).toBe(Math.ceil((H * Wd) / tp));
              const dec = decodeContainer(enc.bytes);
              expect(dec.tensor.dtype).toBe(t.dtype);
              expect(dec.tensor.shape).toEqual([C, H, Wd]);
              expect(dec.info.cfg).toEqual(cfg);
              expect(dec.info.settings).toEqual(settings);
              expect(dec.info.tilePixels).toBe(tp);
              expect(dec.info.tiles).toBe(enc.tiles);
              expect(dec.modeCounts).toEqual(enc.modeCounts);
              expect(enc.modeCounts.reduce((a, b) => a + b, 0)).toBe((H * Wd * C) / N);
              expect(dec.tensor.data).toEqual(enc.recon);
              if (settings.policy === 'lossless') expect(dec.tensor.data).toEqual(t.data);
              expect(readHeader(enc.bytes)).toEqual(dec.info);
            }
          }
        }
      }
    });
  }

  it('decodes a file that sits at an odd offset inside a larger buffer', () => {
    const { t, bytes } = small();
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 3);
    const dec = decodeContainer(big.subarray(3, 3 + bytes.length));
    expect(dec.tensor.data).toEqual(t.data);
  });

  it('reports progress once per tile', () => {
    const { t, cfg, bytes } = small();
    const enc: number[][] = [];
    encodeTensor(t, cfg, { policy: 'lossless', quantShift: 0 }, 4, (a, b) => enc.push([a, b]));
    const dec: number[][] = [];
    decodeContainer(bytes, (a, b) => dec.push([a, b]));
    expect(enc).toEqual([[1, 2], [2, 2]]);
    expect(dec).toEqual([[1, 2], [2, 2]]);
  });
});

describe('a file of a build without the DCT (flags bit 1)', () => {
  const t = small().t;
  const noDct = cfgOf(8, 8, 8, false, 32, 12, false);
  it('round trips, records the flag, and its tiles carry the no-DCT tag', () => {
    for (const settings of [{ policy: 'lossless', quantShift: 0 }, { policy: 'auto', quantShift: 2 }] as TileSettings[]) {
      const enc = encodeTensor(t, noDct, settings, 4);
      expect(enc.bytes[12]).toBe(2);
      expect(enc.modeCounts[3]).toBe(0);
      const dv = new DataView(enc.bytes.buffer);
      expect(dv.getUint32(FILE_HEADER_BYTES + 4, true) >>> 16).toBe(derive(noDct).tag);
      const dec = decodeContainer(enc.bytes);
      expect(dec.info.cfg).toEqual(noDct);
      expect(dec.tensor.data).toEqual(enc.recon);
    }
  });
  it('policy dct is a ParamError before anything is coded; a no-DCT header with policy dct is rejected', () => {
    expect(() => encodeTensor(t, noDct, { policy: 'dct', quantShift: 1 }, 4)).toThrow(/--policy dct needs a build with the DCT/);
    const b = encodeTensor(t, noDct, { policy: 'auto', quantShift: 1 }, 4).bytes.slice();
    b[17] = 2;
    b[19] = headerCheck(b);
    const e = streamError(() => decodeContainer(b));
    expect(e.bitOffset).toBe(17 * 8);
    expect(e.message).toMatch(/--policy dct needs a build with the DCT/);
  });
  it('a DCT build file relabelled no-DCT is rejected by its tiles\' tag', () => {
    const b = small().bytes.slice();
    b[12] |= 2;
    b[19] = headerCheck(b);
    const e = streamError(() => decodeContainer(b));
    expect(e.code).toBe(ERR.BAD_TAG);
    expect(e.bitOffset).toBe((FILE_HEADER_BYTES + 4) * 8 + 16);
    expect(e.message).toMatch(/built with the DCT.*--no-dct/);
  });
});

describe('encodeTensor input checks', () => {
  const t = small().t;
  const cfg = cfgOf(8, 8, 8, false, 32);
  const ll: TileSettings = { policy: 'lossless', quantShift: 0 };
  it('channel count, data width, signedness, value range and tile size give InputError naming the problem', () => {
    expect(() => encodeTensor(t, cfgOf(16, 8, 8, false, 32), ll, 4)).toThrow(/8 channels but --channels is 16/);
    expect(() => encodeTensor(t, cfgOf(16, 8, 8, false, 32), ll, 4)).toThrow(InputError);
    expect(() => encodeTensor(t, cfgOf(8, 8, 12, false, 32), ll, 4)).toThrow(/wider than the tensor's \|u1/);
    expect(() => encodeTensor(t, cfgOf(8, 8, 8, true, 32), ll, 4)).toThrow(/unsigned but the codec is configured signed/);
    expect(() => encodeTensor({ ...t, data: t.data.map((v, i) => (i === 13 ? 16 : v & 15)) }, cfgOf(8, 8, 4, false, 32), ll, 4)).toThrow(
      /value 16 at \(c=2, h=0, w=1\) does not fit --data-width 4/,
    );
    expect(() => encodeTensor({ dtype: '|i1', shape: [8, 1, 1], data: Int32Array.from([0, 0, 0, 0, -9, 0, 0, 0]) }, cfgOf(8, 8, 4, true, 32), ll, 1)).toThrow(
      /value -9 at \(c=4, h=0, w=0\)/,
    );
    for (const tp of [0, -1, 1.5]) expect(() => encodeTensor(t, cfg, ll, tp)).toThrow(InputError);
  });
  it('invalid configurations and settings give ParamError', () => {
    expect(() => encodeTensor(t, cfgOf(8, 8, 8, false, 48), ll, 4)).toThrow(ParamError);
    expect(() => encodeTensor(t, cfgOf(8, 8, 8, false, 32, 7), ll, 4)).toThrow(ParamError);
    expect(() => encodeTensor(t, cfg, { policy: 'lossless', quantShift: 2 }, 4)).toThrow(ParamError);
    expect(() => encodeTensor(t, cfg, { policy: 'auto' as Policy, quantShift: 8 }, 4)).toThrow(ParamError);
  });
});

describe('container header and framing checks (StreamError naming the byte)', () => {
  /** Sets bytes of a copy of the small file, then expects a StreamError at `byte` matching `re`. */
  // The header check byte (19) is recomputed after the edit unless keepCheck: each test then reaches the
  // check it aims at, not the header check.
  function rejects(edit: (b: Uint8Array, dv: DataView) => void, byte: number, re: RegExp, keepCheck = false): StreamError {
    const b = small().bytes.slice();
    edit(b, new DataView(b.buffer));
    if (!keepCheck) b[19] = headerCheck(b);
    const e = streamError(() => decodeContainer(b));
    expect(e.bitOffset, e.message).toBe(byte * 8);
    expect(e.message).toMatch(re);
    expect(e.message).toMatch(new RegExp(`\\(byte ${byte}\\)`));
    return e;
  }

  it('a file shorter than the header', () => {
    const b = small().bytes;
    for (const n of [0, 5, 35]) {
      const e = streamError(() => decodeContainer(b.slice(0, n)));
      expect(e.bitOffset).toBe(n * 8);
      expect(e.message).toMatch(/shorter than the 36-byte header/);
    }
  });

  it('bad magic, container version and format version', () => {
    for (let i = 0; i < 6; i++) rejects((b) => (b[i] ^= 0x20), 0, /bad magic/);
    rejects((b) => (b[6] = 2), 6, /container version 2/);
    rejects((b) => (b[7] = 0), 7, /format version 0: an older dctcm wrote this file; re-encode/);
    rejects((b) => (b[7] = 1), 7, /format version 1: an older dctcm wrote this file; re-encode its tensor .*reads format version 3 only/);
    rejects((b) => (b[7] = 2), 7, /format version 2: an older dctcm wrote this file; re-encode its tensor .*reads format version 3 only/);
    rejects((b) => (b[7] = 4), 7, /unsupported format version 4 \(this decoder reads format version 3 only\)/);
  });

  it('invalid configurations', () => {
    rejects((b) => (b[12] = 4), 12, /flags byte 4/);
    rejects((b, dv) => dv.setUint16(8, 0, true), 8, /invalid configuration.*--channels 0/);
    rejects((b, dv) => dv.setUint16(8, 12, true), 8, /not a multiple of --dct-size/);
    rejects((b) => (b[10] = 6), 8, /--dct-size 6/);
    rejects((b) => (b[11] = 3), 8, /--data-width 3/);
    rejects((b) => (b[11] = 17), 8, /--data-width 17/);
    rejects((b) => (b[13] = 7), 8, /--dct-precision 7/);
    rejects((b) => (b[13] = 17), 8, /--dct-precision 17/);
    rejects((b, dv) => dv.setUint16(14, 48, true), 8, /--bus-width 48/);
    rejects((b, dv) => dv.setUint16(14, 0, true), 8, /--bus-width 0/);
  });

  it('dtype, policy, shift and the header check byte', () => {
    rejects((b) => (b[16] = 4), 16, /unknown dtype code 4/);
    rejects((b) => (b[16] = 1), 16, /dtype \|i1 disagrees/); // int8 with unsigned data
    rejects((b) => (b[17] = 3), 17, /unknown policy code 3/);
    rejects((b) => (b[18] = 1), 17, /invalid settings/); // lossless with a shift
    rejects((b) => ((b[17] = 1), (b[18] = 8)), 17, /--quant-shift 8/); // above W - 1
    rejects((b) => (b[19] ^= 1), 19, /header check/, true);
    rejects((b) => (b[16] = 2), 19, /header check/, true); // a valid but flipped dtype (uint16) is caught by the check
    rejects((b) => (b[17] = 1), 19, /header check/, true); // likewise a flipped policy
  });

  it('shape, tile size and tile count', () => {
    rejects((b, dv) => dv.setUint32(20, 0, true), 20, /empty/);
    rejects((b, dv) => dv.setUint32(24, 0, true), 20, /empty/);
    rejects((b, dv) => dv.setUint32(28, 0, true), 28, /tile size is zero/);
    rejects((b, dv) => dv.setUint32(32, 3, true), 32, /tile count 3/);
    rejects((b, dv) => dv.setUint32(32, 0, true), 32, /tile count 0/);
  });

  it('a header that disagrees with the tiles: pixel count, shift, config tag', () => {
    const b = small().bytes;
    const offs = tileOffsets(b, 32);
    // W = 4: 8 pixels, still 2 tiles of 4, but tile 1 holds 2
    rejects((x, dv) => dv.setUint32(24, 4, true), offs[1] + 4, /tile 1 holds 2 pixels, expected 4/);
    // P = 13: valid, but the tiles carry the tag of P = 12
    const e = rejects((x) => (x[13] = 13), offs[0] + 4 + 2, /configuration tag/);
    expect(e.bitOffset).toBe((offs[0] + 4) * 8 + 16);
    expect(e.code).toBe(ERR.BAD_TAG); // a tile's own check keeps its code inside a file
    // a lossy file whose header shift differs from the tiles'
    const t = small().t;
    const lossy = encodeTensor(t, cfgOf(8, 8, 8, false, 32), { policy: 'auto', quantShift: 2 }, 4).bytes.slice();
    lossy[18] = 3;
    lossy[19] = headerCheck(lossy);
    const s = streamError(() => decodeContainer(lossy));
    expect(s.bitOffset).toBe((FILE_HEADER_BYTES + 4) * 8 + 12);
    expect(s.message).toMatch(/tile 0 uses quantization shift 2, the header says 3/);
    expect(s.code).toBe(ERR.CONTAINER);
  });

  it('truncated tiles and trailing bytes', () => {
    const b = small().bytes;
    const offs = tileOffsets(b, 32);
    // cut inside tile 1's words
    for (const cut of [b.length - 1, b.length - 4, offs[1] + 4]) {
      const e = streamError(() => decodeContainer(b.slice(0, cut)));
      expect(e.bitOffset).toBe((offs[1] + 4) * 8);
      expect(e.message).toMatch(/tile 1 claims \d+ words but the file ends after/);
    }
    // cut at or inside tile 1's word count
    for (const cut of [offs[1], offs[1] + 2]) {
      const e = streamError(() => decodeContainer(b.slice(0, cut)));
      expect(e.bitOffset).toBe(offs[1] * 8);
      expect(e.message).toMatch(/file ends before tile 1 of 2/);
    }
    // no tiles at all
    expect(streamError(() => decodeContainer(b.slice(0, 36))).message).toMatch(/cannot hold the 2 tiles/);
    // trailing data
    for (const extra of [[0], [0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
      const longer = new Uint8Array(b.length + extra.length);
      longer.set(b);
      longer.set(extra, b.length);
      const e = streamError(() => decodeContainer(longer));
      expect(e.bitOffset).toBe(b.length * 8);
      expect(e.message).toMatch(new RegExp(`${extra.length} bytes of trailing data`));
    }
  });

  it('a tile word count of zero, or one that does not fit the file', () => {
    const b = small().bytes;
    const offs = tileOffsets(b, 32);
    const zero = b.slice();
    new DataView(zero.buffer).setUint32(offs[0], 0, true);
    expect(streamError(() => decodeContainer(zero)).bitOffset).toBe((offs[0] + 4) * 8);
    const huge = b.slice();
    new DataView(huge.buffer).setUint32(offs[0], 0xffffffff, true);
    expect(streamError(() => decodeContainer(huge)).message).toMatch(/claims 4294967295 words/);
  });

  it('pixels per tile above 65535 (a tile\'s 16-bit count) is rejected at byte 28', () => {
    rejects((b, dv) => {
      dv.setUint32(28, 65536, true);
      dv.setUint32(32, 1, true);
    }, 28, /tile size 65536 is above 65535/);
  });

  it('a 36-byte header declaring a huge tensor is rejected as a StreamError, not a crash', () => {
    // C = 8, H = W = 65536, 65535 pixels per tile -> tiles = ceil(2^32 / 65535) = 65538: a
    // self-consistent header, and the file ends right after it. Expected: StreamError "cannot hold the
    // 65538 tiles" at byte 36. (decodeContainer sizes its output from the header before reading any tile.)
    const b = small().bytes.slice(0, 36);
    const dv = new DataView(b.buffer);
    dv.setUint32(20, 65536, true);
    dv.setUint32(24, 65536, true);
    dv.setUint32(28, 65535, true);
    dv.setUint32(32, 65538, true);
    b[19] = headerCheck(b);
    expect(readHeader(b).tiles).toBe(65538);
    const e = streamError(() => decodeContainer(b));
    expect(e.bitOffset).toBe(36 * 8);
    expect(e.message).toMatch(/cannot hold the 65538 tiles/);
  });
});

describe('tile errors name file offsets', () => {
  // Every check decodeTile makes, by the words of its problem text. Each must be met by some mutant
  // below, and every mutant's error must be one of them.
  const KINDS: [string, RegExp][] = [
    ['not whole words', /is not a whole number of/],
    ['too short', /shorter than a header and a trailer/],
    ['tile magic', /bad tile magic/],
    ['format version', /unsupported format version/],
    ['shift', /quantization shift \d+ exceeds/],
    ['tag', /configuration tag/],
    ['past end: pixel count', /^pixel count runs past the end/],
    ['past end: slot', /^slot \d+ runs past the end/],
    ['escape index', /^escape field \d+ of channel/],
    ['coefficient width', /^DCT coefficient width \d+ exceeds/],
    ['value range', /is outside the/],
    ['too many pixels', /more than the expected/],
    ['data after end', /the last slot is followed by/],
    ['padding', /non-zero padding/],
    ['trailer count', /trailer counts/],
    ['checksum', /^checksum/],
    ['trailer high bits', /non-zero bits in the trailer word/],
  ];

  /** bytes with tile `k`'s words replaced by `units` (its word count updated), and where those words start. */
  function withTile(bytes: Uint8Array, B: number, k: number, units: Uint32Array): { file: Uint8Array; wordsAt: number } {
    const offs = tileOffsets(bytes, B);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = offs[k] + 4 + dv.getUint32(offs[k], true) * (B / 8);
    const file = new Uint8Array(offs[k] + 4 + units.length * 4 + (bytes.length - end));
    file.set(bytes.subarray(0, offs[k]));
    const fv = new DataView(file.buffer);
    fv.setUint32(offs[k], (units.length * 32) / B, true);
    units.forEach((u, i) => fv.setUint32(offs[k] + 4 + 4 * i, u, true));
    file.set(bytes.subarray(end), offs[k] + 4 + units.length * 4);
    return { file, wordsAt: offs[k] + 4 };
  }

  function tileUnits(bytes: Uint8Array, B: number, k: number): Uint32Array {
    const at = tileOffsets(bytes, B)[k];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Uint32Array.from({ length: (dv.getUint32(at, true) * B) / 32 }, (_, i) => dv.getUint32(at + 4 + 4 * i, true));
  }

  it('every kind of tile-data error, in the second tile of a file, is reported at the tile offset plus the tile start', () => {
    const seen = new Map<string, number>();
    let mutants = 0;
    // W = 9 leaves escape values beyond the unranked lengths; signed and DCT-forced files reach the sign
    // and DCT fields; B = 64 has trailer bits above the count and checksum.
    const setups: [CodecConfig, TileSettings][] = [
      [cfgOf(8, 8, 8, false, 32), { policy: 'lossless', quantShift: 0 }],
      [cfgOf(8, 4, 9, false, 32), { policy: 'lossless', quantShift: 0 }],
      [cfgOf(16, 8, 8, true, 32), { policy: 'auto', quantShift: 2 }],
      [cfgOf(16, 8, 8, true, 32), { policy: 'dct', quantShift: 1 }],
      [cfgOf(8, 8, 8, false, 64), { policy: 'auto', quantShift: 3 }],
    ];
    const rng = new Rng(2024);
    for (const [cfg, settings] of setups) {
      const d = derive(cfg);
      for (const pattern of patternsFor(cfg.signed)) {
        const t = tensorOf(rng, pattern, cfg.channels, 2, 3, cfg.dataWidth, cfg.signed);
        const bytes = encodeTensor(t, cfg, settings, 3).bytes; // two tiles of three pixels
        const tile = tileUnits(bytes, cfg.busWidth, 1);
        const per = cfg.busWidth / 32;
        const candidates: Uint32Array[] = [new Uint32Array(0), tile.slice(0, per)];
        // cut short: the header word, the first k data words, the trailer word
        for (let k = 0; k < tile.length / per - 2; k++) candidates.push(Uint32Array.from([...tile.subarray(0, per * (k + 1)), ...tile.subarray(tile.length - per)]));
        // every single bit flipped
        for (let bit = 0; bit < tile.length * 32; bit++) {
          const m = tile.slice();
          m[bit >>> 5] ^= 1 << (bit & 31);
          candidates.push(m);
        }
        for (const m of candidates) {
          let bare: StreamError;
          try {
            decodeTile(d, m, 3);
            continue; // a mutant the tile decoder accepts (it may still fail the container's checks)
          } catch (e) {
            if (!(e instanceof StreamError)) throw e;
            bare = e;
          }
          const kind = KINDS.find(([, re]) => re.test(bare.problem));
          expect(kind, `unclassified tile error: ${bare.problem}`).toBeDefined();
          if ((seen.get(kind![0]) ?? 0) >= 50) continue; // enough of this kind: keeps the test fast
          seen.set(kind![0], (seen.get(kind![0]) ?? 0) + 1);
          const { file, wordsAt } = withTile(bytes, cfg.busWidth, 1, m);
          expect(wordsAt).toBeGreaterThan(FILE_HEADER_BYTES + 4);
          // a file too small for its two tiles fails the container's size check before any tile is read
          if (file.length - FILE_HEADER_BYTES < 2 * (4 + (2 * cfg.busWidth) / 8)) continue;
          const e = streamError(() => decodeContainer(file));
          expect(e.problem).toBe(bare.problem);
          expect(e.bitOffset, bare.problem).toBe(wordsAt * 8 + bare.bitOffset);
          expect(e.message).toContain(`at bit ${wordsAt * 8 + bare.bitOffset} (byte ${Math.floor((wordsAt * 8 + bare.bitOffset) / 8)})`);
          mutants++;
        }
      }
    }
    expect(KINDS.filter(([k]) => !seen.has(k)).map(([k]) => k)).toEqual([]);
    expect(mutants).toBeGreaterThan(500);
  });
});
