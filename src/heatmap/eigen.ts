// The dominant eigenvector of a symmetric positive semi-definite matrix (EigenCAM's first right singular vector of
// the centred activations is the top eigenvector of their c×c scatter matrix).

/** Unit eigenvector of the largest eigenvalue of the symmetric n×n matrix `m` (row-major), by power iteration. */
export function topEigenvector(m: Float64Array, n: number, maxIter = 5000, tol = 1e-13): Float64Array {
  let v = new Float64Array(n);
  // a start with a component along every axis: the diagonal (non-negative for a scatter matrix) plus a small ramp
  for (let i = 0; i < n; i++) v[i] = m[i * n + i]! + 1e-3 * (i + 1);
  normalise(v);
  let next = new Float64Array(n);
  for (let it = 0; it < maxIter; it++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += m[row + j]! * v[j]!;
      next[i] = s;
    }
    if (normalise(next) === 0) return v;
    let diff = 0;
    for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(next[i]! - v[i]!));
    [v, next] = [next, v];
    if (diff < tol) break;
  }
  return v;
}

function normalise(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return norm;
}
