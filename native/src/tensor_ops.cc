// The bodies of the tensor ops declared in native/ops.ts: plain libtorch calls with typed arguments (the generated
// glue in bindings.generated.cc converts from and to JavaScript). Generic: nothing here knows about YOLO.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/version.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "handles.h"
#include "ops.generated.h"

namespace tsyolo {

HandleTable& Handles();

namespace ops {
namespace {
at::TensorOptions Options(at::ScalarType dtype, const at::Device& device) { return at::TensorOptions().dtype(dtype).device(device); }
}  // namespace

// ---------------------------------------------------------------- lifecycle and inspection
bool Dispose(double handle) { return Handles().Release(handle); }
bool IsLive(double handle) { return Handles().Find(handle) != nullptr; }
int64_t LiveCount() { return static_cast<int64_t>(Handles().live()); }
std::vector<int64_t> Shape(const at::Tensor& self) { return self.sizes().vec(); }
at::ScalarType Dtype(const at::Tensor& self) { return self.scalar_type(); }
std::string Device(const at::Tensor& self) { return self.device().str(); }
bool RequiresGrad(const at::Tensor& self) { return self.requires_grad(); }
bool IsContiguous(const at::Tensor& self) { return self.is_contiguous(); }
bool IsChannelsLast(const at::Tensor& self) { return self.is_contiguous(at::MemoryFormat::ChannelsLast); }
double Item(const at::Tensor& self) {
  if (self.numel() != 1) {
    throw std::invalid_argument("item() needs a tensor with exactly one element, this one has " + std::to_string(self.numel()));
  }
  return self.item<double>();
}

// ---------------------------------------------------------------- creation
at::Tensor Empty(const std::vector<int64_t>& size, at::ScalarType dtype, const at::Device& device) {
  return at::empty(size, Options(dtype, device));
}
at::Tensor Zeros(const std::vector<int64_t>& size, at::ScalarType dtype, const at::Device& device) {
  return at::zeros(size, Options(dtype, device));
}
at::Tensor Ones(const std::vector<int64_t>& size, at::ScalarType dtype, const at::Device& device) {
  return at::ones(size, Options(dtype, device));
}
at::Tensor Full(const std::vector<int64_t>& size, const at::Scalar& fillValue, at::ScalarType dtype, const at::Device& device) {
  return at::full(size, fillValue, Options(dtype, device));
}
at::Tensor Arange(const at::Scalar& start, const at::Scalar& end, const at::Scalar& step, at::ScalarType dtype, const at::Device& device) {
  return at::arange(start, end, step, Options(dtype, device));
}
at::Tensor Linspace(const at::Scalar& start, const at::Scalar& end, int64_t steps, at::ScalarType dtype, const at::Device& device) {
  return at::linspace(start, end, steps, Options(dtype, device));
}
at::Tensor Rand(const std::vector<int64_t>& size, at::ScalarType dtype, const at::Device& device) {
  return at::rand(size, Options(dtype, device));
}
at::Tensor Randn(const std::vector<int64_t>& size, at::ScalarType dtype, const at::Device& device) {
  return at::randn(size, Options(dtype, device));
}
at::Tensor Randint(int64_t low, int64_t high, const std::vector<int64_t>& size, at::ScalarType dtype, const at::Device& device) {
  return at::randint(low, high, size, Options(dtype, device));
}
at::Tensor Randperm(int64_t n, at::ScalarType dtype, const at::Device& device) { return at::randperm(n, Options(dtype, device)); }
at::Tensor ZerosLike(const at::Tensor& self) { return at::zeros_like(self); }
at::Tensor OnesLike(const at::Tensor& self) { return at::ones_like(self); }
at::Tensor FullLike(const at::Tensor& self, const at::Scalar& fillValue) { return at::full_like(self, fillValue); }

// Copies the bytes into a new CPU tensor.
at::Tensor FromBuffer(ByteView data, const std::vector<int64_t>& size, at::ScalarType dtype) {
  at::Tensor t = at::empty(size, at::TensorOptions().dtype(dtype));
  size_t bytes = t.numel() * t.element_size();
  if (data.size != bytes) {
    throw std::invalid_argument("buffer has " + std::to_string(data.size) + " bytes, shape and dtype need " + std::to_string(bytes));
  }
  if (bytes > 0) std::memcpy(t.data_ptr(), data.data, bytes);
  return t;
}
// Any device, any layout: the glue copies the row-major elements out.
at::Tensor ToBuffer(const at::Tensor& self) { return self; }

// ---------------------------------------------------------------- conversion and layout
at::Tensor ToDType(const at::Tensor& self, at::ScalarType dtype) { return self.to(dtype); }
at::Tensor ToDevice(const at::Tensor& self, const at::Device& device) { return self.to(device); }
at::Tensor Contiguous(const at::Tensor& self, bool channelsLast) {
  return self.contiguous(channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
}
at::Tensor Clone(const at::Tensor& self) { return self.clone(); }
at::Tensor Detach(const at::Tensor& self) { return self.detach(); }

// ---------------------------------------------------------------- shape and indexing
at::Tensor Reshape(const at::Tensor& self, const std::vector<int64_t>& shape) { return self.reshape(shape); }
at::Tensor View(const at::Tensor& self, const std::vector<int64_t>& size) { return self.view(size); }
at::Tensor Permute(const at::Tensor& self, const std::vector<int64_t>& dims) { return self.permute(dims); }
at::Tensor Transpose(const at::Tensor& self, int64_t dim0, int64_t dim1) { return self.transpose(dim0, dim1); }
at::Tensor Squeeze(const at::Tensor& self, c10::optional<int64_t> dim) { return dim ? self.squeeze(*dim) : self.squeeze(); }
at::Tensor Unsqueeze(const at::Tensor& self, int64_t dim) { return self.unsqueeze(dim); }
at::Tensor Flatten(const at::Tensor& self, int64_t startDim, int64_t endDim) { return self.flatten(startDim, endDim); }
at::Tensor Expand(const at::Tensor& self, const std::vector<int64_t>& size) { return self.expand(size); }
at::Tensor Repeat(const at::Tensor& self, const std::vector<int64_t>& repeats) { return self.repeat(repeats); }
at::Tensor Flip(const at::Tensor& self, const std::vector<int64_t>& dims) { return self.flip(dims); }
at::Tensor Cat(const std::vector<at::Tensor>& tensors, int64_t dim) { return at::cat(tensors, dim); }
at::Tensor Stack(const std::vector<at::Tensor>& tensors, int64_t dim) { return at::stack(tensors, dim); }
std::vector<at::Tensor> Chunk(const at::Tensor& self, int64_t chunks, int64_t dim) { return self.chunk(chunks, dim); }
std::vector<at::Tensor> Split(const at::Tensor& self, int64_t splitSize, int64_t dim) { return self.split(splitSize, dim); }
std::vector<at::Tensor> SplitWithSizes(const at::Tensor& self, const std::vector<int64_t>& splitSizes, int64_t dim) {
  return self.split_with_sizes(splitSizes, dim);
}
at::Tensor Narrow(const at::Tensor& self, int64_t dim, int64_t start, int64_t length) { return self.narrow(dim, start, length); }
at::Tensor Slice(const at::Tensor& self, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return self.slice(dim, start, end, step);
}
at::Tensor Select(const at::Tensor& self, int64_t dim, int64_t index) { return self.select(dim, index); }
at::Tensor IndexSelect(const at::Tensor& self, int64_t dim, const at::Tensor& index) { return self.index_select(dim, index); }
at::Tensor Gather(const at::Tensor& self, int64_t dim, const at::Tensor& index) { return self.gather(dim, index); }
at::Tensor Index(const at::Tensor& self, const c10::List<c10::optional<at::Tensor>>& indices) { return self.index(indices); }
void IndexPut_(const at::Tensor& self, const c10::List<c10::optional<at::Tensor>>& indices, const at::Tensor& values, bool accumulate) {
  self.index_put_(indices, values, accumulate);
}
at::Tensor MaskedSelect(const at::Tensor& self, const at::Tensor& mask) { return self.masked_select(mask); }
at::Tensor MaskedFill(const at::Tensor& self, const at::Tensor& mask, const at::Scalar& value) { return self.masked_fill(mask, value); }
void MaskedFill_(const at::Tensor& self, const at::Tensor& mask, const at::Scalar& value) { self.masked_fill_(mask, value); }
at::Tensor Where(const at::Tensor& condition, const at::Tensor& self, const at::Tensor& other) { return at::where(condition, self, other); }
at::Tensor Nonzero(const at::Tensor& self) { return self.nonzero(); }

// ---------------------------------------------------------------- elementwise maths
at::Tensor Neg(const at::Tensor& self) { return self.neg(); }
at::Tensor Exp(const at::Tensor& self) { return self.exp(); }
at::Tensor Log(const at::Tensor& self) { return self.log(); }
at::Tensor Sigmoid(const at::Tensor& self) { return self.sigmoid(); }
at::Tensor Sqrt(const at::Tensor& self) { return self.sqrt(); }
at::Tensor Atan(const at::Tensor& self) { return self.atan(); }
at::Tensor Abs(const at::Tensor& self) { return self.abs(); }
at::Tensor Tanh(const at::Tensor& self) { return self.tanh(); }
at::Tensor Floor(const at::Tensor& self) { return self.floor(); }
at::Tensor Ceil(const at::Tensor& self) { return self.ceil(); }
at::Tensor Round(const at::Tensor& self) { return self.round(); }
at::Tensor Sign(const at::Tensor& self) { return self.sign(); }
at::Tensor Reciprocal(const at::Tensor& self) { return self.reciprocal(); }
at::Tensor Relu(const at::Tensor& self) { return at::relu(self); }
at::Tensor Silu(const at::Tensor& self) { return at::silu(self); }
at::Tensor Hardswish(const at::Tensor& self) { return at::hardswish(self); }
at::Tensor Isnan(const at::Tensor& self) { return self.isnan(); }
at::Tensor Isfinite(const at::Tensor& self) { return self.isfinite(); }
at::Tensor LogicalNot(const at::Tensor& self) { return self.logical_not(); }

at::Tensor Add(const at::Tensor& self, const at::Tensor& other) { return self.add(other); }
at::Tensor AddScalar(const at::Tensor& self, const at::Scalar& other) { return self.add(other); }
at::Tensor Sub(const at::Tensor& self, const at::Tensor& other) { return self.sub(other); }
at::Tensor SubScalar(const at::Tensor& self, const at::Scalar& other) { return self.sub(other); }
at::Tensor Mul(const at::Tensor& self, const at::Tensor& other) { return self.mul(other); }
at::Tensor MulScalar(const at::Tensor& self, const at::Scalar& other) { return self.mul(other); }
at::Tensor Div(const at::Tensor& self, const at::Tensor& other) { return self.div(other); }
at::Tensor DivScalar(const at::Tensor& self, const at::Scalar& other) { return self.div(other); }
at::Tensor Pow(const at::Tensor& self, const at::Tensor& exponent) { return self.pow(exponent); }
at::Tensor PowScalar(const at::Tensor& self, const at::Scalar& exponent) { return self.pow(exponent); }
at::Tensor Remainder(const at::Tensor& self, const at::Tensor& other) { return self.remainder(other); }
at::Tensor RemainderScalar(const at::Tensor& self, const at::Scalar& other) { return self.remainder(other); }
at::Tensor Maximum(const at::Tensor& self, const at::Tensor& other) { return at::maximum(self, other); }
at::Tensor MaximumScalar(const at::Tensor& self, const at::Scalar& other) { return at::clamp_min(self, other); }
at::Tensor Minimum(const at::Tensor& self, const at::Tensor& other) { return at::minimum(self, other); }
at::Tensor MinimumScalar(const at::Tensor& self, const at::Scalar& other) { return at::clamp_max(self, other); }
at::Tensor Eq(const at::Tensor& self, const at::Tensor& other) { return self.eq(other); }
at::Tensor EqScalar(const at::Tensor& self, const at::Scalar& other) { return self.eq(other); }
at::Tensor Ne(const at::Tensor& self, const at::Tensor& other) { return self.ne(other); }
at::Tensor NeScalar(const at::Tensor& self, const at::Scalar& other) { return self.ne(other); }
at::Tensor Lt(const at::Tensor& self, const at::Tensor& other) { return self.lt(other); }
at::Tensor LtScalar(const at::Tensor& self, const at::Scalar& other) { return self.lt(other); }
at::Tensor Le(const at::Tensor& self, const at::Tensor& other) { return self.le(other); }
at::Tensor LeScalar(const at::Tensor& self, const at::Scalar& other) { return self.le(other); }
at::Tensor Gt(const at::Tensor& self, const at::Tensor& other) { return self.gt(other); }
at::Tensor GtScalar(const at::Tensor& self, const at::Scalar& other) { return self.gt(other); }
at::Tensor Ge(const at::Tensor& self, const at::Tensor& other) { return self.ge(other); }
at::Tensor GeScalar(const at::Tensor& self, const at::Scalar& other) { return self.ge(other); }
at::Tensor RsubScalar(const at::Tensor& self, const at::Scalar& other) { return at::rsub(self, other); }
at::Tensor RdivScalar(const at::Tensor& self, const at::Scalar& other) { return self.reciprocal().mul(other); }
at::Tensor LogicalAnd(const at::Tensor& self, const at::Tensor& other) { return self.logical_and(other); }
at::Tensor LogicalOr(const at::Tensor& self, const at::Tensor& other) { return self.logical_or(other); }
at::Tensor Clamp(const at::Tensor& self, const c10::optional<at::Scalar>& min, const c10::optional<at::Scalar>& max) {
  return self.clamp(min, max);
}
at::Tensor LeakyRelu(const at::Tensor& self, const at::Scalar& negativeSlope) { return at::leaky_relu(self, negativeSlope); }

// ---------------------------------------------------------------- reductions
at::Tensor Sum(const at::Tensor& self, const c10::optional<std::vector<int64_t>>& dim, bool keepdim) {
  return dim ? self.sum(*dim, keepdim) : self.sum();
}
at::Tensor Mean(const at::Tensor& self, const c10::optional<std::vector<int64_t>>& dim, bool keepdim) {
  return dim ? self.mean(*dim, keepdim) : self.mean();
}
at::Tensor Prod(const at::Tensor& self, c10::optional<int64_t> dim, bool keepdim) { return dim ? self.prod(*dim, keepdim) : self.prod(); }
at::Tensor MaxAll(const at::Tensor& self) { return self.max(); }
at::Tensor MinAll(const at::Tensor& self) { return self.min(); }
std::tuple<at::Tensor, at::Tensor> MaxDim(const at::Tensor& self, int64_t dim, bool keepdim) { return self.max(dim, keepdim); }
std::tuple<at::Tensor, at::Tensor> MinDim(const at::Tensor& self, int64_t dim, bool keepdim) { return self.min(dim, keepdim); }
at::Tensor Amax(const at::Tensor& self, const std::vector<int64_t>& dim, bool keepdim) { return self.amax(dim, keepdim); }
at::Tensor Argmax(const at::Tensor& self, c10::optional<int64_t> dim, bool keepdim) {
  return dim ? self.argmax(*dim, keepdim) : self.argmax();
}
std::tuple<at::Tensor, at::Tensor> Topk(const at::Tensor& self, int64_t k, int64_t dim, bool largest, bool sorted) {
  return self.topk(k, dim, largest, sorted);
}
std::tuple<at::Tensor, at::Tensor> Sort(const at::Tensor& self, int64_t dim, bool descending, bool stable) {
  return self.sort(stable, dim, descending);
}
at::Tensor Cumsum(const at::Tensor& self, int64_t dim) { return self.cumsum(dim); }
at::Tensor Any(const at::Tensor& self) { return self.any(); }
at::Tensor All(const at::Tensor& self) { return self.all(); }
at::Tensor Norm(const at::Tensor& self, const at::Scalar& p) { return self.norm(p); }

// ---------------------------------------------------------------- neural-network functions
at::Tensor Conv2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  return at::conv2d(input, weight, bias, stride, padding, dilation, groups);
}
at::Tensor ConvTranspose2d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias,
                           const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                           const std::vector<int64_t>& outputPadding, int64_t groups, const std::vector<int64_t>& dilation) {
  return at::conv_transpose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);
}
at::Tensor BatchNorm(const at::Tensor& input, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias,
                     const c10::optional<at::Tensor>& runningMean, const c10::optional<at::Tensor>& runningVar, bool training,
                     double momentum, double eps) {
  return at::batch_norm(input, weight, bias, runningMean, runningVar, training, momentum, eps, /*cudnn_enabled=*/true);
}
at::Tensor MaxPool2d(const at::Tensor& self, const std::vector<int64_t>& kernelSize, const std::vector<int64_t>& stride,
                     const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, bool ceilMode) {
  return at::max_pool2d(self, kernelSize, stride, padding, dilation, ceilMode);
}
at::Tensor UpsampleNearest2d(const at::Tensor& self, const std::vector<int64_t>& outputSize) {
  return at::upsample_nearest2d(self, outputSize);
}
at::Tensor UpsampleBilinear2d(const at::Tensor& self, const std::vector<int64_t>& outputSize, bool alignCorners) {
  return at::upsample_bilinear2d(self, outputSize, alignCorners);
}
at::Tensor Softmax(const at::Tensor& self, int64_t dim) { return at::softmax(self, dim); }
at::Tensor Matmul(const at::Tensor& self, const at::Tensor& other) { return at::matmul(self, other); }
at::Tensor Linear(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias) {
  return at::linear(input, weight, bias);
}
at::Tensor Conv1d(const at::Tensor& input, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, const std::vector<int64_t>& stride,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  return at::conv1d(input, weight, bias, stride, padding, dilation, groups);
}
at::Tensor GroupNorm(const at::Tensor& input, int64_t numGroups, const c10::optional<at::Tensor>& weight,
                     const c10::optional<at::Tensor>& bias, double eps) {
  return at::group_norm(input, numGroups, weight, bias, eps, /*cudnn_enabled=*/true);
}
at::Tensor LayerNorm(const at::Tensor& input, const std::vector<int64_t>& normalizedShape, const c10::optional<at::Tensor>& weight,
                     const c10::optional<at::Tensor>& bias, double eps) {
  return at::layer_norm(input, normalizedShape, weight, bias, eps, /*cudnn_enable=*/true);
}
at::Tensor AdaptiveAvgPool2d(const at::Tensor& self, const std::vector<int64_t>& outputSize) { return at::adaptive_avg_pool2d(self, outputSize); }
at::Tensor AdaptiveMaxPool2d(const at::Tensor& self, const std::vector<int64_t>& outputSize) {
  return std::get<0>(at::adaptive_max_pool2d(self, outputSize));
}
at::Tensor AvgPool2d(const at::Tensor& self, const std::vector<int64_t>& kernelSize, const std::vector<int64_t>& stride,
                     const std::vector<int64_t>& padding, bool ceilMode, bool countIncludePad) {
  return at::avg_pool2d(self, kernelSize, stride, padding, ceilMode, countIncludePad);
}
at::Tensor Im2col(const at::Tensor& self, const std::vector<int64_t>& kernelSize, const std::vector<int64_t>& dilation,
                  const std::vector<int64_t>& padding, const std::vector<int64_t>& stride) {
  return at::im2col(self, kernelSize, dilation, padding, stride);
}
at::Tensor PixelShuffle(const at::Tensor& self, int64_t upscaleFactor) { return at::pixel_shuffle(self, upscaleFactor); }
at::Tensor PixelUnshuffle(const at::Tensor& self, int64_t downscaleFactor) { return at::pixel_unshuffle(self, downscaleFactor); }
at::Tensor Gelu(const at::Tensor& self) { return at::gelu(self); }
at::Tensor Hardsigmoid(const at::Tensor& self) { return at::hardsigmoid(self); }
at::Tensor Mish(const at::Tensor& self) { return at::mish(self); }
at::Tensor Softplus(const at::Tensor& self) { return at::softplus(self); }
at::Tensor BinaryCrossEntropyWithLogits(const at::Tensor& self, const at::Tensor& target, const c10::optional<at::Tensor>& weight,
                                        const c10::optional<at::Tensor>& posWeight, int64_t reduction) {
  return at::binary_cross_entropy_with_logits(self, target, weight, posWeight, reduction);
}

