// The one way to build, run and judge a testbench: writeBench puts the modules under test and a bench
// rendered from sim/tb/<template>.v.hbs (generator/render.ts renderBench: the generator's helpers plus
// the benches' partials) into a fresh folder, runBench simulates it on Icarus or Verilator (sim/run.ts)
// and reads its verdict. Every bench speaks the same language: `PASS beats=<n> cycles=<n> pixels=<n>`,
// or lines starting with MISMATCH (`MISMATCH beat=<i> got=<hex> exp=<hex>`), FAIL or ERROR.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderBench } from '../generator/render.js';
import { Simulator, simulate } from './run.js';

export interface Bench {
  dir: string; // the run's own folder (vectors go here too)
  files: string[]; // sources in dependency order, the bench last
  top: string;
}

/**
 * A fresh folder inside workDir (concurrent runs never share one) with the modules and the bench
 * rendered from sim/tb/<template>.v.hbs; top defaults to the template name.
 */
export function writeBench(workDir: string, modules: { name: string; text: string }[], template: string, ctx: object, top = template): Bench {
  mkdirSync(resolve(workDir), { recursive: true });
  const dir = mkdtempSync(join(resolve(workDir), `${top}-`));
  const files = modules.map((m) => {
    const f = join(dir, `${m.name}.v`);
    writeFileSync(f, m.text);
    return f;
  });
  const tb = join(dir, `${top}.v`);
  writeFileSync(tb, renderBench(template, ctx));
  files.push(tb);
  return { dir, files, top };
}

/** Writes one hex vector file (one line each) into the bench's folder; returns its path. */
export function writeVectors(bench: Bench, name: string, lines: string[]): string {
  const f = join(bench.dir, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

/** Self-test of a bench: the same hex lines with one bit of line i flipped (the run must then fail at beat i). */
export function corruptLine(lines: string[], i: number, bit = 0): string[] {
  if (i < 0 || i >= lines.length) throw new Error(`cannot corrupt line ${i} of ${lines.length}`);
  const out = lines.slice();
  const l = out[i];
  out[i] = (BigInt(`0x${l}`) ^ (1n << BigInt(bit))).toString(16).padStart(l.length, '0');
  return out;
}

export interface Verdict {
  ok: boolean; // the simulator exited 0, the bench printed PASS and no MISMATCH / FAIL / ERROR
  message: string; // the PASS line, or the verdict lines and the tail of the log
  beats: number;
  cycles: number;
  pixels: number;
  mismatchBeat: number | null; // the beat index of a MISMATCH line
  output: string; // the whole log
}

/** Reads a bench's verdict from the simulator's output. */
export function readVerdict(r: { ok: boolean; output: string }): Verdict {
  const pass = /^PASS beats=(\d+) cycles=(\d+) pixels=(\d+)/m.exec(r.output);
  const mism = /^MISMATCH beat=(\d+)/m.exec(r.output);
  const ok = r.ok && !!pass && !mism;
  const lines = r.output.split('\n');
  const verdict = lines.filter((l) => /^(MISMATCH|FAIL|ERROR)/.test(l));
  return {
    ok,
    message: ok && pass ? pass[0] : [...verdict, '--- log tail ---', ...lines.slice(-30)].join('\n'),
    beats: pass ? Number(pass[1]) : 0,
    cycles: pass ? Number(pass[2]) : 0,
    pixels: pass ? Number(pass[3]) : 0,
    mismatchBeat: mism ? Number(mism[1]) : null,
    output: r.output,
  };
}

/** Compiles and runs the bench, then reads its verdict. */
/**
 * Per step (compile, run). The benches stop themselves (watchdog, max_cycles); this bound is for a
 * simulator that never returns, so it is set well above what a large Verilator build takes on a loaded
 * 2-core machine (the 5-minute default of sim/run.ts was hit by the C64 and C128 encoder builds).
 */
export const BENCH_STEP_TIMEOUT_MS = 900_000;

export async function runBench(sim: Simulator, bench: Bench, plusargs: string[] = [], timeoutMs = BENCH_STEP_TIMEOUT_MS): Promise<Verdict> {
  const r = await simulate(sim, { files: bench.files, top: bench.top, workDir: join(bench.dir, 'run'), plusargs, timeoutMs });
  return readVerdict(r);
}
