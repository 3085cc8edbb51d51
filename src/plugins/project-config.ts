// The project config file: `tsyolo.config.yaml` in the working directory (only there: no search upwards, so what a
// command loads never depends on a parent folder). Today it holds one key, `plugins:` — the plugin files every
// command that builds or loads a model loads before `--plugin` ones, relative to the config file's folder:
//
//   plugins:
//     - ./blocks/cbam.ts
//     - ./blocks/bifpn.js
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigMap, describe, readConfigFile } from '../io/config-file.ts';

export const PROJECT_CONFIG_FILE = 'tsyolo.config.yaml';

export interface ProjectConfig {
  /** The config file's path. */
  file: string;
  /** Plugin files as written, and the folder they are relative to. */
  plugins: string[];
  dir: string;
}

/** Reads `tsyolo.config.yaml` in `cwd`; undefined when there is none. Errors start with the file and name the key. */
export function readProjectConfig(cwd = process.cwd()): ProjectConfig | undefined {
  const file = join(resolve(cwd), PROJECT_CONFIG_FILE);
  if (!existsSync(file)) return undefined;
  let config: ConfigMap;
  try {
    config = readConfigFile(file, 'tsyolo settings such as plugins: [./my-blocks.ts]');
  } catch (e) {
    // An empty file (or only comments) holds no settings.
    if (/must be a mapping .*, got (null|nothing)$/.test((e as Error).message)) return { file, plugins: [], dir: dirname(file) };
    throw e;
  }
  config.rejectUnknown(['plugins']);
  return { file, plugins: readPluginList(config), dir: dirname(file) };
}

function readPluginList(config: ConfigMap): string[] {
  if (!config.has('plugins')) return [];
  const v = config.values.plugins;
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string' && p.trim() !== '')) {
    throw config.error('plugins', `must be a list of plugin files (.ts, .js, .mjs, .cjs …), got ${describe(v)}`);
  }
  return list as string[];
}
