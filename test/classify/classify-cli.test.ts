// `tsyolo classify train|val|predict` end to end on `tsyolo data digits --task classify` (tiny: 30 train, 10 val,
// yolov5n-cls, 32 px, 1 epoch), the export of its checkpoint, and the bad inputs refused with the path at fault.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readSafetensors } from '../../src/io/safetensors.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-classify-cli-'));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: work });
after(() => rmSync(work, { recursive: true, force: true }));

test('data digits --task classify → classify train (1 epoch) → classify val → classify predict → export', async () => {
  const data = join(work, 'digits');
  const made = run('data', 'digits', '--task', 'classify', '--out', data, '--train', '30', '--val', '10');
  assert.equal(made.status, 0, made.stderr);
  assert.deepEqual(readdirSync(join(data, 'train')).sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(readdirSync(join(data, 'val', '7')).length, 1);

  const tr = run('classify', 'train', '--model', 'yolov5n-cls.yaml', '--data', data, '--epochs', '1', '--batch-size', '8', '--imgsz', '32', '--project', join(work, 'runs'), '--name', 'cls');
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stdout, /Starting yolov5n-cls\.yaml training on .* dataset with 10 classes for 1 epochs/);
  assert.match(tr.stdout, / {5}Epoch {3}GPU_mem {2}train_loss {4}val_loss {4}top1_acc {4}top5_acc/);
  const dir = join(work, 'runs', 'cls');
  const csv = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(csv[0]!.split(',').map((s) => s.trim()), ['epoch', 'train/loss', 'val/loss', 'metrics/accuracy_top1', 'metrics/accuracy_top5', 'lr/0']);
  const row = csv[1]!.split(',').map(Number);
  assert.equal(row.length, 6);
  assert.equal(row[0], 0);
  assert.ok(row[3]! >= 0 && row[3]! <= 1 && row[4]! >= row[3]!);
  assert.ok(Math.abs(row[5]! - 1e-5) < 1e-12, 'lr/0 after the scheduler step: lr0 · lf(1) = 0.001 · 0.01');
  const best = join(dir, 'weights', 'best.safetensors');
  const st = readSafetensors(best);
  assert.equal(st.metadata.task, 'classify');
  assert.deepEqual(JSON.parse(st.metadata.names!), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(st.tensors.get('model.9.linear.weight')!.dtype, 'float16');
  assert.ok(existsSync(join(dir, 'weights', 'last.safetensors')) && existsSync(join(dir, 'opt.yaml')));

  const va = run('classify', 'val', '--weights', best, '--data', data, '--imgsz', '32', '--project', join(work, 'runs'), '--name', 'val');
  assert.equal(va.status, 0, va.stderr);
  const all = va.stdout.split('\n').find((l) => l.trim().startsWith('all '))!;
  const [, images, top1, top5] = all.trim().split(/\s+/);
  assert.equal(images, '10');
  assert.ok(Number(top1) >= 0 && Number(top5) >= Number(top1));
  assert.match(va.stdout, /^ +Class +Images +top1_acc +top5_acc$/m);

  const pr = run('classify', 'predict', '--weights', best, '--source', join(data, 'val', '3'), '--imgsz', '32', '--save-txt', '--project', join(work, 'runs'), '--name', 'pred');
  assert.equal(pr.status, 0, pr.stderr);
  assert.match(pr.stdout, /image 1\/1 .*00000\.png: 32x32 (\d \d\.\d\d, ){5}/);
  assert.ok(existsSync(join(work, 'runs', 'pred', '00000.png')));
  const txt = readFileSync(join(work, 'runs', 'pred', 'labels', '00000.txt'), 'utf8').trim().split('\n');
  assert.equal(txt.length, 5);
  assert.match(txt[0]!, /^\d\.\d\d \d$/);

  const ex = run('export', '--weights', best, '--img', '32');
  assert.equal(ex.status, 0, ex.stderr);
  const session = await ort.InferenceSession.create(join(dir, 'weights', 'best.onnx'));
  const out = await session.run({ images: new ort.Tensor('float32', new Float32Array(3 * 32 * 32), [1, 3, 32, 32]) });
  assert.deepEqual(out.output0!.dims, [1, 10]);
  await session.release();
});

test('bad input: no train folder, a class folder without images, a detection dataset — exit 1 naming the path', () => {
  const empty = join(work, 'empty');
  mkdirSync(join(empty, 'val', 'a'), { recursive: true });
  let r = run('classify', 'train', '--data', empty, '--imgsz', '32', '--project', join(work, 'bad'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${join(empty, 'train').replace(/[/.]/g, '\\$&')}: no train folder`));

  const noImages = join(work, 'no-images');
  cpSync(join(work, 'digits'), noImages, { recursive: true });
  rmSync(join(noImages, 'train', '4'), { recursive: true });
  mkdirSync(join(noImages, 'train', '4'));
  writeFileSync(join(noImages, 'train', '4', 'notes.txt'), 'no image here');
  r = run('classify', 'train', '--data', noImages, '--imgsz', '32', '--project', join(work, 'bad'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no-images\/train\/4: class folder '4' has no images/);

  const det = join(work, 'det');
  mkdirSync(join(det, 'images', 'train'), { recursive: true });
  mkdirSync(join(det, 'labels', 'train'), { recursive: true });
  r = run('classify', 'train', '--data', det, '--imgsz', '32', '--project', join(work, 'bad'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /det\/train: no train folder \(this looks like a YOLO detection dataset/);
  r = run('classify', 'train', '--data', join(det, 'data.yaml'), '--imgsz', '32', '--project', join(work, 'bad'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /data\.yaml: a dataset YAML is a detection dataset/);
  assert.ok(!existsSync(join(work, 'bad')), 'failed runs leave no run folder');
});
