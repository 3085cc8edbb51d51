// bbox_iou on tensors: row-wise IoU of paired boxes with the penalties box losses are built from. Two references:
// - YOLOv5 v7.0 utils/metrics.py (the GIoU / DIoU / CIoU flags): what ComputeLoss uses by default;
// - z1069614715/objectdetection_script yolo-improve/iou.py (`variant`, `alpha`, `focal`, WIoU's running mean):
//   GIoU, DIoU, CIoU, EIoU, SIoU and Wise-IoU v1/v2/v3, each with the alpha-IoU power, and the Focal weights.
// Differentiable; CIoU's alpha and the WIoU focusing coefficient are held constant in backward, as in both.
import { full } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { where } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** iou.py's bbox_iou switches, by name ('iou': none of them). */
export type IouVariant = 'iou' | 'giou' | 'diou' | 'ciou' | 'eiou' | 'siou' | 'wiou';
/** Every IouVariant. */
export const IOU_VARIANTS: readonly IouVariant[] = ['iou', 'giou', 'diou', 'ciou', 'eiou', 'siou', 'wiou'];

/** bbox_iou's switches: v7.0's GIoU/DIoU/CIoU flags, or iou.py's variant with alpha, focal and WIoU. */
export interface BboxIouOptions {
  /** Boxes given as (cx, cy, w, h) (default) or (x1, y1, x2, y2). */
  xywh?: boolean;
  /** v7.0's flags (metrics.py); ignored when `variant` is given. */
  GIoU?: boolean;
  /** v7.0's DIoU (distance penalty). */
  DIoU?: boolean;
  /** v7.0's CIoU (distance and aspect-ratio penalties). */
  CIoU?: boolean;
  /**
   * iou.py's variant. Giving it (or `alpha`, `focal`, `wiou`) selects iou.py's formulas, which differ from v7.0's
   * in their eps terms even at alpha 1 (IoU = inter/(union + eps) with union already + eps; CIoU's penalty
   * (v·α + eps)^alpha).
   */
  variant?: IouVariant;
  /** alpha-IoU: the IoU and the penalty terms raised to this power (default 1). */
  alpha?: number;
  /** Focal-*IoU: also return (inter/(union + eps))^gamma as the box weight (not for WIoU). */
  focal?: boolean;
  /** The focal power (iou.py's gamma, default 0.5). */
  gamma?: number;
  /** Wise-IoU v2/v3 (or v1 with the product form): the running mean of 1 − IoU, updated by this call. */
  wiou?: WiouScale;
  /** Added against division by zero (default 1e-7). */
  eps?: number;
}

/** What bbox_iou returns, by name (each (n, 1) like the boxes' leading shape). */
export interface IouTerms {
  /**
   * The IoU value: plain, or with the variant's penalty (v7.0: its return value; iou.py: its return value, or the
   * first element of its Focal / WIoU v1 pairs, the last of WIoU's triple) — the objectness target comes from it.
   */
  iou: Tensor;
  /** Focal: (inter/(union + eps))^gamma, iou.py's second element. Its SIoU branch rebinds gamma to the angle cost − 2 first. */
  focalWeight?: Tensor;
  /** WIoU v1 (no running mean): R = exp(ρ²/c²), iou.py's second element. */
  wiouR?: Tensor;
  /** WIoU with a running mean: (1 − iou)·R (second element) and the focusing coefficient (first: detached, or 1 when `monotonous` is null). */
  wiouLoss?: Tensor;
  /** WIoU's focusing coefficient (detached), or 1 for v1's product form. */
  wiouFocus?: Tensor | 1;
}

/**
 * iou.py's WIoU_Scale: the running mean of the IoU loss 1 − IoU (starting at 1, momentum 1 − 0.5^(1/7000)) and the
 * focusing coefficient. monotonous: null = v1 (coefficient 1), true = v2 ((L/mean)^0.5), false = v3 (β/(δ·γ^(β−δ)),
 * β = L/mean, γ = 1.9, δ = 3). iou.py keeps the mean in class attributes (one per process); here it is per
 * instance — one per ComputeLoss, which gives the same values for the one ComputeLoss a training run uses.
 */
export class WiouScale {
  /** Update factor of the running mean: 1 − 0.5^(1/7000), as iou.py. */
  static readonly momentum = 1 - 0.5 ** (1 / 7000);
  /** The running mean of 1 − IoU (starts at 1). */
  iouMean = 1;
  constructor(
    /** null: v1 (coefficient 1); true: v2 (monotonic); false: v3 (non-monotonic, the default). */
    readonly monotonous: boolean | null = false,
  ) {}

  /** The mean moves towards mean(1 − IoU) of this call (in training and validation alike, as iou.py's _is_train stays true). */
  update(iouLoss: Tensor): void {
    const m = WiouScale.momentum;
    this.iouMean = (1 - m) * this.iouMean + m * noGrad(() => iouLoss.detach().mean().item());
  }

