// Model YAML files: the shipped configs (configs/models/) by file name, or any path to a user's own file.
import { existsSync, readdirSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigMap, describe, readConfigFile } from '../io/config-file.ts';

/** One backbone/head row of a model YAML: [from, number, module, args]. */
export type LayerRow = [from: number | number[], number: number, module: string, args: unknown[]];

/** A model YAML (YOLOv5's keys). */
export interface ModelConfig {
  /** Number of classes. */
  nc: number;
  /** Repeats scale (n × depth_multiple). */
  depth_multiple: number;
  /** Channels scale (c × width_multiple, rounded to 8). */
  width_multiple: number;
  /** Anchors per level in pixels, or a count (AutoAnchor computes them). */
  anchors: number[][] | number;
  /** Backbone rows. */
  backbone: LayerRow[];
  /** Head rows (the last is Detect). */
  head: LayerRow[];
  /** Input channels (default 3). */
  ch?: number;
  /** The Conv activation for the whole model, e.g. 'nn.ReLU()' (default SiLU). */
  activation?: string;
  [key: string]: unknown;
}

export const SHIPPED_CONFIG_DIR = fileURLToPath(new URL('../../configs/models/', import.meta.url));

/** Resolves `--cfg`: an existing path, else a shipped config name (with or without .yaml), in any group folder. */
export function resolveConfigPath(nameOrPath: string): string {
  if (existsSync(nameOrPath)) return resolve(nameOrPath);
  const name = basename(nameOrPath).endsWith('.yaml') || basename(nameOrPath).endsWith('.yml') ? basename(nameOrPath) : `${basename(nameOrPath)}.yaml`;
  const shipped = shippedConfigPaths().get(name);
  if (!isAbsolute(nameOrPath) && !nameOrPath.includes('/') && shipped) return shipped;
  throw new Error(`model config '${nameOrPath}' not found: not a file, and not one of the shipped configs (${shippedConfigNames().join(', ')})`);
}

/** Subfolders of configs/models/ holding the improvement zoo's example YAMLs, grouped like src/yolo/modules/. */
export const SHIPPED_CONFIG_GROUPS = ['attention', 'backbone', 'necks', 'heads'] as const;

/** Every shipped YAML by file name → its path: configs/models/ itself and its group folders. */
export function shippedConfigPaths(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of ['', ...SHIPPED_CONFIG_GROUPS]) {
    const full = resolve(SHIPPED_CONFIG_DIR, dir);
    if (!existsSync(full)) continue;
    for (const f of readdirSync(full).filter((x) => x.endsWith('.yaml'))) {
      if (out.has(f)) throw new Error(`shipped config ${f} exists twice (configs/models/ and configs/models/${dir})`);
      out.set(f, resolve(full, f));
    }
  }
  return out;
}

/** The shipped YAML names: YOLOv5 v7.0's models/, models/hub/ and models/segment/, the seed's, YOLOv5-Lite's, and the zoo's examples. */
export function shippedConfigNames(): string[] {
  return [...shippedConfigPaths().keys()].sort();
}

const EXPECTED = 'a model config with nc, depth_multiple, width_multiple, anchors, backbone, head';

/** Reads and checks the structure of a model YAML; errors name the file and the key. */
export function loadModelConfig(nameOrPath: string): {
  /** The parsed config. */
  config: ModelConfig;
  /** The YAML file it came from. */
  file: string;
} {
  const file = resolveConfigPath(nameOrPath);
  return { config: checkModelConfig(readConfigFile(file, EXPECTED)), file };
}

/** Checks a model YAML already parsed (e.g. stored in a checkpoint); `source` names it in errors. */
export function validateModelConfig(doc: unknown, source: string): ModelConfig {
  return checkModelConfig(ConfigMap.of(doc, source, EXPECTED));
}

function checkModelConfig(cfg: ConfigMap): ModelConfig {
  const lastRow = [cfg.values.backbone, cfg.values.head].flatMap((p) => (Array.isArray(p) ? p : [])).at(-1) as unknown[] | undefined;
  if (Array.isArray(lastRow) && lastRow[2] === 'Classify') throw new Error(`${cfg.source}: a classification model (its last layer is Classify): use tsyolo classify train|val|predict (docs/classify.md)`);
  cfg.number('nc', { integer: true, min: 1 });
  cfg.number('depth_multiple', { above: 0 });
  cfg.number('width_multiple', { above: 0 });
  const anchors = cfg.require('anchors');
  const anchorsOk =
    (typeof anchors === 'number' && Number.isInteger(anchors) && anchors > 0) ||
    (Array.isArray(anchors) && anchors.length > 0 && anchors.every((r) => Array.isArray(r) && r.length > 0 && r.length % 2 === 0 && r.every((x) => typeof x === 'number' && x > 0)));
  if (!anchorsOk) throw cfg.error('anchors', `must be a list of [w1,h1, w2,h2, …] rows of positive sizes (one per level) or a positive integer, got ${describe(anchors)}`);
  cfg.optionalString('activation'); // YOLOv5 eval()s it (nn.ReLU()); a number or list is refused here, naming the file
  for (const part of ['backbone', 'head']) {
    const rows = cfg.values[part];
    if (!Array.isArray(rows)) throw cfg.error(part, `must be a list of [from, number, module, args] rows, got ${describe(rows)}`);
    rows.forEach((row, k) => {
      const fail = (problem: string): never => {
        throw new Error(`${cfg.source}: ${part} row ${k}${problem}, got ${JSON.stringify(row)}`);
      };
      if (!Array.isArray(row) || row.length !== 4) fail(' must be [from, number, module, args]');
      const [f, n, m, args] = row as unknown[];
      const fromOk = Number.isInteger(f) || (Array.isArray(f) && f.length > 0 && f.every((x) => Number.isInteger(x)));
      if (!fromOk) fail(": 'from' must be an integer or a list of integers");
      if (!Number.isInteger(n) || (n as number) < 1) fail(": 'number' must be a positive integer");
      if (typeof m !== 'string') fail(": 'module' must be a name");
      if (!Array.isArray(args)) fail(": 'args' must be a list");
    });
  }
  return cfg.values as unknown as ModelConfig;
}
