// Builds every module of a configuration in memory, then the filelist <prefix>.f (dependency order), the
// FuseSoC core <prefix>.core and manifest.json, and only then writes them (writeOutput): gen-rtl replaces
// only files that its own earlier run wrote there, and a failure leaves the folder as it was.
import { createHash } from 'node:crypto';
import { Dirent, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParamError } from '../golden/errors.js';
import { CodecConfig, FORMAT_VERSION, derive, hasDct } from '../golden/params.js';
import { buildDct } from './builders/dct.js';
import { buildDecoder, decoderMetadata } from './builders/decoder.js';
import { buildEncoder } from './builders/encoder.js';
import { buildIdct } from './builders/idct.js';
import { DEFAULT_PREFIX, Module, Port } from './builders/types.js';
import { GenConfig, regenerateCommand } from './config.js';
import { GENERATOR_VERSION } from './render.js';
import { integrationFacts } from './integration.js';

/** The prefix without its trailing underscores (dctcm by default): the stem of the filelist and core file. */
function prefixStem(prefix: string): string {
  return prefix.replace(/_+$/, '') || prefix;
}
/** The filelist's name, <stem>.f (dctcm.f by default), so the filelists of two prefixes can share a folder. */
export function filelistName(prefix: string): string {
  return `${prefixStem(prefix)}.f`;
}
/** The FuseSoC core file's name, <stem>.core (dctcm.core by default). */
export function coreFileName(prefix: string): string {
  return `${prefixStem(prefix)}.core`;
}
/** The filelist and core file of the default prefix. */
export const FILELIST = filelistName(DEFAULT_PREFIX);
export const CORE_FILE = coreFileName(DEFAULT_PREFIX);
export const MANIFEST = 'manifest.json';

/** Where a group of modules comes from; the top of a group is its last module. */
interface Group {
  role: 'encoder' | 'decoder' | 'core';
  modules: Module[];
}

/** Every builder gen-rtl runs. Adding a module family is one line here. */
function buildGroups(gc: GenConfig): Group[] {
  const d = derive(gc.codec);
  const p = gc.prefix;
  return [
    // the transforms only in a build with the DCT (gen-rtl --no-dct emits neither)
    ...(d.cfg.dct ? ([{ role: 'core', modules: [buildDct(d, p)] }, { role: 'core', modules: [buildIdct(d, p)] }] as Group[]) : []),
    { role: 'encoder', modules: buildEncoder(d, p) },
    { role: 'decoder', modules: buildDecoder(d, p) },
  ];
}

/** A port as the manifest lists it: the builder's own Port, without the declaration details. */
export function manifestPort(p: Port): { name: string; direction: Port['direction']; width: number; description?: string } {
  return { name: p.name, direction: p.direction, width: p.width, ...(p.comment ? { description: p.comment } : {}) };
}

