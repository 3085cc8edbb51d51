// The registry keeps built-in blocks safe: registerModule / registerBlockFamily / registerOnnxEmitter refuse a name
// or class that is built in (or registered before) unless { replace: true }, naming it; a refused family registers
// nothing. defineModule gives build() checked, typed args, and a bad YAML value is an error naming the file, layer,
// block and argument.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Identity } from '../../src/nn/activation.ts';
import { Module } from '../../src/nn/module.ts';
import type { Tensor } from '../../src/tensor/tensor.ts';
import { arg, defineModule } from '../../src/yolo/define-module.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { Conv } from '../../src/yolo/modules/common/conv.ts';
import { getModuleSpec, onnxEmitterOf, registerBlockFamily, registerModule, registerOnnxEmitter, registeredModuleSpecs, registryRevision } from '../../src/yolo/registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-registry-'));
function yaml(name: string, row: string): string {
  const file = join(dir, name);
  writeFileSync(file, `nc: 2\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\nbackbone:\n  [[-1, 1, Conv, [8, 3, 2]], ${row}]\nhead:\n  [[[1], 1, Detect, [nc, anchors]]]\n`);
  return file;
}

test('registerModule refuses a built-in name unless { replace: true }, naming the block', () => {
  const builtin = getModuleSpec('C3')!;
  const before = registryRevision();
  const mine = { name: 'C3', pythonType: 'mine.C3', argCount: [0, 1] as [number, number], channels: 'same' as const, build: () => new Identity() };
  assert.throws(() => registerModule(mine), /registerModule: 'C3' is a built-in block \(models\.common\.C3\); pass \{ replace: true \}/);
  assert.equal(getModuleSpec('C3'), builtin, 'the built-in spec is untouched');
  assert.equal(registryRevision(), before);
  registerModule(mine, { replace: true });
  assert.equal(getModuleSpec('C3'), mine);
  assert.equal(registeredModuleSpecs().find((s) => s.name === 'C3')!.origin, 'user', 'a replaced built-in is listed as the user’s');
  registerModule(builtin, { replace: true });
  assert.equal(registeredModuleSpecs().find((s) => s.name === 'C3')!.origin, 'YOLOv5 v7.0');
});

test('a user name registered twice is refused the second time unless { replace: true }', () => {
  const spec = { name: 'TwiceRegistered', pythonType: 'x.TwiceRegistered', argCount: [0, 0] as [number, number], channels: 'same' as const, build: () => new Identity() };
  registerModule(spec);
  assert.throws(() => registerModule({ ...spec }), /'TwiceRegistered' is already registered; pass \{ replace: true \}/);
  registerModule({ ...spec, pythonType: 'y.TwiceRegistered' }, { replace: true });
  assert.equal(getModuleSpec('TwiceRegistered')!.pythonType, 'y.TwiceRegistered');
});

test('registerOnnxEmitter refuses a class with a built-in emitter; registerBlockFamily registers nothing when one entry is refused', () => {
  const conv = new Conv(3, 4, 1);
  const builtinEmit = onnxEmitterOf(conv);
  assert.ok(builtinEmit);
  assert.throws(() => registerOnnxEmitter(Conv, (_m, x) => x as string), /registerOnnxEmitter: class Conv has a built-in ONNX emitter; pass \{ replace: true \}/);
  assert.equal(onnxEmitterOf(conv), builtinEmit);

  class Fresh extends Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const fresh = { name: 'FreshBlock', pythonType: 'x.FreshBlock', argCount: [0, 0] as [number, number], channels: 'same' as const, build: () => new Fresh() };
  const clash = { ...fresh, name: 'SPPF' };
  assert.throws(
    () => registerBlockFamily({ name: 'mixed', modules: [fresh, clash], onnx: [{ cls: Fresh, emit: (_m, x) => x as string }] }),
    /registerBlockFamily\('mixed'\): 'SPPF' is a built-in block/,
  );
  assert.equal(getModuleSpec('FreshBlock'), undefined, 'nothing of the refused family was registered');
  assert.equal(onnxEmitterOf(new Fresh()), undefined);
  assert.throws(() => registerBlockFamily({ name: 'emit-clash', modules: [fresh], onnx: [{ cls: Conv, emit: (_m, x) => x as string }] }), /class Conv has a built-in ONNX emitter/);
  assert.equal(getModuleSpec('FreshBlock'), undefined);
  registerBlockFamily({ name: 'fresh', modules: [fresh], onnx: [{ cls: Fresh, emit: (_m, x) => x as string }] });
  assert.ok(getModuleSpec('FreshBlock') && onnxEmitterOf(new Fresh()));
  conv.dispose();
});

class Scaled extends Module {
  readonly conv: Conv;
  constructor(
    c1: number,
    c2: number,
    readonly k: number,
    readonly shortcut: boolean,
    readonly pad: number | null,
  ) {
    super();
    this.conv = this.registerModule('conv', new Conv(c1, c2, k, 1, pad));
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

test('defineModule: build() gets checked, typed args with defaults; bad values name the file, layer, block and argument', () => {
  registerModule(
    defineModule({
      name: 'TypedScaled',
      pythonType: 'x.TypedScaled',
      argCount: [1, 4],
      channels: 'width',
      args: [arg.int('c1'), arg.int('c2'), arg.int('k', 3), arg.bool('shortcut', true), arg.optionalInt('pad')],
      build: ([c1, c2, k, shortcut, pad]) => new Scaled(c1, c2, k, shortcut, pad),
    }),
  );
  const built = loadModel(yaml('typed.yaml', '[-1, 1, TypedScaled, [16]]')).model;
  const m = built.model.layers[1] as Scaled;
  assert.deepEqual([m.conv.conv.inChannels, m.conv.conv.outChannels, m.k, m.shortcut, m.pad], [8, 16, 3, true, null], 'YAML-omitted args take the reader defaults');
  built.dispose();
  const given = loadModel(yaml('typed2.yaml', '[-1, 1, TypedScaled, [16, 1, False, None]]')).model;
  const g = given.model.layers[1] as Scaled;
  assert.deepEqual([g.k, g.shortcut, g.pad], [1, false, null]);
  given.dispose();

  const file = yaml('typed-bad.yaml', "[-1, 1, TypedScaled, [16, 'big']]");
  assert.throws(() => loadModel(file), (e: Error) => e.message.includes(file) && /layer 1 \(TypedScaled\).*TypedScaled: k must be an integer, got 'big'/.test(e.message));
  assert.throws(() => loadModel(yaml('typed-bad2.yaml', '[-1, 1, TypedScaled, [16, 3, 1]]')), /TypedScaled: shortcut must be True or False, got 1/);
});
