// The IoU losses of z1069614715/objectdetection_script's yolo-improve/iou.py against fixtures made by running that
// file plugged into YOLOv5 v7.0's ComputeLoss as its YOLOv5 block says (test/fixtures/zoo/make_iou_losses.py):
// bboxIou's values and gradients on random and degenerate boxes, ComputeLoss's lbox/lobj/lcls for every variant
// over several calls (WIoU's running mean moves between them), the hyp keys and `train --iou-loss`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_HYP, loadHyp, resolveHyp, SHIPPED_HYP_DIR } from '../../src/data/hyp.ts';
import { bboxIou as exportedBboxIou } from '../../src/index.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import * as torch from '../../src/tensor/index.ts';
import { type IouTerms, type IouVariant, WiouScale, bboxIouTerms, iouBoxLoss } from '../../src/train/bbox-iou.ts';
import { ComputeLoss, type LossHyp, bboxIou } from '../../src/train/loss.ts';
import { baseArgs, makeDigits, runCli } from '../train-cli/harness.ts';

const FIX = new URL('../fixtures/', import.meta.url).pathname;
const IOU = `${FIX}zoo/iou/`;
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
/** JSON numbers, with the make script's 'inf' / 'nan' strings for non-finite values. */
const num = (v: number | string) => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);
const rel = (a: number, e: number) => (a === e ? 0 : Math.abs(a - e) / Math.max(Math.abs(e), 1e-12));

/** a equals e (both NaN, equal infinities, or within rtol relative / atol absolute). */
function close(a: number, e: number, rtol: number, atol = 0): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

interface BoxConfig {
  variant: IouVariant;
  xywh: boolean;
  alpha: number;
  focal: boolean;
  scale: boolean;
  monotonous: boolean | null;
  rows: number[];
  elements: Array<'tensor' | number>;
  iou_mean_after: number;
  per_box_loss_finite: number;
}

const boxes1 = readNpyFile(`${IOU}boxes1.npy`);
const boxes2 = readNpyFile(`${IOU}boxes2.npy`);
const values = readNpyFile(`${IOU}bbox_iou_values.npy`);
const grads = readNpyFile(`${IOU}bbox_iou_grads.npy`);
const boxSpec = json(`${IOU}bbox_iou.json`) as { n: number; configs: BoxConfig[] };
const N = boxSpec.n;

function toXyxy(b: Float64Array): Float64Array {
  const out = new Float64Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = b[i]! - b[i + 2]! / 2;
    out[i + 1] = b[i + 1]! - b[i + 3]! / 2;
    out[i + 2] = b[i]! + b[i + 2]! / 2;
    out[i + 3] = b[i + 1]! + b[i + 3]! / 2;
  }
  return out;
}

/** iou.py's return value in its order: a tensor, a (value, weight) pair, or WIoU's (focus, (1 − iou)·R, iou). */
function returned(t: IouTerms, c: BoxConfig): Array<torch.Tensor | 1> {
  if (c.focal) return [t.iou, t.focalWeight!];
  if (c.variant === 'wiou') return c.scale ? [t.wiouFocus!, t.wiouLoss!, t.iou] : [t.iou, t.wiouR!];
  return [t.iou];
}

