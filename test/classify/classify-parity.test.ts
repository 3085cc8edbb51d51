// Classification against YOLOv5 v7.0's own code (test/fixtures/classify/, make_classify_fixtures.py): a
// ClassificationModel checkpoint saved as classify/train.py saves it loads with its keys, BatchNorm settings and
// eval logits; CrossEntropyLoss with label smoothing 0.1 and its gradient; classify/val.py's top-1/top-5 and each
// image's top-5 on a folder dataset; the -cls YAMLs' summaries equal v7.0's cutoff-10 models; the ONNX export.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { ClassifyLoader } from '../../src/classify/classify-loader.ts';
import { crossEntropyLoss } from '../../src/classify/cross-entropy.ts';
import { ClassifierEMA } from '../../src/classify/classifier-ema.ts';
import { classifierTrainStep } from '../../src/classify/train-step.ts';
import { smartOptimizer } from '../../src/train/optimizer.ts';
import { evaluateClassifier } from '../../src/classify/evaluate.ts';
import { readClassFolders } from '../../src/classify/folder-dataset.ts';
import { exportClassifierOnnx } from '../../src/export/export-classifier-onnx.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { BatchNorm2d } from '../../src/nn/batchnorm2d.ts';
import { fromHost, tensor } from '../../src/tensor/create.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { noGrad, tidy } from '../../src/tensor/index.ts';
import { loadClassifier } from '../../src/yolo/classification-checkpoint.ts';
import { ClassificationModel, loadClassifierConfig } from '../../src/yolo/classification-model.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { relativeDiffHost } from '../yolo/v7-fixture.ts';

const fx = (f: string) => fileURLToPath(new URL(`../fixtures/classify/${f}`, import.meta.url));
interface Summary { layers: number; parameters: number; gflops_640: number; gflops_224: number; state_dict: Record<string, number[]> | null }
const expected = JSON.parse(readFileSync(fx('expected.json'), 'utf8')) as {
  summaries: Record<string, Summary>;
  cls_tiny: { state_dict: Record<string, number[]>; stride: number[]; summary: Summary; bn_eps: { backbone: number; head: number } };
  loss: { label_smoothing: number; loss: number; loss_no_smoothing: number };
  val: { top1: number; top5: number; imgsz: number; batch_size: number };
  val_preds: number[][];
  val_files: string[];
};

const loadTiny = () => loadClassifier(fx('cls_tiny.pt'), { cfg: fx('cls_tiny_det.yaml') }).model;
const logits = (m: ClassificationModel, x: Float32Array, shape: number[]) =>
  noGrad(() => tidy(() => m.forward(fromHost({ dtype: 'float32', shape, data: x })).contiguous().toFloat32Array()));

test("v7.0's ClassificationModel checkpoint: state_dict keys and shapes, strides, BatchNorm eps (1e-3 backbone, 1e-5 Classify), names", () => {
  const model = loadTiny();
  const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
  assert.deepEqual(Object.keys(shapes), Object.keys(expected.cls_tiny.state_dict));
  assert.deepEqual(shapes, expected.cls_tiny.state_dict);
  assert.deepEqual(model.stride, expected.cls_tiny.stride);
  const bns = [...model.modules()].filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  assert.equal(bns[0]!.eps, expected.cls_tiny.bn_eps.backbone);
  assert.equal(bns.at(-1)!.eps, expected.cls_tiny.bn_eps.head);
  assert.deepEqual(model.names, ['class0', 'class1', 'class2', 'class3', 'class4', 'class5']);
  const s = model.info(640);
  assert.equal(s.layers, expected.cls_tiny.summary.layers);
  assert.equal(s.parameters, expected.cls_tiny.summary.parameters);
  assert.equal(Number(s.gflops.toFixed(1)), expected.cls_tiny.summary.gflops_640);
  model.dispose();
});

test("v7.0's ClassificationModel checkpoint: eval logits ≤ 1e-5 relative, unfused and fused", () => {
  const model = loadTiny().eval();
  const x = readNpyFile(fx('cls_tiny_input.npy'));
  const ref = readNpyFile(fx('cls_tiny_logits.npy')).data as Float32Array;
  const y = logits(model, x.data as Float32Array, x.shape);
  assert.deepEqual(readNpyFile(fx('cls_tiny_logits.npy')).shape, [2, 6]);
  assert.ok(relativeDiffHost(y, ref) <= 1e-5, `unfused ${relativeDiffHost(y, ref)}`);
  model.fuse();
  const yf = logits(model, x.data as Float32Array, x.shape);
  assert.ok(relativeDiffHost(yf, ref) <= 1e-5, `fused ${relativeDiffHost(yf, ref)}`);
  model.dispose();
});