/** Modules ordered so that each follows everything it instantiates; ties keep build order. */
export function dependencyOrder(modules: Module[]): Module[] {
  const byName = new Map(modules.map((m) => [m.name, m]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Module[] = [];
  const visit = (m: Module, path: string[]) => {
    if (done.has(m.name)) return;
    if (visiting.has(m.name)) throw new Error(`module dependency cycle: ${[...path, m.name].join(' -> ')}`);
    visiting.add(m.name);
    for (const dep of m.deps) {
      const dm = byName.get(dep);
      if (!dm) throw new Error(`module ${m.name} instantiates ${dep}, which no builder emits`);
      visit(dm, [...path, m.name]);
    }
    visiting.delete(m.name);
    done.add(m.name);
    out.push(m);
  };
  for (const m of modules) visit(m, []);
  return out;
}

export interface Output {
  /** File name -> content, every file of the output folder. */
  files: Map<string, string>;
  modules: Module[]; // dependency order
  manifest: Record<string, unknown>;
}

const hex4 = (tag: number) => `0x${tag.toString(16).padStart(4, '0')}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Renders every file in memory. Throws (ParamError for a bad configuration) before anything is written. */
export function buildOutput(gc: GenConfig): Output {
  const d = derive(gc.codec);
  const groups = buildGroups(gc);
  const all = new Map<string, Module>();
  for (const g of groups) {
    for (const m of g.modules) {
      const prev = all.get(m.name);
      if (prev && prev.text !== m.text) throw new Error(`two builders emit different modules named ${m.name}`);
      all.set(m.name, m);
    }
  }
  const modules = dependencyOrder([...all.values()]);
  const files = new Map<string, string>();
  for (const m of modules) files.set(`${m.name}.v`, m.text);
  const command = regenerateCommand(gc.codec, gc.gen, gc.prefix);
  const filelist = filelistName(gc.prefix);
  files.set(
    filelist,
    [
      `// ${filelist} -- generated by gen-rtl ${GENERATOR_VERSION}, do not edit`,
      '// Every module of this configuration, each after the modules it instantiates; paths relative to this folder.',
      `// Regenerate: ${command}`,
      ...modules.map((m) => `${m.name}.v`),
    ].join('\n') + '\n',
  );
  const tops = groups.filter((g) => g.role !== 'core').map((g) => g.modules[g.modules.length - 1].name);
  const core = coreFileName(gc.prefix);
  files.set(core, coreFile(gc.codec, gc.prefix, modules, tops, command));
  const usedBy = (name: string) => modules.filter((m) => m.deps.includes(name)).map((m) => m.name);
  const top = (g: Group | undefined) => {
    if (!g) return null;
    const t = g.modules[g.modules.length - 1];
    return {
      top: t.name,
      ports: t.ports.map(manifestPort),
      latencyCycles: t.latency,
      throughput: t.throughput,
      combinationalPaths: t.combPaths ?? [],
      modules: g.modules.map((m) => m.name),
    };
  };
  const dec = decoderMetadata(d);
  const decoderTop = top(groups.find((g) => g.role === 'decoder'));
  const manifest: Record<string, unknown> = {
    generator: 'gen-rtl',
    generatorVersion: GENERATOR_VERSION,
    formatVersion: FORMAT_VERSION,
    configuration: {
      ...gc.codec,
      dct: d.cfg.dct,
      configTag: hex4(d.tag),
      // the decoder also reads the tiles of the no-DCT build of this configuration (FORMAT.md 2.4)
      decoderTags: d.cfg.dct ? [hex4(d.tag), hex4(d.noDctTag)] : [hex4(d.tag)],
    },
    prefix: gc.prefix,
    derived: {
      blocks: d.blocks,
      valueRange: [d.minVal, d.maxPos],
      coefWidthMax: d.coefWidthMax,
      maxRecordBits: d.maxRecordBits,
      maxEncodedRecordBits: d.maxEncodedRecordBits,
    },
    testbenchDefaults: {
      policy: gc.gen.defaultPolicy,
      quantShift: gc.gen.defaultQuantShift,
      note: 'run-time settings that testbenches and gen-rtl cosim drive on cfg_policy / cfg_quant_shift when none is given; no RTL file depends on them',
    },
    regenerate: command,
    filelist,
    fusesocCore: { file: core, name: coreName(gc.codec, gc.prefix) },
    // what a later run may replace or remove in this folder (writeOutput); nothing else is gen-rtl's
    outputFiles: [...files.keys(), MANIFEST].sort(),
    files: modules.map((m) => ({ file: `${m.name}.v`, module: m.name, deps: m.deps, sha256: sha256(m.text) })),
    encoder: top(groups.find((g) => g.role === 'encoder')),
    decoder: decoderTop && {
      ...decoderTop,
      errorCodes: dec.errorCodes,
      recovery:
        'every tile ends with one m_axis beat with tlast; m_axis_tuser on it is the tile status (top bit: a status beat, no pixel; below: the error code, 0 = ok). After an error the decoder emits a status beat with the code after the pixels decoded before it, drops input words up to and including the next word with s_axis_tlast, and decodes the following tile normally; error and the first error_code stay until rst',
    },
    cores: modules.map((m) => ({ module: m.name, latencyCycles: m.latency, throughput: m.throughput, usedBy: usedBy(m.name) })),
    integration: integrationFacts(d),
  };
  files.set(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
  return { files, modules, manifest };
}

/**
 * The FuseSoC name (vendor:library:name:version) of a configuration's core. The name spells out the six
 * build-time parameters, which are all that the RTL depends on, so two configurations never share a
 * name (the 16-bit config tag could collide); the version is gen-rtl's, so a newer generator's output is
 * a newer version of the same core.
 */
export function coreName(c: CodecConfig, prefix: string = DEFAULT_PREFIX): string {
  const name = `${prefix}c${c.channels}_n${c.dctSize}_w${c.dataWidth}${c.signed ? 's' : 'u'}_b${c.busWidth}_p${c.dctPrecision}${hasDct(c) ? '' : '_nodct'}`;
  return `dctcm:codec:${name}:${GENERATOR_VERSION}`;
}

/**
 * <prefix>.core, a FuseSoC CAPI2 core of the folder: one fileset with every module in dependency order (the
 * order of <prefix>.f), a default target for cores that depend on this one, and a Verilator lint target
 * per top module. Written as text, line by line, so that it is byte-identical when regenerated.
 */
