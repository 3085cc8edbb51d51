// Shared by the zoo parity tests (test/zoo/*.test.ts), as v7-fixture.ts serves v7-parity: a fixture folder's files
// (test/fixtures/zoo/<group>/, made by the make_*.py beside it), the checks a checkpoint saved by the reference code
// must pass (layout, summaries, eval and fused outputs), ONNX exports run on onnxruntime, a block alone in training
// mode against a blocks_train.json case, and a training step of a small fixture model.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { exportOnnx, type OnnxExportOptions } from '../../src/export/export-onnx.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import type { Module } from '../../src/nn/module.ts';
import {
  areDeterministicAlgorithmsEnabled,
  fromHost,
  manualSeed,
  noGrad,
  rand,
  tensor,
  Tensor,
  tidy,
  useDeterministicAlgorithms,
} from '../../src/tensor/index.ts';
import { ComputeLoss } from '../../src/train/loss.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';
import { relativeDiffHost } from '../yolo/v7-fixture.ts';

export { assertCheckpointLayout, relativeDiff, relativeDiffHost } from '../yolo/v7-fixture.ts';

/** The files of test/fixtures/zoo/<group>/: a path, parsed JSON, a .npy array. */
export function zooFixtures(group: string) {
  const path = (f: string) => fileURLToPath(new URL(`../fixtures/zoo/${group}/${f}`, import.meta.url));
  return {
    path,
    json: <T>(f: string) => JSON.parse(readFileSync(path(f), 'utf8')) as T,
    npy: (f: string) => readNpyFile(path(f)),
  };
}

/** A fresh temporary folder for a test file's YAMLs and ONNX files. */
export const workDir = (name: string) => mkdtempSync(join(tmpdir(), `tsyolo-zoo-${name}-`));

/** |a − b| ≤ tol · |b| */
export const relClose = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.abs(b);

/** max |got − want| ≤ tol · max |want| (host arrays), with `what` and the difference in the message. */
export function assertRelClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  const d = relativeDiffHost(got, want);
  assert.ok(d <= tol, `${what}: relative difference ${d}`);
}

// ------------------------------------------------------------------------------------------------------ summaries
/** A summaries.json row of the zoo make scripts: gflops as model_info() prints it at 640, gflops_exact unrounded. */
export interface PrintedSummaryRow {
  layers: number;
  parameters: number;
  gradients: number;
  gflops: number;
  gflops_exact: number;
}
/** parity_fixture.summary()'s row: gflops unrounded at the image size, gflops_640 as model_info() prints it at 640. */
export interface ParitySummaryRow {
  layers: number;
  parameters: number;
  gradients: number;
  gflops: number;
  gflops_640: number;
}
/** A reference summary: layers, parameters, gradients and thop's GFLOPs, in either form. */
export type SummaryRow = PrintedSummaryRow | ParitySummaryRow;

/** A zoo make script's summaries.json: per example YAML (nc 80, 640), its summary unfused and fused. */
export type ExampleSummaries = Record<string, { unfused: PrintedSummaryRow; fused: PrintedSummaryRow }>;

/** What a STEM_expected.json written with parity_fixture.describe() holds about a checkpoint (the fields read here). */
export interface CheckpointExpected {
  strides: number[];
  output_shape: number[];
  module_types: string[];
  state_dict: Record<string, number[]>;
  summary: Record<'unfused' | 'fused', ParitySummaryRow>;
}

/** The model's summary at `img` equals the row: the counts exactly, GFLOPs ≤ 1e-9 relative, and at 640 as printed. */
export function assertSummary(model: DetectionModel, img: number, ref: SummaryRow, what: string): void {
  const s = summarize(model, img);
  const [exact, printed] = 'gflops_exact' in ref ? [ref.gflops_exact, ref.gflops] : [ref.gflops, ref.gflops_640];
  assert.deepEqual({ layers: s.layers, parameters: s.parameters, gradients: s.gradients }, { layers: ref.layers, parameters: ref.parameters, gradients: ref.gradients }, what);
  assert.ok(relClose(s.gflops, exact, 1e-9), `${what}: GFLOPs ${s.gflops} vs thop's ${exact}`);
  if (img === 640) assert.equal(Number(s.gflops.toFixed(1)), printed, `${what}: GFLOPs as printed`);
}

