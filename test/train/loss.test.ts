// ComputeLoss against YOLOv5 v7.0 itself (the *_expected.json fixtures were made by its ComputeLoss on these maps),
// against a torch re-statement for focal loss / label smoothing / pos_weight, and its gradients against finite
// differences in float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { readNpyFile } from '../../src/io/npy.ts';
import * as torch from '../../src/tensor/index.ts';
import { ComputeLoss, type LossHyp, bboxIou, focalBceWithLogits } from '../../src/train/loss.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const json = (f: string) => JSON.parse(readFileSync(FIX + f, 'utf8'));
const rel = (a: number, e: number) => Math.abs(a - e) / Math.max(Math.abs(e), 1e-12);

function fixtureInputs(name: string) {
  const p = [0, 1, 2].map((i) => torch.fromHost(readNpyFile(`${FIX}${name}_train_p${i}.npy`)));
  const targets = torch.fromHost(readNpyFile(`${FIX}${name}_targets.npy`));
  return { p, targets };
}

for (const name of ['yolov5n', 'yolov5n-shufflenetv2']) {
  test(`${name}: lbox, lobj, lcls and (sum)·bs equal YOLOv5 v7.0's ComputeLoss (rel 1e-5)`, () => {
    const exp = json(`${name}_expected.json`);
    const { model } = loadModel(`${FIX}${name}.pt`);
    // The checkpoint's anchors (grid units) and strides are the ones the fixture was made with.
    assert.deepEqual(model.stride, exp.strides);
    const anchorsPx = (model.detect.anchors.tolist() as number[][][]).map((lvl, i) => lvl.map((a) => a.map((v) => v * model.stride[i]!)));
    assert.deepEqual(anchorsPx, exp.anchors_px);

    const { p, targets } = fixtureInputs(name);
    const r = new ComputeLoss(model, exp.hyp).compute(p, targets);
    for (const k of ['lbox', 'lobj', 'lcls'] as const) assert.ok(rel(r[k], exp[k]) < 1e-5, `${k} ${r[k]} vs ${exp[k]}`);
    assert.ok(rel(r.loss.item(), exp.loss_times_bs) < 1e-5, `loss ${r.loss.item()} vs ${exp.loss_times_bs}`);
    assert.deepEqual(r.loss.shape, []);
    model.dispose();
  });
}

test('label smoothing, pos_weight, gains, anchor_t and focal loss match the torch reference', () => {
  const ref = json('train_reference.json').loss_variants as Record<string, Record<string, number> & { hyp: LossHyp }>;
  const exp = json('yolov5n_expected.json');
  // A head with the fixture's anchors (grid units) is all ComputeLoss needs.
  const anchors = torch.tensor((exp.anchors_px as number[][][]).flatMap((lvl, i) => lvl.flatMap((a) => a.map((v) => v / exp.strides[i]))), { shape: [3, 3, 2] });
  const head = { anchors, na: 3, nc: 80, nl: 3 };
  const { p, targets } = fixtureInputs('yolov5n');
  for (const [variant, e] of Object.entries(ref)) {
    const r = new ComputeLoss({ detect: head }, e.hyp).compute(p, targets);
    for (const k of ['lbox', 'lobj', 'lcls'] as const) assert.ok(rel(r[k], e[k]!) < 1e-5, `${variant} ${k}: ${r[k]} vs ${e[k]}`);
    assert.ok(rel(r.loss.item(), e.loss_times_bs!) < 1e-5, `${variant} loss`);
  }
});

test('backward gives finite gradients on every prediction map, non-zero only where they should be', () => {
  const exp = json('yolov5n_expected.json');
  const { model } = loadModel(`${FIX}yolov5n.pt`);
  const { p, targets } = fixtureInputs('yolov5n');
  for (const t of p) t.requiresGrad_(true);
  const r = new ComputeLoss(model, exp.hyp).compute(p, targets);
  r.loss.backward();
  for (const t of p) {
    const g = t.grad!.toFloat32Array();
    assert.ok(g.every(Number.isFinite));
    // Objectness gets a gradient in every cell; box/class channels only in assigned cells.
    const no = 85;
    let objNonZero = 0;
    let clsNonZero = 0;
    for (let i = 0; i < g.length; i += no) {
      if (g[i + 4] !== 0) objNonZero++;
      if (g[i + 5] !== 0) clsNonZero++;
    }
    assert.equal(objNonZero, g.length / no);
    assert.ok(clsNonZero > 0 && clsNonZero < g.length / no / 4);
  }
  model.dispose();
});

