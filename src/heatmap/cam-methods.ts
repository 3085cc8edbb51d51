// The CAM methods of jacobgil/pytorch-grad-cam 1.4.8 that yolov5_heatmap.py offers, on host arrays: one layer's
// activations and gradients (C, H, W) → its (H, W) map before the ReLU (BaseCAM.get_cam_image and the methods'
// get_cam_weights), float32 like the NumPy arrays they work on.
import { topEigenvector } from './eigen.ts';

/** The CAM methods (pytorch-grad-cam's GradCAM, GradCAMPlusPlus, XGradCAM, EigenCAM, HiResCAM, LayerCAM). */
export const CAM_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'eigencam', 'hirescam', 'layercam'] as const;

/** A CAM method's name as `--method` takes it. */
export type CamMethod = (typeof CAM_METHODS)[number];

/** Whether the method needs gradients (EigenCAM is gradient-free: no backward pass, the target is never used). */
export function usesGradients(method: CamMethod): boolean {
  return method !== 'eigencam';
}

/** One layer's feature map: `data` holds c·h·w float32 values in CHW order. */
export interface LayerMap {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
}

/** One layer's map (h·w values) before the ReLU, as the method's get_cam_image computes it. */
export function layerCam(method: CamMethod, act: LayerMap, grad: LayerMap | undefined): Float32Array {
  const { c, h, w } = act;
  const plane = h * w;
  if (method === 'eigencam') return eigenProjection(act);
  if (!grad) throw new Error(`${method} needs gradients`);
  const a = act.data, g = grad.data;
  const cam = new Float32Array(plane);
  if (method === 'hirescam' || method === 'layercam') {
    // sum over channels of grads·activations (HiResCAM) or relu(grads)·activations (LayerCAM)
    for (let k = 0; k < c; k++) {
      const o = k * plane;
      for (let p = 0; p < plane; p++) {
        const gv = method === 'layercam' ? Math.max(g[o + p]!, 0) : g[o + p]!;
        cam[p] = Math.fround(cam[p]! + Math.fround(gv * a[o + p]!));
      }
    }
    return cam;
  }
  const weights = channelWeights(method, act, grad);
  for (let k = 0; k < c; k++) {
    const o = k * plane, wk = weights[k]!;
    for (let p = 0; p < plane; p++) cam[p] = Math.fround(cam[p]! + Math.fround(wk * a[o + p]!));
  }
  return cam;
}

/** Per-channel weights of the weight-based methods (GradCAM, GradCAM++, XGradCAM). */
function channelWeights(method: CamMethod, act: LayerMap, grad: LayerMap): Float64Array {
  const { c, h, w } = act;
  const plane = h * w;
  const a = act.data, g = grad.data;
  const weights = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const o = k * plane;
    if (method === 'gradcam') {
      let s = 0;
      for (let p = 0; p < plane; p++) s += g[o + p]!;
      weights[k] = s / plane; // np.mean(grads, axis=(2, 3))
      continue;
    }
    let sumA = 0;
    for (let p = 0; p < plane; p++) sumA += a[o + p]!;
    let s = 0;
    if (method === 'gradcam++') {
      // aij = g² / (2g² + Σa·g³ + 1e-6), zero where g == 0; weight = Σ relu(g)·aij
      for (let p = 0; p < plane; p++) {
        const gv = g[o + p]!;
        if (gv === 0) continue;
        const g2 = gv * gv;
        s += Math.max(gv, 0) * (g2 / (2 * g2 + sumA * g2 * gv + 1e-6));
      }
    } else if (method === 'xgradcam') {
      // Σ g·a / (Σa + 1e-7)
      for (let p = 0; p < plane; p++) s += (g[o + p]! * a[o + p]!) / (sumA + 1e-7);
    } else {
      throw new Error(`unknown CAM method '${method}'`);
    }
    weights[k] = s;
  }
  return weights;
}

/**
 * EigenCAM's get_2d_projection: the centred (h·w, c) activations projected on their first principal direction.
 * The direction's sign is not defined by the SVD (NumPy gives whatever LAPACK gives); tsyolo takes the sign that
 * makes the projection's largest-magnitude value positive (the strongest response shows after the ReLU).
 */
function eigenProjection(act: LayerMap): Float32Array {
  const { c, h, w } = act;
  const plane = h * w;
  const centred = new Float64Array(plane * c); // row-major (plane, c)
  for (let k = 0; k < c; k++) {
    let mean = 0;
    for (let p = 0; p < plane; p++) {
      const v = act.data[k * plane + p]!;
      mean += Number.isNaN(v) ? 0 : v;
    }
    mean /= plane;
    for (let p = 0; p < plane; p++) {
      const v = act.data[k * plane + p]!;
      centred[p * c + k] = (Number.isNaN(v) ? 0 : v) - mean;
    }
  }
  const cov = new Float64Array(c * c);
  for (let p = 0; p < plane; p++) {
    const row = p * c;
    for (let i = 0; i < c; i++) {
      const ri = centred[row + i]!;
      if (ri === 0) continue;
      const ci = i * c;
      for (let j = i; j < c; j++) cov[ci + j]! += ri * centred[row + j]!;
    }
  }
  for (let i = 0; i < c; i++) for (let j = 0; j < i; j++) cov[i * c + j] = cov[j * c + i]!;
  const v = topEigenvector(cov, c);
  const out = new Float32Array(plane);
  let strongest = 0;
  for (let p = 0; p < plane; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += centred[p * c + k]! * v[k]!;
    out[p] = s;
    if (Math.abs(s) > Math.abs(strongest)) strongest = s;
  }
  if (strongest < 0) for (let p = 0; p < plane; p++) out[p] = -out[p]!;
  return out;
}
