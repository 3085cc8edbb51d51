// Where an epoch's time goes: wall-clock seconds per named phase (waiting for the loader, forward+backward,
// optimizer+EMA, validation), summed over each epoch. One performance.now() pair per phase entry, so it is cheap
// enough to stay on in every run; the trainer prints the means at the end and returns them.

/** The phases the trainer times per epoch. */
export type TrainPhase = 'data wait' | 'forward+backward' | 'optimizer+EMA' | 'val';
export const TRAIN_PHASES: readonly TrainPhase[] = ['data wait', 'forward+backward', 'optimizer+EMA', 'val'];

export class PhaseTimer {
  /** Seconds per phase, one record per epoch begun with startEpoch(). */
  readonly epochs: Array<Record<TrainPhase, number>> = [];

  startEpoch(): void {
    this.epochs.push(Object.fromEntries(TRAIN_PHASES.map((p) => [p, 0])) as Record<TrainPhase, number>);
  }

  /** Runs fn, adding its duration to the current epoch's `phase` (also when fn throws). */
  time<T>(phase: TrainPhase, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.add(phase, t0);
    }
  }

  async timeAsync<T>(phase: TrainPhase, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.add(phase, t0);
    }
  }

  /** Mean seconds per epoch of each phase over the epochs recorded. */
  mean(): Record<TrainPhase, number> {
    const n = Math.max(this.epochs.length, 1);
    return Object.fromEntries(TRAIN_PHASES.map((p) => [p, this.epochs.reduce((s, e) => s + e[p], 0) / n])) as Record<TrainPhase, number>;
  }

  /** "data wait 1.2 s, forward+backward 10.3 s, optimizer+EMA 0.8 s, val 2.1 s". */
  format(): string {
    const m = this.mean();
    return TRAIN_PHASES.map((p) => `${p} ${m[p].toFixed(2)} s`).join(', ');
  }

  private add(phase: TrainPhase, t0: number): void {
    const epoch = this.epochs[this.epochs.length - 1];
    if (epoch) epoch[phase] += (performance.now() - t0) / 1000;
  }
}
