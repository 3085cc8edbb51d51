// The Tensor class: a typed, PyTorch-named view of a libtorch tensor held by the native engine.
import { type HostData, type HostTensor, typedArrayFromBytes } from '../io/host-tensor.ts';
import { type Handle, native } from '../native/binding.ts';
import { type DType, type Device, dtypeCode, dtypeFromCode, isDType } from './dtype.ts';
import { track } from './scope.ts';

// Backstop for tensors nobody disposed: free the native memory when the JS object is collected.
const finalizer = new FinalizationRegistry<Handle>((h) => native.dispose(h));

/** A number (or boolean) where PyTorch takes a Python scalar. */
export type Scalar = number | boolean;
type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'remainder' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** One index of Tensor.index(): a tensor, or null for a whole dimension (`:`). */
export type IndexArg = Tensor | null;

/** A libtorch tensor with PyTorch's method names; free it with dispose() or inside tidy(). */
export class Tensor {
  #h: Handle;
  #shape: number[] | undefined;
  #finalized = false;

  /** Wraps a native handle (engine-internal; use the factory functions in src/tensor/create.ts). */
  constructor(handle: Handle) {
    this.#h = handle;
    // Inside tidy() the scope frees the tensor; the GC backstop is only armed for tensors outside any scope
    // (registering costs more than a small libtorch op).
    if (!track(this)) this.escape();
  }

