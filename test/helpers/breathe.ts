// A test that computes for a long time without awaiting blocks its vitest worker's event loop; an RPC
// reply to the worker (onTaskUpdate) then waits past vitest's fixed 60 s deadline on a loaded machine and
// the run fails with "Timeout calling onTaskUpdate" although every test passed. Long loops in tests
// await breathe() between their iterations, so the worker answers in time.
export const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
