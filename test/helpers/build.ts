// Builds dist/ for the tests that run the programs as processes (the dctcm CLI, its analyze worker threads,
// dctcm serve, the Python bridge). Test files run in parallel forks, and a build rewrites files under dist/ that another file's
// processes may be loading: so builds are serialized by a lock, and a stamp (a hash of the sources with
// the compiler's error lines) lets every file after the first reuse the build instead of redoing it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['generator', 'golden', 'tools', 'bench', 'sim'];
const LOCK = join(ROOT, 'dist', '.build-lock');
const STAMP = join(ROOT, 'dist', '.build-stamp.json');
const STALE_LOCK_MS = 10 * 60_000;

function sourceHash(): string {
  const files: string[] = [join(ROOT, 'tsconfig.json'), join(ROOT, 'package.json')];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  for (const s of SOURCES) if (existsSync(join(ROOT, s))) visit(join(ROOT, s));
  const h = createHash('sha256');
  for (const f of files.sort()) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** Modification times of the programs' outputs: every tsc run rewrites them. */
function outputMtimes(): number[] {
  return ['dist/tools/dctcm.js', 'dist/tools/gen-rtl.js'].map((f) => (existsSync(join(ROOT, f)) ? statSync(join(ROOT, f)).mtimeMs : -1));
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/** Runs a command to its end without blocking the event loop (vitest's worker must keep answering). */
function run(cmd: string, args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { cwd: ROOT });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    p.on('error', rej);
    p.on('close', (status) => res({ status, out }));
  });
}

/** A lock left by a process that died (a killed test run), or older than any build takes. */
function lockIsStale(): boolean {
  try {
    if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0); // throws if there is no such process
    return false;
  } catch (e) {
    // ESRCH: its holder is gone; ENOENT: released meanwhile, or its pid not yet written (wait)
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (lockIsStale()) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Makes dist/ current. tsc emits even when a file elsewhere in the tree (being edited by someone else)
 * has a type error; only errors in files whose path starts with one of `mine` (or golden/) make the
 * build unusable for the caller, and throw. Errors elsewhere are printed as a warning.
 */
export async function buildDist(mine: string[], needs: string[]): Promise<void> {
  const errors = await withLock(async () => {
    const hash = sourceHash();
    if (existsSync(STAMP) && needs.every((f) => existsSync(join(ROOT, f)))) {
      const s = JSON.parse(readFileSync(STAMP, 'utf8'));
      // a build since the stamp (npm run build from other sources) rewrote the outputs: mtimes differ
      if (s.hash === hash && JSON.stringify(s.mtimes) === JSON.stringify(outputMtimes())) return s.errors as string[];
    }
    rmSync(STAMP, { force: true });
    const r = await run('npx', ['tsc', '-p', '.']);
    const errs = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
    if (r.status !== 0 && errs.length === 0) throw new Error(`build failed:\n${r.out}`);
    writeFileSync(STAMP, JSON.stringify({ hash, errors: errs, mtimes: outputMtimes() }));
    return errs;
  });
  const ours = errors.filter((l) => mine.some((f) => l.startsWith(f)) || l.startsWith('golden/'));
  const missing = needs.filter((f) => !existsSync(join(ROOT, f)));
  if (ours.length > 0 || missing.length > 0) throw new Error(`build failed (missing: ${missing.join(', ') || 'none'}):\n${ours.join('\n')}`);
  if (errors.length > 0) console.warn(`tsc reported errors in other files:\n${errors.join('\n')}`);
}