  /** Arms the GC backstop (the tensor is no longer owned by a tidy() scope). */
  escape(): void {
    if (this.#finalized || this.#h < 0) return;
    finalizer.register(this, this.#h, this);
    this.#finalized = true;
  }

  /** The native handle; throws once the tensor is disposed. */
  get handle(): Handle {
    if (this.#h < 0) throw new Error('tensor used after dispose()');
    return this.#h;
  }

  /** Whether dispose() has run (the tensor is then unusable). */
  get isDisposed(): boolean {
    return this.#h < 0;
  }

  /** Frees the native memory now (idempotent). */
  dispose(): void {
    if (this.#h < 0) return;
    if (this.#finalized) finalizer.unregister(this);
    native.dispose(this.#h);
    this.#h = -1;
  }

  // ------------------------------------------------------------ inspection
  /** The sizes of each dimension (a copy). */
  get shape(): number[] {
    this.#shape ??= native.shape(this.handle);
    return this.#shape.slice();
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of dimensions (torch.Tensor.dim()). */
  dim(): number {
    return this.ndim;
  }
  /** The shape, or the size of dimension `d` (negative counts from the end). */
  size(d?: number): number | number[] {
    if (d === undefined) return this.shape;
    const s = this.shape;
    const v = s[d < 0 ? s.length + d : d];
    if (v === undefined) throw new Error(`dimension ${d} out of range for a ${s.length}-d tensor`);
    return v;
  }
  /** Number of elements. */
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  /** Element type (float32, int64, uint8, bool, …). */
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this.handle));
  }
  /** Where the tensor lives: 'cpu', 'cuda:0', …. */
  get device(): Device {
    return native.device(this.handle);
  }
  /** Whether autograd records operations on this tensor. */
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  /** Whether the elements are laid out contiguously in row-major order. */
  isContiguous(): boolean {
    return native.isContiguous(this.handle);
  }
  /** Whether a 4-d tensor is stored channels_last (NHWC in memory). */
  isChannelsLast(): boolean {
    return native.isChannelsLast(this.handle);
  }
  /** The value of a one-element tensor as a number. */
  item(): number {
    return native.item(this.handle);
  }

  // ------------------------------------------------------------ data out
  /** A copy of the elements in row-major order, as the typed array of this dtype. */
  toTypedArray(): HostData {
    const buf = new Uint8Array(native.toBuffer(this.handle));
    return typedArrayFromBytes(this.dtype, buf, this.numel);
  }
  /** A copy of the elements in row-major order, converted to float32. */
  toFloat32Array(): Float32Array {
    if (this.dtype === 'float32') return this.toTypedArray() as Float32Array;
    const f = new Tensor(native.toDType(this.handle, dtypeCode('float32')));
    try {
      return f.toTypedArray() as Float32Array;
    } finally {
      f.dispose();
    }
  }
  /** A copy on the host: dtype, shape and the typed array of the elements. */
  toHost(): HostTensor {
    return { dtype: this.dtype, shape: this.shape, data: this.toTypedArray() };
  }
  /** Nested JS arrays (small tensors: tests, printing). */
  tolist(): unknown {
    const data = Array.from(this.toTypedArray() as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
    const build = (dims: number[], offset: number): unknown => {
      if (dims.length === 0) return data[offset];
      const [d, ...rest] = dims;
      const stride = rest.reduce((a, b) => a * b, 1);
      return Array.from({ length: d! }, (_, i) => build(rest, offset + i * stride));
    };
    return build(this.shape, 0);
  }
  /** `Tensor(shape=[…], dtype=…, device=…)`. */
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ------------------------------------------------------------ conversion and layout
  /** A copy converted to a dtype ('float32', …) or moved to a device ('cpu', 'cuda', …). */
  to(target: DType | Device): Tensor {
    if (isDType(target)) return new Tensor(native.toDType(this.handle, dtypeCode(target)));
    return new Tensor(native.toDevice(this.handle, target));
  }
  /** As float32. */
  float(): Tensor {
    return this.to('float32');
  }
  /** As float16. */
  half(): Tensor {
    return this.to('float16');
  }
  /** As int64. */
  long(): Tensor {
    return this.to('int64');
  }
  /** As bool. */
  bool(): Tensor {
    return this.to('bool');
  }
  /** On the CPU. */
  cpu(): Tensor {
    return this.to('cpu');
  }
  /** The same values in contiguous (or channels_last) memory; this tensor itself when it already is. */
  contiguous(memoryFormat: 'contiguous' | 'channels_last' = 'contiguous'): Tensor {
    return new Tensor(native.contiguous(this.handle, memoryFormat === 'channels_last'));
  }
  /** A copy with its own storage (gradients flow through it). */
  clone(): Tensor {
    return new Tensor(native.clone(this.handle));
  }
  /** The same storage, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(native.detach(this.handle));
  }

  // ------------------------------------------------------------ shape
  /** The same elements in a new shape (-1 infers one size); a view when possible. */
  reshape(...shape: number[]): Tensor {
    return new Tensor(native.reshape(this.handle, shape));
  }
  /** A view with a new shape (the memory must allow it). */
  view(...shape: number[]): Tensor {
    return new Tensor(native.view(this.handle, shape));
  }
  /** A view with the dimensions reordered. */
  permute(...dims: number[]): Tensor {
    return new Tensor(native.permute(this.handle, dims));
  }
  /** A view with two dimensions swapped. */
  transpose(d0: number, d1: number): Tensor {
    return new Tensor(native.transpose(this.handle, d0, d1));
  }
  /** Drops size-1 dimensions (all, or only `dim`). */
  squeeze(dim?: number): Tensor {
    return new Tensor(native.squeeze(this.handle, dim ?? null));
  }
  /** Inserts a size-1 dimension at `dim`. */
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this.handle, dim));
  }
  /** Merges dimensions startDim..endDim into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.flatten(this.handle, startDim, endDim));
  }
  /** A broadcast view to a larger shape (-1 keeps a size). */
  expand(...shape: number[]): Tensor {
    return new Tensor(native.expand(this.handle, shape));
  }
  /** Tiles the tensor `repeats[i]` times along each dimension. */
  repeat(...repeats: number[]): Tensor {
    return new Tensor(native.repeat(this.handle, repeats));
  }
  /** Reverses the order along the given dimensions. */
  flip(...dims: number[]): Tensor {
    return new Tensor(native.flip(this.handle, dims));
  }
  /** Splits into `chunks` nearly equal views along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this.handle, chunks, dim).map((h) => new Tensor(h));
  }
  /** Splits into views of `sizes` (one size for every piece, or a list) along `dim`. */
  split(sizes: number | number[], dim = 0): Tensor[] {
    const handles = typeof sizes === 'number' ? native.split(this.handle, sizes, dim) : native.splitWithSizes(this.handle, sizes, dim);
    return handles.map((h) => new Tensor(h));
  }
  /** A view of `length` elements from `start` along `dim`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this.handle, dim, start, length));
  }
  /** Like t[..., start:end:step, ...] along `dim`. */
  slice(dim: number, start = 0, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    return new Tensor(native.slice(this.handle, dim, start, end, step));
  }
  /** A view at `index` along `dim`, that dimension removed. */
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this.handle, dim, index));
  }
  /** The entries at `index` (an int64 tensor) along `dim`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.indexSelect(this.handle, dim, index.handle));
  }
  /** torch.gather: values picked along `dim` by an index tensor of the output's shape. */
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.gather(this.handle, dim, index.handle));
  }
  /** Advanced indexing: t.index([a, null, b]) is t[a, :, b]. */
  index(indices: IndexArg[]): Tensor {
    return new Tensor(native.index(this.handle, indices.map((t) => (t ? t.handle : null))));
  }
  /** In place: t[indices] = values (or += with accumulate). */
  indexPut_(indices: IndexArg[], values: Tensor, accumulate = false): this {
    native.indexPut_(this.handle, indices.map((t) => (t ? t.handle : null)), values.handle, accumulate);
    return this;
  }
  /** The elements where `mask` is true, as a 1-d tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(native.maskedSelect(this.handle, mask.handle));
  }
  /** A copy with `value` where `mask` is true. */
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    return new Tensor(native.maskedFill(this.handle, mask.handle, value));
  }
  /** In place: `value` where `mask` is true. */
  maskedFill_(mask: Tensor, value: Scalar): this {
    native.maskedFill_(this.handle, mask.handle, value);
    return this;
  }
  /** Indices of the non-zero elements, (n, ndim) int64. */
  nonzero(): Tensor {
    return new Tensor(native.nonzero(this.handle));
  }

  // ------------------------------------------------------------ elementwise
  #binary(name: BinaryOp, other: Tensor | Scalar): Tensor {
    return new Tensor(other instanceof Tensor ? native[name](this.handle, other.handle) : native[`${name}Scalar`](this.handle, other));
  }
  /** Elementwise sum (broadcasting). */
  add(other: Tensor | Scalar): Tensor {
    return this.#binary('add', other);
  }
  /** Elementwise difference (broadcasting). */
  sub(other: Tensor | Scalar): Tensor {
    return this.#binary('sub', other);
  }
  /** Elementwise product (broadcasting). */
  mul(other: Tensor | Scalar): Tensor {
    return this.#binary('mul', other);
  }
  /** Elementwise true division (broadcasting). */
  div(other: Tensor | Scalar): Tensor {
    return this.#binary('div', other);
  }
  /** Elementwise power (broadcasting). */
  pow(other: Tensor | Scalar): Tensor {
    return this.#binary('pow', other);
  }
  /** Elementwise Python-style modulo (the sign of the divisor). */
  remainder(other: Tensor | Scalar): Tensor {
    return this.#binary('remainder', other);
  }
  /** Elementwise max with a tensor; with a number this is clamp(min=number). */
  maximum(other: Tensor | Scalar): Tensor {
    return this.#binary('maximum', other);
  }
  /** Elementwise min with a tensor; with a number this is clamp(max=number). */
  minimum(other: Tensor | Scalar): Tensor {
    return this.#binary('minimum', other);
  }
  /** Elementwise ==, as bool. */
  eq(other: Tensor | Scalar): Tensor {
    return this.#binary('eq', other);
  }
  /** Elementwise !=, as bool. */
  ne(other: Tensor | Scalar): Tensor {
    return this.#binary('ne', other);
  }
  /** Elementwise <, as bool. */
  lt(other: Tensor | Scalar): Tensor {
    return this.#binary('lt', other);
  }
  /** Elementwise <=, as bool. */
  le(other: Tensor | Scalar): Tensor {
    return this.#binary('le', other);
  }
  /** Elementwise >, as bool. */
  gt(other: Tensor | Scalar): Tensor {
    return this.#binary('gt', other);
  }
  /** Elementwise >=, as bool. */
  ge(other: Tensor | Scalar): Tensor {
    return this.#binary('ge', other);
  }
  /** s − t */
  rsub(s: Scalar): Tensor {
    return new Tensor(native.rsubScalar(this.handle, s));
  }
  /** s / t */
  rdiv(s: Scalar): Tensor {
    return new Tensor(native.rdivScalar(this.handle, s));
  }
  /** Elementwise logical and, as bool. */
  logicalAnd(other: Tensor): Tensor {
    return new Tensor(native.logicalAnd(this.handle, other.handle));
  }
  /** Elementwise logical or, as bool. */
  logicalOr(other: Tensor): Tensor {
    return new Tensor(native.logicalOr(this.handle, other.handle));
  }
  /** Elementwise logical not, as bool. */
  logicalNot(): Tensor {
    return new Tensor(native.logicalNot(this.handle));
  }
  /** −t. */
  neg(): Tensor {
    return new Tensor(native.neg(this.handle));
  }
  /** eᵗ elementwise. */
  exp(): Tensor {
    return new Tensor(native.exp(this.handle));
  }
  /** Natural logarithm elementwise. */
  log(): Tensor {
    return new Tensor(native.log(this.handle));
  }
  /** 1 / (1 + e⁻ᵗ) elementwise. */
  sigmoid(): Tensor {
    return new Tensor(native.sigmoid(this.handle));
  }
  /** torch.softmax along `dim`. */
  softmax(dim: number): Tensor {
    return new Tensor(native.softmax(this.handle, dim));
  }
  /** torch.matmul (batched, broadcasting). */
  matmul(other: Tensor): Tensor {
    return new Tensor(native.matmul(this.handle, other.handle));
  }
  /** GELU (exact, erf form) elementwise. */
  gelu(): Tensor {
    return new Tensor(native.gelu(this.handle));
  }
  /** Hard sigmoid elementwise: clamp(t/6 + 1/2, 0, 1). */
  hardsigmoid(): Tensor {
    return new Tensor(native.hardsigmoid(this.handle));
  }
  /** Mish elementwise: t·tanh(softplus(t)). */
  mish(): Tensor {
    return new Tensor(native.mish(this.handle));
  }
  /** log(1 + eᵗ) elementwise. */
  softplus(): Tensor {
    return new Tensor(native.softplus(this.handle));
  }
  /** Square root elementwise. */
  sqrt(): Tensor {
    return new Tensor(native.sqrt(this.handle));
  }
  /** Arctangent elementwise. */
  atan(): Tensor {
    return new Tensor(native.atan(this.handle));
  }
  /** Absolute value elementwise. */
  abs(): Tensor {
    return new Tensor(native.abs(this.handle));
  }
  /** Hyperbolic tangent elementwise. */
  tanh(): Tensor {
    return new Tensor(native.tanh(this.handle));
  }
  /** Rounds down elementwise. */
  floor(): Tensor {
    return new Tensor(native.floor(this.handle));
  }
  /** Rounds up elementwise. */
  ceil(): Tensor {
    return new Tensor(native.ceil(this.handle));
  }
  /** Rounds half to even elementwise (as torch.round). */
  round(): Tensor {
    return new Tensor(native.round(this.handle));
  }
  /** −1, 0 or 1 elementwise. */
  sign(): Tensor {
    return new Tensor(native.sign(this.handle));
  }
  /** 1 / t elementwise. */
  reciprocal(): Tensor {
    return new Tensor(native.reciprocal(this.handle));
  }
  /** max(t, 0) elementwise. */
  relu(): Tensor {
    return new Tensor(native.relu(this.handle));
  }
  /** SiLU elementwise: t·σ(t). */
  silu(): Tensor {
    return new Tensor(native.silu(this.handle));
  }
  /** Hard swish elementwise: t·clamp(t + 3, 0, 6)/6. */
  hardswish(): Tensor {
    return new Tensor(native.hardswish(this.handle));
  }
  /** Leaky ReLU elementwise (slope `negativeSlope` below zero). */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return new Tensor(native.leakyRelu(this.handle, negativeSlope));
  }
  /** Where the elements are NaN, as bool. */
  isnan(): Tensor {
    return new Tensor(native.isnan(this.handle));
  }
  /** Where the elements are finite (not NaN or ±inf), as bool. */
  isfinite(): Tensor {
    return new Tensor(native.isfinite(this.handle));
  }
  /** Limits the elements to [min, max] (null: no bound on that side). */
  clamp(min: number | null = null, max: number | null = null): Tensor {
    return new Tensor(native.clamp(this.handle, min, max));
  }

  // ------------------------------------------------------------ reductions
  /** Sum over everything, or over `dim`. */
  sum(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.sum(this.handle, null, false) : native.sum(this.handle, [dim].flat(), keepdim));
  }
  /** Mean over everything, or over `dim`. */
  mean(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.mean(this.handle, null, false) : native.mean(this.handle, [dim].flat(), keepdim));
  }
  /** Product over everything, or over `dim`. */
  prod(dim?: number, keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.prod(this.handle, null, false) : native.prod(this.handle, dim, keepdim));
  }
  /** max over everything (a 0-d tensor). */
  max(): Tensor {
    return new Tensor(native.maxAll(this.handle));
  }
  /** min over everything (a 0-d tensor). */
  min(): Tensor {
    return new Tensor(native.minAll(this.handle));
  }
  /** PyTorch's max(dim) → (values, indices). */
  maxDim(dim: number, keepdim = false): {
    /** The maxima. */
    values: Tensor;
    /** Where they are along `dim`. */
    indices: Tensor;
  } {
    const [v, i] = native.maxDim(this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  /** PyTorch's min(dim) → (values, indices). */
  minDim(dim: number, keepdim = false): {
    /** The minima. */
    values: Tensor;
    /** Where they are along `dim`. */
    indices: Tensor;
  } {
    const [v, i] = native.minDim(this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  /** Maximum over one or more dimensions (values only). */
  amax(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(native.amax(this.handle, [dim].flat(), keepdim));
  }
  /** Index of the maximum, over everything or along `dim`. */
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.argmax(this.handle, null, false) : native.argmax(this.handle, dim, keepdim));
  }
  /** The `k` largest (or smallest) values along `dim` and their indices. */
  topk(k: number, dim = -1, largest = true, sorted = true): {
    /** The k values. */
    values: Tensor;
    /** Their indices along `dim`. */
    indices: Tensor;
  } {
    const [v, i] = native.topk(this.handle, k, dim, largest, sorted);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  /** Sorted values along `dim` and the permutation that sorts them. */
  sort(dim = -1, descending = false, stable = false): {
    /** The sorted values. */
    values: Tensor;
    /** Where each came from along `dim`. */
    indices: Tensor;
  } {
    const [v, i] = native.sort(this.handle, dim, descending, stable);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  /** Cumulative sum along `dim`. */
  cumsum(dim: number): Tensor {
    return new Tensor(native.cumsum(this.handle, dim));
  }
  /** Whether any element is true (0-d bool). */
  any(): Tensor {
    return new Tensor(native.any(this.handle));
  }
  /** Whether every element is true (0-d bool). */
  all(): Tensor {
    return new Tensor(native.all(this.handle));
  }
  /** The p-norm of all elements (0-d). */
  norm(p = 2): Tensor {
    return new Tensor(native.norm(this.handle, p));
  }

  // ------------------------------------------------------------ autograd
  /** In place: turns gradient recording on or off for this leaf. */
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }
  /** Backpropagates from this tensor (a scalar, or with `gradient`), accumulating .grad on leaves. */
  backward(gradient?: Tensor, retainGraph = false): void {
    native.backward(this.handle, gradient ? gradient.handle : null, retainGraph);
  }
  /** The accumulated gradient (a new handle to the same storage), or null. */
  get grad(): Tensor | null {
    const h = native.grad(this.handle);
    return h === null ? null : new Tensor(h);
  }
  /** Tensor.retain_grad(): a non-leaf keeps its .grad after backward (hooks read activations' gradients this way). */
  retainGrad(): this {
    native.retainGrad(this.handle);
    return this;
  }
  /** Drops the gradient (PyTorch's zero_grad(set_to_none=True)). */
  clearGrad(): void {
    native.clearGrad(this.handle);
  }

  // ------------------------------------------------------------ in place (optimizers, EMA, initialisation)
  /** In place: t += alpha·other (or t += scalar). */
  add_(other: Tensor | Scalar, alpha = 1): this {
    if (other instanceof Tensor) native.add_(this.handle, other.handle, alpha);
    else native.addScalar_(this.handle, other);
    return this;
  }
  /** In place: t −= alpha·other. */
  sub_(other: Tensor, alpha = 1): this {
    native.add_(this.handle, other.handle, -alpha);
    return this;
  }
  /** In place: t *= other. */
  mul_(other: Tensor | Scalar): this {
    if (other instanceof Tensor) native.mul_(this.handle, other.handle);
    else native.mulScalar_(this.handle, other);
    return this;
  }
  /** In place: t /= other. */
  div_(other: Tensor): this {
    native.div_(this.handle, other.handle);
    return this;
  }
  /** In place: t += value·t1·t2. */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcmul_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** In place: t += value·t1/t2. */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcdiv_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** In place: t += weight·(end − t). */
  lerp_(end: Tensor, weight: number): this {
    native.lerp_(this.handle, end.handle, weight);
    return this;
  }
  /** In place: copies `src`'s values (broadcast, converted) into this tensor. */
  copy_(src: Tensor): this {
    native.copy_(this.handle, src.handle);
    return this;
  }
  /** In place: all zeros. */
  zero_(): this {
    native.zero_(this.handle);
    return this;
  }
  /** In place: every element set to `value`. */
  fill_(value: Scalar): this {
    native.fill_(this.handle, value);
    return this;
  }
  /** In place: clamp(min, max). */
  clamp_(min: number | null = null, max: number | null = null): this {
    native.clamp_(this.handle, min, max);
    return this;
  }
  /** In place: uniform random values in [low, high) (the engine's seeded generator). */
  uniform_(low = 0, high = 1): this {
    native.uniform_(this.handle, low, high);
    return this;
  }
  /** In place: normal random values (the engine's seeded generator). */
  normal_(mean = 0, std = 1): this {
    native.normal_(this.handle, mean, std);
    return this;
  }
}
