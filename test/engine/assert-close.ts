// Shared by the engine and nn tests: element-wise closeness of numeric arrays with a readable failure message.
import assert from 'node:assert/strict';

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} ≠ expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const bound = tol * Math.max(1, Math.abs(e));
    if (!(Math.abs(a - e) <= bound)) assert.fail(`${what}[${i}] = ${a}, expected ${e} (tolerance ${bound})`);
  }
}

/** A Float32Array from a formula of the flat index (so JS and the Python reference build identical inputs). */
export function fromFormula(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}
