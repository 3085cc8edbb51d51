// Issue #28 item 2: detect --visualize against YOLOv5 v7.0's detect.py --visualize (feature_visualization): the
// same files under runs/detect/exp/<stem>/ (stage{i}_{Type}_features.png and .npy for every layer before Detect),
// non-empty grids of min(32, channels) maps, the .npy equal to v7.0's (test/fixtures/analysis/heatmap/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { readNpyFile } from '../../src/io/npy.ts';

const dir = fileURLToPath(new URL('../fixtures/analysis/heatmap/', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const expected = JSON.parse(readFileSync(join(dir, 'visualize_expected.json'), 'utf8')) as { run_folder: string[]; files: string[]; saving: [string, string][] };
const work = mkdtempSync(join(tmpdir(), 'tsyolo-visualize-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('detect --visualize writes v7.0 feature_visualization files: names, count, non-empty grids, the same maps', async () => {
  const r = spawnSync(process.execPath, [bin, 'detect', '--weights', join(dir, 'model.pt'), '--source', join(dir, 'visualize.png'), '--img', '128', '--visualize', '--project', join(work, 'runs'), '--device', 'cpu'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const exp = join(work, 'runs', 'exp');
  assert.deepEqual(readdirSync(exp).sort(), expected.run_folder);
  const files = readdirSync(join(exp, 'visualize')).sort();
  assert.deepEqual(files, expected.files);
  assert.equal(files.length, 48); // 24 layers before Detect, a .png and a .npy each
  // v7.0's log line per stage: "Saving …/stage{i}_{Type}_features.png... (shown/channels)"
  for (const [png, count] of expected.saving) assert.ok(r.stdout.includes(`${png}... (${count})`), `${png} (${count})`);
  for (const f of files.filter((f) => f.endsWith('.png'))) {
    const im = await decodeImage(join(exp, 'visualize', f));
    const channels = readNpyFile(join(exp, 'visualize', f.replace('.png', '.npy'))).shape[0]!;
    assert.ok(im.width >= 8 * 16 && im.height >= Math.ceil(Math.min(32, channels) / 8) * 16, `${f}: ${im.width}x${im.height}`);
    const distinct = new Set<number>();
    for (let i = 0; i < im.data.length; i += 3) distinct.add((im.data[i]! << 16) | (im.data[i + 1]! << 8) | im.data[i + 2]!);
    assert.ok(distinct.size > 20, `${f}: ${distinct.size} colours`);
  }
  for (const stage of ['stage17_C3_features.npy', 'stage23_C3_features.npy']) {
    const ref = readNpyFile(join(dir, `visualize_${stage}`));
    const got = readNpyFile(join(exp, 'visualize', stage));
    assert.deepEqual(got.shape, ref.shape);
    const a = got.data as Float32Array, b = ref.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
    assert.ok(worst <= 1e-4, `${stage}: ${worst}`);
  }
});

test('detect --visualize on an ONNX export is refused with a message (v7.0 ignores the flag there)', () => {
  const onnx = fileURLToPath(new URL('../../web/sample-model.onnx', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'detect', '--weights', onnx, '--source', join(dir, 'visualize.png'), '--visualize', '--project', join(work, 'onnx')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^tsyolo: error: --visualize draws the layers of PyTorch weights \(\.pt, \.safetensors\); an exported model \(ONNX\) has none to show$/);
});
