// The zoo's neck and backbone blocks — slim-neck GSConv + VoVGSCSP, Concat_bifpn, CARAFE (YOLOAir), space_to_depth
// (SPD-Conv, YOLOAir) and C3_Faster (FasterNet, z1069614715/objectdetection_script) — against fixtures made by their
// reference code on YOLOv5 v7.0 with YOLOAir's parse_model branches (test/fixtures/zoo/make_zoo_necks.py): each shipped
// example YAML's summary at nc 80 / 640 (unfused and fused), each small checkpoint's keys and eval output (fused too),
// its ONNX export on onnxruntime at opsets 12 and 17, and a training step: every parameter the reference's forward
// reaches gets a finite gradient, the ones it never uses get none — also under deterministic algorithms.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { PyDict, PyObject } from '../../src/io/pickle.ts';
import { isYoloInertClass, loadTorchCheckpoint } from '../../src/io/torch-checkpoint.ts';
import {
  areDeterministicAlgorithmsEnabled,
  fromHost,
  manualSeed,
  noGrad,
  ones,
  rand,
  tensor,
  type Tensor,
  tidy,
  useDeterministicAlgorithms,
} from '../../src/tensor/index.ts';
import { ComputeLoss } from '../../src/train/loss.ts';
import { parameterGroups } from '../../src/train/optimizer.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';
import { DropPath } from '../../src/yolo/modules/backbone/fasternet.ts';
import { ConcatBifpn } from '../../src/yolo/modules/necks/bifpn.ts';
import { VoVGSCSP } from '../../src/yolo/modules/necks/slimneck.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/zoo/necks/${f}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-zoo-necks-'));
const npy = (f: string) => readNpyFile(fixture(f));

/** Each shipped example, its folder, and the classes (Python names) its model must contain. */
const EXAMPLES: Record<string, [group: string, classes: string[]]> = {
  'yolov5s-slimneck': ['necks', ['GSConv', 'VoVGSCSP', 'GSBottleneck']],
  'yolov5s-gsconv': ['necks', ['GSConv']],
  'yolov5s-bifpn': ['necks', ['Concat_bifpn']],
  'yolov5s-carafe': ['necks', ['CARAFE']],
  'yolov5s-spd': ['backbone', ['space_to_depth']],
  'yolov5s-c3faster': ['backbone', ['C3_Faster', 'Faster_Block', 'Partial_conv3', 'DropPath']],
};
const CHECKPOINTS = ['yolov5s-slimneck', 'yolov5s-bifpn', 'yolov5s-carafe', 'yolov5s-spd', 'yolov5s-c3faster'];

type Row = { layers: number; parameters: number; gradients: number; gflops: number; gflops_640: number };
interface Expected {
  strides: number[];
  output_shape: number[];
  module_types: string[];
  state_dict: Record<string, number[]>;
  summary: Record<'unfused' | 'fused', Row>;
  params_without_grad: string[];
}
const summaryOf = (stem: string) => JSON.parse(readFileSync(fixture(`${stem}_summary.json`), 'utf8')) as Record<'unfused' | 'fused', Row>;
const expectedOf = (stem: string) => JSON.parse(readFileSync(fixture(`${stem}-mini_expected.json`), 'utf8')) as Expected;

/** max |a − b| / max |b| */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

const relClose = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.abs(b);

/** layers, parameters, gradients and thop GFLOPs (printed rounding and unrounded) at `img`. */
function assertSummary(model: DetectionModel, ref: Row, img: number, what: string): void {
  const s = summarize(model, img);
  assert.deepEqual({ layers: s.layers, parameters: s.parameters, gradients: s.gradients }, { layers: ref.layers, parameters: ref.parameters, gradients: ref.gradients }, what);
  assert.ok(relClose(s.gflops, ref.gflops, 1e-9), `${what}: GFLOPs ${s.gflops} vs thop's ${ref.gflops}`);
  if (img === 640) assert.equal(Number(s.gflops.toFixed(1)), ref.gflops_640, what);
}

