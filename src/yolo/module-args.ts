// Checked reads of a block's constructor args (they come from user YAML): errors name the argument.
export function intArg(args: unknown[], i: number, what: string, fallback?: number): number {
  const v = args[i] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${what} must be an integer, got ${JSON.stringify(args[i])}`);
  return v;
}

export function optionalIntArg(args: unknown[], i: number, what: string): number | null {
  return args[i] === null || args[i] === undefined ? null : intArg(args, i, what);
}

export function boolArg(args: unknown[], i: number, what: string, fallback: boolean): boolean {
  const v = args[i] ?? fallback;
  if (typeof v !== 'boolean') throw new Error(`${what} must be True or False, got ${JSON.stringify(args[i])}`);
  return v;
}

export function numArg(args: unknown[], i: number, what: string, fallback: number): number {
  const v = args[i] ?? fallback;
  if (typeof v !== 'number') throw new Error(`${what} must be a number, got ${JSON.stringify(args[i])}`);
  return v;
}

export function intListArg(args: unknown[], i: number, what: string, fallback: number[]): number[] {
  const v = args[i] ?? fallback;
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new Error(`${what} must be a list of integers, got ${JSON.stringify(args[i])}`);
  return v as number[];
}
