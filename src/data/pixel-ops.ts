// The pixel operations the loader's augmentations call, as one swappable set: OpenCV through the image addon
// (opencv-pixels.ts) or the TypeScript ports below. Both follow cv2's semantics (INTER_LINEAR/INTER_AREA resize,
// warpAffine/warpPerspective with INTER_LINEAR and a constant border, 8-bit HSV conversion + LUT); OpenCV gives
// cv2's own pixels, the ports agree to within rounding (see test/data/opencv-parity.test.ts).
import { applyHsvGains } from './augment/augment-hsv.ts';
import { warpAffine, warpPerspective } from './augment/warp.ts';
import { hwcToChw, type RgbImage } from './image-buffer.ts';
import { resizeImage, type Interpolation } from './resize.ts';

export type PixelBackendName = 'opencv' | 'typescript';

export interface PixelOps {
  readonly name: PixelBackendName;
  /** cv2.resize(im, (width, height), interpolation); same size returns a copy. */
  resize(im: RgbImage, width: number, height: number, interpolation: Interpolation): RgbImage;
  /** cv2.warpAffine(im, M, (width, height), borderValue=(border,)*3); M is 2×3 row-major. */
  warpAffine(im: RgbImage, M: ArrayLike<number>, width: number, height: number, border: number): RgbImage;
  /** cv2.warpPerspective(im, M, (width, height), borderValue=(border,)*3); M is 3×3 row-major. */
  warpPerspective(im: RgbImage, M: ArrayLike<number>, width: number, height: number, border: number): RgbImage;
  /** augment_hsv's pixel part in place: RGB → HSV, the gains' lookup tables, HSV → RGB. */
  applyHsvGains(im: RgbImage, gains: readonly [number, number, number]): void;
  /** RGB ↔ BGR in place (cv2.cvtColor(im, COLOR_BGR2RGB)): the disk cache holds YOLOv5's BGR. */
  swapRedBlue(im: RgbImage): void;
  /** HWC → planar CHW (YOLOv5's img.transpose((2, 0, 1))), into `out` at `offset` when given. */
  hwcToChw(im: RgbImage, out?: Uint8Array, offset?: number): Uint8Array;
  /**
   * cv2.imdecode(bytes, IMREAD_COLOR) as RGB (what cv2.imread gives YOLOv5, channels swapped), or undefined when
   * this backend does not decode or the bytes are not decodable; the caller then decodes with sharp, whose
   * message says what is wrong.
   */
  decode?(bytes: Uint8Array): RgbImage | undefined;
}

/** The TypeScript ports: no native code, so they also run in the browser and wherever OpenCV is missing. */
export const TYPESCRIPT_PIXELS: PixelOps = {
  name: 'typescript',
  resize: resizeImage,
  warpAffine,
  warpPerspective,
  applyHsvGains,
  hwcToChw,
  swapRedBlue(im: RgbImage): void {
    const d = im.data;
    for (let i = 0; i < d.length; i += 3) {
      const r = d[i]!;
      d[i] = d[i + 2]!;
      d[i + 2] = r;
    }
  },
};