test('bboxIou equals iou.py on 64 box pairs (zero-width/height/area, identical, nested, 0°/45°/90°), every variant, alpha 1 and 3, Focal, xywh and xyxy', () => {
  assert.equal(boxSpec.configs.length, 64);
  let compared = 0;
  let nanMatched = 0;
  for (const c of boxSpec.configs) {
    const name = `${c.variant} xywh=${c.xywh} alpha=${c.alpha} focal=${c.focal} scale=${c.scale}/${c.monotonous}`;
    torch.tidy(() => {
      const b1 = c.xywh ? (boxes1.data as Float64Array) : toXyxy(boxes1.data as Float64Array);
      const b2 = c.xywh ? (boxes2.data as Float64Array) : toXyxy(boxes2.data as Float64Array);
      const x1 = torch.tensor(b1, { shape: [N, 4], requiresGrad: true });
      const x2 = torch.tensor(b2, { shape: [N, 4] });
      const wiou = c.scale ? new WiouScale(c.monotonous) : undefined;
      const terms = bboxIouTerms(x1, x2, { variant: c.variant, xywh: c.xywh, alpha: c.alpha, focal: c.focal, wiou });
      const got = returned(terms, c);
      assert.equal(got.length, c.elements.length, name);
      let row = 0;
      got.forEach((g, k) => {
        const kind = c.elements[k]!;
        if (kind !== 'tensor') {
          assert.equal(g, kind, `${name}: element ${k} is the number ${kind}`);
          return;
        }
        assert.ok(g !== 1, `${name}: element ${k} is a tensor`);
        const a = (g as torch.Tensor).toTypedArray() as Float64Array;
        const e = (values.data as Float64Array).subarray(c.rows[row]! * N, (c.rows[row]! + 1) * N);
        row++;
        assert.equal(a.length, N);
        for (let i = 0; i < N; i++) {
          // SIoU's angle cost is composed differently (2s·√(1 − s²) for cos(2·asin s − π/2)): a few ulps apart.
          assert.ok(close(a[i]!, e[i]!, 1e-12, 1e-13), `${name}: element ${k} box ${i}: ${a[i]} vs ${e[i]}`);
          if (Number.isNaN(e[i]!)) nanMatched++;
          compared++;
        }
      });
      if (wiou) assert.ok(rel(wiou.iouMean, c.iou_mean_after) < 1e-15, `${name}: running mean ${wiou.iouMean} vs ${c.iou_mean_after}`);

      // The per-box loss ComputeLoss forms, and its gradient: the detached weights must stay detached.
      const lb = iouBoxLoss(terms).view(-1);
      const finite = lb.isfinite();
      assert.equal(finite.sum().item(), c.per_box_loss_finite, name);
      lb.maskedSelect(finite).sum().backward();
      const g = x1.grad!.toTypedArray() as Float64Array;
      const eg = (grads.data as Float64Array).subarray(boxSpec.configs.indexOf(c) * N * 4, (boxSpec.configs.indexOf(c) + 1) * N * 4);
      for (let i = 0; i < N * 4; i++) {
        if (Number.isNaN(eg[i]!)) continue; // rows whose loss is not finite
        assert.ok(close(g[i]!, eg[i]!, 1e-9, 1e-12), `${name}: d/d box1[${Math.floor(i / 4)}][${i % 4}] ${g[i]} vs ${eg[i]}`);
      }
    });
  }
  assert.ok(compared > 7000 && nanMatched > 0, `${compared} values, ${nanMatched} NaN where iou.py gives NaN`);
});

test('bboxIou without iou.py options is v7.0\'s metrics.py (unchanged), and is exported from the package entry', () => {
  assert.equal(exportedBboxIou, bboxIou);
  torch.tidy(() => {
    const b1 = torch.tensor(Float64Array.from([2, 2, 2, 2, 0, 0, 1, 2]), { shape: [2, 4] });
    const b2 = torch.tensor(Float64Array.from([3, 2, 2, 4, 3, 0, 2, 1]), { shape: [2, 4] });
    const v7 = bboxIou(b1, b2, { CIoU: true }).toTypedArray() as Float64Array;
    const iouPy = bboxIou(b1, b2, { variant: 'ciou' }).toTypedArray() as Float64Array;
    // iou.py's CIoU adds eps in two more places: a different value by ~1e-7, not a different formula.
    for (let i = 0; i < 2; i++) {
      assert.notEqual(v7[i], iouPy[i]);
      assert.ok(Math.abs(v7[i]! - iouPy[i]!) < 1e-6);
    }
  });
  assert.throws(() => bboxIou(torch.zeros([1, 4]), torch.zeros([1, 4]), { variant: 'wiou', focal: true }), /WIoU does not support Focal/);
});

interface LossFixture {
  hyp: LossHyp;
  scales: number[];
  momentum: number;
  variants: Record<string, { hyp: Partial<LossHyp>; monotonous: boolean | null; steps: Array<Record<'lbox' | 'lobj' | 'lcls' | 'loss_times_bs' | 'iou_mean', number | string>> }>;
  v7_ciou: Record<'lbox' | 'lobj' | 'lcls' | 'loss_times_bs', number>;
}
const losses = json(`${IOU}losses.json`) as LossFixture;
const exp = json(`${FIX}yolov5n_expected.json`);

function yolov5nHead() {
  // The yolov5n fixture's anchors in grid units: all ComputeLoss reads of the model.
  const anchors = torch.tensor((exp.anchors_px as number[][][]).flatMap((lvl, i) => lvl.flatMap((a) => a.map((v) => v / exp.strides[i]))), { shape: [3, 3, 2] });
  return { anchors, na: 3, nc: 80, nl: 3 };
}
const p0 = [0, 1, 2].map((i) => torch.fromHost(readNpyFile(`${FIX}yolov5n_train_p${i}.npy`)));
const targets = torch.fromHost(readNpyFile(`${FIX}yolov5n_targets.npy`));

