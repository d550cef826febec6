// dctcm serve: the codec as one long-running process that codes tensor after tensor, for programs in
// other languages (python/dctcm_torch.py). The protocol is specified in docs/SERVE.md; in short, every
// message in either direction is a frame: one JSON header line, then exactly `bytes` payload bytes, then
// one LF when bytes > 0. The server consumes exactly the declared length whatever else is wrong with a
// request, so a bad request costs one error answer and the next request is read from the right byte.
import { GENERATOR_VERSION } from '../generator/render.js';
import { InputError, ParamError, StreamError } from '../golden/errors.js';
import { CodecConfig, FORMAT_VERSION, MAX_TILE_PIXELS, POLICIES, Policy, TileSettings, hasDct } from '../golden/params.js';
import { CodecOptions, resolveConfig } from './analyze.js';
import { FILE_HEADER_BYTES, decodeContainer, defaultTilePixels, encodeTensor } from './container.js';
import { LITTLE_ENDIAN, NPY_DTYPES, NpyDtype, Tensor } from './npy.js';

export const PROTOCOL_VERSION = 1;
/** Longest header line the server buffers; a longer line is a bad_header error. */
export const MAX_HEADER_BYTES = 1 << 20;
/** Largest payload the server accepts; a larger one is consumed (not stored) and answered too_large. */
export const MAX_PAYLOAD_BYTES = 1 << 30;
const LF = 0x0a;

/** Error codes of an answer's `error.code`, with what they mean (docs/SERVE.md section 5 lists them). */
export const SERVE_ERRORS = {
  bad_header: 'the header line is not a JSON object, is too long, or its `bytes` is not a non-negative integer: the payload length is unknown, so input is skipped up to the next line that is a JSON object',
  bad_frame: 'the byte after the declared payload is not LF: more bytes were sent than `bytes` declares; input is skipped up to the next line that is a JSON object',
  truncated: 'input ended inside a payload or a header line',
  too_large: `the payload exceeds ${MAX_PAYLOAD_BYTES} bytes (it was consumed and dropped)`,
  bad_request: 'unknown op, unknown field, or a field missing or of the wrong type',
  bad_settings: "a codec setting is invalid, alone or for this tensor's channel count or dtype",
  bad_tensor: 'dtype or shape is wrong, the payload size disagrees with them, or a value does not fit data_width',
  bad_stream: 'the .dctcm container given to decode is malformed',
  internal: 'a fault in the server itself (please report it); serving continues',
} as const;
export type ServeErrorCode = keyof typeof SERVE_ERRORS;

/** The tensor element types of the protocol, by NumPy name; 16-bit values are little-endian. */
export const SERVE_DTYPES: Record<string, NpyDtype> = { uint8: '|u1', int8: '|i1', uint16: '<u2', int16: '<i2' };
const DTYPE_NAME = new Map<NpyDtype, string>(Object.entries(SERVE_DTYPES).map(([k, v]) => [v, k]));

/** Codec settings of a request, by their JSON names; each is the `dctcm encode` option of the same name. */
export const SETTING_NAMES = ['policy', 'quant_shift', 'dct_size', 'data_width', 'bus_width', 'dct_precision', 'dct', 'tile_pixels'] as const;
export const OPS = ['hello', 'code', 'encode', 'decode'] as const;
const REQUEST_FIELDS = ['id', 'op', 'bytes', 'dtype', 'shape', 'settings'];

export type Header = Record<string, unknown>;

/** What the frame reader hands on: a complete request, or an error the framing layer answers itself. */
export type FrameEvent =
  | { kind: 'request'; header: Header; payload: Uint8Array }
  | { kind: 'error'; id: unknown; code: ServeErrorCode; message: string };

/** An error answer's content. */
export class ServeError extends Error {
  constructor(
    readonly code: ServeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServeError';
  }
}

