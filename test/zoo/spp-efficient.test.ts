// The SPP variants (SimSPPF, SPPFCSPC, ASPP, BasicRFB/RFB) and YOLOv5-Lite's EfficientNet-Lite (stem, MBConvBlock)
// against their reference code (test/fixtures/zoo/spp-efficient/, made by make_zoo_spp_efficient.py from YOLOAir's
// blocks on YOLOv5 v7.0 and from YOLOv5-Lite's own code): example summaries, checkpoints (eval and fused outputs),
// ONNX at opsets 12 and 17, training gradients (deterministic too), drop_connect, and the reference's failures.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';
import type { Sequential } from '../../src/nn/containers.ts';
import { areDeterministicAlgorithmsEnabled, fromHost, manualSeed, noGrad, tidy, type Tensor, useDeterministicAlgorithms } from '../../src/tensor/index.ts';
import { MBConvBlock } from '../../src/yolo/modules/backbone/efficientnet-lite.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig, type ModelConfig } from '../../src/yolo/model-config.ts';
import { getModuleSpec } from '../../src/yolo/registry.ts';
import {
  assertCheckpointLayout,
  assertCheckpointOutputs,
  assertExampleSummary,
  assertRelClose,
  assertSummary,
  type ExampleSummaries,
  libtorchOutput,
  type ParitySummaryRow,
  relativeDiff,
  runOnnx,
  sizeOf,
  workDir,
  zooFixtures,
} from './zoo-fixture.ts';

const fx = zooFixtures('spp-efficient');
const readJson = fx.json;
const work = workDir('spp');

const reference = readJson<ExampleSummaries>('summaries.json');

const EXAMPLES = ['yolov5s-simsppf.yaml', 'yolov5s-sppfcspc.yaml', 'yolov5s-aspp.yaml', 'yolov5s-rfb.yaml', 'yolov5-efficient-lite0.yaml'];
const CHECKPOINTS = ['yolov5s-simsppf', 'yolov5s-sppfcspc', 'yolov5s-aspp', 'yolov5s-rfb', 'zoo-spp-mix', 'yolov5-efficient-lite0-mini'];

test('every example YAML has a reference summary, and the blocks are registered with their reference names', () => {
  assert.deepEqual(Object.keys(reference).sort(), [...EXAMPLES].sort());
  const types = Object.fromEntries(['SimSPPF', 'SPPFCSPC', 'ASPP', 'BasicRFB', 'RFB', 'stem', 'MBConvBlock'].map((n) => [n, getModuleSpec(n)?.pythonType]));
  assert.deepEqual(types, {
    SimSPPF: 'models.Models.yolov4.SimSPPF',
    SPPFCSPC: 'models.common.SPPFCSPC',
    ASPP: 'models.common.ASPP',
    BasicRFB: 'models.common.BasicRFB',
    RFB: 'models.common.BasicRFB',
    stem: 'models.common.stem',
    MBConvBlock: 'models.common.MBConvBlock',
  });
  assert.equal(getModuleSpec('stem')?.origin, 'YOLOv5-Lite');
  assert.equal(getModuleSpec('Stem'), undefined, "YOLOv5-Lite's lower-case stem is not YOLOAir's Stem");
});

for (const name of EXAMPLES) {
  test(`${name}: summary equals the reference's at 640, unfused and after its fuse()`, () => {
    assertExampleSummary(name, null, reference[name]!);
  });
}

test('RFB is an alias of BasicRFB: yolov5s-rfb.yaml written with RFB builds the same model', () => {
  const { config, file } = loadModelConfig('yolov5s-rfb.yaml');
  const rows = config.backbone.map((r) => (r[2] === 'BasicRFB' ? ([r[0], r[1], 'RFB', r[3]] as typeof r) : r));
  assert.ok(rows.some((r) => r[2] === 'RFB'));
  const model = new DetectionModel({ ...config, backbone: rows }, { yamlFile: file });
  assertSummary(model, 640, reference['yolov5s-rfb.yaml']!.unfused, 'RFB');
  assert.equal(model.model.layers[9]!.typeName, 'BasicRFB');
  model.dispose();
});

