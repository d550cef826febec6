// Simulator, lint and synthesis runners. Every check here can fail: a missing tool is an Error naming
// it (requireTools), never a silent skip; a simulation passes only when the bench exits 0 AND prints a
// line starting with PASS (and none starting with FAIL or ERROR).
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { execa } from 'execa';

export type Simulator = 'icarus' | 'verilator';

export interface SimOptions {
  files: string[]; // Verilog sources, testbench included (relative paths resolve against process.cwd())
  top: string; // top-level module (the testbench)
  workDir: string; // each run makes its own fresh folder inside it; the bench runs there (its cwd)
  plusargs?: string[]; // passed to the simulation as given, e.g. '+seed=3'
  timeoutMs?: number; // bound on each step (compile, run); default 300000
}

export interface SimResult {
  ok: boolean; // exit 0 and a line starting with 'PASS'
  output: string; // compiler and simulation output, stdout and stderr interleaved
}

const DEFAULT_TIMEOUT_MS = 300_000;

/** Tools the simulation flows need, with the package that provides each (Debian/Ubuntu). */
const TOOLS: Record<string, string> = { iverilog: 'iverilog', vvp: 'iverilog', verilator: 'verilator' };

function onPath(tool: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, tool), fsConstants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function requireNamed(tools: string[]): void {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((t) => TOOLS[t] ?? t))].join(' ');
    throw new Error(`required tool${missing.length > 1 ? 's' : ''} not found on PATH: ${missing.join(', ')} (install with: apt-get install ${pkgs})`);
  }
}

/** Throws an Error naming every missing tool among iverilog, vvp and verilator. */
export function requireTools(): void {
  requireNamed(Object.keys(TOOLS));
}

interface Step {
  ok: boolean;
  text: string;
}

async function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Step> {
  const r = await execa(cmd, args, { cwd, all: true, reject: false, timeout: timeoutMs, stripFinalNewline: false, maxBuffer: 256 * 1024 * 1024 });
  let text = `$ ${cmd} ${args.join(' ')}\n${r.all ?? ''}`;
  if (r.timedOut) text += `\nTIMEOUT: ${cmd} killed after ${timeoutMs} ms\n`;
  else if (r.exitCode !== 0) text += `\n${cmd} exited with ${r.exitCode ?? r.signal ?? 'an error'}${r.code ? ` (${r.code})` : ''}\n`;
  return { ok: !r.timedOut && r.exitCode === 0, text };
}

/** Bench output passes: a line starting with PASS, none starting with FAIL or ERROR. */
function benchPassed(out: string): boolean {
  return /^PASS/m.test(out) && !/^(FAIL|ERROR)/m.test(out);
}

async function runDir(workDir: string, label: string): Promise<string> {
  await mkdir(workDir, { recursive: true });
  return mkdtemp(join(resolve(workDir), `${label.replace(/[^A-Za-z0-9_]/g, '_')}-`));
}

/**
 * Compiles and runs a self-checking testbench. Icarus: iverilog -g2005 + vvp. Verilator: --binary
 * --timing -Wno-fatal (lint warnings are lint()'s business, not the bench's), built at -O1 because
 * benches are short and compile time dominates.
 */
export async function simulate(sim: Simulator, o: SimOptions): Promise<SimResult> {
  const timeout = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const files = o.files.map((f) => resolve(f));
  const plus = o.plusargs ?? [];
  if (sim === 'icarus') {
    requireNamed(['iverilog', 'vvp']);
    const dir = await runDir(o.workDir, `icarus_${o.top}`);
    const comp = await run('iverilog', ['-g2005', '-Wall', '-s', o.top, '-o', join(dir, 'sim.vvp'), ...files], dir, timeout);
    if (!comp.ok) return { ok: false, output: `# work dir ${dir}\n${comp.text}` };
    const exe = await run('vvp', ['-n', join(dir, 'sim.vvp'), ...plus], dir, timeout);
    const bench = exe.text.slice(exe.text.indexOf('\n') + 1);
    return { ok: exe.ok && benchPassed(bench), output: `# work dir ${dir}\n${comp.text}${exe.text}` };
  }
  if (sim === 'verilator') {
    requireNamed(['verilator']);
    const dir = await runDir(o.workDir, `verilator_${o.top}`);
    const mdir = join(dir, 'obj_dir');
    const comp = await run(
      'verilator',
      [
        '--binary', '--timing', '-Wno-fatal', '--top-module', o.top, '--Mdir', mdir, '-o', 'sim',
        '-MAKEFLAGS', 'OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0', ...files,
      ],
      dir,
      timeout,
    );
    if (!comp.ok) return { ok: false, output: `# work dir ${dir}\n${comp.text}` };
    const exe = await run(join(mdir, 'sim'), plus, dir, timeout);
    const bench = exe.text.slice(exe.text.indexOf('\n') + 1);
    return { ok: exe.ok && benchPassed(bench), output: `# work dir ${dir}\n${comp.text}${exe.text}` };
  }
  throw new Error(`unknown simulator ${String(sim)}: use icarus or verilator`);
}

