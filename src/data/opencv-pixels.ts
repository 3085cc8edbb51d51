// PixelOps on OpenCV through the image addon: the very calls YOLOv5 makes (cv2.resize, cv2.warpAffine /
// cv2.warpPerspective with INTER_LINEAR and a constant border, cvtColor + LUT for augment_hsv), so the pixels
// are cv2's. YOLOv5 holds BGR and we hold RGB; every op here is channel-symmetric, and BGR→HSV on BGR equals
// RGB→HSV on RGB.
import type { ImageAddon } from './image-addon.ts';
import { hsvLookupTables } from './augment/augment-hsv.ts';
import type { RgbImage } from './image-buffer.ts';
import type { PixelOps } from './pixel-ops.ts';

function checkSize(op: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${op}: invalid target size ${width}×${height}`);
  }
}

export function opencvPixels(cv: ImageAddon): PixelOps {
  const k = cv.constants;
  const table = new Uint8Array(256 * 3);
  return {
    name: 'opencv',
    resize(im: RgbImage, width: number, height: number, interpolation: 'linear' | 'area'): RgbImage {
      checkSize('resizeImage', width, height);
      if (width === im.width && height === im.height) return { data: im.data.slice(), width, height };
      const data = cv.resize(im.data, im.width, im.height, 3, width, height, interpolation === 'area' ? k.INTER_AREA : k.INTER_LINEAR);
      return { data, width, height };
    },
    warpAffine(im: RgbImage, M: ArrayLike<number>, width: number, height: number, border: number): RgbImage {
      checkSize('warpAffine', width, height);
      return { data: cv.warpAffine(im.data, im.width, im.height, 3, Float64Array.from({ length: 6 }, (_, i) => M[i]!), width, height, border), width, height };
    },
    warpPerspective(im: RgbImage, M: ArrayLike<number>, width: number, height: number, border: number): RgbImage {
      checkSize('warpPerspective', width, height);
      return { data: cv.warpPerspective(im.data, im.width, im.height, 3, Float64Array.from({ length: 9 }, (_, i) => M[i]!), width, height, border), width, height };
    },
    applyHsvGains(im: RgbImage, gains: readonly [number, number, number]): void {
      if (im.width === 0 || im.height === 0) return;
      const { hue, sat, val } = hsvLookupTables(gains);
      for (let x = 0; x < 256; x++) {
        table[3 * x] = hue[x]!;
        table[3 * x + 1] = sat[x]!;
        table[3 * x + 2] = val[x]!;
      }
      const d = im.data;
      cv.cvtColor(d, im.width, im.height, k.COLOR_RGB2HSV, d);
      cv.lut(d, im.width, im.height, 3, table, d);
      cv.cvtColor(d, im.width, im.height, k.COLOR_HSV2RGB, d);
    },
    swapRedBlue(im: RgbImage): void {
      if (im.width > 0 && im.height > 0) cv.cvtColor(im.data, im.width, im.height, k.COLOR_BGR2RGB, im.data);
    },
    hwcToChw(im: RgbImage, out?: Uint8Array, offset = 0): Uint8Array {
      const dst = out ?? new Uint8Array(im.width * im.height * 3);
      if (im.width > 0 && im.height > 0) cv.split(im.data, im.width, im.height, 3, dst, offset);
      return dst;
    },
    decode(bytes: Uint8Array): RgbImage | undefined {
      const im = cv.imdecode(bytes, k.IMREAD_COLOR);
      if (!im || im.channels !== 3) return undefined;
      cv.cvtColor(im.data, im.width, im.height, k.COLOR_BGR2RGB, im.data);
      return { data: im.data, width: im.width, height: im.height };
    },
  };
}
