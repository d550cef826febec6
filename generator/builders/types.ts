// The unit every builder returns and emit.ts writes: one Verilog module, one file (docs/RTL.md).

/** One emitted Verilog module. */
export interface Module {
  /** Module name == file name without .v, prefix dctcm_. */
  name: string;
  /** The rendered Verilog text. */
  text: string;
  /** Names of the modules it instantiates (for the filelist order). */
  deps: string[];
  /** Cycles from an accepted input to its output, where the module has a fixed one. */
  latency?: number;
  /** Sustained rate in words, e.g. "one block per cycle with ce high", where the builder states one. */
  throughput?: string;
}
