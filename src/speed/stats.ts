// Summary statistics of timing samples: median (robust to the odd slow run a garbage collection or another process
// causes), mean and sample standard deviation.

/** Median, mean and standard deviation of a list of samples. */
export interface SampleStats {
  /** Middle value (mean of the two middle ones for an even count). */
  median: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator; 0 for one sample). */
  std: number;
  /** Number of samples. */
  n: number;
}

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median, mean and sample standard deviation of `xs`. */
export function sampleStats(xs: readonly number[]): SampleStats {
  const n = xs.length;
  if (n === 0) return { median: NaN, mean: NaN, std: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { median: median(xs), mean, std: Math.sqrt(variance), n };
}
