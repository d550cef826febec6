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

/** A malformed compressed stream: names the bit offset (within the tile or file) and the problem. */
export class StreamError extends Error {
  readonly exitCode = 2;
  constructor(
    public bitOffset: number,
    readonly problem: string,
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
