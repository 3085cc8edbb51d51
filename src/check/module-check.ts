// `tsyolo modules --check`: every shipped model YAML (or the given ones) and every registered block no checked YAML
// uses (built alone in a tiny model, synthetic-model.ts) goes through what a block must do in tsyolo:
//   build     the YAML at its own size (parse_model, the stride dry run);
//   GFLOPs    at 640 by thop's rules on that build, and the leaf layers with parameters thop has no rule for;
//   train     forward + ComputeLoss + backward in training mode under use_deterministic_algorithms(True): finite loss,
//             a finite gradient for every parameter that gets one (parameters no path reaches are listed, not failed);
//   fuse      eval output after fuse() equals the unfused one;
//   onnx N    the fused model exported at opsets 12 and 17 runs in onnxruntime-node and equals libtorch's output.
// The numeric checks run on a narrowed copy (width scaled so the narrowest layer has ≤ 32 channels, depth ≤ 0.33;
// the YAML's own multiples when the narrowed copy does not build) at 64 px (at least two cells at the largest
// stride; the dry run's 256 px when the model cannot run at that size), batch 2, with random BatchNorm statistics so
// fusing is not the identity.
//
// Deterministic mode: libtorch's CPU kernels (adaptive average/max pooling included) are deterministic, so on the CPU
// the strict mode passes. On CUDA, adaptive_avg_pool2d_backward_cuda and adaptive_max_pool2d_backward_cuda (CBAM, SE,
// CA, ECA, …), upsample_bilinear2d_backward_out_cuda and others have no deterministic implementation and raise under
// strict mode — which is how attention blocks stop YOLOv5 v7.0's train.py (its init_seeds(deterministic=True) calls
// torch.use_deterministic_algorithms(True) from torch 1.12). The check runs the step strictly first; when the engine
// reports such an op it runs the step again with warn_only (what later Ultralytics releases do) and lists the op: the
// block trains, its CUDA gradients are just not bit-reproducible. `tsyolo train` itself never turns the mode on.
import type { Module } from '../nn/module.ts';
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import { exportOnnx } from '../export/export-onnx.ts';
import { DEFAULT_HYP } from '../data/hyp.ts';
import { rand, tensor } from '../tensor/create.ts';
import { areDeterministicAlgorithmsEnabled, manualSeed, noGrad, useDeterministicAlgorithms } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { ComputeLoss } from '../train/loss.ts';
import { isClassifierSource } from '../yolo/classification-checkpoint.ts';
import { loadClassifierConfig } from '../yolo/classification-model.ts';
import { DetectionModel } from '../yolo/detection-model.ts';
import { modelGflops, uncountedLayers } from '../yolo/flops.ts';
import { type ModelConfig, loadModelConfig, shippedConfigNames } from '../yolo/model-config.ts';
import { Segment } from '../yolo/modules/heads/segment.ts';
import { planModel } from '../yolo/parse-model.ts';
import { getModuleSpec, registeredModuleNames } from '../yolo/registry.ts';
import { SYNTHETIC_CHANNELS, syntheticCandidates } from './synthetic-model.ts';

export const CHECK_OPSETS = [12, 17] as const;
/** Largest allowed difference, relative to the reference output's largest magnitude (at least 1). */
export const CHECK_TOLERANCE = 1e-4;

/** One check's outcome: passed (with an optional remark), failed (why), or not run (an earlier step failed). */
export type CheckCell = { ok: true; note?: string } | { ok: false; error: string } | null;

export interface CheckRow {
  /** The YAML as given (a shipped name or a path), or the block's YAML name. */
  target: string;
  kind: 'yaml' | 'block';
  build: CheckCell;
  train: CheckCell;
  fuse: CheckCell;
  /** Per opset (12, 17). */
  onnx: Record<number, CheckCell>;
  /** Largest ONNX-vs-libtorch difference (relative). */
  maxDiff?: number;
  /** GFLOPs at 640 (the YAML's own size; a block's tiny model). */
  gflops?: number;
  /** Why counting GFLOPs failed (thop's rule runs the model at stride size, e.g. 32×32). */
  gflopsError?: string;
  /** Leaf layers with parameters thop has no rule for (their cost is missing from GFLOPs, as in YOLOv5's). */
  uncounted: string[];
  /** A block whose args could not be guessed into a model that builds: check it inside a YAML (--cfg). */
  needsYaml?: string;
  /** What the numeric checks ran on: the narrowed multiples, the size, or the block's row in its tiny model. */
  checkedAt: string[];
  /** Remarks: parameters without a gradient, ops without a deterministic kernel, a fallback size or width. */
  notes: string[];
}

