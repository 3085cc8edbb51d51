// yolov5_heatmap.py's backward target (its yolov5_target and ActivationsAndGradients.post_process): the rows of the
// decoded prediction sorted by objectness, the first int(rows · ratio) of them while their best class score reaches
// the threshold, and a sum over them of the best class score ('class'), the four x1 y1 x2 y2 box coordinates
// ('box', in the graph: the script's NumPy copy made it fail) or both ('all': the script's elif made it 'class').
import type { HostTensor } from '../io/host-tensor.ts';
import { tensor } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** What the CAM explains: the best class scores, the box coordinates, or both (docs/heatmap.md). */
export const CAM_TARGETS = ['class', 'box', 'all'] as const;

/** A target as `--target` takes it. */
export type CamTarget = (typeof CAM_TARGETS)[number];

/**
 * The prediction rows the target sums over (indices into the (N, 5+nc) rows): rows by objectness, highest first,
 * at most trunc(N · ratio) of them, stopping at the first whose best class score is below `conf`.
 */
export function targetRows(pred: HostTensor, conf: number, ratio: number): number[] {
  const [, n, no] = pred.shape as [number, number, number];
  const d = pred.data as Float32Array;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b * no + 4]! - d[a * no + 4]! || a - b);
  const rows: number[] = [];
  const limit = Math.trunc(n * ratio);
  for (let i = 0; i < limit; i++) {
    const r = order[i]!;
    let best = -Infinity;
    for (let c = 5; c < no; c++) best = Math.max(best, d[r * no + c]!);
    if (best < conf) break;
    rows.push(r);
  }
  return rows;
}

/** The scalar to differentiate: the target's sum over `rows` of image 0 of the decoded `pred` (1, N, 5+nc). */
export function targetScore(pred: Tensor, rows: readonly number[], target: CamTarget): Tensor {
  const index = tensor(Int32Array.from(rows)).long().to(pred.device);
  const sel = pred.select(0, 0).indexSelect(0, index); // (k, 5+nc)
  const no = sel.shape[1]!;
  const parts: Tensor[] = [];
  if (target === 'class' || target === 'all') parts.push(sel.narrow(1, 5, no - 5).amax(1).sum());
  if (target === 'box' || target === 'all') {
    const xy = sel.narrow(1, 0, 2), half = sel.narrow(1, 2, 2).div(2);
    parts.push(xy.sub(half).sum().add(xy.add(half).sum())); // x1 + y1 + x2 + y2 per row (xywh2xyxy)
  }
  return parts.length === 1 ? parts[0]! : parts[0]!.add(parts[1]!);
}
