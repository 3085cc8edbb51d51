// A broken model YAML through the CLI: `info` and `train` exit 1 with one line naming the file, the layer, its module
// and the input shapes — no stack trace, and `train` leaves no run folder behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const work = mkdtempSync(join(tmpdir(), 'tsyolo-model-errors-'));
const shipped = readFileSync(fileURLToPath(new URL('../../configs/models/yolov5n.yaml', import.meta.url)), 'utf8');

// yolov5n's P4 concat reading P3 (layer 4) instead of layer 6: the tutorial mistake after inserting a row. At the
// 256 px stride dry run: layer 11 upsamples layer 10 (128 ch, 8×8) to 16×16; layer 4 is 64 ch at 32×32.
const badConcat = join(work, 'yolov5n-bad-concat.yaml');
writeFileSync(badConcat, shipped.replace('[[-1, 6], 1, Concat, [1]],  # cat backbone P4', '[[-1, 4], 1, Concat, [1]],  # cat backbone P4'));
// YOLOv5's nn.BatchNorm2d rule (c2 = the previous layer's channels) on an earlier layer: the next Conv gets 16, not 32.
const badChannels = join(work, 'bad-channels.yaml');
writeFileSync(
  badChannels,
  'nc: 10\ndepth_multiple: 1.0\nwidth_multiple: 1.0\nanchors:\n  - [10,13, 16,30, 33,23]\n' +
    'backbone:\n  [[-1, 1, Conv, [16, 3, 2]], [-1, 1, Conv, [32, 3, 2]], [0, 1, nn.BatchNorm2d, []], [-1, 1, Conv, [32, 3, 2]]]\n' +
    'head:\n  [[[-1], 1, Detect, [nc, anchors]]]\n',
);
const CONCAT_LINE = `tsyolo: error: ${badConcat}: layer 12 (Concat) from [-1, 4]: inputs (1,128,16,16) and (1,64,32,32) differ in size`;
const CHANNEL_LINE = `tsyolo: error: ${badChannels}: layer 3 (Conv): input has 16 channels, the layer expects 32 (layer 2 (nn.BatchNorm2d) gives 16 channels where its channel rule says 32)`;

let data = '';
before(async () => {
  data = (await generateDigits({ out: join(work, 'digits'), train: 8, val: 4, img: 64, seed: 3 })).yamlPath;
});
after(() => rmSync(work, { recursive: true, force: true }));

test('info --cfg with a Concat index left wrong: exit 1, one line with file, layer, from and both input shapes', () => {
  assert.notEqual(readFileSync(badConcat, 'utf8'), shipped);
  const r = run('info', '--cfg', badConcat);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), CONCAT_LINE);
  assert.doesNotMatch(r.stderr, /Sizes of tensors must match|\n\s+at /);
});

test('info --cfg with a wrong channel count: the Conv and the layer that gave the unplanned channels are named', () => {
  const r = run('info', '--cfg', badChannels);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), CHANNEL_LINE);
});

for (const [what, cfg, line] of [
  ['a Concat index left wrong', badConcat, CONCAT_LINE],
  ['a wrong channel count', badChannels, CHANNEL_LINE],
] as const) {
  test(`train --cfg with ${what}: exit 1, the same line, no run folder left`, () => {
    const project = join(work, `runs-${what.replace(/\W+/g, '-')}`);
    const r = run('train', '--data', data, '--cfg', cfg, '--img', '64', '--batch', '4', '--epochs', '1', '--workers', '0', '--project', project, '--name', 'exp');
    assert.equal(r.status, 1, r.stdout);
    assert.equal(r.stderr.trim(), line);
    assert.ok(!existsSync(join(project, 'exp')), `no run folder: ${existsSync(project) ? readdirSync(project).join(', ') : ''}`);
  });
}
