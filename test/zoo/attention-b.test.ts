// The zoo's second attention group — SKAttention, ShuffleAttention, EMA (efficient multi-scale attention),
// TripletAttention, BoT3 — against fixtures made by their reference code (YOLOAir's, or the authors' where YOLOAir
// has none) on YOLOv5 v7.0 with YOLOAir's parse_model branches (test/fixtures/zoo/make_zoo_attention_b.py): each
// shipped example YAML's summary at nc 80 / 640 (unfused and fused), each small checkpoint's keys and eval output
// (fused too) on a 64×96 input, its ONNX export on onnxruntime at opsets 12 and 17 (and dynamic), each block alone in
// training mode (output, gradients, BN statistics), a training step of each example with the reference's gradients
// (deterministic algorithms too), and MHSA's relative-position branch that BoT3 never builds.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';
import { SiLU } from '../../src/nn/activation.ts';
import type { Module } from '../../src/nn/module.ts';
import { areDeterministicAlgorithmsEnabled, fromHost, manualSeed, noGrad, rand, tensor, type Tensor, tidy, useDeterministicAlgorithms } from '../../src/tensor/index.ts';
import { ComputeLoss } from '../../src/train/loss.ts';
import { chAt } from '../../src/yolo/block.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';
import { BoT3, MHSA } from '../../src/yolo/modules/attention/bottleneck-transformer.ts';
import { EfficientMultiScaleAttention } from '../../src/yolo/modules/attention/ema-attention.ts';
import { TripletAttention } from '../../src/yolo/modules/attention/triplet-attention.ts';
import { getModuleSpec, registerModule } from '../../src/yolo/registry.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/zoo/attention-b/${f}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-zoo-attention-b-'));

const STEMS = ['yolov5s-sk', 'yolov5s-sa', 'yolov5s-ema', 'yolov5s-triplet', 'yolov5s-bot'];
/** The block's layer in each example and the class (Python name) it must build. */
const BLOCK: Record<string, [layer: number, typeName: string]> = {
  'yolov5s-sk': [24, 'SKAttention'],
  'yolov5s-sa': [24, 'ShuffleAttention'],
  'yolov5s-ema': [24, 'EMA'],
  'yolov5s-triplet': [24, 'TripletAttention'],
  'yolov5s-bot': [9, 'BoT3'],
};

type Row = { layers: number; parameters: number; gradients: number; gflops: number; gflops_exact: number };
const summaries = JSON.parse(readFileSync(fixture('summaries.json'), 'utf8')) as Record<string, { unfused: Row; fused: Row }>;

