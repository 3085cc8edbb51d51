// `tsyolo train` end to end: the run folder YOLOv5's train.py leaves behind, its console output, exp → exp2,
// --exist-ok, and that best/last are stripped, loadable inference checkpoints.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { baseArgs, type CliRun, makeDigits, readResults, runCli } from './harness.ts';

let base = '';
let data = '';
let project = '';
let first: CliRun;

before(async () => {
  ({ base, data } = await makeDigits('artefacts'));
  project = join(base, 'runs', 'train');
  first = await runCli([...baseArgs(data, project), '--epochs', '2'], base);
});
after(() => rmSync(base, { recursive: true, force: true }));

// YOLOv5 v7.0 utils/loggers/__init__.py: keys written as '%20s,' each, the last comma stripped.
const RESULTS_HEADER =
  '               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,' +
  '      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,' +
  '        val/cls_loss,               x/lr0,               x/lr1,               x/lr2';

test('a 2-epoch run writes YOLOv5’s run folder', () => {
  assert.equal(first.code, 0, first.stderr);
  const exp = join(project, 'exp');
  for (const f of ['weights/last.safetensors', 'weights/best.safetensors', 'hyp.yaml', 'opt.yaml', 'results.csv', 'results.png', 'labels.jpg', 'train_batch0.jpg', 'confusion_matrix.png']) {
    assert.ok(existsSync(join(exp, f)), `${f} missing; folder has ${readdirSync(exp).join(', ')}`);
  }
  for (const f of ['results.png', 'confusion_matrix.png']) assert.deepEqual([...readFileSync(join(exp, f)).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], `${f} is a PNG`);
  for (const f of ['labels.jpg', 'train_batch0.jpg']) assert.deepEqual([...readFileSync(join(exp, f)).subarray(0, 3)], [0xff, 0xd8, 0xff], `${f} is a JPEG`);
  // No temp files left by the atomic writes.
  assert.deepEqual(readdirSync(join(exp, 'weights')).sort(), ['best.safetensors', 'last.safetensors']);

  const hyp = parseYaml(readFileSync(join(exp, 'hyp.yaml'), 'utf8')) as Record<string, number>;
  assert.equal(hyp.lr0, 0.01);
  assert.equal(hyp.cls, 3.0, 'hyp.yaml holds the file’s values, before train.py’s scaling by nc and layers');
  assert.equal(hyp.fliplr, 0);
  const opt = parseYaml(readFileSync(join(exp, 'opt.yaml'), 'utf8')) as Record<string, unknown>;
  assert.equal(opt.epochs, 2);
  assert.equal(opt.imgsz, 96);
  assert.equal(opt.batch_size, 8, 'YOLOv5’s snake_case keys');

  const { header, rows } = readResults(join(exp, 'results.csv'));
  assert.equal(header, RESULTS_HEADER);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r[0]), [0, 1]);
  for (const r of rows) {
    assert.equal(r.length, 14);
    assert.ok(r.every(Number.isFinite), `finite row ${r}`);
    assert.ok(r[1]! > 0 && r[2]! > 0 && r[3]! > 0, 'train losses are positive');
  }
  // x/lr0 is the bias group warming down from warmup_bias_lr: ni = 1 at the end of epoch 0 of nw = 100 warmup
  // iterations → 0.1 + (0.01·lf(0) − 0.1)·1/100 with lf(0) = 1.
  assert.ok(Math.abs(rows[0]![11]! - 0.0991) < 1e-9, `x/lr0 ${rows[0]![11]}`);
  assert.ok(Math.abs(rows[0]![12]! - 0.0001) < 1e-9, `x/lr1 ${rows[0]![12]}`);
});

test('the console shows the epoch header, the progress line and the val table', () => {
  const out = first.stdout;
  const trainHeader = '      Epoch    GPU_mem   box_loss   obj_loss   cls_loss  Instances       Size';
  assert.equal(out.split('\n').filter((l) => l === trainHeader).length, 2, out);
  assert.match(out, /^ {8}0\/1 +[\d.]+G( +[\d.e-]+){3} +\d+ +96: 100%\|██████████\| 2\/2 /m);
  assert.match(out, /^ {8}1\/1 /m);
  const valHeader = '                 Class     Images  Instances          P          R      mAP50   mAP50-95';
  assert.ok(out.split('\n').filter((l) => l === valHeader).length >= 3, 'a val table after each epoch and for best');
  assert.match(out, /^ {19}all {10}8 +\d+( +[\d.]+){4}$/m);
  assert.match(out, /Optimizer stripped from .*last\.safetensors/);
  // tsyolo's own line after train.py's "epochs completed": each phase's mean seconds per epoch.
  const phases = /^Time per epoch \(mean\): data wait ([\d.]+) s, forward\+backward ([\d.]+) s, optimizer\+EMA ([\d.]+) s, val ([\d.]+) s$/m.exec(out);
  assert.ok(phases, out);
  const [dataWait, forwardBackward, optimizerEma, val] = phases.slice(1).map(Number);
  assert.ok(forwardBackward! > 0 && val! > 0, `forward+backward and val take time: ${phases[0]}`);
  // 16 images at batch 8 never reach the nominal 64 before the warmup ends: warmup makes accumulate 1, so the
  // optimizer steps every batch.
  assert.ok(optimizerEma! > 0 && dataWait! >= 0, phases[0]);
});

test('best and last are stripped inference checkpoints that loadModel() reads', () => {
  for (const f of ['last', 'best']) {
    const file = join(project, 'exp', 'weights', `${f}.safetensors`);
    const { tensors, metadata } = readSafetensors(file);
    assert.equal(metadata.epoch, '-1', `${f}: epoch metadata after strip`);
    assert.deepEqual([...tensors.keys()].filter((k) => k.startsWith('_train.')), [], `${f}: resume state removed`);
    const { model, meta } = loadModel(file);
    assert.equal(meta.epoch, -1);
    assert.equal(model.nc, 10);
    assert.deepEqual(model.names, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.ok(model.stateDict().size > 0);
    model.dispose();
  }
});

test('a second run makes exp2, --exist-ok reuses exp', async () => {
  const second = await runCli([...baseArgs(data, project), '--epochs', '1', '--noplots'], base);
  assert.equal(second.code, 0, second.stderr);
  assert.ok(existsSync(join(project, 'exp2', 'weights', 'last.safetensors')));
  assert.match(second.stdout, /Results saved to .*exp2/);
  const reuse = await runCli([...baseArgs(data, project), '--epochs', '1', '--noplots', '--name', 'exp', '--exist-ok'], base);
  assert.equal(reuse.code, 0, reuse.stderr);
  assert.match(reuse.stdout, /Results saved to .*runs\/train\/exp\n/);
  assert.deepEqual(readdirSync(project).sort(), ['exp', 'exp2']);
});

test('--resume of a finished run says there is nothing to resume', async () => {
  const last = join(project, 'exp2', 'weights', 'last.safetensors');
  const before = readFileSync(last);
  const r = await runCli(['train', '--resume', last], base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^tsyolo: error: .*exp2\/weights\/last\.safetensors is from a finished training run \(nothing to resume\)/);
  assert.ok(readFileSync(last).equals(before));
});
