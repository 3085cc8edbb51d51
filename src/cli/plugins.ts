// `--plugin <file>` on every command that builds or loads a model, and the plugins of the working directory's
// tsyolo.config.yaml: loaded by one preAction hook before the command's action runs (so a bad plugin fails before
// any run folder exists). The loaded files reach the data loader's workers and the DDP ranks through
// loadedPlugins() (src/plugins/load-plugins.ts).
import type { Command } from 'commander';
import { PLUGIN_OPTION } from '../run/common-options.ts';
import { longFlag } from '../run/option-table.ts';

/** Commands that build or load a model. `data` and `demo` (fixed datasets and models) take no plugins. */
export const PLUGIN_COMMANDS: readonly string[] = ['info', 'compare', 'modules', 'train', 'val', 'detect', 'export', 'speed', 'heatmap'];

/** Subcommands that build or load a model, by command group: the classify and segment tasks' train, val and predict. */
export const PLUGIN_SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = { classify: ['train', 'val', 'predict'], segment: ['train', 'val', 'predict'] };

/** Adds --plugin to the plugin commands (and subcommands) among `program`'s and loads the plugins before any of them runs. */
export function addPluginSupport(program: Command): void {
  const takers = new Set<Command>();
  for (const command of program.commands) {
    if (PLUGIN_COMMANDS.includes(command.name())) takers.add(command);
    for (const sub of command.commands) if (PLUGIN_SUBCOMMANDS[command.name()]?.includes(sub.name())) takers.add(sub);
  }
  for (const command of takers) {
    // Repeatable, one file per flag: a variadic flag would swallow compare's model arguments.
    command.option(PLUGIN_OPTION.flags, PLUGIN_OPTION.help, (v: string, previous: string[] | undefined) => [...(previous ?? []), v]);
  }
  program.hook('preAction', async (_program, action) => {
    if (!takers.has(action)) return;
    const flag = longFlag(PLUGIN_OPTION.flags);
    const raw = action.opts().plugin as unknown;
    const files = raw === undefined ? PLUGIN_OPTION.default : PLUGIN_OPTION.read(raw, flag);
    await loadCommandPlugins(files, flag);
  });
}

/** The config file's plugins (relative to its folder), then the flag's (relative to the working directory). */
async function loadCommandPlugins(files: string[], flag: string): Promise<void> {
  const { readProjectConfig } = await import('../plugins/project-config.ts');
  const config = readProjectConfig();
  if (!config?.plugins.length && files.length === 0) return; // the registry (every block family) loads only when needed
  const { loadPlugins } = await import('../plugins/load-plugins.ts');
  if (config && config.plugins.length > 0) await loadPlugins(config.plugins, { from: `${config.file}: plugins:`, cwd: config.dir });
  if (files.length > 0) await loadPlugins(files, { from: flag });
}
