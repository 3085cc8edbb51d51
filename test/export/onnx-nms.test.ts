// `export --include onnx --nms`: NMS inside the graph (ONNX NonMaxSuppression) keeps the same boxes as tsyolo's
// NMS on the plain export's output, on real digit scenes and the demo's trained model; detect, val and loadDetector
// use the model's own NMS; bad settings are refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { generateDigits } from '../../src/data/digits.ts';
import { decodeImage } from '../../src/data/image-decode.ts';
import { imageToNchw } from '../../src/deploy/preprocess.ts';
import { readOnnxModelInfo } from '../../src/deploy/model-metadata.ts';
import { inGraphNmsWarning } from '../../src/deploy/in-graph-nms.ts';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { loadDetector } from '../../src/onnx.ts';
import { nonMaxSuppression, type NmsOptions } from '../../src/eval/nms.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import type { OnnxNmsSettings } from '../../src/export/nms-onnx.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { val } from '../../src/val/val.ts';
import { assertSameDetections } from '../deploy/same-detections.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const digits = here('../fixtures/digits-n-shufflenetv2.safetensors'); // trained by the demo
const sample = here('../../web/sample.png');
const bin = here('../../bin/tsyolo.js');
const work = mkdtempSync(join(tmpdir(), 'tsyolo-onnx-nms-'));
const BATCH = 4;
const scenes = generateDigits({ out: join(work, 'digits'), train: 2, val: BATCH, img: 320, seed: 5, log: () => {} });

/** The four 320×320 validation scenes as one (4, 3, 320, 320) batch. */
async function sceneBatch(): Promise<Float32Array> {
  const dir = join(work, 'digits', 'images', 'val');
  const files = readdirSync(dir).sort();
  assert.equal(files.length, BATCH);
  const x = new Float32Array(BATCH * 3 * 320 * 320);
  for (const [k, f] of files.entries()) {
    const im = await decodeImage(join(dir, f));
    assert.deepEqual([im.width, im.height], [320, 320]);
    x.set(imageToNchw(im), k * 3 * 320 * 320);
  }
  return x;
}

async function run(bytes: Uint8Array, x: Float32Array): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ images: new ort.Tensor('float32', x, [BATCH, 3, 320, 320]) });
  await session.release();
  return Object.values(out)[0]!;
}

const settings: [string, OnnxNmsSettings][] = [
  ['export.py defaults', { confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false }],
  ['conf 0.001 (many overlapping candidates), max 300', { confThres: 0.001, iouThres: 0.45, maxDet: 300, agnostic: false }],
  ['agnostic, IoU 0.6, max 20', { confThres: 0.01, iouThres: 0.6, maxDet: 20, agnostic: true }],
];

test('in-graph NMS keeps the same detections as tsyolo NMS on the plain export (real scenes, trained model)', async () => {
  await scenes;
  const { model } = loadModel(digits);
  model.fuse().eval();
  const x = await sceneBatch();
  const plain = await run(exportOnnx(model, { imgsz: 320, batch: BATCH }).bytes, x);
  for (const [what, s] of settings) {
    const out = await run(exportOnnx(model, { imgsz: 320, batch: BATCH, nms: s }).bytes, x);
    assert.equal(out.dims[1], 7, what);
    const got = out.data as Float32Array;
    const nms: NmsOptions = { confThres: s.confThres, iouThres: s.iouThres, maxDet: s.maxDet, agnostic: s.agnostic };
    const want = nonMaxSuppression({ dtype: 'float32', shape: [...plain.dims], data: plain.data as Float32Array }, nms);
    let row = 0;
    for (const [b, w] of want.entries()) {
      const rows = w.shape[0]!;
      const wd = w.data as Float32Array;
      for (let r = 0; r < rows; r++, row++) {
        assert.equal(got[row * 7], b, `${what}: image ${b} has ${rows} detections in tsyolo's NMS`);
        for (let c = 0; c < 4; c++) assert.ok(Math.abs(got[row * 7 + 1 + c]! - wd[r * 6 + c]!) <= 1e-3, `${what}: image ${b} row ${r} box`);
        assert.ok(Math.abs(got[row * 7 + 5]! - wd[r * 6 + 4]!) <= 1e-5, `${what}: image ${b} row ${r} conf`);
        assert.equal(got[row * 7 + 6], wd[r * 6 + 5], `${what}: image ${b} row ${r} class`);
      }
    }
    assert.equal(got.length / 7, row, `${what}: as many detections as tsyolo's NMS`);
    const counts = want.map((w) => w.shape[0]!);
    if (s.confThres === 0.001) assert.ok(Math.max(...counts) > 50, `the low threshold leaves many boxes to suppress (${counts})`);
    if (s.maxDet === 20) assert.ok(counts.every((n) => n <= 20) && counts.filter((n) => n === 20).length >= 2, `max-det caps the busy images (${counts})`);
    if (s.confThres === 0.25) assert.ok(counts.reduce((a, n) => a + n) >= 10 && new Set(Array.from(got.filter((_, i) => i % 7 === 6))).size >= 3, `real digits of several classes (${counts})`);
  }
  model.dispose();
});

