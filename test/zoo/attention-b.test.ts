// The zoo's second attention group — SKAttention, ShuffleAttention, EMA (efficient multi-scale attention),
// TripletAttention, BoT3 — against fixtures made by their reference code (YOLOAir's, or the authors' where YOLOAir
// has none) on YOLOv5 v7.0 with YOLOAir's parse_model branches (test/fixtures/zoo/make_zoo_attention_b.py): each
// shipped example YAML's summary at nc 80 / 640 (unfused and fused), each small checkpoint's keys and eval output
// (fused too) on a 64×96 input, its ONNX export on onnxruntime at opsets 12 and 17 (and dynamic), each block alone in
// training mode (output, gradients, BN statistics), a training step of each example with the reference's gradients
// (deterministic algorithms too), and MHSA's relative-position branch that BoT3 never builds.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';
import { SiLU } from '../../src/nn/activation.ts';
import type { Module } from '../../src/nn/module.ts';
import { fromHost, manualSeed, noGrad, rand, tidy } from '../../src/tensor/index.ts';
import { chAt } from '../../src/yolo/block.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { BoT3, MHSA } from '../../src/yolo/modules/attention/bottleneck-transformer.ts';
import { EfficientMultiScaleAttention } from '../../src/yolo/modules/attention/ema-attention.ts';
import { TripletAttention } from '../../src/yolo/modules/attention/triplet-attention.ts';
import { getModuleSpec, registerModule } from '../../src/yolo/registry.ts';
import {
  alsoDeterministic,
  assertBlockTrainCase,
  assertCheckpointLayout,
  assertCheckpointOutputs,
  assertExampleSummary,
  assertOnnxParity,
  assertRelClose,
  assertSummary,
  type BlockTrainCase,
  type CheckpointExpected,
  type ExampleSummaries,
  trainStep,
  workDir,
  zooFixtures,
} from './zoo-fixture.ts';

const fx = zooFixtures('attention-b');
const work = workDir('attention-b');

const STEMS = ['yolov5s-sk', 'yolov5s-sa', 'yolov5s-ema', 'yolov5s-triplet', 'yolov5s-bot'];
/** The block's layer in each example and the class (Python name) it must build. */
const BLOCK: Record<string, [layer: number, typeName: string]> = {
  'yolov5s-sk': [24, 'SKAttention'],
  'yolov5s-sa': [24, 'ShuffleAttention'],
  'yolov5s-ema': [24, 'EMA'],
  'yolov5s-triplet': [24, 'TripletAttention'],
  'yolov5s-bot': [9, 'BoT3'],
};

const summaries = fx.json<ExampleSummaries>('summaries.json');

interface Expected extends CheckpointExpected {
  block_module_types: string[];
  train_without_grad: string[];
}
const expectedOf = (stem: string) => fx.json<Expected>(`${stem}_expected.json`);

/** The type names of the block layer's module tree (the reference's class names, module paths stripped). */
const typeNamesUnder = (m: Module) => new Set([...m.modules()].map((x) => x.typeName));

for (const stem of STEMS) {
  test(`${stem}.yaml: summary at nc 80 / 640 equals the reference's (layers, parameters, GFLOPs), unfused and fused`, () => {
    const [layer, typeName] = BLOCK[stem]!;
    assertExampleSummary(`${stem}.yaml`, 'attention', summaries[`${stem}.yaml`]!, (model) => assert.equal(model.model.layers[layer]!.typeName, typeName));
  });
}