interface Expected {
  state_dict: Record<string, number[]>;
  strides: number[];
  names: string[] | Record<string, string>;
  summary: { unfused: ParitySummaryRow; fused: ParitySummaryRow };
}

for (const stem of CHECKPOINTS) {
  test(`${stem}.pt (saved by the reference): keys, summary, eval output ≤ 1e-5 of the reference's, fused too`, () => {
    const expected = readJson<Expected>(`${stem}_expected.json`);
    const { model } = loadModel(fx.path(`${stem}.pt`));
    // A v5.0-based (YOLOv5-Lite) checkpoint also holds Detect's anchor_grid buffer, which v7.0's model does not keep.
    const want = Object.fromEntries(Object.entries(expected.state_dict).filter(([k]) => !k.endsWith('.anchor_grid')));
    assertCheckpointLayout(model, { state_dict: want, strides: expected.strides });
    assert.deepEqual(readYoloCheckpoint(fx.path(`${stem}.pt`)).stateDict.size, Object.keys(expected.state_dict).length);
    const x = fromHost(fx.npy('input.npy'));
    assertCheckpointOutputs(model, x, {
      img: x.shape[3]!,
      summary: expected.summary,
      output: fx.npy(`${stem}_output.npy`),
      fusedOutput: fx.npy(`${stem}_fused_output.npy`),
    });
    model.dispose();
  });
}

for (const stem of CHECKPOINTS) {
  test(`${stem}: ONNX at opsets 12 and 17 on onnxruntime-node equals libtorch (≤ 1e-4), unfused and fused`, async () => {
    const { model } = loadModel(fx.path(`${stem}.pt`));
    model.eval();
    const x = fx.npy('input.npy');
    for (const fused of [false, true]) {
      if (fused) model.fuse();
      const want = libtorchOutput(model, x);
      for (const opset of [12, 17]) {
        const [y] = await runOnnx(model, { ...sizeOf(x), opset }, [x], join(work, `${stem}-${fused ? 'fused' : 'unfused'}-${opset}.onnx`));
        assertRelClose(y!, want, 1e-4, `opset ${opset}${fused ? ' fused' : ''}`);
      }
    }
    model.dispose();
  });
}

/** Training-mode forward + backward of a config at 64 px; every parameter's gradient, as host arrays. */
function trainStep(config: ModelConfig, file: string): Map<string, Float32Array> {
  manualSeed(7);
  const model = new DetectionModel(config, { yamlFile: file });
  model.train();
  const x = tidy(() => fromHost({ dtype: 'float32', shape: [2, 3, 64, 64], data: new Float32Array(2 * 3 * 64 * 64).map((_, i) => ((i * 7919) % 997) / 997) }));
  tidy(() => {
    const maps = model.forward(x) as Tensor[];
    // A loss that reads every output (raw maps, as the YOLO loss does): Σ mean(p²).
    maps.map((p) => p.pow(2).mean()).reduce((a, b) => a.add(b)).backward();
  });
  x.dispose();
  const grads = new Map<string, Float32Array>();
  for (const [name, p] of model.namedParameters()) {
    const g = p.grad;
    assert.ok(g, `${name} has no gradient`);
    grads.set(name, g.toFloat32Array());
    g.dispose();
  }
  model.dispose();
  return grads;
}

for (const name of EXAMPLES) {
  test(`${name}: training forward + backward gives finite gradients for every parameter, deterministic mode too`, () => {
    const { config, file } = loadModelConfig(name);
    const cfg = { ...config, nc: 3 };
    const free = trainStep(cfg, file);
    for (const [k, g] of free) assert.ok(g.every(Number.isFinite), `${k}: non-finite gradient`);
    const was = areDeterministicAlgorithmsEnabled();
    useDeterministicAlgorithms(true);
    try {
      const a = trainStep(cfg, file);
      const b = trainStep(cfg, file);
      for (const [k, g] of a) {
        assert.ok(g.every(Number.isFinite), `${k}: non-finite gradient (deterministic)`);
        assert.deepEqual(b.get(k), g, `${k}: deterministic runs differ`);
      }
      // The block itself must have learnt something: its layer's gradients are not all zero.
      const block = name.startsWith('yolov5s-') ? 'model.9.' : 'model.3.';
      assert.ok([...a].some(([k, g]) => k.startsWith(block) && g.some((v) => v !== 0)), `${block}* gradients are all zero`);
    } finally {
      useDeterministicAlgorithms(was);
    }
  });
}