  /** The focusing coefficient of each box's loss, from its 1 − IoU (detached). */
  focus(iouLoss: Tensor, gamma = 1.9, delta = 3): Tensor | 1 {
    if (this.monotonous === null) return 1;
    const beta = iouLoss.detach().div(this.iouMean);
    if (this.monotonous) return beta.sqrt();
    const alpha = full([], gamma, { dtype: beta.dtype, device: beta.device }).pow(beta.sub(delta)).mul(delta);
    return beta.div(alpha);
  }
}

interface Corners {
  b1x1: Tensor;
  b1y1: Tensor;
  b1x2: Tensor;
  b1y2: Tensor;
  b2x1: Tensor;
  b2y1: Tensor;
  b2x2: Tensor;
  b2y2: Tensor;
  w1: Tensor;
  h1: Tensor;
  w2: Tensor;
  h2: Tensor;
}

/** Corners and sizes; `clampHeights`: iou.py's xyxy heights are clamp(eps), v7.0's + eps. */
function corners(box1: Tensor, box2: Tensor, xywh: boolean, eps: number, clampHeights: boolean): Corners {
  const [a, b] = [box1.chunk(4, -1), box2.chunk(4, -1)] as [Tensor[], Tensor[]];
  if (xywh) {
    const [x1, y1, w1, h1] = a as [Tensor, Tensor, Tensor, Tensor];
    const [x2, y2, w2, h2] = b as [Tensor, Tensor, Tensor, Tensor];
    const [hw1, hh1, hw2, hh2] = [w1.div(2), h1.div(2), w2.div(2), h2.div(2)];
    return {
      b1x1: x1.sub(hw1), b1x2: x1.add(hw1), b1y1: y1.sub(hh1), b1y2: y1.add(hh1),
      b2x1: x2.sub(hw2), b2x2: x2.add(hw2), b2y1: y2.sub(hh2), b2y2: y2.add(hh2),
      w1, h1, w2, h2,
    };
  }
  const [b1x1, b1y1, b1x2, b1y2] = a as [Tensor, Tensor, Tensor, Tensor];
  const [b2x1, b2y1, b2x2, b2y2] = b as [Tensor, Tensor, Tensor, Tensor];
  // Heights get eps so that the aspect-ratio term never divides by zero.
  const height = (lo: Tensor, hi: Tensor) => (clampHeights ? hi.sub(lo).clamp(eps) : hi.sub(lo).add(eps));
  return { b1x1, b1y1, b1x2, b1y2, b2x1, b2y1, b2x2, b2y2, w1: b1x2.sub(b1x1), h1: height(b1y1, b1y2), w2: b2x2.sub(b2x1), h2: height(b2y1, b2y2) };
}

/** Row-wise IoU of box1 (n, 4) and box2 (n, 4) (broadcastable), with the chosen penalty; returns (n, 1). */
export function bboxIou(box1: Tensor, box2: Tensor, o: BboxIouOptions = {}): Tensor {
  return bboxIouTerms(box1, box2, o).iou;
}

/** Everything bbox_iou returns (the IoU value, and the Focal / WIoU weights where the options ask for them). */
export function bboxIouTerms(box1: Tensor, box2: Tensor, o: BboxIouOptions = {}): IouTerms {
  const iouPy = o.variant !== undefined || o.alpha !== undefined || o.focal !== undefined || o.wiou !== undefined;
  if (!iouPy) return { iou: v7BboxIou(box1, box2, o) };
  const variant = o.variant ?? (o.CIoU ? 'ciou' : o.DIoU ? 'diou' : o.GIoU ? 'giou' : 'iou');
  return iouPyTerms(box1, box2, variant, o);
}

