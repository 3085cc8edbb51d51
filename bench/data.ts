// Data-loader throughput: images/s of the training pipeline (mosaic, random perspective, HSV, flips) on
// 2 workers at 320 and 640, over ~200 generated 640×480 JPEGs, with and without the RAM cache.
// Writes bench/results/data.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createLoader } from '../src/data/loader.ts';
import type { LabelledImages } from '../src/data/yolo-dataset.ts';

const N_IMAGES = 200;
const WORKERS = 2;
const BATCH = 16;

/** A 640×480 JPEG with a noisy gradient background and 1–4 coloured rectangles, plus its labels. */
async function makeImage(file: string, i: number): Promise<Float32Array> {
  const w = 640;
  const h = 480;
  const raw = Buffer.alloc(w * h * 3);
  let seed = i * 7919 + 1;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      raw[o] = (x + i * 3) & 255;
      raw[o + 1] = (y + (x >> 2)) & 255;
      raw[o + 2] = ((x ^ y) + rand() * 32) & 255;
    }
  }
  const labels: number[] = [];
  const n = 1 + (i % 4);
  for (let k = 0; k < n; k++) {
    const bw = 40 + Math.floor(rand() * 200);
    const bh = 40 + Math.floor(rand() * 150);
    const x1 = Math.floor(rand() * (w - bw));
    const y1 = Math.floor(rand() * (h - bh));
    const colour = [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)];
    for (let y = y1; y < y1 + bh; y++) for (let x = x1; x < x1 + bw; x++) raw.set(colour, (y * w + x) * 3);
    labels.push(k % 3, (x1 + bw / 2) / w, (y1 + bh / 2) / h, bw / w, bh / h);
  }
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
  return Float32Array.from(labels);
}

async function measure(source: LabelledImages, imgSize: number, cache: 'ram' | undefined): Promise<number> {
  const loader = createLoader({ source, imgSize, augment: true, batchSize: BATCH, shuffle: true, workers: WORKERS, seed: 0, cache });
  try {
    // Warm-up epoch: starts the workers, compiles the hot loops and (with cache) fills the cache.
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

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-bench-data-'));
try {
  const source: LabelledImages = { imFiles: [], labels: [], shapes: [] };
  for (let i = 0; i < N_IMAGES; i++) {
    const file = join(dir, `im${String(i).padStart(4, '0')}.jpg`);
    source.labels.push(await makeImage(file, i));
    source.imFiles.push(file);
    source.shapes.push([640, 480]);
  }
  const load = loadavg()[0]!;
  const results: Array<{ img: number; workers: number; cache: string; imagesPerSecond: number }> = [];
  for (const cache of [undefined, 'ram'] as const) {
    for (const img of [320, 640]) {
      const ips = await measure(source, img, cache);
      results.push({ img, workers: WORKERS, cache: cache ?? 'none', imagesPerSecond: Math.round(ips * 10) / 10 });
      console.log(`img ${img}, ${WORKERS} workers, cache ${cache ?? 'none'}: ${ips.toFixed(1)} images/s`);
    }
  }
  const cpu = cpus();
  const out = {
    machine: `${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, Node ${process.version}, load average ${load.toFixed(2)} at start`,
    dataset: `${N_IMAGES} generated 640×480 JPEGs, full training augmentation (hyp.scratch-low), batch ${BATCH}`,
    results,
  };
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'data.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
