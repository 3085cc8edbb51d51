// tsyolo's native engine: a thin, generic bridge from Node to libtorch (ATen + autograd).
// Nothing here knows about YOLO. Each exported function takes/returns tensor handles (numbers, see handles.h);
// every libtorch error becomes a JavaScript Error carrying libtorch's message.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <napi.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/version.h>

#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdexcept>
#include <string>

#include "args.h"
#include "handles.h"

namespace tsyolo {

HandleTable& Handles() {
  static HandleTable table;
  return table;
}

namespace {

Napi::Value Wrap(Napi::Env env, at::Tensor t) { return Napi::Number::New(env, Handles().Store(std::move(t))); }

Napi::Value WrapList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  Napi::Array a = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) a.Set(static_cast<uint32_t>(i), Wrap(env, ts[i]));
  return a;
}

Napi::Value WrapPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p) {
  return WrapList(env, {std::get<0>(p), std::get<1>(p)});
}

// Runs `body`, turning C++ exceptions into JS errors. c10 messages lose their C++ backtrace.
template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, F body) {
  try {
    return body(info.Env());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

#define FN(name) Napi::Value name(const Napi::CallbackInfo& info)
#define BODY(...) return Guard(info, [&](Napi::Env env) -> Napi::Value { __VA_ARGS__ })

// ---------------------------------------------------------------- lifecycle and inspection
FN(Dispose) { BODY(return Napi::Boolean::New(env, Handles().Release(NumberArg(info, 0)));); }
FN(IsLive) { BODY(return Napi::Boolean::New(env, Handles().Find(NumberArg(info, 0)) != nullptr);); }
FN(LiveCount) { BODY(return Napi::Number::New(env, static_cast<double>(Handles().live()));); }

FN(Shape) {
  BODY(at::Tensor& t = TensorArg(info, 0); auto sizes = t.sizes(); Napi::Array a = Napi::Array::New(env, sizes.size());
       for (size_t i = 0; i < sizes.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(sizes[i])));
       return a;);
}
FN(DType) { BODY(return Napi::Number::New(env, CodeFromDType(TensorArg(info, 0).scalar_type()));); }
FN(Device) { BODY(return Napi::String::New(env, TensorArg(info, 0).device().str());); }
FN(RequiresGrad) { BODY(return Napi::Boolean::New(env, TensorArg(info, 0).requires_grad());); }
FN(IsContiguous) { BODY(return Napi::Boolean::New(env, TensorArg(info, 0).is_contiguous());); }
FN(IsChannelsLast) {
  BODY(return Napi::Boolean::New(env, TensorArg(info, 0).is_contiguous(at::MemoryFormat::ChannelsLast)););
}
FN(Item) {
  BODY(at::Tensor& t = TensorArg(info, 0); if (t.numel() != 1) throw std::invalid_argument(
           "item() needs a tensor with exactly one element, this one has " + std::to_string(t.numel()));
       return Napi::Number::New(env, t.item<double>()););
}

// ---------------------------------------------------------------- creation
FN(Empty) { BODY(return Wrap(env, at::empty(IntListArg(info, 0), OptionsArg(info, 1, 2)));); }
FN(Zeros) { BODY(return Wrap(env, at::zeros(IntListArg(info, 0), OptionsArg(info, 1, 2)));); }
FN(Ones) { BODY(return Wrap(env, at::ones(IntListArg(info, 0), OptionsArg(info, 1, 2)));); }
FN(Full) { BODY(return Wrap(env, at::full(IntListArg(info, 0), ScalarArg(info, 1), OptionsArg(info, 2, 3)));); }
FN(Arange) {
  BODY(return Wrap(env, at::arange(ScalarArg(info, 0), ScalarArg(info, 1), ScalarArg(info, 2), OptionsArg(info, 3, 4))););
}
FN(Linspace) {
  BODY(return Wrap(env, at::linspace(ScalarArg(info, 0), ScalarArg(info, 1), IntArg(info, 2), OptionsArg(info, 3, 4))););
}
FN(Rand) { BODY(return Wrap(env, at::rand(IntListArg(info, 0), OptionsArg(info, 1, 2)));); }
FN(Randn) { BODY(return Wrap(env, at::randn(IntListArg(info, 0), OptionsArg(info, 1, 2)));); }
FN(Randint) {
  BODY(return Wrap(env, at::randint(IntArg(info, 0), IntArg(info, 1), IntListArg(info, 2), OptionsArg(info, 3, 4))););
}
FN(Randperm) { BODY(return Wrap(env, at::randperm(IntArg(info, 0), OptionsArg(info, 1, 2)));); }
FN(ZerosLike) { BODY(return Wrap(env, at::zeros_like(TensorArg(info, 0)));); }
FN(OnesLike) { BODY(return Wrap(env, at::ones_like(TensorArg(info, 0)));); }
FN(FullLike) { BODY(return Wrap(env, at::full_like(TensorArg(info, 0), ScalarArg(info, 1)));); }

// fromBuffer(typedArray, shape, dtypeCode): copies the bytes into a new CPU tensor.
FN(FromBuffer) {
  BODY(if (!info[0].IsTypedArray()) throw std::invalid_argument("argument 0 must be a typed array");
       Napi::TypedArray ta = info[0].As<Napi::TypedArray>(); std::vector<int64_t> shape = IntListArg(info, 1);
       at::ScalarType st = DTypeFromCode(static_cast<int>(IntArg(info, 2)));
       at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
       size_t bytes = t.numel() * t.element_size();
       if (ta.ByteLength() != bytes) throw std::invalid_argument(
           "buffer has " + std::to_string(ta.ByteLength()) + " bytes, shape and dtype need " + std::to_string(bytes));
       Napi::ArrayBuffer ab = ta.ArrayBuffer();
       std::memcpy(t.data_ptr(), static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset(), bytes);
       return Wrap(env, t););
}

// toBuffer(t): a copy of the elements (row-major) in a new ArrayBuffer; any device, any layout.
FN(ToBuffer) {
  BODY(at::Tensor t = TensorArg(info, 0).detach().to(at::kCPU).contiguous();
       size_t bytes = t.numel() * t.element_size(); Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
       if (bytes > 0) std::memcpy(ab.Data(), t.data_ptr(), bytes); return ab;);
}

// ---------------------------------------------------------------- conversion and layout
FN(ToDType) {
  BODY(return Wrap(env, TensorArg(info, 0).to(DTypeFromCode(static_cast<int>(IntArg(info, 1))))););
}
FN(ToDevice) { BODY(return Wrap(env, TensorArg(info, 0).to(DeviceArg(info, 1)));); }
FN(Contiguous) {
  BODY(bool channelsLast = !IsNullish(info, 1) && BoolArg(info, 1);
       return Wrap(env, TensorArg(info, 0).contiguous(channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous)););
}
FN(Clone) { BODY(return Wrap(env, TensorArg(info, 0).clone());); }
FN(Detach) { BODY(return Wrap(env, TensorArg(info, 0).detach());); }

// ---------------------------------------------------------------- shape and indexing
FN(Reshape) { BODY(return Wrap(env, TensorArg(info, 0).reshape(IntListArg(info, 1)));); }
FN(View) { BODY(return Wrap(env, TensorArg(info, 0).view(IntListArg(info, 1)));); }
FN(Permute) { BODY(return Wrap(env, TensorArg(info, 0).permute(IntListArg(info, 1)));); }
FN(Transpose) { BODY(return Wrap(env, TensorArg(info, 0).transpose(IntArg(info, 1), IntArg(info, 2)));); }
FN(Squeeze) {
  BODY(at::Tensor& t = TensorArg(info, 0); return Wrap(env, IsNullish(info, 1) ? t.squeeze() : t.squeeze(IntArg(info, 1))););
}
FN(Unsqueeze) { BODY(return Wrap(env, TensorArg(info, 0).unsqueeze(IntArg(info, 1)));); }
FN(Flatten) { BODY(return Wrap(env, TensorArg(info, 0).flatten(IntArg(info, 1), IntArg(info, 2)));); }
FN(Expand) { BODY(return Wrap(env, TensorArg(info, 0).expand(IntListArg(info, 1)));); }
FN(Repeat) { BODY(return Wrap(env, TensorArg(info, 0).repeat(IntListArg(info, 1)));); }
FN(Flip) { BODY(return Wrap(env, TensorArg(info, 0).flip(IntListArg(info, 1)));); }
FN(Cat) { BODY(return Wrap(env, at::cat(TensorListArg(info, 0), IntArg(info, 1)));); }
FN(Stack) { BODY(return Wrap(env, at::stack(TensorListArg(info, 0), IntArg(info, 1)));); }
FN(Chunk) { BODY(return WrapList(env, TensorArg(info, 0).chunk(IntArg(info, 1), IntArg(info, 2)));); }
FN(Split) {
  BODY(at::Tensor& t = TensorArg(info, 0); int64_t dim = IntArg(info, 2);
       return WrapList(env, info[1].IsArray() ? t.split_with_sizes(IntListArg(info, 1), dim) : t.split(IntArg(info, 1), dim)););
}
FN(Narrow) { BODY(return Wrap(env, TensorArg(info, 0).narrow(IntArg(info, 1), IntArg(info, 2), IntArg(info, 3)));); }
FN(Slice) {
  BODY(return Wrap(env, TensorArg(info, 0).slice(IntArg(info, 1), IntArg(info, 2), IntArg(info, 3), IntArg(info, 4))););
}
FN(Select) { BODY(return Wrap(env, TensorArg(info, 0).select(IntArg(info, 1), IntArg(info, 2)));); }
FN(IndexSelect) { BODY(return Wrap(env, TensorArg(info, 0).index_select(IntArg(info, 1), TensorArg(info, 2)));); }
FN(Gather) { BODY(return Wrap(env, TensorArg(info, 0).gather(IntArg(info, 1), TensorArg(info, 2)));); }

// index(t, [idx | null, ...]): advanced indexing like t[idx0, idx1] (null = take the whole dimension).
c10::List<c10::optional<at::Tensor>> IndexListArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw std::invalid_argument("argument " + std::to_string(i) + " must be an array of tensors or nulls");
  Napi::Array a = info[i].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> out;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (v.IsNull() || v.IsUndefined()) {
      out.push_back(c10::nullopt);
      continue;
    }
    at::Tensor* t = v.IsNumber() ? Handles().Find(v.As<Napi::Number>().DoubleValue()) : nullptr;
    if (t == nullptr) throw std::invalid_argument("index list element " + std::to_string(k) + " is not a live tensor");
    out.push_back(*t);
  }
  return out;
}
FN(Index) { BODY(return Wrap(env, TensorArg(info, 0).index(IndexListArg(info, 1)));); }
FN(IndexPut_) {
  BODY(at::Tensor& t = TensorArg(info, 0); bool accumulate = !IsNullish(info, 3) && BoolArg(info, 3);
       t.index_put_(IndexListArg(info, 1), TensorArg(info, 2), accumulate); return info[0];);
}
FN(MaskedSelect) { BODY(return Wrap(env, TensorArg(info, 0).masked_select(TensorArg(info, 1)));); }
FN(MaskedFill) { BODY(return Wrap(env, TensorArg(info, 0).masked_fill(TensorArg(info, 1), ScalarArg(info, 2)));); }
FN(MaskedFill_) { BODY(TensorArg(info, 0).masked_fill_(TensorArg(info, 1), ScalarArg(info, 2)); return info[0];); }
FN(Where) { BODY(return Wrap(env, at::where(TensorArg(info, 0), TensorArg(info, 1), TensorArg(info, 2)));); }
FN(Nonzero) { BODY(return Wrap(env, TensorArg(info, 0).nonzero());); }