// ---------------------------------------------------------------- autograd
void SetRequiresGrad(const at::Tensor& self, bool requiresGrad) { self.set_requires_grad(requiresGrad); }
void Backward(const at::Tensor& self, const c10::optional<at::Tensor>& gradient, bool retainGraph) {
  self.backward(gradient.has_value() ? *gradient : at::Tensor(), retainGraph);
}
at::Tensor Grad(const at::Tensor& self) { return self.grad(); }
void ClearGrad(const at::Tensor& self) {
  if (self.grad().defined()) self.mutable_grad().reset();
}
bool GradEnabled() { return c10::GradMode::is_enabled(); }
void SetGradEnabled(bool enabled) { c10::GradMode::set_enabled(enabled); }
void RetainGrad(const at::Tensor& self) { self.retain_grad(); }
std::vector<at::Tensor> AutogradGrad(const std::vector<at::Tensor>& outputs, const std::vector<at::Tensor>& inputs,
                                     const std::vector<at::Tensor>& gradOutputs, bool retainGraph) {
  if (!gradOutputs.empty() && gradOutputs.size() != outputs.size()) {
    throw std::invalid_argument("autogradGrad: " + std::to_string(gradOutputs.size()) + " gradOutputs for " +
                                std::to_string(outputs.size()) + " outputs");
  }
  return torch::autograd::grad(outputs, inputs, gradOutputs, retainGraph, /*create_graph=*/false, /*allow_unused=*/false);
}

