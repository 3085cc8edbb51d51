// The segmentation loss (YOLOv5 v7.0 utils/segment/loss.py ComputeLoss): detection's box (CIoU), objectness and
// class losses, plus a mask loss per matched anchor — its nm coefficients times the image's prototypes, BCE against
// the ground-truth mask, cropped to the target box (crop_mask) and normalised by the box's area. Masks come as the
// loader stacks them: (nt, mh, mw) one per target row, or with overlap (bs, mh, mw) index masks (1…n per image, in
// row order). Returns (lbox + lseg + lobj + lcls)·bs for backward and the four parts for the logs.
import { arange, cat, tensor, where, zeros } from '../tensor/create.ts';
import { binaryCrossEntropyWithLogits, interpolateNearest } from '../tensor/functional.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { buildTargets } from './build-targets.ts';
import { ComputeLoss, focalBceWithLogits, type LossHead, type LossHyp } from './loss.ts';

/** What the segment loss needs of the Segment head: Detect's fields and the number of mask coefficients. */
export interface SegmentLossHead extends LossHead {
  /** Mask coefficients per anchor (prototypes). */
  readonly nm: number;
}

/** The segment loss's result: the total to backpropagate and its four parts (v7.0's order: box, seg, obj, cls). */
export interface SegmentLossResult {
  /** (lbox + lseg + lobj + lcls)·batch size: a differentiable 0-d tensor. */
  loss: Tensor;
  /** Box loss. */
  lbox: number;
  /** Mask loss. */
  lseg: number;
  /** Objectness loss. */
  lobj: number;
  /** Classification loss. */
  lcls: number;
}

/**
 * crop_mask: zero everything of (n, h, w) `masks` outside each row's (x1, y1, x2, y2) box (mask pixels): column c and
 * row r are kept where x1 ≤ c < x2 and y1 ≤ r < y2.
 */
export function cropMask(masks: Tensor, boxes: Tensor): Tensor {
  return tidy(() => {
    const [n, h, w] = masks.shape as [number, number, number];
    const [x1, y1, x2, y2] = boxes.view(n, 4, 1).chunk(4, 1) as [Tensor, Tensor, Tensor, Tensor]; // (n, 1, 1) each
    const opts = { dtype: boxes.dtype, device: boxes.device };
    const cols = arange(0, w, 1, opts).view(1, 1, w);
    const rows = arange(0, h, 1, opts).view(1, h, 1);
    const keep = cols.ge(x1).logicalAnd(cols.lt(x2)).logicalAnd(rows.ge(y1)).logicalAnd(rows.lt(y2));
    return masks.mul(keep.to(masks.dtype));
  });
}

/** YOLOv5 v7.0's segmentation ComputeLoss; `overlap` as train.py's `not --no-overlap` (v7.0's default: true). */
export class SegmentComputeLoss extends ComputeLoss {
  /** Mask coefficients per anchor. */
  readonly nm: number;
  /** Masks are (bs, mh, mw) index masks (overlap_mask) rather than one (mh, mw) mask per target. */
  readonly overlap: boolean;

  constructor(model: { detect: SegmentLossHead }, hyp: LossHyp, opts: { overlap?: boolean } = {}) {
    super(model, hyp);
    this.nm = model.detect.nm;
    if (!(this.nm > 0)) throw new Error('SegmentComputeLoss: the model has no mask coefficients (nm = 0): a segmentation model (Segment head) is needed');
    this.overlap = opts.overlap ?? true;
  }