/** verilator --lint-only -Wall: ok only with exit 0 and not a single warning. */
export async function lint(files: string[], top: string): Promise<{ ok: boolean; output: string }> {
  requireNamed(['verilator']);
  const abs = files.map((f) => resolve(f));
  const r = await run('verilator', ['--lint-only', '-Wall', '--top-module', top, ...abs], process.cwd(), DEFAULT_TIMEOUT_MS);
  const clean = !/%(Warning|Error)/.test(r.text);
  return { ok: r.ok && clean, output: r.text };
}

export interface SynthResult {
  ok: boolean;
  log: string;
  luts: number;
  ffs: number;
  cells: Record<string, number>;
  /** The synthesized netlist (write_json), the input of placeAndRoute; absent when synthesis failed. */
  json?: string;
}

interface ExitLike {
  code?: number;
  message?: string;
}

/**
 * The YoWASP tools run as WebAssembly, synchronously for minutes: on the caller's thread they would stall
 * its event loop (a vitest worker then misses its RPC deadline, "Timeout calling onTaskUpdate"). So each
 * run goes to one long-lived worker thread, which runs its jobs one at a time. The worker is ref'd only
 * while a job is pending: an idle worker never keeps the process alive.
 */
const WASM_WORKER = `
const { parentPort } = require('node:worker_threads');
let chain = Promise.resolve();
parentPort.on('message', (job) => {
  chain = chain.then(async () => {
    const parts = [];
    const sink = (b) => { if (b) parts.push(Buffer.from(b).toString('utf8')); };
    try {
      const mod = await import(job.url);
      const result = await mod[job.fn](job.args, job.files, { stdout: sink, stderr: sink, decodeASCII: true });
      parentPort.postMessage({ id: job.id, out: parts.join(''), result });
    } catch (e) {
      parentPort.postMessage({ id: job.id, out: parts.join(''), error: { code: e && e.code, message: e && e.message !== undefined ? e.message : String(e) } });
    }
  });
});
`;

interface WasmReply {
  id: number;
  out: string;
  result?: Record<string, unknown>;
  error?: ExitLike;
}

let wasmWorker: Worker | null = null;
let wasmJobs = 0;
const wasmPending = new Map<number, (r: WasmReply) => void>();

function wasmRun(pkg: '@yowasp/yosys' | '@yowasp/nextpnr-ice40', fn: string, args: string[], files: Record<string, string>): Promise<WasmReply> {
  if (!wasmWorker) {
    const w = new Worker(WASM_WORKER, { eval: true });
    w.on('message', (r: WasmReply) => {
      wasmPending.get(r.id)?.(r);
      wasmPending.delete(r.id);
      if (wasmPending.size === 0) w.unref(); // idle: it must not keep the process alive
    });
    const fail = (message: string) => {
      wasmWorker = null;
      for (const [id, done] of wasmPending) done({ id, out: '', error: { message } });
      wasmPending.clear();
    };
    w.on('error', (e) => fail(`WebAssembly worker failed: ${e.message}`));
    w.on('exit', (code) => fail(`WebAssembly worker exited with code ${code}`));
    wasmWorker = w;
  }
  const url = pathToFileURL(createRequire(import.meta.url).resolve(pkg)).href;
  const id = ++wasmJobs;
  return new Promise((done) => {
    wasmPending.set(id, done);
    wasmWorker!.ref(); // a job is running: the process waits for its reply
    wasmWorker!.postMessage({ id, url, fn, args, files });
  });
}

/** The log line of a failed WebAssembly run ('' when it did not fail). */
function wasmFailure(tool: string, x: ExitLike | undefined): string {
  return x ? `\n${tool} failed${x.code !== undefined && x.code !== null ? ` with exit code ${x.code}` : ''}: ${x.message}\n` : '';
}

