// The one-call detector: loadDetector(weights) → detect(input) for every input kind, from the main entry
// (libtorch or ONNX) and from tsyolo/onnx, which must not import the native engine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadDetector } from '../../src/deploy/load-detector.ts';
import { loadDetector as loadOnnxDetector } from '../../src/onnx.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import type { Detection } from '../../src/deploy/detector.ts';
import { assertSameDetections } from './same-detections.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const sample = here('../../web/sample.png'); // 320×232 digit scene
const digits = here('../fixtures/digits-n-shufflenetv2.safetensors'); // trained by the demo
const work = mkdtempSync(join(tmpdir(), 'tsyolo-detector-'));

const rowsOf = (d: Detection[]) => d.flatMap((x) => [x.box.x1, x.box.y1, x.box.x2, x.box.y2, x.score, x.classId]);

test('libtorch weights: every input kind gives the same detections, in the input pixels', async () => {
  const det = await loadDetector(digits, { imgsz: 320, conf: 0.3 });
  const fromPath = await det.detect(sample);
  assert.ok(fromPath.length >= 3, `the trained digits model finds digits (${fromPath.length})`);
  for (const d of fromPath) {
    assert.ok(d.box.x1 >= 0 && d.box.x2 <= 320 && d.box.y1 >= 0 && d.box.y2 <= 232 && d.box.x1 < d.box.x2, JSON.stringify(d));
    assert.equal(d.label, det.names[d.classId]);
    assert.ok(d.score >= 0.3);
    for (const v of Object.values(d.box)) assert.ok(Number.isInteger(v), 'boxes are rounded like detect.py');
  }
  assert.deepEqual(fromPath.map((d) => d.score), fromPath.map((d) => d.score).sort((a, b) => b - a));

  const { data, info } = await sharp(sample).raw().toBuffer({ resolveWithObject: true });
  const rgba = await sharp(sample).ensureAlpha().raw().toBuffer();
  const inputs = {
    buffer: readFileSync(sample),
    sharp: sharp(sample),
    raw: { data, width: info.width, height: info.height },
    rawRgba: { data: rgba, width: info.width, height: info.height, channels: 4 as const },
  };
  for (const [kind, input] of Object.entries(inputs)) assert.deepEqual(await det.detect(input), fromPath, kind);
  // Per-call options override the detector's.
  const strict = await det.detect(sample, { conf: 0.6 });
  assert.deepEqual(strict, fromPath.filter((d) => d.score > 0.6));
  await det.dispose();
});

test('an exported model gives the same detections through tsyolo and tsyolo/onnx as the libtorch weights', async () => {
  const { model } = loadModel(digits);
  const onnxFile = join(work, 'digits.onnx');
  // Dynamic, so that it letterboxes like the libtorch model (320×256 for this 320×232 image).
  writeFileSync(onnxFile, exportOnnx(model.fuse().eval(), { imgsz: 320, dynamic: true }).bytes);
  model.dispose();
  const torch = await loadDetector(digits, { imgsz: 320, conf: 0.3 });
  const want = rowsOf(await torch.detect(sample));
  await torch.dispose();
  for (const load of [loadDetector, loadOnnxDetector]) {
    const det = await load(onnxFile, { imgsz: 320, conf: 0.3 });
    assertSameDetections(rowsOf(await det.detect(readFileSync(sample))), want);
    await det.dispose();
  }
});

test('tsyolo/onnx imports nothing of the native engine', () => {
  const script = join(work, 'onnx-only.mjs');
  writeFileSync(
    script,
    `const { loadDetector } = await import(${JSON.stringify(here('../../src/onnx.ts'))});
const det = await loadDetector(${JSON.stringify(here('../../web/sample-model.onnx'))});
console.log(JSON.stringify(await det.detect(${JSON.stringify(sample)})));`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', here('./forbid-engine.mjs'), script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const detections = JSON.parse(r.stdout) as Detection[];
  assert.ok(detections.length >= 3, r.stdout);
  // The guard itself works: the main entry does import the engine.
  writeFileSync(script, `await import(${JSON.stringify(here('../../src/index.ts'))});`);
  const main = spawnSync(process.execPath, ['--import', 'tsx', '--import', here('./forbid-engine.mjs'), script], { encoding: 'utf8' });
  assert.notEqual(main.status, 0);
  assert.match(main.stderr, /native engine imported/);
});

test('bad input is a clear error naming what is wrong', async () => {
  const det = await loadOnnxDetector(here('../../web/sample-model.onnx'));
  await assert.rejects(det.detect({ data: new Uint8Array(10), width: 4, height: 4 }), /raw image: 10 bytes do not match 4×4×3/);
  await assert.rejects(det.detect(join(work, 'missing.png')), /missing\.png: file not found/);
  await assert.rejects(det.detect(Buffer.from('not an image')), /image buffer: cannot decode image/);
  await assert.rejects(det.detect(42 as never), /detect\(\) takes a file path, a Buffer/);
  await det.dispose();
  await assert.rejects(loadOnnxDetector(digits), /tsyolo\/onnx runs \.onnx models only, got '.*digits-n-shufflenetv2\.safetensors'/);
  await assert.rejects(loadOnnxDetector(here('../../web/sample-model.onnx'), { conf: 2 }), /option conf must be between 0 and 1, got 2/);
});
