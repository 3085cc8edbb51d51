// v7.0's classify_transforms(size): CenterCrop(size) → ToTensor → Normalize(ImageNet mean, std). Without
// albumentations (not installed for the reference runs, nor a dependency here) ClassificationDataset uses these for
// training too: classify_albumentations is only built when the package imports, so training sees no augmentation.
import { decodeImage } from '../data/image-decode.ts';
import { cropImage, type RgbImage } from '../data/image-buffer.ts';
import { pixelBackend } from '../data/pixel-backend.ts';

/** IMAGENET_MEAN of utils/augmentations.py. */
export const IMAGENET_MEAN: readonly number[] = [0.485, 0.456, 0.406];
/** IMAGENET_STD of utils/augmentations.py. */
export const IMAGENET_STD: readonly number[] = [0.229, 0.224, 0.225];

/** CenterCrop: the largest centred square, resized to size×size with cv2.INTER_LINEAR. */
export function centerCrop(im: RgbImage, size: number): RgbImage {
  const m = Math.min(im.height, im.width);
  const top = Math.floor((im.height - m) / 2);
  const left = Math.floor((im.width - m) / 2);
  const square = m === im.width && m === im.height ? im : cropImage(im, left, top, m, m);
  return pixelBackend().resize(square, size, size, 'linear');
}

/** ToTensor + Normalize in float32 as torch computes them: CHW RGB, x/255, then (x − mean)/std. */
export function toNormalizedChw(im: RgbImage, out: Float32Array = new Float32Array(3 * im.width * im.height), offset = 0): Float32Array {
  const hw = im.width * im.height;
  const d = im.data;
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(IMAGENET_MEAN[c]!);
    const std = Math.fround(IMAGENET_STD[c]!);
    const base = offset + c * hw;
    for (let i = 0; i < hw; i++) out[base + i] = Math.fround(Math.fround(Math.fround(d[i * 3 + c]!) / 255) - mean) / std;
  }
  return out;
}

/** classify_transforms(size) of one image file: its (3, size, size) float32 tensor data and the decoded original. */
export async function classifyTransform(file: string, size: number): Promise<{ chw: Float32Array; original: RgbImage }> {
  const original = await decodeImage(file);
  return { chw: toNormalizedChw(centerCrop(original, size)), original };
}
