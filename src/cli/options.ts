// Commander flags from an option table: registered with the table's help and default, read back through the
// table's readers, so a flag's value reaches the library typed and checked, with no casts.
import type { Command } from 'commander';
import { type OptionTable, longFlag, optionKeys, readGivenOptions, resolveOptions } from '../run/option-table.ts';

function showDefault(v: unknown): string {
  if (v === undefined || v === false || v === '') return '';
  return ` (default: ${Array.isArray(v) ? v.join(' ') : String(v)})`;
}

/** Registers every option of the table; commander leaves flags not given undefined (the library fills defaults). */
export function addOptions<O>(command: Command, table: OptionTable<O>): Command {
  for (const key of optionKeys(table)) {
    const spec = table[key];
    if (spec.required) command.requiredOption(spec.flags, spec.help);
    else command.option(spec.flags, spec.help + showDefault(spec.default));
  }
  return command;
}

/** commander's camelCase name of a flag ('--batch-size' → 'batchSize'). */
function attributeName(flags: string): string {
  return longFlag(flags)
    .slice(2)
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function rawFlags<O>(table: OptionTable<O>, values: Record<string, unknown>): { [K in keyof O]?: unknown } {
  const given: { [K in keyof O]?: unknown } = {};
  for (const key of optionKeys(table)) given[key] = values[attributeName(table[key].flags)];
  return given;
}

/** The flags given on the command line, read and checked through the table (for a library call that fills the rest). */
export function readFlags<O>(table: OptionTable<O>, values: Record<string, unknown>): Partial<O> {
  return readGivenOptions(table, rawFlags(table, values));
}

/** Every flag of the table: given ones read and checked, the others at their defaults. */
export function resolveFlags<O>(table: OptionTable<O>, values: Record<string, unknown>): O {
  return resolveOptions(table, rawFlags(table, values));
}
