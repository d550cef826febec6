// Command-line and JSON options -> CodecConfig (golden/params.ts) plus the generator-only options.
// Every value is checked here or by validateConfig; a bad value is a ParamError naming the option and
// the constraint, never a silent clamp.
import { readFileSync } from 'node:fs';
import { ParamError } from '../golden/errors.js';
import { CodecConfig, DEFAULT_CONFIG, POLICIES, Policy, defaultBusWidth, hasDct, validateConfig } from '../golden/params.js';
import { DEFAULT_PREFIX, PREFIX_PATTERN } from './builders/types.js';

/** Options that only the testbenches and the co-simulation use; they never change an RTL file. */
export interface GenOptions {
  defaultPolicy: Policy; // run-time policy a testbench / cosim drives when none is given
  defaultQuantShift: number; // run-time quantization shift a testbench / cosim drives when none is given
}

// The same defaults as the dctcm codec CLI (--policy lossless, --quant-shift 0).
export const GEN_DEFAULTS: GenOptions = { defaultPolicy: 'lossless', defaultQuantShift: 0 };

export interface GenConfig {
  codec: CodecConfig;
  /** Start of every module and file name (--prefix), so differently configured cores can share a design. */
  prefix: string;
  gen: GenOptions;
}

/** Every key gen-rtl accepts, camelCase, with the kind of value it takes. */
const KEYS = {
  channels: 'int',
  dctSize: 'int',
  dataWidth: 'int',
  signed: 'bool',
  busWidth: 'int',
  dctPrecision: 'int',
  dct: 'bool',
  prefix: 'prefix',
  defaultPolicy: 'policy',
  defaultQuantShift: 'int',
} as const;
type Key = keyof typeof KEYS;

/** Raw option values before defaults: from the command line (strings) or a JSON file. */
export type RawOptions = Partial<Record<Key, unknown>>;

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function toInt(key: Key, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return Number(v.trim());
  throw new ParamError(`--${kebab(key)} ${JSON.stringify(v)} is not an integer`);
}

function toBool(key: Key, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ParamError(`--${kebab(key)} ${JSON.stringify(v)} is not a boolean (true or false)`);
}

function toPolicy(key: Key, v: unknown): Policy {
  if (typeof v === 'string' && (POLICIES as readonly string[]).includes(v)) return v as Policy;
  throw new ParamError(`--${kebab(key)} ${JSON.stringify(v)} is not one of ${POLICIES.join(', ')}`);
}

function toPrefix(key: Key, v: unknown): string {
  if (typeof v === 'string' && PREFIX_PATTERN.test(v)) return v;
  throw new ParamError(
    `--${kebab(key)} ${JSON.stringify(v)} is not a Verilog identifier prefix: it must start with a letter or _ and hold only letters, digits and _`,
  );
}

