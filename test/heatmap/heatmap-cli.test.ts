// Issue #28 item 1 through the CLI: `tsyolo heatmap` writes <stem>.png and, with --save-npy, <stem>.npy (the CAM of
// the fixture's gradcam_class case: the defaults are the script's method-free ones, gradcam / class / 0.2 /
// 16,19,21); a bad --layer is one error line naming the flag and its value, exit 1, and no run folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { readNpyFile } from '../../src/io/npy.ts';

const dir = fileURLToPath(new URL('../fixtures/analysis/heatmap/', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-heatmap-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'heatmap', '--weights', join(dir, 'model.pt'), '--source', join(dir, 'image.png'), '--img', '128', '--project', join(work, 'runs'), ...args], { encoding: 'utf8', cwd: work });

test('tsyolo heatmap --save-npy writes the picture and the CAM into runs/heatmap-style exp folders', async () => {
  const r = run('--save-npy');
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(readdirSync(join(work, 'runs', 'exp')).sort(), ['image.npy', 'image.png']);
  const cam = readNpyFile(join(work, 'runs', 'exp', 'image.npy'));
  const ref = readNpyFile(join(dir, 'gradcam_class.npy'));
  assert.deepEqual(cam.shape, [96, 128]);
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs((cam.data as Float32Array)[i]! - (ref.data as Float32Array)[i]!));
  assert.ok(worst <= 0.05, `max abs diff ${worst}`);
  const png = await decodeImage(join(work, 'runs', 'exp', 'image.png'));
  assert.deepEqual([png.width, png.height], [128, 96]);
  const again = run('--method', 'eigencam', '--target', 'box', '--renorm');
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(readdirSync(join(work, 'runs', 'exp2')), ['image.png']); // no .npy without --save-npy
});

test('a bad --layer is one error line naming the flag and the value, exit 1, nothing written', () => {
  for (const [value, message] of [
    ['16,99', /^tsyolo: error: --layer 16,99: no layer 99 to explain: the model's layers are 0–23 \(24 is the detection head\)$/],
    ['16,x', /^tsyolo: error: --layer takes YAML layer indices like 16,19,21, got '16,x'$/],
  ] as const) {
    const r = run('--layer', value, '--name', 'bad');
    assert.equal(r.status, 1);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(work, 'runs', 'bad')));
  }
});

test('nothing to explain in any image is an error (the script silently wrote nothing), exit 1, no run folder', () => {
  const r = run('--conf-thres', '1', '--name', 'none');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /no prediction to explain: none of the 15 rows with the highest objectness has a class score ≥ 1/);
  assert.match(r.stderr.trim(), /^tsyolo: error: no heatmap written: .*lower --conf-thres$/);
  assert.ok(!existsSync(join(work, 'runs', 'none')));
});
