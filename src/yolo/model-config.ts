// Model YAML files: the shipped configs (configs/models/) by file name, or any path to a user's own file.
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export type LayerRow = [from: number | number[], number: number, module: string, args: unknown[]];

export interface ModelConfig {
  nc: number;
  depth_multiple: number;
  width_multiple: number;
  anchors: number[][] | number;
  backbone: LayerRow[];
  head: LayerRow[];
  ch?: number;
  activation?: string;
  [key: string]: unknown;
}

export const SHIPPED_CONFIG_DIR = fileURLToPath(new URL('../../configs/models/', import.meta.url));

/** Resolves `--cfg`: an existing path, else a shipped config name (with or without .yaml). */
export function resolveConfigPath(nameOrPath: string): string {
  if (existsSync(nameOrPath)) return resolve(nameOrPath);
  const name = basename(nameOrPath).endsWith('.yaml') || basename(nameOrPath).endsWith('.yml') ? basename(nameOrPath) : `${basename(nameOrPath)}.yaml`;
  const shipped = resolve(SHIPPED_CONFIG_DIR, name);
  if (!isAbsolute(nameOrPath) && !nameOrPath.includes('/') && existsSync(shipped)) return shipped;
  throw new Error(`model config '${nameOrPath}' not found: not a file, and not one of the shipped configs (${shippedConfigNames().join(', ')})`);
}

export function shippedConfigNames(): string[] {
  return ['n', 's', 'm', 'l', 'x'].flatMap((s) => [`yolov5${s}.yaml`, `yolov5${s}-shufflenetv2.yaml`]);
}

/** Reads and checks the structure of a model YAML; errors name the file and the problem. */
export function loadModelConfig(nameOrPath: string): { config: ModelConfig; file: string } {
  const file = resolveConfigPath(nameOrPath);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: malformed YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return { config: validateModelConfig(doc, file), file };
}

export function validateModelConfig(doc: unknown, file: string): ModelConfig {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: a model YAML must be a mapping with nc, depth_multiple, width_multiple, anchors, backbone, head`);
  const d = doc as Record<string, unknown>;
  for (const key of ['nc', 'depth_multiple', 'width_multiple']) {
    if (typeof d[key] !== 'number') throw new Error(`${file}: '${key}' must be a number, got ${JSON.stringify(d[key])}`);
  }
  const anchors = d.anchors;
  const anchorsOk =
    (typeof anchors === 'number' && Number.isInteger(anchors)) ||
    (Array.isArray(anchors) && anchors.length > 0 && anchors.every((r) => Array.isArray(r) && r.length > 0 && r.length % 2 === 0 && r.every((x) => typeof x === 'number')));
  if (!anchorsOk) throw new Error(`${file}: 'anchors' must be a list of [w1,h1, w2,h2, …] rows (one per level) or an integer`);
  for (const part of ['backbone', 'head']) {
    const rows = d[part];
    if (!Array.isArray(rows)) throw new Error(`${file}: '${part}' must be a list of [from, number, module, args] rows`);
    rows.forEach((row, k) => {
      if (!Array.isArray(row) || row.length !== 4) throw new Error(`${file}: ${part} row ${k} must be [from, number, module, args], got ${JSON.stringify(row)}`);
      const [f, n, m, args] = row;
      const fromOk = Number.isInteger(f) || (Array.isArray(f) && f.length > 0 && f.every((x) => Number.isInteger(x)));
      if (!fromOk) throw new Error(`${file}: ${part} row ${k}: 'from' must be an integer or a list of integers, got ${JSON.stringify(f)}`);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${file}: ${part} row ${k}: 'number' must be a positive integer, got ${JSON.stringify(n)}`);
      if (typeof m !== 'string') throw new Error(`${file}: ${part} row ${k}: 'module' must be a name, got ${JSON.stringify(m)}`);
      if (!Array.isArray(args)) throw new Error(`${file}: ${part} row ${k}: 'args' must be a list, got ${JSON.stringify(args)}`);
    });
  }
  return d as unknown as ModelConfig;
}
