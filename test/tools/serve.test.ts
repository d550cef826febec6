// dctcm serve: the protocol of docs/SERVE.md, on a real server process from the build. Good requests
// are checked against the golden model run in this process (same bits, same decoded values); every kind
// of malformed request must get an error answer and leave the server answering the next request right.
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTilePixels, encodeTensor } from '../../tools/container.js';
import { resolveConfig } from '../../tools/analyze.js';
import { NPY_DTYPES, Tensor } from '../../tools/npy.js';
import { FrameEvent, FrameReader, MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES, OPS, SERVE_DTYPES, SERVE_ERRORS, SETTING_NAMES, answer } from '../../tools/serve.js';
import { TileSettings } from '../../golden/params.js';
import { floats } from '../../sim/rng.js';
import { ROOT, buildDist } from '../helpers/build.js';

const CLI = join(ROOT, 'dist', 'tools', 'dctcm.js');
type Header = Record<string, unknown>;
type DtypeName = 'uint8' | 'int8' | 'uint16' | 'int16';

interface Frame {
  header: Header;
  payload: Buffer;
}

/** A client that writes raw bytes and reads answer frames, to drive the server with any input. */
class Client {
  readonly proc: ChildProcessWithoutNullStreams;
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor() {
    this.proc = spawn(process.execPath, [CLI, 'serve']);
    this.proc.stdout.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      this.wake?.();
    });
    this.proc.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((res) => this.proc.on('close', (code) => res(code)));
  }

  write(b: Uint8Array | string): void {
    this.proc.stdin.write(b);
  }

  /** A well-formed frame; `lead` sends the LF that SERVE.md recommends before every header. */
  send(header: Header, payload: Uint8Array = new Uint8Array(0), lead = false): void {
    const h = Buffer.from(`${lead ? '\n' : ''}${JSON.stringify({ ...header, bytes: payload.length })}\n`);
    this.write(payload.length > 0 ? Buffer.concat([h, payload, Buffer.from('\n')]) : h);
  }

  /** The next answer frame; fails the test after 30 s. */
  async next(): Promise<Frame> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const f = this.take();
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no answer within 30 s; have ${this.buf.length} bytes: ${this.buf.subarray(0, 200).toString()}`);
      await new Promise<void>((res) => {
        this.wake = res;
        setTimeout(res, 1000);
      });
      this.wake = null;
    }
  }

  private take(): Frame | null {
    const nl = this.buf.indexOf(0x0a);
    if (nl < 0) return null;
    const header = JSON.parse(this.buf.subarray(0, nl).toString()) as Header;
    const n = header.bytes as number;
    const end = nl + 1 + n + (n > 0 ? 1 : 0);
    if (this.buf.length < end) return null;
    if (n > 0) expect(this.buf[end - 1]).toBe(0x0a);
    const payload = Buffer.from(this.buf.subarray(nl + 1, nl + 1 + n));
    this.buf = this.buf.subarray(end);
    return { header, payload };
  }

  pending(): number {
    return this.buf.length;
  }
}

function randomTensor(dtype: DtypeName, shape: number[], seed: number): { raw: Buffer; values: Int32Array } {
  const r = floats(seed);
  const { bits, signed } = NPY_DTYPES[SERVE_DTYPES[dtype]];
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    // sparse and mostly small, like activations, with a few extremes
    values[i] = u < 0.4 ? 0 : u < 0.97 ? Math.round((r() - (signed ? 0.5 : 0)) * hi / 6) : r() < 0.5 ? lo : hi;
  }
  return { raw: toRaw(values, dtype), values };
}

function toRaw(values: Int32Array, dtype: DtypeName): Buffer {
  const { bits, signed } = NPY_DTYPES[SERVE_DTYPES[dtype]];
  const b = Buffer.alloc(values.length * (bits / 8));
  values.forEach((v, i) => {
    if (bits === 8) signed ? b.writeInt8(v, i) : b.writeUInt8(v, i);
    else signed ? b.writeInt16LE(v, 2 * i) : b.writeUInt16LE(v, 2 * i);
  });
  return b;
}

/** The golden model in this process: container bytes and reconstruction of one C x H x W tensor. */
function reference(dtype: DtypeName, shape: number[], values: Int32Array, s: Header = {}): { bits: number; recon: Int32Array; bytes: Uint8Array } {
  const t: Tensor = { dtype: SERVE_DTYPES[dtype], shape: shape as [number, number, number], data: values };
  const cfg = resolveConfig(t, { dctSize: s.dct_size as number | undefined, busWidth: s.bus_width as number | undefined, dataWidth: s.data_width as number | undefined, dct: s.dct as boolean | undefined });
  const settings: TileSettings = { policy: (s.policy as TileSettings['policy']) ?? 'lossless', quantShift: (s.quant_shift as number) ?? 0 };
  const e = encodeTensor(t, cfg, settings, (s.tile_pixels as number) ?? defaultTilePixels(shape[1], shape[2]));
  return { bits: e.bytes.length * 8, recon: e.recon, bytes: e.bytes };
}

let client: Client;
let nextSeed = 1;

beforeAll(async () => {
  await buildDist(['tools/'], ['dist/tools/dctcm.js']);
  client = new Client();
}, 300_000);

afterAll(async () => {
  if (client && client.proc.exitCode === null) {
    client.proc.stdin.end();
    await client.exited;
  }
});

/** A good lossless request (id `id`); checks the answer is exact and counts the reference's bits. */
async function expectGood(id: number, lead = false): Promise<void> {
  const shape = [16, 3, 5];
  const { raw, values } = randomTensor('uint8', shape, nextSeed++);
  client.send({ id, op: 'code', dtype: 'uint8', shape }, raw, lead);
  const a = await client.next();
  expect(a.header).toMatchObject({ id, ok: true, op: 'code', dtype: 'uint8', shape, bits: reference('uint8', shape, values).bits });
  expect(Buffer.compare(a.payload, raw)).toBe(0);
}

describe('good requests', () => {
  it('hello names the protocol, the ops, dtypes and settings', async () => {
    client.send({ id: 'h', op: 'hello' });
    const a = await client.next();
    expect(a.header).toMatchObject({ id: 'h', ok: true, protocol: 1, ops: [...OPS], dtypes: Object.keys(SERVE_DTYPES), settings: [...SETTING_NAMES], bytes: 0 });
  });

  it.each(['uint8', 'int8', 'uint16', 'int16'] as DtypeName[])('code %s lossless: exact, bits of the golden model', async (dtype) => {
    const shape = [16, 4, 7];
    const { raw, values } = randomTensor(dtype, shape, nextSeed++);
    client.send({ id: 11, op: 'code', dtype, shape }, raw);
    const a = await client.next();
    const ref = reference(dtype, shape, values);
    // the default tiling: the whole 4 x 7 tensor in one tile
    expect(a.header).toMatchObject({ id: 11, ok: true, dtype, shape, bits: ref.bits, input_bits: values.length * (dtype.endsWith('8') ? 8 : 16), tiles: 1 });
    expect(a.header.stream_bits).toBe(ref.bits - 8 * (36 + 4 * 1));
    expect(Buffer.compare(a.payload, raw)).toBe(0);
  });

  it('code auto with every setting: the golden model reconstruction, settings echoed', async () => {
    const shape = [32, 5, 6];
    const s = { policy: 'auto', quant_shift: 2, dct_size: 16, data_width: 8, bus_width: 96, dct_precision: 12, dct: true, tile_pixels: 7 };
    const { raw, values } = randomTensor('uint8', shape, nextSeed++);
    client.send({ id: 12, op: 'code', dtype: 'uint8', shape, settings: s }, raw);
    const a = await client.next();
    const ref = reference('uint8', shape, values, s);
    expect(a.header).toMatchObject({ ok: true, bits: ref.bits, settings: s, tiles: 5 });
    expect(Buffer.compare(a.payload, toRaw(ref.recon, 'uint8'))).toBe(0);
    expect(Buffer.compare(a.payload, raw)).not.toBe(0); // lossy: something changed
  });

  it('code and encode with dct false: a no-DCT build, no DCT block, its file decodes as one', async () => {
    const shape = [16, 4, 5];
    const st = { policy: 'auto', quant_shift: 1, dct: false };
    const { raw, values } = randomTensor('uint8', shape, nextSeed++);
    client.send({ id: 16, op: 'code', dtype: 'uint8', shape, settings: st }, raw);
    const a = await client.next();
    const ref = reference('uint8', shape, values, st);
    expect(a.header).toMatchObject({ ok: true, bits: ref.bits, settings: st });
    expect((a.header.modes as Record<string, number>).dct).toBe(0);
    expect(Buffer.compare(a.payload, toRaw(ref.recon, 'uint8'))).toBe(0);
    client.send({ id: 17, op: 'encode', dtype: 'uint8', shape, settings: st }, raw);
    const e = await client.next();
    expect(Buffer.compare(e.payload, Buffer.from(ref.bytes))).toBe(0);
    client.send({ id: 18, op: 'decode' }, e.payload);
    const d = await client.next();
    expect(d.header).toMatchObject({ id: 18, ok: true, settings: st });
  });

  it('code N x C x H x W codes each item as its own tensor', async () => {
    const shape = [3, 8, 4, 4];
    const { raw, values } = randomTensor('uint8', shape, nextSeed++);
    client.send({ id: 13, op: 'code', dtype: 'uint8', shape, settings: { policy: 'auto', quant_shift: 1 } }, raw);
    const a = await client.next();
    const per = 8 * 4 * 4;
    const refs = [0, 1, 2].map((k) => reference('uint8', [8, 4, 4], values.subarray(k * per, (k + 1) * per), { policy: 'auto', quant_shift: 1 }));
    expect(a.header.item_bits).toEqual(refs.map((r) => r.bits));
    expect(a.header.bits).toBe(refs.reduce((x, r) => x + r.bits, 0));
    const want = Buffer.concat(refs.map((r) => toRaw(r.recon, 'uint8')));
    expect(Buffer.compare(a.payload, want)).toBe(0);
  });

  it('encode returns the .dctcm file and decode reads it back', async () => {
    const shape = [8, 3, 9];
    const { raw, values } = randomTensor('int16', shape, nextSeed++);
    client.send({ id: 14, op: 'encode', dtype: 'int16', shape, settings: { tile_pixels: 10 } }, raw);
    const e = await client.next();
    const ref = reference('int16', shape, values, { tile_pixels: 10 });
    expect(Buffer.compare(e.payload, Buffer.from(ref.bytes))).toBe(0);
    expect(e.header.bits).toBe(ref.bits);
    client.send({ id: 15, op: 'decode' }, e.payload);
    const d = await client.next();
    expect(d.header).toMatchObject({ id: 15, ok: true, dtype: 'int16', shape, settings: { policy: 'lossless', tile_pixels: 10 } });
    expect(Buffer.compare(d.payload, raw)).toBe(0);
  });

  it('pipelined requests are answered in order', async () => {
    const sent = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => {
      const t = randomTensor('uint8', [8, 2, 3 + k], nextSeed++);
      client.send({ id: 100 + k, op: 'code', dtype: 'uint8', shape: [8, 2, 3 + k] }, t.raw);
      return t.raw;
    });
    for (let k = 0; k < sent.length; k++) {
      const a = await client.next();
      expect(a.header.id).toBe(100 + k);
      expect(Buffer.compare(a.payload, sent[k])).toBe(0);
    }
  });

  it('a payload whose closing LF is missing is closed by the next frame’s leading LF', async () => {
    const { raw } = randomTensor('uint8', [8, 2, 2], nextSeed++);
    client.write(Buffer.concat([Buffer.from(JSON.stringify({ id: 20, op: 'code', dtype: 'uint8', shape: [8, 2, 2], bytes: raw.length }) + '\n'), raw]));
    const { raw: raw2 } = randomTensor('uint8', [8, 3, 3], nextSeed++);
    client.send({ id: 21, op: 'code', dtype: 'uint8', shape: [8, 3, 3] }, raw2, true);
    const a = await client.next();
    expect(a.header).toMatchObject({ id: 20, ok: true });
    expect(Buffer.compare(a.payload, raw)).toBe(0);
    const b = await client.next();
    expect(b.header).toMatchObject({ id: 21, ok: true });
    expect(Buffer.compare(b.payload, raw2)).toBe(0);
  });
});

const tensorHeader = (extra: Header = {}) => ({ op: 'code', dtype: 'uint8', shape: [8, 2, 3], ...extra });
const ok48 = randomTensor('uint8', [8, 2, 3], 4242).raw;
const frame = (h: Header, payload: Uint8Array = new Uint8Array(0)) =>
  Buffer.concat([Buffer.from(JSON.stringify({ ...h, bytes: payload.length }) + '\n'), payload, Buffer.from(payload.length ? '\n' : '')]);

// [what, raw bytes sent, expected error code, expected id, message pattern]
const MALFORMED: [string, Buffer, keyof typeof SERVE_ERRORS, unknown, RegExp][] = [
  ['bad JSON', Buffer.from('{"id": 5, "op":\n'), 'bad_header', null, /not JSON/],
  ['bad JSON followed by a binary payload of unknown length', Buffer.concat([Buffer.from('{oops\n'), Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 37 + (i >> 3)) & 0xff)), Buffer.from('\n')]), 'bad_header', null, /not JSON/],
  ['a JSON array', Buffer.from('[1, 2]\n'), 'bad_header', null, /not an object/],
  ['a negative byte count', Buffer.from('{"id": 7, "op": "code", "bytes": -4}\n'), 'bad_header', 7, /"bytes" must be a non-negative integer/],
  ['a byte count that is a string', Buffer.from('{"id": 8, "op": "code", "bytes": "12"}\ntwelve bytes\n'), 'bad_header', 8, /"bytes" must be a non-negative integer/],
  ['an unknown op', frame({ id: 9, op: 'zip' }), 'bad_request', 9, /"op" must be one of/],
  ['no op', frame({ id: 10 }, ok48), 'bad_request', 10, /"op" must be one of/],
  ['an unknown field', frame(tensorHeader({ id: 11, colour: 'red' }), ok48), 'bad_request', 11, /unknown field "colour"/],
  ['hello with a payload', frame({ id: 12, op: 'hello' }, ok48), 'bad_request', 12, /takes no payload/],
  ['decode with settings', frame({ id: 13, op: 'decode', settings: {} }, ok48), 'bad_request', 13, /does not belong to op "decode"/],
  ['an unknown policy', frame(tensorHeader({ id: 20, settings: { policy: 'fast' } }), ok48), 'bad_settings', 20, /settings.policy "fast"/],
  ['a quant shift out of range', frame(tensorHeader({ id: 21, settings: { policy: 'auto', quant_shift: 9 } }), ok48), 'bad_settings', 21, /quant_shift 9 is out of range/],
  ['a quant shift under lossless', frame(tensorHeader({ id: 22, settings: { quant_shift: 1 } }), ok48), 'bad_settings', 22, /quant_shift 1 needs a lossy policy/],
  ['a quant shift that is a string', frame(tensorHeader({ id: 23, settings: { policy: 'auto', quant_shift: '1' } }), ok48), 'bad_settings', 23, /quant_shift must be an integer/],
  ['a fractional quant shift', frame(tensorHeader({ id: 24, settings: { policy: 'auto', quant_shift: 1.5 } }), ok48), 'bad_settings', 24, /quant_shift must be an integer/],
  ['an unsupported DCT size', frame(tensorHeader({ id: 25, settings: { dct_size: 5 } }), ok48), 'bad_settings', 25, /dct_size 5 is not supported/],
  ['channels not a multiple of the DCT size', frame(tensorHeader({ id: 26, settings: { dct_size: 16 } }), ok48), 'bad_settings', 26, /C=8 channels.*dct_size 16/],
  ['a dct setting that is not a boolean', frame(tensorHeader({ id: 33, settings: { dct: 'no' } }), ok48), 'bad_settings', 33, /settings.dct must be true or false, got "no"/],
  ['the dct policy with dct false', frame(tensorHeader({ id: 34, settings: { policy: 'dct', dct: false } }), ok48), 'bad_settings', 34, /^policy dct needs a build with the DCT mode: this configuration is built with dct false/],
  ['a bus width not a multiple of 32', frame(tensorHeader({ id: 27, settings: { bus_width: 33 } }), ok48), 'bad_settings', 27, /bus_width 33/],
  ['zero tile pixels', frame(tensorHeader({ id: 28, settings: { tile_pixels: 0 } }), ok48), 'bad_settings', 28, /settings.tile_pixels must be a positive integer, got 0/],
  ['an unknown setting', frame(tensorHeader({ id: 29, settings: { quantshift: 1 } }), ok48), 'bad_settings', 29, /unknown setting "quantshift"/],
  ['settings that are not an object', frame(tensorHeader({ id: 30, settings: 'auto' }), ok48), 'bad_settings', 30, /"settings" must be an object/],
  ['a data width wider than the dtype', frame(tensorHeader({ id: 31, settings: { data_width: 9 } }), ok48), 'bad_settings', 31, /settings.data_width 9 is wider than the uint8 dtype \(8 bits\)/],
  ['a value that does not fit the data width', frame(tensorHeader({ id: 32, settings: { data_width: 4 } }), Buffer.alloc(48, 200)), 'bad_tensor', 32, /value 200 .* does not fit data_width 4/],
  ['an unsupported dtype', frame(tensorHeader({ id: 40, dtype: 'float32' }), ok48), 'bad_tensor', 40, /dtype "float32" is not supported/],
  ['no dtype', frame({ id: 41, op: 'code', shape: [8, 2, 3] }, ok48), 'bad_tensor', 41, /"dtype" must be one of/],
  ['a 2-D shape', frame(tensorHeader({ id: 42, shape: [8, 6] }), ok48), 'bad_tensor', 42, /"shape" must be C x H x W or N x C x H x W/],
  ['a zero size', frame(tensorHeader({ id: 43, shape: [8, 0, 3] }), ok48), 'bad_tensor', 43, /positive integer sizes/],
  ['a size that is a string', frame(tensorHeader({ id: 44, shape: [8, 2, '3'] }), ok48), 'bad_tensor', 44, /positive integer sizes/],
  ['a batch for encode', frame(tensorHeader({ id: 45, op: 'encode', shape: [1, 8, 2, 3] }), ok48), 'bad_tensor', 45, /"shape" must be C x H x W with/],
  ['fewer payload bytes than the shape needs', frame(tensorHeader({ id: 46 }), ok48.subarray(0, 40)), 'bad_tensor', 46, /payload holds 40 bytes but a 8x2x3 uint8 tensor is 48 bytes/],
  ['more payload bytes than the shape needs', frame(tensorHeader({ id: 47 }), Buffer.concat([ok48, ok48])), 'bad_tensor', 47, /payload holds 96 bytes/],
  ['an odd byte count for a 16-bit dtype', frame(tensorHeader({ id: 48, dtype: 'uint16' }), ok48.subarray(0, 47)), 'bad_tensor', 48, /payload holds 47 bytes but a 8x2x3 uint16 tensor is 96 bytes/],
  ['decode of bytes that are not a .dctcm file', frame({ id: 50, op: 'decode' }, Buffer.from('not a container')), 'bad_stream', 50, /bad magic|shorter than/],
  ['decode of a truncated .dctcm file', frame({ id: 51, op: 'decode' }, Buffer.from(reference('uint8', [8, 2, 3], new Int32Array(48).fill(3)).bytes.subarray(0, 44))), 'bad_stream', 51, /malformed stream/],
];

describe('malformed requests: one error answer each, then the next request is answered right', () => {
  it.each(MALFORMED)('%s', async (_what, bytes, code, id, message) => {
    client.write(bytes);
    const a = await client.next();
    expect(a.header).toMatchObject({ id, ok: false, error: { code }, bytes: 0 });
    expect((a.header.error as { message: string }).message).toMatch(message);
    await expectGood(1000 + nextSeed);
    expect(client.pending()).toBe(0); // no second answer to the bad request
  });

  it('more payload bytes than "bytes" declares: bad_frame, the rest is skipped', async () => {
    client.write(Buffer.concat([Buffer.from(JSON.stringify(tensorHeader({ id: 60, bytes: 48 })) + '\n'), ok48, Buffer.from('twelve more!'), Buffer.from('\n')]));
    const a = await client.next();
    expect(a.header).toMatchObject({ id: 60, ok: false, error: { code: 'bad_frame' } });
    expect((a.header.error as { message: string }).message).toMatch(/followed by byte 0x74, not LF/);
    await expectGood(61, true);
    expect(client.pending()).toBe(0);
  });

  it('a header line longer than the limit: bad_header once', async () => {
    client.write(Buffer.concat([Buffer.from('{"id": 70, "pad": "'), Buffer.alloc(MAX_HEADER_BYTES + 10, 'x'), Buffer.from('"}\n')]));
    const a = await client.next();
    expect(a.header).toMatchObject({ id: null, ok: false, error: { code: 'bad_header' } });
    expect((a.header.error as { message: string }).message).toMatch(/longer than 1048576 bytes/);
    await expectGood(71);
    expect(client.pending()).toBe(0);
  });

  it('input that ends inside a payload is answered truncated, and the server exits 0', async () => {
    await expectGood(80);
    client.write(Buffer.concat([Buffer.from(JSON.stringify(tensorHeader({ id: 81, bytes: 48 })) + '\n'), ok48.subarray(0, 10)]));
    client.proc.stdin.end();
    const a = await client.next();
    expect(a.header).toMatchObject({ id: 81, ok: false, error: { code: 'truncated', message: 'input ended after 10 of the 48 payload bytes declared' } });
    expect(await client.exited).toBe(0);
    expect(client.stderr).toBe('');
  });
});

describe('the frame reader', () => {
  const stream = Buffer.concat([
    frame({ id: 1, op: 'hello' }),
    Buffer.from('\n\n{broken\n'),
    Buffer.from('garbage line\n'),
    frame(tensorHeader({ id: 2 }), ok48),
    Buffer.from(JSON.stringify(tensorHeader({ id: 3, bytes: 2 })) + '\nabcdef\n'),
    frame({ id: 4, op: 'hello' }),
    Buffer.from('{"id": 5, "bytes": 9}\n1234'),
  ]);
  const summary = (evs: FrameEvent[]) => evs.map((e) => (e.kind === 'request' ? `req ${e.header.id} ${Buffer.from(e.payload).toString('hex')}` : `err ${String(e.id)} ${e.code}`));

  it('splits a stream into the same events whatever the chunking (whole, every byte, random)', () => {
    const whole = new FrameReader();
    const want = summary([...whole.push(stream), ...whole.end()]);
    expect(want).toEqual(['req 1 ', 'err null bad_header', `req 2 ${ok48.toString('hex')}`, 'err 3 bad_frame', 'req 4 ', 'err 5 truncated']);
    const bytewise = new FrameReader();
    const got: FrameEvent[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...bytewise.push(stream.subarray(i, i + 1)));
    got.push(...bytewise.end());
    expect(summary(got)).toEqual(want);
    const r = floats(7);
    for (let trial = 0; trial < 20; trial++) {
      const fr = new FrameReader();
      const evs: FrameEvent[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = 1 + Math.floor(r() * 40);
        evs.push(...fr.push(stream.subarray(i, i + n)));
        i += n;
      }
      evs.push(...fr.end());
      expect(summary(evs)).toEqual(want);
    }
  });

  it('answers an error with the same frame layout as a result, and never throws', () => {
    const a = Buffer.from(answer({ kind: 'request', header: { id: 'x', op: 'code', dtype: 'uint8', shape: [8, 2, 3], bytes: 5 }, payload: new Uint8Array(5) }));
    expect(a[a.length - 1]).toBe(0x0a);
    expect(JSON.parse(a.toString())).toMatchObject({ id: 'x', ok: false, error: { code: 'bad_tensor' }, bytes: 0 });
  });
});

describe('docs/SERVE.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'SERVE.md'), 'utf8');
  it.each([...Object.keys(SERVE_ERRORS), ...OPS, ...SETTING_NAMES, ...Object.keys(SERVE_DTYPES)])('documents `%s`', (name) => {
    expect(doc).toContain(`\`${name}\``);
  });
  it('states the header and payload limits the server applies', () => {
    expect(doc).toContain(`${MAX_HEADER_BYTES} bytes`);
    expect(doc).toContain(`over ${MAX_PAYLOAD_BYTES} bytes`);
  });
});
