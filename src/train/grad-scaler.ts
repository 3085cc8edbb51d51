// torch.cuda.amp.GradScaler: float16 gradients underflow, so the loss is multiplied by a large scale before backward,
// gradients are divided by it before clipping and stepping, and a step whose gradients hold an inf or NaN is
// skipped while the scale backs off; after `growthInterval` clean steps the scale grows again. Same defaults, same
// float32 arithmetic and the same state_dict keys as torch's.
import { stack } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** GradScaler's constructor arguments (torch's names in camelCase, torch's defaults). */
export interface GradScalerOptions {
  /** Starting scale (default 2**16). */
  initScale?: number;
  /** Factor applied after growthInterval steps without inf/NaN (default 2). */
  growthFactor?: number;
  /** Factor applied after a step with inf/NaN (default 0.5). */
  backoffFactor?: number;
  /** Clean steps between growths (default 2000). */
  growthInterval?: number;
  /** false: every method passes through (scale 1, steps always taken), as torch's enabled=False. */
  enabled?: boolean;
}

/** torch's GradScaler.state_dict(): plain numbers under torch's keys. */
export interface GradScalerState {
  /** The current loss scale. */
  scale: number;
  /** Factor applied on growth. */
  growth_factor: number;
  /** Factor applied on an inf/NaN step. */
  backoff_factor: number;
  /** Clean steps between growths. */
  growth_interval: number;
  /** Clean steps since the last growth or backoff. */
  _growth_tracker: number;
}

/** What a scaler steps: anything with parameter groups and a step() (the optimizers in optimizer.ts). */
export interface SteppableOptimizer {
  /** The parameter groups whose gradients are unscaled. */
  readonly paramGroups: readonly {
    /** The group's parameters. */
    params: Tensor[];
  }[];
  /** Applies the update. */
  step(): void;
}

const f32 = Math.fround;

/** torch.cuda.amp.GradScaler (also used as-is on the CPU, where torch 1.13's kernels exist only for CUDA). */
export class GradScaler {
  /** false: a pass-through scaler (torch's enabled=False). */
  readonly enabled: boolean;
  #scale: number;
  #growthFactor: number;
  #backoffFactor: number;
  #growthInterval: number;
  #growthTracker = 0;
  /** Per optimizer since the last update(): whether unscale_ ran and whether it found an inf/NaN. */
  #perOptimizer = new Map<SteppableOptimizer, { unscaled: boolean; foundInf: boolean; stepped: boolean }>();

  constructor(o: GradScalerOptions = {}) {
    this.enabled = o.enabled ?? true;
    this.#scale = f32(o.initScale ?? 2 ** 16);
    this.#growthFactor = o.growthFactor ?? 2.0;
    this.#backoffFactor = o.backoffFactor ?? 0.5;
    this.#growthInterval = o.growthInterval ?? 2000;
    if (!(this.#growthFactor > 1)) throw new Error(`GradScaler: growthFactor must be > 1, got ${this.#growthFactor}`);
    if (!(this.#backoffFactor < 1)) throw new Error(`GradScaler: backoffFactor must be < 1, got ${this.#backoffFactor}`);
    if (!(Number.isInteger(this.#growthInterval) && this.#growthInterval > 0)) throw new Error(`GradScaler: growthInterval must be a positive integer, got ${this.#growthInterval}`);
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.#scale : 1;
  }

  /** loss × scale (the loss itself when disabled). */
  scale(loss: Tensor): Tensor {
    return this.enabled ? loss.mul(this.#scale) : loss;
  }

  #state(optimizer: SteppableOptimizer) {
    let s = this.#perOptimizer.get(optimizer);
    if (!s) this.#perOptimizer.set(optimizer, (s = { unscaled: false, foundInf: false, stepped: false }));
    return s;
  }

  /**
   * Divides the optimizer's gradients by the scale in place (call before clipping) and records whether any was inf
   * or NaN — judged on the gradients as backward left them, as torch's kernel does. Once per optimizer per step.
   */
  unscale_(optimizer: SteppableOptimizer): void {
    if (!this.enabled) return;
    const s = this.#state(optimizer);
    if (s.unscaled) throw new Error('GradScaler: unscale_() has already been called on this optimizer since the last update()');
    if (s.stepped) throw new Error('GradScaler: unscale_() is being called after step()');
    // torch: inv_scale = scale.double().reciprocal().float()
    const invScale = f32(1 / this.#scale);
    s.foundInf = noGrad(() =>
      tidy(() => {
        const finite: Tensor[] = [];
        for (const g of optimizer.paramGroups.flatMap((group) => group.params.map((p) => p.grad))) {
          if (!g) continue;
          finite.push(g.isfinite().all().to('cpu'));
          g.mul_(invScale);
        }
        return finite.length > 0 && !stack(finite).all().item();
      }),
    );
    s.unscaled = true;
  }

  /** unscale_ if not done yet, then optimizer.step() unless an inf/NaN was found; whether the step was taken. */
  step(optimizer: SteppableOptimizer): boolean {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    const s = this.#state(optimizer);
    if (s.stepped) throw new Error('GradScaler: step() has already been called since the last update()');
    if (!s.unscaled) this.unscale_(optimizer);
    s.stepped = true;
    if (s.foundInf) return false;
    optimizer.step();
    return true;
  }

  /**
   * After step(): back off on an inf/NaN (tracker reset), else count a clean step and grow the scale every
   * growthInterval of them, keeping the old scale when the grown one would be inf (torch's _amp_update_scale_).
   * `newScale` sets the scale directly instead.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      this.#scale = f32(newScale);
    } else {
      const states = [...this.#perOptimizer.values()].filter((s) => s.unscaled);
      if (states.length === 0) throw new Error('GradScaler: no inf checks were recorded prior to update()');
      if (states.some((s) => s.foundInf)) {
        this.#scale = f32(this.#scale * this.#backoffFactor);
        this.#growthTracker = 0;
      } else {
        const successful = this.#growthTracker + 1;
        if (successful === this.#growthInterval) {
          const grown = f32(this.#scale * this.#growthFactor);
          if (Number.isFinite(grown)) this.#scale = grown;
          this.#growthTracker = 0;
        } else this.#growthTracker = successful;
      }
    }
    this.#perOptimizer.clear();
  }

  /** torch's state_dict(): {} when disabled. */
  stateDict(): GradScalerState | Record<string, never> {
    if (!this.enabled) return {};
    return { scale: this.#scale, growth_factor: this.#growthFactor, backoff_factor: this.#backoffFactor, growth_interval: this.#growthInterval, _growth_tracker: this.#growthTracker };
  }

  /** torch's load_state_dict(): refuses an empty state on an enabled scaler. */
  loadStateDict(state: Partial<GradScalerState>): void {
    if (!this.enabled) return;
    if (state.scale === undefined) throw new Error('GradScaler: the state to load is empty (was it saved by a disabled scaler?)');
    this.#scale = f32(state.scale);
    if (state.growth_factor !== undefined) this.#growthFactor = state.growth_factor;
    if (state.backoff_factor !== undefined) this.#backoffFactor = state.backoff_factor;
    if (state.growth_interval !== undefined) this.#growthInterval = state.growth_interval;
    if (state._growth_tracker !== undefined) this.#growthTracker = state._growth_tracker;
  }
}