export interface ModuleCheckOptions {
  /** YAMLs to check (shipped names or paths); default: every shipped YAML. */
  cfgs?: string[];
  /** Blocks to check alone; default (no cfgs, no blocks): every registered block no checked YAML uses. */
  blocks?: string[];
  /** libtorch device of the training step ('cpu', 'cuda:0'); the export checks run on the CPU. */
  device?: string;
  /** Image size of the numeric checks (default 64; raised to two cells at the largest stride). */
  img?: number;
  /** Called with each row as soon as it is done. */
  onRow?: (row: CheckRow) => void;
}

export const rowFailed = (r: CheckRow) => r.gflopsError !== undefined || [r.build, r.train, r.fuse, ...Object.values(r.onnx)].some((c) => c !== null && !c.ok);

/** GFLOPs at 640 and the uncounted layers, or why they could not be counted. */
function countFlops(model: DetectionModel, row: CheckRow): void {
  row.uncounted = uncountedLayers(model);
  try {
    row.gflops = modelGflops(model, 640);
  } catch (e) {
    row.gflopsError = message(e);
  }
}

/** The checks a run covers: YAMLs, then blocks alone. */
export function checkTargets(o: Pick<ModuleCheckOptions, 'cfgs' | 'blocks'>): { yamls: string[]; blocks: string[] } {
  if (o.cfgs?.length || o.blocks?.length) {
    for (const b of o.blocks ?? []) if (!getModuleSpec(b)) throw new Error(`modules --check: no block named '${b}' is registered (known: ${registeredModuleNames().join(', ')})`);
    return { yamls: o.cfgs ?? [], blocks: o.blocks ?? [] };
  }
  // Classifier configs (-cls, a Classify head) are not detection models: --check covers their blocks through them
  // being used, and skips the configs themselves (the classification tests cover them).
  const classifiers = shippedConfigNames().filter((y) => isClassifierSource(y));
  const yamls = shippedConfigNames().filter((y) => !classifiers.includes(y));
  const used = new Set<string>();
  for (const y of classifiers) for (const row of [...loadClassifierConfig(y).config.backbone, ...loadClassifierConfig(y).config.head]) used.add(row[2]);
  for (const y of yamls) {
    try {
      const { config } = loadModelConfig(y);
      for (const row of [...config.backbone, ...config.head]) used.add(row[2]);
    } catch {
      // Its own row reports the problem.
    }
  }
  return { yamls, blocks: registeredModuleNames().filter((n) => !used.has(n)) };
}

/** Runs the checks; one row per YAML, then per block. */
export async function checkModules(o: ModuleCheckOptions = {}): Promise<CheckRow[]> {
  const ort = await loadOrt();
  const { yamls, blocks } = checkTargets(o);
  const ctx: Ctx = { ort, device: o.device ?? 'cpu', img: o.img ?? 64 };
  if (ctx.device.startsWith('cuda') && process.env.CUBLAS_WORKSPACE_CONFIG === undefined) {
    // cuBLAS is deterministic only with a fixed workspace (YOLOv5's init_seeds sets the same).
    process.env.CUBLAS_WORKSPACE_CONFIG = ':4096:8';
  }
  const rows: CheckRow[] = [];
  for (const y of yamls) {
    const row = await checkYaml(y, ctx);
    rows.push(row);
    o.onRow?.(row);
  }
  for (const b of blocks) {
    const row = await checkBlock(b, ctx);
    rows.push(row);
    o.onRow?.(row);
  }
  return rows;
}

// ------------------------------------------------------------------------------------------------ one target

interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release(): Promise<void>;
  readonly outputNames: readonly string[];
}
interface Ort {
  InferenceSession: { create(bytes: Uint8Array, options?: object): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}
interface Ctx {
  ort: Ort;
  device: string;
  img: number;
}

async function loadOrt(): Promise<Ort> {
  try {
    return (await import('onnxruntime-node')) as unknown as Ort;
  } catch (e) {
    throw new Error(`modules --check runs the ONNX exports in onnxruntime-node, which is not installed (npm install onnxruntime-node): ${(e as Error).message}`);
  }
}

const emptyRow = (target: string, kind: CheckRow['kind']): CheckRow => ({
  target,
  kind,
  build: null,
  train: null,
  fuse: null,
  onnx: Object.fromEntries(CHECK_OPSETS.map((v) => [v, null])),
  uncounted: [],
  checkedAt: [],
  notes: [],
});

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

async function checkYaml(name: string, ctx: Ctx): Promise<CheckRow> {
  const row = emptyRow(name, 'yaml');
  let config: ModelConfig;
  let file: string;
  let model: DetectionModel;
  try {
    ({ config, file } = loadModelConfig(name));
    manualSeed(0);
    model = new DetectionModel(config, { yamlFile: file });
    row.build = { ok: true };
  } catch (e) {
    row.build = { ok: false, error: message(e) };
    return row;
  }
  countFlops(model, row);
  // The numeric checks on a narrow, shallow copy where that builds (the YAML's own build when it is that already).
  const small = narrowConfig(config, model.inputChannels, file);
  if (small) {
    model.dispose();
    try {
      manualSeed(0);
      model = new DetectionModel(small.config, { yamlFile: file });
      row.checkedAt.push(small.describe);
    } catch (e) {
      manualSeed(0);
      model = new DetectionModel(config, { yamlFile: file });
      row.notes.push(`numeric checks at the YAML's own width (the narrowed copy does not build: ${message(e)})`);
    }
  }
  try {
    await numericChecks(model, row, ctx);
  } finally {
    model.dispose();
  }
  return row;
}

async function checkBlock(name: string, ctx: Ctx): Promise<CheckRow> {
  const row = emptyRow(name, 'block');
  const spec = getModuleSpec(name)!;
  let model: DetectionModel | undefined;
  let firstError = '';
  for (const c of syntheticCandidates(spec)) {
    try {
      manualSeed(0);
      model = new DetectionModel(c.config, { source: `block ${name} in Conv → ${c.row} → Detect` });
      row.checkedAt.push(`Conv → Conv (${SYNTHETIC_CHANNELS} channels) → ${c.row} → Detect`);
      break;
    } catch (e) {
      firstError ||= message(e);
    }
  }
  if (!model) {
    row.needsYaml = `none of its guessed args (from doc.args ${spec.doc?.args ?? '(none)'} and its channel rule) builds: ${firstError}`;
    return row;
  }
  try {
    row.build = { ok: true };
    countFlops(model, row);
    await numericChecks(model, row, ctx);
  } finally {
    model.dispose();
  }
  return row;
}

/**
 * The YAML with width_multiple scaled so its narrowest layer has at most 32 channels and depth_multiple at most 0.33
 * (yolov5s's): every model checks like a yolov5s or smaller. Null when that changes nothing.
 */
function narrowConfig(cfg: ModelConfig, ch: number, file: string): { config: ModelConfig; describe: string } | null {
  const plan = planModel(cfg, ch, file);
  const widths = plan.slice(0, -1).map((l) => l.c2);
  const narrowest = Math.min(...widths);
  const factor = Number.isFinite(narrowest) && narrowest > SYNTHETIC_CHANNELS ? SYNTHETIC_CHANNELS / narrowest : 1;
  const gd = Math.min(cfg.depth_multiple, 0.33);
  if (factor === 1 && gd === cfg.depth_multiple) return null;
  const gw = cfg.width_multiple * factor;
  return { config: { ...cfg, width_multiple: gw, depth_multiple: gd }, describe: `width_multiple ${+gw.toFixed(4)}, depth_multiple ${gd}` };
}

// ------------------------------------------------------------------------------------------------ the numeric checks

/** The stride dry run's size: every model that built runs at it. */
const DRY_RUN_SIZE = 256;

/**
 * `img`, or the dry run's 256 px when the model cannot run at `img` (a block built for one feature-map size, or one
 * that needs larger maps): the numeric checks then run where the model does, with a note.
 */
function workingSize(model: DetectionModel, img: number, row: CheckRow): number {
  const runs = (size: number) => {
    try {
      noGrad(() => tidy(() => void model.forwardOnce(rand([1, model.inputChannels, size, size]))));
      return true;
    } catch (e) {
      return message(e);
    }
  };
  const wasTraining = model.training;
  model.eval();
  try {
    const first = runs(img);
    if (first === true || img === DRY_RUN_SIZE || runs(DRY_RUN_SIZE) !== true) return img;
    row.notes.push(`numeric checks at ${DRY_RUN_SIZE} px: the model does not run at ${img} px (${first})`);
    return DRY_RUN_SIZE;
  } finally {
    model.train(wasTraining);
  }
}

async function numericChecks(model: DetectionModel, row: CheckRow, ctx: Ctx): Promise<void> {
  const img = workingSize(model, Math.max(ctx.img, 2 * Math.max(...model.stride)), row);
  row.checkedAt.push(`${img} px`);
  try {
    if (ctx.device !== 'cpu') model.moveTo(ctx.device);
    row.train = trainCheck(model, img, ctx.device, row);
  } catch (e) {
    row.train = { ok: false, error: message(e) };
  } finally {
    if (ctx.device !== 'cpu') model.moveTo('cpu');
  }
  let reference: Float32Array[];
  let input: Float32Array;
  const shape = [2, model.inputChannels, img, img];
  try {
    manualSeed(1);
    randomizeNorms(model);
    model.eval();
    input = tidy(() => rand(shape).toFloat32Array());
    reference = evalOutputs(model, input, shape);
    model.fuse();
    const fused = evalOutputs(model, input, shape);
    const d = maxDiff(fused, reference);
    row.fuse = d <= CHECK_TOLERANCE ? { ok: true } : { ok: false, error: `fused output differs from unfused by ${d.toExponential(1)} (> ${CHECK_TOLERANCE})` };
    reference = fused;
  } catch (e) {
    row.fuse = { ok: false, error: message(e) };
    return;
  }
  for (const opset of CHECK_OPSETS) {
    try {
      const d = await onnxDiff(model, ctx.ort, opset, input, shape, reference);
      row.maxDiff = Math.max(row.maxDiff ?? 0, d);
      row.onnx[opset] = d <= CHECK_TOLERANCE ? { ok: true } : { ok: false, error: `onnxruntime output differs from libtorch by ${d.toExponential(1)} (> ${CHECK_TOLERANCE})` };
    } catch (e) {
      row.onnx[opset] = { ok: false, error: message(e) };
    }
  }
}

/** The engine's op name when `e` is use_deterministic_algorithms refusing an op without a deterministic kernel. */
export function nondeterministicOp(e: unknown): string | undefined {
  return /(\S+) does not have a deterministic implementation/.exec(message(e))?.[1];
}

/** One training step (no optimizer): forward, ComputeLoss on two boxes, backward; gradients checked. */
function trainCheck(model: DetectionModel, img: number, device: string, row: CheckRow): CheckCell {
  if (model.detect instanceof Segment) row.checkedAt.push("loss: the raw maps' mean square (tsyolo trains no masks)");
  const wasDeterministic = areDeterministicAlgorithmsEnabled();
  const nondeterministic: string[] = [];
  try {
    useDeterministicAlgorithms(true);
    for (;;) {
      try {
        trainStep(model, img, device);
        break;
      } catch (e) {
        const op = nondeterministicOp(e);
        if (!op || nondeterministic.includes(op)) throw e;
        nondeterministic.push(op);
        for (const p of model.parameters()) p.clearGrad();
        useDeterministicAlgorithms(true, { warnOnly: true });
      }
    }
  } finally {
    useDeterministicAlgorithms(wasDeterministic);
  }
  const unused: string[] = [];
  const bad: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    const g = p.grad;
    if (!g) {
      unused.push(name);
      continue;
    }
    const finite = tidy(() => Boolean(g.isfinite().all().item()));
    g.dispose();
    p.clearGrad();
    if (!finite) bad.push(name);
  }
  if (bad.length > 0) return { ok: false, error: `non-finite gradients in ${listNames(bad)}` };
  if (unused.length > 0) row.notes.push(`no gradient reaches ${listNames(unused)} (unused in training)`);
  if (nondeterministic.length > 0) {
    row.notes.push(`${nondeterministic.join(', ')} has no deterministic kernel on ${device}: trained with warn_only, as later Ultralytics releases do`);
    return { ok: true, note: 'warn_only' };
  }
  return { ok: true };
}

