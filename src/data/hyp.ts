// Augmentation hyperparameters (the augmentation half of YOLOv5's hyp.*.yaml), defaults from
// data/hyps/hyp.scratch-low.yaml. Training keys (lr0, box, …) in the same file are ignored here.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface AugmentationHyp {
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
] as const satisfies readonly (keyof AugmentationHyp)[];

/** hyp.scratch-low.yaml values. */
export const DEFAULT_AUGMENTATION_HYP: Readonly<AugmentationHyp> = Object.freeze({
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

/** Defaults overridden by `overrides`; every value must be a finite number. */
export function resolveAugmentationHyp(overrides: Partial<Record<string, unknown>> = {}, source = 'hyp'): AugmentationHyp {
  const out: AugmentationHyp = { ...DEFAULT_AUGMENTATION_HYP };
  for (const key of AUGMENTATION_HYP_KEYS) {
    const v = overrides[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(`${source}: '${key}' must be a finite number, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  return out;
}

/** Reads the augmentation keys of a hyp YAML file (missing keys keep their defaults). */
export function readAugmentationHyp(yamlPath: string): AugmentationHyp {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(yamlPath, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read hyp file ${yamlPath}: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`Hyp file ${yamlPath} must be a YAML mapping of key: value`);
  }
  return resolveAugmentationHyp(doc as Record<string, unknown>, yamlPath);
}