test('ComputeLoss: lbox, lobj, lcls and loss·bs equal the patched v7.0 ComputeLoss for 28 variants over 4 calls each', () => {
  assert.equal(WiouScale.momentum, losses.momentum);
  const names = Object.keys(losses.variants);
  assert.equal(names.length, 28);
  const head = yolov5nHead();
  let worst = 0;
  for (const name of names) {
    const v = losses.variants[name]!;
    const compute = new ComputeLoss({ detect: head }, { ...losses.hyp, ...v.hyp });
    v.steps.forEach((e, k) => {
      const r = torch.tidy(() => compute.compute(p0.map((p) => p.mul(losses.scales[k]!)), targets));
      const got = { lbox: r.lbox, lobj: r.lobj, lcls: r.lcls, loss_times_bs: r.loss.item() };
      r.loss.dispose();
      for (const key of ['lbox', 'lobj', 'lcls', 'loss_times_bs'] as const) {
        const want = num(e[key]!);
        assert.ok(close(got[key], want, 1e-6), `${name} call ${k} ${key}: ${got[key]} vs ${want}`);
        if (Number.isFinite(want)) worst = Math.max(worst, rel(got[key], want));
      }
      if (compute.wiouScale) assert.ok(rel(compute.wiouScale.iouMean, num(e.iou_mean!)) < 1e-6, `${name} call ${k}: running mean`);
    });
  }
  assert.ok(worst < 1e-6, `worst relative difference ${worst}`);
});

test('WIoU v2/v3: the running mean is per ComputeLoss and changes the loss from call to call', () => {
  const head = yolov5nHead();
  const v3 = losses.variants['wiou-v3']!;
  const a = new ComputeLoss({ detect: head }, { ...losses.hyp, ...v3.hyp });
  const b = new ComputeLoss({ detect: head }, { ...losses.hyp, ...v3.hyp });
  const run = (c: ComputeLoss) => torch.tidy(() => {
    const r = c.compute(p0, targets);
    r.loss.dispose();
    return r.lbox;
  });
  const first = run(a);
  const second = run(a); // same maps, moved mean
  assert.notEqual(first, second);
  assert.equal(run(b), first, 'a second ComputeLoss starts from its own mean of 1');
  assert.ok(a.wiouScale!.iouMean < 1 && b.wiouScale!.iouMean > a.wiouScale!.iouMean);
  // v1 (no wiou_scale) keeps no state: every call gives the same loss.
  const v1 = new ComputeLoss({ detect: head }, { ...losses.hyp, ...losses.variants['wiou-v1']!.hyp });
  assert.equal(v1.wiouScale, null);
  assert.equal(run(v1), run(v1));
});

test('the default box loss is still v7.0\'s own CIoU bit for bit; iou.py\'s CIoU differs only by its eps terms', () => {
  const head = yolov5nHead();
  const base = { ...losses.hyp };
  const def = torch.tidy(() => {
    const r = new ComputeLoss({ detect: head }, base).compute(p0, targets);
    return { lbox: r.lbox, lobj: r.lobj, lcls: r.lcls };
  });
  const explicit = torch.tidy(() => {
    const r = new ComputeLoss({ detect: head }, { ...base, iou_loss: 'ciou', iou_alpha: 1, iou_focal: false }).compute(p0, targets);
    return { lbox: r.lbox, lobj: r.lobj, lcls: r.lcls };
  });
  assert.deepEqual(explicit, def);
  for (const k of ['lbox', 'lobj', 'lcls'] as const) assert.ok(rel(def[k], losses.v7_ciou[k]) < 1e-5, `${k} vs unpatched v7.0`);
  const patched = losses.variants.ciou!.steps[0]!;
  assert.ok(rel(def.lbox, num(patched.lbox!)) < 1e-5);
});