/**
 * Splits the input byte stream into frames. Feed it chunks as they arrive; it never throws on input.
 * After a framing error it is in resync mode: lines that are not JSON objects are dropped silently (they
 * are the rest of a payload of unknown length), and the first line that is a JSON object is a request.
 */
export class FrameReader {
  private state: 'line' | 'skipline' | 'payload' | 'lf' = 'line';
  private resync = false;
  private lineParts: Uint8Array[] = [];
  private lineLen = 0;
  private header: Header = {};
  private need = 0;
  private got = 0;
  private keep = true; // false for a payload over MAX_PAYLOAD_BYTES: consumed, not stored
  private parts: Uint8Array[] = [];

  push(chunk: Uint8Array): FrameEvent[] {
    const out: FrameEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'line') {
        const j = chunk.indexOf(LF, i);
        const end = j < 0 ? chunk.length : j;
        if (this.lineLen + (end - i) > MAX_HEADER_BYTES) {
          if (!this.resync) out.push(this.frameError(null, 'bad_header', `header line longer than ${MAX_HEADER_BYTES} bytes`));
          this.resync = true;
          this.lineParts = [];
          this.lineLen = 0;
          this.state = 'skipline';
          continue;
        }
        this.lineParts.push(chunk.subarray(i, end));
        this.lineLen += end - i;
        if (j < 0) break;
        i = j + 1;
        const line = concat(this.lineParts, this.lineLen);
        this.lineParts = [];
        this.lineLen = 0;
        this.onLine(line, out);
      } else if (this.state === 'skipline') {
        const j = chunk.indexOf(LF, i);
        if (j < 0) break;
        i = j + 1;
        this.state = 'line';
      } else if (this.state === 'payload') {
        const take = Math.min(this.need - this.got, chunk.length - i);
        if (this.keep) this.parts.push(chunk.subarray(i, i + take));
        this.got += take;
        i += take;
        if (this.got === this.need) this.state = 'lf';
      } else {
        // 'lf': the byte after the payload must be the frame's closing LF
        if (chunk[i] === LF) {
          i++;
          out.push(this.finishPayload());
          this.state = 'line';
        } else {
          out.push(
            this.frameError(
              this.header.id,
              'bad_frame',
              `the ${this.need}-byte payload is followed by byte 0x${chunk[i].toString(16).padStart(2, '0')}, not LF: the request sent more bytes than its "bytes" field declares; skipping to the next JSON header line`,
            ),
          );
          this.parts = [];
          this.resync = true;
          this.state = 'skipline';
        }
      }
    }
    return out;
  }

  /** Input has ended: reports a frame left incomplete. */
  end(): FrameEvent[] {
    const out: FrameEvent[] = [];
    if (this.state === 'payload' || this.state === 'lf') {
      const msg =
        this.state === 'payload'
          ? `input ended after ${this.got} of the ${this.need} payload bytes declared`
          : `input ended before the LF that closes the ${this.need}-byte payload`;
      out.push(this.frameError(this.header.id, 'truncated', msg));
    } else if (this.state === 'line' && this.lineLen > 0 && !this.resync) {
      const text = new TextDecoder().decode(concat(this.lineParts, this.lineLen));
      if (text.trim() !== '') out.push(this.frameError(null, 'truncated', 'input ended inside a header line (no closing LF)'));
    }
    this.state = 'line';
    this.lineParts = [];
    this.lineLen = 0;
    return out;
  }

  private frameError(id: unknown, code: ServeErrorCode, message: string): FrameEvent {
    return { kind: 'error', id: id ?? null, code, message };
  }

  private onLine(line: Uint8Array, out: FrameEvent[]): void {
    const text = new TextDecoder().decode(line);
    if (text.trim() === '') return; // blank lines separate frames; clients may send one before each header
    let h: unknown;
    try {
      h = JSON.parse(text);
    } catch (e) {
      h = undefined;
      if (!this.resync) out.push(this.frameError(null, 'bad_header', `header line is not JSON: ${(e as Error).message}`));
    }
    if (h === undefined) {
      this.resync = true;
      return;
    }
    if (h === null || typeof h !== 'object' || Array.isArray(h)) {
      if (!this.resync) out.push(this.frameError(null, 'bad_header', 'header line is JSON but not an object'));
      this.resync = true;
      return;
    }
    this.resync = false;
    const header = h as Header;
    const bytes = header.bytes === undefined ? 0 : header.bytes;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
      out.push(this.frameError(header.id, 'bad_header', `"bytes" must be a non-negative integer, got ${JSON.stringify(bytes)}: the payload length is unknown; skipping to the next JSON header line`));
      this.resync = true;
      return;
    }
    this.header = header;
    this.need = bytes;
    this.got = 0;
    this.keep = bytes <= MAX_PAYLOAD_BYTES;
    this.parts = [];
    if (bytes === 0) out.push(this.finishPayload());
    else this.state = 'payload';
  }

  private finishPayload(): FrameEvent {
    const parts = this.parts;
    this.parts = [];
    if (!this.keep) return this.frameError(this.header.id, 'too_large', `payload of ${this.need} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES}`);
    return { kind: 'request', header: this.header, payload: concat(parts, this.need) };
  }
}

