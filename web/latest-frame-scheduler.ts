// Live detection's pacing: one step (grab the camera's current frame → detect → draw) runs at a time. Frames that
// arrive while a step is in flight are dropped, not queued; when the step ends, the next one takes whatever frame is
// newest then. A slow model therefore lowers the fps but never lets the picture fall behind the camera.
// DOM-free, so the pacing is tested in Node.

export interface FrameStats {
  /** Frames the camera presented since start. */
  arrived: number;
  /** Steps finished. */
  processed: number;
  /** Frames skipped because a step was in flight (newest frame wins). */
  dropped: number;
  /** Finished steps per second over the last FPS_WINDOW steps; NaN before two have finished. */
  fps: number;
  /** Duration of the last finished step (grab, detect and draw), NaN before the first. */
  frameMs: number;
}

/** How many recent step completions the fps is averaged over (a second or two at webcam rates). */
export const FPS_WINDOW = 30;

export interface SchedulerHooks {
  /** A step threw: the scheduler has stopped. */
  onError: (e: Error) => void;
  /** After each finished step, with the stats that include it. */
  onStepDone?: (stats: FrameStats) => void;
  /** The clock in ms (performance.now by default). */
  now?: () => number;
}

export class LatestFrameScheduler {
  readonly #step: () => Promise<void>;
  readonly #hooks: SchedulerHooks;
  readonly #now: () => number;
  #busy = false;
  #pending = false;
  #inStep = false;
  #stopped = false;
  #arrived = 0;
  #processed = 0;
  #frameMs = Number.NaN;
  readonly #finishedAt: number[] = [];
  #inFlight: Promise<void> = Promise.resolve();

  /** `step` processes the camera's newest frame. */
  constructor(step: () => Promise<void>, hooks: SchedulerHooks) {
    this.#step = step;
    this.#hooks = hooks;
    this.#now = hooks.now ?? (() => performance.now());
  }

  /** The camera presented `count` new frames: start a step on the newest now, or mark that a newer frame waits
   * (the others are dropped). */
  frameArrived(count = 1): void {
    if (this.#stopped) return;
    this.#arrived += count;
    if (this.#busy) {
      this.#pending = true;
      return;
    }
    this.#inFlight = this.#run();
  }

  async #run(): Promise<void> {
    this.#busy = true;
    try {
      do {
        this.#pending = false;
        const t0 = this.#now();
        this.#inStep = true;
        await this.#step();
        this.#inStep = false;
        const t1 = this.#now();
        this.#processed++;
        this.#frameMs = t1 - t0;
        this.#finishedAt.push(t1);
        if (this.#finishedAt.length > FPS_WINDOW) this.#finishedAt.shift();
        this.#hooks.onStepDone?.(this.stats);
      } while (this.#pending && !this.#stopped);
    } catch (e) {
      this.#stopped = true;
      this.#hooks.onError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.#inStep = false;
      this.#busy = false;
    }
  }

  get running(): boolean {
    return !this.#stopped;
  }

  get stats(): FrameStats {
    const t = this.#finishedAt;
    const fps = t.length >= 2 ? ((t.length - 1) * 1000) / (t[t.length - 1]! - t[0]!) : Number.NaN;
    // A frame being processed, or waiting for the step that starts next, is not dropped.
    const taken = (this.#inStep ? 1 : 0) + (this.#pending && !this.#stopped ? 1 : 0);
    return { arrived: this.#arrived, processed: this.#processed, dropped: this.#arrived - this.#processed - taken, fps, frameMs: this.#frameMs };
  }

  /** No step starts after this; resolves once the one in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#inFlight;
  }
}
