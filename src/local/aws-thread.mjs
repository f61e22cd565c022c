// A worker thread does not inherit the TypeScript loader its parent registered (bin/taglane.js,
// `node --import tsx`, vitest), so the worker's entry registers tsx before loading the code.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
