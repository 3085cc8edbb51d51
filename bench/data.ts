// Data-loader benchmark on the bundled digit scenes (800 training scenes, 320×320 JPEGs) at --img 320:
// 1. per-image cost of each stage in this thread (decode, resize, mosaic, warp, HSV, flip, letterbox, collate,
//    transfer to another thread), once per pixel backend available (OpenCV through the image addon, and the
//    TypeScript fallback);
// 2. the loader alone (2 workers, batch 32, full training augmentation) in images/s, cache none / ram / disk, for
//    each backend.
// Writes bench/results/data.json.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import sharp from 'sharp';
import { loadMosaic } from '../src/data/augment/mosaic.ts';
import { augmentHsv } from '../src/data/augment/augment-hsv.ts';
import { flipImageLeftRight } from '../src/data/augment/flip.ts';
import { randomPerspective } from '../src/data/augment/random-perspective.ts';
import { collate } from '../src/data/batch.ts';
import { buildDatasetIndex } from '../src/data/dataset-index.ts';
import { generateDigits } from '../src/data/digits.ts';
import { DEFAULT_HYP } from '../src/data/hyp.ts';
import type { RgbImage } from '../src/data/image-buffer.ts';
import { decodeImage } from '../src/data/image-decode.ts';
import { letterbox } from '../src/data/letterbox.ts';
import { createLoader } from '../src/data/loader.ts';
import { pixelBackend, setPixelBackend, type PixelBackendName } from '../src/data/pixel-backend.ts';
import { resizeImage } from '../src/data/resize.ts';
import { SeededRandom } from '../src/data/seeded-random.ts';
import { YoloDataset, type DatasetItem, type LabelledImages } from '../src/data/yolo-dataset.ts';
import { describeMachine } from './machine.ts';

const IMG = 320;
const WORKERS = 2;
const BATCH = 32;
const STAGE_REPEATS = 200;
/** Scenes per loader epoch (8 batches of 32). */
const LOADER_IMAGES = 256;

/** Mean milliseconds per call of fn over `repeats` calls (after 10 warm-up calls). */
async function perCall(repeats: number, fn: (k: number) => unknown): Promise<number> {
  for (let k = 0; k < 10; k++) await fn(k);
  const t0 = performance.now();
  for (let k = 0; k < repeats; k++) await fn(k);
  return (performance.now() - t0) / repeats;
}

/** Mean ms to hand a batch's buffers to another thread and get them back (one way = half). */
async function transferMs(batchBytes: number): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (m: { images: Uint8Array }) => port2.postMessage(m, [m.images.buffer as ArrayBuffer]));
  let images: Uint8Array = new Uint8Array(batchBytes);
  const roundTrip = (): Promise<void> =>
    new Promise((res) => {
      port1.once('message', (m: { images: Uint8Array }) => {
        images = m.images;
        res();
      });
      port1.postMessage({ images }, [images.buffer as ArrayBuffer]);
    });
  const ms = await perCall(100, roundTrip);
  port1.close();
  port2.close();
  return ms / 2;
}

async function stageCosts(dataset: YoloDataset, pngFile: string): Promise<Record<string, number>> {
  const files = dataset.imFiles;
  const decoded: RgbImage[] = [];
  for (let i = 0; i < 64; i++) decoded.push(await decodeImage(files[i]!));
  const big = resizeImage(decoded[0]!, 640, 480, 'linear'); // a 640×480 camera-sized input
  const hyp = DEFAULT_HYP;
  const px = pixelBackend();
  const mosaicSource = {
    imgSize: IMG,
    size: decoded.length,
    loadImage: async (i: number) => ({ image: decoded[i]!, h0: IMG, w0: IMG }),
    labelsOf: (i: number) => dataset.labelsOf(i),
  };
  const rng = new SeededRandom(0);
  const canvas = resizeImage(decoded[0]!, 2 * IMG, 2 * IMG, 'linear');
  const items: DatasetItem[] = [];
  const itemDataset = new YoloDataset({ imFiles: dataset.imFiles, labels: dataset.labels, shapes: dataset.shapes }, { imgSize: IMG, augment: true, pixels: px });
  for (let i = 0; i < BATCH; i++) items.push(await itemDataset.getItem(i, new SeededRandom(1, i)));
  const first64 = { imFiles: dataset.imFiles.slice(0, 64), labels: dataset.labels.slice(0, 64), shapes: dataset.shapes.slice(0, 64) };
  const cachedDataset = new YoloDataset(first64, { imgSize: IMG, augment: true, pixels: px, cache: 'ram' });
  await cachedDataset.cacheImages();
  const ms: Record<string, number> = {
    decodeJpeg320: await perCall(STAGE_REPEATS, (k) => decodeImage(files[k % files.length]!)),
    decodePng320: await perCall(STAGE_REPEATS, () => decodeImage(pngFile)),
    resize640x480To320Linear: await perCall(STAGE_REPEATS, () => px.resize(big, 320, 240, 'linear')),
    resize640x480To320Area: await perCall(STAGE_REPEATS, () => px.resize(big, 320, 240, 'area')),
    mosaicWithWarp: await perCall(STAGE_REPEATS, (k) => loadMosaic(mosaicSource, k % decoded.length, hyp, rng, px)),
    warpAffine640To320: await perCall(STAGE_REPEATS, () => randomPerspective(canvas, new Float32Array(0), hyp, rng, [-IMG / 2, -IMG / 2], px)),
    hsv320: await perCall(STAGE_REPEATS, (k) => augmentHsv(decoded[k % decoded.length]!, hyp.hsv_h, hyp.hsv_s, hyp.hsv_v, rng, px.applyHsvGains)),
    flipLr320: await perCall(STAGE_REPEATS, (k) => flipImageLeftRight(decoded[k % decoded.length]!)),
    letterbox640x480To320: await perCall(STAGE_REPEATS, () => letterbox(big, IMG, { auto: false, resize: px.resize })),
    hwcToChw320: await perCall(STAGE_REPEATS, (k) => px.hwcToChw(decoded[k % decoded.length]!)),
    wholeItemDecoding: await perCall(100, (k) => itemDataset.getItem((k * 37) % itemDataset.size, new SeededRandom(2, k))),
    wholeItemRamCache: await perCall(100, (k) => cachedDataset.getItem((k * 37) % 64, new SeededRandom(2, k))),
    collatePerImage: (await perCall(50, () => collate(items))) / BATCH,
    transferPerImage: (await transferMs(BATCH * 3 * IMG * IMG)) / BATCH,
  };
  for (const k of Object.keys(ms)) ms[k] = Math.round(ms[k]! * 1000) / 1000;
  return ms;
}