// ---------------------------------------------------------------- autocast
namespace {
bool IsCudaDeviceType(const std::string& deviceType) {
  if (deviceType == "cuda") return true;
  if (deviceType == "cpu") return false;
  throw std::invalid_argument("autocast device type must be 'cpu' or 'cuda', got '" + deviceType + "'");
}
}  // namespace
void SetAutocastEnabled(const std::string& deviceType, bool enabled) {
  if (IsCudaDeviceType(deviceType)) at::autocast::set_enabled(enabled);
  else at::autocast::set_cpu_enabled(enabled);
}
bool AutocastEnabled(const std::string& deviceType) {
  return IsCudaDeviceType(deviceType) ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void SetAutocastDtype(const std::string& deviceType, at::ScalarType dtype) {
  if (IsCudaDeviceType(deviceType)) at::autocast::set_autocast_gpu_dtype(dtype);
  else at::autocast::set_autocast_cpu_dtype(dtype);
}
at::ScalarType AutocastDtype(const std::string& deviceType) {
  return IsCudaDeviceType(deviceType) ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void SetAutocastCacheEnabled(bool enabled) { at::autocast::set_autocast_cache_enabled(enabled); }
bool AutocastCacheEnabled() { return at::autocast::is_autocast_cache_enabled(); }
int64_t AutocastIncrementNesting() { return at::autocast::increment_nesting(); }
int64_t AutocastDecrementNesting() { return at::autocast::decrement_nesting(); }
void ClearAutocastCache() { at::autocast::clear_cache(); }

// ---------------------------------------------------------------- in-place updates (optimizers, EMA, BN)
void Add_(const at::Tensor& self, const at::Tensor& other, const at::Scalar& alpha) { self.add_(other, alpha); }
void AddScalar_(const at::Tensor& self, const at::Scalar& other) { self.add_(other); }
void Mul_(const at::Tensor& self, const at::Tensor& other) { self.mul_(other); }
void MulScalar_(const at::Tensor& self, const at::Scalar& other) { self.mul_(other); }
void Div_(const at::Tensor& self, const at::Tensor& other) { self.div_(other); }
void Addcmul_(const at::Tensor& self, const at::Tensor& tensor1, const at::Tensor& tensor2, const at::Scalar& value) {
  self.addcmul_(tensor1, tensor2, value);
}
void Addcdiv_(const at::Tensor& self, const at::Tensor& tensor1, const at::Tensor& tensor2, const at::Scalar& value) {
  self.addcdiv_(tensor1, tensor2, value);
}
void Lerp_(const at::Tensor& self, const at::Tensor& end, const at::Scalar& weight) { self.lerp_(end, weight); }
void Copy_(const at::Tensor& self, const at::Tensor& src) { self.copy_(src); }
void Zero_(const at::Tensor& self) { self.zero_(); }
void Fill_(const at::Tensor& self, const at::Scalar& value) { self.fill_(value); }
void Clamp_(const at::Tensor& self, const c10::optional<at::Scalar>& min, const c10::optional<at::Scalar>& max) { self.clamp_(min, max); }
void Uniform_(const at::Tensor& self, double from, double to) { self.uniform_(from, to); }
void Normal_(const at::Tensor& self, double mean, double stdDev) { self.normal_(mean, stdDev); }

// ---------------------------------------------------------------- runtime
void ManualSeed(int64_t seed) { at::manual_seed(static_cast<uint64_t>(seed)); }
void SetNumThreads(int64_t n) { at::set_num_threads(static_cast<int>(n)); }
namespace {
std::unique_ptr<torch::autograd::profiler::RecordProfile>& Profile() {
  static std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
  return profile;
}
}  // namespace
void ProfilerStart(const std::string& path) {
  if (Profile()) throw std::runtime_error("profilerStart: the profiler is already running (call profilerStop first)");
  Profile() = std::make_unique<torch::autograd::profiler::RecordProfile>(path);
}
// RecordProfile writes its trace when destroyed.
void ProfilerStop() {
  if (!Profile()) throw std::runtime_error("profilerStop: the profiler is not running");
  Profile().reset();
}
int64_t GetNumThreads() { return at::get_num_threads(); }
void SetDeterministicAlgorithms(bool enabled, bool warnOnly) { at::globalContext().setDeterministicAlgorithms(enabled, warnOnly); }
bool DeterministicAlgorithms() { return at::globalContext().deterministicAlgorithms(); }
bool CudaIsAvailable() { return at::globalContext().hasCUDA(); }
int64_t CudaDeviceCount() { return at::globalContext().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0; }
std::string Version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace ops
}  // namespace tsyolo
