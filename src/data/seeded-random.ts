// Deterministic pseudo-random numbers for data augmentation.
// Every dataset item gets its own generator seeded from (seed, epoch, index), so a batch's content never
// depends on which worker produced it or in which order workers finished.

/** 32-bit avalanche mix (the finaliser of MurmurHash3), used to spread seed parts over the state. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Small fast counter PRNG (sfc32) with Python-`random`-like helpers. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  /** Seed from any number of integer parts, e.g. `new SeededRandom(seed, epoch, index)`. */
  constructor(...parts: number[]) {
    let h = 0x9e3779b9;
    for (const p of parts) {
      if (!Number.isFinite(p)) throw new Error(`SeededRandom: seed part ${p} is not a finite number`);
      // Fold in both 32-bit halves so seeds above 2^32 still differ.
      const lo = p >>> 0;
      const hi = Math.floor(p / 4294967296) >>> 0;
      h = mix32(h ^ lo) + 0x6d2b79f5;
      h = mix32(h ^ hi) + 0x6d2b79f5;
    }
    this.a = mix32(h ^ 0x243f6a88);
    this.b = mix32(h ^ 0x85a308d3);
    this.c = mix32(h ^ 0x13198a2e);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up past the seeding correlation
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits, like Python's random.random(). */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Python's random.uniform(a, b) = a + (b − a)·random(). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  /** Python's random.randint(a, b): integer in [a, b], both ends included. */
  randint(a: number, b: number): number {
    if (!Number.isInteger(a) || !Number.isInteger(b) || b < a) throw new Error(`randint: bad range [${a}, ${b}]`);
    return a + this.below(b - a + 1);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Python's random.choices(population, k): k picks with replacement. */
  choices<T>(population: ArrayLike<T>, k: number): T[] {
    if (population.length === 0) throw new Error('choices: empty population');
    const out: T[] = [];
    for (let i = 0; i < k; i++) out.push(population[this.below(population.length)]!);
    return out;
  }

  /** In-place Fisher–Yates shuffle (from the end, as Python's random.shuffle does). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Gamma(shape, 1) deviate (Marsaglia–Tsang; shape < 1 boosted by U^(1/shape)). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`gamma: shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.random() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.random();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Beta(a, b) deviate, like numpy.random.beta (used by MixUp with a = b = 32). */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }
}