/**
 * A shipped example YAML, found by name (in configs/models/<group>/ when `group` is given), built as it is (nc 80):
 * `check` looks at the model, then its summary at 640 must equal the reference's, unfused and after fuse().
 */
export function assertExampleSummary(name: string, group: string | null, ref: { unfused: SummaryRow; fused: SummaryRow }, check?: (model: DetectionModel) => void): void {
  const { config, file } = loadModelConfig(name);
  if (group) assert.match(file, new RegExp(`configs/models/${group}/${name.replaceAll('.', '\\.')}$`));
  const model = new DetectionModel(config, { yamlFile: file });
  check?.(model);
  assertSummary(model, 640, ref.unfused, 'unfused');
  model.fuse();
  assertSummary(model, 640, ref.fused, 'fused');
  model.dispose();
}

// ---------------------------------------------------------------------------------------------------- checkpoints
/** The model's eval output on `x` has the reference's shape and equals it within 1e-5 of its range. */
export function assertOutput(model: DetectionModel, x: Tensor, want: HostTensor, what: string, shape: number[] = want.shape): void {
  const y = noGrad(() => model.forward(x) as Tensor);
  assert.deepEqual(y.shape, shape, `${what}: shape`);
  assert.deepEqual(want.shape, shape, `${what}: the reference's shape`);
  assertRelClose(y.toFloat32Array(), want.data as Float32Array, 1e-5, what);
  y.dispose();
}

/**
 * A checkpoint saved by the reference, loaded: its summary at `img`, its eval output on `x` (≤ 1e-5 relative), then
 * after fuse() the fused summary and output. The model stays loaded (the caller disposes it).
 */
export function assertCheckpointOutputs(
  model: DetectionModel,
  x: Tensor,
  ref: { img: number; summary: { unfused: SummaryRow; fused: SummaryRow }; output: HostTensor; fusedOutput: HostTensor; outputShape?: number[] },
): void {
  assertSummary(model, ref.img, ref.summary.unfused, 'unfused');
  model.eval();
  assertOutput(model, x, ref.output, 'eval output', ref.outputShape);
  model.fuse();
  assertSummary(model, ref.img, ref.summary.fused, 'fused');
  assertOutput(model, x, ref.fusedOutput, 'fused output', ref.outputShape);
}

// ----------------------------------------------------------------------------------------------------------- ONNX
export type HostInput = { data: unknown; shape: number[] };

/** Export options for an input's own size: its batch, height and width. */
export const sizeOf = (x: HostInput) => ({ imgsz: [x.shape[2]!, x.shape[3]!] as [number, number], batch: x.shape[0]! });

/** The model's output on `x` (libtorch, no gradients) as host floats. */
export const libtorchOutput = (model: DetectionModel, x: HostTensor | Tensor) =>
  noGrad(() => tidy(() => (model.forward(x instanceof Tensor ? x : fromHost(x)) as Tensor).toFloat32Array()));

