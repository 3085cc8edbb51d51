// The per-epoch progress bar as YOLOv5 prints it (tqdm-style), live on a terminal, one line otherwise; the bar itself
// and the in-place line are shared with val, detect and the CLI (src/run/progress-bar.ts).
import { pyFormat } from '../compat/python.ts';

export { ProgressLine, formatBar } from '../run/progress-bar.ts';

/** train.py's epoch header: Epoch, GPU_mem, the three losses, Instances, Size. */
export const TRAIN_HEADER = pyFormat('\n' + '%11s'.repeat(7), 'Epoch', 'GPU_mem', 'box_loss', 'obj_loss', 'cls_loss', 'Instances', 'Size');

/** One epoch's progress row (before the bar): `0/99  0G  0.1234 …`. */
export function formatTrainRow(epoch: number, epochs: number, mem: string, mloss: readonly number[], instances: number, size: number): string {
  return pyFormat('%11s%11s' + '%11.4g'.repeat(5), `${epoch}/${epochs - 1}`, mem, mloss[0]!, mloss[1]!, mloss[2]!, instances, size);
}

/** The GPU_mem column: CUDA memory reserved, as YOLOv5 prints it; 0G on the CPU, as YOLOv5 shows there. */
export function gpuMem(device: string): string {
  // The engine does not expose CUDA's caching-allocator figures yet: '-' rather than a wrong number.
  return device.startsWith('cuda') ? '-' : '0G';
}
