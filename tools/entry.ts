// Shared by the two command-line programs (gen-rtl, dctcm).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/**
 * True when the module at moduleUrl is the program being run (node dist/tools/x.js, or its bin link).
 * Never in a worker thread: it sees the program's argv too, but only imports the module.
 */
export function invokedDirectly(moduleUrl: string): boolean {
  if (!isMainThread) return false;
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}
