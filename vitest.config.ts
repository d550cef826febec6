// Simulation, lint and synthesis tests are slow (Verilator compiles C++, Yosys runs as WebAssembly) and
// the CI machine has 2 cores: separate processes, at most 2 at a time, long timeouts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    maxConcurrency: 3, // concurrent tests wait on simulator processes; more would only time-slice 2 cores
    testTimeout: 900_000,
    hookTimeout: 900_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});
