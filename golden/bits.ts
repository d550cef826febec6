// LSB-first bit packing into 32-bit little-endian units (FORMAT.md section 1): bit i of a stream is bit
// (i mod 32) of unit floor(i / 32). A B-bit bus word is B/32 consecutive units.
import { ERR, StreamError } from './errors.js';

export class BitWriter {
  /** Units written so far; bits beyond pos are zero. Hot loops may append through buf/pos directly. */
  buf: Uint32Array;
  pos = 0; // bits written

  constructor(initialUnits = 1024) {
    this.buf = new Uint32Array(Math.max(4, initialUnits));
  }

  get bitLength(): number {
    return this.pos;
  }

  /** Makes room for `bits` more bits, so that write() never has to grow the buffer. */
  reserve(bits: number): void {
    const need = ((this.pos + bits + 31) >>> 5) + 1;
    if (need > this.buf.length) {
      const bigger = new Uint32Array(Math.max(need, this.buf.length * 2));
      bigger.set(this.buf);
      this.buf = bigger;
    }
  }

  /** Appends the n low bits of value (0 <= n <= 32), least significant first. */
  write(value: number, n: number): void {
    if (n === 0) return;
    if (((this.pos + n + 31) >>> 5) + 1 > this.buf.length) this.reserve(n);
    const v = n === 32 ? value >>> 0 : (value & ((1 << n) - 1)) >>> 0;
    const unit = this.pos >>> 5;
    const off = this.pos & 31;
    this.buf[unit] |= v << off;
    if (off + n > 32) this.buf[unit + 1] |= v >>> (32 - off);
    this.pos += n;
  }

  /** Pads with zeros up to a multiple of `bits`. */
  align(bits: number): void {
    const rem = this.pos % bits;
    if (rem !== 0) {
      let pad = bits - rem;
      while (pad > 0) {
        const n = Math.min(32, pad);
        this.write(0, n);
        pad -= n;
      }
    }
  }

  /** The written units (the bit length rounded up to whole units). */
  units(): Uint32Array {
    return this.buf.slice(0, (this.pos + 31) >>> 5);
  }
}

/**
 * The error for a field of `what` starting at bit pos that would end beyond limit. The text gives the
 * bits left, not limit: an offset in the text would not follow StreamError.rebase into a file's offsets.
 */
export function pastEndError(pos: number, limit: number, what: string): StreamError {
  return new StreamError(pos, `${what} runs past the end of the tile data (${limit - pos} bits left)`, ERR.OVERRUN);
}

/** Bits [pos, pos + n) of buf as an unsigned number, 1 <= n <= 32; the caller checks the bounds. */
export function getBits(buf: Uint32Array, pos: number, n: number): number {
  const unit = pos >>> 5;
  const off = pos & 31;
  let v = buf[unit] >>> off;
  if (off + n > 32) v |= buf[unit + 1] << (32 - off);
  return n === 32 ? v >>> 0 : v & ((1 << n) - 1);
}

/** Bit pos of buf (0 or 1); the caller checks the bounds. */
export function getBit(buf: Uint32Array, pos: number): number {
  return (buf[pos >>> 5] >>> (pos & 31)) & 1;
}

export class BitReader {
  pos: number;

  /** Reads bits [start, limit) of units; reading past limit is a StreamError. */
  constructor(
    private readonly buf: Uint32Array,
    start: number,
    public limit: number,
  ) {
    this.pos = start;
  }

  read(n: number, what: string): number {
    if (n === 0) return 0;
    if (this.pos + n > this.limit) throw pastEndError(this.pos, this.limit, what);
    const v = getBits(this.buf, this.pos, n);
    this.pos += n;
    return v;
  }
}
