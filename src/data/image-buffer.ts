// An RGB image in host memory: height × width × 3 interleaved uint8 (HWC), the layout decoders produce and the
// augmentations work on. Channel order is RGB throughout (YOLOv5 works in BGR and flips at the end; every
// operation here is channel-symmetric except the HSV conversion, which is written for RGB).

/** A decoded image: RGB pixels with their size. */
export interface RgbImage {
  /** height·width·3 bytes, row-major, RGB interleaved. */
  data: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** YOLOv5's padding grey (letterbox borders, mosaic canvas, warp border). */
export const PAD_VALUE = 114;

/** A new image of the given size filled with `fill` (0–255). */
export function createImage(width: number, height: number, fill = 0): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new Error(`createImage: invalid size ${width}×${height}`);
  }
  const data = new Uint8Array(width * height * 3);
  if (fill !== 0) data.fill(fill);
  return { data, width, height };
}

/** Throws unless `im` is a well-formed RGB image. */
export function assertRgbImage(im: RgbImage, what = 'image'): void {
  if (!Number.isInteger(im.width) || !Number.isInteger(im.height) || im.width < 0 || im.height < 0) {
    throw new Error(`${what}: invalid size ${im.width}×${im.height}`);
  }
  if (im.data.length !== im.width * im.height * 3) {
    throw new Error(`${what}: ${im.data.length} bytes do not match ${im.width}×${im.height}×3`);
  }
}

/** Deep copy. */
export function cloneImage(im: RgbImage): RgbImage {
  return { data: im.data.slice(), width: im.width, height: im.height };
}

/** Sets every pixel of the rectangle [x1, x2) × [y1, y2) (clipped to the image) to one RGB colour. */
export function fillRect(
  im: RgbImage,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  rgb: readonly [number, number, number],
): void {
  const xa = Math.max(0, Math.min(im.width, x1));
  const xb = Math.max(0, Math.min(im.width, x2));
  const ya = Math.max(0, Math.min(im.height, y1));
  const yb = Math.max(0, Math.min(im.height, y2));
  const d = im.data;
  for (let y = ya; y < yb; y++) {
    let o = (y * im.width + xa) * 3;
    for (let x = xa; x < xb; x++, o += 3) {
      d[o] = rgb[0];
      d[o + 1] = rgb[1];
      d[o + 2] = rgb[2];
    }
  }
}

/**
 * Copies the w×h block at (sx, sy) of `src` to (dx, dy) of `dst` (numpy `dst[dy:dy+h, dx:dx+w] = src[sy:sy+h,
 * sx:sx+w]`). Both rectangles must lie inside their images.
 */
export function pasteRegion(
  dst: RgbImage,
  dx: number,
  dy: number,
  src: RgbImage,
  sx: number,
  sy: number,
  w: number,
  h: number,
): void {
  if (w <= 0 || h <= 0) return;
  if (sx < 0 || sy < 0 || sx + w > src.width || sy + h > src.height) {
    throw new Error(`pasteRegion: source block ${w}×${h} at (${sx}, ${sy}) leaves the ${src.width}×${src.height} image`);
  }
  if (dx < 0 || dy < 0 || dx + w > dst.width || dy + h > dst.height) {
    throw new Error(`pasteRegion: target block ${w}×${h} at (${dx}, ${dy}) leaves the ${dst.width}×${dst.height} image`);
  }
  const rowBytes = w * 3;
  for (let y = 0; y < h; y++) {
    const s = ((sy + y) * src.width + sx) * 3;
    dst.data.set(src.data.subarray(s, s + rowBytes), ((dy + y) * dst.width + dx) * 3);
  }
}

/** The w×h block at (x, y) as a new image. */
export function cropImage(im: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const out = createImage(w, h);
  pasteRegion(out, 0, 0, im, x, y, w, h);
  return out;
}

/** cv2.copyMakeBorder with BORDER_CONSTANT: a new image with rows/columns of `value` added on each side. */
export function padImage(
  im: RgbImage,
  top: number,
  bottom: number,
  left: number,
  right: number,
  value = PAD_VALUE,
): RgbImage {
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    throw new Error(`padImage: negative border (${top}, ${bottom}, ${left}, ${right})`);
  }
  const out = createImage(im.width + left + right, im.height + top + bottom, value);
  pasteRegion(out, left, top, im, 0, 0, im.width, im.height);
  return out;
}

/**
 * HWC RGB → planar CHW RGB (what the network consumes). Writes into `out` at `offset` when given, so a batch
 * can be assembled without intermediate copies.
 */
export function hwcToChw(im: RgbImage, out?: Uint8Array, offset = 0): Uint8Array {
  const plane = im.width * im.height;
  const dst = out ?? new Uint8Array(plane * 3);
  if (offset + plane * 3 > dst.length) throw new Error(`hwcToChw: output too small for ${im.width}×${im.height}×3`);
  const s = im.data;
  const r = offset;
  const g = offset + plane;
  const b = offset + 2 * plane;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    dst[r + i] = s[j]!;
    dst[g + i] = s[j + 1]!;
    dst[b + i] = s[j + 2]!;
  }
  return dst;
}
