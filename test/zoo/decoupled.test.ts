// YOLOAir's decoupled head (Decoupled_Detect) against fixtures made by running YOLOAir's code in a scratch YOLOv5
// v7.0 (test/fixtures/zoo/make_zoo_decoupled.py): the shipped yolov5s-decoupled.yaml's summary, a checkpoint saved
// by that code (eval output, fused too), training-mode outputs, ComputeLoss and gradients, ONNX at opsets 12 and 17,
// and `tsyolo train` → `tsyolo val` on digit scenes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import * as torch from '../../src/tensor/index.ts';
import { ComputeLoss, type LossHyp } from '../../src/train/loss.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { DecoupledDetect, DecoupledHead } from '../../src/yolo/modules/heads/decoupled.ts';
import { Detect } from '../../src/yolo/modules/heads/detect.ts';
import { makeDigits, runCli } from '../train-cli/harness.ts';
import { assertCheckpointLayout, assertCheckpointOutputs, assertSummary, type ParitySummaryRow, relativeDiff, zooFixtures } from './zoo-fixture.ts';

const fx = zooFixtures('decoupled');
const fixture = fx.path;
const STEM = 'decoupled-mini';
const rel = (a: number, e: number) => Math.abs(a - e) / Math.max(Math.abs(e), 1e-12);

const ref = fx.json<{
  summary: { unfused: ParitySummaryRow; fused: ParitySummaryRow };
  rows: Array<[number | number[], number, number, string]>;
  strides: number[];
  anchors_px: number[][][];
  pred_bias_abs_max: number;
  anchors3: { strides: number[]; anchors_grid: number[][][] };
}>('summary.json');
const expected = fx.json<{
  state_dict: Record<string, number[]>;
  strides: number[];
  names: string[];
  img: number;
  output_shape: number[];
  train_shapes: number[][];
  summary: { unfused: ParitySummaryRow; fused: ParitySummaryRow };
  loss: Record<'lbox' | 'lobj' | 'lcls' | 'loss_times_bs', number> & { hyp: LossHyp; label_smoothing: number; grad_norms: Record<string, number> };
}>(`${STEM}_expected.json`);

test("yolov5s-decoupled.yaml (nc 80, 640): summary, rows, strides and anchors equal YOLOAir's, unfused and fused", () => {
  const { config, file } = loadModelConfig('yolov5s-decoupled.yaml');
  assert.match(file, /configs\/models\/heads\/yolov5s-decoupled\.yaml$/);
  const model = new DetectionModel(config, { yamlFile: file });
  assertSummary(model, 640, ref.summary.unfused, 'unfused');
  assert.deepEqual(model.layerInfo.map((l) => [l.f, l.np, l.type]), ref.rows.map(([f, , np, type]) => [f, np, type]));
  assert.deepEqual(model.stride, ref.strides);
  const head = model.detect;
  assert.ok(head instanceof DecoupledDetect && head instanceof Detect);
  assert.deepEqual((head.anchors.tolist() as number[][][]).map((lvl, i) => lvl.map((a) => a.map((v) => v * model.stride[i]!))), ref.anchors_px);
  // No bias prior: the prediction convs keep PyTorch's init (|b| ≤ 1/√256); a plain Detect's objectness starts near −5.
  for (const level of head.m.items as DecoupledHead[]) {
    for (const conv of [level.cls_preds, level.reg_preds, level.obj_preds]) assert.ok(conv.bias!.abs().max().item() <= 1 / 16);
  }
  assert.ok(ref.pred_bias_abs_max <= 1 / 16);
  model.fuse();
  assertSummary(model, 640, ref.summary.fused, 'fused');
  // The head's Convs (research.py's own class) keep their BatchNorm, as YOLOAir's fuse() leaves them.
  assert.ok((head.m.items[0] as DecoupledHead).cls_convs1.bn !== null);
  model.dispose();
});

