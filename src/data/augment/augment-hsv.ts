// YOLOv5's augment_hsv(): random gains on hue, saturation and value applied through lookup tables in
// OpenCV's 8-bit HSV space (H in 0–179, S and V in 0–255). The conversions reproduce OpenCV's
// COLOR_RGB2HSV (fixed-point) and COLOR_HSV2RGB (float, then rounded) for uint8 images.
import type { RgbImage } from '../image-buffer.ts';
import type { SeededRandom } from '../seeded-random.ts';

const HSV_SHIFT = 12;
const HSV_ROUND = 1 << (HSV_SHIFT - 1);

/** OpenCV's reciprocal tables: 255·4096/v for saturation, 180·4096/(6·diff) for hue. */
const SAT_DIV = new Int32Array(256);
const HUE_DIV = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  SAT_DIV[i] = Math.round((255 << HSV_SHIFT) / i);
  HUE_DIV[i] = Math.round((180 << HSV_SHIFT) / (6 * i));
}

/** Hue sector (0–5) and position inside it for every 8-bit hue (H·6/180 = H/30). */
const HUE_SECTOR = new Uint8Array(256);
const HUE_FRACTION = new Float64Array(256);
for (let h = 0; h < 256; h++) {
  let x = (h * 6) / 180;
  while (x >= 6) x -= 6;
  HUE_SECTOR[h] = Math.floor(x);
  HUE_FRACTION[h] = x - Math.floor(x);
}

/** cv2.cvtColor(RGB → HSV) for one pixel, written into hsv[o..o+2]. */
function rgbPixelToHsv(r: number, g: number, b: number, hsv: Uint8Array, o: number): void {
  let v = r > g ? r : g;
  if (b > v) v = b;
  let vmin = r < g ? r : g;
  if (b < vmin) vmin = b;
  const diff = v - vmin;
  const s = (diff * SAT_DIV[v]! + HSV_ROUND) >> HSV_SHIFT;
  let h: number;
  if (v === r) h = g - b;
  else if (v === g) h = b - r + 2 * diff;
  else h = r - g + 4 * diff;
  h = (h * HUE_DIV[diff]! + HSV_ROUND) >> HSV_SHIFT;
  if (h < 0) h += 180;
  hsv[o] = h > 255 ? 255 : h;
  hsv[o + 1] = s;
  hsv[o + 2] = v;
}

/**
 * cv2.cvtColor(HSV → RGB) for one pixel, written into rgb[o..o+2]. OpenCV computes in [0, 1] and scales by
 * 255; working directly in 0–255 units gives the same values up to float rounding.
 */
function hsvPixelToRgb(h: number, s: number, v: number, rgb: Uint8Array, o: number): void {
  if (s === 0) {
    rgb[o] = v;
    rgb[o + 1] = v;
    rgb[o + 2] = v;
    return;
  }
  const sf = s / 255;
  const f = HUE_FRACTION[h]!;
  // +0.5 then truncation rounds these non-negative values like saturate_cast.
  const t0 = v;
  const t1 = (v * (1 - sf) + 0.5) | 0;
  const t2 = (v * (1 - sf * f) + 0.5) | 0;
  const t3 = (v * (1 - sf * (1 - f)) + 0.5) | 0;
  switch (HUE_SECTOR[h]) {
    case 0:
      rgb[o] = t0; rgb[o + 1] = t3; rgb[o + 2] = t1;
      break;
    case 1:
      rgb[o] = t2; rgb[o + 1] = t0; rgb[o + 2] = t1;
      break;
    case 2:
      rgb[o] = t1; rgb[o + 1] = t0; rgb[o + 2] = t3;
      break;
    case 3:
      rgb[o] = t1; rgb[o + 1] = t2; rgb[o + 2] = t0;
      break;
    case 4:
      rgb[o] = t3; rgb[o + 1] = t1; rgb[o + 2] = t0;
      break;
    default:
      rgb[o] = t0; rgb[o + 1] = t1; rgb[o + 2] = t2;
  }
}

/** RGB image → packed HSV bytes (H 0–179), OpenCV's 8-bit conversion. */
export function rgbToHsv(im: RgbImage): Uint8Array {
  const d = im.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) rgbPixelToHsv(d[i]!, d[i + 1]!, d[i + 2]!, out, i);
  return out;
}

/** Packed HSV bytes (H 0–179) → RGB bytes, OpenCV's 8-bit conversion. */
export function hsvToRgb(hsv: Uint8Array): Uint8Array {
  const out = new Uint8Array(hsv.length);
  for (let i = 0; i < hsv.length; i += 3) hsvPixelToRgb(hsv[i]!, hsv[i + 1]!, hsv[i + 2]!, out, i);
  return out;
}

/** The three 256-entry tables for gains r = [rh, rs, rv]: hue = (x·rh) mod 180, sat/val = clip(x·r, 0, 255). */
export function hsvLookupTables(gains: readonly [number, number, number]): { hue: Uint8Array; sat: Uint8Array; val: Uint8Array } {
  const hue = new Uint8Array(256);
  const sat = new Uint8Array(256);
  const val = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    const h = x * gains[0];
    hue[x] = Math.trunc(((h % 180) + 180) % 180); // Python/numpy modulo, then uint8 truncation
    sat[x] = Math.trunc(Math.min(Math.max(x * gains[1], 0), 255));
    val[x] = Math.trunc(Math.min(Math.max(x * gains[2], 0), 255));
  }
  return { hue, sat, val };
}

/** Applies fixed gains [rh, rs, rv] in place: RGB → HSV → lookup tables → RGB. */
export function applyHsvGains(im: RgbImage, gains: readonly [number, number, number]): void {
  const { hue, sat, val } = hsvLookupTables(gains);
  const d = im.data;
  const px = new Uint8Array(3);
  for (let i = 0; i < d.length; i += 3) {
    rgbPixelToHsv(d[i]!, d[i + 1]!, d[i + 2]!, px, 0);
    hsvPixelToRgb(hue[px[0]!]!, sat[px[1]!]!, val[px[2]!]!, d, i);
  }
}

/**
 * augment_hsv(im, hgain, sgain, vgain) in place: gains r = U(−1, 1)·[hgain, sgain, vgain] + 1. All gains 0
 * leaves the image untouched and draws no random numbers, as in YOLOv5. `apply` does the pixel work (the
 * TypeScript port by default; the loader passes its PixelOps').
 */
export function augmentHsv(
  im: RgbImage,
  hgain: number,
  sgain: number,
  vgain: number,
  rng: SeededRandom,
  apply: (im: RgbImage, gains: readonly [number, number, number]) => void = applyHsvGains,
): void {
  if (!hgain && !sgain && !vgain) return;
  const gains: [number, number, number] = [
    rng.uniform(-1, 1) * hgain + 1,
    rng.uniform(-1, 1) * sgain + 1,
    rng.uniform(-1, 1) * vgain + 1,
  ];
  apply(im, gains);
}
