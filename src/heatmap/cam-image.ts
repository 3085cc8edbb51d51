// pytorch-grad-cam 1.4.8's map handling on host arrays: scale_cam_image (min-max to [0, 1], then cv2.resize with
// INTER_LINEAR), the multi-layer mean of BaseCAM.aggregate_multi_layers, and yolov5_heatmap.py's renormalisation
// inside boxes.

/** A single-channel float map, row-major. */
export interface CamMap {
  /** height · width values, row-major. */
  data: Float32Array;
  /** Columns. */
  width: number;
  /** Rows. */
  height: number;
}

/** scale_cam_image on one map: subtract the minimum, divide by (1e-7 + the new maximum), float32. */
export function minMaxScale(data: Float32Array): Float32Array {
  let min = Infinity;
  for (const v of data) if (v < min) min = v;
  const shifted = new Float32Array(data.length);
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    shifted[i] = data[i]! - min;
    if (shifted[i]! > max) max = shifted[i]!;
  }
  const d = Math.fround(1e-7 + max);
  for (let i = 0; i < shifted.length; i++) shifted[i] = shifted[i]! / d;
  return shifted;
}

/** cv2.resize(map, (width, height)) with INTER_LINEAR on float32: half-pixel centres, edges clamped. */
export function resizeBilinear(map: CamMap, width: number, height: number): CamMap {
  if (map.width === width && map.height === height) return { data: map.data.slice(), width, height };
  const xs = axisTaps(map.width, width);
  const ys = axisTaps(map.height, height);
  const out = new Float32Array(width * height);
  const src = map.data;
  for (let y = 0; y < height; y++) {
    const y0 = ys.i0[y]!, y1 = ys.i1[y]!, fy = ys.f[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs.i0[x]!, x1 = xs.i1[x]!, fx = xs.f[x]!;
      const top = src[y0 * map.width + x0]! * (1 - fx) + src[y0 * map.width + x1]! * fx;
      const bottom = src[y1 * map.width + x0]! * (1 - fx) + src[y1 * map.width + x1]! * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return { data: out, width, height };
}

/** cv2's INTER_LINEAR source taps along one axis. */
function axisTaps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const scale = src / dst;
  const i0 = new Int32Array(dst), i1 = new Int32Array(dst), f = new Float64Array(dst);
  for (let d = 0; d < dst; d++) {
    let fx = (d + 0.5) * scale - 0.5;
    let sx = Math.floor(fx);
    fx -= sx;
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx >= src - 1) {
      fx = 0;
      sx = src - 1;
    }
    i0[d] = sx;
    i1[d] = Math.min(sx + 1, src - 1);
    f[d] = fx;
  }
  return { i0, i1, f };
}

/** One layer's contribution: ReLU, scale_cam_image, resize to the input size (compute_cam_per_layer). */
export function layerContribution(cam: Float32Array, w: number, h: number, width: number, height: number): CamMap {
  const relu = cam.map((v) => (v > 0 ? v : 0));
  return resizeBilinear({ data: minMaxScale(relu), width: w, height: h }, width, height);
}

/** aggregate_multi_layers: ReLU, mean over the layers, scale_cam_image. */
export function aggregateLayers(maps: CamMap[]): CamMap {
  const { width, height } = maps[0]!;
  const sum = new Float32Array(width * height);
  for (const m of maps) for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + Math.max(m.data[i]!, 0);
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / maps.length;
  return { data: minMaxScale(sum), width, height };
}

/**
 * yolov5_heatmap.py's renormalize_cam_in_bounding_boxes, fixed as docs/heatmap.md says: inside each box (x1, y1, x2,
 * y2 truncated to integers, clipped to the map, x2/y2 exclusive as the script slices) the CAM min-max scaled as one
 * map (the script passes 2-D crops to scale_cam_image, which then scales each row by itself), zero outside the
 * boxes, later boxes over earlier ones, then the whole map scaled again.
 */
export function renormalizeInBoxes(cam: CamMap, boxes: readonly (readonly number[])[]): CamMap {
  const { width, height } = cam;
  const out = new Float32Array(width * height);
  for (const b of boxes) {
    const x1 = Math.max(Math.trunc(b[0]!), 0), y1 = Math.max(Math.trunc(b[1]!), 0);
    const x2 = Math.min(width - 1, Math.trunc(b[2]!)), y2 = Math.min(height - 1, Math.trunc(b[3]!));
    if (x2 <= x1 || y2 <= y1) continue; // an empty crop (the script would fail on np.min of nothing)
    const crop = new Float32Array((x2 - x1) * (y2 - y1));
    for (let y = y1, k = 0; y < y2; y++) for (let x = x1; x < x2; x++) crop[k++] = cam.data[y * width + x]!;
    const scaled = minMaxScale(crop);
    for (let y = y1, k = 0; y < y2; y++) for (let x = x1; x < x2; x++) out[y * width + x] = scaled[k++]!;
  }
  return { data: minMaxScale(out), width, height };
}
