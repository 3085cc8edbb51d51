// The Tensor class: a typed, PyTorch-named view of a libtorch tensor held by the native engine.
import { type HostData, type HostTensor, typedArrayFromBytes } from '../io/host-tensor.ts';
import { type Handle, native } from '../native/binding.ts';
import { type DType, type Device, dtypeCode, dtypeFromCode, isDType } from './dtype.ts';
import { track } from './scope.ts';

// Backstop for tensors nobody disposed: free the native memory when the JS object is collected.
const finalizer = new FinalizationRegistry<Handle>((h) => native.dispose(h));

export type Scalar = number | boolean;
type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'remainder' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type IndexArg = Tensor | null;

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

  get isDisposed(): boolean {
    return this.#h < 0;
  }

  dispose(): void {
    if (this.#h < 0) return;
    if (this.#finalized) finalizer.unregister(this);
    native.dispose(this.#h);
    this.#h = -1;
  }

  // ------------------------------------------------------------ inspection
  get shape(): number[] {
    this.#shape ??= native.shape(this.handle);
    return this.#shape.slice();
  }
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.ndim;
  }
  size(d?: number): number | number[] {
    if (d === undefined) return this.shape;
    const s = this.shape;
    const v = s[d < 0 ? s.length + d : d];
    if (v === undefined) throw new Error(`dimension ${d} out of range for a ${s.length}-d tensor`);
    return v;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return dtypeFromCode(native.dtype(this.handle));
  }
  get device(): Device {
    return native.device(this.handle);
  }
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  isContiguous(): boolean {
    return native.isContiguous(this.handle);
  }
  isChannelsLast(): boolean {
    return native.isChannelsLast(this.handle);
  }
  item(): number {
    return native.item(this.handle);
  }

  // ------------------------------------------------------------ data out
  /** A copy of the elements in row-major order, as the typed array of this dtype. */
  toTypedArray(): HostData {
    const buf = new Uint8Array(native.toBuffer(this.handle));
    return typedArrayFromBytes(this.dtype, buf, this.numel);
  }
  toFloat32Array(): Float32Array {
    if (this.dtype === 'float32') return this.toTypedArray() as Float32Array;
    const f = new Tensor(native.toDType(this.handle, dtypeCode('float32')));
    try {
      return f.toTypedArray() as Float32Array;
    } finally {
      f.dispose();
    }
  }
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
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // ------------------------------------------------------------ conversion and layout
  to(target: DType | Device): Tensor {
    if (isDType(target)) return new Tensor(native.toDType(this.handle, dtypeCode(target)));
    return new Tensor(native.toDevice(this.handle, target));
  }
  float(): Tensor {
    return this.to('float32');
  }
  half(): Tensor {
    return this.to('float16');
  }
  long(): Tensor {
    return this.to('int64');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  contiguous(memoryFormat: 'contiguous' | 'channels_last' = 'contiguous'): Tensor {
    return new Tensor(native.contiguous(this.handle, memoryFormat === 'channels_last'));
  }
  clone(): Tensor {
    return new Tensor(native.clone(this.handle));
  }
  detach(): Tensor {
    return new Tensor(native.detach(this.handle));
  }

  // ------------------------------------------------------------ shape
  reshape(...shape: number[]): Tensor {
    return new Tensor(native.reshape(this.handle, shape));
  }
  view(...shape: number[]): Tensor {
    return new Tensor(native.view(this.handle, shape));
  }
  permute(...dims: number[]): Tensor {
    return new Tensor(native.permute(this.handle, dims));
  }
  transpose(d0: number, d1: number): Tensor {
    return new Tensor(native.transpose(this.handle, d0, d1));
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(native.squeeze(this.handle, dim ?? null));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this.handle, dim));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.flatten(this.handle, startDim, endDim));
  }
  expand(...shape: number[]): Tensor {
    return new Tensor(native.expand(this.handle, shape));
  }
  repeat(...repeats: number[]): Tensor {
    return new Tensor(native.repeat(this.handle, repeats));
  }
  flip(...dims: number[]): Tensor {
    return new Tensor(native.flip(this.handle, dims));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this.handle, chunks, dim).map((h) => new Tensor(h));
  }
  split(sizes: number | number[], dim = 0): Tensor[] {
    const handles = typeof sizes === 'number' ? native.split(this.handle, sizes, dim) : native.splitWithSizes(this.handle, sizes, dim);
    return handles.map((h) => new Tensor(h));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this.handle, dim, start, length));
  }
  /** Like t[..., start:end:step, ...] along `dim`. */
  slice(dim: number, start = 0, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    return new Tensor(native.slice(this.handle, dim, start, end, step));
  }
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.indexSelect(this.handle, dim, index.handle));
  }
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
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(native.maskedSelect(this.handle, mask.handle));
  }
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    return new Tensor(native.maskedFill(this.handle, mask.handle, value));
  }
  maskedFill_(mask: Tensor, value: Scalar): this {
    native.maskedFill_(this.handle, mask.handle, value);
    return this;
  }
  nonzero(): Tensor {
    return new Tensor(native.nonzero(this.handle));
  }

  // ------------------------------------------------------------ elementwise
  #binary(name: BinaryOp, other: Tensor | Scalar): Tensor {
    return new Tensor(other instanceof Tensor ? native[name](this.handle, other.handle) : native[`${name}Scalar`](this.handle, other));
  }
  add(other: Tensor | Scalar): Tensor {
    return this.#binary('add', other);
  }
  sub(other: Tensor | Scalar): Tensor {
    return this.#binary('sub', other);
  }
  mul(other: Tensor | Scalar): Tensor {
    return this.#binary('mul', other);
  }
  div(other: Tensor | Scalar): Tensor {
    return this.#binary('div', other);
  }
  pow(other: Tensor | Scalar): Tensor {
    return this.#binary('pow', other);
  }
  remainder(other: Tensor | Scalar): Tensor {
    return this.#binary('remainder', other);
  }
  /** Elementwise max with a tensor; with a number this is clamp(min=number). */
  maximum(other: Tensor | Scalar): Tensor {
    return this.#binary('maximum', other);
  }
  minimum(other: Tensor | Scalar): Tensor {
    return this.#binary('minimum', other);
  }
  eq(other: Tensor | Scalar): Tensor {
    return this.#binary('eq', other);
  }
  ne(other: Tensor | Scalar): Tensor {
    return this.#binary('ne', other);
  }
  lt(other: Tensor | Scalar): Tensor {
    return this.#binary('lt', other);
  }
  le(other: Tensor | Scalar): Tensor {
    return this.#binary('le', other);
  }
  gt(other: Tensor | Scalar): Tensor {
    return this.#binary('gt', other);
  }
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
  logicalAnd(other: Tensor): Tensor {
    return new Tensor(native.logicalAnd(this.handle, other.handle));
  }
  logicalOr(other: Tensor): Tensor {
    return new Tensor(native.logicalOr(this.handle, other.handle));
  }
  logicalNot(): Tensor {
    return new Tensor(native.logicalNot(this.handle));
  }
  neg(): Tensor {
    return new Tensor(native.neg(this.handle));
  }
  exp(): Tensor {
    return new Tensor(native.exp(this.handle));
  }
  log(): Tensor {
    return new Tensor(native.log(this.handle));
  }
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
  gelu(): Tensor {
    return new Tensor(native.gelu(this.handle));
  }
  hardsigmoid(): Tensor {
    return new Tensor(native.hardsigmoid(this.handle));
  }
  mish(): Tensor {
    return new Tensor(native.mish(this.handle));
  }
  softplus(): Tensor {
    return new Tensor(native.softplus(this.handle));
  }
  sqrt(): Tensor {
    return new Tensor(native.sqrt(this.handle));
  }
  atan(): Tensor {
    return new Tensor(native.atan(this.handle));
  }
  abs(): Tensor {
    return new Tensor(native.abs(this.handle));
  }
  tanh(): Tensor {
    return new Tensor(native.tanh(this.handle));
  }
  floor(): Tensor {
    return new Tensor(native.floor(this.handle));
  }
  ceil(): Tensor {
    return new Tensor(native.ceil(this.handle));
  }
  round(): Tensor {
    return new Tensor(native.round(this.handle));
  }
  sign(): Tensor {
    return new Tensor(native.sign(this.handle));
  }
  reciprocal(): Tensor {
    return new Tensor(native.reciprocal(this.handle));
  }
  relu(): Tensor {
    return new Tensor(native.relu(this.handle));
  }
  silu(): Tensor {
    return new Tensor(native.silu(this.handle));
  }
  hardswish(): Tensor {
    return new Tensor(native.hardswish(this.handle));
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return new Tensor(native.leakyRelu(this.handle, negativeSlope));
  }
  isnan(): Tensor {
    return new Tensor(native.isnan(this.handle));
  }
  isfinite(): Tensor {
    return new Tensor(native.isfinite(this.handle));
  }
  clamp(min: number | null = null, max: number | null = null): Tensor {
    return new Tensor(native.clamp(this.handle, min, max));
  }

  // ------------------------------------------------------------ reductions
  sum(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.sum(this.handle, null, false) : native.sum(this.handle, [dim].flat(), keepdim));
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.mean(this.handle, null, false) : native.mean(this.handle, [dim].flat(), keepdim));
  }
  prod(dim?: number, keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.prod(this.handle, null, false) : native.prod(this.handle, dim, keepdim));
  }
  /** max over everything (a 0-d tensor). */
  max(): Tensor {
    return new Tensor(native.maxAll(this.handle));
  }
  min(): Tensor {
    return new Tensor(native.minAll(this.handle));
  }
  /** PyTorch's max(dim) → (values, indices). */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [v, i] = native.maxDim(this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [v, i] = native.minDim(this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  amax(dim: number | number[], keepdim = false): Tensor {
    return new Tensor(native.amax(this.handle, [dim].flat(), keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return new Tensor(dim === undefined ? native.argmax(this.handle, null, false) : native.argmax(this.handle, dim, keepdim));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [v, i] = native.topk(this.handle, k, dim, largest, sorted);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  sort(dim = -1, descending = false, stable = false): { values: Tensor; indices: Tensor } {
    const [v, i] = native.sort(this.handle, dim, descending, stable);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  cumsum(dim: number): Tensor {
    return new Tensor(native.cumsum(this.handle, dim));
  }
  any(): Tensor {
    return new Tensor(native.any(this.handle));
  }
  all(): Tensor {
    return new Tensor(native.all(this.handle));
  }
  norm(p = 2): Tensor {
    return new Tensor(native.norm(this.handle, p));
  }

  // ------------------------------------------------------------ autograd
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }
  backward(gradient?: Tensor, retainGraph = false): void {
    native.backward(this.handle, gradient ? gradient.handle : null, retainGraph);
  }
  /** The accumulated gradient (a new handle to the same storage), or null. */
  get grad(): Tensor | null {
    const h = native.grad(this.handle);
    return h === null ? null : new Tensor(h);
  }
  /** Drops the gradient (PyTorch's zero_grad(set_to_none=True)). */
  clearGrad(): void {
    native.clearGrad(this.handle);
  }

  // ------------------------------------------------------------ in place (optimizers, EMA, initialisation)
  add_(other: Tensor | Scalar, alpha = 1): this {
    if (other instanceof Tensor) native.add_(this.handle, other.handle, alpha);
    else native.addScalar_(this.handle, other);
    return this;
  }
  sub_(other: Tensor, alpha = 1): this {
    native.add_(this.handle, other.handle, -alpha);
    return this;
  }
  mul_(other: Tensor | Scalar): this {
    if (other instanceof Tensor) native.mul_(this.handle, other.handle);
    else native.mulScalar_(this.handle, other);
    return this;
  }
  div_(other: Tensor): this {
    native.div_(this.handle, other.handle);
    return this;
  }
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcmul_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcdiv_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  lerp_(end: Tensor, weight: number): this {
    native.lerp_(this.handle, end.handle, weight);
    return this;
  }
  copy_(src: Tensor): this {
    native.copy_(this.handle, src.handle);
    return this;
  }
  zero_(): this {
    native.zero_(this.handle);
    return this;
  }
  fill_(value: Scalar): this {
    native.fill_(this.handle, value);
    return this;
  }
  clamp_(min: number | null = null, max: number | null = null): this {
    native.clamp_(this.handle, min, max);
    return this;
  }
  uniform_(low = 0, high = 1): this {
    native.uniform_(this.handle, low, high);
    return this;
  }
  normal_(mean = 0, std = 1): this {
    native.normal_(this.handle, mean, std);
    return this;
  }
}
