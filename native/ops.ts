// The native op table: every function the addon exports, declared once. `native/generate.ts` turns it into the
// N-API glue (native/src/bindings.generated.cc), the C++ prototypes the bodies implement (native/src/ops.generated.h)
// and the typed TypeScript interface (src/native/native.generated.ts). Adding an op = one line here + its C++ body
// (a plain libtorch function in native/src/*_ops.cc named like the op in PascalCase), then
// `node --import tsx native/generate.ts`.
//
// Signatures use PyTorch's schema syntax (native_functions.yaml): `name(Type arg, …) -> Return`.
//   argument types: Tensor, Tensor?, Tensor[], Tensor?[] (index lists: null = whole dimension), int, int?, int[],
//                   int[]?, float, bool, Scalar (number or boolean), Scalar?, ScalarType (a dtype code), Device,
//                   str, Bytes (a typed array, read in place), Handle (a raw handle number, possibly stale)
//   return types:   Tensor, Tensor? (null when undefined), Tensor[], (Tensor, Tensor), bool, int, float, str, int[],
//                   ScalarType, Bytes (a copy of the tensor's elements in a new ArrayBuffer), () (nothing)
// Distributed objects (stores, process groups) cross as integer ids, so the glue needs no c10d types.

/** dtype codes: the position in this list. [TypeScript name, ATen ScalarType]. The only place they are stated. */
export const DTYPES: readonly (readonly [string, string])[] = [
  ['float32', 'kFloat'],
  ['float64', 'kDouble'],
  ['float16', 'kHalf'],
  ['bfloat16', 'kBFloat16'],
  ['int64', 'kLong'],
  ['int32', 'kInt'],
  ['int16', 'kShort'],
  ['int8', 'kChar'],
  ['uint8', 'kByte'],
  ['bool', 'kBool'],
];