test('backward through every variant gives finite gradients on the maps (except iou.py\'s Focal-SIoU, whose weight reaches inf)', () => {
  const head = yolov5nHead();
  for (const [name, v] of Object.entries(losses.variants)) {
    if (name.startsWith('siou') && name.includes('focal')) continue;
    torch.tidy(() => {
      const p = p0.map((x) => x.mul(0.5).detach().requiresGrad_(true));
      const r = new ComputeLoss({ detect: head }, { ...losses.hyp, ...v.hyp }).compute(p, targets);
      r.loss.backward();
      for (const t of p) assert.ok(t.grad!.isfinite().all().item() === 1, `${name}: finite gradients`);
      // The box channels get a gradient from the box loss.
      assert.ok(p[0]!.grad!.narrow(4, 0, 4).abs().sum().item() > 0, `${name}: box gradient`);
    });
  }
});

test('hyp keys: defaults, a hyp file choosing a variant, and refused values naming the key', () => {
  assert.equal(DEFAULT_HYP.iou_loss, 'ciou');
  assert.equal(DEFAULT_HYP.iou_alpha, 1);
  assert.equal(DEFAULT_HYP.iou_focal, false);
  assert.equal(DEFAULT_HYP.wiou_scale, false);
  assert.equal(DEFAULT_HYP.wiou_monotonous, false);
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-iou-hyp-'));
  try {
    const f = join(dir, 'hyp.yaml');
    // A hyp file sets every v7.0 key (#24 item 5): the shipped default plus the optional IoU keys.
    const scratchLow = readFileSync(join(SHIPPED_HYP_DIR, 'hyp.scratch-low.yaml'), 'utf8');
    writeFileSync(f, `${scratchLow}\niou_loss: wiou\nwiou_scale: true\nwiou_monotonous: null\niou_alpha: 3\n`);
    const h = loadHyp(f);
    assert.deepEqual([h.iou_loss, h.wiou_scale, h.wiou_monotonous, h.iou_alpha, h.iou_focal], ['wiou', true, null, 3, false]);
    const bad: Array<[string, RegExp]> = [
      ['iou_loss: fiou\n', /'iou_loss' must be ciou, giou, diou, eiou, siou, wiou, got "fiou"/],
      ['iou_alpha: 0\n', /'iou_alpha' must be a positive number/],
      ['iou_focal: 1\n', /'iou_focal' must be true or false/],
      ['wiou_monotonous: maybe\n', /'wiou_monotonous' must be true, false or null/],
      ['iou_loss: wiou\niou_focal: true\n', /'iou_focal' does not apply to iou_loss 'wiou'/],
      ['iou_t: null\n', /'iou_t' must be a finite number/],
    ];
    for (const [text, re] of bad) {
      writeFileSync(f, text);
      assert.throws(() => loadHyp(f), re, text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The loader's non-strict read keeps them (the trainer hands the whole hyp to its workers).
  assert.equal(resolveHyp({ iou_loss: 'eiou', mosaic: 0 }).iou_loss, 'eiou');
  const head = yolov5nHead();
  assert.throws(() => new ComputeLoss({ detect: head }, { ...losses.hyp, iou_loss: 'wiou', iou_focal: true }), /WIoU does not support Focal/);
  assert.throws(() => new ComputeLoss({ detect: head }, { ...losses.hyp, iou_loss: 'xiou' as never }), /'iou_loss' must be/);
});

test('train --iou-loss: a bad value is refused naming the flag; a run records its choice in hyp.yaml and opt.yaml', async () => {
  const { base, data } = await makeDigits('iou-loss');
  try {
    const project = join(base, 'runs', 'train');
    const badRun = await runCli([...baseArgs(data, project), '--epochs', '1', '--iou-loss', 'focal-eiou'], base);
    assert.notEqual(badRun.code, 0);
    assert.match(badRun.stderr, /--iou-loss must be ciou, giou, diou, eiou, siou or wiou, got 'focal-eiou'/);

    const r = await runCli([...baseArgs(data, project), '--epochs', '1', '--iou-loss', 'siou', '--noplots', '--noval'], base);
    assert.equal(r.code, 0, r.stderr);
    const exp = join(project, 'exp');
    const hyp = parseYaml(readFileSync(join(exp, 'hyp.yaml'), 'utf8')) as Record<string, unknown>;
    assert.equal(hyp.iou_loss, 'siou');
    assert.equal(hyp.iou_alpha, 1);
    const opt = parseYaml(readFileSync(join(exp, 'opt.yaml'), 'utf8')) as Record<string, unknown>;
    assert.equal(opt.iou_loss, 'siou');
    assert.equal((opt.hyp as Record<string, unknown>).iou_loss, 'siou');
    assert.match(r.stdout, /iou_loss=siou/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
