// The unit every builder returns and emit.ts writes: one Verilog module, one file (docs/RTL.md). A
// module's ports, latency and throughput are data here: the template prints the port list from `ports`
// (templates/partials/ports.hbs) and the manifest copies the same objects, so the two cannot disagree.

/** The module prefix gen-rtl uses unless --prefix says otherwise. */
export const DEFAULT_PREFIX = 'dctcm_';

/** Prefixes gen-rtl accepts: the start of a Verilog identifier (and a safe file name). */
export const PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every module gen-rtl emits, by its name without the prefix (the template is templates/dctcm_<base>.v.hbs). */
export const BASE_NAMES = ['dct', 'idct', 'enc_prep', 'enc_ctx', 'enc_pay', 'enc_rec', 'enc_pack', 'axis_slice', 'encoder', 'dec_parse', 'dec_recon', 'decoder'] as const;
export type BaseName = (typeof BASE_NAMES)[number];

/** The one place a module's name is made: prefix + base name. */
export function moduleName(base: BaseName, prefix: string = DEFAULT_PREFIX): string {
  return prefix + base;
}

/** Maps every base name to its module name under one prefix (what a template prints for instantiations). */
export function moduleNames(prefix: string = DEFAULT_PREFIX): Record<BaseName, string> {
  return Object.fromEntries(BASE_NAMES.map((b) => [b, moduleName(b, prefix)])) as Record<BaseName, string>;
}

/** One port of a module, as the template declares it and the manifest lists it. */
export interface Port {
  name: string;
  direction: 'input' | 'output';
  width: number;
  /** Declared `output reg` (else `wire`); an input is always a wire. */
  reg?: boolean;
  /** Declared with a range even when the width is 1 (a per-block vector of one block). */
  vector?: boolean;
  /** Declared `[widthParam-1:0]`: the width is that module parameter, `width` its default. */
  widthParam?: string;
  /** What the port carries, printed after its declaration. */
  comment?: string;
  /** Comment lines printed before the declaration (a group heading). */
  heading?: string[];
  /** A Verilator lint rule waived around this declaration, with the reason in `comment`. */
  waive?: string;
}

/** A combinational path from an input port to an output port of a top (no register between them). */
export interface CombPath {
  from: string;
  to: string;
  why: string;
}

/** One emitted Verilog module. */
export interface Module {
  /** Module name == file name without .v: the prefix and a base name. */
  name: string;
  /** The base name (`encoder`, `dec_parse`, ...), the same under every prefix. */
  base: BaseName;
  /** The rendered Verilog text. */
  text: string;
  /** Names of the modules it instantiates (for the filelist order). */
  deps: string[];
  /** The port list, in declaration order; the template prints exactly these. */
  ports: Port[];
  /** Cycles from an accepted input to its output (0: combinational). */
  latency: number;
  /** Sustained rate, e.g. "one block per cycle with ce high". */
  throughput: string;
  /** Input-to-output paths without a register (tops only; the submodules' are internal). */
  combPaths?: CombPath[];
}

/** A port with a range (`[w-1:0]`, also for w = 1). */
export function vec(direction: Port['direction'], name: string, width: number, comment?: string, more: Partial<Port> = {}): Port {
  return { name, direction, width, vector: true, ...(comment ? { comment } : {}), ...more };
}

/** A one-bit port without a range. */
export function bit(direction: Port['direction'], name: string, comment?: string, more: Partial<Port> = {}): Port {
  return { name, direction, width: 1, ...(comment ? { comment } : {}), ...more };
}

/** The same ports declared `output reg` (inputs unchanged). */
export function asReg(ports: Port[]): Port[] {
  return ports.map((p) => (p.direction === 'output' ? { ...p, reg: true } : p));
}