test('CrossEntropyLoss(label_smoothing=0.1) on a fixed batch: value and gradient equal PyTorch (≤ 1e-6 relative)', () => {
  const z = fromHost(readNpyFile(fx('loss_logits.npy'))).requiresGrad_(true);
  const y = fromHost(readNpyFile(fx('loss_labels.npy')));
  const loss = crossEntropyLoss(z, y, expected.loss.label_smoothing);
  loss.backward();
  assert.ok(Math.abs(loss.item() - expected.loss.loss) / expected.loss.loss <= 1e-6, `${loss.item()} vs ${expected.loss.loss}`);
  const g = z.grad!.contiguous().toFloat32Array();
  assert.ok(relativeDiffHost(g, readNpyFile(fx('loss_grad.npy')).data as Float32Array) <= 1e-6);
  const plain = noGrad(() => crossEntropyLoss(z, y, 0).item());
  assert.ok(Math.abs(plain - expected.loss.loss_no_smoothing) / expected.loss.loss_no_smoothing <= 1e-6);
});

test("classify/val.py's top-1 / top-5 on the same checkpoint and folder dataset, and each image's top-5", async () => {
  const split = readClassFolders(fx('data/val'));
  assert.deepEqual(split.samples.map(([f]) => f.slice(fx('data/').length)), expected.val_files);
  const model = loadTiny().eval();
  const r = await evaluateClassifier((x) => model.forward(x), new ClassifyLoader(split, expected.val.imgsz, expected.val.batch_size, false));
  assert.deepEqual(r.preds, expected.val_preds);
  assert.equal(r.top1, expected.val.top1);
  assert.equal(r.top5, expected.val.top5);
  // the same through two loader worker threads
  const threaded = new ClassifyLoader(split, expected.val.imgsz, expected.val.batch_size, false, 0, 'cpu', 2);
  const rt = await evaluateClassifier((x) => model.forward(x), threaded).finally(() => threaded.close());
  assert.deepEqual(rt.preds, expected.val_preds);
  model.dispose();
});

for (const size of ['n', 's', 'm', 'l', 'x']) {
  test(`yolov5${size}-cls.yaml: summary equals v7.0's ClassificationModel(DetectionModel('yolov5${size}.yaml'), cutoff=10)`, () => {
    const ref = expected.summaries[`yolov5${size}-cls`]!;
    const { config, file } = loadClassifierConfig(`yolov5${size}-cls.yaml`);
    const model = new ClassificationModel(config, { yamlFile: file });
    const s640 = model.info(640);
    assert.equal(s640.name, `YOLOv5${size}-cls`);
    assert.equal(s640.layers, ref.layers);
    assert.equal(s640.parameters, ref.parameters);
    assert.equal(Number(s640.gflops.toFixed(1)), ref.gflops_640);
    assert.equal(Number(model.info(224).gflops.toFixed(1)), ref.gflops_224);
    if (ref.state_dict) assert.deepEqual(Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape])), ref.state_dict);
    model.dispose();
  });
}

test('yolov5s-cls.yaml equals the cutoff-10 cut of yolov5s.yaml, and yolov5n-shufflenetv2-cls.yaml the cutoff-8 cut of the seed detector', () => {
  for (const [cls, det, cutoff] of [['yolov5s-cls.yaml', 'yolov5s.yaml', 10], ['yolov5n-shufflenetv2-cls.yaml', 'yolov5n-shufflenetv2.yaml', 8]] as const) {
    const a = new ClassificationModel(loadClassifierConfig(cls).config);
    const b = ClassificationModel.fromDetectionModel(new DetectionModel(loadModelConfig(det).config), { nc: 1000, cutoff });
    const shapes = (m: ClassificationModel) => Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(shapes(a), shapes(b), cls);
    assert.deepEqual(a.layerInfo.map((l) => [l.f, l.n, l.type, l.args]), b.layerInfo.map((l) => [l.f, l.n, l.type, l.args]), cls);
    assert.equal(a.info(224).gflops, b.info(224).gflops);
    a.dispose();
    b.dispose();
  }
});

