// A worker thread of `dctcm analyze` (tools/analyze-pool.ts): analyzes the tensors it is sent, one at a
// time, and answers each with its layer result or its error.
import { parentPort } from 'node:worker_threads';
import { AnalyzeJob, WorkerReply, serializeError } from './analyze-pool.js';
import { TensorSource, analyzeSource } from './dctcm.js';

parentPort!.on('message', ({ index, source, job }: { index: number; source: TensorSource; job: AnalyzeJob }) => {
  let reply: WorkerReply;
  try {
    reply = { index, layer: analyzeSource(source, job) };
  } catch (e) {
    reply = { index, error: serializeError(e) };
  }
  parentPort!.postMessage(reply);
});
