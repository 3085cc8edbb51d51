// Test-time augmentation and ensembles against YOLOv5 v7.0's own code (test/fixtures/v7-options/tta/, see its
// README): Model._forward_augment's output on v7.0 checkpoints (P5, P6 and YOLOAir's Decoupled_Detect) on a
// non-square batch, attempt_load's Ensemble (concatenated outputs, stride, names, nc) and non_max_suppression's
// detections of the ensemble, plain and augmented; the refusals (class counts, ONNX).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkAugment } from '../../src/deploy/backend.ts';
import { loadBackend } from '../../src/deploy/load-backend.ts';
import { loadDetector } from '../../src/deploy/load-detector.ts';
import { nmsPerImage } from '../../src/deploy/postprocess.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import type { NmsOptions } from '../../src/eval/nms.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { fromHost, noGrad, zeros } from '../../src/tensor/index.ts';
import { clipAugmented, scaleImg } from '../../src/yolo/augmented-forward.ts';
import { loadEnsemble } from '../../src/yolo/ensemble.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { relativeDiff, relativeDiffHost } from './v7-fixture.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/v7-options/tta/${f}`, import.meta.url));
const decoupledPt = fileURLToPath(new URL('../fixtures/zoo/decoupled/decoupled-mini.pt', import.meta.url));
const cocoPt = fileURLToPath(new URL('../fixtures/yolov5n.pt', import.meta.url)); // v7.0's yolov5n, 80 classes
const expected = JSON.parse(readFileSync(fixture('tta_expected.json'), 'utf8'));
const input = readNpyFile(fixture('tta_input.npy'));
const tmp = mkdtempSync(join(tmpdir(), 'tsyolo-tta-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cases: [string, string, string, boolean][] = [
  ['tta-a.pt (P5), unfused', fixture('tta-a.pt'), 'tta-a_augment_unfused.npy', false],
  ['tta-a.pt (P5), fused as attempt_load', fixture('tta-a.pt'), 'tta-a_augment.npy', true],
  ['tta-b.pt (P6, stride 64)', fixture('tta-b.pt'), 'tta-b_augment.npy', true],
  ["YOLOAir's Decoupled_Detect (zoo/decoupled/decoupled-mini.pt)", decoupledPt, 'decoupled_augment.npy', true],
];
for (const [what, pt, npy, fuse] of cases) {
  test(`--augment: ${what} gives v7.0's _forward_augment output on a 64×128 batch (≤ 1e-5 relative)`, () => {
    const { model } = loadModel(pt);
    if (fuse) model.fuse();
    model.eval();
    const y = noGrad(() => model.predict(fromHost(input), { augment: true }));
    const ref = fromHost(readNpyFile(fixture(npy)));
    assert.deepEqual(y.shape, ref.shape);
    const d = relativeDiff(y, ref);
    assert.ok(d <= 1e-5, `relative difference ${d}`);
    model.dispose();
  });
}

test("scale_img's rule: int(h·r) × int(w·r) bilinear, padded to ceil(·/gs)·gs with 0.447; ratio 1 is the input", () => {
  const x = zeros([1, 3, 64, 128]);
  assert.equal(scaleImg(x, 1), x);
  // 64·0.83 = 53.12 → 53 rows (ceil(53.12/32)·32 = 64), 128·0.83 = 106.24 → 106 columns (→ 128)
  const y = scaleImg(x, 0.83, false, 32);
  assert.deepEqual(y.shape, [1, 3, 64, 128]);
  const v = y.toFloat32Array();
  const at = (r: number, c: number) => v[r * 128 + c]!;
  assert.equal(at(52, 105), 0);
  assert.equal(at(53, 0), Math.fround(0.447));
  assert.equal(at(0, 106), Math.fround(0.447));
  // 0.67 at gs 64: 42 × 85 → 64 × 128
  assert.deepEqual(scaleImg(x, 0.67, false, 64).shape, [1, 3, 64, 128]);
  // same_shape: back to the input size
  assert.deepEqual(scaleImg(zeros([1, 3, 96, 96]), 0.5, true).shape, [1, 3, 96, 96]);
});