export function coreFile(c: CodecConfig, prefix: string, modules: Module[], tops: string[], command: string): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
  const lines = [
    'CAPI=2:',
    `# ${coreFileName(prefix)} -- generated by gen-rtl ${GENERATOR_VERSION}, do not edit`,
    `# FuseSoC core of the Verilog in this folder; the files are those of ${filelistName(prefix)}, in its order.`,
    `# Regenerate: ${command}`,
    '',
    `name: ${q(coreName(c, prefix))}`,
    `description: ${q(
      `DCT-CM encoder and decoder, ${c.channels} channels of ${c.dataWidth}-bit ${c.signed ? 'signed' : 'unsigned'} data, DCT size ${c.dctSize}, ${c.busWidth}-bit bus, DCT precision ${c.dctPrecision}, format version ${FORMAT_VERSION}`,
    )}`,
    '',
    'filesets:',
    '  rtl:',
    '    file_type: verilogSource',
    '    files:',
    ...modules.map((m) => `      - ${m.name}.v`),
    '',
    'targets:',
    '  default:',
    '    filesets:',
    '      - rtl',
  ];
  for (const top of tops) {
    lines.push(
      `  lint_${top.slice(prefix.length)}:`,
      `    description: ${q(`verilator --lint-only -Wall of ${top}`)}`,
      '    default_tool: verilator',
      '    filesets:',
      '      - rtl',
      `    toplevel: ${top}`,
      '    tools:',
      '      verilator:',
      '        mode: lint-only',
      '        verilator_options:',
      `          - ${q('-Wall')}`,
    );
  }
  return lines.join('\n') + '\n';
}

// ---- writing the output folder ----

/** A plain file name: no folder part, not "." or "..", so a manifest cannot point outside its folder. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** writeOutput's work folders inside the output folder (mkdtemp adds six characters). */
const WORK_PREFIX = { new: '.gen-rtl-new-', old: '.gen-rtl-old-' };
const WORK_DIR = /^\.gen-rtl-(new|old)-[A-Za-z0-9]{6}$/;

/**
 * The files a manifest.json says gen-rtl wrote into its folder, or why it is not gen-rtl's manifest. A
 * manifest of this version lists them in outputFiles; an earlier version's is its module files, its
 * filelist and itself.
 */
export function manifestOwns(text: string): { files: string[] } | { why: string } {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return { why: 'it is not JSON' };
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return { why: 'it is not a JSON object' };
  const o = m as Record<string, unknown>;
  if (o.generator !== 'gen-rtl') return { why: `its "generator" is ${JSON.stringify(o.generator ?? null)}, not "gen-rtl"` };
  if (typeof o.generatorVersion !== 'string') return { why: 'it has no "generatorVersion"' };
  const plain = (v: unknown): v is string => typeof v === 'string' && PLAIN_NAME.test(v);
  let files: unknown[];
  if (o.outputFiles !== undefined) {
    if (!Array.isArray(o.outputFiles)) return { why: '"outputFiles" is not a list' };
    files = o.outputFiles;
  } else {
    if (!Array.isArray(o.files) || !plain(o.filelist)) return { why: 'it lists neither "outputFiles" nor "files" and "filelist"' };
    files = [...o.files.map((f) => (f !== null && typeof f === 'object' ? (f as Record<string, unknown>).file : f)), o.filelist, MANIFEST];
  }
  const bad = files.find((f) => !plain(f));
  if (bad !== undefined) return { why: `it lists ${JSON.stringify(bad)}, which is not a plain file name` };
  return { files: files as string[] };
}

