// A shape or channel mismatch while building or running a model names the file, the layer, its module, where its
// inputs come from and their shapes, instead of libtorch's bare "Sizes of tensors must match …".
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Conv2d } from '../../src/nn/conv2d.ts';
import { Module } from '../../src/nn/module.ts';
import { cat, zeros } from '../../src/tensor/create.ts';
import { noGrad } from '../../src/tensor/runtime.ts';
import { tidy } from '../../src/tensor/scope.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { ModelLayerError } from '../../src/yolo/layer-error.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { SHIPPED_CONFIG_DIR } from '../../src/yolo/model-config.ts';
import { registerModule } from '../../src/yolo/registry.ts';

const work = mkdtempSync(join(tmpdir(), 'tsyolo-layer-errors-'));
const shipped = (name: string) => readFileSync(join(SHIPPED_CONFIG_DIR, name), 'utf8');

function writeYaml(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

const TINY = (rows: string) =>
  `nc: 2\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\nbackbone:\n  [${rows}]\nhead:\n  [[[-1], 1, Detect, [nc, anchors]]]\n`;

function buildError(file: string): ModelLayerError {
  try {
    loadModel(file).model.dispose();
  } catch (e) {
    assert.ok(e instanceof ModelLayerError, `a ModelLayerError, got ${(e as Error).stack}`);
    return e;
  }
  assert.fail(`${file} built`);
}

test("a Concat index left wrong (yolov5s's P4 concat reading layer 4 instead of 6): the stride dry run names file, layer, from and both shapes", () => {
  const text = shipped('yolov5s.yaml').replace('[[-1, 6], 1, Concat, [1]],  # cat backbone P4', '[[-1, 4], 1, Concat, [1]],  # cat backbone P4');
  assert.notEqual(text, shipped('yolov5s.yaml'));
  const file = writeYaml('yolov5s-bad-concat.yaml', text);
  const e = buildError(file);
  // The dry run is 256 px: layer 11 upsamples layer 10 (256 ch, 8×8) to 16×16; layer 4 is P3 (128 ch, 32×32).
  assert.equal(e.message, `${file}: layer 12 (Concat) from [-1, 4]: inputs (1,256,16,16) and (1,128,32,32) differ in size`);
  assert.equal(e.layer, 12);
  assert.match((e.cause as Error).message, /Sizes of tensors must match except in dimension 1/, "libtorch's message stays as the cause");
});

test('an input size the model cannot take fails at run time with the same context (forward, not only the build)', () => {
  const { model } = loadModel('yolov5n.yaml');
  // 100 px: P4 (layer 6) is 7×7, while upsampling P5 (4×4) gives 8×8.
  const e = noGrad(() =>
    tidy(() => {
      try {
        model.forward(zeros([1, 3, 100, 100]));
      } catch (err) {
        return err as Error;
      }
      return null;
    }),
  );
  assert.ok(e instanceof ModelLayerError);
  assert.match(e.message, /yolov5n\.yaml: layer 12 \(Concat\) from \[-1, 6\]: inputs \(1,128,8,8\) and \(1,128,7,7\) differ in size$/);
  // The model still works at a stride multiple after the failed call.
  noGrad(() => tidy(() => void model.forward(zeros([1, 3, 64, 64]))));
  model.dispose();
});

/** Doubles its input's channels (cat(x, x)) while its channel rule says 'same': a wrong rule. */
class Twice extends Module {
  override get typeName(): string {
    return 'Twice';
  }
  forward(x: Tensor): Tensor {
    return cat([x, x], 1);
  }
}

test('a wrong channel rule: the next Conv is told its input has twice the channels, and the block that gave them is named', () => {
  registerModule({ name: 'TwiceSameRule', pythonType: 'models.custom.Twice', argCount: [0, 0], channels: 'same', build: () => new Twice() });
  const file = writeYaml('twice.yaml', TINY('[-1, 1, Conv, [16, 3, 2]], [-1, 1, TwiceSameRule, []], [-1, 1, Conv, [32, 3, 2]]'));
  const e = buildError(file);
  assert.equal(e.message, `${file}: layer 2 (Conv): input has 32 channels, the layer expects 16 (layer 1 (TwiceSameRule) gives 32 channels where its channel rule says 16)`);
});

test("YOLOv5's own nn.BatchNorm2d rule (c2 = the previous layer's channels) reading an earlier layer gives the next Conv a wrong count", () => {
  const file = writeYaml('bn.yaml', TINY('[-1, 1, Conv, [16, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [0, 1, nn.BatchNorm2d, []], [-1, 1, Conv, [32, 3, 2]]'));
  const e = buildError(file);
  assert.equal(e.message, `${file}: layer 3 (Conv): input has 16 channels, the layer expects 32 (layer 2 (nn.BatchNorm2d) gives 16 channels where its channel rule says 32)`);
});

/** A block built for another input channel count than parse_model gives it (its own builder ignores c1). */
class WrongC1 extends Module {
  readonly cv: Conv2d;
  readonly cv2: Conv2d;
  constructor(c1: number, c2: number, inner: number) {
    super();
    this.cv = this.registerModule('cv', new Conv2d(c1, c2, 1));
    this.cv2 = this.registerModule('cv2', new Conv2d(inner, c2, 1));
  }
  override get typeName(): string {
    return 'WrongC1';
  }
  forward(x: Tensor): Tensor {
    return this.cv2.forward(this.cv.forward(x));
  }
}

test("a block whose first conv expects other channels than its input has, and a failure deeper inside a block (libtorch's message kept)", () => {
  registerModule({ name: 'WrongC1First', pythonType: 'models.custom.WrongC1', argCount: [1, 1], channels: 'width', build: ([c1, c2]) => new WrongC1((c1 as number) * 2, c2 as number, c2 as number) });
  const first = writeYaml('wrong-c1.yaml', TINY('[-1, 1, Conv, [16, 3, 2]], [-1, 1, WrongC1First, [32]], [-1, 1, Conv, [32, 3, 2]]'));
  assert.equal(buildError(first).message, `${first}: layer 1 (WrongC1First): input has 16 channels, the layer expects 32`);

  registerModule({ name: 'WrongC1Inner', pythonType: 'models.custom.WrongC1', argCount: [1, 1], channels: 'width', build: ([c1, c2]) => new WrongC1(c1 as number, c2 as number, 8) });
  const inner = writeYaml('wrong-inner.yaml', TINY('[-1, 1, Conv, [16, 3, 2]], [-1, 1, WrongC1Inner, [32]], [-1, 1, Conv, [32, 3, 2]]'));
  assert.equal(
    buildError(inner).message,
    `${inner}: layer 1 (WrongC1Inner): input (1,16,128,128): Given groups=1, weight of size [32, 8, 1, 1], expected input[1, 32, 128, 128] to have 8 channels, but got 32 channels instead`,
  );
});

test('Detect reading a layer of the wrong width names which input (and its layer) differs', () => {
  registerModule({ name: 'TwiceSameRule2', pythonType: 'models.custom.Twice', argCount: [0, 0], channels: 'same', build: () => new Twice() });
  const file = writeYaml(
    'detect.yaml',
    'nc: 2\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\n  - [30,61, 62,45, 59,119]\n' +
      'backbone:\n  [[-1, 1, Conv, [16, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [-1, 1, TwiceSameRule2, []]]\nhead:\n  [[[0, 2], 1, Detect, [nc, anchors]]]\n',
  );
  assert.equal(buildError(file).message, `${file}: layer 3 (Detect) from [0, 2]: input 1 (layer 2) has 64 channels, the layer expects 32 (layer 2 (TwiceSameRule2) gives 64 channels where its channel rule says 32)`);
});
