// Collectives over many tensors at once, as torch's DistributedDataParallel does: tensors are packed in order into
// flat buckets of at most 25 MB (DDP's bucket_cap_mb), so a model costs a few large collectives instead of one per
// parameter. Works on any memory layout (channels_last included): packing flattens, unpacking copies back in place.
import { cat } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ProcessGroup } from './process-group.ts';

/** torch DDP's default bucket_cap_mb. */
export const BUCKET_BYTES = 25 * 1024 * 1024;

const ELEMENT_BYTES: Record<string, number> = { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2, int16: 2, uint8: 1, int8: 1, bool: 1 };

/** Consecutive runs of tensors with one dtype and device, each at most capBytes (a larger tensor is its own bucket). */
export function packBuckets(tensors: Tensor[], capBytes = BUCKET_BYTES): Tensor[][] {
  const buckets: Tensor[][] = [];
  let current: Tensor[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const size = t.numel * (ELEMENT_BYTES[t.dtype] ?? 8);
    const head = current[0];
    if (head && (head.dtype !== t.dtype || head.device !== t.device || bytes + size > capBytes)) {
      buckets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(t);
    bytes += size;
  }
  if (current.length > 0) buckets.push(current);
  return buckets;
}

/** Runs `collective` on each bucket's flat copy and writes the result back into the tensors. */
function overBuckets(tensors: Tensor[], capBytes: number, collective: (flat: Tensor) => void): void {
  noGrad(() => {
    for (const bucket of packBuckets(tensors, capBytes)) {
      tidy(() => {
        const flat = cat(bucket.map((t) => t.reshape(-1)));
        collective(flat);
        let offset = 0;
        for (const t of bucket) {
          t.copy_(flat.narrow(0, offset, t.numel).view(...t.shape));
          offset += t.numel;
        }
      });
    }
  });
}

/** Every rank's tensors become the mean over ranks (gradients before an optimizer step). */
export function allreduceMean(group: ProcessGroup, tensors: Tensor[], capBytes = BUCKET_BYTES): void {
  if (group.worldSize === 1) return;
  overBuckets(tensors, capBytes, (flat) => group.allreduce(flat, 'avg'));
}

/** Every rank's tensors become rank `src`'s (weights and buffers at the start). */
export function broadcastTensors(group: ProcessGroup, tensors: Tensor[], src = 0, capBytes = BUCKET_BYTES): void {
  if (group.worldSize === 1) return;
  overBuckets(tensors, capBytes, (flat) => group.broadcast(flat, src));
}