function ownedBy(manifestPath: string): { files: string[] } | { why: string } {
  try {
    return manifestOwns(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    return { why: `it cannot be read (${(e as Error).message})` };
  }
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

/**
 * Writes the output folder. The folder may be absent or empty, or hold gen-rtl's own earlier output: a
 * manifest.json that is gen-rtl's (manifestOwns) and nothing but the files it lists. Anything else in the
 * way (a foreign manifest, a file the user added, a folder) is a ParamError naming it, and nothing is
 * written. Only gen-rtl's files are replaced or removed; the folder itself stays (its permissions, a
 * symlink to it, a shell inside it).
 *
 * As a transaction, in work folders inside the output folder (same file system, so renames):
 * 1. every new file is written into .gen-rtl-new-XXXXXX;
 * 2. the earlier run's files are moved into .gen-rtl-old-XXXXXX (manifest.json stays);
 * 3. the new files are moved in, manifest.json last (one rename replaces the old: the commit point);
 * 4. both work folders are removed: the earlier files that this configuration no longer has go with them.
 * An error before the commit point undoes what was done (files moved back, new ones removed) and the folder
 * is as it was. If the process is killed midway, the work folders stay; the next run counts the files
 * listed by the manifest.json in a leftover .gen-rtl-new- folder as gen-rtl's too (they may already have
 * been moved in), removes the leftovers, and completes normally.
 */
export function writeOutput(out: string, o: Output): void {
  const target = resolve(out);
  for (const name of o.files.keys()) if (!PLAIN_NAME.test(name) || WORK_DIR.test(name)) throw new Error(`output file name ${name} is not a plain name`);
  const exists = existsSync(target);
  if (exists && !statSync(target).isDirectory()) throw new ParamError(`--out ${out} exists and is not a folder`);
  const entries: Dirent[] = exists ? readdirSync(target, { withFileTypes: true }) : [];

  // What gen-rtl owns here: the manifest's files, and those of a killed run's new manifest.
  const owned = new Set<string>();
  const work = entries.filter((e) => e.isDirectory() && WORK_DIR.test(e.name)).map((e) => e.name);
  let manifestProblem = '';
  if (entries.some((e) => e.name === MANIFEST)) {
    const r = ownedBy(join(target, MANIFEST));
    if ('why' in r) manifestProblem = `its ${MANIFEST} is not gen-rtl's: ${r.why}`;
    else r.files.forEach((f) => owned.add(f));
  }
  for (const w of work.filter((n) => n.startsWith(WORK_PREFIX.new))) {
    const r = existsSync(join(target, w, MANIFEST)) ? ownedBy(join(target, w, MANIFEST)) : { files: [] };
    if ('files' in r) r.files.forEach((f) => owned.add(f));
  }
  if (manifestProblem) owned.clear();
  const foreign = entries.filter((e) => !work.includes(e.name) && !(e.isFile() && owned.has(e.name))).map((e) => e.name).sort();
  if (foreign.length > 0) {
    const why = manifestProblem || (entries.some((e) => e.name === MANIFEST) ? `not listed in the ${MANIFEST} of gen-rtl's earlier run there` : `and no ${MANIFEST} of an earlier gen-rtl run`);
    throw new ParamError(
      `--out ${out} holds files that gen-rtl did not write: ${listNames(foreign)} (${why}). gen-rtl replaces only its own earlier output: move them away or choose another folder; nothing was written`,
    );
  }

  const newNames = [...o.files.keys()].filter((n) => n !== MANIFEST);
  const oldNames = entries.filter((e) => e.isFile() && e.name !== MANIFEST && owned.has(e.name)).map((e) => e.name);
  const moved: string[] = []; // earlier files now in oldDir
  const placed: string[] = []; // new files now in the folder
  let created = false;
  let newDir = '';
  let oldDir = '';
  try {
    if (!exists) {
      mkdirSync(target, { recursive: true });
      created = true;
    }
    newDir = mkdtempSync(join(target, WORK_PREFIX.new));
    for (const [name, text] of o.files) writeFileSync(join(newDir, name), text); // manifest.json last (buildOutput's order)
    oldDir = mkdtempSync(join(target, WORK_PREFIX.old));
    for (const name of oldNames) {
      renameSync(join(target, name), join(oldDir, name));
      moved.push(name);
    }
    for (const name of newNames) {
      renameSync(join(newDir, name), join(target, name));
      placed.push(name);
    }
    renameSync(join(newDir, MANIFEST), join(target, MANIFEST)); // the commit point
  } catch (e) {
    // Undo, newest first: the folder is then as it was. Should the undo fail too, the work folders stay
    // and the next run recognises them.
    let undone = true;
    try {
      for (const name of placed.reverse()) unlinkSync(join(target, name));
      for (const name of moved.reverse()) renameSync(join(oldDir, name), join(target, name));
      if (newDir) rmSync(newDir, { recursive: true, force: true });
      if (oldDir) rmdirSync(oldDir);
      if (created) rmdirSync(target);
    } catch {
      undone = false;
    }
    if (!(e as NodeJS.ErrnoException).code) throw e;
    const state = undone ? 'nothing was written' : `undoing failed too: the next gen-rtl run there finds its .gen-rtl- work folders and completes`;
    throw new ParamError(`--out ${out} cannot be written: ${(e as Error).message}; ${state}`);
  }
  // After the commit point: a clean-up that fails leaves work folders that the next run removes.
  for (const w of [newDir, oldDir, ...work.map((n) => join(target, n))]) {
    try {
      rmSync(w, { recursive: true, force: true });
    } catch {
      // left for the next run
    }
  }
}

/** buildOutput then writeOutput: nothing is written unless every file rendered. */
export function emit(gc: GenConfig, out: string): Output {
  const o = buildOutput(gc);
  writeOutput(out, o);
  return o;
}
