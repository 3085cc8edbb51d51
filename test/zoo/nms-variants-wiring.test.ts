// --nms-method / --soft-sigma reach the NMS from every entry: loadDetector's Detector, detect(), val() and the CLI;
// a model with NMS inside (export --nms) says the method cannot apply; export --nms keeps plain NMS and warns.
// The expected rows are the reference's (test/fixtures/zoo/nms, from YOLOv5 v7.0 + cpu_soft_nms / diounms), fed to
// the pipeline through a stand-in backend that returns the fixture's predictions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createImage } from '../../src/data/image-buffer.ts';
import type { Backend, ModelOutput } from '../../src/deploy/backend.ts';
import { Detector } from '../../src/deploy/detector.ts';
import { inGraphNmsWarning } from '../../src/deploy/in-graph-nms.ts';
import { detect } from '../../src/detect/detect.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { val } from '../../src/val/val.ts';
import { exportNmsMethodWarning } from '../../src/run/nms-options.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/zoo/nms/${name}`, import.meta.url));
const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const weights = fileURLToPath(new URL('../fixtures/yolov5n-shufflenetv2.pt', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'tsyolo-nms-variants-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// pred_a.npy: (2, 320, 8) predictions in a 160 × 160 frame, 3 classes; image 0 is served for every input image.
const predA = readNpyFile(fixture('pred_a.npy'));
const image0 = (predA.data as Float32Array).slice(0, 320 * 8);

/** A backend whose every image predicts pred_a's image 0 (a 160 × 160 input letterboxes to itself). */
function standIn(inGraphNms: Backend['inGraphNms'] = null): Backend {
  return {
    names: ['a', 'b', 'c'],
    nc: 3,
    stride: 32,
    fixedInputHW: null,
    inGraphNms,
    async forward(_input, shape): Promise<ModelOutput> {
      assert.deepEqual(shape.slice(2), [160, 160]);
      if (inGraphNms) return { data: new Float32Array(0), shape: [0, 7], inGraphNms: { images: shape[0]! } };
      const n = shape[0]!;
      const data = new Float32Array(n * image0.length);
      for (let b = 0; b < n; b++) data.set(image0, b * image0.length);
      return { data, shape: [n, 320, 8] };
    },
    dispose() {},
  };
}

/** The reference rows of image 0 of a case, as detect.py leaves them: clipped to the 160 × 160 image, rounded. */
function detectRows(output: string): number[][] {
  const t = readNpyFile(fixture(output));
  const d = t.data as Float32Array;
  const rows: number[][] = [];
  const clipRound = (v: number) => {
    const c = Math.min(Math.max(v, 0), 160);
    const r = Math.round(c);
    return Math.abs(c % 1) === 0.5 && r % 2 === 1 ? r - 1 : r; // half to even, as torch.round
  };
  for (let r = 0; r < t.shape[0]!; r++) {
    const row = d.subarray(r * 7, r * 7 + 7);
    if (row[0] !== 0) continue;
    rows.push([...Array.from(row.subarray(1, 5), clipRound), row[5]!, row[6]!]);
  }
  return rows;
}

const rowsOf = (data: Float32Array): number[][] => Array.from({ length: data.length / 6 }, (_, i) => Array.from(data.subarray(i * 6, i * 6 + 6)));

test('Detector: nmsMethod/softSigma as options and per call give the reference rows', async () => {
  const image = createImage(160, 160, 90);
  const det = new Detector(standIn(), async (im: typeof image) => im, { imgsz: 160, nmsMethod: 'soft-gaussian', softSigma: 0.5 });
  // detect.py's defaults (conf 0.25, IoU 0.45, best class) are the 'detect' setting of the fixtures
  assert.deepEqual(rowsOf((await det.detectRows(image)).detections), detectRows('detect_soft-gaussian_s0.5.npy'));
  assert.deepEqual(rowsOf((await det.detectRows(image, { nmsMethod: 'diou' })).detections), detectRows('detect_diou.npy'));
  assert.deepEqual(rowsOf((await det.detectRows(image, { nmsMethod: 'soft-linear' })).detections), detectRows('detect_soft-linear.npy'));
  assert.deepEqual(rowsOf((await det.detectRows(image, { nmsMethod: 'nms' })).detections), detectRows('detect_nms.npy'));
  assert.throws(() => new Detector(standIn(), async (im: typeof image) => im, { nmsMethod: 'soft' as never }), /loadDetector: nmsMethod must be nms, diou, soft-linear or soft-gaussian, got "soft"/);
  await assert.rejects(det.detectRows(image, { softSigma: -0.5 }), /loadDetector: softSigma must be a number > 0, got -0\.5/);
  const baked = { confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false };
  assert.throws(() => new Detector(standIn(baked), async (im: typeof image) => im, { nmsMethod: 'soft-gaussian' }), /nmsMethod 'soft-gaussian' cannot apply: the model has NMS inside \(export --nms bakes plain NMS\)/);
  new Detector(standIn(baked), async (im: typeof image) => im, { nmsMethod: 'nms' });
});

test('detect(): nmsMethod reaches the NMS; an in-graph-NMS model warns that it cannot apply', async () => {
  const source = join(dir, 'detect-src');
  mkdirSync(source);
  await sharp({ create: { width: 160, height: 160, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(join(source, 'a.png'));
  const r = await detect(standIn(), { source, imgsz: 160, nmsMethod: 'soft-linear', nosave: true, project: join(dir, 'detect'), log: () => {} });
  assert.deepEqual(rowsOf(r.images[0]!.detections), detectRows('detect_soft-linear.npy'));
  const logs: string[] = [];
  await detect(standIn({ confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false }), { source, imgsz: 160, nmsMethod: 'diou', nosave: true, project: join(dir, 'detect'), log: (l) => logs.push(l) });
  assert.ok(
    logs.includes("WARNING ⚠️ the model has NMS inside (conf-thres 0.25, iou-thres 0.45, max-det 100): --nms-method diou cannot apply (its NMS is plain NMS); the model's own NMS is used"),
    logs.join('\n'),
  );
  await assert.rejects(detect(standIn(), { source, nmsMethod: 'greedy' as never, project: join(dir, 'detect') }), /detect: nmsMethod must be nms, diou, soft-linear or soft-gaussian, got "greedy"/);
  assert.equal(inGraphNmsWarning({ confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false }, { method: 'nms' }), null);
});

test("val(): nmsMethod and softSigma reach val's NMS (conf 0.001, IoU 0.6, multi-label, 300)", async () => {
  const root = join(dir, 'val-data');
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'labels'), { recursive: true });
  await sharp({ create: { width: 160, height: 160, channels: 3, background: { r: 90, g: 90, b: 90 } } }).png().toFile(join(root, 'images', 'a.png'));
  writeFileSync(join(root, 'labels', 'a.txt'), '0 0.5 0.5 0.25 0.25\n');
  const yaml = join(root, 'data.yaml');
  writeFileSync(yaml, `path: ${root}\ntrain: images\nval: images\nnc: 3\nnames: [a, b, c]\n`);
  const confs = async (o: { nmsMethod?: 'soft-gaussian' | 'nms'; softSigma?: number }, name: string) => {
    await val({ data: yaml, model: standIn(), imgsz: 160, rect: false, workers: 0, plots: false, saveTxt: true, saveConf: true, project: join(dir, 'val'), name, log: () => {}, ...o });
    return readFileSync(join(dir, 'val', name, 'labels', 'a.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
  };
  // the 'val' setting of the fixtures is val.py's (0.001, 0.6, multi-label, 300), with σ 0.1
  for (const [o, output, name] of [
    [{ nmsMethod: 'soft-gaussian', softSigma: 0.1 }, 'val_soft-gaussian_s0.1.npy', 'soft'],
    [{}, 'val_nms.npy', 'plain'],
  ] as const) {
    const lines = await confs(o, name);
    const ref = detectRows(output);
    assert.equal(lines.length, ref.length, name);
    lines.forEach((l, i) => {
      assert.equal(l[0], ref[i]![5], `${name} line ${i} class`);
      assert.ok(Math.abs(l[5]! - ref[i]![4]!) <= 5e-6 * ref[i]![4]!, `${name} line ${i}: conf ${l[5]} vs ${ref[i]![4]}`);
    });
  }
  await assert.rejects(val({ data: yaml, model: standIn(), nmsMethod: 'soft-gaussian', softSigma: 0, log: () => {} }), /val: softSigma must be a number > 0, got 0/);
  const logs: string[] = [];
  await val({ data: yaml, model: standIn({ confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false }), imgsz: 160, rect: false, workers: 0, plots: false, nmsMethod: 'soft-gaussian', log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => l.includes('--nms-method soft-gaussian cannot apply (its NMS is plain NMS)')), logs.join('\n'));
});

test('CLI: --nms-method / --soft-sigma are checked and named in errors', () => {
  const bad = (args: string[], message: string) => {
    const r = cli(...args);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stderr.trim(), `tsyolo: error: ${message}`);
  };
  const common = ['--weights', weights, '--source', join(dir, 'nowhere')];
  bad(['detect', ...common, '--nms-method', 'soft'], "--nms-method must be nms, diou, soft-linear or soft-gaussian, got 'soft'");
  bad(['detect', ...common, '--nms-method', 'soft-gaussian', '--soft-sigma', '-1'], "--soft-sigma must be a number > 0, got '-1'");
  bad(['detect', ...common, '--nms-method', 'soft-gaussian', '--soft-sigma', 'wide'], "--soft-sigma must be a number > 0, got 'wide'");
  bad(['detect', ...common, '--soft-sigma', '0.3'], '--soft-sigma 0.3 is the σ of --nms-method soft-gaussian, but the method is nms');
  bad(['val', '--weights', weights, '--data', 'nowhere.yaml', '--nms-method', 'DIoU'], "--nms-method must be nms, diou, soft-linear or soft-gaussian, got 'DIoU'");
});

test('CLI detect runs Soft-NMS on a real model', async () => {
  const source = join(dir, 'cli-src');
  mkdirSync(source);
  await sharp({ create: { width: 200, height: 160, channels: 3, background: { r: 120, g: 60, b: 40 } } }).jpeg().toFile(join(source, 'a.jpg'));
  const labels: Record<string, string> = {};
  for (const method of ['nms', 'soft-gaussian']) {
    const extra = method === 'soft-gaussian' ? ['--soft-sigma', '0.2'] : [];
    const r = cli('detect', '--weights', weights, '--source', source, '--img', '160', '--conf', '0.0001', '--nms-method', method, ...extra, '--save-txt', '--save-conf', '--nosave', '--project', join(dir, 'cli'), '--name', method);
    assert.equal(r.status, 0, r.stderr);
    labels[method] = readFileSync(join(dir, 'cli', method, 'labels', 'a.txt'), 'utf8');
  }
  // the fixture's random weights score every box barely above 0.0001: Soft-NMS's decay drops overlapped ones
  assert.notEqual(labels['soft-gaussian'], labels.nms);
});

test('export --nms keeps plain NMS and warns when --nms-method is given', () => {
  const out = join(dir, 'export');
  mkdirSync(out);
  const w = join(out, 'm.pt');
  writeFileSync(w, readFileSync(weights));
  const r = cli('export', '--weights', w, '--include', 'onnx', '--img', '64', '--nms', '--nms-method', 'soft-gaussian');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WARNING ⚠️ --nms-method soft-gaussian is not applied: --nms puts plain NMS \(ONNX NonMaxSuppression, YOLOv5's rule\) into the graph/);
  assert.match(exportNmsMethodWarning('diou', false) ?? '', /WARNING ⚠️ --nms-method diou has no effect on an export without --nms/);
  assert.equal(exportNmsMethodWarning('nms', true), null);
  assert.equal(exportNmsMethodWarning(undefined, true), null);
  const bad = cli('export', '--weights', w, '--nms', '--nms-method', 'softer');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), "tsyolo: error: --nms-method must be nms, diou, soft-linear or soft-gaussian, got 'softer'");
});
