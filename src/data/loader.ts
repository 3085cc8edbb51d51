// A parallel data loader over YoloDataset: batches are built whole in worker threads (or in this thread when
// workers = 0) and their buffers are transferred, not copied. Results are deterministic for a given seed
// whatever the worker count, because every item seeds its own generator from (seed, epoch, index).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { buildBatch, type Batch } from './batch.ts';
import type { BatchRequest, LoaderWorkerData, LoaderWorkerReply } from './loader-worker.ts';
import { type Shard, checkShard, shardOrder, shardSize } from './distributed-sampler.ts';
import { loadedPlugins } from '../plugins/loaded-plugins.ts';
import { SeededRandom } from './seeded-random.ts';
import { YoloDataset, type LabelledImages, type YoloDatasetOptions } from './yolo-dataset.ts';
import { type MaskOptions, SegmentDataset, type SegmentedImages } from './segment-dataset.ts';

export type { Batch } from './batch.ts';

export interface LoaderOptions extends Omit<YoloDatasetOptions, 'batchSize'> {
  /** The images and labels (a DatasetIndex from dataset-index.ts fits). */
  source: LabelledImages;
  batchSize: number;
  /** Reshuffle each epoch (ignored with rect, as in YOLOv5). */
  shuffle?: boolean;
  /** Worker threads, at most one per CPU (os.availableParallelism()); 0 builds batches in this thread. */
  workers?: number;
  seed?: number;
  /** Drop a last incomplete batch. */
  dropLast?: boolean;
  /** Batches in flight per worker (default 2). */
  prefetch?: number;
  /** Distributed training: this rank's share of each epoch's order (DistributedSampler). */
  shard?: Shard;
  /** Where the image cache reports (YOLOv5's "Caching images" / "not caching images" lines); default: silent. */
  log?: (line: string) => void;
  /** train.py's --quad: collate_fn4, every 4 items of a batch into one image of twice the size. */
  quad?: boolean;
  /** Segmentation: batches carry masks (the source must then be SegmentedImages, one polygon per label row). */
  masks?: MaskOptions;
}

/** Domain separator of the epoch-order generator (items use 1, see batch.ts). */
const SHUFFLE_STREAM = 2;

/**
 * Worker threads do not inherit the main thread's loader hooks. Run from the TypeScript sources (tests, scripts), a
 * worker starts from a plain-JS file that registers tsx, then imports the TypeScript worker; the compiled package
 * (dist/, no tsx) starts its compiled worker directly.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_ENTRY = new URL(FROM_SOURCE ? './loader-worker.ts' : './loader-worker.js', import.meta.url).href;
const WORKER_BOOT = FROM_SOURCE ? new URL('./loader-worker-boot.mjs', import.meta.url) : new URL(WORKER_ENTRY);

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a batch abandoned by an early `break` must not become an unhandled rejection
  return { promise, resolve, reject };
}

/** An epoch's batch requests: those sent so far, in order. */
interface EpochInFlight {
  epoch: number;
  /** The image pool (setIndices) its batches were built with. */
  pool: Int32Array | undefined;
  batches: number[][];
  inFlight: Array<Promise<Batch>>;
  sent: number;
}

interface WorkerSlot {
  worker: Worker;
  /** Requests sent and not answered; the worker keeps the process alive only while this is > 0. */
  pending: number;
  exited: boolean;
  /** Settled when pending reaches 0 or the worker exits (see terminateAll). */
  idle?: Deferred<void>;
}

export class DataLoader implements AsyncIterable<Batch> {
  readonly dataset: YoloDataset;
  readonly batchSize: number;
  readonly workers: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly prefetch: number;
  private readonly opts: LoaderOptions;
  private epoch = 0;
  private slots: WorkerSlot[] = [];
  private started: Promise<void> | undefined;
  private readonly tasks = new Map<number, Deferred<Batch>>();
  private nextTaskId = 0;
  private failure: Error | undefined;
  private closed = false;
  /** Batches of a coming epoch requested ahead of its iteration (prefetchEpoch). */
  private ahead: EpochInFlight | undefined;
  /** --image-weights' `dataset.indices` for the coming epochs (undefined: position p is image p). */
  private pool: Int32Array | undefined;

