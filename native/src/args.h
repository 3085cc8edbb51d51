// Converting N-API arguments to libtorch values, one converter per argument type of the op table (native/ops.ts).
// A wrong argument throws ArgumentError naming its position; Guard (guard.h) prefixes the op's name.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "handles.h"
#include "ops.generated.h"

namespace tsyolo {

HandleTable& Handles();

struct ArgumentError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

[[noreturn]] inline void BadArgument(size_t i, const char* expected) {
  throw ArgumentError("argument " + std::to_string(i) + " must be " + expected);
}

inline bool IsNullish(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsNull() || info[i].IsUndefined();
}

inline at::Tensor& TensorArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) BadArgument(i, "a tensor");
  at::Tensor* t = Handles().Find(info[i].As<Napi::Number>().DoubleValue());
  if (t == nullptr) throw ArgumentError("tensor used after dispose()");
  return *t;
}

inline c10::optional<at::Tensor> OptionalTensorArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsNullish(info, i)) return c10::nullopt;
  return TensorArg(info, i);
}

inline double NumberArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) BadArgument(i, "a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline int64_t IntArg(const Napi::CallbackInfo& info, size_t i) { return static_cast<int64_t>(NumberArg(info, i)); }

inline c10::optional<int64_t> OptionalIntArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsNullish(info, i)) return c10::nullopt;
  return IntArg(info, i);
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsBoolean()) BadArgument(i, "a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

inline std::string StringArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsString()) BadArgument(i, "a string");
  return info[i].As<Napi::String>().Utf8Value();
}

inline std::vector<int64_t> IntListArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) BadArgument(i, "an array of integers");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) BadArgument(i, "an array of integers");
    out[k] = static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
  }
  return out;
}

inline c10::optional<std::vector<int64_t>> OptionalIntListArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsNullish(info, i)) return c10::nullopt;
  return IntListArg(info, i);
}

inline at::Tensor* TensorOrNull(const Napi::Value& v) {
  return v.IsNumber() ? Handles().Find(v.As<Napi::Number>().DoubleValue()) : nullptr;
}

inline std::vector<at::Tensor> TensorListArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) BadArgument(i, "an array of tensors");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    at::Tensor* t = TensorOrNull(a.Get(k));
    if (t == nullptr) throw ArgumentError("tensor list element " + std::to_string(k) + " is not a live tensor");
    out.push_back(*t);
  }
  return out;
}

// An index list like t[idx0, :, idx2]: null takes the whole dimension.
inline c10::List<c10::optional<at::Tensor>> IndexListArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) BadArgument(i, "an array of tensors or nulls");
  Napi::Array a = info[i].As<Napi::Array>();
  c10::List<c10::optional<at::Tensor>> out;
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (v.IsNull() || v.IsUndefined()) {
      out.push_back(c10::nullopt);
      continue;
    }
    at::Tensor* t = TensorOrNull(v);
    if (t == nullptr) throw ArgumentError("index list element " + std::to_string(k) + " is not a live tensor");
    out.push_back(*t);
  }
  return out;
}

inline at::Scalar ScalarArg(const Napi::CallbackInfo& info, size_t i) {
  if (i < info.Length() && info[i].IsBoolean()) return at::Scalar(info[i].As<Napi::Boolean>().Value());
  double v = NumberArg(info, i);
  // Whole numbers become integer scalars, as Python's ints do, so `t.add_(1)` works on integer tensors.
  if (std::floor(v) == v && std::fabs(v) < 9.0e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

inline c10::optional<at::Scalar> OptionalScalarArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsNullish(info, i)) return c10::nullopt;
  return ScalarArg(info, i);
}

inline at::ScalarType ScalarTypeArg(const Napi::CallbackInfo& info, size_t i) { return DTypeFromCode(IntArg(info, i)); }

inline at::Device DeviceArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsString()) BadArgument(i, "a device string");
  return at::Device(info[i].As<Napi::String>().Utf8Value());
}

inline ByteView BytesArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsTypedArray()) BadArgument(i, "a typed array");
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  return ByteView{static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
}

}  // namespace tsyolo
