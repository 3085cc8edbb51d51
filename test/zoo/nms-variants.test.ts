// NMS variants (nonMaxSuppression `method`) against YOLOv5 v7.0's non_max_suppression with its torchvision nms call
// replaced by the reference code: bharatsingh430/soft-nms cpu_soft_nms (linear, gaussian) and Zheng et al.'s
// diounms (test/fixtures/zoo/make_nms_variants.py). Every case must equal the reference bit for bit: the same rows
// in the same order, boxes, rescored confidences and classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { type NmsOptions, nonMaxSuppression } from '../../src/eval/nms.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/zoo/nms/${name}`, import.meta.url));

interface Case {
  name: string;
  input: string;
  options: Required<Pick<NmsOptions, 'method' | 'confThres' | 'iouThres' | 'agnostic' | 'multiLabel' | 'maxDet'>> & { sigma?: number };
  output: string;
  counts: number[];
}

const cases = (JSON.parse(readFileSync(fixture('cases.json'), 'utf8')) as { cases: Case[] }).cases;
const inputs = new Map<string, HostTensor>();
const input = (name: string): HostTensor => {
  if (!inputs.has(name)) inputs.set(name, readNpyFile(fixture(name)));
  return inputs.get(name)!;
};

/** Reference rows (image, x1, y1, x2, y2, conf, cls) as float32 bit patterns. */
function referenceRows(c: Case): Uint32Array {
  const t = readNpyFile(fixture(c.output));
  assert.equal(t.dtype, 'float32');
  return new Uint32Array((t.data as Float32Array).slice().buffer);
}

test('the fixtures cover every method, agnostic and per-class, multi-label, several σ and thresholds', () => {
  const methods = new Set(cases.map((c) => c.options.method));
  assert.deepEqual([...methods].sort(), ['diou', 'nms', 'soft-gaussian', 'soft-linear']);
  const sigmas = new Set(cases.filter((c) => c.options.method === 'soft-gaussian').map((c) => c.options.sigma));
  assert.ok(sigmas.size >= 4, `σ values ${[...sigmas]}`);
  assert.ok(cases.some((c) => c.options.agnostic) && cases.some((c) => !c.options.agnostic));
  assert.ok(cases.some((c) => c.options.multiLabel) && cases.some((c) => !c.options.multiLabel));
  // Each setting's methods give different detections, so a method that fell back to plain NMS would fail below.
  for (const c of cases.filter((c) => c.options.method !== 'nms')) {
    const plain = cases.find((p) => p.options.method === 'nms' && p.input === c.input && p.name.split('_')[0] === c.name.split('_')[0])!;
    const a = referenceRows(c);
    const b = referenceRows(plain);
    assert.ok(a.length !== b.length || a.some((v, i) => v !== b[i]), `${c.name} equals ${plain.name}`);
  }
});

for (const c of cases) {
  test(`${c.name}: equals the reference (${c.options.method}, conf ${c.options.confThres}, iou ${c.options.iouThres}${c.options.sigma ? `, σ ${c.options.sigma}` : ''}${c.options.agnostic ? ', agnostic' : ''}${c.options.multiLabel ? ', multi-label' : ''}, max_det ${c.options.maxDet})`, () => {
    const out = nonMaxSuppression(input(c.input), c.options);
    assert.deepEqual(
      out.map((o) => o.shape[0]),
      c.counts,
    );
    const ref = referenceRows(c);
    let r = 0;
    out.forEach((o, image) => {
      assert.equal(o.dtype, 'float32');
      const bits = new Uint32Array((o.data as Float32Array).slice().buffer);
      for (let i = 0; i < o.shape[0]!; i++, r++) {
        assert.equal(new Float32Array(ref.buffer, r * 28, 1)[0], image);
        const got = Array.from(bits.subarray(i * 6, i * 6 + 6));
        const want = Array.from(ref.subarray(r * 7 + 1, r * 7 + 7));
        if (got.some((v, k) => v !== want[k])) {
          const show = (u: number[]) => Array.from(new Float32Array(Uint32Array.from(u).buffer)).join(', ');
          assert.fail(`image ${image} row ${i}: got [${show(got)}], reference [${show(want)}]`);
        }
      }
    });
    assert.equal(r * 7, ref.length);
  });
}

test("method 'nms' is the default", () => {
  for (const c of cases.filter((c) => c.options.method === 'nms')) {
    const { method: _m, ...rest } = c.options;
    const a = nonMaxSuppression(input(c.input), c.options);
    const b = nonMaxSuppression(input(c.input), rest);
    assert.deepEqual(
      a.map((t) => Array.from(t.data as Float32Array)),
      b.map((t) => Array.from(t.data as Float32Array)),
    );
  }
});