test('ONNX export of the v7.0 classifier: output (2, nc), onnxruntime ≤ 1e-4 of libtorch and of v7.0', async () => {
  const model = loadTiny();
  model.fuse().eval();
  const x = readNpyFile(fx('cls_tiny_input.npy'));
  const r = exportClassifierOnnx(model, { imgsz: 32, batch: 2 });
  assert.deepEqual(r.outputShape, [2, 6]);
  const file = join(mkdtempSync(join(tmpdir(), 'tsyolo-cls-onnx-')), 'cls.onnx');
  writeFileSync(file, r.bytes);
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ images: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  const y = out.output0!;
  assert.deepEqual(y.dims, [2, 6]);
  const torchY = logits(model, x.data as Float32Array, x.shape);
  assert.ok(relativeDiffHost(y.data as Float32Array, torchY) <= 1e-4);
  assert.ok(relativeDiffHost(y.data as Float32Array, readNpyFile(fx('cls_tiny_logits.npy')).data as Float32Array) <= 1e-4);
  await session.release();
  model.dispose();
});

test("classify predict gives each image the top-5 of classify/val.py's model (the same transforms and logits)", async () => {
  const { predictClassifier } = await import('../../src/classify/predict.ts');
  const project = mkdtempSync(join(tmpdir(), 'tsyolo-cls-predict-'));
  const r = await predictClassifier({ weights: fx('cls_tiny.pt'), cfg: fx('cls_tiny_det.yaml'), source: fx('data/val'), imgsz: expected.val.imgsz, project, name: 'exp', nosave: true }, () => {});
  const byFile = new Map(r.predictions.map((p) => [p.file.slice(fx('data/').length), p.top5.map((t) => t.index)]));
  expected.val_files.forEach((f, i) => assert.deepEqual(byFile.get(f), expected.val_preds[i], f));
  for (const p of r.predictions) {
    assert.ok(p.top5.every((t, k) => k === 0 || t.prob <= p.top5[k - 1]!.prob));
    assert.equal(p.top5[0]!.name, `class${p.top5[0]!.index}`);
  }
});

test('a v7.0 detection checkpoint becomes a classifier as classify/train.py converts it: layers 0..cutoff-2 kept with their weights, Classify(ch, nc) last', () => {
  const det = fileURLToPath(new URL('../fixtures/v7/zoo-csp.pt', import.meta.url));
  const { model } = loadClassifier(det, { nc: 4, cutoff: 6 });
  assert.equal(model.model.layers.length, 6);
  assert.equal(model.nc, 4);
  assert.equal(model.layerInfo.at(-1)!.type, 'models.common.Classify');
  const ref = loadModel(det).model;
  const own = model.stateDict();
  for (const [k, v] of ref.stateDict()) {
    if (Number(k.split('.')[1]) >= 5) continue;
    assert.ok(own.has(k), k);
    assert.equal(tidy(() => own.get(k)!.sub(v).abs().max().item()), 0, k);
  }
  const inCh = (model.head.conv.conv as unknown as { inChannels: number }).inChannels;
  assert.equal(inCh, model.layerInfo[4]!.c2);
  model.dispose();
  ref.dispose();
});

// Adam's first step is lr·g/(|g| + eps) per element: where a gradient is near eps (1e-8) its float rounding shows,
// so the Linear weights agree to ~7e-5 relative (the rest to ≤ 5e-7).
test('one classify/train.py step (Adam groups, label smoothing, clip 10, EMA) gives v7.0\'s loss, weights, BatchNorm statistics and EMA', () => {
  const step = (expected as unknown as { step: { labels: number[]; loss: number; watched: string[] } }).step;
  const model = loadTiny().train();
  for (const p of model.parameters()) p.requiresGrad_(true);
  const optimizer = smartOptimizer(model, 'Adam', 0.001, 0.9, 5e-5);
  const ema = new ClassifierEMA(model);
  const x = fromHost(readNpyFile(fx('cls_tiny_input.npy')));
  const labels = tensor(BigInt64Array.from(step.labels.map(BigInt)), { shape: [step.labels.length] });
  const loss = classifierTrainStep(model, x, labels, { optimizer, ema, labelSmoothing: 0.1 });
  assert.ok(Math.abs(loss - step.loss) / step.loss <= 1e-5, `${loss} vs ${step.loss}`);
  const own = model.stateDict();
  const averaged = ema.ema.stateDict();
  for (const k of step.watched) {
    const host = (t: Tensor) => t.float().contiguous().toFloat32Array();
    const d = relativeDiffHost(host(own.get(k)!), readNpyFile(fx(`step_${k}.npy`)).data as Float32Array);
    assert.ok(d <= 1e-4, `${k}: ${d}`);
    const de = relativeDiffHost(host(averaged.get(k)!), readNpyFile(fx(`step_ema_${k}.npy`)).data as Float32Array);
    assert.ok(de <= 1e-4, `ema ${k}: ${de}`);
  }
  assert.equal(ema.updates, 1);
  model.dispose();
  ema.ema.dispose();
});
