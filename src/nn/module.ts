// Module: the PyTorch nn.Module contract — named children, parameters and buffers, state_dict keys that are
// identical to PyTorch's (`model.0.conv.weight`), train/eval, parameter counting.
import { isFloatingPoint } from '../tensor/dtype.ts';
import { noGrad } from '../tensor/runtime.ts';
import { keep } from '../tensor/scope.ts';
import { Tensor } from '../tensor/tensor.ts';

/** The base of every layer, as PyTorch's nn.Module: named children, parameters and buffers with PyTorch's state_dict keys, train/eval. */
export abstract class Module {
  /** Training mode (true, the default) or eval mode; set for the whole tree by train()/eval(). */
  training = true;
  readonly #children = new Map<string, Module | null>();
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();

  /** The layer's computation (PyTorch's forward); subclasses narrow the types (Tensor → Tensor, Tensor[] → Tensor, …). */
  abstract forward(input: any): any;

  /**
   * Inference-only restructuring of this module's own children (folding BatchNorms into convolutions, merging
   * re-parameterised branches); outputs stay the same. A model's fuse() calls it on every module that has it.
   */
  fuse?(): void;

  /** The class name PyTorch would print (nn.Conv2d → 'Conv2d'); subclasses may override for YOLOv5's names. */
  get typeName(): string {
    return this.constructor.name;
  }

  // ------------------------------------------------------------ registration
  /** Adds a named child (a submodule; null keeps the slot, as PyTorch's None) and returns it. */
  registerModule<M extends Module | null>(name: string, m: M): M {
    this.#children.set(name, m);
    return m;
  }
  /** Adds a named parameter (made to require grad, kept out of tidy() scopes) and returns it. */
  registerParameter(name: string, t: Tensor | null): Tensor | null {
    if (t && !t.requiresGrad) t.requiresGrad_(true);
    if (t) keep(t); // a module's tensors outlive any tidy() scope they were built in
    this.#parameters.set(name, t);
    return t;
  }
  /** Adds a named buffer (running statistics, anchors, …); `persistent = false` keeps it out of stateDict(). */
  registerBuffer(name: string, t: Tensor | null, persistent = true): Tensor | null {
    if (t) keep(t);
    this.#buffers.set(name, t);
    if (!persistent) this.#nonPersistent.add(name);
    return t;
  }
  /** Replace a registered tensor (parameter or buffer) by a new one, disposing the old one. */
  replaceTensor(name: string, t: Tensor): void {
    const table = this.#parameters.has(name) ? this.#parameters : this.#buffers.has(name) ? this.#buffers : null;
    if (!table) throw new Error(`${this.typeName} has no parameter or buffer '${name}'`);
    const old = table.get(name);
    keep(t);
    table.set(name, t);
    if (old && old !== t) old.dispose();
  }
  /** This module's own parameter by name, or null. */
  getParameter(name: string): Tensor | null {
    return this.#parameters.get(name) ?? null;
  }
  /** This module's own buffer by name, or null. */
  getBuffer(name: string): Tensor | null {
    return this.#buffers.get(name) ?? null;
  }
  /** This module's direct child by name, or null. */
  getChild(name: string): Module | null {
    return this.#children.get(name) ?? null;
  }
  /** Removes a direct child (its slot and name). */
  deleteChild(name: string): void {
    this.#children.delete(name);
  }

