// heatmap(): one image's class activation map through a YOLOv5 model, as yolov5_heatmap.py computes it with
// pytorch-grad-cam 1.4.8 (docs/heatmap.md): letterbox, a forward pass in eval mode keeping the target layers'
// outputs, the gradient of the target score with respect to them, the method's map per layer, their mean.
import type { RgbImage } from '../data/image-buffer.ts';
import { letterbox } from '../data/letterbox.ts';
import { pixelBackend } from '../data/pixel-backend.ts';
import { nonMaxSuppression } from '../eval/nms.ts';
import type { HostTensor } from '../io/host-tensor.ts';
import { imageToInput } from '../detect/image-tensor.ts';
import { autogradGrad } from '../tensor/autograd.ts';
import { isGradEnabled } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { aggregateLayers, type CamMap, layerContribution, renormalizeInBoxes } from './cam-image.ts';
import { CAM_METHODS, type CamMethod, type LayerMap, layerCam, usesGradients } from './cam-methods.ts';
import { drawDetections, showCamOnImage } from './overlay.ts';
import { CAM_TARGETS, type CamTarget, targetRows, targetScore } from './targets.ts';

/** yolov5_heatmap.py's defaults: layers 16, 19, 21 (yolov5s-shaped heads), threshold 0.2, ratio 0.02, NMS IoU 0.65. */
export const HEATMAP_DEFAULTS = { method: 'gradcam', layers: [16, 19, 21], target: 'class', confThres: 0.2, ratio: 0.02, iouThres: 0.65, imgsz: 640 } as const;

/** Options of heatmap() (docs/heatmap.md). */
export interface HeatmapOptions {
  /** CAM method (default 'gradcam'). */
  method?: CamMethod;
  /** YAML layer indices whose outputs are explained; the maps are averaged (default 16, 19, 21). */
  layers?: readonly number[];
  /** What to explain: best class scores, box coordinates, or both (default 'class'). */
  target?: CamTarget;
  /** Rescale the CAM to 0–1 inside each detected box, zero outside (the script's renormalize). */
  renorm?: boolean;
  /** Best-class-score threshold of the target rows, and NMS confidence threshold of the drawn boxes (default 0.2). */
  confThres?: number;
  /** At most this fraction of the prediction rows (by objectness) goes into the target (default 0.02). */
  ratio?: number;
  /** NMS IoU threshold of the drawn boxes (default 0.65, the script's). */
  iouThres?: number;
  /** Letterbox size (default 640); the image is padded to a multiple of the model's stride only (auto). */
  imgsz?: number;
  /** Draw the detections on the picture (default true). */
  drawBoxes?: boolean;
}

/** What heatmap() gives for one image; everything is at the letterboxed model input size. */
export interface HeatmapResult {
  /** The grayscale CAM in [0, 1] (renormalised inside the boxes with `renorm`), as pytorch-grad-cam returns it. */
  cam: CamMap;
  /** The CAM over the letterboxed image (JET colours), detections drawn. */
  image: RgbImage;
  /** The letterboxed input image. */
  letterboxed: RgbImage;
  /** Detections after NMS, rows x1 y1 x2 y2 conf cls in letterboxed pixels. */
  detections: number[][];
  /** How many prediction rows the target summed (0 for EigenCAM, which uses no target). */
  targetRows: number;
}

/** heatmap() found no prediction row to explain (none with a best class score ≥ the threshold). */
export class NoCamTargetError extends Error {
  /** The message says which threshold no row reached. */
  constructor(message: string) {
    super(message);
    this.name = 'NoCamTargetError';
  }
}

/** Checks YAML layer indices for heatmap(): integers naming a layer before the detection head. */
export function checkCamLayers(model: DetectionModel, layers: readonly number[], what = 'layers'): void {
  const last = model.model.layers.length - 1;
  if (layers.length === 0) throw new Error(`${what}: give at least one layer index`);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= last) {
      throw new Error(`${what}: no layer ${l} to explain: the model's layers are 0–${last - 1} (${last} is the detection head)`);
    }
  }
}