const typeNames = (model: DetectionModel) => new Set([...model.modules()].map((m) => m.typeName));

for (const [stem, [group, classes]] of Object.entries(EXAMPLES)) {
  test(`${stem}.yaml: summary at nc 80 / 640 equals the reference's (layers, parameters, GFLOPs), unfused and fused`, () => {
    const ref = summaryOf(stem);
    const { config, file } = loadModelConfig(`${stem}.yaml`);
    assert.match(file, new RegExp(`configs/models/${group}/${stem}\\.yaml$`));
    const model = new DetectionModel(config, { yamlFile: file });
    const names = typeNames(model);
    for (const c of classes) assert.ok(names.has(c), `${stem} builds ${c}`);
    assertSummary(model, ref.unfused, 640, 'unfused');
    model.fuse();
    assertSummary(model, ref.fused, 640, 'fused');
    model.dispose();
  });
}

test("VoVGSCSP under YOLOAir's parse_model: n goes into the args and is ignored (the reference's quirk)", () => {
  const { config, file } = loadModelConfig('yolov5s-slimneck.yaml');
  const deeper = { ...config, depth_multiple: 1.0 };
  const shallow = new DetectionModel(config, { yamlFile: file });
  const deep = new DetectionModel(deeper, { yamlFile: file });
  assert.deepEqual(shallow.layerInfo[13]!.args, [512, 256, 1, false]);
  assert.deepEqual(deep.layerInfo[13]!.args, [512, 256, 3, false]);
  assert.ok(deep.model.layers[13] instanceof VoVGSCSP);
  assert.equal(deep.model.layers[13]!.numParameters(), shallow.model.layers[13]!.numParameters());
  shallow.dispose();
  deep.dispose();
});

test("Concat_bifpn under YOLOAir's parse_model: [c1, c2] unscaled, output channels = the widest input", () => {
  const { config, file } = loadModelConfig('yolov5s-bifpn.yaml');
  const model = new DetectionModel(config, { yamlFile: file });
  assert.deepEqual(model.layerInfo[12]!.args, [256, 256]);
  assert.deepEqual(model.layerInfo[19]!.f, [-1, 6, 13]);
  assert.deepEqual([12, 16, 19, 22].map((i) => model.layerInfo[i]!.c2), [256, 128, 256, 512]);
  model.dispose();
});

for (const stem of CHECKPOINTS) {
  test(`${stem}-mini.pt: keys, summary and eval output equal the reference's (≤ 1e-5 relative), fused too`, () => {
    const expected = expectedOf(stem);
    const { model } = loadModel(fixture(`${stem}-mini.pt`));
    const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(Object.keys(shapes), Object.keys(expected.state_dict));
    assert.deepEqual(shapes, expected.state_dict);
    assert.deepEqual(model.stride, expected.strides);
    const names = typeNames(model);
    for (const c of EXAMPLES[stem]![1]) {
      assert.ok(names.has(c));
      assert.ok(expected.module_types.some((t) => t.endsWith(`.${c}`)), `the reference built ${c}`);
    }
    assertSummary(model, expected.summary.unfused, 64, 'unfused');

    model.eval();
    const x = fromHost(npy('input.npy'));
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual(y.shape, expected.output_shape);
    const d = relativeDiff(y.toFloat32Array(), npy(`${stem}-mini_output.npy`).data as Float32Array);
    assert.ok(d <= 1e-5, `relative difference ${d}`);
    model.fuse();
    assertSummary(model, expected.summary.fused, 64, 'fused');
    const yf = noGrad(() => model.forward(x) as Tensor);
    const df = relativeDiff(yf.toFloat32Array(), npy(`${stem}-mini_fused_output.npy`).data as Float32Array);
    assert.ok(df <= 1e-5, `fused: relative difference ${df}`);
    model.dispose();
  });
}