  // ------------------------------------------------------------ traversal
  /** The direct children with their names, in registration order. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [n, m] of this.#children) if (m) yield [n, m];
  }
  /** The direct children, in registration order. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }
  /** Every module in the tree once (shared instances once), depth-first, self first — like PyTorch. */
  *namedModules(prefix = '', memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [n, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${n}` : n, memo);
  }
  /** This module and every descendant, depth first (PyTorch's modules()). */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }
  /** Every parameter of the tree (or only this module's with `recurse = false`) with its dotted state_dict name. */
  *namedParameters(prefix = '', recurse = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [n, p] of m.#parameters) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${n}` : n, p];
      }
    }
  }
  /** Every parameter of the tree (or only this module's with `recurse = false`). */
  *parameters(recurse = true): Generator<Tensor> {
    for (const [, p] of this.namedParameters('', recurse)) yield p;
  }
  /** Every buffer of the tree with its dotted state_dict name. */
  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [n, b] of m.#buffers) if (b) yield [mp ? `${mp}.${n}` : n, b];
    }
  }

  /** PyTorch's state_dict(): own parameters, then own persistent buffers, then each child in order. */
  stateDict(prefix = '', out = new Map<string, Tensor>()): Map<string, Tensor> {
    for (const [n, p] of this.#parameters) if (p) out.set(prefix + n, p);
    for (const [n, b] of this.#buffers) if (b && !this.#nonPersistent.has(n)) out.set(prefix + n, b);
    for (const [n, m] of this.#children) if (m) m.stateDict(`${prefix}${n}.`, out);
    return out;
  }

  /** Names of parameter entries in stateDict() (the rest are buffers). */
  parameterKeys(): Set<string> {
    return new Set([...this.namedParameters()].map(([n]) => n));
  }

  /**
   * Copies values into this module's tensors (dtype converted). With `strict`, missing or unexpected keys are
   * an error listing them; shape mismatches are always an error naming the key.
   */
  loadStateDict(source: Map<string, Tensor>, strict = true): {
    /** Keys the model has that `source` lacks. */
    missing: string[];
    /** Keys of `source` that the model does not have. */
    unexpected: string[];
  } {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !source.has(k));
    const unexpected = [...source.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      const parts = [];
      if (missing.length) parts.push(`missing keys: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (+${missing.length - 10})` : ''}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.slice(0, 10).join(', ')}${unexpected.length > 10 ? ` (+${unexpected.length - 10})` : ''}`);
      throw new Error(`state_dict does not match the model: ${parts.join('; ')}`);
    }
    for (const [k, dst] of own) {
      const src = source.get(k);
      if (!src) continue;
      const a = dst.shape.join(',');
      const b = src.shape.join(',');
      if (a !== b) throw new Error(`state_dict entry '${k}' has shape [${b}], the model needs [${a}]`);
      // Integers into float weights only come from a corrupt or edited file (an F32→I32 header edit reinterprets the
      // bits as huge integers). Floats into an integer buffer (num_batches_tracked saved as a float) convert as in PyTorch.
      if (!isFloatingPoint(src.dtype) && isFloatingPoint(dst.dtype)) throw new Error(`state_dict entry '${k}' is ${src.dtype}, the model needs ${dst.dtype}`);
      const converted = src.dtype === dst.dtype ? src : src.to(dst.dtype);
      // Copying into a leaf that requires grad is only allowed without autograd recording.
      noGrad(() => dst.copy_(converted));
      if (converted !== src) converted.dispose();
    }
    return { missing, unexpected };
  }

  /**
   * Replaces every parameter and buffer of the tree by `fn(tensor)` (parameters are passed detached and keep their
   * requires_grad); a tensor `fn` returns unchanged stays. Build optimizers afterwards: parameters become new tensors.
   */
  mapTensors(fn: (t: Tensor) => Tensor): this {
    for (const m of this.modules()) {
      for (const [name, p] of [...m.#parameters]) {
        if (!p) continue;
        const requiresGrad = p.requiresGrad;
        const detached = p.detach();
        const mapped = fn(detached);
        if (mapped !== detached) {
          detached.dispose();
          m.replaceTensor(name, mapped.requiresGrad_(requiresGrad));
        } else detached.dispose();
      }
      for (const [name, b] of [...m.#buffers]) {
        if (!b) continue;
        const mapped = fn(b);
        if (mapped !== b) m.replaceTensor(name, mapped);
      }
    }
    return this;
  }

  /**
   * Stores every 4-d parameter and buffer channels_last (NHWC in memory). libtorch's CPU convolutions (depthwise
   * ones above all) run much faster on channels_last inputs and weights.
   */
  toChannelsLast(): this {
    return this.mapTensors((t) => (t.ndim === 4 ? t.contiguous('channels_last') : t));
  }

  /** Moves every parameter and buffer to `device` ('cpu', 'cuda', 'cuda:1'). */
  toDevice(device: string): this {
    return this.mapTensors((t) => t.to(device));
  }

  // ------------------------------------------------------------ modes and counts
  /** Training mode for the whole tree (`train(false)` is eval mode); returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Eval mode for the whole tree (BatchNorm uses its running statistics, Detect decodes boxes); returns this. */
  eval(): this {
    return this.train(false);
  }
  /** Number of parameter elements in the tree (only those that require grad with `onlyTrainable`). */
  numParameters(onlyTrainable = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!onlyTrainable || p.requiresGrad) n += p.numel;
    return n;
  }
  /** Frees every tensor of the tree (the module is unusable afterwards). */
  dispose(): void {
    for (const m of this.modules()) m.releaseTensors();
  }

  /** Frees this module's own tensors; modules holding extra tensors (caches) override and call super. */
  protected releaseTensors(): void {
    for (const t of this.#parameters.values()) t?.dispose();
    for (const t of this.#buffers.values()) t?.dispose();
  }
}