test("anchors: 3 — YOLOAir checks the order after dividing by the strides, so the levels come out flipped as in the reference", () => {
  const cfg = structuredClone(loadModelConfig(fixture(`${STEM}.yaml`)).config);
  cfg.anchors = 3;
  const model = new DetectionModel(cfg);
  assert.deepEqual(model.stride, ref.anchors3.strides);
  const got = model.detect.anchors.tolist() as number[][][];
  assert.deepEqual(got, ref.anchors3.anchors_grid);
  model.dispose();
});

test(`${STEM}.pt saved by YOLOAir's code: keys, summary and eval output equal the reference (≤ 1e-5), fused too`, () => {
  const { model } = loadModel(fixture(`${STEM}.pt`));
  assertCheckpointLayout(model, expected);
  assert.deepEqual(model.names, expected.names);
  assertCheckpointOutputs(model, torch.fromHost(fx.npy(`${STEM}_input.npy`)), {
    img: expected.img,
    summary: expected.summary,
    output: fx.npy(`${STEM}_output.npy`),
    fusedOutput: fx.npy(`${STEM}_fused_output.npy`),
    outputShape: expected.output_shape,
  });
  model.dispose();
});

test('training mode: raw maps, ComputeLoss and every parameter gradient equal the reference; finite under deterministic algorithms', () => {
  const { model } = loadModel(fixture(`${STEM}.pt`));
  model.train();
  for (const p of model.parameters()) p.requiresGrad_(true);
  const x = torch.fromHost(readNpyFile(fixture(`${STEM}_input.npy`)));
  const raw = model.forward(x) as torch.Tensor[];
  assert.deepEqual(raw.map((r) => r.shape), expected.train_shapes);
  raw.forEach((r, i) => {
    const d = relativeDiff(r.detach(), torch.fromHost(readNpyFile(fixture(`${STEM}_train_p${i}.npy`))));
    assert.ok(d <= 1e-5, `level ${i}: relative difference ${d}`);
  });
  const targets = torch.fromHost(readNpyFile(fixture(`${STEM}_targets.npy`)));
  const e = expected.loss;
  const r = new ComputeLoss(model, { ...e.hyp, label_smoothing: e.label_smoothing }).compute(raw, targets);
  for (const k of ['lbox', 'lobj', 'lcls'] as const) assert.ok(rel(r[k], e[k]) < 1e-5, `${k}: ${r[k]} vs ${e[k]}`);
  assert.ok(rel(r.loss.item(), e.loss_times_bs) < 1e-5);
  r.loss.backward();
  let compared = 0;
  for (const [name, p] of model.namedParameters()) {
    const want = e.grad_norms[name] as number;
    assert.ok(want !== undefined, `no reference gradient for ${name}`);
    const got = p.grad!.norm().item();
    assert.ok(Math.abs(got - want) <= 1e-4 * want + 1e-6, `${name}: |grad| ${got} vs ${want}`);
    compared++;
  }
  assert.equal(compared, Object.keys(e.grad_norms).length);
  model.dispose();

  // The shipped nc-80 model under deterministic algorithms: forward + backward, every gradient finite.
  const { config, file } = loadModelConfig('yolov5s-decoupled.yaml');
  const full = new DetectionModel(config, { yamlFile: file });
  const wasDeterministic = torch.areDeterministicAlgorithmsEnabled();
  torch.useDeterministicAlgorithms(true);
  try {
    full.train();
    const out = full.forward(torch.rand([2, 3, 64, 64])) as torch.Tensor[];
    const lt = new ComputeLoss(full, { box: 0.05, obj: 1, cls: 0.5, cls_pw: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0 }).compute(out, targets);
    lt.loss.backward();
    for (const [name, p] of full.namedParameters()) assert.ok(p.grad && p.grad.isfinite().all().item() === 1, `${name}: finite gradient`);
  } finally {
    torch.useDeterministicAlgorithms(wasDeterministic);
    full.dispose();
  }
});

