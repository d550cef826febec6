// Errors that name the problem. Exit code 2 is shared by every user-facing input error.

/** An invalid parameter or parameter combination: names the constraint that failed. */
export class ParamError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

/** A malformed compressed stream: names the bit offset (within the tile or file) and the problem. */
export class StreamError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly bitOffset: number,
    readonly problem: string,
  ) {
    super(`malformed stream at bit ${bitOffset} (byte ${Math.floor(bitOffset / 8)}): ${problem}`);
    this.name = 'StreamError';
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
