// Shared by the two command-line programs (gen-rtl, dctcm).
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** True when the module at moduleUrl is the program being run (node dist/tools/x.js, or its bin link). */
export function invokedDirectly(moduleUrl: string): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}
