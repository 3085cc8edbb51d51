// Batches of a folder split for training and validation (create_classification_dataloader): each image through
// classify_transforms, stacked to (n, 3, size, size) float32, labels int64. Training order is a seeded shuffle per
// epoch (torch's RandomSampler draws from its own generator, so the order cannot be v7.0's); evaluation keeps
// ImageFolder's order. Images are decoded and transformed in `workers` threads (0: the calling thread).
import { SeededRandom } from '../data/seeded-random.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ClassFolderSplit } from './folder-dataset.ts';
import { classifyTransform } from './transforms.ts';
import { ClassifyWorkerPool } from './worker-pool.ts';

/** One batch: images (n, 3, size, size) and labels (n) int64, plus the files. */
export interface ClassifyBatch {
  /** Normalised images. */
  images: Tensor;
  /** Class indices (int64). */
  labels: Tensor;
  /** The batch's files. */
  files: string[];
}

/** A folder split cut into batches. */
export class ClassifyLoader {
  /** Batch size (at most the split's image count, as v7.0's min(batch_size, len(dataset))). */
  readonly batchSize: number;
  constructor(
    readonly split: ClassFolderSplit,
    readonly imgsz: number,
    batchSize: number,
    readonly shuffle: boolean,
    readonly seed = 0,
    readonly device = 'cpu',
    /** Worker threads that decode and transform images (0: the calling thread). */
    readonly workers = 0,
  ) {
    this.batchSize = Math.max(1, Math.min(batchSize, split.samples.length));
  }

  private pool: ClassifyWorkerPool | undefined;

  /** Ends the worker threads (if any); the loader can still be used afterwards (threads restart). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private transform(file: string): Promise<Float32Array> {
    if (this.workers <= 0) return classifyTransform(file, this.imgsz).then((d) => d.chw);
    this.pool ??= new ClassifyWorkerPool(this.workers);
    return this.pool.transform(file, this.imgsz);
  }

  /** Batches per epoch (the last may be short: drop_last=False). */
  get length(): number {
    return Math.ceil(this.split.samples.length / this.batchSize);
  }

  /** The sample order of `epoch`. */
  order(epoch: number): number[] {
    const idx = this.split.samples.map((_, i) => i);
    if (!this.shuffle) return idx;
    const rng = new SeededRandom(this.seed, epoch);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rng.random() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx;
  }

  /** The batches of one epoch, built as they are reached. */
  async *batches(epoch = 0): AsyncGenerator<ClassifyBatch> {
    const order = this.order(epoch);
    const per = 3 * this.imgsz * this.imgsz;
    for (let b = 0; b < order.length; b += this.batchSize) {
      const picked = order.slice(b, b + this.batchSize).map((i) => this.split.samples[i]!);
      const data = new Float32Array(picked.length * per);
      const decoded = await Promise.all(picked.map(([f]) => this.transform(f)));
      decoded.forEach((chw, k) => data.set(chw, k * per));
      const images = tensor(data, { shape: [picked.length, 3, this.imgsz, this.imgsz] });
      const labels = tensor(BigInt64Array.from(picked.map(([, l]) => BigInt(l))), { shape: [picked.length] });
      yield {
        images: this.device === 'cpu' ? images : moveAndDispose(images, this.device),
        labels: this.device === 'cpu' ? labels : moveAndDispose(labels, this.device),
        files: picked.map(([f]) => f),
      };
    }
  }
}

function moveAndDispose(t: Tensor, device: string): Tensor {
  const moved = t.to(device);
  t.dispose();
  return moved;
}
