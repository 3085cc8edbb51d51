// YOLOv5's save_one_box (--save-crop): the box grown by gain 1.02 and 10 px, cut from the original image and saved
// as crops/<class>/<stem>.jpg, then <stem>2.jpg, <stem>3.jpg, … when the name is taken (increment_path).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../data/image-buffer.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';

/** The crop's integer pixel rectangle for box (x1, y1, x2, y2), clipped to the image; null when it is empty. */
export function cropRect(box: ArrayLike<number>, width: number, height: number, gain = 1.02, pad = 10): { left: number; top: number; width: number; height: number } | null {
  const f = Math.fround;
  const cx = f(f(box[0]! + box[2]!) / 2);
  const cy = f(f(box[1]! + box[3]!) / 2);
  const w = f(f(f(box[2]! - box[0]!) * gain) + pad);
  const h = f(f(f(box[3]! - box[1]!) * gain) + pad);
  // xywh2xyxy(b).long() truncates toward zero, then clip_boxes clamps to the image.
  const clamp = (v: number, hi: number) => Math.min(Math.max(Math.trunc(v), 0), hi);
  const x1 = clamp(f(cx - f(w / 2)), width);
  const y1 = clamp(f(cy - f(h / 2)), height);
  const x2 = clamp(f(cx + f(w / 2)), width);
  const y2 = clamp(f(cy + f(h / 2)), height);
  return x2 > x1 && y2 > y1 ? { left: x1, top: y1, width: x2 - x1, height: y2 - y1 } : null;
}

/** First free path of dir/stem.jpg, dir/stem2.jpg, … */
function freeCropPath(dir: string, stem: string): string {
  let file = join(dir, `${stem}.jpg`);
  for (let n = 2; existsSync(file); n++) file = join(dir, `${stem}${n}.jpg`);
  return file;
}

/** Saves the crop of `box` from `im` under `dir` as `stem`.jpg (incremented); returns the file, or null if empty. */
export async function saveOneBox(box: ArrayLike<number>, im: RgbImage, dir: string, stem: string): Promise<string | null> {
  const rect = cropRect(box, im.width, im.height);
  if (!rect) return null;
  makeDirs(dir);
  const file = freeCropPath(dir, stem);
  const jpeg = await sharp(Buffer.from(im.data.buffer, im.data.byteOffset, im.data.byteLength), { raw: { width: im.width, height: im.height, channels: 3 } })
    .extract(rect)
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
    .toBuffer();
  writeFileAtomic(file, jpeg);
  return file;
}
