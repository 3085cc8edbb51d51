// ComputeLoss (YOLOv5 v7.0 utils/loss.py): box (CIoU), objectness and class losses of the three raw maps against
// (image, class, cx, cy, w, h) labels. Returns (lbox + lobj + lcls)·bs for backward and the three parts for logs.
// The box loss can be any of yolo-improve/iou.py's (hyp iou_loss, iou_alpha, iou_focal, wiou_*), plugged in as that
// file's YOLOv5 block does; the default (CIoU, alpha 1, no focal) is v7.0's own bbox_iou.
import { IOU_LOSS_NAMES, type IouLossName } from '../data/hyp.ts';
import { cat, tensor, zeros } from '../tensor/create.ts';
import { binaryCrossEntropyWithLogits } from '../tensor/functional.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type IouVariant, WiouScale, bboxIou, bboxIouTerms, iouBoxLoss } from './bbox-iou.ts';
import { buildTargets, type LevelTargets } from './build-targets.ts';

export { bboxIou, bboxIouTerms, type BboxIouOptions, type IouTerms, type IouVariant, WiouScale } from './bbox-iou.ts';

/** The hyperparameters ComputeLoss reads (a full Hyp works). Gains are used as given: scale them as train.py does. */
export interface LossHyp {
  /** Box loss gain. */
  box: number;
  /** Objectness loss gain. */
  obj: number;
  /** Classification loss gain. */
  cls: number;
  /** Classification BCE positive weight. */
  cls_pw: number;
  /** Objectness BCE positive weight. */
  obj_pw: number;
  /** Anchor-multiple threshold for matching targets to anchors. */
  anchor_t: number;
  /** Focal loss gamma (0: plain BCE). */
  fl_gamma: number;
  /** Label smoothing epsilon (default 0). */
  label_smoothing?: number;
  /** Box loss (default 'ciou'): iou.py's CIoU, GIoU, DIoU, EIoU, SIoU or Wise-IoU. */
  iou_loss?: IouLossName;
  /** alpha-IoU power (default 1). */
  iou_alpha?: number;
  /** Focal-*IoU: each box's loss weighted by IoU^0.5 (detached); not with WIoU. */
  iou_focal?: boolean;
  /** WIoU: focus by the running mean of 1 − IoU (v2/v3); false = v1. */
  wiou_scale?: boolean;
  /** WIoU with wiou_scale: true = v2 (monotonic), false = v3 (non-monotonic, default), null = v1's product form. */
  wiou_monotonous?: boolean | null;
}

/** What ComputeLoss needs of the Detect head. */
export interface LossHead {
  /** Anchors in grid units, (nl, na, 2). */
  readonly anchors: Tensor;
  /** Anchors per level. */
  readonly na: number;
  /** Number of classes. */
  readonly nc: number;
  /** Number of detection levels. */
  readonly nl: number;
}

/** ComputeLoss's result: the total to backpropagate and its three parts (batch means). */
export interface LossResult {
  /** (lbox + lobj + lcls)·batch size: a differentiable 0-d tensor. */
  loss: Tensor;
  /** Box loss. */
  lbox: number;
  /** Objectness loss. */
  lobj: number;
  /** Classification loss. */
  lcls: number;
}

/** (nt, 6) target rows on the host, float64 for a float64 model (float32 values widen exactly). */
function hostTargets(targets: Tensor | Float32Array, float64: boolean): Float32Array | Float64Array {
  if (targets instanceof Float32Array) {
    if (targets.length % 6 !== 0) throw new Error(`ComputeLoss: targets must be rows of 6 values, got ${targets.length} values`);
    return float64 ? Float64Array.from(targets) : targets;
  }
  if (targets.ndim !== 2 || targets.shape[1] !== 6) throw new Error(`ComputeLoss: targets must be (nt, 6), got [${targets.shape.join(', ')}]`);
  return float64 ? tidy(() => targets.to('float64').toTypedArray() as Float64Array) : targets.toFloat32Array();
}

/** smooth_BCE: positive and negative class targets under label smoothing eps. */
export function smoothBce(eps = 0.1): { cp: number; cn: number } {
  return { cp: 1.0 - 0.5 * eps, cn: 0.5 * eps };
}

/**
 * FocalLoss around BCE-with-logits (mean reduction): the BCE of each element scaled by
 * alpha_t·(1 − p_t)^gamma, which down-weights the easy examples.
 */
export function focalBceWithLogits(pred: Tensor, truth: Tensor, posWeight: Tensor, gamma: number, alpha = 0.25): Tensor {
  const loss = binaryCrossEntropyWithLogits(pred, truth, { posWeight, reduction: 'none' });
  const p = pred.sigmoid();
  const notTruth = truth.rsub(1);
  const pT = truth.mul(p).add(notTruth.mul(p.rsub(1)));
  const alphaFactor = truth.mul(alpha).add(notTruth.mul(1 - alpha));
  const modulating = pT.rsub(1.0).pow(gamma);
  return loss.mul(alphaFactor.mul(modulating)).mean();
}

