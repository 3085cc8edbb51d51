// Training hyperparameters: YOLOv5's hyp YAML keys and defaults (hyp.scratch-low.yaml).
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type AugmentationHyp, DEFAULT_AUGMENTATION_HYP } from '../data/hyp.ts';

/** The optimisation and loss half; the augmentation half comes from src/data/hyp.ts. */
export interface Hyp extends AugmentationHyp {
  lr0: number;
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
  /** Optional anchors per level (YOLOv5's commented-out `anchors: 3`). */
  anchors?: number;
}

export const SHIPPED_HYP_DIR = fileURLToPath(new URL('../../configs/hyps/', import.meta.url));

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
  ...DEFAULT_AUGMENTATION_HYP,
});

/** Reads `--hyp`: a path, or a shipped name (hyp.scratch-low.yaml, hyp.digits.yaml). Unknown keys are errors. */
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
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: a hyp file must be a mapping of names to numbers`);
  const hyp: Hyp = { ...DEFAULT_HYP };
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!(k in DEFAULT_HYP) && k !== 'anchors') throw new Error(`${file}: unknown hyperparameter '${k}'`);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: '${k}' must be a number, got ${JSON.stringify(v)}`);
    (hyp as unknown as Record<string, number>)[k] = v;
  }
  return hyp;
}