interface Expected {
  strides: number[];
  output_shape: number[];
  block_module_types: string[];
  state_dict: Record<string, number[]>;
  summary: Record<'unfused' | 'fused', { layers: number; parameters: number; gflops: number }>;
  train_without_grad: string[];
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
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function assertSummary(model: DetectionModel, ref: Row, what: string): void {
  const s = summarize(model, 640);
  assert.deepEqual(
    { layers: s.layers, parameters: s.parameters, gradients: s.gradients, gflops: Number(s.gflops.toFixed(1)) },
    { layers: ref.layers, parameters: ref.parameters, gradients: ref.gradients, gflops: ref.gflops },
    what,
  );
  assert.ok(relClose(s.gflops, ref.gflops_exact, 1e-9), `${what}: GFLOPs ${s.gflops} vs thop's ${ref.gflops_exact}`);
}

/** The type names of the block layer's module tree (the reference's class names, module paths stripped). */
const typeNamesUnder = (m: Module) => new Set([...m.modules()].map((x) => x.typeName));

for (const stem of STEMS) {
  test(`${stem}.yaml: summary at nc 80 / 640 equals the reference's (layers, parameters, GFLOPs), unfused and fused`, () => {
    const ref = summaries[`${stem}.yaml`]!;
    const { config, file } = loadModelConfig(`${stem}.yaml`);
    assert.match(file, /configs\/models\/attention\//);
    const model = new DetectionModel(config, { yamlFile: file });
    const [layer, typeName] = BLOCK[stem]!;
    assert.equal(model.model.layers[layer]!.typeName, typeName);
    assertSummary(model, ref.unfused, 'unfused');
    model.fuse();
    assertSummary(model, ref.fused, 'fused');
    model.dispose();
  });
}

test("TripletAttention: YOLOAir's own row [2] is no_spatial=2 — truthy, so the H-W gate is gone — with the reference's summary", () => {
  const ref = summaries['yoloair:yolov5s_TripletAttention.yaml']!;
  const { config, file } = loadModelConfig(fixture('yolov5s-triplet-yoloair.yaml'));
  const model = new DetectionModel(config, { yamlFile: file });
  const block = model.model.layers[24]!;
  assert.ok(block instanceof TripletAttention);
  assert.equal(block.hw, null);
  assert.deepEqual(model.layerInfo[24]!.args, [2]);
  assertSummary(model, ref.unfused, 'unfused');
  model.fuse();
  assertSummary(model, ref.fused, 'fused');
  model.dispose();
  const full = summaries['yolov5s-triplet.yaml']!.unfused;
  assert.equal(full.layers - ref.unfused.layers, 5); // AttentionGate, ZPool, BasicConv, Conv2d, BatchNorm2d
});

test('channel rules as YOLOAir registers each block: [c1, *args[1:]], [c1, c2, *args[1:]], repeats inside, args as written', () => {
  const rows = (stem: string) => {
    const { config, file } = loadModelConfig(`${stem}.yaml`);
    const model = new DetectionModel(config, { yamlFile: file });
    const info = model.layerInfo[BLOCK[stem]![0]]!;
    const block = model.model.layers[BLOCK[stem]![0]]!;
    const out = { args: info.args, c2: info.c2, n: info.n, block };
    return { out, dispose: () => model.dispose() };
  };
  const sk = rows('yolov5s-sk');
  assert.deepEqual([sk.out.args, sk.out.c2], [[512], 512]);
  sk.dispose();
  const ema = rows('yolov5s-ema');
  assert.deepEqual([ema.out.args, ema.out.c2], [[512, 512], 512]);
  assert.ok(ema.out.block instanceof EfficientMultiScaleAttention);
  assert.equal(ema.out.block.groups, 32);
  ema.dispose();
  const bot = rows('yolov5s-bot');
  assert.deepEqual([bot.out.args, bot.out.c2, bot.out.n], [[512, 512, 1], 512, 1]);
  assert.ok(bot.out.block instanceof BoT3);
  bot.dispose();
  // The YAML name EMA is the attention block; the trainer's weight average is not a YAML block.
  assert.equal(getModuleSpec('EMA')!.pythonType, 'models.Models.Attention.EMA.EMA');
});

for (const stem of STEMS) {
  test(`${stem}.pt: keys, module classes, summary and eval output equal the reference's (≤ 1e-5 relative), fused too`, () => {
    const expected = expectedOf(stem);
    const { model } = loadModel(fixture(`${stem}.pt`));
    const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(Object.keys(shapes), Object.keys(expected.state_dict));
    assert.deepEqual(shapes, expected.state_dict);
    assert.deepEqual(model.stride, expected.strides);
    const names = typeNamesUnder(model.model.layers[BLOCK[stem]![0]]!);
    for (const t of expected.block_module_types) assert.ok(names.has(t.split('.').pop()!), `${t} built`);
    const s = summarize(model, 64);
    assert.equal(s.layers, expected.summary.unfused.layers);
    assert.equal(s.parameters, expected.summary.unfused.parameters);
    assert.ok(relClose(s.gflops, expected.summary.unfused.gflops, 1e-9), `GFLOPs ${s.gflops} vs ${expected.summary.unfused.gflops}`);

    model.eval();
    const x = fromHost(npy('input.npy'));
    assert.deepEqual(x.shape, [2, 3, 64, 96]);
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual(y.shape, expected.output_shape);
    const d = relativeDiff(y.toFloat32Array(), npy(`${stem}_output.npy`).data as Float32Array);
    assert.ok(d <= 1e-5, `relative difference ${d}`);
    model.fuse();
    const f = summarize(model, 64);
    assert.equal(f.layers, expected.summary.fused.layers);
    assert.equal(f.parameters, expected.summary.fused.parameters);
    assert.ok(relClose(f.gflops, expected.summary.fused.gflops, 1e-9), `fused GFLOPs ${f.gflops} vs ${expected.summary.fused.gflops}`);
    const yf = noGrad(() => model.forward(x) as Tensor);
    const df = relativeDiff(yf.toFloat32Array(), npy(`${stem}_fused_output.npy`).data as Float32Array);
    assert.ok(df <= 1e-5, `fused: relative difference ${df}`);
    model.dispose();
  });
}

type HostInput = { data: unknown; shape: number[] };

/** Exports at `input`'s size and runs each of `inputs` (default: `input`) on onnxruntime. */
async function runOnnx(model: DetectionModel, input: HostInput, opts: { opset: number; dynamic?: boolean }, name: string, inputs: HostInput[] = [input]): Promise<Float32Array[]> {
  const [batch, , h, w] = input.shape as [number, number, number, number];
  const r = exportOnnx(model, { imgsz: [h, w], batch, ...opts });
  const file = join(work, `${name}.onnx`);
  writeFileSync(file, r.bytes);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const ys: Float32Array[] = [];
  for (const x of inputs) {
    const out = await session.run({ images: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    ys.push(out.output0!.data as Float32Array);
  }
  await session.release();
  return ys;
}

/** A second input size for the dynamic exports: batch 1, 96×64 (H and W swapped, more rows than columns). */
function otherSize(): { input: HostInput; tensor: Tensor } {
  manualSeed(11);
  const x = rand([1, 3, 96, 64]);
  return { input: { data: x.toFloat32Array(), shape: x.shape }, tensor: x };
}

for (const stem of STEMS) {
  test(`${stem}: ONNX at opsets 12 and 17 (and dynamic at 17, at a second size too) on onnxruntime equals libtorch (≤ 1e-4) and the reference (≤ 1e-5)`, async () => {
    const { model } = loadModel(fixture(`${stem}.pt`));
    model.fuse().eval();
    const input = npy('input.npy');
    const libtorch = noGrad(() => tidy(() => (model.forward(fromHost(input)) as Tensor).toFloat32Array()));
    const reference = npy(`${stem}_fused_output.npy`).data as Float32Array;
    const other = otherSize();
    const libtorchOther = noGrad(() => tidy(() => (model.forward(other.tensor) as Tensor).toFloat32Array()));
    for (const [opset, dynamic] of [[12, false], [17, false], [17, true]] as const) {
      const what = `opset ${opset}${dynamic ? ' dynamic' : ''}`;
      const [y, yOther] = await runOnnx(model, input, { opset, dynamic }, `${stem}-${opset}${dynamic ? '-dynamic' : ''}`, dynamic ? [input, other.input] : [input]);
      const d = relativeDiff(y!, libtorch);
      assert.ok(d <= 1e-4, `${what}: onnxruntime vs libtorch ${d}`);
      const dr = relativeDiff(y!, reference);
      assert.ok(dr <= 1e-5, `${what}: onnxruntime vs the reference ${dr}`);
      if (dynamic) {
        const d2 = relativeDiff(yOther!, libtorchOther);
        assert.ok(d2 <= 1e-4, `${what}, 1×3×96×64 input: onnxruntime vs libtorch ${d2}`);
      }
    }
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
  param_grads: Record<string, F32 | null>;
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

/** The block by its YAML spec (MHSA, not a YAML block, by its class): constructor args as parse_model passes them. */
function buildBlock(c: BlockCase): { m: Module; pythonModule: string } {
  if (c.yaml_name === 'MHSA') {
    const [n, w, h, heads, pos] = c.args as [number, number, number, number, boolean];
    return { m: new MHSA(n, w, h, heads, pos), pythonModule: 'models.Models.research' };
  }
  const spec = getModuleSpec(c.yaml_name)!;
  return { m: spec.build(c.args, { act: new SiLU() }), pythonModule: spec.pythonType.split('.').slice(0, -1).join('.') };
}

for (const [name, c] of Object.entries(blockCases)) {
  test(`${name}: training-mode output, input and parameter gradients and BN statistics equal the reference's (≤ 1e-5)`, () => {
    const { m, pythonModule } = buildBlock(c);
    assert.equal(`${pythonModule}.${m.typeName}`, c.class);
    m.loadStateDict(new Map(Object.entries(c.state_dict).map(([k, v]) => [k, toTensor(v)])));
    assert.deepEqual([...m.stateDict().keys()], Object.keys(c.state_dict));
    m.train();
    tidy(() => {
      const x = toTensor(c.input).requiresGrad_(true);
      const y = m.forward(x) as Tensor;
      y.mul(toTensor(c.r)).sum().backward();
      /** max |got − want| ≤ 1e-5 · max(max |want|, floor) */
      const close = (got: Tensor, want: F32, what: string, floor = 0) => {
        assert.deepEqual(got.shape, want.shape, what);
        const b = decode(want);
        const d = relativeDiff(got.toFloat32Array(), b) * maxAbs(b);
        const scale = Math.max(maxAbs(b), floor);
        assert.ok(d <= 1e-5 * scale, `${what}: max difference ${d}, scale ${scale}`);
      };
      close(y, c.output, 'output');
      close(x.grad!, c.input_grad, 'input gradient');
      const params = new Map(m.namedParameters());
      assert.deepEqual([...params.keys()], Object.keys(c.param_grads));
      // Some gradients are zero in exact arithmetic (a conv bias before a training-mode BatchNorm, MHSA's key bias
      // under the softmax, a per-channel shift a later BatchNorm removes): both sides are rounding noise there, so
      // every parameter gradient is held to 1e-5 of the largest parameter gradient of the block.
      const floor = Math.max(...Object.values(c.param_grads).map((g) => (g ? maxAbs(decode(g)) : 0)));
      for (const [k, g] of Object.entries(c.param_grads)) {
        if (g === null) assert.equal(params.get(k)!.grad, null, `${k}: no gradient, as in the reference`);
        else close(params.get(k)!.grad!, g, `${k} gradient`, floor);
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

/** One training-mode forward + backward on the small fixture model: the parameters without a gradient are the
 * reference's (BoT3's unused fc1), every other gradient is finite. */
function trainStep(stem: string): void {
  manualSeed(7);
  const { config, file } = loadModelConfig(fixture(`${stem}.yaml`));
  const model = new DetectionModel(config, { yamlFile: file });
  model.train();
  tidy(() => {
    const x = rand([2, 3, 64, 96]);
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
  const missing: string[] = [];
  const bad: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    const g = p.grad;
    if (!g) missing.push(name);
    else if (!tidy(() => g.isfinite().all().item())) bad.push(name);
  }
  assert.deepEqual(missing, expectedOf(stem).train_without_grad, 'parameters without a gradient');
  assert.deepEqual(bad, [], 'parameters with a non-finite gradient');
  model.dispose();
}

for (const stem of STEMS) {
  test(`${stem}: training-mode forward + backward gives every used parameter a finite gradient, deterministic algorithms too`, () => {
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

interface MhsaExpected {
  n_dims: number;
  width: number;
  height: number;
  heads: number;
  sizes: Record<string, number[]>;
  refused: [number, number][];
  state_dict: Record<string, number[]>;
}

test("MHSA with position embeddings (the branch BoT3 never builds): the reference's outputs, its truncation to h·w rows, and its size limit", () => {
  const e = JSON.parse(readFileSync(fixture('mhsa-pos_expected.json'), 'utf8')) as MhsaExpected;
  const ckpt = readYoloCheckpoint(fixture('mhsa-pos.pt'));
  const m = new MHSA(e.n_dims, e.width, e.height, e.heads, true);
  assert.deepEqual([...m.stateDict().keys()], Object.keys(e.state_dict));
  m.loadStateDict(new Map([...ckpt.stateDict].map(([k, v]) => [k, fromHost(v)])));
  m.eval();
  for (const size of Object.keys(e.sizes)) {
    const y = noGrad(() => m.forward(fromHost(npy(`mhsa-pos_input_${size}.npy`))));
    assert.deepEqual(y.shape, e.sizes[size]);
    const d = relativeDiff(y.toFloat32Array(), npy(`mhsa-pos_output_${size}.npy`).data as Float32Array);
    assert.ok(d <= 1e-5, `${size}: relative difference ${d}`);
  }
  for (const [h, w] of e.refused) {
    assert.throws(() => noGrad(() => tidy(() => m.forward(rand([1, e.n_dims, h, w])))), /more than the 4×4 = 16 its position embeddings were built for/);
  }
  m.dispose();
});

test('MHSA with position embeddings: ONNX at opsets 12 and 17 (and dynamic, at a second size) equals libtorch (≤ 1e-4)', async () => {
  // A test-only YAML block (MHSA(c1, 16, 16, 4, pos_emb=True)) after a stride-32 Conv: a 64×96 input gives 2×3 of its
  // 256 embedded positions, the stride probe (256×256) 8×8.
  registerModule({
    name: 'MHSAPosProbe',
    pythonType: 'test.MHSAPosProbe',
    argCount: [0, 0],
    channels: (_args, ctx) => ({ args: [chAt(ctx.ch, ctx.from as number)], c2: chAt(ctx.ch, ctx.from as number) }),
    build: (a) => new MHSA(a[0] as number, 16, 16, 4, true),
  });
  const yaml = [
    'nc: 2',
    'depth_multiple: 1.0',
    'width_multiple: 1.0',
    'anchors: [[10,13, 16,30, 33,23]]',
    'backbone: [[-1, 1, Conv, [16, 32, 32, 0]], [-1, 1, MHSAPosProbe, []]]',
    'head: [[[1], 1, Detect, [nc, anchors]]]',
  ].join('\n');
  const file = join(work, 'mhsa-pos-probe.yaml');
  writeFileSync(file, `${yaml}\n`);
  manualSeed(3);
  const { config } = loadModelConfig(file);
  const model = new DetectionModel(config, { yamlFile: file });
  model.fuse().eval();
  const x = rand([2, 3, 64, 96]);
  const input = { data: x.toFloat32Array(), shape: x.shape };
  const libtorch = noGrad(() => tidy(() => (model.forward(x) as Tensor).toFloat32Array()));
  const other = otherSize();
  const libtorchOther = noGrad(() => tidy(() => (model.forward(other.tensor) as Tensor).toFloat32Array()));
  for (const [opset, dynamic] of [[12, false], [17, false], [17, true]] as const) {
    const [y, yOther] = await runOnnx(model, input, { opset, dynamic }, `mhsa-pos-${opset}${dynamic ? '-dynamic' : ''}`, dynamic ? [input, other.input] : [input]);
    const d = relativeDiff(y!, libtorch);
    assert.ok(d <= 1e-4, `opset ${opset}${dynamic ? ' dynamic' : ''}: onnxruntime vs libtorch ${d}`);
    if (dynamic) {
      const d2 = relativeDiff(yOther!, libtorchOther);
      assert.ok(d2 <= 1e-4, `opset 17 dynamic, 1×3×96×64 input (3×2 positions): onnxruntime vs libtorch ${d2}`);
    }
  }
  model.dispose();
});
