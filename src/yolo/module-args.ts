// Checked reads of a block's constructor args (they come from user YAML): errors name the argument.
/** The integer at args[i] (or the fallback); the error names `what`. */
export function intArg(args: unknown[], i: number, what: string, fallback?: number): number {
  const v = args[i] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${what} must be an integer, got ${JSON.stringify(args[i])}`);
  return v;
}

/** The integer at args[i], or null for None or a missing argument. */
export function optionalIntArg(args: unknown[], i: number, what: string): number | null {
  return args[i] === null || args[i] === undefined ? null : intArg(args, i, what);
}

/** The True/False at args[i] (or the fallback). */
export function boolArg(args: unknown[], i: number, what: string, fallback: boolean): boolean {
  const v = args[i] ?? fallback;
  if (typeof v !== 'boolean') throw new Error(`${what} must be True or False, got ${JSON.stringify(args[i])}`);
  return v;
}

/** The number at args[i] (or the fallback). */
export function numArg(args: unknown[], i: number, what: string, fallback: number): number {
  const v = args[i] ?? fallback;
  if (typeof v !== 'number') throw new Error(`${what} must be a number, got ${JSON.stringify(args[i])}`);
  return v;
}

/** The list of integers at args[i] (or the fallback). */
export function intListArg(args: unknown[], i: number, what: string, fallback: number[]): number[] {
  const v = args[i] ?? fallback;
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new Error(`${what} must be a list of integers, got ${JSON.stringify(args[i])}`);
  return v as number[];
}
