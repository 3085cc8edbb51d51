// Train a detector on a dataset of your own, from a script: this example first writes a small YOLO-format dataset
// (squares and discs on a noisy background — stand-ins for your images and labels), then trains a ShuffleNetV2
// YOLOv5 on it with tsyolo's train(), and runs the best weights on a held-out image with loadDetector().
//
//   npx tsx train.ts                                     # 200 train + 50 val scenes, 160 px, 30 epochs
//   npx tsx train.ts --images 12 --epochs 1 --img 64     # a one-minute smoke run
//
// In a tsyolo checkout: node --import tsx examples/train-custom/train.ts …  (from the repository root).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadDetector, train } from 'tsyolo';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'shapes' }, // dataset and runs go here
    images: { type: 'string', default: '200' }, // training scenes (a quarter as many for val)
    img: { type: 'string', default: '160' }, // scene size and training size, pixels
    epochs: { type: 'string', default: '30' },
    batch: { type: 'string', default: '16' },
    workers: { type: 'string', default: '2' },
    cfg: { type: 'string', default: 'yolov5n-shufflenetv2.yaml' },
  },
});
const out = resolve(args.out);
const size = Number(args.img);
const nTrain = Number(args.images);
const nVal = Math.max(4, Math.round(nTrain / 4));
const NAMES = ['square', 'disc'];

/** mulberry32: a small seeded generator, so the dataset is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One scene: RGB pixels and its YOLO label rows (class cx cy w h, normalised). */
function scene(rand: () => number): { pixels: Uint8Array; labels: string[] } {
  const pixels = new Uint8Array(size * size * 3);
  const base = 60 + rand() * 120;
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, base + (rand() - 0.5) * 40));
  const labels: string[] = [];
  const count = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < count; k++) {
    const cls = Math.floor(rand() * NAMES.length);
    const side = Math.round(size * (0.15 + rand() * 0.3));
    const x0 = Math.floor(rand() * (size - side));
    const y0 = Math.floor(rand() * (size - side));
    const colour = [rand() * 255, rand() * 255, rand() * 255];
    const r = side / 2;
    for (let y = y0; y < y0 + side; y++) {
      for (let x = x0; x < x0 + side; x++) {
        const inside = cls === 0 || (x + 0.5 - x0 - r) ** 2 + (y + 0.5 - y0 - r) ** 2 <= r * r;
        if (inside) for (let c = 0; c < 3; c++) pixels[(y * size + x) * 3 + c] = colour[c]!;
      }
    }
    const f = (v: number) => (v / size).toFixed(6);
    labels.push(`${cls} ${f(x0 + r)} ${f(y0 + r)} ${f(side)} ${f(side)}`);
  }
  return { pixels, labels };
}

/** images/{split}/NNNNN.png + labels/{split}/NNNNN.txt: YOLOv5's layout, which tsyolo reads unchanged. */
async function writeSplit(split: string, n: number, seed: number): Promise<void> {
  const rand = random(seed);
  mkdirSync(join(out, 'images', split), { recursive: true });
  mkdirSync(join(out, 'labels', split), { recursive: true });
  for (let i = 0; i < n; i++) {
    const { pixels, labels } = scene(rand);
    const stem = String(i).padStart(5, '0');
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(out, 'images', split, `${stem}.png`));
    writeFileSync(join(out, 'labels', split, `${stem}.txt`), labels.join('\n') + '\n');
  }
}

await writeSplit('train', nTrain, 1);
await writeSplit('val', nVal, 2);
const data = join(out, 'data.yaml');
writeFileSync(data, `path: ${JSON.stringify(out)}\ntrain: images/train\nval: images/val\nnames:\n${NAMES.map((n, i) => `  ${i}: ${n}`).join('\n')}\n`);
console.log(`dataset: ${nTrain} train + ${nVal} val scenes of ${size} px in ${out}`);

// The same options as `tsyolo train` (camelCase); the run folder is <out>/runs/train{,2,…}.
const result = await train({
  data,
  cfg: args.cfg,
  imgsz: size,
  epochs: Number(args.epochs),
  batchSize: Number(args.batch),
  workers: Number(args.workers),
  project: join(out, 'runs'),
  name: 'train',
});
console.log(`trained ${result.epochsRun} epoch(s): mAP50 ${result.final.mAP50.toFixed(3)}, best weights ${result.best}`);

// The best weights on one held-out scene.
const detector = await loadDetector(result.best, { imgsz: size, conf: 0.25 });
const image = join(out, 'images', 'val', '00000.png');
const found = await detector.detect(image);
console.log(`${image}: ${found.length} detection(s)${found.map((d) => `\n  ${d.label} ${d.score.toFixed(2)} [${d.box.x1}, ${d.box.y1}, ${d.box.x2}, ${d.box.y2}]`).join('')}`);
await detector.dispose();
