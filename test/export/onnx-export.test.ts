// ONNX export: the files pass the ONNX checker of Debian's python3-onnx (full check, shape inference included),
// carry YOLOv5's interface (images → output0, stride/names metadata as Python's str()), and bad input is refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Module } from '../../src/nn/module.ts';
import type { Tensor } from '../../src/tensor/index.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { floatToHalfBits } from '../../src/export/float16.ts';
import { parseNamesRepr } from '../../src/deploy/model-metadata.ts';
import { Conv } from '../../src/yolo/modules/common/conv.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { registerModule } from '../../src/yolo/registry.ts';

const PYTHON = '/usr/bin/python3';
const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-export-'));

/** Runs onnx.checker (full) and reports what the file declares, read by the reference ONNX library. */
function checkWithOnnx(file: string): { inputs: unknown[]; outputs: unknown[]; ops: Record<string, number>; meta: Record<string, string>; opset: number; ir: number; names: Record<string, string> } {
  const script = `
import json, sys, ast, collections, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
meta = {p.key: p.value for p in m.metadata_props}
print(json.dumps({
  'inputs': [[v.name, v.type.tensor_type.elem_type, dims(v)] for v in m.graph.input],
  'outputs': [[v.name, v.type.tensor_type.elem_type, dims(v)] for v in m.graph.output],
  'ops': collections.Counter(n.op_type for n in m.graph.node),
  'meta': meta, 'opset': m.opset_import[0].version, 'ir': m.ir_version,
  'names': {str(k): v for k, v in ast.literal_eval(meta['names']).items()},
}))`;
  const r = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8' });
  if (r.error || /No module named 'onnx'/.test(r.stderr)) {
    assert.fail(`the ONNX checker needs Debian's python3-onnx at ${PYTHON} (apt-get install -y python3-onnx; npm run setup installs it): ${r.error?.message ?? r.stderr}`);
  }
  assert.equal(r.status, 0, `onnx.checker rejected ${file}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

for (const name of ['yolov5n-shufflenetv2', 'yolov5n']) {
  test(`${name}: fused export passes onnx.checker with YOLOv5's inputs, outputs and metadata`, () => {
    const { model } = loadModel(fixture(`${name}.pt`));
    model.fuse().eval();
    model.names = model.names.map((_, i) => (i === 0 ? "it's" : i === 1 ? 'a "b"' : `class ${i}`));
    const file = join(work, `${name}.onnx`);
    writeFileSync(file, exportOnnx(model, { imgsz: 320, batch: 2 }).bytes);
    const info = checkWithOnnx(file);
    assert.deepEqual(info.inputs, [['images', 1, [2, 3, 320, 320]]]);
    // 3 anchors × (40² + 20² + 10²) cells at 320, 85 = 5 + 80 classes.
    assert.deepEqual(info.outputs, [['output0', 1, [2, 3 * (40 * 40 + 20 * 20 + 10 * 10), 85]]]);
    assert.equal(info.opset, 17);
    assert.equal(info.ir, 8);
    assert.equal(info.meta.stride, '32');
    assert.equal(info.names['0'], "it's");
    assert.equal(info.names['1'], 'a "b"');
    assert.equal(info.names['79'], 'class 79');
    assert.deepEqual(parseNamesRepr(info.meta.names!), model.names, 'the deploy side reads back what Python reads');
    assert.equal(info.ops.BatchNormalization, undefined, 'every BatchNorm is folded into its conv');
    let convs = 0;
    for (const m of model.modules()) if (m.typeName === 'Conv2d') convs++;
    assert.equal(info.ops.Conv, convs, 'one Conv node per Conv2d module');
    model.dispose();
  });
}

test('opset 12, --dynamic and --half exports pass the checker with the declared shapes and types', () => {
  const { model } = loadModel(fixture('yolov5n-shufflenetv2.pt'));
  model.fuse().eval();
  const cases = [
    { opts: { opset: 12, imgsz: 256 }, input: [1, 3, 256, 256], opset: 12, ir: 7 },
    { opts: { dynamic: true }, input: ['batch', 3, 'height', 'width'], opset: 17, ir: 8 },
    { opts: { half: true, imgsz: [192, 256] as [number, number] }, input: [1, 3, 192, 256], opset: 17, ir: 8 },
  ];
  for (const c of cases) {
    const file = join(work, `case-${JSON.stringify(c.opts).replace(/\W/g, '')}.onnx`);
    const r = exportOnnx(model, c.opts);
    writeFileSync(file, r.bytes);
    const info = checkWithOnnx(file);
    assert.deepEqual(info.inputs, [['images', 1, c.input]], JSON.stringify(c.opts));
    assert.equal(info.opset, c.opset);
    assert.equal(info.ir, c.ir);
    if (c.opts.half) assert.ok(info.ops.Cast! > 50, 'float16 weights are cast back to float32');
  }
  model.dispose();
});

test('--img that is not a stride multiple is rounded up, as check_img_size does', () => {
  const { model } = loadModel(fixture('yolov5n.pt'));
  const lines: string[] = [];
  const r = exportOnnx(model.fuse().eval(), { imgsz: 300, log: (s) => lines.push(s) });
  assert.deepEqual(r.imgsz, [320, 320]);
  assert.match(lines.join('\n'), /must be multiple of max stride 32, updating to 320x320/);
  model.dispose();
});

test('bad options and modules without an ONNX mapping give clear errors', () => {
  const { model } = loadModel(fixture('yolov5n.pt'));
  assert.throws(() => exportOnnx(model, { opset: 11 }), /--opset must be an integer from 12 to 17, got 11/);
  assert.throws(() => exportOnnx(model, { batch: 0 }), /--batch must be a positive integer/);
  model.dispose();

  class TwinConv extends Module {
    readonly a: Conv;
    constructor(c1: number, c2: number) {
      super();
      this.a = this.registerModule('a', new Conv(c1, c2, 3));
    }
    override get typeName(): string {
      return 'TwinConv';
    }
    forward(x: Tensor): Tensor {
      return this.a.forward(x);
    }
  }
  registerModule({ name: 'TwinConv', pythonType: 'models.custom.TwinConv', argCount: [1, 1], channels: 'width', build: ([c1, c2]) => new TwinConv(c1 as number, c2 as number) });
  const yaml = join(work, 'custom.yaml');
  writeFileSync(
    yaml,
    'nc: 2\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\n' +
      'backbone:\n  [[-1, 1, Conv, [8, 3, 2]], [-1, 1, TwinConv, [16]], [-1, 1, Conv, [16, 3, 2]]]\nhead:\n  [[[2], 1, Detect, [nc, anchors]]]\n',
  );
  const custom = loadModel(yaml).model.eval();
  assert.throws(() => exportOnnx(custom, { imgsz: 64 }), /module 'TwinConv' at 'model\.1' has no ONNX mapping/);
  custom.dispose();
});

test('float16 conversion rounds to nearest even like numpy (hand-checked bit patterns)', () => {
  assert.equal(floatToHalfBits(1), 0x3c00);
  assert.equal(floatToHalfBits(-2), 0xc000);
  assert.equal(floatToHalfBits(65504), 0x7bff);
  assert.equal(floatToHalfBits(65520), 0x7c00); // halfway to 2^16 rounds up to inf
  assert.equal(floatToHalfBits(1 + 2 ** -11), 0x3c00); // tie → even mantissa
  assert.equal(floatToHalfBits(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
  assert.equal(floatToHalfBits(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(floatToHalfBits(2 ** -25), 0x0000); // tie at the bottom → even (0)
  assert.equal(floatToHalfBits(Number.NaN) & 0x7e00, 0x7e00);
});
