// Horizontal and vertical flips of an RGB image and of its normalised (cls, cx, cy, w, h) labels.
import type { RgbImage } from '../image-buffer.ts';

/** np.fliplr in place: mirrors every row. */
export function flipImageLeftRight(im: RgbImage): void {
  const d = im.data;
  const w = im.width;
  for (let y = 0; y < im.height; y++) {
    let a = y * w * 3;
    let b = a + (w - 1) * 3;
    for (; a < b; a += 3, b -= 3) {
      for (let c = 0; c < 3; c++) {
        const t = d[a + c]!;
        d[a + c] = d[b + c]!;
        d[b + c] = t;
      }
    }
  }
}

/** np.flipud in place: swaps rows top to bottom. */
export function flipImageUpDown(im: RgbImage): void {
  const rowBytes = im.width * 3;
  const tmp = new Uint8Array(rowBytes);
  const d = im.data;
  for (let top = 0, bottom = im.height - 1; top < bottom; top++, bottom--) {
    const a = top * rowBytes;
    const b = bottom * rowBytes;
    tmp.set(d.subarray(a, a + rowBytes));
    d.copyWithin(a, b, b + rowBytes);
    d.set(tmp, b);
  }
}

/** x-centre → 1 − x-centre on n×5 normalised labels, in place. */
export function flipLabelsLeftRight(labels: Float32Array): void {
  for (let i = 1; i < labels.length; i += 5) labels[i] = 1 - labels[i]!;
}

/** y-centre → 1 − y-centre on n×5 normalised labels, in place. */
export function flipLabelsUpDown(labels: Float32Array): void {
  for (let i = 2; i < labels.length; i += 5) labels[i] = 1 - labels[i]!;
}
