// The few NumPy / Python numerics whose exact results the COCO evaluation must reproduce: np.linspace's points,
// np.mean's summation order, np.searchsorted, and Python's '{:0.3f}' rounding.

/** np.linspace(start, stop, num) with endpoint: i·step + start, the last point exactly stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** NumPy's pairwise summation of a contiguous float64 run (8 accumulators, blocks of 128). */
function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => a[start + j]!);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** np.sum of a 1-D float64 array: pairwise sums over blocks of 8192 elements (the ufunc buffer), added in order. */
export function numpySum(a: ArrayLike<number>): number {
  let total = 0;
  for (let start = 0; start < a.length; start += 8192) total += pairwiseSum(a, start, Math.min(8192, a.length - start));
  return total;
}

/** np.mean of a 1-D float64 array. */
export function numpyMean(a: ArrayLike<number>): number {
  return numpySum(a) / a.length;
}

/** np.searchsorted(sorted, v, side='left'): the first index whose value is ≥ v. */
export function searchSortedLeft(sorted: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Python's format(x, '0.{digits}f'): the double's exact value rounded half to even (toFixed rounds an exact tie up,
 * e.g. 0.0625 → '0.063' where Python prints '0.062').
 */
export function pyFixed(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(100); // exact for any double whose expansion is this short; a tie always is
  const frac = exact.slice(exact.indexOf('.') + 1);
  const tie = frac[digits] === '5' && /^0*$/.test(frac.slice(digits + 1));
  if (!tie) return fixed;
  const down = (Math.sign(x) * Number(exact.slice(0, exact.indexOf('.') + 1 + digits))).toFixed(digits);
  const lastDigit = Number(down.replace('-', '').replace('.', '').slice(-1));
  return lastDigit % 2 === 0 ? down : fixed;
}
