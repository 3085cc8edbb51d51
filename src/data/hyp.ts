// YOLOv5's hyperparameters (data/hyps/hyp.*.yaml): one schema with hyp.scratch-low.yaml's defaults and one check.
// The data loader reads the augmentation half, the trainer the whole; both go through resolveHyp().
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export interface Hyp {
  /** Initial learning rate (SGD 1e-2, Adam 1e-3). */
  lr0: number;
  /** Final learning rate as a fraction of lr0. */
  lrf: number;
  momentum: number;
  weight_decay: number;
  warmup_epochs: number;
  warmup_momentum: number;
  warmup_bias_lr: number;
  box: number;
  cls: number;
  cls_pw: number;
  obj: number;
  obj_pw: number;
  iou_t: number;
  anchor_t: number;
  fl_gamma: number;
  label_smoothing: number;
  /** Hue gain fraction. */
  hsv_h: number;
  /** Saturation gain fraction. */
  hsv_s: number;
  /** Value gain fraction. */
  hsv_v: number;
  /** Rotation ±degrees. */
  degrees: number;
  /** Translation ±fraction. */
  translate: number;
  /** Scale gain ±. */
  scale: number;
  /** Shear ±degrees. */
  shear: number;
  /** Perspective ±fraction (0–0.001). */
  perspective: number;
  /** Up-down flip probability. */
  flipud: number;
  /** Left-right flip probability. */
  fliplr: number;
  /** Mosaic probability. */
  mosaic: number;
  /** MixUp probability. */
  mixup: number;
  /** Copy-paste probability (acts on polygon segments only; box labels have none, so it is a no-op here as in YOLOv5). */
  copy_paste: number;
  /** Optional anchors per level (YOLOv5's commented-out `anchors: 3`). */
  anchors?: number;
  /** Box loss, as yolo-improve/iou.py's bbox_iou names them (ciou: YOLOv5 v7.0's own). */
  iou_loss: IouLossName;
  /** alpha-IoU power on the IoU and its penalty terms (1: none). */
  iou_alpha: number;
  /** Focal-*IoU: each box's loss weighted by IoU^0.5 (not with wiou). */
  iou_focal: boolean;
  /** WIoU: a focusing coefficient from the running mean of 1 − IoU (v2/v3); false: WIoU v1. */
  wiou_scale: boolean;
  /** WIoU with wiou_scale: true v2 (monotonic), false v3 (non-monotonic), null v1's product form. */
  wiou_monotonous: boolean | null;
}

/** The box losses `iou_loss` names. */
export const IOU_LOSS_NAMES = ['ciou', 'giou', 'diou', 'eiou', 'siou', 'wiou'] as const;
export type IouLossName = (typeof IOU_LOSS_NAMES)[number];

/** The hyperparameters that are not numbers, each with its check (the rest must be finite numbers). */
const TYPED_HYP: Partial<Record<keyof Hyp, { what: string; ok: (v: unknown) => boolean }>> = {
  iou_loss: { what: IOU_LOSS_NAMES.join(', '), ok: (v) => (IOU_LOSS_NAMES as readonly unknown[]).includes(v) },
  iou_alpha: { what: 'a positive number', ok: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 },
  iou_focal: { what: 'true or false', ok: (v) => typeof v === 'boolean' },
  wiou_scale: { what: 'true or false', ok: (v) => typeof v === 'boolean' },
  wiou_monotonous: { what: 'true, false or null', ok: (v) => typeof v === 'boolean' || v === null },
};

export const AUGMENTATION_HYP_KEYS = [
  'hsv_h',
  'hsv_s',
  'hsv_v',
  'degrees',
  'translate',
  'scale',
  'shear',
  'perspective',
  'flipud',
  'fliplr',
  'mosaic',
  'mixup',
  'copy_paste',
] as const satisfies readonly (keyof Hyp)[];

/** The augmentation half: what the data loader reads. */
export type AugmentationHyp = Pick<Hyp, (typeof AUGMENTATION_HYP_KEYS)[number]>;

