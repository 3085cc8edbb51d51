// A block in one place: the YAML activation reaches every Conv through the build (no class-wide default left
// behind), fuse() runs each module's own hook, and a family registers its YAML spec and ONNX emitter together.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { LeakyReLU, SiLU } from '../../src/nn/activation.ts';
import { Module } from '../../src/nn/module.ts';
import { single } from '../../src/nn/onnx-emit.ts';
import { type Tensor } from '../../src/tensor/index.ts';
import { Conv } from '../../src/yolo/modules/common/conv.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { emitterEntry, registerBlockFamily } from '../../src/yolo/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-blocks-'));
function yaml(name: string, extra: string, backbone: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `nc: 2\ndepth_multiple: 1.0\nwidth_multiple: 1.0\n${extra}anchors:\n  - [10,13, 16,30, 33,23]\n` +
      `backbone:\n  ${backbone}\nhead:\n  [[[-1], 1, Detect, [nc, anchors]]]\n`,
  );
  return file;
}

function convActivations(model: Module): Module[] {
  return [...model.modules()].filter((m): m is Conv => m instanceof Conv).map((c) => c.act);
}

test('YAML activation: every Conv (inside C3 and SPPF too) shares the model\'s one instance; the next model is unaffected', () => {
  const rows = '[[-1, 1, Conv, [16, 3, 2]], [-1, 2, C3, [16]], [-1, 1, SPPF, [16, 5]]]';
  const leaky = loadModel(yaml('leaky.yaml', 'activation: nn.LeakyReLU(0.1)\n', rows)).model;
  const acts = convActivations(leaky);
  assert.equal(acts.length, 1 + (3 + 2 * 2) + 2);
  assert.ok(acts[0] instanceof LeakyReLU);
  assert.equal((acts[0] as LeakyReLU).negativeSlope, 0.1);
  assert.ok(acts.every((a) => a === acts[0]), 'one shared instance, as YOLOv5 Conv.default_act');
  const plain = loadModel(yaml('plain.yaml', '', rows)).model;
  const plainActs = convActivations(plain);
  assert.ok(plainActs.every((a) => a instanceof SiLU && a === plainActs[0]));
  // PyTorch counts a shared module once: the two models differ only in the activation's type, not in "layers".
  assert.equal(leaky.info(64).layers, plain.info(64).layers);
  leaky.dispose();
  plain.dispose();
});

class Twice extends Module {
  readonly inner: Conv;
  fused = 0;
  constructor(c1: number, c2: number) {
    super();
    this.inner = this.registerModule('inner', new Conv(c1, c2, 1));
  }
  override get typeName(): string {
    return 'Twice';
  }
  forward(x: Tensor): Tensor {
    return this.inner.forward(x);
  }
  override fuse(): void {
    this.fused++;
  }
}

test('registerBlockFamily: YAML spec, fuse hook and ONNX emitter of a user block', () => {
  registerBlockFamily({
    name: 'twice',
    modules: [{ name: 'Twice', pythonType: 'models.custom.Twice', argCount: [1, 1], channels: 'width', build: ([c1, c2]) => new Twice(c1 as number, c2 as number) }],
    onnx: [emitterEntry(Twice, (m, x, ctx, scope) => ctx.emit(m.inner, single(x, 'Twice'), `${scope}.inner`))],
  });
  const { model } = loadModel(yaml('twice.yaml', '', '[[-1, 1, Conv, [8, 3, 2]], [-1, 1, Twice, [16]]]'));
  const twice = model.model.layers[1] as Twice;
  model.fuse();
  assert.equal(twice.fused, 1, 'model.fuse() calls the block\'s own hook once');
  assert.equal(twice.inner.bn, null, 'and the hooks of the Convs inside it');
  const r = exportOnnx(model.eval(), { imgsz: 64 });
  assert.deepEqual(r.outputShape, [1, 3 * 32 * 32, 7]);
  model.dispose();
});
