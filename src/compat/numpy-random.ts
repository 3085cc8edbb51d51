// NumPy's legacy `np.random.RandomState` (what `np.random.seed`/`np.random.random`/`np.random.randn` draw from),
// draw for draw: MT19937 seeded from an integer with init_genrand (NumPy's _legacy_seeding, not Python's
// init_by_array), random_sample as 53 bits from two outputs, and randn as the legacy polar Gaussian, which keeps its
// second value for the next call. Browser-safe (no node: imports).

import { Mt19937 } from './mt19937.ts';

/** `np.random.RandomState(seed)`: the same doubles and Gaussians as NumPy's legacy generator for an integer seed. */
export class NumpyRandomState {
  private readonly mt = new Mt19937();
  /** The legacy Gaussian's cached second value (has_gauss / gauss). */
  private gauss: number | null = null;

  /** `RandomState(seed)`: an integer in 0 … 2^32 − 1, as NumPy requires. */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** `RandomState.seed(seed)`: init_genrand(seed) and the cached Gaussian dropped. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
    this.mt.initGenrand(seed);
    this.gauss = null;
  }

  /** mt19937_next32: the next 32-bit output. */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** One `random_sample()`: (a·2^26 + b) / 2^53 from a = next32 >> 5, b = next32 >> 6. */
  double(): number {
    return this.mt.double();
  }

  /** `random_sample(n)` (`np.random.random(n)`): n doubles in [0, 1). */
  randomSample(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.double();
    return out;
  }

  /** One legacy Gaussian (legacy_gauss): the polar method; the pair's other value is returned by the next call. */
  gaussian(): number {
    if (this.gauss !== null) {
      const g = this.gauss;
      this.gauss = null;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2.0 * this.double() - 1.0;
      x2 = 2.0 * this.double() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }

  /** `randn(n)`: n standard normal values. */
  randn(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.gaussian();
    return out;
  }
}