export const OPS: readonly string[] = [
  // ---------------------------------------------------------------- lifecycle and inspection
  'dispose(Handle handle) -> bool',
  'isLive(Handle handle) -> bool',
  'liveCount() -> int',
  'shape(Tensor self) -> int[]',
  'dtype(Tensor self) -> ScalarType',
  'device(Tensor self) -> str',
  'requiresGrad(Tensor self) -> bool',
  'isContiguous(Tensor self) -> bool',
  'isChannelsLast(Tensor self) -> bool',
  'item(Tensor self) -> float',

  // ---------------------------------------------------------------- creation
  'empty(int[] size, ScalarType dtype, Device device) -> Tensor',
  'zeros(int[] size, ScalarType dtype, Device device) -> Tensor',
  'ones(int[] size, ScalarType dtype, Device device) -> Tensor',
  'full(int[] size, Scalar fillValue, ScalarType dtype, Device device) -> Tensor',
  'arange(Scalar start, Scalar end, Scalar step, ScalarType dtype, Device device) -> Tensor',
  'linspace(Scalar start, Scalar end, int steps, ScalarType dtype, Device device) -> Tensor',
  'rand(int[] size, ScalarType dtype, Device device) -> Tensor',
  'randn(int[] size, ScalarType dtype, Device device) -> Tensor',
  'randint(int low, int high, int[] size, ScalarType dtype, Device device) -> Tensor',
  'randperm(int n, ScalarType dtype, Device device) -> Tensor',
  'zerosLike(Tensor self) -> Tensor',
  'onesLike(Tensor self) -> Tensor',
  'fullLike(Tensor self, Scalar fillValue) -> Tensor',
  'fromBuffer(Bytes data, int[] size, ScalarType dtype) -> Tensor',
  'toBuffer(Tensor self) -> Bytes',

  // ---------------------------------------------------------------- conversion and layout
  'toDType(Tensor self, ScalarType dtype) -> Tensor',
  'toDevice(Tensor self, Device device) -> Tensor',
  'contiguous(Tensor self, bool channelsLast) -> Tensor',
  'clone(Tensor self) -> Tensor',
  'detach(Tensor self) -> Tensor',

  // ---------------------------------------------------------------- shape and indexing
  'reshape(Tensor self, int[] shape) -> Tensor',
  'view(Tensor self, int[] size) -> Tensor',
  'permute(Tensor self, int[] dims) -> Tensor',
  'transpose(Tensor self, int dim0, int dim1) -> Tensor',
  'squeeze(Tensor self, int? dim) -> Tensor',
  'unsqueeze(Tensor self, int dim) -> Tensor',
  'flatten(Tensor self, int startDim, int endDim) -> Tensor',
  'expand(Tensor self, int[] size) -> Tensor',
  'repeat(Tensor self, int[] repeats) -> Tensor',
  'flip(Tensor self, int[] dims) -> Tensor',
  'cat(Tensor[] tensors, int dim) -> Tensor',
  'stack(Tensor[] tensors, int dim) -> Tensor',
  'chunk(Tensor self, int chunks, int dim) -> Tensor[]',
  'split(Tensor self, int splitSize, int dim) -> Tensor[]',
  'splitWithSizes(Tensor self, int[] splitSizes, int dim) -> Tensor[]',
  'narrow(Tensor self, int dim, int start, int length) -> Tensor',
  'slice(Tensor self, int dim, int start, int end, int step) -> Tensor',
  'select(Tensor self, int dim, int index) -> Tensor',
  'indexSelect(Tensor self, int dim, Tensor index) -> Tensor',
  'gather(Tensor self, int dim, Tensor index) -> Tensor',
  'index(Tensor self, Tensor?[] indices) -> Tensor',
  'indexPut_(Tensor self, Tensor?[] indices, Tensor values, bool accumulate) -> ()',
  'maskedSelect(Tensor self, Tensor mask) -> Tensor',
  'maskedFill(Tensor self, Tensor mask, Scalar value) -> Tensor',
  'maskedFill_(Tensor self, Tensor mask, Scalar value) -> ()',
  'where(Tensor condition, Tensor self, Tensor other) -> Tensor',
  'nonzero(Tensor self) -> Tensor',

  // ---------------------------------------------------------------- elementwise maths
  'neg(Tensor self) -> Tensor',
  'exp(Tensor self) -> Tensor',
  'log(Tensor self) -> Tensor',
  'sigmoid(Tensor self) -> Tensor',
  'sqrt(Tensor self) -> Tensor',
  'atan(Tensor self) -> Tensor',
  'abs(Tensor self) -> Tensor',
  'tanh(Tensor self) -> Tensor',
  'floor(Tensor self) -> Tensor',
  'ceil(Tensor self) -> Tensor',
  'round(Tensor self) -> Tensor',
  'sign(Tensor self) -> Tensor',
  'reciprocal(Tensor self) -> Tensor',
  'relu(Tensor self) -> Tensor',
  'silu(Tensor self) -> Tensor',
  'hardswish(Tensor self) -> Tensor',
  'isnan(Tensor self) -> Tensor',
  'isfinite(Tensor self) -> Tensor',
  'logicalNot(Tensor self) -> Tensor',
  // A JS number may be a handle or a scalar, so binary ops come as name(Tensor, Tensor) and nameScalar(Tensor, Scalar).
  'add(Tensor self, Tensor other) -> Tensor',
  'addScalar(Tensor self, Scalar other) -> Tensor',
  'sub(Tensor self, Tensor other) -> Tensor',
  'subScalar(Tensor self, Scalar other) -> Tensor',
  'mul(Tensor self, Tensor other) -> Tensor',
  'mulScalar(Tensor self, Scalar other) -> Tensor',
  'div(Tensor self, Tensor other) -> Tensor',
  'divScalar(Tensor self, Scalar other) -> Tensor',
  'pow(Tensor self, Tensor exponent) -> Tensor',
  'powScalar(Tensor self, Scalar exponent) -> Tensor',
  'remainder(Tensor self, Tensor other) -> Tensor',
  'remainderScalar(Tensor self, Scalar other) -> Tensor',
  'maximum(Tensor self, Tensor other) -> Tensor',
  'maximumScalar(Tensor self, Scalar other) -> Tensor',
  'minimum(Tensor self, Tensor other) -> Tensor',
  'minimumScalar(Tensor self, Scalar other) -> Tensor',
  'eq(Tensor self, Tensor other) -> Tensor',
  'eqScalar(Tensor self, Scalar other) -> Tensor',
  'ne(Tensor self, Tensor other) -> Tensor',
  'neScalar(Tensor self, Scalar other) -> Tensor',
  'lt(Tensor self, Tensor other) -> Tensor',
  'ltScalar(Tensor self, Scalar other) -> Tensor',
  'le(Tensor self, Tensor other) -> Tensor',
  'leScalar(Tensor self, Scalar other) -> Tensor',
  'gt(Tensor self, Tensor other) -> Tensor',
  'gtScalar(Tensor self, Scalar other) -> Tensor',
  'ge(Tensor self, Tensor other) -> Tensor',
  'geScalar(Tensor self, Scalar other) -> Tensor',
  'rsubScalar(Tensor self, Scalar other) -> Tensor',
  'rdivScalar(Tensor self, Scalar other) -> Tensor',
  'logicalAnd(Tensor self, Tensor other) -> Tensor',
  'logicalOr(Tensor self, Tensor other) -> Tensor',
  'clamp(Tensor self, Scalar? min, Scalar? max) -> Tensor',
  'leakyRelu(Tensor self, Scalar negativeSlope) -> Tensor',

  // ---------------------------------------------------------------- reductions
  'sum(Tensor self, int[]? dim, bool keepdim) -> Tensor',
  'mean(Tensor self, int[]? dim, bool keepdim) -> Tensor',
  'prod(Tensor self, int? dim, bool keepdim) -> Tensor',
  'maxAll(Tensor self) -> Tensor',
  'minAll(Tensor self) -> Tensor',
  'maxDim(Tensor self, int dim, bool keepdim) -> (Tensor, Tensor)',
  'minDim(Tensor self, int dim, bool keepdim) -> (Tensor, Tensor)',
  'amax(Tensor self, int[] dim, bool keepdim) -> Tensor',
  'argmax(Tensor self, int? dim, bool keepdim) -> Tensor',
  'topk(Tensor self, int k, int dim, bool largest, bool sorted) -> (Tensor, Tensor)',
  'sort(Tensor self, int dim, bool descending, bool stable) -> (Tensor, Tensor)',
  'cumsum(Tensor self, int dim) -> Tensor',
  'any(Tensor self) -> Tensor',
  'all(Tensor self) -> Tensor',
  'norm(Tensor self, Scalar p) -> Tensor',

  // ---------------------------------------------------------------- neural-network functions
  'conv2d(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups) -> Tensor',
  'convTranspose2d(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] outputPadding, int groups, int[] dilation) -> Tensor',
  'batchNorm(Tensor input, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar, bool training, float momentum, float eps) -> Tensor',
  // Training-mode batch norm then an activation (0 identity, 1 ReLU, 2 SiLU) in one autograd node, for channels_last
  // float32 CPU input (native/src/fused_ops.cc); updates the running statistics in place.
  'batchNormActivation(Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, float momentum, float eps, int activation) -> Tensor',
  // Which kernels batchNormActivation runs: '' asks, 'auto' (AVX-512 where the CPU has it), 'portable' or 'avx512' set.
  'fusedKernelIsa(str request) -> str',
  'maxPool2d(Tensor self, int[] kernelSize, int[] stride, int[] padding, int[] dilation, bool ceilMode) -> Tensor',
  'upsampleNearest2d(Tensor self, int[] outputSize) -> Tensor',
  'upsampleBilinear2d(Tensor self, int[] outputSize, bool alignCorners) -> Tensor',
  'softmax(Tensor self, int dim) -> Tensor',
  'matmul(Tensor self, Tensor other) -> Tensor',
  'linear(Tensor input, Tensor weight, Tensor? bias) -> Tensor',
  'conv1d(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, int groups) -> Tensor',
  'groupNorm(Tensor input, int numGroups, Tensor? weight, Tensor? bias, float eps) -> Tensor',
  'layerNorm(Tensor input, int[] normalizedShape, Tensor? weight, Tensor? bias, float eps) -> Tensor',
  'adaptiveAvgPool2d(Tensor self, int[] outputSize) -> Tensor',
  'adaptiveMaxPool2d(Tensor self, int[] outputSize) -> Tensor',
  'avgPool2d(Tensor self, int[] kernelSize, int[] stride, int[] padding, bool ceilMode, bool countIncludePad) -> Tensor',
  // F.unfold: (N, C, H, W) → (N, C·kh·kw, L) sliding blocks
  'im2col(Tensor self, int[] kernelSize, int[] dilation, int[] padding, int[] stride) -> Tensor',
  'pixelShuffle(Tensor self, int upscaleFactor) -> Tensor',
  'pixelUnshuffle(Tensor self, int downscaleFactor) -> Tensor',
  'gelu(Tensor self) -> Tensor',
  'hardsigmoid(Tensor self) -> Tensor',
  'mish(Tensor self) -> Tensor',
  'softplus(Tensor self) -> Tensor',
  // reduction: 0 none, 1 mean, 2 sum (ATen's Reduction enum)
  'binaryCrossEntropyWithLogits(Tensor self, Tensor target, Tensor? weight, Tensor? posWeight, int reduction) -> Tensor',

  // ---------------------------------------------------------------- autograd
  'setRequiresGrad(Tensor self, bool requiresGrad) -> ()',
  'backward(Tensor self, Tensor? gradient, bool retainGraph) -> ()',
  'grad(Tensor self) -> Tensor?',
  'clearGrad(Tensor self) -> ()',
  'gradEnabled() -> bool',
  'setGradEnabled(bool enabled) -> ()',
  // Tensor.retain_grad(): a non-leaf keeps its .grad after backward (Grad-CAM reads activations' gradients)
  'retainGrad(Tensor self) -> ()',
  // torch.autograd.grad(outputs, inputs, grad_outputs or ones for scalars, retain_graph): gradients returned, .grad untouched
  'autogradGrad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, bool retainGraph) -> Tensor[]',

  // ---------------------------------------------------------------- autocast (torch.autocast's thread state)
  // deviceType: 'cpu' or 'cuda'. The state is the calling thread's, as in PyTorch; ops run on the JS thread.
  'setAutocastEnabled(str deviceType, bool enabled) -> ()',
  'autocastEnabled(str deviceType) -> bool',
  'setAutocastDtype(str deviceType, ScalarType dtype) -> ()',
  'autocastDtype(str deviceType) -> ScalarType',
  'setAutocastCacheEnabled(bool enabled) -> ()',
  'autocastCacheEnabled() -> bool',
  // torch.autocast.__enter__/__exit__ count nesting; the weight-cast cache is cleared when the outermost scope exits
  'autocastIncrementNesting() -> int',
  'autocastDecrementNesting() -> int',
  'clearAutocastCache() -> ()',

  // ---------------------------------------------------------------- in-place updates (optimizers, EMA, BN)
  'add_(Tensor self, Tensor other, Scalar alpha) -> ()',
  'addScalar_(Tensor self, Scalar other) -> ()',
  'mul_(Tensor self, Tensor other) -> ()',
  'mulScalar_(Tensor self, Scalar other) -> ()',
  'div_(Tensor self, Tensor other) -> ()',
  'addcmul_(Tensor self, Tensor tensor1, Tensor tensor2, Scalar value) -> ()',
  'addcdiv_(Tensor self, Tensor tensor1, Tensor tensor2, Scalar value) -> ()',
  'lerp_(Tensor self, Tensor end, Scalar weight) -> ()',
  'copy_(Tensor self, Tensor src) -> ()',
  'zero_(Tensor self) -> ()',
  'fill_(Tensor self, Scalar value) -> ()',
  'clamp_(Tensor self, Scalar? min, Scalar? max) -> ()',
  'uniform_(Tensor self, float from, float to) -> ()',
  'normal_(Tensor self, float mean, float std) -> ()',

  // ---------------------------------------------------------------- runtime
  'manualSeed(int seed) -> ()',
  'setNumThreads(int n) -> ()',
  'getNumThreads() -> int',
  // torch.use_deterministic_algorithms(mode, warn_only) and its query
  'setDeterministicAlgorithms(bool enabled, bool warnOnly) -> ()',
  'deterministicAlgorithms() -> bool',
  'cudaIsAvailable() -> bool',
  'cudaDeviceCount() -> int',
  'version() -> str',
  // glibc malloc_trim(0): the free pages of every malloc arena back to the OS (false elsewhere or when none were).
  'releaseFreeMemory() -> bool',
  // torch.autograd.profiler (legacy, CPU): every ATen op on this thread from profilerStart until profilerStop, written
  // to `path` as a Chrome trace (chrome://tracing, Perfetto) when it stops.
  'profilerStart(str path) -> ()',
  'profilerStop() -> ()',

  // ---------------------------------------------------------------- distributed (c10d; bodies in distributed_ops.cc)
  // Stores and process groups are integer ids; every blocking call has a timeout in ms.
  'glooAvailable() -> bool',
  'ncclAvailable() -> bool',
  'tcpStoreCreate(str host, int port, int worldSize, bool isServer, int timeoutMs) -> int',
  'storePort(int store) -> int',
  'storeSet(int store, str key, str value) -> ()',
  'storeGet(int store, str key) -> str',
  'storeAdd(int store, str key, int amount) -> int',
  'storeCheck(int store, str key) -> bool',
  'storeRelease(int store) -> bool',
  // deviceHost: the address Gloo listens on ('' = this machine's hostname, as PyTorch)
  'processGroupGlooCreate(int store, int rank, int worldSize, str deviceHost, int timeoutMs) -> int',
  'processGroupNcclCreate(int store, int rank, int worldSize, int timeoutMs) -> int',
  'processGroupRelease(int group) -> bool',
  // In place on a contiguous tensor; allreduce sums (averaging is TypeScript's).
  'allreduce(int group, Tensor tensor, int timeoutMs) -> ()',
  // torch.distributed.nn's all_reduce: a new tensor, the sum over ranks, whose backward sums the gradients over ranks
  // (every rank must run the same backward). For SyncBatchNorm's statistics.
  'allreduceWithGrad(int group, Tensor tensor, int timeoutMs) -> Tensor',
  'broadcast(int group, Tensor tensor, int rootRank, int timeoutMs) -> ()',
  'barrier(int group, int timeoutMs) -> ()',
];