/** Runs one Yosys script on files in its virtual file system; failure is the error text ('' if none). */
async function yosysRun(files: { name: string; text: string }[], script: string): Promise<{ out: { text: () => string }; result?: Record<string, unknown>; failure: string }> {
  const tree: Record<string, string> = {};
  for (const f of files) tree[f.name] = f.text;
  const r = await wasmRun('@yowasp/yosys', 'runYosys', ['-p', script], tree);
  const out = { text: () => r.out };
  return r.error ? { out, failure: wasmFailure('yosys', r.error) } : { out, result: r.result, failure: '' };
}

/**
 * Yosys (WebAssembly): read_verilog, synth (generic: 4-input LUTs so the count compares with iCE40) or
 * synth_ice40, then check -assert. Fails on any inferred latch, a failed check, or a Yosys error.
 * flatten: false keeps the generic target's module hierarchy (each module mapped alone, the counts summed
 * over the instances): no optimisation across module ports, but a fraction of the memory, which is what
 * lets C = 64 cores fit the 4 GB of the WebAssembly Yosys. Only iCE40 runs write a netlist (for nextpnr).
 */
export async function synthesize(
  files: { name: string; text: string }[],
  top: string,
  target: 'generic' | 'ice40',
  opts: { flatten?: boolean } = {},
): Promise<SynthResult> {
  const flatten = opts.flatten ?? true;
  if (target === 'ice40' && !flatten) throw new Error('synthesize: the iCE40 flow always flattens (nextpnr needs one netlist)');
  const synth = target === 'ice40' ? `synth_ice40 -top ${top}` : `synth -top ${top}${flatten ? ' -flatten' : ''} -lut 4`;
  const script = [
    `read_verilog ${files.map((f) => f.name).join(' ')}`,
    `hierarchy -check -top ${top}`,
    synth,
    'check -assert',
    'tee -q -o stat.json stat -json',
    ...(target === 'ice40' ? ['write_json netlist.json'] : []),
  ].join('; ');
  const { out, result, failure } = await yosysRun(files, script);
  const log = out.text() + failure;
  const cells: Record<string, number> = {};
  if (result && typeof result['stat.json'] === 'string') {
    const stat = JSON.parse(result['stat.json'] as string);
    const mods = stat.modules ?? {};
    // flattened: the top module holds every cell; hierarchical: "design" sums the instances' cells
    const mod = (flatten ? mods[`\\${top}`] ?? mods[top] : undefined) ?? stat.design ?? {};
    Object.assign(cells, mod.num_cells_by_type ?? {});
  }
  let luts = 0;
  let ffs = 0;
  for (const [type, n] of Object.entries(cells)) {
    if (type === 'SB_LUT4' || type === '$lut') luts += n;
    if (/^SB_DFF/.test(type) || /^\$_(S|AL)?DFF/.test(type)) ffs += n; // $_DFF_*, $_DFFE_*, $_SDFF*_, $_DFFSR*_, $_ALDFF*_
  }
  const latches = /Latch inferred/.test(log) || Object.keys(cells).some((t) => /latch/i.test(t));
  const json = result && typeof result['netlist.json'] === 'string' ? (result['netlist.json'] as string) : undefined;
  const ok = !failure && !!result && !latches;
  return { ok, log: latches ? `${log}\nFAIL: latch inferred\n` : log, luts, ffs, cells, json };
}

/** nextpnr-ice40 on a Yosys JSON netlist; fmaxMhz is the slowest clock's maximum frequency. */
export async function placeAndRoute(jsonNetlist: string, device: 'hx8k' | 'up5k'): Promise<{ ok: boolean; fmaxMhz: number; log: string }> {
  const pkg = device === 'hx8k' ? 'ct256' : 'sg48';
  const r = await wasmRun('@yowasp/nextpnr-ice40', 'runNextpnrIce40', [`--${device}`, '--package', pkg, '--json', 'netlist.json', '--seed', '1', '--timing-allow-fail'], { 'netlist.json': jsonNetlist });
  const log = r.out + wasmFailure('nextpnr-ice40', r.error);
  // The final report repeats per clock; the last occurrence of each clock is the routed result.
  const fmax = new Map<string, number>();
  for (const m of log.matchAll(/Max frequency for clock '([^']+)': ([\d.]+) MHz/g)) fmax.set(m[1], Number(m[2]));
  const fmaxMhz = fmax.size > 0 ? Math.min(...fmax.values()) : 0;
  return { ok: !r.error && fmax.size > 0, fmaxMhz, log };
}