for (const stem of CHECKPOINTS) {
  test(`${stem}-mini: ONNX at opsets 12 and 17 on onnxruntime equals libtorch (≤ 1e-4) and the reference (≤ 1e-5)`, async () => {
    const { model } = loadModel(fixture(`${stem}-mini.pt`));
    model.fuse().eval();
    const input = npy('input.npy');
    const libtorch = noGrad(() => tidy(() => (model.forward(fromHost(input)) as Tensor).toFloat32Array()));
    const reference = npy(`${stem}-mini_fused_output.npy`).data as Float32Array;
    for (const opset of [12, 17]) {
      const r = exportOnnx(model, { imgsz: input.shape[2]!, batch: input.shape[0]!, opset });
      const file = join(work, `${stem}-${opset}.onnx`);
      writeFileSync(file, r.bytes);
      const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
      const out = await session.run({ images: new ort.Tensor('float32', input.data as Float32Array, input.shape) });
      const y = out.output0!.data as Float32Array;
      const d = relativeDiff(y, libtorch);
      assert.ok(d <= 1e-4, `opset ${opset}: onnxruntime vs libtorch ${d}`);
      const dr = relativeDiff(y, reference);
      assert.ok(dr <= 1e-5, `opset ${opset}: onnxruntime vs the reference ${dr}`);
      await session.release();
    }
    model.dispose();
  });
}

test('dynamic-shape ONNX (batch, height, width symbolic) of the GSConv, CARAFE, BiFPN and SPD models equals libtorch (≤ 1e-5) at another size', async () => {
  for (const stem of ['yolov5s-slimneck', 'yolov5s-carafe', 'yolov5s-bifpn', 'yolov5s-spd']) {
    const { model } = loadModel(fixture(`${stem}-mini.pt`));
    model.fuse().eval();
    manualSeed(3);
    const x = rand([1, 3, 96, 64]);
    const libtorch = noGrad(() => tidy(() => (model.forward(x) as Tensor).toFloat32Array()));
    const file = join(work, `${stem}-dynamic.onnx`);
    writeFileSync(file, exportOnnx(model, { imgsz: 64, batch: 1, opset: 17, dynamic: true }).bytes);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    const out = await session.run({ images: new ort.Tensor('float32', x.toFloat32Array(), [1, 3, 96, 64]) });
    const d = relativeDiff(out.output0!.data as Float32Array, libtorch);
    assert.ok(d <= 1e-5, `${stem}: onnxruntime vs libtorch ${d}`);
    await session.release();
    x.dispose();
    model.dispose();
  }
});

const HYP = { box: 0.05, obj: 1.0, cls: 0.5, cls_pw: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0 };

/**
 * One training-mode forward + backward of the small fixture model. The parameters the reference's forward never
 * reaches (VoVGSCSP.res, GSBottleneck.conv, the Concat_bifpn weights for the other input count) must be exactly those
 * left without a gradient; every other one gets a finite gradient. Returns the model (the caller disposes it).
 */
function trainStep(stem: string): DetectionModel {
  manualSeed(7);
  const { config, file } = loadModelConfig(fixture(`${stem}-mini.yaml`));
  const model = new DetectionModel(config, { yamlFile: file });
  model.train();
  tidy(() => {
    const x = rand([2, 3, 64, 64]);
    // image, class, x, y, w, h (normalised): boxes of several sizes so every level gets targets
    const targets = tensor([
      [0, 0, 0.5, 0.5, 0.6, 0.7],
      [0, 1, 0.3, 0.4, 0.2, 0.25],
      [1, 2, 0.6, 0.3, 0.08, 0.1],
      [1, 0, 0.4, 0.7, 0.35, 0.3],
    ]);
    const { loss } = new ComputeLoss(model, HYP).compute(model.forward(x) as Tensor[], targets);
    loss.backward();
  });
  const without: string[] = [];
  const bad: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    const g = p.grad;
    if (!g) without.push(name);
    else if (!tidy(() => g.isfinite().all().item())) bad.push(name);
  }
  assert.deepEqual(bad, [], 'parameters with a non-finite gradient');
  assert.deepEqual(without, expectedOf(stem).params_without_grad, 'parameters without a gradient (the reference: its unused modules)');
  return model;
}