/** Reads a --config JSON file: an object whose keys are the option names, camelCase or kebab-case. */
export function loadConfigFile(file: string): RawOptions {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ParamError(`--config ${file} cannot be read as JSON: ${(e as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ParamError(`--config ${file} must hold a JSON object of option names and values`);
  }
  const raw = normalizeKeys(data as Record<string, unknown>, `--config ${file}`);
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) checkJsonType(k, v, file);
  return raw;
}

/** What each kind of key takes in a JSON file; the command line's strings are parsed by toInt etc. */
const JSON_TYPES = {
  int: { ok: (v: unknown) => typeof v === 'number' && Number.isInteger(v), text: 'an integer (a JSON number, e.g. 64)' },
  bool: { ok: (v: unknown) => typeof v === 'boolean', text: 'true or false (a JSON boolean)' },
  policy: { ok: (v: unknown) => typeof v === 'string', text: `a string, one of ${POLICIES.map((p) => JSON.stringify(p)).join(', ')}` },
  prefix: { ok: (v: unknown) => typeof v === 'string', text: 'a string (a JSON string, e.g. "dctcm_")' },
} as const;

/** A value in a JSON file must have its key's JSON type: {"channels": "64"} is refused, not parsed. */
function checkJsonType(key: string, v: unknown, file: string): void {
  const want = JSON_TYPES[KEYS[camel(key) as Key]];
  if (want.ok(v)) return;
  const got =
    v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `the ${typeof v} ${JSON.stringify(v)}`;
  throw new ParamError(`--config ${file}: "${key}" must be ${want.text}, not ${got}`);
}

/** Maps camelCase or kebab-case keys to camelCase; an unknown key is an error, not ignored. */
export function normalizeKeys(o: Record<string, unknown>, where: string): RawOptions {
  const out: RawOptions = {};
  for (const [k, v] of Object.entries(o)) {
    const c = camel(k);
    if (!(c in KEYS)) {
      throw new ParamError(`${where}: unknown option "${k}" (known: ${Object.keys(KEYS).map(kebab).join(', ')})`);
    }
    out[c as Key] = v;
  }
  return out;
}

/**
 * Applies defaults and validates. `cli` wins over `file`; both may leave keys undefined.
 * Throws ParamError naming the first violated constraint.
 */
export function resolveConfig(cli: RawOptions, file: RawOptions = {}): GenConfig {
  const pick = (k: Key): unknown => (cli[k] !== undefined ? cli[k] : file[k]);
  if (pick('channels') === undefined) throw new ParamError('--channels is required (values per pixel vector)');
  const channels = toInt('channels', pick('channels'));
  const dataWidth = pick('dataWidth') === undefined ? DEFAULT_CONFIG.dataWidth : toInt('dataWidth', pick('dataWidth'));
  const codec: CodecConfig = {
    channels,
    dctSize: pick('dctSize') === undefined ? DEFAULT_CONFIG.dctSize : toInt('dctSize', pick('dctSize')),
    dataWidth,
    signed: pick('signed') === undefined ? DEFAULT_CONFIG.signed : toBool('signed', pick('signed')),
    busWidth: pick('busWidth') === undefined ? defaultBusWidth(channels, dataWidth) : toInt('busWidth', pick('busWidth')),
    dctPrecision: pick('dctPrecision') === undefined ? DEFAULT_CONFIG.dctPrecision : toInt('dctPrecision', pick('dctPrecision')),
    dct: pick('dct') === undefined ? DEFAULT_CONFIG.dct : toBool('dct', pick('dct')),
  };
  validateConfig(codec);
  const prefix = pick('prefix') === undefined ? DEFAULT_PREFIX : toPrefix('prefix', pick('prefix'));
  const gen: GenOptions = {
    defaultPolicy: pick('defaultPolicy') === undefined ? GEN_DEFAULTS.defaultPolicy : toPolicy('defaultPolicy', pick('defaultPolicy')),
    defaultQuantShift:
      pick('defaultQuantShift') === undefined ? GEN_DEFAULTS.defaultQuantShift : toInt('defaultQuantShift', pick('defaultQuantShift')),
  };
  validateGenOptions(codec, gen);
  return { codec, prefix, gen };
}

export function validateGenOptions(c: CodecConfig, g: GenOptions): void {
  const maxShift = Math.min(15, c.dataWidth - 1);
  if (!Number.isInteger(g.defaultQuantShift) || g.defaultQuantShift < 0 || g.defaultQuantShift > maxShift) {
    throw new ParamError(
      `--default-quant-shift ${g.defaultQuantShift} is out of range: it must be an integer from 0 to ${maxShift} (min(15, --data-width - 1))`,
    );
  }
  if (g.defaultPolicy === 'dct' && !hasDct(c)) {
    throw new ParamError('--default-policy dct needs a build with the DCT mode: this configuration is built with --no-dct');
  }
  if (g.defaultPolicy === 'lossless' && g.defaultQuantShift !== 0) {
    throw new ParamError(`--default-quant-shift ${g.defaultQuantShift} needs a lossy --default-policy: lossless codes exactly (shift 0)`);
  }
}

/**
 * The gen-rtl command that reproduces a configuration, every option spelled out so a later change of a
 * default cannot change what it makes. No --out: where the files go is not part of the configuration.
 */
export function regenerateCommand(c: CodecConfig, g?: GenOptions, prefix: string = DEFAULT_PREFIX): string {
  const parts = [
    'gen-rtl',
    `--channels ${c.channels}`,
    `--dct-size ${c.dctSize}`,
    `--data-width ${c.dataWidth}`,
    c.signed ? '--signed' : '--no-signed',
    `--bus-width ${c.busWidth}`,
    `--dct-precision ${c.dctPrecision}`,
    hasDct(c) ? '--dct' : '--no-dct',
    `--prefix ${prefix}`,
  ];
  if (g) parts.push(`--default-policy ${g.defaultPolicy}`, `--default-quant-shift ${g.defaultQuantShift}`);
  return parts.join(' ');
}
