// The picture: pytorch-grad-cam's show_cam_on_image (the CAM through OpenCV's JET colour map, averaged with the
// image, brightest value to 255) and the detections drawn on it.
import type { RgbImage } from '../data/image-buffer.ts';
import { Annotator, className } from '../plot/annotator.ts';
import { classColor } from '../plot/colors.ts';
import type { CamMap } from './cam-image.ts';

/** OpenCV's COLORMAP_JET as RGB, 256 entries (within 1 of cv2.applyColorMap's table). */
export const JET_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  const ramp = (x: number, centre: number) => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - centre))));
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    lut[i * 3] = ramp(x, 3);
    lut[i * 3 + 1] = ramp(x, 2);
    lut[i * 3 + 2] = ramp(x, 1);
  }
  return lut;
})();

/** show_cam_on_image(img / 255, cam, use_rgb=True, image_weight=0.5): an RGB image of the same size. */
export function showCamOnImage(image: RgbImage, cam: CamMap): Uint8Array {
  const n = image.width * image.height;
  if (cam.width !== image.width || cam.height !== image.height) {
    throw new Error(`CAM ${cam.width}x${cam.height} does not match the image ${image.width}x${image.height}`);
  }
  const mixed = new Float32Array(n * 3);
  let max = 0;
  for (let p = 0; p < n; p++) {
    const level = Math.min(255, Math.max(0, Math.trunc(Math.fround(255 * cam.data[p]!))));
    for (let ch = 0; ch < 3; ch++) {
      const v = Math.fround(0.5 * Math.fround(JET_LUT[level * 3 + ch]! / 255) + 0.5 * Math.fround(image.data[p * 3 + ch]! / 255));
      mixed[p * 3 + ch] = v;
      if (v > max) max = v;
    }
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.trunc(255 * Math.fround(mixed[i]! / max));
  return out;
}

/** Boxes labelled "name 0.87" in their class colours; `detections` rows are x1 y1 x2 y2 conf cls. */
export function drawDetections(rgb: Uint8Array, width: number, height: number, detections: readonly (readonly number[])[], names: readonly string[]): Uint8Array {
  if (detections.length === 0) return rgb;
  const annotator = new Annotator(rgb, width, height);
  for (const d of detections) {
    const cls = Math.trunc(d[5]!);
    annotator.boxLabel(d.slice(0, 4), `${className(names, cls)} ${d[4]!.toFixed(2)}`, classColor(cls));
  }
  return annotator.result();
}