// The box channels' gradient is by design not the derivative of the loss value: YOLOv5 holds CIoU's alpha and the
// objectness target (the IoU) constant in backward. Objectness and class channels must match exactly.
test('objectness and class gradients equal central finite differences (float64, two levels, shared cells)', () => {
  const shapes = [
    [2, 2, 4, 4, 8],
    [2, 2, 2, 2, 8],
  ];
  const head = { anchors: torch.tensor([0.8, 1.1, 1.6, 0.9, 0.5, 0.6, 1.2, 0.7], { shape: [2, 2, 2], dtype: 'float64' }), na: 2, nc: 3, nl: 2 };
  // (image, class, cx, cy, w, h): two labels share a cell on purpose.
  const rows = [0, 1, 0.3, 0.6, 0.2, 0.25, 1, 2, 0.7, 0.2, 0.3, 0.2, 1, 0, 0.71, 0.22, 0.25, 0.3, 0, 0, 0.55, 0.45, 0.6, 0.5];
  const targets = torch.tensor(Float64Array.from(rows), { shape: [4, 6] });
  const hyp: LossHyp = { box: 0.05, obj: 1.0, cls: 0.5, cls_pw: 1.2, obj_pw: 0.9, anchor_t: 4.0, fl_gamma: 0, label_smoothing: 0.05 };
  const loss = new ComputeLoss({ detect: head }, hyp);
  const values = shapes.map((s, l) => Float64Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(0.37 * i + l) * 1.5));
  const evalLoss = (vals: Float64Array[], withGrad: boolean) =>
    torch.tidy(() => {
      const p = vals.map((v, l) => torch.tensor(v, { shape: shapes[l], requiresGrad: withGrad }));
      const r = loss.compute(p, targets);
      if (!withGrad) return { value: r.loss.item(), grads: [] as Float64Array[] };
      r.loss.backward();
      return { value: r.loss.item(), grads: p.map((t) => t.grad!.toTypedArray() as Float64Array) };
    });
  const { grads } = evalLoss(values, true);
  const h = 1e-6;
  let checked = 0;
  values.forEach((v, l) => {
    for (let i = 0; i < v.length; i++) {
      if (i % 8 < 4) continue;
      const plus = values.map((x) => x.slice());
      const minus = values.map((x) => x.slice());
      plus[l]![i]! += h;
      minus[l]![i]! -= h;
      const fd = (evalLoss(plus, false).value - evalLoss(minus, false).value) / (2 * h);
      const an = grads[l]![i]!;
      assert.ok(Math.abs(fd - an) <= 1e-6 + 1e-4 * Math.abs(fd), `level ${l} element ${i}: analytic ${an}, numeric ${fd}`);
      checked++;
    }
  });
  assert.ok(checked > 100);
});

test('no labels: only objectness, BCE against all-zero targets', () => {
  const head = { anchors: torch.tensor([1, 1, 2, 2], { shape: [1, 2, 2] }), na: 2, nc: 2, nl: 1 };
  const loss = new ComputeLoss({ detect: head }, { box: 0.05, obj: 1.0, cls: 0.5, cls_pw: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0 });
  loss.balance.splice(0, loss.balance.length, 4.0); // one level: weight 4.0 as P3's
  const vals = Float32Array.from({ length: 1 * 2 * 3 * 3 * 7 }, (_, i) => Math.cos(i) * 2);
  const r = loss.compute([torch.tensor(vals, { shape: [1, 2, 3, 3, 7] })], torch.zeros([0, 6]));
  let bce = 0;
  for (let i = 4; i < vals.length; i += 7) bce += Math.log1p(Math.exp(vals[i]!)); // −log(1 − σ(x))
  assert.equal(r.lbox, 0);
  assert.equal(r.lcls, 0);
  assert.ok(rel(r.lobj, (4.0 * bce) / 18) < 1e-6);
});

