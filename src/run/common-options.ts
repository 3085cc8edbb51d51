// Option rows that train, val and detect share with YOLOv5's scripts: the device and the run folder.
import { type OptionSpec, flag, nonNegativeInteger, text } from './option-table.ts';

export const DEVICE_OPTION: OptionSpec<string> = { flags: '--device <d>', help: "cuda device, i.e. 0 or cuda:0, or cpu ('' picks CUDA when available)", default: '', read: text };

// YOLOv5 uses 8; 2 suits the small machines this runs on.
export const WORKERS_OPTION: OptionSpec<number> = { flags: '--workers <n>', help: 'loader worker threads (0: load in the main thread)', default: 2, read: nonNegativeInteger };

/** Plugin files (repeatable, one per flag): each value checked to be text; loading and its errors are src/plugins/load-plugins.ts's. */
export const PLUGIN_OPTION: OptionSpec<string[]> = {
  flags: '--plugin <file>',
  help: 'load blocks from a plugin (.ts, .mts, .cts, .js, .mjs or .cjs exporting register(api); repeatable; see docs/plugins.md)',
  default: [],
  read: (raw, name) => (Array.isArray(raw) ? raw : [raw]).map((v) => text(v, name)),
};

/** --project runs/<task>, --name exp, --exist-ok. */
export function runFolderOptions(project: string): { project: OptionSpec<string>; name: OptionSpec<string>; existOk: OptionSpec<boolean> } {
  return {
    project: { flags: '--project <dir>', help: 'results folder', default: project, read: text },
    name: { flags: '--name <name>', help: 'run name', default: 'exp', read: text },
    existOk: { flags: '--exist-ok', help: 'reuse project/name instead of incrementing', default: false, read: flag },
  };
}
