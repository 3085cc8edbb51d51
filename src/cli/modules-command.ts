// `tsyolo modules`: the flags; the table itself (modules.ts) is imported when the command runs.
import type { Command } from 'commander';

export function modulesCommand(command: Command, print: (s: string) => void): void {
  command
    .description('every block a model YAML may name: YAML name, args, channel rule, origin')
    .option('--json', 'print the rows as JSON (with the printed Python type and the purpose)')
    .option('--markdown', 'print docs/MODULES.md')
    .action(async (o: { json?: boolean; markdown?: boolean }) => {
      const { formatModulesMarkdown, formatModuleTable, moduleRows } = await import('./modules.ts');
      print(o.json ? JSON.stringify(moduleRows(), null, 1) : o.markdown ? formatModulesMarkdown() : formatModuleTable());
    });
}
