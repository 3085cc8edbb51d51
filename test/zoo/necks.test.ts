// The zoo's neck and backbone blocks — slim-neck GSConv + VoVGSCSP, Concat_bifpn, CARAFE (YOLOAir), space_to_depth
// (SPD-Conv, YOLOAir) and C3_Faster (FasterNet, z1069614715/objectdetection_script) — against fixtures made by their
// reference code on YOLOv5 v7.0 with YOLOAir's parse_model branches (test/fixtures/zoo/make_zoo_necks.py): each shipped
// example YAML's summary at nc 80 / 640 (unfused and fused), each small checkpoint's keys and eval output (fused too),
// its ONNX export on onnxruntime at opsets 12 and 17, and a training step: every parameter the reference's forward
// reaches gets a finite gradient, the ones it never uses get none — also under deterministic algorithms.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PyDict, PyObject } from '../../src/io/pickle.ts';
import { isYoloInertClass, loadTorchCheckpoint } from '../../src/io/torch-checkpoint.ts';
import { fromHost, manualSeed, ones, rand, tidy } from '../../src/tensor/index.ts';
import { parameterGroups } from '../../src/train/optimizer.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { DropPath } from '../../src/yolo/modules/backbone/fasternet.ts';
import { ConcatBifpn } from '../../src/yolo/modules/necks/bifpn.ts';
import { VoVGSCSP } from '../../src/yolo/modules/necks/slimneck.ts';
import {
  alsoDeterministic,
  assertCheckpointLayout,
  assertCheckpointOutputs,
  assertExampleSummary,
  assertOnnxParity,
  assertRelClose,
  type CheckpointExpected,
  libtorchOutput,
  type ParitySummaryRow,
  runOnnx,
  trainStep,
  workDir,
  zooFixtures,
} from './zoo-fixture.ts';

const fx = zooFixtures('necks');
const work = workDir('necks');

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

interface Expected extends CheckpointExpected {
  params_without_grad: string[];
}
const summaryOf = (stem: string) => fx.json<Record<'unfused' | 'fused', ParitySummaryRow>>(`${stem}_summary.json`);
const expectedOf = (stem: string) => fx.json<Expected>(`${stem}-mini_expected.json`);

const typeNames = (model: DetectionModel) => new Set([...model.modules()].map((m) => m.typeName));

for (const [stem, [group, classes]] of Object.entries(EXAMPLES)) {
  test(`${stem}.yaml: summary at nc 80 / 640 equals the reference's (layers, parameters, GFLOPs), unfused and fused`, () => {
    assertExampleSummary(`${stem}.yaml`, group, summaryOf(stem), (model) => {
      const names = typeNames(model);
      for (const c of classes) assert.ok(names.has(c), `${stem} builds ${c}`);
    });
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
    const { model } = loadModel(fx.path(`${stem}-mini.pt`));
    assertCheckpointLayout(model, expected);
    const names = typeNames(model);
    for (const c of EXAMPLES[stem]![1]) {
      assert.ok(names.has(c));
      assert.ok(expected.module_types.some((t) => t.endsWith(`.${c}`)), `the reference built ${c}`);
    }
    assertCheckpointOutputs(model, fromHost(fx.npy('input.npy')), {
      img: 64,
      summary: expected.summary,
      output: fx.npy(`${stem}-mini_output.npy`),
      fusedOutput: fx.npy(`${stem}-mini_fused_output.npy`),
      outputShape: expected.output_shape,
    });
    model.dispose();
  });
}

for (const stem of CHECKPOINTS) {
  test(`${stem}-mini: ONNX at opsets 12 and 17 on onnxruntime equals libtorch (≤ 1e-4) and the reference (≤ 1e-5)`, async () => {
    const { model } = loadModel(fx.path(`${stem}-mini.pt`));
    model.fuse().eval();
    const reference = fx.npy(`${stem}-mini_fused_output.npy`).data as Float32Array;
    await assertOnnxParity(model, { input: fx.npy('input.npy'), reference, runs: [[12, false], [17, false]], dir: work, name: stem });
    model.dispose();
  });
}

test('dynamic-shape ONNX (batch, height, width symbolic) of the GSConv, CARAFE, BiFPN and SPD models equals libtorch (≤ 1e-5) at another size', async () => {
  for (const stem of ['yolov5s-slimneck', 'yolov5s-carafe', 'yolov5s-bifpn', 'yolov5s-spd']) {
    const { model } = loadModel(fx.path(`${stem}-mini.pt`));
    model.fuse().eval();
    manualSeed(3);
    const x = rand([1, 3, 96, 64]);
    const [y] = await runOnnx(model, { imgsz: 64, batch: 1, opset: 17, dynamic: true }, [x.toHost()], join(work, `${stem}-dynamic.onnx`));
    assertRelClose(y!, libtorchOutput(model, x), 1e-5, `${stem}: onnxruntime vs libtorch`);
    x.dispose();
    model.dispose();
  }
});

/**
 * One training-mode forward + backward of the small fixture model. The parameters the reference's forward never
 * reaches (VoVGSCSP.res, GSBottleneck.conv, the Concat_bifpn weights for the other input count) must be exactly those
 * left without a gradient; every other one gets a finite gradient. Returns the model (the caller disposes it).
 */
function checkedTrainStep(stem: string): DetectionModel {
  const { model, withoutGrad, nonFinite } = trainStep(fx.path(`${stem}-mini.yaml`), [64, 64]);
  assert.deepEqual(nonFinite, [], 'parameters with a non-finite gradient');
  assert.deepEqual(withoutGrad, expectedOf(stem).params_without_grad, 'parameters without a gradient (the reference: its unused modules)');
  return model;
}

for (const stem of CHECKPOINTS) {
  test(`${stem}: training-mode forward + backward gives every used parameter a finite gradient, deterministic algorithms too`, () => {
    alsoDeterministic(() => checkedTrainStep(stem).dispose());
  });
}

test("Concat_bifpn's fusion weights train: a gradient reaches the weights each layer uses, and they sit in the optimizer's decayed group", () => {
  const model = checkedTrainStep('yolov5s-bifpn');
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
  const root = loadTorchCheckpoint(fx.path('yolov5s-c3faster-mini.pt')) as PyDict;
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