/** One fresh, aligned buffer holding the parts back to back. */
function concat(parts: Uint8Array[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- requests ----

export interface Answer {
  header: Header;
  payload: Uint8Array;
}

const bad = (code: ServeErrorCode, message: string) => new ServeError(code, message);

/** Raw little-endian values of the given dtype into an Int32Array. */
function rawToValues(bytes: Uint8Array, dtype: NpyDtype): Int32Array {
  const { bits, signed } = NPY_DTYPES[dtype];
  const n = bytes.length / (bits / 8);
  const out = new Int32Array(n);
  // bytes is a fresh buffer from concat (offset 0), so 16-bit views are aligned
  if (bits === 8) out.set(signed ? new Int8Array(bytes.buffer, bytes.byteOffset, n) : bytes);
  else if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) out.set(signed ? new Int16Array(bytes.buffer, bytes.byteOffset, n) : new Uint16Array(bytes.buffer, bytes.byteOffset, n));
  else {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < n; i++) out[i] = signed ? v.getInt16(2 * i, true) : v.getUint16(2 * i, true);
  }
  return out;
}

/** Values into raw little-endian bytes of the given dtype, written at out[at..]. */
function valuesToRaw(values: Int32Array, dtype: NpyDtype, out: Uint8Array, at: number): void {
  const { bits, signed } = NPY_DTYPES[dtype];
  if (bits === 8) {
    out.set(signed ? new Uint8Array(Int8Array.from(values).buffer) : values, at);
    return;
  }
  const v = new DataView(out.buffer, out.byteOffset + at, values.length * 2);
  for (let i = 0; i < values.length; i++) {
    if (signed) v.setInt16(2 * i, values[i], true);
    else v.setUint16(2 * i, values[i], true);
  }
}

