// Worker thread of the data loader: builds whole batches and transfers their buffers back to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { buildBatch } from './batch.ts';
import { YoloDataset, type CachedImage, type LabelledImages, type YoloDatasetOptions } from './yolo-dataset.ts';

/** What the main thread passes when it starts a worker. */
export interface LoaderWorkerData {
  /** URL of this module (from TypeScript sources, loader-worker-boot.mjs imports it once tsx is registered). */
  entry: string;
  source: LabelledImages;
  options: Omit<YoloDatasetOptions, 'readImage'>;
  /** Images cached by the main thread in SharedArrayBuffers (shared, not copied). */
  cache?: ReadonlyArray<CachedImage | undefined>;
  /** Plugin files the main thread loaded (absolute paths), loaded here before the dataset is built. */
  plugins?: string[];
}

/** A request for one batch. */
export interface BatchRequest {
  id: number;
  indices: number[];
  seed: number;
  epoch: number;
}

export type LoaderWorkerReply =
  | { id: number; ok: true; batch: import('./batch.ts').Batch }
  | { id: number; ok: false; message: string; stack?: string };

if (!parentPort) throw new Error('loader-worker.ts must run in a worker thread');
const port = parentPort;
const init = workerData as LoaderWorkerData;
// A plugin that fails here throws from this module: the loader reports "Data loader worker N crashed: <message>".
if (init.plugins?.length) await (await import('../plugins/load-plugins.ts')).loadPlugins(init.plugins, { from: 'plugin (loader worker)' });
const dataset = new YoloDataset(init.source, init.options);
if (init.cache) dataset.adoptCache(init.cache);

port.on('message', (req: BatchRequest) => {
  buildBatch(dataset, req.indices, req.seed, req.epoch).then(
    (batch) => {
      const reply: LoaderWorkerReply = { id: req.id, ok: true, batch };
      port.postMessage(reply, [batch.images.buffer as ArrayBuffer, batch.targets.buffer as ArrayBuffer]);
    },
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      const reply: LoaderWorkerReply = { id: req.id, ok: false, message: err.message, stack: err.stack };
      port.postMessage(reply);
    },
  );
});
