// Plain-JS entry of a loader worker thread: registers tsx's TypeScript loader in this thread (Node does not
// apply the parent's loader hooks, nor `--import` given in a Worker's execArgv, to the worker's entry module),
// then runs the TypeScript worker named in workerData. 'tsx/esm/api' resolves from this file's location, so it
// works from any current directory.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