function intSetting(s: Record<string, unknown>, name: string): number | undefined {
  const v = s[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('bad_settings', `settings.${name} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

function boolSetting(s: Record<string, unknown>, name: string): boolean | undefined {
  const v = s[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad('bad_settings', `settings.${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

interface ParsedSettings {
  codec: CodecOptions;
  tile: TileSettings;
  tilePixels?: number;
}

function parseSettings(v: unknown): ParsedSettings {
  if (v === undefined || v === null) v = {};
  if (typeof v !== 'object' || Array.isArray(v)) throw bad('bad_settings', `"settings" must be an object, got ${JSON.stringify(v)}`);
  const s = v as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!(SETTING_NAMES as readonly string[]).includes(k)) throw bad('bad_settings', `unknown setting "${k}" (settings are ${SETTING_NAMES.join(', ')})`);
  }
  const policy = s.policy ?? 'lossless';
  if (typeof policy !== 'string' || !(POLICIES as readonly string[]).includes(policy)) {
    throw bad('bad_settings', `settings.policy ${JSON.stringify(policy)} is not one of ${POLICIES.join(', ')}`);
  }
  const tilePixels = intSetting(s, 'tile_pixels');
  if (tilePixels !== undefined && tilePixels < 1) throw bad('bad_settings', `settings.tile_pixels must be a positive integer, got ${tilePixels}`);
  if (tilePixels !== undefined && tilePixels > MAX_TILE_PIXELS) {
    throw bad('bad_settings', `settings.tile_pixels ${tilePixels} is above ${MAX_TILE_PIXELS}, the most pixels a tile holds`);
  }
  return {
    codec: { dctSize: intSetting(s, 'dct_size'), dataWidth: intSetting(s, 'data_width'), busWidth: intSetting(s, 'bus_width'), dctPrecision: intSetting(s, 'dct_precision'), dct: boolSetting(s, 'dct') },
    tile: { policy: policy as Policy, quantShift: intSetting(s, 'quant_shift') ?? 0 },
    tilePixels,
  };
}

/** The request's dtype and shape, checked against the payload length. */
function parseTensorFields(h: Header, payload: Uint8Array, allowBatch: boolean): { dtype: NpyDtype; shape: number[] } {
  if (typeof h.dtype !== 'string') throw bad('bad_tensor', `"dtype" must be one of ${Object.keys(SERVE_DTYPES).join(', ')}, got ${JSON.stringify(h.dtype)}`);
  const dtype = SERVE_DTYPES[h.dtype];
  if (dtype === undefined) throw bad('bad_tensor', `dtype "${h.dtype}" is not supported: use ${Object.keys(SERVE_DTYPES).join(', ')}`);
  const dims = allowBatch ? 'C x H x W or N x C x H x W' : 'C x H x W';
  const shape = h.shape;
  if (!Array.isArray(shape) || !(shape.length === 3 || (allowBatch && shape.length === 4)) || shape.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x <= 0)) {
    throw bad('bad_tensor', `"shape" must be ${dims} with positive integer sizes, got ${JSON.stringify(shape)}`);
  }
  const { bits } = NPY_DTYPES[dtype];
  const need = (shape as number[]).reduce((a, x) => a * x, bits / 8);
  if (payload.length !== need) {
    throw bad('bad_tensor', `payload holds ${payload.length} bytes but a ${(shape as number[]).join('x')} ${h.dtype} tensor is ${need} bytes`);
  }
  return { dtype, shape: shape as number[] };
}

function checkFields(h: Header, allowed: string[]): void {
  for (const k of Object.keys(h)) {
    if (!REQUEST_FIELDS.includes(k)) throw bad('bad_request', `unknown field "${k}" (fields are ${REQUEST_FIELDS.join(', ')})`);
    if (!allowed.includes(k)) throw bad('bad_request', `field "${k}" does not belong to op "${String(h.op)}"`);
  }
}

/** Encodes one C x H x W tensor; the container bytes and what decoding them returned. */
function codeOne(t: Tensor, cfg: CodecConfig, st: ParsedSettings): { bytes: Uint8Array; tiles: number; modes: number[]; decoded: Int32Array } {
  const enc = encodeTensor(t, cfg, st.tile, st.tilePixels ?? defaultTilePixels(t.shape[1], t.shape[2]));
  const dec = decodeContainer(enc.bytes);
  // The decoder's output is what the caller gets; the encoder's own reconstruction must agree with it.
  const y = dec.tensor.data;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== enc.recon[i]) throw new Error(`golden model mismatch: decoded value ${y[i]} at flat index ${i} differs from the encoder's reconstruction ${enc.recon[i]}`);
  }
  return { bytes: enc.bytes, tiles: enc.tiles, modes: dec.modeCounts, decoded: y };
}

function modesObject(m: number[]): Record<string, number> {
  return { zero: m[0], ctx: m[1], raw: m[2], dct: m[3] };
}