test('the export passes onnx.checker and records its NMS settings; bad settings are refused', async () => {
  const { model } = loadModel(digits);
  model.fuse().eval();
  const s: OnnxNmsSettings = { confThres: 0.3, iouThres: 0.5, maxDet: 50, agnostic: false };
  for (const opset of [12, 17]) {
    const file = join(work, `nms-${opset}.onnx`);
    writeFileSync(file, exportOnnx(model, { imgsz: 320, opset, dynamic: opset === 12, nms: s }).bytes);
    const script = `import onnx, sys, json
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
print(json.dumps([[o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]] for o in m.graph.output]))`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [['detections', ['detections', 7]]]);
    assert.deepEqual(readOnnxModelInfo(readFileSync(file), file).nms, s);
  }
  assert.equal(readOnnxModelInfo(exportOnnx(model, { imgsz: 64 }).bytes).nms, null, 'a plain export has no NMS');
  assert.throws(() => exportOnnx(model, { imgsz: 64, nms: { ...s, confThres: 1.5 } }), /--conf-thres must be between 0 and 1, got 1\.5/);
  assert.throws(() => exportOnnx(model, { imgsz: 64, nms: { ...s, maxDet: 0 } }), /--topk-all must be a positive integer, got 0/);
  model.dispose();
  const seg = loadModel(here('../fixtures/v7/yolov5n-seg-mini.pt')).model;
  assert.throws(() => exportOnnx(seg.fuse().eval(), { imgsz: 64, nms: s }), /--nms is for detection models/);
  seg.dispose();
});

test('loadDetector, detect and val use the model’s own NMS; val warns that its settings cannot apply', async () => {
  await scenes;
  const weights = join(work, 'best.safetensors');
  copyFileSync(digits, weights);
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: work });
  const e = cli('export', '--weights', weights, '--include', 'onnx', '--img', '320', '--nms', '--topk-all', '50');
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /output detections \(detections, 7\): image, x1, y1, x2, y2, conf, cls after NMS \(conf 0\.25, iou 0\.45, max 50\)/);
  const nmsFile = join(work, 'best.onnx');
  const plainFile = join(work, 'plain.onnx');
  const { model } = loadModel(digits);
  writeFileSync(plainFile, exportOnnx(model.fuse().eval(), { imgsz: 320 }).bytes);
  model.dispose();

  const [withNms, plain] = await Promise.all([loadDetector(nmsFile), loadDetector(plainFile)]);
  assert.deepEqual(withNms.backend.inGraphNms, { confThres: 0.25, iouThres: 0.45, maxDet: 50, agnostic: false });
  const rows = (d: Awaited<ReturnType<typeof plain.detect>>) => d.flatMap((x) => [x.box.x1, x.box.y1, x.box.x2, x.box.y2, x.score, x.classId]);
  const want = await plain.detect(sample);
  assert.ok(want.length >= 3);
  assertSameDetections(rows(await withNms.detect(sample)), rows(want));
  // A higher threshold and a class filter are applied to the model's rows exactly.
  assertSameDetections(rows(await withNms.detect(sample, { conf: 0.6, classes: [want[0]!.classId] })), rows(await plain.detect(sample, { conf: 0.6, classes: [want[0]!.classId] })));
  await Promise.all([withNms.dispose(), plain.dispose()]);

  const d = cli('detect', '--weights', nmsFile, '--source', sample, '--project', join(work, 'detect'), '--save-txt');
  assert.equal(d.status, 0, d.stderr);
  assert.doesNotMatch(d.stdout, /WARNING/, 'detect.py defaults equal the baked-in settings');
  assert.match(d.stdout, new RegExp(`image 1/1 .*sample\\.png: 320x320 .*${want.length > 1 ? 's' : ''}`));
  const lines = readFileSync(join(work, 'detect', 'exp', 'labels', 'sample.txt'), 'utf8').trim().split('\n');
  assert.equal(lines.length, want.length);
  const d2 = cli('detect', '--weights', nmsFile, '--source', sample, '--project', join(work, 'detect'), '--iou-thres', '0.7', '--nosave');
  assert.match(d2.stdout, /WARNING ⚠️ the model has NMS inside \(conf-thres 0\.25, iou-thres 0\.45, max-det 50\): --iou-thres 0\.7 differs; the model's own NMS is used/);

  const logs: string[] = [];
  const { yamlPath } = await scenes;
  const r = await val({ data: yamlPath, model: await OnnxModel.load(nmsFile), workers: 0, plots: false, log: (l) => logs.push(l) });
  assert.ok(r.mAP50 > 0.3, `a trained model still measures (${r.mAP50})`);
  assert.ok(
    logs.some((l) => l === "WARNING ⚠️ the model has NMS inside (conf-thres 0.25, iou-thres 0.45, max-det 50): --conf-thres 0.001 is below it, --iou-thres 0.6 differs, it keeps one class per box (no multi-label); the model's own NMS is used"),
    logs.join('\n'),
  );
  assert.equal(inGraphNmsWarning({ confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false }, { confThres: 0.5, iouThres: 0.45 }), null, 'a higher conf is applied exactly');
  assert.match(inGraphNmsWarning({ confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: true }, { agnostic: true, classes: [1] }) ?? '', /\(conf-thres 0\.25, iou-thres 0\.45, max-det 100, agnostic\): --classes filters after its class-agnostic NMS, not before;/);

  const bad = cli('export', '--weights', weights, '--include', 'onnx', '--agnostic-nms');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--agnostic-nms puts class-agnostic NMS into the graph: add --nms/);
});
