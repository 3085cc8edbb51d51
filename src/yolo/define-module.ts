// Typed YAML specs for block authors. A ModuleSpec's build() receives the constructor args as `unknown[]` (they come
// from a user's YAML through the channel rule); defineModule() takes one reader per constructor argument, checks
// each value before build() runs and hands build() a typed tuple:
//
//   defineModule({ name: 'MyBlock', pythonType: 'MyBlock', argCount: [1, 2], channels: 'width',
//     args: [arg.int('c1'), arg.int('c2'), arg.int('k', 3)],
//     build: ([c1, c2, k]) => new MyBlock(c1, c2, k) })          // c1, c2, k: number
//
// A bad value is an error naming the block and the argument ("MyBlock: k must be an integer, got 'x'"); parse_model
// prefixes it with the YAML file and layer. Specs written by hand keep working unchanged.
import type { Module } from '../nn/module.ts';
import type { BuildContext, ModuleSpec } from './block.ts';

/** Checks and converts one constructor argument; `read` throws an Error saying what the value must be. */
export interface ArgReader<T> {
  /** The argument's name in errors. */
  readonly name: string;
  /** The checked value (YAML None or a missing argument takes the reader's fallback). */
  read(value: unknown): T;
}

/** The tuple of values a list of readers gives. */
export type ArgValues<R extends readonly ArgReader<unknown>[]> = { -readonly [K in keyof R]: R[K] extends ArgReader<infer T> ? T : never };

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

function reader<T>(name: string, fallback: T | undefined, kind: string, ok: (v: unknown) => boolean): ArgReader<T> {
  return {
    name,
    read(value) {
      // YAML's None (null) or a missing trailing argument takes the default, as a Python default argument does.
      const v = value === undefined || value === null ? fallback : value;
      if (v === undefined || !ok(v)) throw new Error(`${name} must be ${kind}, got ${value === undefined ? 'nothing' : show(value)}`);
      return v as T;
    },
  };
}

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/** Readers of constructor arguments; `fallback` is used when the YAML leaves the argument out or writes None. */
export const arg = {
  /** An integer. */
  int: (name: string, fallback?: number): ArgReader<number> => reader(name, fallback, 'an integer', isInt),
  /** A finite number. */
  number: (name: string, fallback?: number): ArgReader<number> => reader(name, fallback, 'a number', (v) => typeof v === 'number' && Number.isFinite(v)),
  /** True or False. */
  bool: (name: string, fallback?: boolean): ArgReader<boolean> => reader(name, fallback, 'True or False', (v) => typeof v === 'boolean'),
  /** A string. */
  string: (name: string, fallback?: string): ArgReader<string> => reader(name, fallback, 'a string', (v) => typeof v === 'string'),
  /** A list of integers. */
  intList: (name: string, fallback?: number[]): ArgReader<number[]> => reader(name, fallback, 'a list of integers', (v) => Array.isArray(v) && v.every(isInt)),
  /** An integer or None (null), e.g. a padding that defaults to autopad. */
  optionalInt: (name: string): ArgReader<number | null> => ({
    name,
    read: (v) => (v === undefined || v === null ? null : reader<number>(name, undefined, 'an integer or None', isInt).read(v)),
  }),
  /** One of a fixed set of strings. */
  oneOf: <const T extends string>(name: string, choices: readonly T[], fallback?: T): ArgReader<T> =>
    reader(name, fallback, choices.map(show).join(' or '), (v) => choices.includes(v as T)),
  /** Any value, unchecked (the builder checks it itself). */
  any: <T = unknown>(name: string): ArgReader<T> => ({ name, read: (v) => v as T }),
};

/** A ModuleSpec whose build() gets the constructor args checked and typed by `args` (one reader per argument). */
export type TypedModuleSpec<R extends readonly ArgReader<unknown>[]> = Omit<ModuleSpec, 'build'> & {
  /** One reader per constructor argument (after the channel rule: e.g. 'width' gives [c1, c2, ...YAML args 1..]). */
  args: R;
  /** Builds one instance from the checked, typed args. */
  build(args: ArgValues<R>, ctx: BuildContext): Module;
};

/** Turns a typed spec into the ModuleSpec registerModule() takes; extra constructor args are refused by name. */
export function defineModule<const R extends readonly ArgReader<unknown>[]>(spec: TypedModuleSpec<R>): ModuleSpec {
  const { args: readers, build, ...rest } = spec;
  return {
    ...rest,
    build(args, ctx) {
      if (args.length > readers.length) {
        throw new Error(`${spec.name}: takes ${readers.length} constructor argument${readers.length === 1 ? '' : 's'} (${readers.map((r) => r.name).join(', ')}), got ${args.length}: ${show(args)}`);
      }
      const values = readers.map((r, i) => {
        try {
          return r.read(args[i]);
        } catch (e) {
          throw new Error(`${spec.name}: ${(e as Error).message}`);
        }
      });
      return build(values as ArgValues<R>, ctx);
    },
  };
}