/** The resolved settings as the request names them (defaults filled in). */
function settingsEcho(st: ParsedSettings, cfgOf: CodecConfig, tilePixels: number): Record<string, unknown> {
  return {
    policy: st.tile.policy,
    quant_shift: st.tile.quantShift,
    dct_size: cfgOf.dctSize,
    data_width: cfgOf.dataWidth,
    bus_width: cfgOf.busWidth,
    dct_precision: cfgOf.dctPrecision,
    dct: hasDct(cfgOf),
    tile_pixels: tilePixels,
  };
}

/** Answers one well-framed request; throws ServeError (or a codec error) for bad content. */
export function handleRequest(h: Header, payload: Uint8Array): Answer {
  const op = h.op;
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) throw bad('bad_request', `"op" must be one of ${OPS.join(', ')}, got ${JSON.stringify(op)}`);
  if (op === 'hello') {
    checkFields(h, ['id', 'op', 'bytes']);
    if (payload.length > 0) throw bad('bad_request', `op "hello" takes no payload, got ${payload.length} bytes`);
    return {
      header: { op, protocol: PROTOCOL_VERSION, version: GENERATOR_VERSION, format_version: FORMAT_VERSION, ops: OPS, dtypes: Object.keys(SERVE_DTYPES), settings: SETTING_NAMES, policies: POLICIES },
      payload: new Uint8Array(0),
    };
  }
  if (op === 'decode') {
    checkFields(h, ['id', 'op', 'bytes']);
    const dec = decodeContainer(payload);
    const t = dec.tensor;
    const raw = new Uint8Array(t.data.length * (NPY_DTYPES[t.dtype].bits / 8));
    valuesToRaw(t.data, t.dtype, raw, 0);
    const c = dec.info.cfg;
    return {
      header: {
        op,
        dtype: DTYPE_NAME.get(t.dtype),
        shape: t.shape,
        bits: payload.length * 8,
        tiles: dec.info.tiles,
        modes: modesObject(dec.modeCounts),
        settings: settingsEcho({ codec: {}, tile: dec.info.settings }, c, dec.info.tilePixels),
      },
      payload: raw,
    };
  }
  // code and encode
  checkFields(h, ['id', 'op', 'bytes', 'dtype', 'shape', 'settings']);
  const st = parseSettings(h.settings);
  const { dtype, shape } = parseTensorFields(h, payload, op === 'code');
  const dtBits = NPY_DTYPES[dtype].bits;
  if (st.codec.dataWidth !== undefined && st.codec.dataWidth > dtBits) {
    throw bad('bad_settings', `settings.data_width ${st.codec.dataWidth} is wider than the ${String(h.dtype)} dtype (${dtBits} bits)`);
  }
  const items = shape.length === 4 ? shape[0] : 1;
  const chw = (shape.length === 4 ? shape.slice(1) : shape) as [number, number, number];
  const itemValues = chw[0] * chw[1] * chw[2];
  const itemBytes = itemValues * (NPY_DTYPES[dtype].bits / 8);
  const all = rawToValues(payload, dtype);
  const cfg = resolveConfig({ dtype, shape: chw, data: all.subarray(0, 0) }, st.codec);
  const out = op === 'code' ? new Uint8Array(payload.length) : new Uint8Array(0);
  const itemBits: number[] = [];
  const modes = [0, 0, 0, 0];
  let tiles = 0;
  let container: Uint8Array = new Uint8Array(0);
  for (let k = 0; k < items; k++) {
    const t: Tensor = { dtype, shape: chw, data: all.subarray(k * itemValues, (k + 1) * itemValues) };
    const r = codeOne(t, cfg, st);
    itemBits.push(r.bytes.length * 8);
    tiles += r.tiles;
    r.modes.forEach((m, i) => (modes[i] += m));
    if (op === 'code') valuesToRaw(r.decoded, dtype, out, k * itemBytes);
    else container = r.bytes;
  }
  const bits = itemBits.reduce((a, b) => a + b, 0);
  const inputBits = items * itemValues * cfg.dataWidth;
  const header: Header = {
    op,
    dtype: h.dtype,
    shape,
    bits,
    // the tile words alone, without the 36-byte file header and the 4-byte word count of each tile
    stream_bits: bits - 8 * (items * FILE_HEADER_BYTES + 4 * tiles),
    input_bits: inputBits,
    ratio: inputBits / bits,
    tiles,
    modes: modesObject(modes),
    settings: settingsEcho(st, cfg, st.tilePixels ?? defaultTilePixels(chw[1], chw[2])),
  };
  if (shape.length === 4) header.item_bits = itemBits;
  return { header, payload: op === 'code' ? out : container };
}