test("MBConvBlock's drop_connect: with a rate in training mode equals YOLOv5-Lite's draw after the same seed; identity in eval", () => {
  const ref = readJson<{ layer: string; rate: number; seed: number; kept: number[] }>('dropconnect.json');
  assert.ok(ref.kept.includes(0) && ref.kept.includes(1), 'the fixture both keeps and drops samples');
  const { model } = loadModel(fx.path('yolov5-efficient-lite0-mini.pt'));
  const [, layer, item] = ref.layer.split('.').map(Number);
  const block = (model.model.layers[layer!] as Sequential).layers[item!]!;
  assert.ok(block instanceof MBConvBlock && block.residual);
  const x = fromHost(fx.npy('dropconnect_input.npy'));
  model.train();
  manualSeed(ref.seed);
  const y = noGrad(() => block.forward(x, ref.rate));
  const want = fromHost(fx.npy('dropconnect_train_output.npy'));
  assert.ok(relativeDiff(y, want) <= 1e-5, `training output: relative difference ${relativeDiff(y, want)}`);
  // A dropped sample's branch is zero: the block returns its input unchanged.
  ref.kept.forEach((k, i) => {
    if (k === 0) assert.deepEqual(y.select(0, i).toFloat32Array(), x.select(0, i).toFloat32Array(), `sample ${i}`);
  });
  model.eval();
  manualSeed(ref.seed);
  const e = noGrad(() => block.forward(x, ref.rate));
  const wantEval = fromHost(fx.npy('dropconnect_eval_output.npy'));
  assert.ok(relativeDiff(e, wantEval) <= 1e-5, `eval output: relative difference ${relativeDiff(e, wantEval)}`);
  assert.deepEqual(e.toFloat32Array(), noGrad(() => block.forward(x)).toFloat32Array(), 'eval: the rate changes nothing');
  model.dispose();
});

test("YOLOv5-Lite's shipped yolov5-efficient-lite0.yaml fails in tsyolo as in YOLOv5-Lite: layer 1's MBConvBlock row has 4 args", () => {
  const errors = readJson<Record<string, { layer: number; module: string; error: string }>>('reference-errors.json');
  assert.match(errors.shipped_yaml!.error, /^TypeError: MBConvBlock.__init__\(\) takes 5 positional arguments but 6 were given/);
  const { config, file } = loadModelConfig(fx.path('yolov5-efficient-lite0.shipped.yaml'));
  assert.throws(() => new DetectionModel(config, { yamlFile: file }), (e: Error) => {
    assert.match(e.message, new RegExp(`layer ${errors.shipped_yaml!.layer} \\(MBConvBlock\\)`));
    assert.match(e.message, /takes 3 arguments, got 4/);
    return true;
  });
});

test('an MBConvBlock row that changes channels is refused at its layer (YOLOv5-Lite fails at its first forward)', () => {
  const errors = readJson<Record<string, { layer: number; error: string }>>('reference-errors.json');
  assert.match(errors.mbconv_changes_channels!.error, /^RuntimeError: .*expected input\[1, 24, 64, 64\] to have 40 channels/);
  const { config, file } = loadModelConfig('yolov5-efficient-lite0.yaml');
  const backbone = config.backbone.map((r, i) => (i === 3 ? ([r[0], r[1], r[2], [40, 3, 1]] as typeof r) : r));
  assert.throws(() => new DetectionModel({ ...config, backbone }, { yamlFile: file }), /layer 3 \(MBConvBlock\).*keeps its channels.*input has 24/);
});

test("SimSPPF keeps its input's channels: a row asking for others is refused, naming the channels", () => {
  const { config, file } = loadModelConfig('yolov5s-simsppf.yaml');
  const backbone = config.backbone.map((r) => (r[2] === 'SimSPPF' ? ([r[0], r[1], r[2], [512]] as typeof r) : r));
  assert.throws(() => new DetectionModel({ ...config, backbone }, { yamlFile: file }), /layer 9 \(SimSPPF\).*outputs its input's 512 channels, but its row asks for 256/);
});
