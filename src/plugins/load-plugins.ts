// Plugins: user modules that add blocks (YAML names, ONNX emitters) before a command runs. A plugin is a .ts, .mts,
// .cts, .js, .mjs or .cjs file exporting `register(api)`; `api` is this package's own entry (the module instance
// the command runs), so a plugin takes Module, nn, Conv, registerModule, … from it and never loads a second copy of
// tsyolo whose registry the command would not see. TypeScript plugins are loaded through tsx's tsImport (a runtime
// dependency: Node 20 cannot strip types), scoped to the plugin, in a checkout and in the installed package alike.
//
// The files loaded in this process are remembered: the data loader hands them to its worker threads and the DDP
// launcher to its rank processes, which load them before anything else (loadedPlugins()).
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registryRevision } from '../yolo/registry.ts';
import { isPluginLoaded, markPluginLoaded } from './loaded-plugins.ts';

export { PLUGINS_ENV, loadedPlugins } from './loaded-plugins.ts';

/** What a plugin's register() receives: the package entry (`import type { PluginApi } from 'tsyolo'`). */
export type PluginApi = typeof import('../index.ts');

/** A plugin module's contract: `export function register(api: PluginApi) { api.registerModule(…) }` (may be async). */
export type PluginRegister = (api: PluginApi) => void | Promise<void>;

/** File extensions a plugin may have (TypeScript ones are loaded through tsx). */
export const PLUGIN_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/** Options of loadPlugins(). */
export interface LoadPluginsOptions {
  /** How the user named the files, first in every error: '--plugin' (default) or '<config file>: plugins'. */
  from?: string;
  /** Folder relative paths are resolved against (default: the working directory). */
  cwd?: string;
}

/**
 * Loads each plugin file (once per thread: a file already loaded is skipped) and calls its register(api). Throws an
 * Error naming the file and `from` when a file is missing, has another extension, fails to import, exports no
 * register function, throws from it, or registers no block or emitter. Returns the absolute paths of `files`.
 */
export async function loadPlugins(files: readonly string[], options: LoadPluginsOptions = {}): Promise<string[]> {
  const from = options.from ?? '--plugin';
  const cwd = options.cwd ?? process.cwd();
  const paths: string[] = [];
  for (const file of files) {
    const path = resolve(cwd, file);
    paths.push(path);
    if (isPluginLoaded(path)) continue;
    await loadOne(file, path, from);
    markPluginLoaded(path);
  }
  return paths;
}

function fail(from: string, file: string, problem: string): Error {
  return new Error(`${from} ${file}: ${problem}`);
}

async function loadOne(file: string, path: string, from: string): Promise<void> {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw fail(from, file, `no such file (${path})`);
  if (!stat.isFile()) throw fail(from, file, `is not a file (${path})`);
  const ext = extname(path).toLowerCase();
  if (!(PLUGIN_EXTENSIONS as readonly string[]).includes(ext)) throw fail(from, file, `a plugin is a ${PLUGIN_EXTENSIONS.slice(0, -1).join(', ')} or ${PLUGIN_EXTENSIONS.at(-1)} file, got '${ext || 'no extension'}'`);

  let mod: Record<string, unknown>;
  try {
    mod = await importFile(path, TYPESCRIPT.has(ext));
  } catch (e) {
    throw fail(from, file, `cannot be imported: ${importProblem(e, ext)}`);
  }
  const register = findRegister(mod);
  if (!register) {
    const names = Object.keys(mod).filter((k) => k !== 'default');
    throw fail(from, file, `a plugin exports a function register(api) (it exports ${names.length ? names.join(', ') : 'nothing'})`);
  }
  const api = await import('../index.ts');
  const before = registryRevision();
  try {
    await register(api);
  } catch (e) {
    throw fail(from, file, `register() failed: ${(e as Error)?.message ?? String(e)}`);
  }
  if (registryRevision() === before) {
    throw fail(
      from,
      file,
      'register(api) registered no block or ONNX emitter (call api.registerModule, api.registerBlockFamily or api.registerOnnxEmitter; ' +
        "functions imported from 'tsyolo' itself may belong to another copy of the package: use the ones on api)",
    );
  }
}

async function importFile(path: string, typescript: boolean): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (!typescript) return (await import(url)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/** `export function register`, or a CommonJS `module.exports = { register }` / `exports.register` (seen as default). */
function findRegister(mod: Record<string, unknown>): PluginRegister | undefined {
  if (typeof mod.register === 'function') return mod.register as PluginRegister;
  const d = mod.default as { register?: unknown } | undefined;
  if (d && typeof d === 'object' && typeof d.register === 'function') return d.register as PluginRegister;
  return undefined;
}

function importProblem(e: unknown, ext: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (ext === '.js' && /Cannot use import statement outside a module|Unexpected token 'export'/.test(message)) {
    return `${message} (a .js file is CommonJS unless the nearest package.json says "type": "module"; name it .mjs)`;
  }
  return message;
}