/**
 * Grad-CAM family heatmap of one RGB image through `model` (eval mode; gradients are taken through the frozen
 * model, BatchNorm in eval, as yolov5_heatmap.py does): the letterboxed CAM, the picture and the detections.
 * Throws NoCamTargetError when no prediction row reaches `confThres` (the script then writes nothing).
 */
export function heatmap(model: DetectionModel, image: RgbImage, options: HeatmapOptions = {}): HeatmapResult {
  const o = { ...HEATMAP_DEFAULTS, ...options };
  const method = o.method as CamMethod, target = o.target as CamTarget;
  if (!CAM_METHODS.includes(method)) throw new Error(`method: '${method}' is not one of ${CAM_METHODS.join(', ')}`);
  if (!CAM_TARGETS.includes(target)) throw new Error(`target: '${target}' is not one of ${CAM_TARGETS.join(', ')}`);
  if (model.training) throw new Error('heatmap() needs the model in eval mode (model.eval()): BatchNorm in eval, as the script runs it');
  if (!isGradEnabled()) throw new Error('heatmap() takes gradients: call it outside noGrad()');
  checkCamLayers(model, o.layers);
  const stride = Math.max(32, ...model.stride);
  const pixels = pixelBackend(); // OpenCV's resize when the image addon is built, as the script's cv2 letterbox
  const lb = letterbox(image, o.imgsz, { stride, auto: true, resize: (im, w, h, how) => pixels.resize(im, w, h, how) }).image;
  const { width, height } = lb;

  const device = model.detect.anchors.device;
  const { maps, pred, rows } = tidy(() => {
    const input = imageToInput(lb, device).requiresGrad_(true);
    const kept = new Map<number, Tensor>();
    const wanted = new Set(o.layers);
    const out = model.forwardOnce(input, (i, t) => {
      if (!wanted.has(i)) return false;
      if (!isTensor(t) || t.ndim !== 4) throw new Error(`layers: layer ${i} (${model.layerInfo[i]!.type}) gives no feature map to explain`);
      kept.set(i, t);
      return true;
    });
    if (Array.isArray(out)) throw new Error('heatmap() needs the model in eval mode');
    const predTensor = out.pred;
    const predHost = predTensor.detach().float().cpu().toHost();
    const acts = o.layers.map((l) => kept.get(l)!);
    let grads: Tensor[] | undefined;
    let rows: number[] = [];
    if (usesGradients(method)) {
      rows = targetRows(predHost, o.confThres, o.ratio);
      if (rows.length === 0) {
        throw new NoCamTargetError(`no prediction to explain: none of the ${Math.trunc(predHost.shape[1]! * o.ratio)} rows with the highest objectness has a class score ≥ ${o.confThres} (lower the threshold)`);
      }
      const score = targetScore(predTensor, rows, target);
      grads = autogradGrad([score], acts);
    }
    const maps = acts.map((a, k) => ({ act: layerMap(a), grad: grads ? layerMap(grads[k]!) : undefined }));
    for (const t of kept.values()) t.dispose();
    return { maps, pred: predHost, rows };
  });

  const contributions = maps.map(({ act, grad }) => layerContribution(layerCam(method, act, grad), act.w, act.h, width, height));
  let cam = aggregateLayers(contributions);
  const detections = detectionRows(nonMaxSuppression(pred, { confThres: o.confThres, iouThres: o.iouThres })[0]!);
  if (o.renorm) cam = renormalizeInBoxes(cam, detections);
  let picture = showCamOnImage(lb, cam);
  if (o.drawBoxes ?? true) picture = drawDetections(picture, width, height, detections, model.names);
  return { cam, image: { data: picture, width, height }, letterboxed: lb, detections, targetRows: rows.length };
}

function isTensor(t: unknown): t is Tensor {
  return typeof t === 'object' && t !== null && 'ndim' in t && 'handle' in t;
}

function layerMap(t: Tensor): LayerMap {
  const [, c, h, w] = t.shape as [number, number, number, number];
  return { data: t.select(0, 0).detach().float().cpu().contiguous().toFloat32Array(), c, h, w };
}

function detectionRows(t: HostTensor): number[][] {
  const d = t.data as Float32Array;
  const rows: number[][] = [];
  for (let r = 0; r < d.length; r += 6) rows.push(Array.from(d.subarray(r, r + 6)));
  return rows;
}