test("_clip_augmented's row counts: the first pass loses ⌊rows/g⌋, the last its first ⌊rows/g⌋·4^(nl−1)", () => {
  // v7.0's rows for tta-a at 64×128: 504 (1 + 0.83 mirrored) and the 0.67 pass at 64×96 (3·(8·12 + 4·6 + 2·3) = 378)
  const [a, b, c] = clipAugmented([zeros([1, 504, 8]), zeros([1, 504, 8]), zeros([1, 378, 8])], 3);
  assert.deepEqual([a!.shape[1], b!.shape[1], c!.shape[1]], [504 - 24, 504, 378 - 18 * 16]);
  assert.equal(a!.shape[1]! + b!.shape[1]! + c!.shape[1]!, expected.rows['tta-a_augment']);
});

/** v7.0's rows matched with ours: the same count, each with the same class, box within 0.01 px, score within 1e-5. */
function assertSameDetections(ours: Float32Array, refFile: string): void {
  const ref = readNpyFile(fixture(refFile)) as HostTensor & { data: Float32Array };
  const n = ref.shape[0]!;
  assert.equal(ours.length / 6, n, `${refFile}: ${ours.length / 6} detections, v7.0 ${n}`);
  const used = new Set<number>();
  for (let r = 0; r < n; r++) {
    const e = ref.data.subarray(r * 6, r * 6 + 6);
    // Nearly tied scores may come in either order: look near the same rank first.
    let found = -1;
    for (let k = 0; k < n && found < 0; k++) {
      const j = (r + k) % n;
      if (used.has(j)) continue;
      const o = ours.subarray(j * 6, j * 6 + 6);
      if (o[5] === e[5] && Math.abs(o[4]! - e[4]!) <= 1e-5 && [0, 1, 2, 3].every((c) => Math.abs(o[c]! - e[c]!) <= 0.01)) found = j;
    }
    assert.ok(found >= 0, `${refFile}: v7.0's detection ${r} (${Array.from(e).join(', ')}) is missing`);
    used.add(found);
  }
}

test("ensemble: v7.0's attempt_load([tta-a, tta-b]): printed line, stride 64, first model's names; outputs concatenated (≤ 1e-5) and the same NMS detections", async () => {
  const lines: string[] = [];
  const backend = await loadBackend([fixture('tta-a.pt'), fixture('tta-b.pt')], { log: (s) => lines.push(s) });
  const e = expected.ensemble;
  assert.equal(backend.stride, e.detect_multi_backend_stride);
  assert.deepEqual(backend.names, Object.values(e.names));
  assert.equal(backend.nc, e.nc);
  // v7.0 prints the list as given, then an empty line; the names of tta-b differ in class 2: a warning names both
  assert.equal(`${lines.at(-1)}\n`, e.printed.replace(`['tta-a.pt', 'tta-b.pt']`, `['${fixture('tta-a.pt')}', '${fixture('tta-b.pt')}']`));
  assert.match(lines[0]!, /^WARNING ⚠️ ensemble: the class names of .*tta-b\.pt differ from those of .*tta-a\.pt \(class 2: 'widget' vs 'class2'\)/);

  const valNms: NmsOptions = { confThres: 0.001, iouThres: 0.6, multiLabel: true, maxDet: 300 };
  const detectNms: NmsOptions = { confThres: 0.25, iouThres: 0.45, maxDet: 1000 };
  for (const augment of [false, true]) {
    const out = await backend.forward(input.data as Float32Array, input.shape, undefined, { augment });
    const ref = readNpyFile(fixture(augment ? 'ensemble_augment.npy' : 'ensemble_output.npy'));
    assert.deepEqual(out.shape, augment ? e.augment_output_shape : e.output_shape);
    const d = relativeDiffHost(out.data, ref.data as Float32Array);
    assert.ok(d <= 1e-5, `augment ${augment}: relative difference ${d}`);
    const sets: [string, NmsOptions][] = augment ? [['detect', detectNms]] : [['val', valNms], ['detect', detectNms]];
    for (const [name, nms] of sets) {
      nmsPerImage(out, nms).forEach((det, i) => assertSameDetections(det.data, `ensemble${augment ? '_augment' : ''}_nms_${name}_${i}.npy`));
    }
  }
  await backend.dispose();
});

