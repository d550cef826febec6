// Errors that name the problem. Exit code 2 is shared by every user-facing input error.

/** An invalid parameter or parameter combination: names the constraint that failed. */
export class ParamError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

const streamMessage = (bit: number, problem: string) => `malformed stream at bit ${bit} (byte ${Math.floor(bit / 8)}): ${problem}`;

/**
 * Why a stream is rejected: the one list of error codes (docs/FORMAT.md section 10). The `rtl` entries
 * are the tile checks of decodeTile; dctcm_decoder's status codes (m_axis_tuser, error_code), its
 * localparams and the manifest's `errorCodes` are generated from them, and 0 means no error. The others
 * are checks only a software decoder makes (a caller's pixel bound, a partial word, the .dctcm container
 * around the tiles). Codes 1-12 came with format version 1, NO_DCT (13) with the --no-dct build option;
 * format version 2 kept every code and reworded OVERRUN, BAD_PADDING and BAD_COUNT for its framing (a
 * pixel count in the header, no end bit). Every hardware code stays below 16: the cores' status is 4 bits.
 */
export const STREAM_ERRORS = [
  { code: 1, name: 'BAD_MAGIC', rtl: true, text: 'bad tile magic (header bits 7:0 are not 0xDC)' },
  { code: 2, name: 'BAD_VERSION', rtl: true, text: 'unsupported format version (header bits 11:8)' },
  { code: 3, name: 'BAD_SHIFT', rtl: true, text: 'quantization shift above W - 1 (header bits 15:12)' },
  { code: 4, name: 'BAD_TAG', rtl: true, text: 'configuration tag mismatch (header bits 31:16)' },
  { code: 5, name: 'BAD_ESCAPE', rtl: true, text: 'escape field beyond the unranked bit lengths of its context' },
  { code: 6, name: 'BAD_DCT_WIDTH', rtl: true, text: 'DCT coefficient width above the maximum' },
  { code: 7, name: 'BAD_VALUE', rtl: true, text: 'CTX value outside the quantized value range' },
  { code: 8, name: 'OVERRUN', rtl: true, text: 'header or slot runs past the tile data (tlast word came first, or a slot reaches the trailer word)' },
  { code: 9, name: 'BAD_PADDING', rtl: true, text: 'non-zero padding, or more than a word between the last slot and the trailer' },
  { code: 10, name: 'BAD_COUNT', rtl: true, text: 'pixel count 0 in the header (bits 47:32), or the trailer count is not the header count' },
  { code: 11, name: 'BAD_CHECKSUM', rtl: true, text: 'trailer checksum does not match' },
  { code: 12, name: 'BAD_TRAILER', rtl: true, text: 'non-zero bits above bit 31 of the trailer word' },
  { code: 13, name: 'NO_DCT', rtl: true, text: 'DCT block in a tile whose configuration tag is that of a build without the DCT' },
  { code: 14, name: 'TOO_MANY_PIXELS', rtl: false, text: 'header pixel count above what the caller expects in the tile (the file\'s pixels per tile)' },
  { code: 15, name: 'PARTIAL_WORD', rtl: false, text: 'tile length is not a whole number of bus words' },
  { code: 16, name: 'CONTAINER', rtl: false, text: 'malformed .dctcm file around the tiles (header, tile framing, sizes)' },
] as const;

export type StreamErrorName = (typeof STREAM_ERRORS)[number]['name'];
export type StreamErrorCode = (typeof STREAM_ERRORS)[number]['code'];

/** Code by name: ERR.BAD_MAGIC === 1. */
export const ERR = Object.fromEntries(STREAM_ERRORS.map((e) => [e.name, e.code])) as { readonly [K in StreamErrorName]: Extract<(typeof STREAM_ERRORS)[number], { name: K }>['code'] };

/** The tile checks a hardware decoder makes: the RTL's status codes. */
export const TILE_ERRORS = STREAM_ERRORS.filter((e) => e.rtl);

/** The entry of a code (throws for a code that is not in the list). */
export function streamErrorInfo(code: number): (typeof STREAM_ERRORS)[number] {
  const e = STREAM_ERRORS.find((x) => x.code === code);
  if (!e) throw new Error(`no stream error has code ${code}`);
  return e;
}

/**
 * A malformed compressed stream: names the bit offset (within the tile or file) and the problem in
 * words, and carries the code (STREAM_ERRORS) that programs and tests compare.
 */
export class StreamError extends Error {
  readonly exitCode = 2;
  constructor(
    public bitOffset: number,
    readonly problem: string,
    readonly code: StreamErrorCode,
  ) {
    super(streamMessage(bitOffset, problem));
    this.name = 'StreamError';
  }

  /** Moves the offset by `bits` in place, message included (a tile offset -> a file offset); returns this. */
  rebase(bits: number): this {
    this.bitOffset += bits;
    this.message = streamMessage(this.bitOffset, this.problem);
    return this;
  }
}

/** A bad input file (.npy or container): names the file and the problem. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