test('ONNX export (opsets 12 and 17, static and dynamic) on onnxruntime equals the reference fused output and libtorch (≤ 1e-5)', async () => {
  const { model } = loadModel(fixture(`${STEM}.pt`));
  model.fuse().eval();
  const x = readNpyFile(fixture(`${STEM}_input.npy`));
  const libtorch = torch.noGrad(() => model.forward(torch.fromHost(x)) as torch.Tensor);
  const ref = torch.fromHost(readNpyFile(fixture(`${STEM}_fused_output.npy`)));
  const work = mkdtempSync(join(tmpdir(), 'tsyolo-decoupled-onnx-'));
  try {
    for (const [opset, dynamic] of [[12, false], [17, false], [17, true]] as const) {
      const r = exportOnnx(model, { imgsz: 64, batch: 2, opset, dynamic });
      if (!dynamic) assert.deepEqual(r.outputShape, expected.output_shape);
      const file = join(work, `decoupled-${opset}-${dynamic}.onnx`);
      writeFileSync(file, r.bytes);
      const onnx = await OnnxModel.load(file, { threads: 1 });
      assert.equal(onnx.stride, 32);
      const out = await onnx.forward(x.data as Float32Array, x.shape);
      const y = torch.tensor(out.data, { shape: libtorch.shape });
      const dr = relativeDiff(y, ref);
      const dl = relativeDiff(y, libtorch);
      assert.ok(dr <= 1e-5 && dl <= 1e-5, `opset ${opset} dynamic ${dynamic}: vs reference ${dr}, vs libtorch ${dl}`);
      await onnx.dispose();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    model.dispose();
  }
});

test('tsyolo train --cfg <tiny decoupled yaml> --epochs 1 on digit scenes, then val (checkpoint and its ONNX export)', async () => {
  const { base, data } = await makeDigits('decoupled');
  try {
    const project = join(base, 'runs', 'train');
    const cfg = fixture(`${STEM}.yaml`);
    const t = await runCli(['train', '--data', data, '--cfg', cfg, '--img', '96', '--batch', '8', '--hyp', 'hyp.digits.yaml', '--workers', '0', '--project', project, '--epochs', '1', '--noplots'], base);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /decoupled-mini summary: 283 layers/);
    const best = join(project, 'exp', 'weights', 'best.safetensors');
    const { model } = loadModel(best);
    assert.ok(model.detect instanceof DecoupledDetect);
    assert.equal(model.nc, 10);
    model.dispose();

    const v = await runCli(['val', '--weights', best, '--data', data, '--img', '96', '--batch', '8', '--workers', '0', '--project', join(base, 'runs', 'val'), '--json'], base);
    assert.equal(v.code, 0, v.stderr);
    type Metrics = { mAP50: number; mAP50_95: number; images: number; instances: number };
    const metrics = JSON.parse(v.stdout.trim().split('\n').at(-1)!) as Metrics;
    assert.equal(metrics.images, 8);
    assert.ok(metrics.instances > 0 && Number.isFinite(metrics.mAP50) && Number.isFinite(metrics.mAP50_95), v.stdout);

    const ex = await runCli(['export', '--weights', best, '--img', '96'], base);
    assert.equal(ex.code, 0, ex.stderr);
    const onnx = best.replace(/\.safetensors$/, '.onnx');
    const vo = await runCli(['val', '--weights', onnx, '--data', data, '--img', '96', '--batch', '8', '--workers', '0', '--project', join(base, 'runs', 'val'), '--json'], base);
    assert.equal(vo.code, 0, vo.stderr);
    const onnxMetrics = JSON.parse(vo.stdout.trim().split('\n').at(-1)!) as Metrics;
    assert.deepEqual([onnxMetrics.images, onnxMetrics.instances], [metrics.images, metrics.instances]);
    assert.ok(Number.isFinite(onnxMetrics.mAP50), vo.stdout);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