/**
 * Yosys checks below gate mapping, for configurations of any size, with no flattening (each module is
 * processed once however often it is instantiated):
 * - 'elaborate': hierarchy -check, proc (where latches are inferred), opt_clean, then check -assert.
 * - 'coarse': the generic `synth` script up to its `fine` label (also opt, fsm, wreduce, alumacc,
 *   memory), then check -assert. -noshare: the SAT-based sharing pass only saves area and alone takes
 *   over ten minutes on a 64-channel decoder.
 * Both fail on an inferred latch (proc_dlatch's message, or any latch cell), a failed check (a net with
 * two drivers, an undriven input, a combinational loop), or a Yosys error. top null elaborates and
 * checks every module read, whatever the depth. cells is the design's total cell count, a size figure comparable between runs of one
 * configuration.
 */
export async function synthCheck(
  files: { name: string; text: string }[],
  top: string | null,
  depth: 'elaborate' | 'coarse' = 'coarse',
): Promise<{ ok: boolean; log: string; cells: number }> {
  const front = depth === 'coarse' && top ? [`synth -top ${top} -noshare -run :fine`] : [top ? `hierarchy -check -top ${top}` : 'hierarchy -check', 'proc', 'opt_clean'];
  const script = [
    `read_verilog ${files.map((f) => f.name).join(' ')}`,
    ...front,
    'check -assert',
    'select -assert-none t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH*',
    'tee -q -o stat.json stat -json',
  ].join('; ');
  const { out, result, failure } = await yosysRun(files, script);
  let cells = 0;
  if (result && typeof result['stat.json'] === 'string') cells = Number(JSON.parse(result['stat.json'] as string).design?.num_cells ?? 0);
  const latches = /Latch inferred/.test(out.text());
  return { ok: !failure && !!result && !latches, log: out.text() + failure + (latches ? '\nFAIL: latch inferred\n' : ''), cells };
}

export interface TopPaths {
  ok: boolean;
  log: string;
  /** The top's ports as Yosys elaborated them. */
  ports: { name: string; direction: 'input' | 'output' | 'inout'; width: number }[];
  /** Every (input, output) pair of the top joined by logic without a flip-flop in between. */
  paths: { from: string; to: string }[];
}

/**
 * Yosys: elaborates top flattened (proc turns every clocked process into $dff / $adff cells, and no
 * optimization has run yet), reports its ports from write_json and, for every output, the inputs in its
 * combinational cone: the input cone of the output port that does not pass through a flip-flop.
 */
export async function topPaths(files: { name: string; text: string }[], top: string): Promise<TopPaths> {
  const head = [`read_verilog ${files.map((f) => f.name).join(' ')}`, `hierarchy -check -top ${top}`, 'proc', 'flatten', 'opt_clean'];
  const first = await yosysRun(files, [...head, 'write_json -compat-int top.json'].join('; '));
  const log: string[] = [first.out.text(), first.failure];
  if (first.failure || !first.result || typeof first.result['top.json'] !== 'string') return { ok: false, log: log.join(''), ports: [], paths: [] };
  const mod = JSON.parse(first.result['top.json'] as string).modules[top];
  const ports = Object.entries(mod.ports as Record<string, { direction: 'input' | 'output' | 'inout'; bits: unknown[] }>).map(([name, p]) => ({
    name,
    direction: p.direction,
    width: p.bits.length,
  }));
  const outputs = ports.filter((p) => p.direction === 'output');
  // one select per output, each listed into its own file
  const selects = outputs.map((o) => `tee -q -o cone_${o.name}.txt select -list w:${o.name} %ci*:-$dff,$adff,$dffe,$sdff,$mem,$mem_v2 i:* %i`);
  const second = await yosysRun(files, [...head, ...selects].join('; '));
  log.push(second.out.text(), second.failure);
  if (second.failure || !second.result) return { ok: false, log: log.join(''), ports, paths: [] };
  const paths: { from: string; to: string }[] = [];
  for (const o of outputs) {
    const text = second.result[`cone_${o.name}.txt`];
    if (typeof text !== 'string') return { ok: false, log: log.join('') + `\nno cone listing for ${o.name}\n`, ports, paths: [] };
    for (const line of text.split('\n')) {
      const m = /^[^/]+\/(\S+)$/.exec(line.trim());
      if (m && m[1] !== o.name) paths.push({ from: m[1], to: o.name });
    }
  }
  return { ok: true, log: log.join(''), ports, paths };
}
