// Worker thread of the classification loader: classify_transforms of one file per request, the (3, size, size)
// float32 data transferred back (not copied).
import { parentPort } from 'node:worker_threads';
import { classifyTransform } from './transforms.ts';

/** A request: one image file at one size. */
export interface ClassifyWorkerRequest {
  /** Request id, echoed in the reply. */
  id: number;
  /** Image file. */
  file: string;
  /** Output size. */
  size: number;
}

/** A reply: the image's normalised CHW data, or the error message. */
export type ClassifyWorkerReply = { id: number; ok: true; chw: Float32Array } | { id: number; ok: false; message: string };

if (!parentPort) throw new Error('classify-worker.ts must run in a worker thread');
const port = parentPort;
port.on('message', (req: ClassifyWorkerRequest) => {
  classifyTransform(req.file, req.size).then(
    ({ chw }) => port.postMessage({ id: req.id, ok: true, chw } satisfies ClassifyWorkerReply, [chw.buffer as ArrayBuffer]),
    (e: unknown) => port.postMessage({ id: req.id, ok: false, message: (e as Error).message } satisfies ClassifyWorkerReply),
  );
});
