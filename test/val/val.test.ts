// val.py end to end: a detector that returns the ground truth scores mAP 0.995 (101-point AP of a perfect ranking)
// through rect batches, letterbox padding and scale_boxes; the CLI writes YOLOv5's artefacts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import type { Backend } from '../../src/deploy/backend.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadDatasetConfig } from '../../src/data/dataset-config.ts';
import { createValLoader, val } from '../../src/val/val.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-val-'));
const dataDir = join(work, 'digits');
const ready = generateDigits({ out: dataDir, train: 4, val: 10, img: 320, seed: 11, log: () => {} });

/** Returns each image's labels as predictions (obj 1, class score 1) in the batch's pixels. */
function oracle(nc: number): Backend {
  return {
    names: Array.from({ length: nc }, (_, i) => String(i)),
    nc,
    stride: 32,
    fixedInputHW: null,
    dispose() {},
    async forward(images, [n, , h, w], targets) {
      const t = targets!;
      const perImage = Array.from({ length: n }, () => [] as number[][]);
      for (let r = 0; r < t.length; r += 6) perImage[t[r]!]!.push([t[r + 1]!, t[r + 2]! * w, t[r + 3]! * h, t[r + 4]! * w, t[r + 5]! * h]);
      const rows = Math.max(1, ...perImage.map((p) => p.length));
      const no = 5 + nc;
      const data = new Float32Array(n * rows * no);
      perImage.forEach((labels, i) =>
        labels.forEach(([c, cx, cy, bw, bh], k) => {
          const o = (i * rows + k) * no;
          data.set([cx!, cy!, bw!, bh!, 1], o);
          data[o + 5 + c!] = 1;
        }),
      );
      return { data, shape: [n!, rows, no], preprocessMs: 0 };
    },
  };
}

test('val: perfect predictions give P = R = 1 and mAP50 = mAP50-95 = 0.995 in original-image pixels', async () => {
  const { yamlPath } = await ready;
  const lines: string[] = [];
  const r = await val({ data: yamlPath, model: oracle(10), imgsz: 256, batchSize: 4, workers: 0, plots: false, log: (s) => lines.push(s) });
  assert.equal(r.nImages, 10);
  assert.ok(r.nInstances > 10);
  assert.ok(Math.abs(r.P - 1) < 1e-9 && Math.abs(r.R - 1) < 1e-9, `P ${r.P} R ${r.R}`);
  assert.ok(Math.abs(r.mAP50 - 0.995) < 1e-9, `mAP50 ${r.mAP50}`);
  assert.ok(Math.abs(r.mAP50_95 - 0.995) < 1e-6, `mAP50-95 ${r.mAP50_95}`);
  const header = lines.findIndex((l) => l.includes('Class'));
  assert.match(lines[header]!, /^ {17}Class {5}Images {2}Instances {10}P {10}R {6}mAP50 {3}mAP50-95$/);
  assert.match(lines[header + 1]!, /^ {19}all {9}10 +\d+ {10}1 {10}1 {6}0\.995 {6}0\.995$/);
});

test('val: a dataloader passed in (as train() passes its val_loader every epoch) is used and left open', async () => {
  const { yamlPath } = await ready;
  const quiet = { model: oracle(10), imgsz: 256, batchSize: 4, plots: false, log: () => {} };
  const own = await val({ data: yamlPath, workers: 0, ...quiet });
  const loader = await createValLoader({ data: loadDatasetConfig(yamlPath), batchSize: 4, imgsz: 256, stride: 32, workers: 1 });
  try {
    for (let epoch = 0; epoch < 2; epoch++) {
      const r = await val({ data: yamlPath, dataloader: loader, ...quiet });
      assert.deepEqual([r.nImages, r.nInstances, r.P, r.R, r.mAP50, r.mAP50_95], [own.nImages, own.nInstances, own.P, own.R, own.mAP50, own.mAP50_95], `call ${epoch}`);
    }
    let batches = 0;
    for await (const _ of loader) batches++; // still open: val did not close the caller's loader
    assert.equal(batches, 3);
  } finally {
    await loader.close();
  }
});

test('val CLI: table, plots, labels and COCO JSON in runs/val/exp; --json for scripts', async () => {
  const { yamlPath } = await ready;
  const { model } = loadModel('yolov5n-shufflenetv2.yaml', { nc: 10 });
  const weights = join(work, 'n10.safetensors');
  saveSafetensorsCheckpoint(weights, model);
  const project = join(work, 'runs');
  const r = spawnSync(process.execPath, [bin, 'val', '--weights', weights, '--data', yamlPath, '--img', '320', '--conf-thres', '0.00001', '--save-txt', '--save-json', '--project', project], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Class +Images +Instances +P +R +mAP50 +mAP50-95/);
  assert.match(r.stdout, /Speed: [\d.]+ms pre-process, [\d.]+ms inference, [\d.]+ms NMS per image at shape \(32, 3, 320, 320\)/);
  const out = join(project, 'exp');
  for (const f of ['confusion_matrix.png', 'val_batch0_labels.jpg', 'val_batch0_pred.jpg', 'n10_predictions.json', 'labels']) {
    assert.ok(existsSync(join(out, f)), `${f} missing`);
  }
  const dets = JSON.parse(readFileSync(join(out, 'n10_predictions.json'), 'utf8')) as Array<{ bbox: number[]; score: number }>;
  for (const d of dets.slice(0, 50)) assert.equal(d.bbox.length, 4);
  const j = spawnSync(process.execPath, [bin, 'val', '--weights', weights, '--data', yamlPath, '--img', '320', '--json', '--project', project], { encoding: 'utf8' });
  assert.equal(j.status, 0, j.stderr);
  const metrics = JSON.parse(j.stdout);
  assert.equal(metrics.images, 10);
  for (const k of ['P', 'R', 'mAP50', 'mAP50_95']) assert.equal(typeof metrics[k], 'number');
});

test('val: a split without labels, or weights with another class count, is a clear error', async () => {
  const { yamlPath } = await ready;
  const bare = join(work, 'bare');
  mkdirSync(join(bare, 'images'), { recursive: true });
  writeFileSync(join(bare, 'data.yaml'), `path: ${bare}\ntrain: images\nval: images\nnames: ['a', 'b']\n`);
  spawnSync('cp', [join(dataDir, 'images', 'val', '00000.jpg'), join(bare, 'images', 'a.jpg')]);
  const two = oracle(2);
  await assert.rejects(val({ data: join(bare, 'data.yaml'), model: two, workers: 0, plots: false, log: () => {} }), /has no labels/);
  await assert.rejects(val({ data: yamlPath, model: two, workers: 0, plots: false, log: () => {} }), /model has 2 classes but .* has 10/);
  rmSync(bare, { recursive: true });
});