/** hyp.scratch-low.yaml values. */
export const DEFAULT_HYP: Readonly<Hyp> = Object.freeze({
  lr0: 0.01,
  lrf: 0.01,
  momentum: 0.937,
  weight_decay: 0.0005,
  warmup_epochs: 3.0,
  warmup_momentum: 0.8,
  warmup_bias_lr: 0.1,
  box: 0.05,
  cls: 0.5,
  cls_pw: 1.0,
  obj: 1.0,
  obj_pw: 1.0,
  iou_t: 0.2,
  anchor_t: 4.0,
  fl_gamma: 0.0,
  label_smoothing: 0.0,
  hsv_h: 0.015,
  hsv_s: 0.7,
  hsv_v: 0.4,
  degrees: 0.0,
  translate: 0.1,
  scale: 0.5,
  shear: 0.0,
  perspective: 0.0,
  flipud: 0.0,
  fliplr: 0.5,
  mosaic: 1.0,
  mixup: 0.0,
  copy_paste: 0.0,
  iou_loss: 'ciou',
  iou_alpha: 1.0,
  iou_focal: false,
  wiou_scale: false,
  wiou_monotonous: false,
});

export const DEFAULT_AUGMENTATION_HYP: Readonly<AugmentationHyp> = DEFAULT_HYP;

/**
 * The keys every YOLOv5 v7.0 hyp file sets (data/hyps/*.yaml): train.py reads each as hyp['key'], so a file missing
 * one fails there with a KeyError. A hyp file must set them all; `anchors`, `label_smoothing` (--label-smoothing) and
 * tsyolo's additions beyond v7.0 (iou_loss, iou_alpha, iou_focal, wiou_scale, wiou_monotonous) are optional.
 */
export const REQUIRED_HYP_KEYS = [
  'lr0', 'lrf', 'momentum', 'weight_decay', 'warmup_epochs', 'warmup_momentum', 'warmup_bias_lr',
  'box', 'cls', 'cls_pw', 'obj', 'obj_pw', 'iou_t', 'anchor_t', 'fl_gamma',
  ...AUGMENTATION_HYP_KEYS,
] as const satisfies readonly (keyof Hyp)[];

function isHypKey(key: string): key is keyof Hyp {
  return key in DEFAULT_HYP || key === 'anchors';
}

/**
 * Defaults overridden by `overrides`; every value must be a finite number. In a hyp file (`strict`) unknown keys and
 * missing REQUIRED_HYP_KEYS are errors; an object handed to the data loader may carry more than hyperparameters
 * (ignored) or fewer (defaults).
 */
export function resolveHyp(overrides: Readonly<Record<string, unknown>> = {}, source = 'hyp', strict = false): Hyp {
  const out: Hyp = { ...DEFAULT_HYP };
  for (const [key, v] of Object.entries(overrides)) {
    if (!isHypKey(key)) {
      if (strict) throw new Error(`${source}: unknown hyperparameter '${key}'`);
      continue;
    }
    if (v === undefined) continue;
    const typed = TYPED_HYP[key];
    if (typed) {
      if (!typed.ok(v)) throw new Error(`${source}: '${key}' must be ${typed.what}, got ${JSON.stringify(v)}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: '${key}' must be a finite number, got ${JSON.stringify(v)}`);
    (out as unknown as Record<string, unknown>)[key] = v;
  }
  if (out.iou_loss === 'wiou' && out.iou_focal) throw new Error(`${source}: 'iou_focal' does not apply to iou_loss 'wiou' (iou.py: WIoU does not support Focal)`);
  const missing = strict ? REQUIRED_HYP_KEYS.filter((k) => overrides[k] === undefined) : [];
  if (missing.length > 0) {
    const keys = missing.map((k) => `'${k}'`).join(', ');
    throw new Error(`${source}: ${keys} ${missing.length === 1 ? 'is' : 'are'} missing (a hyp file sets every YOLOv5 v7.0 hyperparameter, as configs/hyps/hyp.scratch-low.yaml does)`);
  }
  return out;
}

export const SHIPPED_HYP_DIR = fileURLToPath(new URL('../../configs/hyps/', import.meta.url));

/** Reads `--hyp`: a path, or a shipped name (hyp.scratch-low.yaml, hyp.digits.yaml). Every REQUIRED_HYP_KEYS key must be set. */
export function loadHyp(nameOrPath: string): Hyp {
  const shipped = resolve(SHIPPED_HYP_DIR, basename(nameOrPath));
  const file = existsSync(nameOrPath) ? nameOrPath : existsSync(shipped) ? shipped : null;
  if (!file) throw new Error(`hyp file '${nameOrPath}' not found (shipped: hyp.scratch-low.yaml, hyp.digits.yaml)`);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: malformed YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: a hyp file must be a YAML mapping of names to numbers`);
  return resolveHyp(Object.fromEntries(Object.entries(doc)), file, true);
}
