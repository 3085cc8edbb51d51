// A small pool of classify-worker threads (the loader's `workers`): each image is transformed in whichever thread
// has the fewest requests in flight. Threads are unref'd (they never keep the process alive) and end with close().
import { Worker } from 'node:worker_threads';
import type { ClassifyWorkerReply, ClassifyWorkerRequest } from './classify-worker.ts';

// From the TypeScript sources a worker starts through the data loader's boot file, which registers tsx first.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './classify-worker.ts' : './classify-worker.js', import.meta.url).href;
const BOOT = FROM_SOURCE ? new URL('../data/loader-worker-boot.mjs', import.meta.url) : new URL(ENTRY);

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (chw: Float32Array) => void; reject: (e: Error) => void }>;
}

/** Threads that run classify_transforms. */
export class ClassifyWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;

  constructor(readonly size: number) {
    for (let w = 0; w < size; w++) {
      const worker = new Worker(BOOT, { workerData: { entry: ENTRY } });
      worker.unref();
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (r: ClassifyWorkerReply) => {
        const p = slot.pending.get(r.id);
        if (!p) return;
        slot.pending.delete(r.id);
        if (r.ok) p.resolve(r.chw);
        else p.reject(new Error(r.message));
      });
      const failAll = (e: Error) => {
        for (const p of slot.pending.values()) p.reject(e);
        slot.pending.clear();
      };
      worker.on('error', (e: Error) => failAll(new Error(`classification loader worker ${w} crashed: ${e.message}`)));
      worker.on('exit', (code) => failAll(new Error(`classification loader worker ${w} exited (code ${code})`)));
      this.slots.push(slot);
    }
  }

  /** classify_transforms(size) of `file` in a worker thread. */
  transform(file: string, size: number): Promise<Float32Array> {
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, file, size } satisfies ClassifyWorkerRequest);
    });
  }

  /** Ends the threads. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