function listNames(names: string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;
}

function trainStep(model: DetectionModel, img: number, device: string): void {
  model.train();
  manualSeed(2);
  tidy(() => {
    const x = rand([2, model.inputChannels, img, img]).to(device);
    const out = model.forward(x);
    if (!Array.isArray(out)) throw new Error('training-mode forward did not return the raw maps');
    if (model.detect instanceof Segment) {
      // tsyolo trains detection only (no mask loss): the raw maps' mean square stands in for the loss.
      const loss = out.map((p) => p.mul(p).mean()).reduce((a, b) => a.add(b));
      if (!Number.isFinite(loss.item())) throw new Error(`non-finite loss ${loss.item()}`);
      loss.backward();
      return;
    }
    const nc = model.nc;
    // (image, class, cx, cy, w, h), normalised: one box per image.
    const targets = Float32Array.from([0, 0, 0.5, 0.5, 0.4, 0.3, 1, Math.min(1, nc - 1), 0.3, 0.6, 0.2, 0.25]);
    const r = new ComputeLoss(model, { ...DEFAULT_HYP }).compute(out, targets);
    if (![r.lbox, r.lobj, r.lcls].every(Number.isFinite)) throw new Error(`non-finite loss (box ${r.lbox}, obj ${r.lobj}, cls ${r.lcls})`);
    r.loss.backward();
  });
}

