// Optimizers with torch.optim's update rules (SGD with momentum/Nesterov, Adam, AdamW), stepping parameters in
// place under noGrad, and YOLOv5's smart_optimizer parameter groups. Group 0 holds the biases (warmup gives them a
// falling lr), group 1 the decayed weights, group 2 the normalisation weights without decay.
import { pyFloatRepr } from '../compat/python.ts';
import type { HostTensor } from '../io/host-tensor.ts';
import type { Module } from '../nn/module.ts';
import { fromHost, zerosLike } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { keep, tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** train.py's --optimizer choices. */
export type OptimizerName = 'SGD' | 'Adam' | 'AdamW';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['SGD', 'Adam', 'AdamW'];

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  /** The lr the schedule multiplies (torch's initial_lr, set by LambdaLR; here from construction). */
  initialLr: number;
  weightDecay: number;
  /** SGD only (warmup ramps it); Adam's counterpart is betas[0]. */
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  betas?: [number, number];
  eps?: number;
}

export interface GroupOptions {
  lr?: number;
  weightDecay?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  betas?: [number, number];
  eps?: number;
}

type ParamState = Map<string, Tensor | number>;

const hostScalar = (v: number): HostTensor => ({ dtype: 'float64', shape: [], data: Float64Array.of(v) });

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  /** Per-parameter state (momentum buffers, Adam moments, step counts). */
  protected readonly state = new Map<Tensor, ParamState>();
  readonly defaults: Required<Omit<GroupOptions, 'momentum' | 'dampening' | 'nesterov' | 'betas' | 'eps'>> & GroupOptions;

  constructor(params: Tensor[], defaults: GroupOptions & { lr: number }) {
    this.defaults = { weightDecay: 0, ...defaults };
    this.addParamGroup({ params });
  }

  abstract get name(): OptimizerName;

  /** Adds a group; options it leaves out come from the optimizer's defaults (torch's add_param_group). */
  addParamGroup(g: GroupOptions & { params: Tensor[] }): void {
    const seen = new Set(this.paramGroups.flatMap((x) => x.params));
    if (g.params.some((p) => seen.has(p))) throw new Error(`${this.name}: a parameter appears in more than one parameter group`);
    const merged = { ...this.defaults, ...Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)) } as GroupOptions & { params: Tensor[]; lr: number; weightDecay: number };
    this.paramGroups.push({ ...merged, params: [...g.params], initialLr: merged.lr });
  }

  /** Forgets the gradients: dropped (setToNone, PyTorch ≥ 2 default) or zeroed in place (PyTorch 1.x default). */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.clearGrad();
        else {
          const grad = p.grad;
          if (grad) {
            noGrad(() => grad.zero_());
            grad.dispose();
          }
        }
      }
    }
  }

  /** One update of every parameter that has a gradient (parameters without one are skipped, as in torch). */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const g of this.paramGroups) {
          for (const p of g.params) {
            const grad = p.grad;
            if (!grad) continue;
            let s = this.state.get(p);
            if (!s) this.state.set(p, (s = new Map()));
            this.update(p, grad, g, s);
          }
        }
      }),
    );
  }

  protected abstract update(p: Tensor, grad: Tensor, g: ParamGroup, s: ParamState): void;

  /** Stores a state tensor so it survives the step's tidy() scope. */
  protected setState(s: ParamState, key: string, t: Tensor): Tensor {
    const old = s.get(key);
    keep(t);
    s.set(key, t);
    if (typeof old === 'object' && old !== t) old.dispose();
    return t;
  }

  /**
   * Host copy for checkpoints, with torch's layout flattened into keys: `state.{i}.{name}` per parameter (numbered
   * through the groups in order) and `param_groups.{j}.{lr, initial_lr, momentum, weight_decay}`.
   */
  stateDict(): Map<string, HostTensor> {
    const out = new Map<string, HostTensor>();
    let i = 0;
    this.paramGroups.forEach((g, j) => {
      out.set(`param_groups.${j}.lr`, hostScalar(g.lr));
      out.set(`param_groups.${j}.initial_lr`, hostScalar(g.initialLr));
      out.set(`param_groups.${j}.weight_decay`, hostScalar(g.weightDecay));
      if (g.momentum !== undefined) out.set(`param_groups.${j}.momentum`, hostScalar(g.momentum));
      for (const p of g.params) {
        const s = this.state.get(p);
        if (s) for (const [k, v] of s) out.set(`state.${i}.${k}`, typeof v === 'number' ? hostScalar(v) : tidy(() => v.detach().toHost()));
        i++;
      }
    });
    return out;
  }

  /** Restores stateDict() output; the groups must hold the same number of parameters with the same shapes. */
  loadStateDict(sd: Map<string, HostTensor>): void {
    const params = this.paramGroups.flatMap((g) => g.params);
    const groupCount = new Set([...sd.keys()].filter((k) => k.startsWith('param_groups.')).map((k) => k.split('.')[1])).size;
    if (groupCount !== this.paramGroups.length) {
      throw new Error(`${this.name} state has ${groupCount} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    const allowed = this.stateKeys();
    const loaded = new Map<Tensor, ParamState>();
    for (const [key, value] of sd) {
      const parts = key.split('.');
      if (parts[0] === 'param_groups') {
        const g = this.paramGroups[Number(parts[1])];
        const v = Number(value.data[0]);
        if (!g) throw new Error(`${this.name} state: no parameter group ${parts[1]} ('${key}')`);
        if (parts[2] === 'lr') g.lr = v;
        else if (parts[2] === 'initial_lr') g.initialLr = v;
        else if (parts[2] === 'weight_decay') g.weightDecay = v;
        else if (parts[2] === 'momentum' && g.momentum !== undefined) g.momentum = v;
        else throw new Error(`${this.name} state: unexpected entry '${key}' (was it saved by another optimizer?)`);
        continue;
      }
      if (parts[0] !== 'state' || parts.length !== 3) throw new Error(`${this.name} state: unexpected entry '${key}'`);
      const p = params[Number(parts[1])];
      const name = parts[2]!;
      if (!p) throw new Error(`${this.name} state: '${key}' refers to parameter ${parts[1]}, there are ${params.length}`);
      if (!allowed.includes(name)) throw new Error(`${this.name} state: '${key}' is not ${this.name} state (expected ${allowed.join(', ')}); was it saved by another optimizer?`);
      let s = loaded.get(p);
      if (!s) loaded.set(p, (s = new Map()));
      if (name === 'step') s.set(name, Number(value.data[0]));
      else {
        if (value.shape.join(',') !== p.shape.join(',')) throw new Error(`${this.name} state: '${key}' has shape [${value.shape.join(', ')}], the parameter has [${p.shape.join(', ')}]`);
        s.set(name, keep(tidy(() => fromHost(value).to(p.dtype).to(p.device))));
      }
    }
    for (const s of this.state.values()) for (const v of s.values()) if (typeof v === 'object') v.dispose();
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
  }

  protected abstract stateKeys(): string[];

  /** Frees the state tensors. */
  dispose(): void {
    for (const s of this.state.values()) for (const v of s.values()) if (typeof v === 'object') v.dispose();
    this.state.clear();
  }
}

/** torch.optim.SGD: weight decay added to the gradient, then (Nesterov) momentum. */
export class SGD extends Optimizer {
  constructor(params: Tensor[], o: { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }) {
    const momentum = o.momentum ?? 0;
    const dampening = o.dampening ?? 0;
    if (o.nesterov && (momentum <= 0 || dampening !== 0)) throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    super(params, { lr: o.lr, momentum, dampening, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false });
  }
  get name(): OptimizerName {
    return 'SGD';
  }
  protected stateKeys(): string[] {
    return ['momentum_buffer'];
  }
  protected update(p: Tensor, grad: Tensor, g: ParamGroup, s: ParamState): void {
    let d = g.weightDecay !== 0 ? grad.clone().add_(p, g.weightDecay) : grad;
    const momentum = g.momentum ?? 0;
    if (momentum !== 0) {
      let buf = s.get('momentum_buffer') as Tensor | undefined;
      if (!buf) buf = this.setState(s, 'momentum_buffer', d.clone());
      else buf.mul_(momentum).add_(d, 1 - (g.dampening ?? 0));
      d = g.nesterov ? d.clone().add_(buf, momentum) : buf;
    }
    p.add_(d, -g.lr);
  }
}

/** torch.optim.Adam (weight decay as L2 in the gradient); AdamW subclasses it with decoupled decay. */
export class Adam extends Optimizer {
  protected readonly decoupledDecay: boolean = false;
  constructor(params: Tensor[], o: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number }) {
    super(params, { lr: o.lr, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0 });
  }
  get name(): OptimizerName {
    return 'Adam';
  }
  protected stateKeys(): string[] {
    return ['step', 'exp_avg', 'exp_avg_sq'];
  }
  protected update(p: Tensor, grad: Tensor, g: ParamGroup, s: ParamState): void {
    const [beta1, beta2] = g.betas!;
    const step = ((s.get('step') as number | undefined) ?? 0) + 1;
    s.set('step', step);
    const expAvg = (s.get('exp_avg') as Tensor | undefined) ?? this.setState(s, 'exp_avg', zerosLike(p));
    const expAvgSq = (s.get('exp_avg_sq') as Tensor | undefined) ?? this.setState(s, 'exp_avg_sq', zerosLike(p));
    if (this.decoupledDecay) p.mul_(1 - g.lr * g.weightDecay);
    else if (g.weightDecay !== 0) grad = grad.clone().add_(p, g.weightDecay);
    expAvg.mul_(beta1).add_(grad, 1 - beta1);
    expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const denom = expAvgSq.sqrt().div(Math.sqrt(biasCorrection2)).add(g.eps!);
    p.addcdiv_(expAvg, denom, -(g.lr / biasCorrection1));
  }
}

/** torch.optim.AdamW: the weights shrink by lr·weight_decay before the Adam step. */
export class AdamW extends Adam {
  protected override readonly decoupledDecay: boolean = true;
  constructor(params: Tensor[], o: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number }) {
    super(params, { ...o, weightDecay: o.weightDecay ?? 1e-2 });
  }
  override get name(): OptimizerName {
    return 'AdamW';
  }
}

/** smart_optimizer's split: decayed weights (g0), normalisation-layer weights (g1), biases (g2). */
export function parameterGroups(model: Module): { weights: Tensor[]; normWeights: Tensor[]; biases: Tensor[] } {
  const weights: Tensor[] = [];
  const normWeights: Tensor[] = [];
  const biases: Tensor[] = [];
  for (const m of model.modules()) {
    // YOLOv5 tests isinstance against every torch.nn class whose name contains 'Norm'.
    const isNorm = m.typeName.includes('Norm') || m.constructor.name.includes('Norm');
    for (const [name, p] of m.namedParameters('', false)) {
      if (name === 'bias') biases.push(p);
      else if (name === 'weight' && isNorm) normWeights.push(p);
      else weights.push(p);
    }
  }
  return { weights, normWeights, biases };
}

/**
 * YOLOv5's smart_optimizer: group 0 = biases (no decay), group 1 = weights with `decay`, group 2 = normalisation
 * weights without decay. SGD uses Nesterov momentum; Adam/AdamW use betas (momentum, 0.999).
 */
export function smartOptimizer(model: Module, name: OptimizerName = 'Adam', lr = 0.001, momentum = 0.9, decay = 1e-5, log?: (line: string) => void): Optimizer {
  const { weights, normWeights, biases } = parameterGroups(model);
  let optimizer: Optimizer;
  if (name === 'Adam') optimizer = new Adam(biases, { lr, betas: [momentum, 0.999] });
  else if (name === 'AdamW') optimizer = new AdamW(biases, { lr, betas: [momentum, 0.999], weightDecay: 0.0 });
  else if (name === 'SGD') optimizer = new SGD(biases, { lr, momentum, nesterov: true });
  else throw new Error(`Optimizer ${String(name)} not implemented (choose one of ${OPTIMIZER_NAMES.join(', ')})`);
  optimizer.addParamGroup({ params: weights, weightDecay: decay });
  optimizer.addParamGroup({ params: normWeights, weightDecay: 0.0 });
  log?.(
    `optimizer: ${name}(lr=${pyFloatRepr(lr)}) with parameter groups ${normWeights.length} weight(decay=0.0), ${weights.length} weight(decay=${pyFloatRepr(decay)}), ${biases.length} bias`,
  );
  return optimizer;
}
