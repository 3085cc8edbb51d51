// A segment run's pictures: train_batch*.jpg drawn from a loader batch with its masks (each label's mask pixels
// painted 0.4·pixel + 0.6·class colour inside its box, overlap and --no-overlap masks), and through the CLI the run
// folder's results.png (v7.0's 2×8 panels at 3600×1200), train_batch*, val_batch*_labels/pred.jpg — and none of them
// with --noplots.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { buildDatasetIndex } from '../../src/data/dataset-index.ts';
import { generateDigits } from '../../src/data/digits.ts';
import { createLoader } from '../../src/data/loader.ts';
import type { SegmentedImages } from '../../src/data/segment-dataset.ts';
import { classColor } from '../../src/plot/colors.ts';
import { resizeMask } from '../../src/segment/mask-resize.ts';
import { attachSegments, plotSegmentTrainBatch } from '../../src/train/segment-train.ts';
import { runCli } from '../train-cli/harness.ts';

let base = '';
let source: SegmentedImages;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'tsyolo-segplots-'));
  const r = await generateDigits({ out: join(base, 'd'), train: 8, val: 4, img: 64, seed: 5, task: 'segment' });
  const index = await buildDatasetIndex([join(r.out, 'images', 'train')], { log: () => {} });
  source = attachSegments(index, 'train');
});
after(() => rmSync(base, { recursive: true, force: true }));

for (const overlap of [true, false]) {
  test(`train_batch with ${overlap ? 'overlap' : 'per-instance (--no-overlap)'} masks: each label's mask painted inside its box in its class colour`, async () => {
    const loader = createLoader({ source, masks: { downsampleRatio: 4, overlap }, batchSize: 4, imgSize: 64, stride: 32, augment: true, rect: false, workers: 0, shuffle: true, seed: 0 });
    try {
      const batch = (await loader[Symbol.asyncIterator]().next()).value!;
      const file = join(base, `train_batch_${overlap}.png`);
      await plotSegmentTrainBatch(batch, overlap, file);
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      const [n, , H, W] = batch.shape;
      assert.deepEqual([info.width, info.height], [2 * W, 2 * H], 'a 2×2 grid of 64 px tiles (not shrunk)');
      const [, mh, mw] = batch.maskShape!;
      const t = batch.targets;
      let painted = 0, maskPixels = 0, labelled = 0;
      const perImage = new Map<number, number>();
      for (let r = 0; r < t.length / 6; r++) {
        const i = t[r * 6]!;
        const j = perImage.get(i) ?? 0; // the row's position among its image's rows (its overlap index − 1)
        perImage.set(i, j + 1);
        const plane = overlap ? batch.masks!.subarray(i * mh * mw, (i + 1) * mh * mw) : batch.masks!.subarray(r * mh * mw, (r + 1) * mh * mw);
        const m = resizeMask(Uint8Array.from(plane as ArrayLike<number>, (v: number) => (overlap ? (v === j + 1 ? 1 : 0) : v)), mw, mh, W, H);
        const [cx, cy, w, h] = [t[r * 6 + 2]! * W, t[r * 6 + 3]! * H, t[r * 6 + 4]! * W, t[r * 6 + 5]! * H];
        const color = classColor(t[r * 6 + 1]!);
        const [ox, oy] = [W * Math.floor(i / 2), H * (i % 2)];
        labelled++;
        // Inside the box, 3 px clear of its outline and label (drawn before the masks, then painted over too).
        for (let y = Math.ceil(cy - h / 2) + 3; y < cy + h / 2 - 3; y++) {
          for (let x = Math.ceil(cx - w / 2) + 3; x < cx + w / 2 - 3; x++) {
            if (!m[y * W + x]) continue;
            maskPixels++;
            const p = ((oy + y) * info.width + ox + x) * 3;
            const raw = (k: number) => batch.images[i * 3 * H * W + k * H * W + y * W + x]!;
            if ([0, 1, 2].every((k) => data[p + k] === Math.trunc(raw(k) * 0.4 + color[k]! * 0.6))) painted++;
          }
        }
      }
      assert.ok(n === 4 && labelled > 4, `${labelled} labels in the batch`);
      assert.ok(maskPixels > 100, `${maskPixels} mask pixels inside boxes`);
      // Overlapping masks (a later one painted over an earlier one) are the only pixels not at the single blend.
      assert.ok(painted / maskPixels > 0.8, `${painted}/${maskPixels} mask pixels painted with their class colour`);
    } finally {
      await loader.close();
    }
  });
}

const trainArgs = (name: string, extra: string[] = []) => ['segment', 'train', '--data', join(base, 'd', 'data.yaml'), '--cfg', 'yolov5n-seg.yaml', '--img', '64', '--batch', '4', '--epochs', '1', '--workers', '0', '--project', join(base, 'runs'), '--name', name, ...extra];

test('segment train writes results.png (3600×1200), train_batch* and val_batch*_labels/pred; --noplots writes none', async () => {
  const r = await runCli(trainArgs('plots'), base);
  assert.equal(r.code, 0, r.stderr);
  const dir = join(base, 'runs', 'plots');
  for (const f of ['results.png', 'train_batch0.jpg', 'train_batch1.jpg', 'val_batch0_labels.jpg', 'val_batch0_pred.jpg', 'confusion_matrix.png', 'labels.jpg']) assert.ok(existsSync(join(dir, f)), f);
  const meta = await sharp(join(dir, 'results.png')).metadata();
  assert.deepEqual([meta.width, meta.height], [3600, 1200]);
  assert.ok(!existsSync(join(dir, 'val-seg')), 'the validation plots go to the run folder, as v7.0');
  // val.run inside segment/train.py prints no "Results saved to": only the run's own closing line does.
  assert.equal((r.stdout + r.stderr).match(/Results saved to /g)?.length, 1, r.stdout);

  const q = await runCli(trainArgs('quiet', ['--noplots']), base);
  assert.equal(q.code, 0, q.stderr);
  const files = readdirSync(join(base, 'runs', 'quiet'));
  const pictures = files.filter((f) => /\.(png|jpg)$/.test(f));
  assert.deepEqual(pictures, [], `--noplots wrote ${pictures.join(', ')}`);
  assert.ok(files.includes('results.csv'));
});
