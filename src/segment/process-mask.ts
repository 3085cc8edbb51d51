// YOLOv5 v7.0's mask assembly (utils/segment/general.py): coefficients × prototypes → sigmoid → crop to the box →
// threshold 0.5, either cropped at prototype resolution (process_mask, optionally upsampled after) or upsampled
// first (process_mask_upsample, val --save-json). float32 as PyTorch computes it; bilinear as F.interpolate
// (align_corners=False). Browser-safe.

/** Mask prototypes of one image: (nm, mh, mw) float32. */
export interface Protos {
  /** nm·mh·mw values, row-major. */
  data: Float32Array;
  /** [nm, mh, mw]. */
  shape: readonly [number, number, number];
}

/** Binary masks (n, h, w): 1 inside, 0 outside. */
export interface MaskStack {
  /** n·h·w values. */
  data: Uint8Array;
  /** Number of masks. */
  n: number;
  /** Height in pixels. */
  height: number;
  /** Width in pixels. */
  width: number;
}

/**
 * sigmoid(coeffs @ protos.view(nm, -1)) for n detections: (n, mh·mw) float32. A libtorch backend passes its own
 * (the same BLAS as PyTorch, so values at the 0.5 threshold round as v7.0's do); the default sums in float32.
 */
export type MaskProbabilities = (protos: Protos, coeffs: Float32Array, n: number) => Float32Array;

function coefficientRows(det: MaskDetections): Float32Array {
  const nm = det.width - 6;
  const out = new Float32Array(det.n * nm);
  for (let i = 0; i < det.n; i++) out.set(det.data.subarray(i * det.width + 6, (i + 1) * det.width), i * nm);
  return out;
}

function maskLogits(protos: Protos, det: MaskDetections, probs?: MaskProbabilities): Float32Array {
  const coeffs = coefficientRows(det);
  if (probs) return probs(protos, coeffs, det.n);
  const n = det.n;
  const [c, mh, mw] = protos.shape;
  const hw = mh * mw;
  const out = new Float32Array(n * hw);
  const p = protos.data;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const o = i * hw;
    for (let k = 0; k < c; k++) {
      const a = coeffs[row + k]!;
      const base = k * hw;
      for (let j = 0; j < hw; j++) out[o + j] += a * p[base + j]!;
    }
    for (let j = 0; j < hw; j++) out[o + j] = 1 / (1 + Math.exp(-Math.fround(out[o + j]!)));
  }
  return out;
}

/** crop_mask: zero outside [x1, x2) × [y1, y2) (boxes in this mask's pixels, float32), in place. */
function cropMasks(masks: Float32Array, n: number, h: number, w: number, boxes: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const [x1, y1, x2, y2] = [boxes[4 * i]!, boxes[4 * i + 1]!, boxes[4 * i + 2]!, boxes[4 * i + 3]!];
    const o = i * h * w;
    for (let y = 0; y < h; y++) {
      const rowIn = y >= y1 && y < y2;
      for (let x = 0; x < w; x++) if (!(rowIn && x >= x1 && x < x2)) masks[o + y * w + x] = 0;
    }
  }
}

/** PyTorch's bilinear source index and weights along one axis (align_corners=False, CPU kernel). */
function bilinearAxis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; l0: Float32Array; l1: Float32Array } {
  const scale = Math.fround(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float32Array(outSize);
  const l1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let src = Math.fround(Math.fround(scale * Math.fround(d + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const s = Math.trunc(src);
    i0[d] = s;
    i1[d] = s + (s < inSize - 1 ? 1 : 0);
    l1[d] = Math.fround(src - s);
    l0[d] = Math.fround(1 - l1[d]!);
  }
  return { i0, i1, l0, l1 };
}

/** F.interpolate(masks[None], (oh, ow), mode='bilinear', align_corners=False)[0] on (n, h, w) float32. */
export function interpolateBilinear(src: Float32Array, n: number, h: number, w: number, oh: number, ow: number): Float32Array {
  const ay = bilinearAxis(h, oh);
  const ax = bilinearAxis(w, ow);
  const out = new Float32Array(n * oh * ow);
  for (let c = 0; c < n; c++) {
    const si = c * h * w;
    const so = c * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = si + ay.i0[y]! * w;
      const r1 = si + ay.i1[y]! * w;
      const h0 = ay.l0[y]!;
      const h1 = ay.l1[y]!;
      for (let x = 0; x < ow; x++) {
        const x0 = ax.i0[x]!;
        const x1 = ax.i1[x]!;
        const w0 = ax.l0[x]!;
        const w1 = ax.l1[x]!;
        const top = Math.fround(Math.fround(w0 * src[r0 + x0]!) + Math.fround(w1 * src[r0 + x1]!));
        const bot = Math.fround(Math.fround(w0 * src[r1 + x0]!) + Math.fround(w1 * src[r1 + x1]!));
        out[so + y * ow + x] = Math.fround(Math.fround(h0 * top) + Math.fround(h1 * bot));
      }
    }
  }
  return out;
}

function threshold(m: Float32Array, n: number, h: number, w: number): MaskStack {
  const data = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) data[i] = m[i]! > 0.5 ? 1 : 0;
  return { data, n, height: h, width: w };
}

/** Detections as (n, 6 + nm) rows (x1, y1, x2, y2, conf, cls, coefficients…) in the input's pixels. */
export interface MaskDetections {
  /** Row-major rows. */
  data: Float32Array;
  /** Number of rows. */
  n: number;
  /** Values per row (6 + nm). */
  width: number;
}

function boxesOf(det: MaskDetections, sx: number, sy: number): Float32Array {
  const b = new Float32Array(det.n * 4);
  const fx = Math.fround(sx);
  const fy = Math.fround(sy);
  for (let i = 0; i < det.n; i++) {
    const r = i * det.width;
    b[4 * i] = Math.fround(det.data[r]! * fx);
    b[4 * i + 1] = Math.fround(det.data[r + 1]! * fy);
    b[4 * i + 2] = Math.fround(det.data[r + 2]! * fx);
    b[4 * i + 3] = Math.fround(det.data[r + 3]! * fy);
  }
  return b;
}

/**
 * process_mask(protos, det[:, 6:], det[:, :4], shape, upsample): masks cropped to the boxes at prototype resolution
 * (mh, mw), then with `upsample` resized to the input `shape` [h, w] before the 0.5 threshold.
 */
export function processMask(protos: Protos, det: MaskDetections, shape: readonly [number, number], upsample = false, probs?: MaskProbabilities): MaskStack {
  const [, mh, mw] = protos.shape;
  const [ih, iw] = shape;
  const m = maskLogits(protos, det, probs);
  cropMasks(m, det.n, mh, mw, boxesOf(det, mw / iw, mh / ih));
  if (!upsample) return threshold(m, det.n, mh, mw);
  return threshold(interpolateBilinear(m, det.n, mh, mw, ih, iw), det.n, ih, iw);
}

/** process_mask_upsample: masks upsampled to the input `shape` first, then cropped to the boxes (more accurate). */
export function processMaskUpsample(protos: Protos, det: MaskDetections, shape: readonly [number, number], probs?: MaskProbabilities): MaskStack {
  const [, mh, mw] = protos.shape;
  const [ih, iw] = shape;
  const m = interpolateBilinear(maskLogits(protos, det, probs), det.n, mh, mw, ih, iw);
  cropMasks(m, det.n, ih, iw, boxesOf(det, 1, 1));
  return threshold(m, det.n, ih, iw);
}