test("TripletAttention: YOLOAir's own row [2] is no_spatial=2 — truthy, so the H-W gate is gone — with the reference's summary", () => {
  const ref = summaries['yoloair:yolov5s_TripletAttention.yaml']!;
  const { config, file } = loadModelConfig(fx.path('yolov5s-triplet-yoloair.yaml'));
  const model = new DetectionModel(config, { yamlFile: file });
  const block = model.model.layers[24]!;
  assert.ok(block instanceof TripletAttention);
  assert.equal(block.hw, null);
  assert.deepEqual(model.layerInfo[24]!.args, [2]);
  assertSummary(model, 640, ref.unfused, 'unfused');
  model.fuse();
  assertSummary(model, 640, ref.fused, 'fused');
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
    const { model } = loadModel(fx.path(`${stem}.pt`));
    assertCheckpointLayout(model, expected);
    const names = typeNamesUnder(model.model.layers[BLOCK[stem]![0]]!);
    for (const t of expected.block_module_types) assert.ok(names.has(t.split('.').pop()!), `${t} built`);
    const x = fromHost(fx.npy('input.npy'));
    assert.deepEqual(x.shape, [2, 3, 64, 96]);
    assertCheckpointOutputs(model, x, {
      img: 64,
      summary: expected.summary,
      output: fx.npy(`${stem}_output.npy`),
      fusedOutput: fx.npy(`${stem}_fused_output.npy`),
      outputShape: expected.output_shape,
    });
    model.dispose();
  });
}

/** A second input size for the dynamic exports: batch 1, 96×64 (H and W swapped, more rows than columns). */
function otherSize() {
  manualSeed(11);
  return rand([1, 3, 96, 64]);
}

const RUNS = [[12, false], [17, false], [17, true]] as const;

for (const stem of STEMS) {
  test(`${stem}: ONNX at opsets 12 and 17 (and dynamic at 17, at a second size too) on onnxruntime equals libtorch (≤ 1e-4) and the reference (≤ 1e-5)`, async () => {
    const { model } = loadModel(fx.path(`${stem}.pt`));
    model.fuse().eval();
    const reference = fx.npy(`${stem}_fused_output.npy`).data as Float32Array;
    await assertOnnxParity(model, { input: fx.npy('input.npy'), reference, runs: RUNS, other: otherSize(), dir: work, name: stem });
    model.dispose();
  });
}

const blockCases = fx.json<Record<string, BlockTrainCase>>('blocks_train.json');

/** The block by its YAML spec (MHSA, not a YAML block, by its class): constructor args as parse_model passes them. */
function buildBlock(c: BlockTrainCase): { m: Module; pythonModule: string } {
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
    // Some gradients are zero in exact arithmetic (a conv bias before a training-mode BatchNorm, MHSA's key bias
    // under the softmax, a per-channel shift a later BatchNorm removes): both sides are rounding noise there, so
    // every parameter gradient is held to 1e-5 of the largest parameter gradient of the block.
    assertBlockTrainCase(m, pythonModule, c, 'block-range');
    m.dispose();
  });
}

for (const stem of STEMS) {
  test(`${stem}: training-mode forward + backward gives every used parameter a finite gradient, deterministic algorithms too`, () => {
    // the parameters without a gradient are the reference's (BoT3's unused fc1), every other gradient is finite
    alsoDeterministic(() => {
      const { model, withoutGrad, nonFinite } = trainStep(fx.path(`${stem}.yaml`), [64, 96]);
      assert.deepEqual(withoutGrad, expectedOf(stem).train_without_grad, 'parameters without a gradient');
      assert.deepEqual(nonFinite, [], 'parameters with a non-finite gradient');
      model.dispose();
    });
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
  const e = fx.json<MhsaExpected>('mhsa-pos_expected.json');
  const ckpt = readYoloCheckpoint(fx.path('mhsa-pos.pt'));
  const m = new MHSA(e.n_dims, e.width, e.height, e.heads, true);
  assert.deepEqual([...m.stateDict().keys()], Object.keys(e.state_dict));
  m.loadStateDict(new Map([...ckpt.stateDict].map(([k, v]) => [k, fromHost(v)])));
  m.eval();
  for (const size of Object.keys(e.sizes)) {
    const y = noGrad(() => m.forward(fromHost(fx.npy(`mhsa-pos_input_${size}.npy`))));
    assert.deepEqual(y.shape, e.sizes[size]);
    assertRelClose(y.toFloat32Array(), fx.npy(`mhsa-pos_output_${size}.npy`).data as Float32Array, 1e-5, size);
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
  await assertOnnxParity(model, { input: x.toHost(), runs: RUNS, other: otherSize(), dir: work, name: 'mhsa-pos' });
  model.dispose();
});