/** The model's ONNX export (`options`) written to `file` and run on onnxruntime (one thread): output0 for each input. */
export async function runOnnx(model: DetectionModel, options: OnnxExportOptions, inputs: HostInput[], file: string): Promise<Float32Array[]> {
  writeFileSync(file, exportOnnx(model, options).bytes);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const ys: Float32Array[] = [];
  try {
    for (const x of inputs) {
      const out = await session.run({ images: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
      ys.push(out.output0!.data as Float32Array);
    }
  } finally {
    await session.release();
  }
  return ys;
}

/**
 * ONNX exports of the (eval-mode) model at `input`'s size, one per run, on onnxruntime: output0 equals libtorch's
 * (≤ 1e-4) and, where given, the reference's (≤ 1e-5); a dynamic run also serves `other` (≤ 1e-4 of libtorch).
 */
export async function assertOnnxParity(
  model: DetectionModel,
  o: { input: HostTensor; reference?: ArrayLike<number>; runs: ReadonlyArray<readonly [opset: number, dynamic: boolean]>; other?: Tensor; dir: string; name: string },
): Promise<void> {
  const libtorch = libtorchOutput(model, o.input);
  const other = o.other && { input: { data: o.other.toFloat32Array(), shape: o.other.shape }, libtorch: libtorchOutput(model, o.other) };
  for (const [opset, dynamic] of o.runs) {
    const what = `opset ${opset}${dynamic ? ' dynamic' : ''}`;
    const inputs = dynamic && other ? [o.input, other.input] : [o.input];
    const [y, yOther] = await runOnnx(model, { ...sizeOf(o.input), opset, dynamic }, inputs, join(o.dir, `${o.name}-${opset}${dynamic ? '-dynamic' : ''}.onnx`));
    assertRelClose(y!, libtorch, 1e-4, `${what}: onnxruntime vs libtorch`);
    if (o.reference) assertRelClose(y!, o.reference, 1e-5, `${what}: onnxruntime vs the reference`);
    if (yOther) assertRelClose(yOther, other!.libtorch, 1e-4, `${what}, ${other!.input.shape.join('×')} input: onnxruntime vs libtorch`);
  }
}

// ------------------------------------------------------------------------------------- a block alone, training mode
/** A float32 array in a fixture JSON: its shape and little-endian bytes in base64. */
export interface F32 {
  shape: number[];
  b64: string;
}

export function decodeF32(a: F32): Float32Array {
  const bytes = Buffer.from(a.b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  assert.equal(out.length, a.shape.reduce((p, d) => p * d, 1));
  return out;
}

/** A fixture value as a tensor: an F32 array, or a number as an int64 scalar (num_batches_tracked). */
export const fixtureTensor = (v: F32 | number) => (typeof v === 'number' ? tensor(v, { dtype: 'int64' }) : tensor(decodeF32(v), { shape: v.shape }));

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** One case of a blocks_train.json: the block's state before, its input, and what sum(output · r).backward() gave. */
export interface BlockTrainCase {
  yaml_name: string;
  args: unknown[];
  class: string;
  state_dict: Record<string, F32 | number>;
  input: F32;
  r: F32;
  output: F32;
  input_grad: F32;
  /** null: no gradient in the reference (a module its forward never uses). */
  param_grads: Record<string, F32 | null>;
  buffers_after: Record<string, F32 | number>;
}

/**
 * How parameter gradients that are zero in exact arithmetic (a conv bias before a training-mode BatchNorm, …: float
 * noise on both sides) are held:
 *   'near-zero' — a gradient whose reference is below 1e-4 everywhere must be below 1e-3 everywhere; every other is
 *                 held to 1e-5 of its own range;
 *   'block-range' — every gradient to 1e-5 of the largest parameter gradient of the block (or of its own range).
 */
export type ZeroGradients = 'near-zero' | 'block-range';

/**
 * The block `m` (built with the case's args; `pythonModule` its Python module) loads the case's state, runs in
 * training mode on its input, and sum(output · r).backward() gives the reference's output, input and parameter
 * gradients and BN statistics (≤ 1e-5 of each one's range). The caller disposes `m`.
 */
export function assertBlockTrainCase(m: Module, pythonModule: string, c: BlockTrainCase, zeroGradients: ZeroGradients): void {
  assert.equal(`${pythonModule}.${m.typeName}`, c.class);
  m.loadStateDict(new Map(Object.entries(c.state_dict).map(([k, v]) => [k, fixtureTensor(v)])));
  assert.deepEqual([...m.stateDict().keys()], Object.keys(c.state_dict));
  m.train();
  tidy(() => {
    const x = fixtureTensor(c.input).requiresGrad_(true);
    const y = m.forward(x) as Tensor;
    y.mul(fixtureTensor(c.r)).sum().backward();
    /** max |got − want| ≤ 1e-5 · max(max |want|, floor) */
    const close = (got: Tensor, want: F32, what: string, floor = 0) => {
      assert.deepEqual(got.shape, want.shape, what);
      const b = decodeF32(want);
      const d = relativeDiffHost(got.toFloat32Array(), b) * maxAbs(b);
      const scale = Math.max(maxAbs(b), floor);
      assert.ok(d <= 1e-5 * scale, `${what}: max difference ${d}, scale ${scale}`);
    };
    close(y, c.output, 'output');
    close(x.grad!, c.input_grad, 'input gradient');
    const params = new Map(m.namedParameters());
    assert.deepEqual([...params.keys()], Object.keys(c.param_grads));
    const blockFloor = Math.max(...Object.values(c.param_grads).map((g) => (g ? maxAbs(decodeF32(g)) : 0)));
    for (const [k, g] of Object.entries(c.param_grads)) {
      const got = params.get(k)!.grad;
      if (g === null) assert.equal(got, null, `${k}: no gradient, as in the reference`);
      else if (zeroGradients === 'block-range') close(got!, g, `${k} gradient`, blockFloor);
      else if (maxAbs(decodeF32(g)) >= 1e-4) close(got!, g, `${k} gradient`);
      else assert.ok(got!.abs().max().item() < 1e-3, `${k} gradient should be ~0, got ${got!.abs().max().item()}`);
    }
    const buffers = new Map(m.namedBuffers());
    assert.deepEqual([...buffers.keys()], Object.keys(c.buffers_after));
    for (const [k, v] of Object.entries(c.buffers_after)) {
      if (typeof v === 'number') assert.equal(buffers.get(k)!.item(), v, k);
      else close(buffers.get(k)!, v, k);
    }
  });
}

// ------------------------------------------------------------------------------------------- a model, training mode
export const TRAIN_HYP = { box: 0.05, obj: 1.0, cls: 0.5, cls_pw: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0 };

/**
 * One training-mode forward + backward (ComputeLoss) of the model a fixture YAML builds, on 2 random images of
 * `hw` with targets of several sizes (so every level gets some). Returns the model (the caller disposes it) and the
 * parameters left without a gradient and those with a non-finite one.
 */
export function trainStep(yamlFile: string, hw: [number, number]): { model: DetectionModel; withoutGrad: string[]; nonFinite: string[] } {
  manualSeed(7);
  const { config, file } = loadModelConfig(yamlFile);
  const model = new DetectionModel(config, { yamlFile: file });
  model.train();
  tidy(() => {
    const x = rand([2, 3, ...hw]);
    // image, class, x, y, w, h (normalised)
    const targets = tensor([
      [0, 0, 0.5, 0.5, 0.6, 0.7],
      [0, 1, 0.3, 0.4, 0.2, 0.25],
      [1, 2, 0.6, 0.3, 0.08, 0.1],
      [1, 0, 0.4, 0.7, 0.35, 0.3],
    ]);
    const { loss } = new ComputeLoss(model, TRAIN_HYP).compute(model.forward(x) as Tensor[], targets);
    loss.backward();
  });
  const withoutGrad: string[] = [];
  const nonFinite: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    const g = p.grad;
    if (!g) withoutGrad.push(name);
    else if (!tidy(() => g.isfinite().all().item())) nonFinite.push(name);
  }
  return { model, withoutGrad, nonFinite };
}

/** Runs `fn`, then again under useDeterministicAlgorithms(true); the setting is restored afterwards. */
export function alsoDeterministic(fn: () => void): void {
  fn();
  const was = areDeterministicAlgorithmsEnabled();
  useDeterministicAlgorithms(true);
  try {
    assert.equal(areDeterministicAlgorithmsEnabled(), true);
    fn();
  } finally {
    useDeterministicAlgorithms(was);
  }
}
