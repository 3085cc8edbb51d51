// `tsyolo modules`: the flags; the table itself (modules.ts) and the check (src/check/) are imported when the command runs.
import type { Command } from 'commander';

const collect = (v: string, previous: string[] | undefined) => [...(previous ?? []), v];

export interface ModulesCliOptions {
  json?: boolean;
  markdown?: boolean;
  check?: boolean;
  cfg?: string[];
  block?: string[];
  device?: string;
  img?: string;
}

export function modulesCommand(command: Command, print: (s: string) => void): void {
  command
    .description('every block a model YAML may name: YAML name, args, channel rule, origin; --check builds, trains, exports and counts each')
    .option('--json', 'print the rows as JSON (with the printed Python type and the purpose); with --check, the check results')
    .option('--markdown', 'print docs/MODULES.md')
    .option('--check', 'check every shipped YAML and every registered block no shipped YAML uses (or the --cfg YAMLs / --block blocks): build, train step under deterministic mode, fuse, ONNX at opsets 12 and 17 against libtorch, GFLOPs; exits 1 on any failure')
    .option('--cfg <yaml>', 'with --check: a model YAML to check (a shipped name or a path; repeatable)', collect)
    .option('--block <name>', 'with --check: a registered block to check alone in a tiny model (repeatable)', collect)
    .option('--device <d>', "with --check: device of the training step (cpu, 0, cuda:N); exports run on the CPU", 'cpu')
    .option('--img <size>', 'with --check: image size of the numeric checks (raised to two cells at the largest stride)', '64')
    .action(async (o: ModulesCliOptions) => {
      const { formatModulesMarkdown, formatModuleTable, moduleRows, runModulesCheck } = await import('./modules.ts');
      if (o.check || o.cfg || o.block) return runModulesCheck(o, print);
      print(o.json ? JSON.stringify(moduleRows(), null, 1) : o.markdown ? formatModulesMarkdown() : formatModuleTable());
    });
}
