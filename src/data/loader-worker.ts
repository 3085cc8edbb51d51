// Worker thread of the data loader: builds whole batches and transfers their buffers back to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { buildBatch } from './batch.ts';
import { YoloDataset, type CachedImage, type LabelledImages, type YoloDatasetOptions } from './yolo-dataset.ts';
import { type MaskOptions, SegmentDataset, type SegmentedImages } from './segment-dataset.ts';

/** What the main thread passes when it starts a worker. */
export interface LoaderWorkerData {
  /** URL of this module (from TypeScript sources, loader-worker-boot.mjs imports it once tsx is registered). */
  entry: string;
  source: LabelledImages;
  options: Omit<YoloDatasetOptions, 'readImage'> & { masks?: MaskOptions };
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
  /** --image-weights: the epoch's `dataset.indices` (a SharedArrayBuffer view: shared, not copied per batch). */
  pool?: Int32Array;
  /** --quad: collate_fn4. */
  quad?: boolean;
}

export type LoaderWorkerReply =
  | { id: number; ok: true; batch: import('./batch.ts').Batch }
  | { id: number; ok: false; message: string; stack?: string };

if (!parentPort) throw new Error('loader-worker.ts must run in a worker thread');
const port = parentPort;
const init = workerData as LoaderWorkerData;
// A plugin that fails here throws from this module: the loader reports "Data loader worker N crashed: <message>".
if (init.plugins?.length) await (await import('../plugins/load-plugins.ts')).loadPlugins(init.plugins, { from: 'plugin (loader worker)' });
const dataset = init.options.masks ? new SegmentDataset(init.source as SegmentedImages, { ...init.options, masks: init.options.masks }) : new YoloDataset(init.source, init.options);
if (init.cache) dataset.adoptCache(init.cache);

port.on('message', (req: BatchRequest) => {
  buildBatch(dataset, req.indices, req.seed, req.epoch, { pool: req.pool, quad: req.quad }).then(
    (batch) => {
      const reply: LoaderWorkerReply = { id: req.id, ok: true, batch };
      const buffers = [batch.images.buffer as ArrayBuffer, batch.targets.buffer as ArrayBuffer];
      if (batch.masks) buffers.push(batch.masks.buffer as ArrayBuffer);
      port.postMessage(reply, buffers);
    },
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      const reply: LoaderWorkerReply = { id: req.id, ok: false, message: err.message, stack: err.stack };
      port.postMessage(reply);
    },
  );
});