test('ensemble: a class count other than the first model\'s is refused naming both files and counts', () => {
  // v7.0's assertion text, for tta-a and a 2-class model: the same words for tta-a and yolov5n (80 classes) here
  assert.equal(expected.ensemble.class_count_assertion, 'Models have different class counts: [3, 2]');
  const v7Words = expected.ensemble.class_count_assertion.replace('[3, 2]', '[3, 80]');
  assert.throws(
    () => loadEnsemble([fixture('tta-a.pt'), cocoPt]),
    (err: Error) => {
      assert.match(err.message, /^ensemble: .*yolov5n\.pt has 80 classes but .*tta-a\.pt has 3 \(/);
      assert.ok(err.message.includes(`(${v7Words})`), err.message);
      return true;
    },
  );
});

test('ONNX: refused in an ensemble, and --augment on an ONNX model is refused naming the file', async () => {
  const { model } = loadModel(fixture('tta-a.pt'));
  const onnx = join(tmp, 'tta-a.onnx');
  writeFileSync(onnx, exportOnnx(model.fuse().eval(), { imgsz: 64, dynamic: true }).bytes);
  model.dispose();
  await assert.rejects(loadBackend([fixture('tta-a.pt'), onnx]), /an ensemble \(several --weights\) takes \.pt or \.safetensors weights only, as v7\.0's attempt_load ensembles PyTorch models: .*tta-a\.onnx is an ONNX export/);
  const backend = await loadBackend(onnx);
  assert.throws(() => checkAugment(backend), /^Error: --augment \(test-time augmentation\) runs on PyTorch weights only \(\.pt, \.safetensors\), as in YOLOv5 v7\.0: .*tta-a\.onnx is an exported model \(ONNX\)/);
  await backend.dispose();
  const torch = await loadBackend([fixture('tta-a.pt')]);
  assert.doesNotThrow(() => checkAugment(torch));
  await torch.dispose();
});

test('loadDetector: several weights make an ensemble, { augment: true } runs TTA (per detector or per call); ONNX refuses it', async () => {
  // the fixture batch's first image as RGB bytes (64 × 128)
  const [, , h, w] = input.shape as [number, number, number, number];
  const px = input.data as Float32Array;
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(px[c * h * w + i]! * 255);
  const image = { data, width: w, height: h };
  const det = await loadDetector([fixture('tta-a.pt'), fixture('tta-b.pt')], { imgsz: 128, augment: true });
  assert.equal(det.backend.stride, 64);
  const calls: { augment?: boolean }[] = [];
  const forward = det.backend.forward.bind(det.backend);
  det.backend.forward = (i, sh, t, o) => (calls.push({ ...o }), forward(i, sh, t, o));
  const augmented = await det.detectRows(image);
  const plain = await det.detectRows(image, { augment: false });
  assert.deepEqual(calls.map((c) => c.augment === true), [true, false]);
  assert.ok(augmented.detections.length > 0 && plain.detections.length > 0);
  await det.dispose();
  const { model } = loadModel(fixture('tta-a.pt'));
  const onnx = join(tmp, 'detector.onnx');
  writeFileSync(onnx, exportOnnx(model.fuse().eval(), { imgsz: 64, dynamic: true }).bytes);
  model.dispose();
  await assert.rejects(loadDetector(onnx, { augment: true }), /--augment \(test-time augmentation\) runs on PyTorch weights only/);
});