/** YOLOv5 v7.0 utils/metrics.py bbox_iou. */
function v7BboxIou(box1: Tensor, box2: Tensor, o: BboxIouOptions): Tensor {
  const eps = o.eps ?? 1e-7;
  const { b1x1, b1y1, b1x2, b1y2, b2x1, b2y1, b2x2, b2y2, w1, h1, w2, h2 } = corners(box1, box2, o.xywh ?? true, eps, false);
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

/**
 * iou.py's bbox_iou, operation for operation (so float32 rounding follows it), except SIoU's angle cost
 * cos(2·arcsin(s) − π/2), computed as its equal 2·s·√(1 − s²) (the engine has no arcsin or cos).
 */
function iouPyTerms(box1: Tensor, box2: Tensor, variant: IouVariant, o: BboxIouOptions): IouTerms {
  const eps = o.eps ?? 1e-7;
  const alpha = o.alpha ?? 1;
  let gamma: number | Tensor = o.gamma ?? 0.5;
  const focal = o.focal ?? false;
  if (variant === 'wiou' && focal) throw new Error('bboxIou: WIoU does not support Focal (iou.py raises "WIoU do not support Focal.")');
  const { b1x1, b1y1, b1x2, b1y2, b2x1, b2y1, b2x2, b2y2, w1, h1, w2, h2 } = corners(box1, box2, o.xywh ?? true, eps, true);
  const inter = b1x2.minimum(b2x2).sub(b1x1.maximum(b2x1)).clamp(0).mul(b1y2.minimum(b2y2).sub(b1y1.maximum(b2y1)).clamp(0));
  const union = w1.mul(h1).add(w2.mul(h2)).sub(inter).add(eps);
  // WIoU_Scale(1 − inter/union) runs whenever iou.py's `scale` is set: the mean moves before anything else.
  const iouLoss = o.wiou ? inter.div(union).rsub(1) : undefined;
  if (o.wiou) o.wiou.update(iouLoss!);
  const ratio = () => inter.div(union.add(eps));
  const iou = ratio().pow(alpha);
  const withFocal = (value: Tensor): IouTerms => (focal ? { iou: value, focalWeight: ratio().pow(gamma) } : { iou: value });
  if (variant === 'iou') return withFocal(iou);

  const cw = b1x2.maximum(b2x2).sub(b1x1.minimum(b2x1));
  const ch = b1y2.maximum(b2y2).sub(b1y1.minimum(b2y1));
  if (variant === 'giou') {
    const cArea = cw.mul(ch).add(eps);
    return withFocal(iou.sub(cArea.sub(union).div(cArea).add(eps).pow(alpha)));
  }
  const c2 = cw.pow(2).add(ch.pow(2)).pow(alpha).add(eps);
  const rho2 = b2x1.add(b2x2).sub(b1x1).sub(b1x2).pow(2).add(b2y1.add(b2y2).sub(b1y1).sub(b1y2).pow(2)).div(4).pow(alpha);
  switch (variant) {
    case 'ciou': {
      const v = w2.div(h2).atan().sub(w1.div(h1).atan()).pow(2).mul(4 / Math.PI ** 2);
      const alphaCiou = noGrad(() => v.div(v.sub(iou).add(1 + eps)));
      return withFocal(iou.sub(rho2.div(c2).add(v.mul(alphaCiou).add(eps).pow(alpha))));
    }
    case 'eiou': {
      const rhoW2 = b2x2.sub(b2x1).sub(b1x2.sub(b1x1)).pow(2);
      const rhoH2 = b2y2.sub(b2y1).sub(b1y2.sub(b1y1)).pow(2);
      const cw2 = cw.pow(2).add(eps).pow(alpha);
      const ch2 = ch.pow(2).add(eps).pow(alpha);
      return withFocal(iou.sub(rho2.div(c2).add(rhoW2.div(cw2)).add(rhoH2.div(ch2))));
    }
    case 'siou': {
      const sCw = b2x1.add(b2x2).sub(b1x1).sub(b1x2).mul(0.5).add(eps);
      const sCh = b2y1.add(b2y2).sub(b1y1).sub(b1y2).mul(0.5).add(eps);
      const sigma = sCw.pow(2).add(sCh.pow(2)).pow(0.5);
      const sinAlpha1 = sCw.abs().div(sigma);
      const sinAlpha2 = sCh.abs().div(sigma);
      const threshold = 2 ** 0.5 / 2;
      const sinAlpha = where(sinAlpha1.gt(threshold), sinAlpha2, sinAlpha1);
      const angleCost = sinAlpha.mul(2).mul(sinAlpha.pow(2).rsub(1).sqrt());
      const rhoX = sCw.div(cw).pow(2);
      const rhoY = sCh.div(ch).pow(2);
      gamma = angleCost.sub(2); // iou.py reuses the name: Focal-SIoU's weight is IoU^(angle cost − 2)
      const distanceCost = gamma.mul(rhoX).exp().rsub(2).sub(gamma.mul(rhoY).exp());
      const omegaW = w1.sub(w2).abs().div(w1.maximum(w2));
      const omegaH = h1.sub(h2).abs().div(h1.maximum(h2));
      const shapeCost = omegaW.mul(-1).exp().rsub(1).pow(4).add(omegaH.mul(-1).exp().rsub(1).pow(4));
      return withFocal(iou.sub(distanceCost.add(shapeCost).mul(0.5).add(eps).pow(alpha)));
    }
    case 'wiou': {
      const r = rho2.div(c2).exp();
      if (!o.wiou) return { iou, wiouR: r };
      return { iou, wiouFocus: o.wiou.focus(iouLoss!), wiouLoss: iou.rsub(1).mul(r) };
    }
    default: // diou
      return withFocal(iou.sub(rho2.div(c2)));
  }
}

/**
 * Each box's loss as iou.py's YOLOv5 block forms it from bbox_iou's return value: 1 − iou; for a pair (Focal,
 * WIoU v1) weight·(1 − iou) with the weight detached; for WIoU's triple focus·(1 − iou)·R.
 */
export function iouBoxLoss(t: IouTerms): Tensor {
  if (t.wiouLoss) return t.wiouFocus === 1 || t.wiouFocus === undefined ? t.wiouLoss : t.wiouFocus.mul(t.wiouLoss);
  const weight = t.focalWeight ?? t.wiouR;
  return weight ? weight.detach().mul(t.iou.rsub(1)) : t.iou.rsub(1);
}