/** YOLOv5's ComputeLoss: build_targets, then box (CIoU or a variant), objectness and class BCE per level. */
export class ComputeLoss {
  /** The hyperparameters it was built with. */
  readonly hyp: LossHyp;
  /** The Detect head whose anchors the targets are matched to. */
  readonly head: LossHead;
  /** Objectness weight per level (P3, P4, P5 …). */
  readonly balance: number[];
  /** Objectness target = (1 − gr) + gr·IoU; YOLOv5 fixes gr at 1. */
  readonly gr = 1.0;
  /** Positive class target (1 − eps/2 with label smoothing). */
  readonly cp: number;
  /** Negative class target (eps/2 with label smoothing). */
  readonly cn: number;
  /** The box loss: iou.py's variant, alpha, focal; null = v7.0's CIoU (the default). */
  readonly iouLoss: {
    /** iou.py's box IoU variant. */
    variant: IouVariant;
    /** The alpha-IoU power. */
    alpha: number;
    /** Focal-*IoU weighting. */
    focal: boolean;
  } | null;
  /** WIoU v2/v3's running mean of 1 − IoU (iou.py's WIoU_Scale), this instance's own; null unless iou_loss wiou with wiou_scale. */
  readonly wiouScale: WiouScale | null;

  constructor(model: { detect: LossHead }, hyp: LossHyp) {
    for (const k of ['box', 'obj', 'cls', 'cls_pw', 'obj_pw', 'anchor_t', 'fl_gamma'] as const) {
      if (typeof hyp[k] !== 'number' || !Number.isFinite(hyp[k])) throw new Error(`ComputeLoss: hyp '${k}' must be a finite number, got ${String(hyp[k])}`);
    }
    const variant = hyp.iou_loss ?? 'ciou';
    const alpha = hyp.iou_alpha ?? 1;
    const focal = hyp.iou_focal ?? false;
    if (!IOU_LOSS_NAMES.includes(variant)) throw new Error(`ComputeLoss: hyp 'iou_loss' must be ${IOU_LOSS_NAMES.join(', ')}, got ${String(variant)}`);
    if (typeof alpha !== 'number' || !(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`ComputeLoss: hyp 'iou_alpha' must be a positive number, got ${String(alpha)}`);
    if (variant === 'wiou' && focal) throw new Error("ComputeLoss: hyp 'iou_focal' does not apply to iou_loss 'wiou' (iou.py: WIoU does not support Focal)");
    this.iouLoss = variant === 'ciou' && alpha === 1 && !focal ? null : { variant, alpha, focal };
    this.wiouScale = variant === 'wiou' && hyp.wiou_scale ? new WiouScale(hyp.wiou_monotonous === undefined ? false : hyp.wiou_monotonous) : null;
    this.hyp = hyp;
    this.head = model.detect;
    this.balance = this.head.nl === 3 ? [4.0, 1.0, 0.4] : [4.0, 1.0, 0.25, 0.06, 0.02];
    ({ cp: this.cp, cn: this.cn } = smoothBce(hyp.label_smoothing ?? 0.0));
  }

  /**
   * One level's matched predictions (`picked`: the rows at the targets' cells, (n, 5 + nc [+ extra])): the box loss
   * (CIoU or the hyp's variant, mean over matches), the objectness target (IoU, detached, clamped, blended by gr) and
   * the class BCE (null for one class). Shared by the detection and segmentation losses.
   */
  protected matchedTerms(picked: Tensor, lt: LevelTargets, asFloat: (data: Float64Array, shape: number[]) => Tensor, clsBce: (x: Tensor, y: Tensor) => Tensor): { lbox: Tensor; objTarget: Tensor; lcls: Tensor | null } {
    const nc = this.head.nc;
    const pxy = picked.narrow(1, 0, 2).sigmoid().mul(2).sub(0.5);
    const pwh = picked.narrow(1, 2, 2).sigmoid().mul(2).pow(2).mul(asFloat(lt.anchorWh, [lt.n, 2]));
    const pbox = cat([pxy, pwh], 1);
    const tbox = asFloat(lt.tbox, [lt.n, 4]);
    let iou: Tensor;
    let lbox: Tensor;
    if (this.iouLoss) {
      // iou.py's YOLOv5 block: the per-box loss from bbox_iou's value or pair/triple, the objectness target from its IoU.
      const terms = bboxIouTerms(pbox, tbox, { ...this.iouLoss, wiou: this.wiouScale ?? undefined });
      lbox = iouBoxLoss(terms).mean();
      iou = terms.iou.view(-1);
    } else {
      iou = bboxIou(pbox, tbox, { CIoU: true }).view(-1);
      lbox = iou.rsub(1.0).mean();
    }
    let objTarget = iou.detach().clamp(0);
    if (this.gr < 1) objTarget = objTarget.mul(this.gr).add(1.0 - this.gr);
    let lcls: Tensor | null = null;
    if (nc > 1) {
      const t = new Float64Array(lt.n * nc).fill(this.cn);
      for (let k = 0; k < lt.n; k++) t[k * nc + lt.cls[k]!] = this.cp;
      lcls = clsBce(picked.narrow(1, 5, nc), asFloat(t, [lt.n, nc]));
    }
    return { lbox, objTarget, lcls };
  }

  /**
   * `preds`: the raw (bs, na, ny, nx, 5+nc) maps; `targets`: (nt, 6) rows of image, class, cx, cy, w, h (0–1), as a
   * tensor or as the loader's host rows (build_targets runs on the host, so host rows need no round trip).
   */
  compute(preds: Tensor[], targets: Tensor | Float32Array): LossResult {
    const { na, nc, nl } = this.head;
    if (preds.length !== nl) throw new Error(`ComputeLoss: expected ${nl} prediction maps, got ${preds.length}`);
    const shapes = preds.map((p, i) => {
      const s = p.shape;
      if (s.length !== 5 || s[1] !== na || s[4] !== nc + 5) {
        throw new Error(`ComputeLoss: prediction ${i} has shape [${s.join(', ')}], expected [bs, ${na}, ny, nx, ${nc + 5}]`);
      }
      return s as [number, number, number, number, number];
    });
    const dtype = preds[0]!.dtype;
    const device = preds[0]!.device;
    const host = hostTargets(targets, dtype === 'float64');
    const levels = buildTargets({
      targets: host,
      anchors: this.head.anchors.toFloat32Array(),
      na,
      gridShapes: shapes.map((s) => [s[2], s[3]]),
      anchorT: this.hyp.anchor_t,
      precision: dtype === 'float64' ? 'float64' : 'float32',
    });
    const bs = shapes[0]![0];
    for (const lt of levels) {
      for (let k = 0; k < lt.n; k++) {
        if (lt.cls[k]! < 0 || lt.cls[k]! >= nc) throw new Error(`ComputeLoss: target class ${lt.cls[k]} is outside 0…${nc - 1} (nc=${nc})`);
        if (lt.image[k]! < 0n || lt.image[k]! >= BigInt(bs)) throw new Error(`ComputeLoss: target image index ${lt.image[k]} is outside the batch of ${bs}`);
      }
    }

    const onDevice = (t: Tensor) => (device === 'cpu' ? t : t.to(device));
    const asFloat = (data: Float64Array, shape: number[]) => onDevice(tensor(dtype === 'float64' ? data : Float32Array.from(data), { shape }));
    const focal = this.hyp.fl_gamma > 0;

    const parts = tidy(() => {
      const clsPw = asFloat(Float64Array.of(this.hyp.cls_pw), [1]);
      const objPw = asFloat(Float64Array.of(this.hyp.obj_pw), [1]);
      const bce = (x: Tensor, y: Tensor, pw: Tensor) =>
        focal ? focalBceWithLogits(x, y, pw, this.hyp.fl_gamma) : binaryCrossEntropyWithLogits(x, y, { posWeight: pw });
      // The sums stay float32 under autocast, as train.py's torch.zeros(1) (float64 only for float64 predictions).
      const sumDtype = dtype === 'float64' ? 'float64' : 'float32';
      let lbox = zeros([], { dtype: sumDtype, device });
      let lobj = zeros([], { dtype: sumDtype, device });
      let lcls = zeros([], { dtype: sumDtype, device });
      preds.forEach((pi, i) => {
        const lt = levels[i]!;
        const tobj = zeros(shapes[i]!.slice(0, 4), { dtype, device });
        if (lt.n > 0) {
          const index = [lt.image, lt.anchor, lt.gj, lt.gi].map((v) => onDevice(tensor(v, { shape: [lt.n] })));
          const m = this.matchedTerms(pi.index(index), lt, asFloat, (x, y) => bce(x, y, clsPw));
          lbox = lbox.add(m.lbox);
          tobj.indexPut_(index, m.objTarget.dtype === tobj.dtype ? m.objTarget : m.objTarget.to(tobj.dtype)); // autocast: tobj is in the predictions' dtype; duplicates: the last write wins, as index_put_ in YOLOv5
          if (m.lcls) lcls = lcls.add(m.lcls);
        }
        lobj = lobj.add(bce(pi.select(4, 4), tobj, objPw).mul(this.balance[i]!));
      });
      lbox = lbox.mul(this.hyp.box);
      lobj = lobj.mul(this.hyp.obj);
      lcls = lcls.mul(this.hyp.cls);
      return { loss: lbox.add(lobj).add(lcls).mul(bs), lbox, lobj, lcls };
    });
    const result = { loss: parts.loss, lbox: parts.lbox.item(), lobj: parts.lobj.item(), lcls: parts.lcls.item() };
    parts.lbox.dispose();
    parts.lobj.dispose();
    parts.lcls.dispose();
    return result;
  }
}