for (const stem of CHECKPOINTS) {
  test(`${stem}: training-mode forward + backward gives every used parameter a finite gradient, deterministic algorithms too`, () => {
    trainStep(stem).dispose();
    useDeterministicAlgorithms(true);
    try {
      assert.equal(areDeterministicAlgorithmsEnabled(), true);
      trainStep(stem).dispose();
    } finally {
      useDeterministicAlgorithms(false);
    }
  });
}

test("Concat_bifpn's fusion weights train: a gradient reaches the weights each layer uses, and they sit in the optimizer's decayed group", () => {
  const model = trainStep('yolov5s-bifpn');
  const decayed = new Set(parameterGroups(model).weights);
  const used: Record<number, string> = { 12: 'w1_weight', 16: 'w1_weight', 19: 'w2_weight', 22: 'w1_weight' };
  for (const [i, name] of Object.entries(used)) {
    const layer = model.model.layers[Number(i)]!;
    assert.ok(layer instanceof ConcatBifpn);
    const w = layer.getParameter(name)!;
    assert.ok(decayed.has(w), `${i}.${name} is optimised with decay, as smart_optimizer's group 0`);
    const g = w.grad!;
    assert.ok(tidy(() => g.abs().sum().item()) > 0, `${i}.${name} gets a non-zero gradient`);
  }
  model.dispose();
});

test("timm's DropPath: identity in eval; in training each sample is dropped or scaled by 1/(1 − p)", () => {
  const dropPath = new DropPath(0.25);
  const x = ones([64, 2, 3, 3]);
  dropPath.eval();
  assert.equal(dropPath.forward(x), x);
  dropPath.train();
  manualSeed(11);
  const y = dropPath.forward(x);
  const perSample = tidy(() => y.reshape(64, -1));
  const rows = perSample.tolist() as number[][];
  const kept = rows.filter((r) => r.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).length;
  const dropped = rows.filter((r) => r.every((v) => v === 0)).length;
  assert.equal(kept + dropped, 64, 'each sample is all kept or all dropped');
  assert.ok(dropped > 0 && kept > dropped, `${dropped} dropped of 64 at p = 0.25`);
  for (const t of [x, y, perSample]) t.dispose();
});

test("a checkpoint saved with timm's DropPath and bound-method forwards unpickles as inert data", () => {
  assert.equal(isYoloInertClass('timm.layers.drop', 'DropPath'), true);
  assert.equal(isYoloInertClass('timm.models.layers.drop', 'DropPath'), true);
  assert.equal(isYoloInertClass('timm.layers.drop', 'DropBlock2d'), false);
  assert.equal(isYoloInertClass('timm.models', 'create_model'), false);
  const root = loadTorchCheckpoint(fixture('yolov5s-c3faster-mini.pt')) as PyDict;
  const found = { dropPath: 0, boundForward: 0 };
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof PyObject) {
      if (v.fullName === 'timm.layers.drop.DropPath') {
        found.dropPath++;
        assert.equal(v.attr('drop_prob'), 0.1);
      }
      if (v.fullName === 'models.common.Partial_conv3') {
        assert.deepEqual(v.attr('forward'), { attribute: 'models.common.Partial_conv3.forward_split_cat' });
        found.boundForward++;
      }
      walk(v.state);
    } else if (v instanceof PyDict) for (const x of v.map.values()) walk(x);
    else if (Array.isArray(v)) for (const x of v) walk(x);
  };
  walk(root.get('model'));
  assert.ok(found.dropPath > 0 && found.dropPath === found.boundForward, `${found.dropPath} DropPaths, ${found.boundForward} Partial_conv3 forwards`);
});
