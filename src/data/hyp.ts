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
}

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
});

export const DEFAULT_AUGMENTATION_HYP: Readonly<AugmentationHyp> = DEFAULT_HYP;

function isHypKey(key: string): key is keyof Hyp {
  return key in DEFAULT_HYP || key === 'anchors';
}

/**
 * Defaults overridden by `overrides`; every value must be a finite number. Unknown keys are errors in a hyp file
 * (`strict`), and ignored for an object handed to the data loader (it may carry more than hyperparameters).
 */
export function resolveHyp(overrides: Readonly<Record<string, unknown>> = {}, source = 'hyp', strict = false): Hyp {
  const out: Hyp = { ...DEFAULT_HYP };
  for (const [key, v] of Object.entries(overrides)) {
    if (!isHypKey(key)) {
      if (strict) throw new Error(`${source}: unknown hyperparameter '${key}'`);
      continue;
    }
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${source}: '${key}' must be a finite number, got ${JSON.stringify(v)}`);
    out[key] = v;
  }
  return out;
}

export const SHIPPED_HYP_DIR = fileURLToPath(new URL('../../configs/hyps/', import.meta.url));

/** Reads `--hyp`: a path, or a shipped name (hyp.scratch-low.yaml, hyp.digits.yaml). Missing keys keep their defaults. */
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