async function loaderThroughput(source: LabelledImages, cache: 'ram' | 'disk' | undefined): Promise<number> {
  const loader = createLoader({ source, imgSize: IMG, augment: true, batchSize: BATCH, shuffle: true, workers: WORKERS, seed: 0, cache });
  try {
    // Warm-up epoch: starts the workers, compiles the hot loops and (with a cache) fills it.
    loader.setEpoch(0);
    for await (const _ of loader) {
      // discard
    }
    loader.setEpoch(1);
    let images = 0;
    const t0 = performance.now();
    for await (const batch of loader) images += batch.shape[0];
    return images / ((performance.now() - t0) / 1000);
  } finally {
    await loader.close();
  }
}

const only = process.argv.includes('--stages-only');
const dir = mkdtempSync(join(tmpdir(), 'tsyolo-bench-data-'));
try {
  await generateDigits({ out: dir, train: 800, val: 0, img: IMG });
  const imageDir = join(dir, 'images', 'train');
  const index = await buildDatasetIndex([imageDir], { cache: false });
  const source: LabelledImages = { imFiles: index.imFiles, labels: index.labels, shapes: index.shapes };
  const pngFile = join(dir, 'scene.png');
  await sharp(index.imFiles[0]!).png().toFile(pngFile);
  const dataset = new YoloDataset(source, { imgSize: IMG, augment: true });
  const load = loadavg()[0]!;

  const backends: PixelBackendName[] = pixelBackend().name === 'opencv' ? ['opencv', 'typescript'] : ['typescript'];
  const stages: Record<string, Record<string, number>> = {};
  const loader: Array<{ img: number; workers: number; batch: number; cache: string; pixels: string; imagesPerSecond: number }> = [];
  for (const name of backends) {
    setPixelBackend(name);
    stages[name] = await stageCosts(dataset, pngFile);
    console.log(`stage ms/img (${name}):`, stages[name]);
  }
  if (!only) {
    // The loader runs over the first LOADER_IMAGES scenes; backends alternate inside each cache mode, twice, and the
    // mean is kept, so a change in machine load hits both sides alike.
    const subset: LabelledImages = { imFiles: source.imFiles.slice(0, LOADER_IMAGES), labels: source.labels.slice(0, LOADER_IMAGES), shapes: source.shapes.slice(0, LOADER_IMAGES) };
    for (const cache of [undefined, 'ram', 'disk'] as const) {
      const runs = new Map<PixelBackendName, number[]>(backends.map((b) => [b, []]));
      for (let round = 0; round < 2; round++) {
        for (const name of round === 0 ? backends : [...backends].reverse()) {
          // Workers pick their backend from the environment they inherit.
          process.env.TSYOLO_PIXELS = name;
          if (cache === 'disk') for (const f of readdirSync(imageDir)) if (f.endsWith('.npy')) rmSync(join(imageDir, f));
          const ips = await loaderThroughput(subset, cache);
          runs.get(name)!.push(ips);
          console.log(`loader @${IMG}, ${WORKERS} workers, batch ${BATCH}, cache ${cache ?? 'none'}, ${name} pixels: ${ips.toFixed(1)} images/s`);
        }
      }
      for (const name of backends) {
        const v = runs.get(name)!;
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        loader.push({ img: IMG, workers: WORKERS, batch: BATCH, cache: cache ?? 'none', pixels: name, imagesPerSecond: Math.round(mean * 10) / 10 });
      }
    }
  }
  const out = {
    machine: describeMachine(),
    loadAverageAtStart: load,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    date: new Date().toISOString(),
    dataset: `the digit scenes (${IMG}×${IMG} JPEGs, src/data/digits.ts; 800 for the stages, ${LOADER_IMAGES} per loader epoch, mean of 2 alternating runs), --img ${IMG}, full training augmentation (hyp.scratch-low)`,
    stageMsPerImage: stages,
    results: loader,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', only ? 'data-stages.json' : 'data.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
