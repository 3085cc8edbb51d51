// A typed table of a command's options: flag, help, default and the reader that turns a raw value (a flag's text,
// `true` for a bare switch, a list for a variadic flag, or what a library caller passed) into the typed value with
// an error naming the flag. The CLI registers flags from it and the library fills defaults from it, so both accept
// and refuse the same values.

/** One option of a command: its flags, help, default and checked reader. */
export interface OptionSpec<T> {
  /** commander flags, e.g. '--batch, --batch-size <n>' (the last long name is the option's name). */
  flags: string;
  /** One line for --help. */
  help: string;
  /** The value when the option is not given. */
  default: T;
  /** The command line must give it (commander's requiredOption). */
  required?: boolean;
  /** Raw value → T; throws with the flag's name on a bad value. */
  read: (raw: unknown, flag: string) => T;
}

/** A command's options, one spec per key of its options type (train's: TRAIN_OPTIONS). */
export type OptionTable<O> = { [K in keyof O]-?: OptionSpec<O[K]> };

/** The table's keys in declaration order. */
export function optionKeys<O>(table: OptionTable<O>): Array<keyof O & string> {
  return Object.keys(table) as Array<keyof O & string>;
}

/** '--batch, --batch-size <n>' → '--batch-size'. */
export function longFlag(flags: string): string {
  const longs = flags.match(/--[\w-]+/g);
  if (!longs) throw new Error(`option flags '${flags}' have no --long name`);
  return longs.at(-1)!;
}

function readOne<O, K extends keyof O & string>(table: OptionTable<O>, key: K, raw: unknown): O[K] {
  const spec = table[key];
  return raw === undefined ? spec.default : spec.read(raw, longFlag(spec.flags));
}

/** Every option: given values read and checked, missing ones at their defaults. */
export function resolveOptions<O>(table: OptionTable<O>, given: { readonly [K in keyof O]?: unknown }): O {
  const out: Partial<O> = {};
  for (const key of optionKeys(table)) out[key] = readOne(table, key, given[key]);
  return out as O;
}

/** Only the options present in `given` (for --resume, where the checkpoint's options fill the rest). */
export function readGivenOptions<O>(table: OptionTable<O>, given: { readonly [K in keyof O]?: unknown }): Partial<O> {
  const out: Partial<O> = {};
  for (const key of optionKeys(table)) if (given[key] !== undefined) out[key] = readOne(table, key, given[key]);
  return out;
}

// ------------------------------------------------------------------------------------------------ readers

function describe(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw) ?? String(raw);
}

export function text(raw: unknown, flag: string): string {
  if (typeof raw !== 'string') throw new Error(`${flag} takes a value, got ${describe(raw)}`);
  return raw;
}

export function optionalText(raw: unknown, flag: string): string | undefined {
  return raw === '' ? undefined : text(raw, flag);
}

export function flag(raw: unknown, name: string): boolean {
  if (typeof raw !== 'boolean') throw new Error(`${name} is a switch (true or false), got ${describe(raw)}`);
  return raw;
}

function toNumber(raw: unknown, name: string, kind: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw new Error(`${name} must be ${kind}, got ${describe(raw)}`);
  return n;
}

export function integer(raw: unknown, name: string): number {
  const n = toNumber(raw, name, 'an integer');
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${describe(raw)}`);
  return n;
}

export function positiveInteger(raw: unknown, name: string): number {
  const n = integer(raw, name);
  if (n < 1) throw new Error(`${name} must be a positive integer, got ${describe(raw)}`);
  return n;
}

export function nonNegativeInteger(raw: unknown, name: string): number {
  const n = integer(raw, name);
  if (n < 0) throw new Error(`${name} must be an integer ≥ 0, got ${describe(raw)}`);
  return n;
}

export function number(raw: unknown, name: string): number {
  return toNumber(raw, name, 'a number');
}

/** A number in [0, 1] (thresholds, label smoothing). */
export function fraction(raw: unknown, name: string): number {
  const n = toNumber(raw, name, 'a number');
  if (n < 0 || n > 1) throw new Error(`${name} must be between 0 and 1, got ${describe(raw)}`);
  return n;
}

/** One of a fixed set of names. */
export function oneOf<T extends string>(choices: readonly T[]): (raw: unknown, name: string) => T {
  return (raw, name) => {
    const found = choices.find((c) => c === raw);
    if (found === undefined) throw new Error(`${name} must be ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, got ${describe(raw)}`);
    return found;
  };
}

/** A list of integers ≥ 0 (a variadic flag, or an array from a library caller). */
export function integerList(raw: unknown, name: string): number[] {
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((v) => nonNegativeInteger(v, name));
}

/** A non-empty list of texts (a variadic flag such as `--weights a.pt b.pt`, or one text / an array from a library caller). */
export function textList(raw: unknown, name: string): string[] {
  const items = Array.isArray(raw) ? raw : [raw];
  if (items.length === 0) throw new Error(`${name} takes at least one value`);
  return items.map((v) => text(v, name));
}
