// The zoo's first attention group — SEAttention, CBAM, CA, CoordAtt, ECA (eca_layer), SimAM, GAMAttention,
// NAMAttention — against fixtures made by their reference code on YOLOv5 v7.0 with YOLOAir's parse_model branches
// (test/fixtures/zoo/make_zoo_attention_a.py): each shipped example YAML's summary at nc 80 / 640 (unfused and
// fused), each small checkpoint's keys and eval output (fused too), its ONNX export on onnxruntime at opsets 12 and
// 17 (and --dynamic), each block alone in training mode (output, gradients, BN statistics), and a training step of
// each example with finite gradients for every parameter, also under deterministic algorithms.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SiLU } from '../../src/nn/activation.ts';
import { fromHost, rand, tidy } from '../../src/tensor/index.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { EcaLayer } from '../../src/yolo/modules/attention/eca.ts';
import { SimAM } from '../../src/yolo/modules/attention/simam.ts';
import { getModuleSpec } from '../../src/yolo/registry.ts';
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
  libtorchOutput,
  runOnnx,
  trainStep,
  workDir,
  zooFixtures,
} from './zoo-fixture.ts';

const fx = zooFixtures('attention-a');
const work = workDir('attention-a');

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

const summaries = fx.json<ExampleSummaries>('summaries.json');

const expectedOf = (stem: string) => fx.json<CheckpointExpected>(`${stem}_expected.json`);

for (const stem of STEMS) {
  test(`${stem}.yaml: summary at nc 80 / 640 equals the reference's (layers, parameters, GFLOPs), unfused and fused`, () => {
    const [layer, typeName] = ATTENTION[stem]!;
    assertExampleSummary(`${stem}.yaml`, 'attention', summaries[`${stem}.yaml`]!, (model) => assert.equal(model.model.layers[layer]!.typeName, typeName));
  });
}

test("eca_layer is ECA's alias: the same class, summary and arguments; CoordAtt differs from CA only by its two pooling modules", () => {
  const text = readFileSync(fx.path('../../../../configs/models/attention/yolov5s-eca.yaml'), 'utf8');
  const aliased = text.replace('ECA, [1024]', 'eca_layer, [1024]');
  assert.notEqual(aliased, text);
  const aliasFile = join(work, 'yolov5s-eca_layer.yaml');
  writeFileSync(aliasFile, aliased);
  const { config } = loadModelConfig(aliasFile);
  const model = new DetectionModel(config, { yamlFile: aliasFile });
  const eca = model.model.layers[24]!;
  assert.ok(eca instanceof EcaLayer);
  assert.equal(eca.conv.kernelSize, 3);
  assertSummary(model, 640, summaries['yolov5s-eca.yaml']!.unfused, 'eca_layer');
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
    const { model } = loadModel(fx.path(`${stem}.pt`));
    assertCheckpointLayout(model, expected);
    const typeName = ATTENTION[stem]![1];
    assert.ok(expected.module_types.some((t) => t.endsWith(`.${typeName}`)), `the reference built ${typeName}`);
    assertCheckpointOutputs(model, fromHost(fx.npy('input.npy')), {
      img: 64,
      summary: expected.summary,
      output: fx.npy(`${stem}_output.npy`),
      fusedOutput: fx.npy(`${stem}_fused_output.npy`),
      outputShape: expected.output_shape,
    });
    model.dispose();
  });
}

for (const stem of STEMS) {
  test(`${stem}: ONNX at opsets 12 and 17 on onnxruntime equals libtorch (≤ 1e-4) and the reference (≤ 1e-5); --dynamic at 96×64 too`, async () => {
    const { model } = loadModel(fx.path(`${stem}.pt`));
    model.fuse().eval();
    const input = fx.npy('input.npy');
    const reference = fx.npy(`${stem}_fused_output.npy`).data as Float32Array;
    await assertOnnxParity(model, { input, reference, runs: [[12, false], [17, false]], dir: work, name: stem });
    // --dynamic: the blocks read h and w from the graph's shapes, so one file serves another (non-square) size.
    const other = tidy(() => rand([1, 3, 96, 64]).toHost());
    const [y] = await runOnnx(model, { dynamic: true, opset: 12 }, [other], join(work, `${stem}-dynamic.onnx`));
    assertRelClose(y!, libtorchOutput(model, other), 1e-4, 'dynamic 96×64: onnxruntime vs libtorch');
    model.dispose();
  });
}

const blockCases = fx.json<Record<string, BlockTrainCase>>('blocks_train.json');

for (const [name, c] of Object.entries(blockCases)) {
  test(`${name}: training-mode output, input and parameter gradients and BN statistics equal the reference's (≤ 1e-5)`, () => {
    const spec = getModuleSpec(c.yaml_name)!;
    const m = spec.build(c.args, { act: new SiLU() });
    assertBlockTrainCase(m, spec.pythonType.split('.').slice(0, -1).join('.'), c, 'near-zero');
    m.dispose();
  });
}

for (const stem of STEMS) {
  test(`${stem}: training-mode forward + backward gives every parameter a finite gradient, deterministic algorithms too`, () => {
    alsoDeterministic(() => {
      const { model, withoutGrad, nonFinite } = trainStep(fx.path(`${stem}.yaml`), [64, 64]);
      assert.deepEqual(withoutGrad, [], 'parameters without a gradient');
      assert.deepEqual(nonFinite, [], 'parameters with a non-finite gradient');
      model.dispose();
    });
  });
}
