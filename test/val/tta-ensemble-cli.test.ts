// `--augment` and several `--weights` through the CLI, as v7.0's val.py/detect.py take them: val prints its table
// with TTA and with an ensemble of two v7.0 checkpoints (test/fixtures/v7-options/tta/), detect runs both; the
// refusals (ONNX with --augment, class counts that differ) are one-line errors with exit status 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const a = fileURLToPath(new URL('../fixtures/v7-options/tta/tta-a.pt', import.meta.url));
const b = fileURLToPath(new URL('../fixtures/v7-options/tta/tta-b.pt', import.meta.url));
const coco = fileURLToPath(new URL('../fixtures/yolov5n.pt', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'tsyolo-tta-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// Digit scenes relabelled to the fixtures' 3 classes (digit mod 3).
const data = generateDigits({ out: join(dir, 'digits'), train: 2, val: 3, img: 96, seed: 5, log: () => {} }).then((r) => {
  for (const split of ['train', 'val']) {
    const folder = join(r.out, 'labels', split);
    for (const f of readdirSync(folder)) {
      const rows = readFileSync(join(folder, f), 'utf8').trim().split('\n');
      writeFileSync(join(folder, f), rows.map((l) => l.replace(/^\d+/, (c) => String(Number(c) % 3))).join('\n') + '\n');
    }
  }
  const yamlPath = join(r.out, 'data3.yaml');
  writeFileSync(yamlPath, `path: ${JSON.stringify(r.out)}\ntrain: images/train\nval: images/val\nnc: 3\nnames: ['class0', 'class1', 'class2']\n`);
  return { yamlPath };
});

const tableLines = (stdout: string) => {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^ +Class +Images +Instances +P +R +mAP50 +mAP50-95$/.test(l));
  assert.ok(header >= 0, stdout);
  assert.match(lines[header + 1]!, /^ +all +3 +\d+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$/);
  assert.ok(lines.some((l) => /^Speed: .* per image at shape \(32, 3, 64, 64\)$/.test(l)), stdout);
};

test('val --augment (TTA) runs through the CLI and prints the table', async () => {
  const { yamlPath } = await data;
  const r = run('val', '--weights', a, '--data', yamlPath, '--img', '64', '--augment', '--workers', '0', '--project', join(dir, 'val'), '--name', 'tta');
  assert.equal(r.status, 0, r.stderr);
  tableLines(r.stdout);
});

test('val --weights a.pt b.pt: an ensemble, created as v7.0 prints it, then the table', async () => {
  const { yamlPath } = await data;
  const r = run('val', '--weights', a, b, '--data', yamlPath, '--img', '64', '--workers', '0', '--project', join(dir, 'val'), '--name', 'ens');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(`Ensemble created with ['${a}', '${b}']\n\n`), r.stdout);
  assert.match(r.stdout, /WARNING ⚠️ ensemble: the class names of .*tta-b\.pt differ/);
  tableLines(r.stdout);
});

test('detect --weights a.pt b.pt --augment: an augmented ensemble over images', async () => {
  const { yamlPath } = await data;
  const images = join(yamlPath, '..', 'images', 'val');
  const r = run('detect', '--weights', a, b, '--augment', '--source', images, '--img', '64', '--conf', '0.5', '--save-txt', '--nosave', '--project', join(dir, 'detect'), '--name', 'ens');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.match(/^image \d\/3 /gm)?.length, 3, r.stdout);
  assert.ok(readdirSync(join(dir, 'detect', 'ens', 'labels')).length > 0);
});

test('refused: --augment on ONNX weights, and an ensemble of models with other class counts', () => {
  const { model } = loadModel(a);
  const onnx = join(dir, 'tta-a.onnx');
  writeFileSync(onnx, exportOnnx(model.fuse().eval(), { imgsz: 64, dynamic: true }).bytes);
  model.dispose();
  const refusal = /^tsyolo: error: --augment \(test-time augmentation\) runs on PyTorch weights only \(\.pt, \.safetensors\), as in YOLOv5 v7\.0: .*tta-a\.onnx is an exported model \(ONNX\) with one fixed forward pass; run without --augment or give the checkpoint$/;
  const v = run('val', '--weights', onnx, '--data', 'unused.yaml', '--augment');
  assert.equal(v.status, 1);
  assert.match(v.stderr.trim(), refusal);
  const d = run('detect', '--weights', onnx, '--augment', '--source', join(dir, 'none'), '--project', join(dir, 'detect'));
  assert.equal(d.status, 1);
  assert.match(d.stderr.trim(), refusal);
  const n = run('detect', '--weights', a, coco, '--source', join(dir, 'none'), '--project', join(dir, 'detect'));
  assert.equal(n.status, 1);
  assert.match(n.stderr.trim(), /^tsyolo: error: ensemble: .*yolov5n\.pt has 80 classes but .*tta-a\.pt has 3 \(Models have different class counts: \[3, 80\]\)/);
});
