// Deterministic memory release. Every tensor created inside `tidy(fn)` is disposed when fn returns,
// except the tensors fn returns (in arrays, plain objects or Maps) and those passed to `keep()`.
// GC finalizers remain only a backstop for tensors created outside any scope.

/** Something a tidy() scope can free: tensors. */
export interface Disposable {
  /** Frees it now (idempotent). */
  dispose(): void;
  /** Whether dispose() has run. */
  readonly isDisposed: boolean;
  /** Called when the object leaves every scope: from then on only GC (or dispose()) frees it. */
  escape(): void;
}

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor: remember it in the innermost scope. False when there is no scope. */
export function track(t: Disposable): boolean {
  const scope = scopes[scopes.length - 1];
  if (!scope) return false;
  scope.add(t);
  return true;
}

/** Let `t` outlive the innermost scope (it then belongs to no scope: dispose it yourself or let GC do it). */
export function keep<T extends Disposable>(t: T): T {
  let tracked = false;
  for (const scope of scopes) tracked = scope.delete(t) || tracked;
  if (tracked) t.escape();
  return t;
}

function collectResults(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collectResults(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collectResults(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collectResults(v, out, depth + 1);
}

/** Runs `fn` and disposes every tensor created inside it, except those it returns (in arrays, objects or Maps) or keep()s. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new Error('tidy() takes a synchronous function; dispose tensors of async code explicitly');
  }
  const survivors = new Set<Disposable>();
  collectResults(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (!survivors.has(t)) t.dispose();
    else if (parent) parent.add(t);
    else t.escape();
  }
  return result;
}

/**
 * Frees an intermediate result as soon as it has been consumed (the way Python's refcounting frees it), unless it
 * is one of `keepers` (e.g. the layer's input or output). Autograd keeps its own references, so this is safe during
 * training too; it keeps memory hot and small instead of growing until the enclosing tidy() ends.
 */
export function release(t: Disposable, ...keepers: unknown[]): void {
  if (!keepers.includes(t)) t.dispose();
}
