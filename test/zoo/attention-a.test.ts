// The zoo's first attention group — SEAttention, CBAM, CA, CoordAtt, ECA (eca_layer), SimAM, GAMAttention,
// NAMAttention — against fixtures made by their reference code on YOLOv5 v7.0 with YOLOAir's parse_model branches
// (test/fixtures/zoo/make_zoo_attention_a.py): each shipped example YAML's summary at nc 80 / 640 (unfused and
// fused), each small checkpoint's keys and eval output (fused too), its ONNX export on onnxruntime at opsets 12 and
// 17 (and --dynamic), each block alone in training mode (output, gradients, BN statistics), and a training step of
// each example with finite gradients for every parameter, also under deterministic algorithms.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { SiLU } from '../../src/nn/activation.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { areDeterministicAlgorithmsEnabled, fromHost, manualSeed, noGrad, rand, tensor, type Tensor, tidy, useDeterministicAlgorithms } from '../../src/tensor/index.ts';
import { ComputeLoss } from '../../src/train/loss.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';
import { EcaLayer } from '../../src/yolo/modules/attention/eca.ts';
import { SimAM } from '../../src/yolo/modules/attention/simam.ts';
import { getModuleSpec } from '../../src/yolo/registry.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/zoo/attention-a/${f}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-zoo-attention-a-'));

const STEMS = ['yolov5s-se', 'yolov5s-cbam', 'yolov5s-ca', 'yolov5s-coordatt', 'yolov5s-eca', 'yolov5s-simam', 'yolov5s-gam', 'yolov5s-nam'];
/** The attention layer of each example and the class (Python name) it must build. */
const ATTENTION: Record<string, [layer: number, typeName: string]> = {
  'yolov5s-se': [24, 'SEAttention'],
  'yolov5s-cbam': [24, 'CBAM'],
  'yolov5s-ca': [24, 'CA'],
  'yolov5s-coordatt': [24, 'CoordAtt'],
  'yolov5s-eca': [24, 'eca_layer'],
  'yolov5s-simam': [24, 'SimAM'],
  'yolov5s-gam': [9, 'GAMAttention'],
  'yolov5s-nam': [24, 'NAMAttention'],
};

type Row = { layers: number; parameters: number; gradients: number; gflops: number; gflops_exact: number };
const summaries = JSON.parse(readFileSync(fixture('summaries.json'), 'utf8')) as Record<string, { unfused: Row; fused: Row }>;

interface Expected {
  strides: number[];
  output_shape: number[];
  module_types: string[];
  state_dict: Record<string, number[]>;
  summary: Record<'unfused' | 'fused', { layers: number; parameters: number; gflops: number }>;
}
const expectedOf = (stem: string) => JSON.parse(readFileSync(fixture(`${stem}_expected.json`), 'utf8')) as Expected;
const npy = (f: string) => readNpyFile(fixture(f));

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

function assertSummary(model: DetectionModel, ref: Row, what: string): void {
  const s = summarize(model, 640);
  assert.deepEqual(
    { layers: s.layers, parameters: s.parameters, gradients: s.gradients, gflops: Number(s.gflops.toFixed(1)) },
    { layers: ref.layers, parameters: ref.parameters, gradients: ref.gradients, gflops: ref.gflops },
    what,
  );
  assert.ok(relClose(s.gflops, ref.gflops_exact, 1e-9), `${what}: GFLOPs ${s.gflops} vs thop's ${ref.gflops_exact}`);
}