// ---------------------------------------------------------------- elementwise maths
#define UNARY(name, expr) \
  FN(name) { BODY(at::Tensor& x = TensorArg(info, 0); return Wrap(env, expr);); }
UNARY(Neg, x.neg())
UNARY(Exp, x.exp())
UNARY(Log, x.log())
UNARY(Sigmoid, x.sigmoid())
UNARY(Sqrt, x.sqrt())
UNARY(Atan, x.atan())
UNARY(Abs, x.abs())
UNARY(Tanh, x.tanh())
UNARY(Floor, x.floor())
UNARY(Ceil, x.ceil())
UNARY(Round, x.round())
UNARY(Sign, x.sign())
UNARY(Reciprocal, x.reciprocal())
UNARY(Relu, at::relu(x))
UNARY(Silu, at::silu(x))
UNARY(Hardswish, at::hardswish(x))
UNARY(IsNan, x.isnan())
UNARY(IsFinite, x.isfinite())
UNARY(LogicalNot, x.logical_not())
#undef UNARY

// Binary ops come in two flavours because a JS number may be a handle or a scalar: name(a, b) and nameScalar(a, s).
#define BINARY(name, tensorExpr, scalarExpr)                                                          \
  FN(name) { BODY(at::Tensor& a = TensorArg(info, 0); at::Tensor& b = TensorArg(info, 1); return Wrap(env, tensorExpr);); } \
  FN(name##Scalar) { BODY(at::Tensor& a = TensorArg(info, 0); at::Scalar s = ScalarArg(info, 1); return Wrap(env, scalarExpr);); }
BINARY(Add, a.add(b), a.add(s))
BINARY(Sub, a.sub(b), a.sub(s))
BINARY(Mul, a.mul(b), a.mul(s))
BINARY(Div, a.div(b), a.div(s))
BINARY(Pow, a.pow(b), a.pow(s))
BINARY(Remainder, a.remainder(b), a.remainder(s))
BINARY(Maximum, at::maximum(a, b), at::clamp_min(a, s))
BINARY(Minimum, at::minimum(a, b), at::clamp_max(a, s))
BINARY(Eq, a.eq(b), a.eq(s))
BINARY(Ne, a.ne(b), a.ne(s))
BINARY(Lt, a.lt(b), a.lt(s))
BINARY(Le, a.le(b), a.le(s))
BINARY(Gt, a.gt(b), a.gt(s))
BINARY(Ge, a.ge(b), a.ge(s))
#undef BINARY
FN(RSubScalar) { BODY(return Wrap(env, at::rsub(TensorArg(info, 0), ScalarArg(info, 1)));); }
FN(RDivScalar) { BODY(return Wrap(env, TensorArg(info, 0).reciprocal().mul(ScalarArg(info, 1)));); }
FN(LogicalAnd) { BODY(return Wrap(env, TensorArg(info, 0).logical_and(TensorArg(info, 1)));); }
FN(LogicalOr) { BODY(return Wrap(env, TensorArg(info, 0).logical_or(TensorArg(info, 1)));); }
FN(Clamp) {
  BODY(c10::optional<at::Scalar> lo, hi; if (!IsNullish(info, 1)) lo = ScalarArg(info, 1);
       if (!IsNullish(info, 2)) hi = ScalarArg(info, 2); return Wrap(env, TensorArg(info, 0).clamp(lo, hi)););
}
FN(LeakyRelu) { BODY(return Wrap(env, at::leaky_relu(TensorArg(info, 0), ScalarArg(info, 1)));); }

// ---------------------------------------------------------------- reductions
FN(Sum) {
  BODY(at::Tensor& t = TensorArg(info, 0); if (IsNullish(info, 1)) return Wrap(env, t.sum());
       return Wrap(env, t.sum(IntListArg(info, 1), BoolArg(info, 2))););
}
FN(Mean) {
  BODY(at::Tensor& t = TensorArg(info, 0); if (IsNullish(info, 1)) return Wrap(env, t.mean());
       return Wrap(env, t.mean(IntListArg(info, 1), BoolArg(info, 2))););
}
FN(Prod) {
  BODY(at::Tensor& t = TensorArg(info, 0); if (IsNullish(info, 1)) return Wrap(env, t.prod());
       return Wrap(env, t.prod(IntArg(info, 1), BoolArg(info, 2))););
}
FN(MaxAll) { BODY(return Wrap(env, TensorArg(info, 0).max());); }
FN(MinAll) { BODY(return Wrap(env, TensorArg(info, 0).min());); }
FN(MaxDim) { BODY(return WrapPair(env, TensorArg(info, 0).max(IntArg(info, 1), BoolArg(info, 2)));); }
FN(MinDim) { BODY(return WrapPair(env, TensorArg(info, 0).min(IntArg(info, 1), BoolArg(info, 2)));); }
FN(Amax) { BODY(return Wrap(env, TensorArg(info, 0).amax(IntListArg(info, 1), BoolArg(info, 2)));); }
FN(Argmax) {
  BODY(at::Tensor& t = TensorArg(info, 0); if (IsNullish(info, 1)) return Wrap(env, t.argmax());
       return Wrap(env, t.argmax(IntArg(info, 1), BoolArg(info, 2))););
}
FN(Topk) {
  BODY(return WrapPair(env, TensorArg(info, 0).topk(IntArg(info, 1), IntArg(info, 2), BoolArg(info, 3), BoolArg(info, 4))););
}
FN(Sort) {
  BODY(return WrapPair(env, TensorArg(info, 0).sort(BoolArg(info, 3), IntArg(info, 1), BoolArg(info, 2))););
}
FN(Cumsum) { BODY(return Wrap(env, TensorArg(info, 0).cumsum(IntArg(info, 1)));); }
FN(Any) { BODY(return Wrap(env, TensorArg(info, 0).any());); }
FN(All) { BODY(return Wrap(env, TensorArg(info, 0).all());); }
FN(Norm) { BODY(return Wrap(env, TensorArg(info, 0).norm(ScalarArg(info, 1)));); }

// ---------------------------------------------------------------- neural-network functions
FN(Conv2d) {
  // conv2d(x, weight, bias|null, stride[2], padding[2], dilation[2], groups)
  BODY(return Wrap(env, at::conv2d(TensorArg(info, 0), TensorArg(info, 1), OptionalTensorArg(info, 2), IntListArg(info, 3),
                                   IntListArg(info, 4), IntListArg(info, 5), IntArg(info, 6))););
}
FN(BatchNorm) {
  // batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps)
  BODY(return Wrap(env, at::batch_norm(TensorArg(info, 0), OptionalTensorArg(info, 1), OptionalTensorArg(info, 2),
                                       OptionalTensorArg(info, 3), OptionalTensorArg(info, 4), BoolArg(info, 5),
                                       NumberArg(info, 6), NumberArg(info, 7), /*cudnn_enabled=*/true)););
}
FN(MaxPool2d) {
  // maxPool2d(x, kernel[2], stride[2], padding[2], dilation[2], ceilMode)
  BODY(return Wrap(env, at::max_pool2d(TensorArg(info, 0), IntListArg(info, 1), IntListArg(info, 2), IntListArg(info, 3),
                                       IntListArg(info, 4), BoolArg(info, 5))););
}
FN(UpsampleNearest2d) {
  // upsampleNearest2d(x, outputSize[2])
  BODY(return Wrap(env, at::upsample_nearest2d(TensorArg(info, 0), IntListArg(info, 1))););
}
FN(UpsampleBilinear2d) {
  // upsampleBilinear2d(x, outputSize[2], alignCorners)
  BODY(return Wrap(env, at::upsample_bilinear2d(TensorArg(info, 0), IntListArg(info, 1), BoolArg(info, 2))););
}
FN(BinaryCrossEntropyWithLogits) {
  // bceWithLogits(input, target, weight|null, posWeight|null, reduction: 0 none, 1 mean, 2 sum)
  BODY(return Wrap(env, at::binary_cross_entropy_with_logits(TensorArg(info, 0), TensorArg(info, 1), OptionalTensorArg(info, 2),
                                                             OptionalTensorArg(info, 3), IntArg(info, 4))););
}

// ---------------------------------------------------------------- autograd
FN(SetRequiresGrad) { BODY(TensorArg(info, 0).set_requires_grad(BoolArg(info, 1)); return info[0];); }
FN(Backward) {
  // backward(t, gradient|null, retainGraph)
  BODY(at::Tensor& t = TensorArg(info, 0); c10::optional<at::Tensor> g = OptionalTensorArg(info, 1);
       bool retain = !IsNullish(info, 2) && BoolArg(info, 2);
       t.backward(g.has_value() ? *g : at::Tensor(), retain); return env.Undefined(););
}
FN(Grad) {
  BODY(const at::Tensor& g = TensorArg(info, 0).grad(); if (!g.defined()) return env.Null(); return Wrap(env, g););
}
FN(ClearGrad) {
  BODY(at::Tensor& t = TensorArg(info, 0); if (t.grad().defined()) t.mutable_grad().reset(); return env.Undefined(););
}
FN(GradEnabled) { BODY(return Napi::Boolean::New(env, c10::GradMode::is_enabled());); }
FN(SetGradEnabled) { BODY(c10::GradMode::set_enabled(BoolArg(info, 0)); return env.Undefined();); }

// ---------------------------------------------------------------- in-place updates (optimizers, EMA, BN)
FN(Add_) {
  BODY(at::Tensor& a = TensorArg(info, 0); at::Scalar alpha = IsNullish(info, 2) ? at::Scalar(1) : ScalarArg(info, 2);
       a.add_(TensorArg(info, 1), alpha); return info[0];);
}
FN(AddScalar_) { BODY(TensorArg(info, 0).add_(ScalarArg(info, 1)); return info[0];); }
FN(Mul_) { BODY(TensorArg(info, 0).mul_(TensorArg(info, 1)); return info[0];); }
FN(MulScalar_) { BODY(TensorArg(info, 0).mul_(ScalarArg(info, 1)); return info[0];); }
FN(Div_) { BODY(TensorArg(info, 0).div_(TensorArg(info, 1)); return info[0];); }
FN(Addcmul_) {
  BODY(TensorArg(info, 0).addcmul_(TensorArg(info, 1), TensorArg(info, 2), ScalarArg(info, 3)); return info[0];);
}
FN(Addcdiv_) {
  BODY(TensorArg(info, 0).addcdiv_(TensorArg(info, 1), TensorArg(info, 2), ScalarArg(info, 3)); return info[0];);
}
FN(Lerp_) { BODY(TensorArg(info, 0).lerp_(TensorArg(info, 1), ScalarArg(info, 2)); return info[0];); }
FN(Copy_) { BODY(TensorArg(info, 0).copy_(TensorArg(info, 1)); return info[0];); }
FN(Zero_) { BODY(TensorArg(info, 0).zero_(); return info[0];); }
FN(Fill_) { BODY(TensorArg(info, 0).fill_(ScalarArg(info, 1)); return info[0];); }
FN(Clamp_) {
  BODY(c10::optional<at::Scalar> lo, hi; if (!IsNullish(info, 1)) lo = ScalarArg(info, 1);
       if (!IsNullish(info, 2)) hi = ScalarArg(info, 2); TensorArg(info, 0).clamp_(lo, hi); return info[0];);
}
FN(Uniform_) { BODY(TensorArg(info, 0).uniform_(NumberArg(info, 1), NumberArg(info, 2)); return info[0];); }
FN(Normal_) { BODY(TensorArg(info, 0).normal_(NumberArg(info, 1), NumberArg(info, 2)); return info[0];); }

// ---------------------------------------------------------------- runtime
FN(ManualSeed) { BODY(at::manual_seed(static_cast<uint64_t>(IntArg(info, 0))); return env.Undefined();); }
FN(SetNumThreads) { BODY(at::set_num_threads(static_cast<int>(IntArg(info, 0))); return env.Undefined();); }
FN(GetNumThreads) { BODY(return Napi::Number::New(env, at::get_num_threads());); }
FN(CudaIsAvailable) { BODY(return Napi::Boolean::New(env, at::globalContext().hasCUDA());); }
FN(CudaDeviceCount) {
  BODY(return Napi::Number::New(env, at::globalContext().hasCUDA() ? static_cast<double>(at::detail::getCUDAHooks().getNumGPUs()) : 0.0););
}
FN(Version) {
  BODY(return Napi::String::New(env, std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                                         std::to_string(TORCH_VERSION_PATCH)););
}

#undef BODY
#undef FN

}  // namespace