/** Codec errors by class; anything else is a fault of the server. */
function classify(e: unknown): { code: ServeErrorCode; message: string } {
  // CLI-worded messages name options (--quant-shift, --no-dct); the protocol names settings (quant_shift, dct false).
  const msg = (e as Error)?.message ?? String(e);
  const reworded = msg
    .replace(/--no-dct\b/g, 'dct false')
    .replace(/--([a-z]+(?:-[a-z]+)*)/g, (_, n: string) => n.replace(/-/g, '_'));
  if (e instanceof ServeError) return { code: e.code, message: e.message };
  if (e instanceof ParamError) return { code: 'bad_settings', message: reworded };
  if (e instanceof InputError) return { code: 'bad_tensor', message: reworded };
  if (e instanceof StreamError) return { code: 'bad_stream', message: reworded };
  return { code: 'internal', message: (e as Error)?.stack ?? String(e) };
}

/** Serializes an answer frame: header line (id and ok first), payload, closing LF when there is one. */
export function formatAnswer(id: unknown, a: Answer | { code: ServeErrorCode; message: string }): Uint8Array {
  let header: Header;
  let payload: Uint8Array = new Uint8Array(0);
  if ('header' in a) {
    payload = a.payload;
    header = { id: id ?? null, ok: true, ...a.header, bytes: payload.length };
  } else {
    header = { id: id ?? null, ok: false, error: { code: a.code, message: a.message }, bytes: 0 };
  }
  const line = new TextEncoder().encode(JSON.stringify(header) + '\n');
  const out = new Uint8Array(line.length + payload.length + (payload.length > 0 ? 1 : 0));
  out.set(line, 0);
  out.set(payload, line.length);
  if (payload.length > 0) out[out.length - 1] = LF;
  return out;
}

/** The answer to one frame event; never throws. */
export function answer(ev: FrameEvent): Uint8Array {
  if (ev.kind === 'error') return formatAnswer(ev.id, { code: ev.code, message: ev.message });
  try {
    return formatAnswer(ev.header.id, handleRequest(ev.header, ev.payload));
  } catch (e) {
    return formatAnswer(ev.header.id, classify(e));
  }
}

/**
 * Serves requests from input until it ends, writing answers in request order. `write` resolves when the
 * output can take more (backpressure); the loop reads no further input meanwhile.
 */
export async function serve(input: AsyncIterable<Uint8Array>, write: (b: Uint8Array) => Promise<void>): Promise<void> {
  const reader = new FrameReader();
  for await (const chunk of input) {
    for (const ev of reader.push(chunk)) await write(answer(ev));
  }
  for (const ev of reader.end()) await write(answer(ev));
}

/** `dctcm serve`: stdin to stdout. Resolves when stdin ends (or stdout's reader has gone away). */
export async function serveStdio(): Promise<void> {
  const out = process.stdout;
  let closed = false;
  out.on('error', () => {
    closed = true; // EPIPE: the client is gone; nothing more to answer
    process.stdin.destroy();
  });
  const write = (b: Uint8Array) =>
    new Promise<void>((res) => {
      if (closed) return res();
      if (out.write(b)) res();
      else out.once('drain', () => res());
    });
  try {
    await serve(process.stdin, write);
  } catch (e) {
    if (!closed) throw e;
  }
}
