// `dctcm analyze` on a folder with every core: a pool of worker threads, each analyzing whole tensors
// (tools/analyze-worker.ts runs analyzeSource of tools/dctcm.ts). Results come back in the order of the
// sources, identical to a serial run; if tensors fail, the error of the first failing one (in that order)
// is thrown, as a serial run would throw it.
import { Worker } from 'node:worker_threads';
import { InputError, ParamError, StreamError } from '../golden/errors.js';
import { TileSettings } from '../golden/params.js';
import { CodecOptions, LayerResult } from './analyze.js';
import type { TensorSource } from './dctcm.js';

/** What to do with every source (plain data: it is copied to the workers). */
export interface AnalyzeJob {
  cfg: CodecOptions;
  settings: TileSettings;
  tilePixels?: number;
}

/** A worker's answer for source `index`. */
export type WorkerReply = { index: number; layer: LayerResult } | { index: number; error: SerializedError };

/** An error as it crosses the thread boundary: its class (if it is one of ours) and its own fields. */
export interface SerializedError {
  kind: string; // ParamError, InputError, StreamError, or Error for anything else
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

const USER_ERRORS: Record<string, abstract new (...args: never[]) => Error> = { ParamError, InputError, StreamError };

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { kind: 'Error', message: String(e), fields: {} };
  const kind = Object.keys(USER_ERRORS).find((k) => e instanceof USER_ERRORS[k]) ?? 'Error';
  return { kind, message: e.message, stack: e.stack, fields: { ...e } };
}

/** The error again, of the same class (so `instanceof` and the CLI's exit codes work) with its fields. */
export function deserializeError(s: SerializedError): Error {
  const proto = (USER_ERRORS[s.kind] ?? Error).prototype;
  const e = Object.create(proto) as Error;
  Object.assign(e, s.fields);
  Object.defineProperty(e, 'message', { value: s.message, writable: true, configurable: true });
  if (s.stack !== undefined) Object.defineProperty(e, 'stack', { value: s.stack, writable: true, configurable: true });
  return e;
}

/**
 * Analyzes sources on `threads` worker threads (at most one per source); onDone(i) after source i.
 * Workers start tensors in source order and take the next when done; after a failure no tensor past
 * it is started.
 */
export function analyzeInParallel(sources: TensorSource[], job: AnalyzeJob, threads: number, onDone?: (index: number) => void): Promise<LayerResult[]> {
  const results: LayerResult[] = new Array(sources.length);
  const errors = new Map<number, Error>();
  let firstError = Infinity; // index of the first failed source so far
  let next = 0;
  let live = Math.min(threads, sources.length);
  const workers: Worker[] = [];
  return new Promise((resolve, reject) => {
    let crashed = false;
    const crash = (e: Error) => {
      if (crashed) return;
      crashed = true;
      for (const w of workers) {
        w.removeAllListeners();
        void w.terminate();
      }
      reject(e);
    };
    const retire = (w: Worker) => {
      w.removeAllListeners();
      void w.terminate();
      if (--live > 0 || crashed) return;
      if (errors.size > 0) reject(errors.get(Math.min(...errors.keys())));
      else resolve(results);
    };
    const feed = (w: Worker) => {
      if (next >= sources.length || next > firstError) return retire(w);
      const index = next++;
      w.postMessage({ index, source: sources[index], job });
    };
    for (let k = 0; k < live; k++) {
      const w = new Worker(new URL('./analyze-worker.js', import.meta.url));
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if ('error' in m) {
          errors.set(m.index, deserializeError(m.error));
          firstError = Math.min(firstError, m.index);
        } else results[m.index] = m.layer;
        onDone?.(m.index);
        feed(w);
      });
      w.on('error', crash); // an exception outside analyzeSource: a bug
      w.on('exit', (code) => crash(new Error(`an analyze worker thread exited (code ${code}) before it was done`)));
      feed(w);
    }
  });
}