for (const stem of STEMS) {
  test(`${stem}.yaml: summary at nc 80 / 640 equals the reference's (layers, parameters, GFLOPs), unfused and fused`, () => {
    const ref = summaries[`${stem}.yaml`]!;
    const { config, file } = loadModelConfig(`${stem}.yaml`);
    assert.match(file, /configs\/models\/attention\//);
    const model = new DetectionModel(config, { yamlFile: file });
    const [layer, typeName] = ATTENTION[stem]!;
    assert.equal(model.model.layers[layer]!.typeName, typeName);
    assertSummary(model, ref.unfused, 'unfused');
    model.fuse();
    assertSummary(model, ref.fused, 'fused');
    model.dispose();
  });
}

test("eca_layer is ECA's alias: the same class, summary and arguments; CoordAtt differs from CA only by its two pooling modules", () => {
  const text = readFileSync(fixture('../../../../configs/models/attention/yolov5s-eca.yaml'), 'utf8');
  const aliased = text.replace('ECA, [1024]', 'eca_layer, [1024]');
  assert.notEqual(aliased, text);
  const aliasFile = join(work, 'yolov5s-eca_layer.yaml');
  writeFileSync(aliasFile, aliased);
  const { config } = loadModelConfig(aliasFile);
  const model = new DetectionModel(config, { yamlFile: aliasFile });
  const eca = model.model.layers[24]!;
  assert.ok(eca instanceof EcaLayer);
  assert.equal(eca.conv.kernelSize, 3);
  assertSummary(model, summaries['yolov5s-eca.yaml']!.unfused, 'eca_layer');
  model.dispose();
  const ca = summaries['yolov5s-ca.yaml']!.unfused;
  const coordAtt = summaries['yolov5s-coordatt.yaml']!.unfused;
  assert.equal(coordAtt.layers, ca.layers + 2);
  assert.equal(coordAtt.parameters, ca.parameters);
  assert.ok(coordAtt.gflops_exact > ca.gflops_exact);
});

test("SimAM under YOLOAir's parse_model: e_lambda is the scaled channel argument (the reference's quirk)", () => {
  const { config, file } = loadModelConfig('yolov5s-simam.yaml');
  const model = new DetectionModel(config, { yamlFile: file });
  const simam = model.model.layers[24]!;
  assert.ok(simam instanceof SimAM);
  assert.equal(simam.eLambda, 512);
  assert.deepEqual(model.layerInfo[24]!.args, [512, 512]);
  model.dispose();
});

for (const stem of STEMS) {
  test(`${stem}.pt: keys, summary and eval output equal the reference's (≤ 1e-5 relative), fused too`, () => {
    const expected = expectedOf(stem);
    const { model } = loadModel(fixture(`${stem}.pt`));
    const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(Object.keys(shapes), Object.keys(expected.state_dict));
    assert.deepEqual(shapes, expected.state_dict);
    assert.deepEqual(model.stride, expected.strides);
    const typeName = ATTENTION[stem]![1];
    assert.ok(expected.module_types.some((t) => t.endsWith(`.${typeName}`)), `the reference built ${typeName}`);
    const s = summarize(model, 64);
    assert.equal(s.layers, expected.summary.unfused.layers);
    assert.equal(s.parameters, expected.summary.unfused.parameters);
    assert.ok(relClose(s.gflops, expected.summary.unfused.gflops, 1e-9), `GFLOPs ${s.gflops} vs ${expected.summary.unfused.gflops}`);

    model.eval();
    const x = fromHost(npy('input.npy'));
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual(y.shape, expected.output_shape);
    const d = relativeDiff(y.toFloat32Array(), npy(`${stem}_output.npy`).data as Float32Array);
    assert.ok(d <= 1e-5, `relative difference ${d}`);
    model.fuse();
    const f = summarize(model, 64);
    assert.equal(f.layers, expected.summary.fused.layers);
    assert.equal(f.parameters, expected.summary.fused.parameters);
    const yf = noGrad(() => model.forward(x) as Tensor);
    const df = relativeDiff(yf.toFloat32Array(), npy(`${stem}_fused_output.npy`).data as Float32Array);
    assert.ok(df <= 1e-5, `fused: relative difference ${df}`);
    model.dispose();
  });
}

for (const stem of STEMS) {
  test(`${stem}: ONNX at opsets 12 and 17 on onnxruntime equals libtorch (≤ 1e-4) and the reference (≤ 1e-5); --dynamic at 96×64 too`, async () => {
    const { model } = loadModel(fixture(`${stem}.pt`));
    model.fuse().eval();
    const input = npy('input.npy');
    const libtorch = noGrad(() => tidy(() => (model.forward(fromHost(input)) as Tensor).toFloat32Array()));
    const reference = npy(`${stem}_fused_output.npy`).data as Float32Array;
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
    // --dynamic: the blocks read h and w from the graph's shapes, so one file serves another (non-square) size.
    const file = join(work, `${stem}-dynamic.onnx`);
    writeFileSync(file, exportOnnx(model, { dynamic: true, opset: 12 }).bytes);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    const other = tidy(() => rand([1, 3, 96, 64]).toHost());
    const want = noGrad(() => tidy(() => (model.forward(fromHost(other)) as Tensor).toFloat32Array()));
    const out = await session.run({ images: new ort.Tensor('float32', other.data as Float32Array, other.shape) });
    const d = relativeDiff(out.output0!.data as Float32Array, want);
    assert.ok(d <= 1e-4, `dynamic 96×64: onnxruntime vs libtorch ${d}`);
    await session.release();
    model.dispose();
  });
}

interface F32 {
  shape: number[];
  b64: string;
}
interface BlockCase {
  yaml_name: string;
  args: unknown[];
  class: string;
  state_dict: Record<string, F32 | number>;
  input: F32;
  r: F32;
  output: F32;
  input_grad: F32;
  param_grads: Record<string, F32>;
  buffers_after: Record<string, F32 | number>;
}
const blockCases = JSON.parse(readFileSync(fixture('blocks_train.json'), 'utf8')) as Record<string, BlockCase>;

function decode(a: F32): Float32Array {
  const bytes = Buffer.from(a.b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  assert.equal(out.length, a.shape.reduce((p, d) => p * d, 1));
  return out;
}
const toTensor = (v: F32 | number) => (typeof v === 'number' ? tensor(v, { dtype: 'int64' }) : tensor(decode(v), { shape: v.shape }));

for (const [name, c] of Object.entries(blockCases)) {
  test(`${name}: training-mode output, input and parameter gradients and BN statistics equal the reference's (≤ 1e-5)`, () => {
    const spec = getModuleSpec(c.yaml_name)!;
    const m = spec.build(c.args, { act: new SiLU() });
    assert.equal(`${spec.pythonType.split('.').slice(0, -1).join('.')}.${m.typeName}`, c.class);
    m.loadStateDict(new Map(Object.entries(c.state_dict).map(([k, v]) => [k, toTensor(v)])));
    m.train();
    tidy(() => {
      const x = toTensor(c.input).requiresGrad_(true);
      const y = m.forward(x) as Tensor;
      y.mul(toTensor(c.r)).sum().backward();
      const close = (got: Tensor, want: F32, what: string) => {
        assert.deepEqual(got.shape, want.shape, what);
        const d = relativeDiff(got.toFloat32Array(), decode(want));
        assert.ok(d <= 1e-5, `${what}: relative difference ${d}`);
      };
      close(y, c.output, 'output');
      close(x.grad!, c.input_grad, 'input gradient');
      const params = new Map(m.namedParameters());
      assert.deepEqual([...params.keys()], Object.keys(c.param_grads));
      for (const [k, g] of Object.entries(c.param_grads)) {
        const got = params.get(k)!.grad!;
        const want = decode(g);
        if (want.some((v) => Math.abs(v) >= 1e-4)) close(got, g, `${k} gradient`);
        else {
          // A conv bias in front of a training-mode BatchNorm: zero in exact arithmetic, float noise on both sides
          // (its size depends on the summation order, e.g. of the Linear layers before it), far below a real gradient.
          assert.ok(got.abs().max().item() < 1e-3, `${k} gradient should be ~0, got ${got.abs().max().item()}`);
        }
      }
      const buffers = new Map(m.namedBuffers());
      assert.deepEqual([...buffers.keys()], Object.keys(c.buffers_after));
      for (const [k, v] of Object.entries(c.buffers_after)) {
        if (typeof v === 'number') assert.equal(buffers.get(k)!.item(), v, k);
        else close(buffers.get(k)!, v, k);
      }
    });
    m.dispose();
  });
}

const HYP = { box: 0.05, obj: 1.0, cls: 0.5, cls_pw: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0 };

/** One training-mode forward + backward on the small fixture model; every parameter must get a finite gradient. */
function trainStep(stem: string): void {
  manualSeed(7);
  const { config, file } = loadModelConfig(fixture(`${stem}.yaml`));
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
  const bad: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    const g = p.grad;
    if (!g || !tidy(() => g.isfinite().all().item())) bad.push(name);
  }
  assert.deepEqual(bad, [], 'parameters without a finite gradient');
  model.dispose();
}

for (const stem of STEMS) {
  test(`${stem}: training-mode forward + backward gives every parameter a finite gradient, deterministic algorithms too`, () => {
    trainStep(stem);
    useDeterministicAlgorithms(true);
    try {
      assert.equal(areDeterministicAlgorithmsEnabled(), true);
      trainStep(stem);
    } finally {
      useDeterministicAlgorithms(false);
    }
  });
}