/** A (1, rows, 6) one-class prediction from rows of [cx, cy, w, h, obj]. */
function predOf(rows: number[][]): HostTensor {
  return { dtype: 'float32', shape: [1, rows.length, 6], data: Float32Array.from(rows.flatMap((r) => [...r, 1])) };
}
const confs = (t: HostTensor): number[] => Array.from(t.data as Float32Array).filter((_, i) => i % 6 === 4);
const fr = Math.fround;

test('soft-gaussian: an identical box (IoU 1) keeps score · exp(−1/σ) in float32', () => {
  const pred = predOf([
    [20, 20, 10, 10, 0.9],
    [20, 20, 10, 10, 0.8],
  ]);
  const [o] = nonMaxSuppression(pred, { method: 'soft-gaussian', sigma: 0.5, confThres: 0.1 });
  assert.deepEqual(confs(o!), [fr(0.9), fr(fr(0.8) * fr(Math.exp(fr(-1 / fr(0.5)))))]);
  // exp(−2) · 0.8 ≈ 0.108: below a 0.2 threshold the decayed box is dropped
  const [dropped] = nonMaxSuppression(pred, { method: 'soft-gaussian', sigma: 0.5, confThres: 0.2 });
  assert.deepEqual(confs(dropped!), [fr(0.9)]);
});

test('soft-linear: IoU with +1-pixel sides, score · (1 − IoU) only above Nt = iouThres', () => {
  // A = (0,0)-(10,10), B = (0,0)-(10,4): +1-pixel areas 121 and 55, intersection 55 → IoU 55/121
  const pred = predOf([
    [5, 5, 10, 10, 0.9],
    [5, 2, 10, 4, 0.8],
  ]);
  const ov = fr(55 / 121);
  const [o] = nonMaxSuppression(pred, { method: 'soft-linear', iouThres: 0.3, confThres: 0.01 });
  assert.deepEqual(confs(o!), [fr(0.9), fr(fr(0.8) * fr(1 - ov))]);
  const [below] = nonMaxSuppression(pred, { method: 'soft-linear', iouThres: 0.5, confThres: 0.01 });
  assert.deepEqual(confs(below!), [fr(0.9), fr(0.8)]);
});

test('soft-NMS re-picks the highest rescored box: a decayed box falls behind a lower-scoring distant one', () => {
  const pred = predOf([
    [20, 20, 10, 10, 0.9],
    [20, 21, 10, 10, 0.8],
    [60, 60, 10, 10, 0.5],
  ]);
  const [o] = nonMaxSuppression(pred, { method: 'soft-gaussian', sigma: 0.5, confThres: 0.01 });
  const rows = Array.from(o!.data as Float32Array);
  assert.deepEqual([rows[1], rows[7], rows[13]], [15, 55, 16]); // y1 of: first box, the distant box, the decayed box
});

test('diou: the centre-distance penalty lets a shifted box through that plain NMS suppresses', () => {
  // B = A shifted by 4 px in x: +1-pixel IoU 77/165 ≈ 0.467; d = 16, c = 14² + 10² = 296 → 0.467 − 0.054 = 0.413
  const pred = predOf([
    [5, 5, 10, 10, 0.9],
    [9, 5, 10, 10, 0.8],
  ]);
  assert.equal(nonMaxSuppression(pred, { method: 'diou', iouThres: 0.44 })[0]!.shape[0], 2);
  assert.equal(nonMaxSuppression(pred, { method: 'diou', iouThres: 0.41 })[0]!.shape[0], 1);
  // plain NMS (torchvision IoU, no +1: 60/140 ≈ 0.43) suppresses at 0.42
  assert.equal(nonMaxSuppression(pred, { iouThres: 0.42 })[0]!.shape[0], 1);
  assert.equal(nonMaxSuppression(pred, { method: 'diou', iouThres: 0.42 })[0]!.shape[0], 2);
});

test('bad methods and σ are refused with a clear message', () => {
  const pred = predOf([[5, 5, 10, 10, 0.9]]);
  assert.throws(() => nonMaxSuppression(pred, { method: 'soft' as never }), /nonMaxSuppression: method must be nms, diou, soft-linear or soft-gaussian, got "soft"/);
  assert.throws(() => nonMaxSuppression(pred, { method: 'soft-gaussian', sigma: -1 }), /nonMaxSuppression: sigma must be a number > 0, got -1/);
  assert.throws(() => nonMaxSuppression(pred, { method: 'soft-gaussian', sigma: 0 }), /sigma must be a number > 0, got 0/);
});
