// Where the repository and the shared data live, found once: tests, benchmarks and tools import these.
import { resolve } from 'node:path';
import { ROOT } from '../generator/render.js';

/** The repository root (the folder holding package.json). */
export const REPO_ROOT = ROOT;
/** ../shared/data beside the repository: activations/<model>/index.json and the .npy tensors. */
export const SHARED_DATA = resolve(ROOT, '..', 'shared', 'data');
/** One model's activation folder under SHARED_DATA. */
export const activationsDir = (model: string): string => resolve(SHARED_DATA, 'activations', model);