// glibc hands blocks above its mmap threshold back to the OS on free, so every new activation of that size comes
// from fresh, kernel-zeroed pages; with training's many multi-megabyte tensors that doubled step times. Keeping
// blocks up to 32 MiB in the heap and trimming rarely lets them be reused, as they are in a warmed-up Python
// process. Measured: yolov5n-shufflenetv2 batch 32 @320 forward 600–750 ms → ~175 ms.
void TuneAllocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneAllocator();
#define EXPORT(jsName, fn) exports.Set(jsName, Napi::Function::New(env, fn, jsName))
  EXPORT("dispose", Dispose);
  EXPORT("isLive", IsLive);
  EXPORT("liveCount", LiveCount);
  EXPORT("shape", Shape);
  EXPORT("dtype", DType);
  EXPORT("device", Device);
  EXPORT("requiresGrad", RequiresGrad);
  EXPORT("isContiguous", IsContiguous);
  EXPORT("isChannelsLast", IsChannelsLast);
  EXPORT("item", Item);
  EXPORT("empty", Empty);
  EXPORT("zeros", Zeros);
  EXPORT("ones", Ones);
  EXPORT("full", Full);
  EXPORT("arange", Arange);
  EXPORT("linspace", Linspace);
  EXPORT("rand", Rand);
  EXPORT("randn", Randn);
  EXPORT("randint", Randint);
  EXPORT("randperm", Randperm);
  EXPORT("zerosLike", ZerosLike);
  EXPORT("onesLike", OnesLike);
  EXPORT("fullLike", FullLike);
  EXPORT("fromBuffer", FromBuffer);
  EXPORT("toBuffer", ToBuffer);
  EXPORT("toDType", ToDType);
  EXPORT("toDevice", ToDevice);
  EXPORT("contiguous", Contiguous);
  EXPORT("clone", Clone);
  EXPORT("detach", Detach);
  EXPORT("reshape", Reshape);
  EXPORT("view", View);
  EXPORT("permute", Permute);
  EXPORT("transpose", Transpose);
  EXPORT("squeeze", Squeeze);
  EXPORT("unsqueeze", Unsqueeze);
  EXPORT("flatten", Flatten);
  EXPORT("expand", Expand);
  EXPORT("repeat", Repeat);
  EXPORT("flip", Flip);
  EXPORT("cat", Cat);
  EXPORT("stack", Stack);
  EXPORT("chunk", Chunk);
  EXPORT("split", Split);
  EXPORT("narrow", Narrow);
  EXPORT("slice", Slice);
  EXPORT("select", Select);
  EXPORT("indexSelect", IndexSelect);
  EXPORT("gather", Gather);
  EXPORT("index", Index);
  EXPORT("indexPut_", IndexPut_);
  EXPORT("maskedSelect", MaskedSelect);
  EXPORT("maskedFill", MaskedFill);
  EXPORT("maskedFill_", MaskedFill_);
  EXPORT("where", Where);
  EXPORT("nonzero", Nonzero);
  EXPORT("neg", Neg);
  EXPORT("exp", Exp);
  EXPORT("log", Log);
  EXPORT("sigmoid", Sigmoid);
  EXPORT("sqrt", Sqrt);
  EXPORT("atan", Atan);
  EXPORT("abs", Abs);
  EXPORT("tanh", Tanh);
  EXPORT("floor", Floor);
  EXPORT("ceil", Ceil);
  EXPORT("round", Round);
  EXPORT("sign", Sign);
  EXPORT("reciprocal", Reciprocal);
  EXPORT("relu", Relu);
  EXPORT("silu", Silu);
  EXPORT("hardswish", Hardswish);
  EXPORT("isnan", IsNan);
  EXPORT("isfinite", IsFinite);
  EXPORT("logicalNot", LogicalNot);