/** BatchNorm weights, biases and running statistics drawn at random (fresh ones make fusing the identity). */
function randomizeNorms(model: Module): void {
  noGrad(() =>
    tidy(() => {
      for (const m of model.modules()) {
        if (!(m instanceof BatchNorm2d)) continue;
        const n = m.runningMean.shape[0]!;
        const u = (lo: number, hi: number) => rand([n]).mul(hi - lo).add(lo);
        m.getParameter('weight')?.copy_(u(0.5, 1.5));
        m.getParameter('bias')?.copy_(u(-0.2, 0.2));
        m.runningMean.copy_(u(-0.2, 0.2));
        m.runningVar.copy_(u(0.5, 1.5));
      }
    }),
  );
}

/** Eval outputs in the export's order: predictions, then a Segment head's prototypes. */
function evalOutputs(model: DetectionModel, input: Float32Array, shape: number[]): Float32Array[] {
  return noGrad(() =>
    tidy(() => {
      const out = model.forwardOnce(tensor(input, { shape }));
      if (Array.isArray(out)) throw new Error('eval-mode forward returned raw maps');
      return [out.pred, ...(out.proto ? [out.proto] : [])].map((t: Tensor) => t.toFloat32Array());
    }),
  );
}

async function onnxDiff(model: DetectionModel, ort: Ort, opset: number, input: Float32Array, shape: number[], reference: Float32Array[]): Promise<number> {
  const { bytes } = exportOnnx(model, { imgsz: shape[2]!, batch: shape[0]!, opset });
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    throw new Error(`onnxruntime refuses the export: ${message(e)}`);
  }
  try {
    const out = await session.run({ images: new ort.Tensor('float32', input, shape) });
    const got = session.outputNames.map((n) => out[n]!.data as Float32Array);
    if (got.length !== reference.length) throw new Error(`the export has ${got.length} outputs, libtorch ${reference.length}`);
    return maxDiff(got, reference);
  } finally {
    await session.release();
  }
}

/** max |a − b| over all outputs, relative to the reference's largest magnitude (at least 1). */
export function maxDiff(got: Float32Array[], reference: Float32Array[]): number {
  let d = 0;
  let scale = 1;
  reference.forEach((ref, k) => {
    const a = got[k]!;
    if (a.length !== ref.length) throw new Error(`output ${k} has ${a.length} values, libtorch's ${ref.length}`);
    for (let i = 0; i < ref.length; i++) {
      const diff = Math.abs(a[i]! - ref[i]!);
      d = Math.max(d, Number.isNaN(diff) ? Infinity : diff);
      scale = Math.max(scale, Math.abs(ref[i]!));
    }
  });
  return d / scale;
}
