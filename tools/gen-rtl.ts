#!/usr/bin/env node
// The gen-rtl program: generator/cli.ts's command tree plus the subcommands that run simulators
// (gen-rtl cosim, sim/cosim-cli.ts). Composed here so that generator/ does not depend on sim/.
import { main as generatorMain } from '../generator/cli.js';
import { cosimCommand } from '../sim/cosim-cli.js';
import { invokedDirectly } from './entry.js';

export function main(argv: string[]): Promise<number> {
  return generatorMain(argv, [cosimCommand]);
}

if (invokedDirectly(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`gen-rtl: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