  /**
   * `preds`: the raw (bs, na, ny, nx, 5+nc+nm) maps; `proto`: (bs, nm, mh, mw) prototypes; `targets`: (nt, 6) rows of
   * image, class, cx, cy, w, h (0–1); `masks`: (nt, H, W) per target, or (bs, H, W) index masks with overlap (any
   * numeric dtype; resized by nearest to (mh, mw) when their size differs, as v7.0 does).
   */
  computeSegment(preds: Tensor[], proto: Tensor, targets: Tensor | Float32Array, masks: Tensor): SegmentLossResult {
    const { na, nc, nl } = this.head;
    const nm = this.nm;
    if (preds.length !== nl) throw new Error(`SegmentComputeLoss: expected ${nl} prediction maps, got ${preds.length}`);
    const shapes = preds.map((p, i) => {
      const s = p.shape;
      if (s.length !== 5 || s[1] !== na || s[4] !== nc + 5 + nm) {
        throw new Error(`SegmentComputeLoss: prediction ${i} has shape [${s.join(', ')}], expected [bs, ${na}, ny, nx, ${nc + 5 + nm}]`);
      }
      return s as [number, number, number, number, number];
    });
    const bs = shapes[0]![0];
    if (proto.ndim !== 4 || proto.shape[0] !== bs || proto.shape[1] !== nm) {
      throw new Error(`SegmentComputeLoss: prototypes have shape [${proto.shape.join(', ')}], expected [${bs}, ${nm}, mh, mw]`);
    }
    const [mh, mw] = [proto.shape[2]!, proto.shape[3]!];
    const dtype = preds[0]!.dtype;
    const device = preds[0]!.device;
    const float64 = dtype === 'float64';
    const host = targets instanceof Float32Array ? (float64 ? Float64Array.from(targets) : targets) : float64 ? (tidy(() => targets.to('float64').toTypedArray()) as Float64Array) : targets.toFloat32Array();
    if (host.length % 6 !== 0) throw new Error(`SegmentComputeLoss: targets must be rows of 6 values, got ${host.length} values`);
    const nt = host.length / 6;
    const expectMasks = this.overlap ? bs : nt;
    if (masks.ndim !== 3 || masks.shape[0] !== expectMasks) {
      throw new Error(`SegmentComputeLoss: masks have shape [${masks.shape.join(', ')}], expected [${expectMasks}, h, w] (${this.overlap ? 'one index mask per image (overlap)' : 'one mask per target'})`);
    }
    const levels = buildTargets({
      targets: host,
      anchors: this.head.anchors.toFloat32Array(),
      na,
      gridShapes: shapes.map((s) => [s[2], s[3]]),
      anchorT: this.hyp.anchor_t,
      precision: float64 ? 'float64' : 'float32',
    });
    for (const lt of levels) {
      for (let k = 0; k < lt.n; k++) {
        if (lt.cls[k]! < 0 || lt.cls[k]! >= nc) throw new Error(`SegmentComputeLoss: target class ${lt.cls[k]} is outside 0…${nc - 1} (nc=${nc})`);
        if (lt.image[k]! < 0n || lt.image[k]! >= BigInt(bs)) throw new Error(`SegmentComputeLoss: target image index ${lt.image[k]} is outside the batch of ${bs}`);
      }
    }
    // build_targets' tidx: with overlap, each image's rows numbered 1…n in the order they come (v7.0 concatenates
    // arange(num)+1 per image, so rows are expected grouped by image, as the loader's collate makes them);
    // without, the row itself.
    const tidx = new Int32Array(nt);
    if (this.overlap) {
      let k = 0;
      for (let b = 0; b < bs; b++) {
        let num = 0;
        for (let t = 0; t < nt; t++) if (host[t * 6] === b) num++;
        for (let q = 0; q < num && k < nt; q++) tidx[k++] = q + 1;
      }
    } else {
      for (let t = 0; t < nt; t++) tidx[t] = t;
    }
    const r = float64 ? (x: number) => x : Math.fround;

    const onDevice = (t: Tensor) => (device === 'cpu' ? t : t.to(device));
    const asFloat = (data: Float64Array, shape: number[]) => onDevice(tensor(float64 ? data : Float32Array.from(data), { shape }));
    const focal = this.hyp.fl_gamma > 0;

    const parts = tidy(() => {
      const clsPw = asFloat(Float64Array.of(this.hyp.cls_pw), [1]);
      const objPw = asFloat(Float64Array.of(this.hyp.obj_pw), [1]);
      const bce = (x: Tensor, y: Tensor, pw: Tensor) =>
        focal ? focalBceWithLogits(x, y, pw, this.hyp.fl_gamma) : binaryCrossEntropyWithLogits(x, y, { posWeight: pw });
      const sumDtype = float64 ? 'float64' : 'float32';
      let lbox = zeros([], { dtype: sumDtype, device });
      let lobj = zeros([], { dtype: sumDtype, device });
      let lcls = zeros([], { dtype: sumDtype, device });
      let lseg = zeros([], { dtype: sumDtype, device });
      // v7.0 resizes the masks (nearest) to the prototypes' size inside the level loop; once is the same. The masks
      // stay float32 (train.py's masks.float()) under autocast too, so index values compare exactly.
      let gtMasks = masks.dtype === sumDtype ? masks : masks.to(sumDtype);
      if (gtMasks.shape[1] !== mh || gtMasks.shape[2] !== mw) gtMasks = interpolateNearest(gtMasks.unsqueeze(0), { size: [mh, mw] }).squeeze(0);
      preds.forEach((pi, i) => {
        const lt = levels[i]!;
        const [, , ny, nx] = shapes[i]!;
        const tobj = zeros(shapes[i]!.slice(0, 4), { dtype, device });
        if (lt.n > 0) {
          const index = [lt.image, lt.anchor, lt.gj, lt.gi].map((v) => onDevice(tensor(v, { shape: [lt.n] })));
          const picked = pi.index(index);
          const m = this.matchedTerms(picked, lt, asFloat, (x, y) => bce(x, y, clsPw));
          lbox = lbox.add(m.lbox);
          tobj.indexPut_(index, m.objTarget.dtype === tobj.dtype ? m.objTarget : m.objTarget.to(tobj.dtype));
          if (m.lcls) lcls = lcls.add(m.lcls);
          const pmask = picked.narrow(1, 5 + nc, nm);

          // Mask regression: each assignment's target box (its un-offset grid xywh / grid size, as v7.0's xywhn)
          // in prototype pixels, and its normalised area.
          const xywhn = new Float64Array(lt.n * 4);
          for (let k = 0; k < lt.n; k++) {
            const t = lt.target[k]!;
            const g = [nx, ny, nx, ny];
            for (let c = 0; c < 4; c++) xywhn[k * 4 + c] = r(r(host[t * 6 + 2 + c]! * g[c]!) / g[c]!);
          }
          const xywhnT = asFloat(xywhn, [lt.n, 4]);
          const marea = xywhnT.narrow(1, 2, 2).prod(1);
          const scaled = xywhnT.mul(asFloat(Float64Array.of(mw, mh, mw, mh), [4]));
          const [cxy, wh] = scaled.split([2, 2], 1) as [Tensor, Tensor];
          const half = wh.div(2);
          const mxyxy = cat([cxy.sub(half), cxy.add(half)], 1);
          const images = [...new Set(Array.from(lt.image, Number))].sort((a, b) => a - b);
          for (const bi of images) {
            const rows: number[] = [];
            for (let k = 0; k < lt.n; k++) if (Number(lt.image[k]!) === bi) rows.push(k);
            const j = onDevice(tensor(BigInt64Array.from(rows, BigInt), { shape: [rows.length] }));
            let gt: Tensor;
            if (this.overlap) {
              const ids = asFloat(Float64Array.from(rows, (k) => tidx[lt.target[k]!]!), [rows.length, 1, 1]);
              gt = where(gtMasks.select(0, bi).unsqueeze(0).eq(ids), asFloat(Float64Array.of(1), [1]), asFloat(Float64Array.of(0), [1]));
            } else {
              const ids = onDevice(tensor(BigInt64Array.from(rows, (k) => BigInt(tidx[lt.target[k]!]!)), { shape: [rows.length] }));
              gt = gtMasks.indexSelect(0, ids);
            }
            lseg = lseg.add(this.singleMaskLoss(gt, pmask.indexSelect(0, j), proto.select(0, bi), mxyxy.indexSelect(0, j), marea.indexSelect(0, j)));
          }
        }
        lobj = lobj.add(bce(pi.select(4, 4), tobj, objPw).mul(this.balance[i]!));
      });
      lbox = lbox.mul(this.hyp.box);
      lobj = lobj.mul(this.hyp.obj);
      lcls = lcls.mul(this.hyp.cls);
      lseg = lseg.mul(this.hyp.box / bs);
      return { loss: lbox.add(lobj).add(lcls).add(lseg).mul(bs), lbox, lseg, lobj, lcls };
    });
    const result = { loss: parts.loss, lbox: parts.lbox.item(), lseg: parts.lseg.item(), lobj: parts.lobj.item(), lcls: parts.lcls.item() };
    for (const t of [parts.lbox, parts.lseg, parts.lobj, parts.lcls]) t.dispose();
    return result;
  }

  /** single_mask_loss: (coefficients @ prototypes) per target, BCE against `gt`, cropped to `xyxy`, mean / area. */
  private singleMaskLoss(gt: Tensor, coef: Tensor, proto: Tensor, xyxy: Tensor, area: Tensor): Tensor {
    const [, mh, mw] = proto.shape as [number, number, number];
    const predMask = coef.matmul(proto.reshape(this.nm, mh * mw)).view(-1, mh, mw);
    const loss = binaryCrossEntropyWithLogits(predMask, gt, { reduction: 'none' });
    return cropMask(loss, xyxy).mean([1, 2]).div(area).mean();
  }
}
