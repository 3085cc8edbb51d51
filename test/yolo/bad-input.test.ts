// Broken model YAMLs are refused with an error naming the file, the layer and the problem.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadModel } from '../../src/yolo/load-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'tsyolo-badcfg-'));
function cfgFile(name: string, backbone: string, head = '[[[-1], 1, Detect, [nc, anchors]]]'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `nc: 2\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\nbackbone:\n  ${backbone}\nhead:\n  ${head}\n`,
  );
  return file;
}

test('unknown module names the file, layer and module', () => {
  const f = cfgFile('unknown.yaml', '[[-1, 1, Conv, [16, 3, 2]], [-1, 1, FancyBlock, [32]]]');
  assert.throws(() => loadModel(f), (e: Error) => e.message.includes(f) && e.message.includes('layer 1') && e.message.includes("unknown module 'FancyBlock'"));
});

test('wrong argument count', () => {
  const f = cfgFile('args.yaml', '[[-1, 1, Conv, [16, 3, 2]], [-1, 1, ShuffleNetV2_InvertedResidual, [32]]]');
  assert.throws(() => loadModel(f), (e: Error) => e.message.includes('layer 1 (ShuffleNetV2_InvertedResidual)') && e.message.includes('takes 2 arguments, got 1'));
});

test('bad from index', () => {
  const f = cfgFile('from.yaml', '[[-1, 1, Conv, [16, 3, 2]], [[-1, 5], 1, Concat, [1]]]');
  assert.throws(() => loadModel(f), (e: Error) => e.message.includes('layer 1 (Concat)') && e.message.includes('from index 5'));
});

test("channel mismatch: the seed's inp == 2·branch rule for stride-1 ShuffleNet blocks", () => {
  // Conv gives 16 channels; a stride-1 block with 64 outputs needs 64 inputs.
  const f = cfgFile('channels.yaml', '[[-1, 1, Conv, [16, 3, 2]], [-1, 1, ShuffleNetV2_InvertedResidual, [64, 1]]]');
  assert.throws(() => loadModel(f), (e: Error) => e.message.includes('layer 1 (ShuffleNetV2_InvertedResidual)') && e.message.includes('needs inp == 2·(oup//2) = 64, got inp 16'));
});

test('malformed YAML and wrong structure', () => {
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'nc: 2\nbackbone: [[-1, 1, Conv, [16, 3, 2]]\n');
  assert.throws(() => loadModel(broken), (e: Error) => e.message.startsWith(`${broken}: malformed YAML`));
  const noHead = join(dir, 'nohead.yaml');
  writeFileSync(noHead, 'nc: 2\ndepth_multiple: 1\nwidth_multiple: 1\nanchors: [[10,13]]\nbackbone: [[-1, 1, Conv, [16]]]\n');
  assert.throws(() => loadModel(noHead), (e: Error) => e.message.includes(noHead) && e.message.includes("'head' must be a list"));
  const badRow = cfgFile('row.yaml', '[[-1, 1, Conv]]');
  assert.throws(() => loadModel(badRow), (e: Error) => e.message.includes('backbone row 0 must be [from, number, module, args]'));
});

test('argument of the wrong type', () => {
  const f = cfgFile('type.yaml', "[[-1, 1, Conv, [16, 'three', 2]]]");
  assert.throws(() => loadModel(f), (e: Error) => e.message.includes('layer 0 (Conv)') && e.message.includes('k must be an integer'));
});