#define EXPORT_BINARY(js, fn) EXPORT(js, fn); EXPORT(js "Scalar", fn##Scalar)
  EXPORT_BINARY("add", Add);
  EXPORT_BINARY("sub", Sub);
  EXPORT_BINARY("mul", Mul);
  EXPORT_BINARY("div", Div);
  EXPORT_BINARY("pow", Pow);
  EXPORT_BINARY("remainder", Remainder);
  EXPORT_BINARY("maximum", Maximum);
  EXPORT_BINARY("minimum", Minimum);
  EXPORT_BINARY("eq", Eq);
  EXPORT_BINARY("ne", Ne);
  EXPORT_BINARY("lt", Lt);
  EXPORT_BINARY("le", Le);
  EXPORT_BINARY("gt", Gt);
  EXPORT_BINARY("ge", Ge);
#undef EXPORT_BINARY
  EXPORT("rsubScalar", RSubScalar);
  EXPORT("rdivScalar", RDivScalar);
  EXPORT("logicalAnd", LogicalAnd);
  EXPORT("logicalOr", LogicalOr);
  EXPORT("clamp", Clamp);
  EXPORT("leakyRelu", LeakyRelu);
  EXPORT("sum", Sum);
  EXPORT("mean", Mean);
  EXPORT("prod", Prod);
  EXPORT("maxAll", MaxAll);
  EXPORT("minAll", MinAll);
  EXPORT("maxDim", MaxDim);
  EXPORT("minDim", MinDim);
  EXPORT("amax", Amax);
  EXPORT("argmax", Argmax);
  EXPORT("topk", Topk);
  EXPORT("sort", Sort);
  EXPORT("cumsum", Cumsum);
  EXPORT("any", Any);
  EXPORT("all", All);
  EXPORT("norm", Norm);
  EXPORT("conv2d", Conv2d);
  EXPORT("batchNorm", BatchNorm);
  EXPORT("maxPool2d", MaxPool2d);
  EXPORT("upsampleNearest2d", UpsampleNearest2d);
  EXPORT("upsampleBilinear2d", UpsampleBilinear2d);
  EXPORT("binaryCrossEntropyWithLogits", BinaryCrossEntropyWithLogits);
  EXPORT("setRequiresGrad", SetRequiresGrad);
  EXPORT("backward", Backward);
  EXPORT("grad", Grad);
  EXPORT("clearGrad", ClearGrad);
  EXPORT("gradEnabled", GradEnabled);
  EXPORT("setGradEnabled", SetGradEnabled);
  EXPORT("add_", Add_);
  EXPORT("addScalar_", AddScalar_);
  EXPORT("mul_", Mul_);
  EXPORT("mulScalar_", MulScalar_);
  EXPORT("div_", Div_);
  EXPORT("addcmul_", Addcmul_);
  EXPORT("addcdiv_", Addcdiv_);
  EXPORT("lerp_", Lerp_);
  EXPORT("copy_", Copy_);
  EXPORT("zero_", Zero_);
  EXPORT("fill_", Fill_);
  EXPORT("clamp_", Clamp_);
  EXPORT("uniform_", Uniform_);
  EXPORT("normal_", Normal_);
  EXPORT("manualSeed", ManualSeed);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("cudaIsAvailable", CudaIsAvailable);
  EXPORT("cudaDeviceCount", CudaDeviceCount);
  EXPORT("version", Version);
#undef EXPORT
  return exports;
}

}  // namespace tsyolo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tsyolo::Init(env, exports); }
NODE_API_MODULE(tsyolo_native, InitModule)
