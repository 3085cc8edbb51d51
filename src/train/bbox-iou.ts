// bbox_iou (YOLOv5 v7.0 utils/metrics.py): IoU of paired boxes on tensors, with the GIoU/DIoU/CIoU penalties the
// box loss is built from. Differentiable; alpha of CIoU is held constant in the backward pass, as in YOLOv5.
import { noGrad } from '../tensor/runtime.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface BboxIouOptions {
  /** Boxes given as (cx, cy, w, h) (default) or (x1, y1, x2, y2). */
  xywh?: boolean;
  GIoU?: boolean;
  DIoU?: boolean;
  CIoU?: boolean;
  eps?: number;
}

/** Row-wise IoU of box1 (n, 4) and box2 (n, 4) (broadcastable); returns (n, 1). */
export function bboxIou(box1: Tensor, box2: Tensor, o: BboxIouOptions = {}): Tensor {
  const eps = o.eps ?? 1e-7;
  const [a, b] = [box1.chunk(4, -1), box2.chunk(4, -1)] as [Tensor[], Tensor[]];
  let b1x1: Tensor, b1x2: Tensor, b1y1: Tensor, b1y2: Tensor, b2x1: Tensor, b2x2: Tensor, b2y1: Tensor, b2y2: Tensor;
  let w1: Tensor, h1: Tensor, w2: Tensor, h2: Tensor;
  if (o.xywh ?? true) {
    const [x1, y1] = [a[0]!, a[1]!];
    const [x2, y2] = [b[0]!, b[1]!];
    [w1, h1, w2, h2] = [a[2]!, a[3]!, b[2]!, b[3]!];
    const [hw1, hh1, hw2, hh2] = [w1.div(2), h1.div(2), w2.div(2), h2.div(2)];
    [b1x1, b1x2, b1y1, b1y2] = [x1.sub(hw1), x1.add(hw1), y1.sub(hh1), y1.add(hh1)];
    [b2x1, b2x2, b2y1, b2y2] = [x2.sub(hw2), x2.add(hw2), y2.sub(hh2), y2.add(hh2)];
  } else {
    [b1x1, b1y1, b1x2, b1y2] = a as [Tensor, Tensor, Tensor, Tensor];
    [b2x1, b2y1, b2x2, b2y2] = b as [Tensor, Tensor, Tensor, Tensor];
    // Heights get eps so that the aspect-ratio term never divides by zero.
    [w1, h1] = [b1x2.sub(b1x1), b1y2.sub(b1y1).add(eps)];
    [w2, h2] = [b2x2.sub(b2x1), b2y2.sub(b2y1).add(eps)];
  }

  const inter = b1x2.minimum(b2x2).sub(b1x1.maximum(b2x1)).clamp(0).mul(b1y2.minimum(b2y2).sub(b1y1.maximum(b2y1)).clamp(0));
  const union = w1.mul(h1).add(w2.mul(h2)).sub(inter).add(eps);
  const iou = inter.div(union);
  if (!(o.CIoU || o.DIoU || o.GIoU)) return iou;

  // Width and height of the smallest box enclosing both.
  const cw = b1x2.maximum(b2x2).sub(b1x1.minimum(b2x1));
  const ch = b1y2.maximum(b2y2).sub(b1y1.minimum(b2y1));
  if (o.CIoU || o.DIoU) {
    const c2 = cw.pow(2).add(ch.pow(2)).add(eps); // squared diagonal of the enclosing box
    // Squared distance between the centres (sums of corners are twice the centres, hence /4).
    const rho2 = b2x1.add(b2x2).sub(b1x1).sub(b1x2).pow(2).add(b2y1.add(b2y2).sub(b1y1).sub(b1y2).pow(2)).div(4);
    if (o.CIoU) {
      const v = w2.div(h2).atan().sub(w1.div(h1).atan()).pow(2).mul(4 / Math.PI ** 2);
      const alpha = noGrad(() => v.div(v.sub(iou).add(1 + eps)));
      return iou.sub(rho2.div(c2).add(v.mul(alpha)));
    }
    return iou.sub(rho2.div(c2));
  }
  const cArea = cw.mul(ch).add(eps);
  return iou.sub(cArea.sub(union).div(cArea));
}