  constructor(opts: LoaderOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`createLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    const workers = opts.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) throw new Error(`createLoader: workers must be an integer ≥ 0, got ${opts.workers}`);
    if (workers > 0 && opts.readImage) throw new Error('createLoader: a custom readImage cannot be sent to worker threads; use workers: 0');
    this.opts = opts;
    this.batchSize = opts.batchSize;
    // YOLOv5's create_dataloader: never more workers than CPUs (a `--workers 1000` typo must not start 1000 threads).
    this.workers = Math.min(workers, availableParallelism());
    this.seed = opts.seed ?? 0;
    this.shuffle = (opts.shuffle ?? false) && !opts.rect;
    this.dropLast = opts.dropLast ?? false;
    this.prefetch = Math.max(1, opts.prefetch ?? 2);
    if (opts.shard) checkShard(opts.shard);
    const { source, batchSize, shuffle: _s, workers: _w, seed: _seed, dropLast: _d, prefetch: _p, shard: _shard, log: _l, quad: _q, ...datasetOptions } = opts;
    if (opts.masks && opts.quad) throw new Error('createLoader: --quad is not available for segmentation (v7.0 segment/train.py has no mask collate_fn4)');
    this.dataset = opts.masks ? new SegmentDataset(source as SegmentedImages, { ...datasetOptions, batchSize, masks: opts.masks }) : new YoloDataset(source, { ...datasetOptions, batchSize });
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.opts.shard ? shardSize(this.dataset.size, this.opts.shard) : this.dataset.size;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Selects the epoch whose order and augmentations the next iteration produces. */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`setEpoch: epoch must be an integer ≥ 0, got ${epoch}`);
    this.epoch = epoch;
  }

  /**
   * YOLOv5's `dataset.indices = …` (--image-weights): position p of every following epoch loads image indices[p]
   * (its augmentation still drawn for p); mosaic partners come from these too. undefined restores 0…n−1.
   * Batches of an epoch prefetched before this call are discarded.
   */
  setIndices(indices: readonly number[] | undefined): void {
    if (indices === undefined) {
      this.pool = undefined;
      return;
    }
    const n = this.dataset.size;
    if (indices.length !== n) throw new Error(`setIndices: ${indices.length} indices for a dataset of ${n}`);
    // Shared memory: every batch request carries it to its worker without a copy.
    const pool = new Int32Array(new SharedArrayBuffer(4 * n));
    indices.forEach((v, p) => {
      if (!Number.isInteger(v) || v < 0 || v >= n) throw new Error(`setIndices: index ${v} out of range 0…${n - 1}`);
      pool[p] = v;
    });
    this.pool = pool;
  }

  /** Dataset positions of each batch of an epoch. */
  epochBatches(epoch = this.epoch): number[][] {
    const n = this.dataset.size;
    const order = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) new SeededRandom(this.seed, epoch, 0, SHUFFLE_STREAM).shuffle(order);
    const mine = this.opts.shard ? shardOrder(order, this.opts.shard) : order;
    const out: number[][] = [];
    for (let k = 0; k < this.length; k++) out.push(mine.slice(k * this.batchSize, (k + 1) * this.batchSize));
    return out;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    if (this.closed) throw new Error('DataLoader: iterated after close()');
    await this.start();
    const epoch = this.epoch;
    if (this.workers === 0) {
      for (const indices of this.epochBatches(epoch)) yield await buildBatch(this.dataset, indices, this.seed, epoch, { pool: this.pool, quad: this.opts.quad });
      return;
    }
    const ahead = this.ahead?.epoch === epoch && this.ahead.pool === this.pool ? this.ahead : { epoch, pool: this.pool, batches: this.epochBatches(epoch), inFlight: [], sent: 0 };
    this.ahead = undefined;
    const { inFlight } = ahead;
    for (let k = 0; k < ahead.batches.length; k++) {
      this.fillWindow(ahead, k);
      const batch = await inFlight[k]!;
      delete inFlight[k];
      yield batch;
    }
  }

  /**
   * Starts building the first batches of `epoch` now, so that iterating it later begins without waiting: the
   * trainer calls this before validating, as YOLOv5's InfiniteDataLoader keeps its workers busy across epochs.
   * Iterating any other epoch next discards them. The promise settles once those batches are built (or failed:
   * the iteration reports errors); callers need not wait for it.
   */
  async prefetchEpoch(epoch: number): Promise<void> {
    if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`prefetchEpoch: epoch must be an integer ≥ 0, got ${epoch}`);
    if (this.workers === 0 || this.closed || this.failure) return;
    const ahead: EpochInFlight = { epoch, pool: this.pool, batches: this.epochBatches(epoch), inFlight: [], sent: 0 };
    this.ahead = ahead;
    await this.start();
    if (this.ahead !== ahead) return;
    this.fillWindow(ahead, 0);
    await Promise.allSettled(ahead.inFlight);
  }

  /** Sends requests until `window` batches from position k are in flight. */
  private fillWindow(e: EpochInFlight, k: number): void {
    const window = this.workers * this.prefetch;
    while (e.sent < e.batches.length && e.sent < k + window) {
      e.inFlight[e.sent] = this.dispatch(e.sent % this.workers, { indices: e.batches[e.sent]!, seed: this.seed, epoch: e.epoch, pool: e.pool, quad: this.opts.quad });
      e.sent++;
    }
  }

  /** Stops the workers. The loader cannot be iterated afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.terminateAll(new Error('DataLoader closed'));
  }

  private start(): Promise<void> {
    this.started ??= this.spawn();
    return this.started;
  }

  /** Fills the image cache before the first batch: RAM (when it fits, checked first as YOLOv5 does) or disk. */
  private async fillCache(): Promise<void> {
    const log = this.opts.log ?? (() => {});
    const dataset = this.dataset;
    if (dataset.cache === 'ram') {
      const check = dataset.checkCacheRam();
      if (!check.fits) {
        log(check.message);
        dataset.dropRamCache();
        return;
      }
      await dataset.cacheImages({ shared: this.workers > 0 });
      log(`Caching images (${(check.requiredBytes / 2 ** 30).toFixed(1)}GB ram)`);
    } else if (dataset.cache === 'disk') {
      const bytes = await dataset.cacheImagesToDisk();
      log(`Caching images (${(bytes / 2 ** 30).toFixed(1)}GB disk)`);
    }
  }

  private async spawn(): Promise<void> {
    await this.fillCache();
    if (this.workers === 0) return;
    const { source, batchSize, shuffle: _s, workers: _w, seed: _seed, dropLast: _d, prefetch: _p, readImage: _r, pixels: _px, shard: _shard, log: _l, quad: _q, ...options } = this.opts;
    const cache = this.dataset.cache;
    const data: LoaderWorkerData = {
      entry: WORKER_ENTRY,
      // Only what the dataset reads (a DatasetIndex carries more).
      source: { imFiles: source.imFiles, labels: source.labels, shapes: source.shapes, ...(this.opts.masks ? { segments: (source as SegmentedImages).segments } : {}) },
      options: { ...options, batchSize, cache },
      cache: cache === 'ram' ? this.dataset.cachedImages() : undefined,
      // Every worker loads the plugins this thread loaded (--plugin, tsyolo.config.yaml), before its dataset.
      plugins: loadedPlugins(),
    };
    for (let w = 0; w < this.workers; w++) {
      const worker = new Worker(WORKER_BOOT, { workerData: data });
      const slot: WorkerSlot = { worker, pending: 0, exited: false };
      worker.unref();
      worker.on('message', (reply: LoaderWorkerReply) => this.onReply(slot, reply));
      worker.on('error', (e: Error) => void this.fail(new Error(`Data loader worker ${w} crashed: ${e.message}`)));
      worker.on('exit', (code) => {
        slot.exited = true;
        slot.idle?.resolve();
        if (!this.closed && !this.failure) void this.fail(new Error(`Data loader worker ${w} exited unexpectedly (code ${code})`));
      });
      this.slots.push(slot);
    }
  }

  private dispatch(w: number, req: Omit<BatchRequest, 'id'>): Promise<Batch> {
    const refused = this.failure ?? (this.closed ? new Error('DataLoader closed') : undefined);
    if (refused) {
      const d = deferred<Batch>(); // carries a no-op catch: an abandoned request must not crash the process
      d.reject(refused);
      return d.promise;
    }
    const id = this.nextTaskId++;
    const d = deferred<Batch>();
    this.tasks.set(id, d);
    const slot = this.slots[w]!;
    if (slot.pending++ === 0) slot.worker.ref();
    slot.worker.postMessage({ ...req, id } satisfies BatchRequest);
    return d.promise;
  }

  private onReply(slot: WorkerSlot, reply: LoaderWorkerReply): void {
    if (--slot.pending === 0) {
      slot.worker.unref();
      slot.idle?.resolve();
    }
    const task = this.tasks.get(reply.id);
    this.tasks.delete(reply.id);
    if (reply.ok) {
      task?.resolve(reply.batch);
    } else {
      const error = new Error(reply.message);
      task?.reject(error);
      void this.fail(error);
    }
  }

  /** A worker failed: reject everything outstanding with its message and stop all workers. */
  private async fail(e: Error): Promise<void> {
    if (this.failure) return;
    this.failure = e;
    await this.terminateAll(e);
  }

  private async terminateAll(reason: Error): Promise<void> {
    for (const task of this.tasks.values()) task.reject(reason);
    this.tasks.clear();
    const slots = this.slots;
    this.slots = [];
    // A worker terminated while sharp still decodes for it never reports its exit (the process then ends with
    // code 13 and the caller's error unprinted), so let each finish its batches first. An idle worker is
    // unref'd; ref it so the process waits for what we are awaiting.
    await Promise.all(
      slots.map(async (s) => {
        s.worker.ref();
        if (s.pending > 0 && !s.exited) {
          s.idle = deferred<void>();
          await s.idle.promise;
        }
        await s.worker.terminate();
      }),
    );
  }
}

/** createLoader({ source, batchSize, workers, seed, … }) → an async iterable of collated batches. */
export function createLoader(opts: LoaderOptions): DataLoader {
  return new DataLoader(opts);
}