test('CIoU, DIoU, GIoU and IoU equal their formulas on hand-made boxes', () => {
  // (cx, cy, w, h) pairs: overlapping, disjoint, identical.
  const b1 = [2, 2, 2, 2, 0, 0, 1, 2, 5, 5, 3, 1];
  const b2 = [3, 2, 2, 4, 3, 0, 2, 1, 5, 5, 3, 1];
  const t1 = torch.tensor(Float64Array.from(b1), { shape: [3, 4] });
  const t2 = torch.tensor(Float64Array.from(b2), { shape: [3, 4] });
  const eps = 1e-7;
  for (let k = 0; k < 3; k++) {
    const [x1, y1, w1, h1] = b1.slice(4 * k, 4 * k + 4) as [number, number, number, number];
    const [x2, y2, w2, h2] = b2.slice(4 * k, 4 * k + 4) as [number, number, number, number];
    const ix = Math.max(0, Math.min(x1 + w1 / 2, x2 + w2 / 2) - Math.max(x1 - w1 / 2, x2 - w2 / 2));
    const iy = Math.max(0, Math.min(y1 + h1 / 2, y2 + h2 / 2) - Math.max(y1 - h1 / 2, y2 - h2 / 2));
    const union = w1 * h1 + w2 * h2 - ix * iy + eps;
    const iou = (ix * iy) / union;
    const cw = Math.max(x1 + w1 / 2, x2 + w2 / 2) - Math.min(x1 - w1 / 2, x2 - w2 / 2);
    const ch = Math.max(y1 + h1 / 2, y2 + h2 / 2) - Math.min(y1 - h1 / 2, y2 - h2 / 2);
    const rho2 = (x2 - x1) ** 2 + (y2 - y1) ** 2;
    const c2 = cw ** 2 + ch ** 2 + eps;
    const v = (4 / Math.PI ** 2) * (Math.atan(w2 / h2) - Math.atan(w1 / h1)) ** 2;
    const alpha = v / (v - iou + 1 + eps);
    const expected = {
      IoU: iou,
      GIoU: iou - (cw * ch + eps - union) / (cw * ch + eps),
      DIoU: iou - rho2 / c2,
      CIoU: iou - (rho2 / c2 + v * alpha),
    };
    for (const [kind, e] of Object.entries(expected)) {
      const got = (bboxIou(t1, t2, kind === 'IoU' ? {} : { [kind]: true }).tolist() as number[][])[k]![0]!;
      assert.ok(Math.abs(got - e) < 1e-12, `${kind} box ${k}: ${got} vs ${e}`);
    }
  }
  // xyxy input gives the IoU of the same boxes.
  const xyxy = torch.tensor(Float64Array.from([1, 1, 3, 3]), { shape: [1, 4] });
  const other = torch.tensor(Float64Array.from([2, 0, 4, 4]), { shape: [1, 4] });
  assert.ok(Math.abs((bboxIou(xyxy, other, { xywh: false }).item()) - 2 / (4 + 8 - 2 + 1e-7 + 4e-7 + 2e-7)) < 1e-6);
});

test('focal BCE equals alpha_t·(1 − p_t)^gamma·BCE, averaged', () => {
  const x = [-2, -0.5, 0.3, 1.7];
  const y = [0, 1, 0.2, 1];
  const got = focalBceWithLogits(torch.tensor(Float64Array.from(x)), torch.tensor(Float64Array.from(y)), torch.tensor(Float64Array.of(1.3)), 2.0).item();
  let sum = 0;
  x.forEach((xi, i) => {
    const p = 1 / (1 + Math.exp(-xi));
    const bce = -(1.3 * y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p));
    const pT = y[i]! * p + (1 - y[i]!) * (1 - p);
    sum += bce * (y[i]! * 0.25 + (1 - y[i]!) * 0.75) * (1 - pT) ** 2;
  });
  assert.ok(rel(got, sum / 4) < 1e-10);
});

test('bad input is rejected with the reason', () => {
  const head = { anchors: torch.tensor([1, 1], { shape: [1, 1, 2] }), na: 1, nc: 2, nl: 1 };
  const loss = new ComputeLoss({ detect: head }, { box: 0.05, obj: 1, cls: 0.5, cls_pw: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0 });
  const p = torch.zeros([1, 1, 2, 2, 7]);
  assert.throws(() => loss.compute([p, p], torch.zeros([0, 6])), /expected 1 prediction maps/);
  assert.throws(() => loss.compute([torch.zeros([1, 1, 2, 2, 9])], torch.zeros([0, 6])), /expected \[bs, 1, ny, nx, 7\]/);
  assert.throws(() => loss.compute([p], torch.zeros([3, 5])), /targets must be \(nt, 6\)/);
  assert.throws(() => loss.compute([p], torch.tensor([[0, 5, 0.5, 0.5, 0.5, 0.5]])), /class 5 is outside 0…1/);
  assert.throws(() => loss.compute([p], torch.tensor([[3, 1, 0.5, 0.5, 0.5, 0.5]])), /image index 3 is outside the batch of 1/);
  assert.throws(() => new ComputeLoss({ detect: head }, { box: Number.NaN } as unknown as LossHyp), /hyp 'box'/);
});
