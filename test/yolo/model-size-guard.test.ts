// Model YAML values that cannot make a model are refused while parsing, with the file, the layer or key and the
// value; a model too large for this machine is refused before any weight is allocated, with the figures
// (#13 item 3).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { SHIPPED_CONFIG_DIR } from '../../src/yolo/model-config.ts';
import { estimateModelSize } from '../../src/yolo/size-guard.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-size-'));
const yolov5s = readFileSync(join(SHIPPED_CONFIG_DIR, 'yolov5s.yaml'), 'utf8');

function variant(name: string, edit: (text: string) => string): string {
  const file = join(dir, name);
  const text = edit(yolov5s);
  assert.notEqual(text, yolov5s, `${name}: the edit must change the YAML`);
  writeFileSync(file, text);
  return file;
}
const refuses = (file: string, ...parts: (string | RegExp)[]) =>
  assert.throws(
    () => loadModel(file),
    (e: Error) => parts.every((p) => (typeof p === 'string' ? e.message.includes(p) : p.test(e.message))) || assert.fail(e.message),
  );

test('width_multiple: 20 from --cfg is refused before allocation, with the estimate and the memory', () => {
  const file = variant('wide.yaml', (t) => t.replace('width_multiple: 0.50', 'width_multiple: 20'));
  refuses(file, file, 'too large for this machine', /about \d+M parameters/, /GB of available memory/, 'width_multiple 20');
});

test('the same YAML stored in a checkpoint is refused the same way, naming the checkpoint', () => {
  const { config } = loadModelConfig(variant('wide-ckpt.yaml', (t) => t.replace('width_multiple: 0.50', 'width_multiple: 20')));
  const file = join(dir, 'wide.safetensors');
  writeSafetensors(file, new Map(), { format: 'tsyolo', yaml: JSON.stringify(config), names: '[]', nc: '80', stride: '[8,16,32]' });
  refuses(file, `${file} (stored model YAML)`, 'too large for this machine');
});

test('the guard leaves ordinary models alone: the largest shipped v7.0 model needs no estimate', () => {
  const { config, file } = loadModelConfig('yolov5x6.yaml');
  assert.equal(estimateModelSize(config, 3, file), null);
});

test('width_multiple 0 and -1 are refused naming the key', () => {
  refuses(variant('w0.yaml', (t) => t.replace('width_multiple: 0.50', 'width_multiple: 0')), 'width_multiple');
  refuses(variant('wneg.yaml', (t) => t.replace('width_multiple: 0.50', 'width_multiple: -1')), 'width_multiple');
});

test('negative output channels name the layer and the value', () => {
  refuses(variant('neg.yaml', (t) => t.replace('[-1, 1, Conv, [128, 3, 2]]', '[-1, 1, Conv, [-128, 3, 2]]')), 'layer 1 (Conv)', 'output channels must be a positive integer, got -64');
});

test('k=0 names the layer and the kernel size', () => {
  refuses(variant('k0.yaml', (t) => t.replace('[-1, 1, Conv, [128, 3, 2]]', '[-1, 1, Conv, [128, 0, 2]]')), 'layer 1 (Conv)', 'kernel_size must be positive, got 0');
});

test('Upsample ×0 names the layer and the scale factor', () => {
  refuses(variant('up0.yaml', (t) => t.replace("[-1, 1, nn.Upsample, [None, 2, 'nearest']],\n   [[-1, 6]", "[-1, 1, nn.Upsample, [None, 0, 'nearest']],\n   [[-1, 6]")), 'layer 11 (nn.Upsample)', 'scale_factor must be a positive number, got 0');
});

test("anchors: 0 and nc: 0 are refused naming the key", () => {
  refuses(variant('a0.yaml', (t) => t.replace(/anchors:\n(  - .*\n){3}/, 'anchors: 0\n')), 'anchors');
  refuses(variant('nc0.yaml', (t) => t.replace('nc: 80', 'nc: 0')), "'nc'");
});

test('--nc -3 is refused naming the flag and the value', () => {
  assert.throws(() => loadModel('yolov5n.yaml', { nc: -3 }), /--nc\) must be a positive integer, got -3/);
});
