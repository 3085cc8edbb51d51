// Python's `random` module (CPython 3.x, Lib/random.py over Modules/_randommodule.c), draw for draw: the
// MT19937 generator seeded with init_by_array from an integer seed, random() with 53 bits from two outputs,
// getrandbits/_randbelow, and the helpers YOLOv5's training draws through (choices with weights, shuffle, …).
// Browser-safe (no node: imports).
import { Mt19937 } from './mt19937.ts';

/** Python's `random.Random`: the same sequence as `random.seed(seed)` in CPython for an integer seed. */
export class PythonRandom {
  private readonly mt = new Mt19937();

  /** `random.Random(seed)` for an integer seed (a safe integer or a bigint; the sign is ignored, as in CPython). */
  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /** random.seed(n): init_by_array over |n|'s 32-bit words, least significant first ([0] for 0). */
  seed(seed: number | bigint): void {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) throw new Error(`PythonRandom: seed must be an integer, got ${seed}`);
    let n = BigInt(seed);
    if (n < 0n) n = -n;
    const key: number[] = [];
    while (n > 0n) {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    }
    if (key.length === 0) key.push(0);
    this.mt.initByArray(key);
  }

  /** genrand_uint32: the next 32-bit output. */
  nextUint32(): number {
    return this.mt.nextUint32();
  }

  /** random.random(): a float in [0, 1) from 27 + 26 bits of two outputs. */
  random(): number {
    return this.mt.double();
  }

  /** random.getrandbits(k) for 0 ≤ k ≤ 32. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) throw new Error(`getrandbits: k must be an integer in 0…32 here, got ${k}`);
    if (k === 0) return 0;
    return this.nextUint32() >>> (32 - k);
  }

  /** Random._randbelow(n): rejection sampling over n.bit_length() bits (n < 2^32). */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0xffffffff) throw new Error(`randbelow: n must be an integer in 1…2^32−1, got ${n}`);
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** random.randrange(start, stop): start + _randbelow(stop − start). */
  randrange(start: number, stop: number): number {
    if (!Number.isInteger(start) || !Number.isInteger(stop) || stop <= start) throw new Error(`randrange: empty range (${start}, ${stop})`);
    return start + this.randbelow(stop - start);
  }

  /** random.randint(a, b): both ends included. */
  randint(a: number, b: number): number {
    return this.randrange(a, b + 1);
  }

  /** random.uniform(a, b) = a + (b − a)·random(). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  /** random.shuffle(x) in place: from the end, j = _randbelow(i + 1). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /**
   * random.choices(population, weights, k): without weights population[floor(random()·n)]; with weights the
   * running sums (float additions in order, as itertools.accumulate) searched with bisect_right for random()·total.
   * Python's errors: weights of another length, a total ≤ 0 or not finite.
   */
  choices<T>(population: ArrayLike<T>, k: number, weights?: ArrayLike<number>): T[] {
    const n = population.length;
    const out: T[] = [];
    if (!weights) {
      for (let i = 0; i < k; i++) out.push(population[Math.floor(this.random() * n)]!);
      return out;
    }
    if (weights.length !== n) throw new Error('The number of weights does not match the population');
    const cum = new Float64Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) cum[i] = s = i === 0 ? weights[0]! : s + weights[i]!;
    const total = n > 0 ? cum[n - 1]! : 0;
    if (!(total > 0)) {
      if (Number.isNaN(total)) throw new Error('Total of weights must be finite');
      throw new Error('Total of weights must be greater than zero');
    }
    if (!Number.isFinite(total)) throw new Error('Total of weights must be finite');
    const hi = n - 1;
    for (let i = 0; i < k; i++) {
      const x = this.random() * total;
      let lo = 0;
      let h = hi;
      while (lo < h) {
        const mid = (lo + h) >> 1;
        if (x < cum[mid]!) h = mid;
        else lo = mid + 1;
      }
      out.push(population[lo]!);
    }
    return out;
  }
}
