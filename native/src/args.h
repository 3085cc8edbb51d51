// Converting N-API arguments to libtorch values, with errors that say which argument was wrong.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "handles.h"

namespace tsyolo {

HandleTable& Handles();

// dtype codes shared with src/native/dtype.ts (order matters).
inline at::ScalarType DTypeFromCode(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kDouble;
    case 2: return at::kHalf;
    case 3: return at::kBFloat16;
    case 4: return at::kLong;
    case 5: return at::kInt;
    case 6: return at::kShort;
    case 7: return at::kChar;
    case 8: return at::kByte;
    case 9: return at::kBool;
  }
  throw std::invalid_argument("unknown dtype code " + std::to_string(code));
}

inline int CodeFromDType(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kDouble: return 1;
    case at::kHalf: return 2;
    case at::kBFloat16: return 3;
    case at::kLong: return 4;
    case at::kInt: return 5;
    case at::kShort: return 6;
    case at::kChar: return 7;
    case at::kByte: return 8;
    case at::kBool: return 9;
    default: break;
  }
  throw std::invalid_argument(std::string("unsupported dtype ") + c10::toString(t));
}

inline at::Tensor& TensorArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw std::invalid_argument("argument " + std::to_string(i) + " must be a tensor");
  }
  at::Tensor* t = Handles().Find(info[i].As<Napi::Number>().DoubleValue());
  if (t == nullptr) throw std::invalid_argument("tensor used after dispose()");
  return *t;
}

inline bool IsNullish(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsNull() || info[i].IsUndefined();
}

inline c10::optional<at::Tensor> OptionalTensorArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsNullish(info, i)) return c10::nullopt;
  return TensorArg(info, i);
}

inline double NumberArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    throw std::invalid_argument("argument " + std::to_string(i) + " must be a number");
  }
  return info[i].As<Napi::Number>().DoubleValue();
}

inline int64_t IntArg(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int64_t>(NumberArg(info, i));
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsBoolean()) {
    throw std::invalid_argument("argument " + std::to_string(i) + " must be a boolean");
  }
  return info[i].As<Napi::Boolean>().Value();
}

inline std::vector<int64_t> IntListArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw std::invalid_argument("argument " + std::to_string(i) + " must be an array of integers");
  }
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    if (!v.IsNumber()) throw std::invalid_argument("argument " + std::to_string(i) + " must be an array of integers");
    out[k] = static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
  }
  return out;
}

inline std::vector<at::Tensor> TensorListArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) {
    throw std::invalid_argument("argument " + std::to_string(i) + " must be an array of tensors");
  }
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) {
    Napi::Value v = a.Get(k);
    at::Tensor* t = v.IsNumber() ? Handles().Find(v.As<Napi::Number>().DoubleValue()) : nullptr;
    if (t == nullptr) throw std::invalid_argument("tensor list element " + std::to_string(k) + " is not a live tensor");
    out.push_back(*t);
  }
  return out;
}

inline at::Scalar ScalarArg(const Napi::CallbackInfo& info, size_t i) {
  if (info[i].IsBoolean()) return at::Scalar(info[i].As<Napi::Boolean>().Value());
  double v = NumberArg(info, i);
  // Whole numbers become integer scalars, as Python's ints do, so `t.add_(1)` works on integer tensors.
  if (std::floor(v) == v && std::fabs(v) < 9.0e15) return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

inline at::Device DeviceArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsNullish(info, i)) return at::Device(at::kCPU);
  if (!info[i].IsString()) throw std::invalid_argument("argument " + std::to_string(i) + " must be a device string");
  return at::Device(info[i].As<Napi::String>().Utf8Value());
}

inline at::TensorOptions OptionsArg(const Napi::CallbackInfo& info, size_t dtypeIndex, size_t deviceIndex) {
  return at::TensorOptions().dtype(DTypeFromCode(static_cast<int>(IntArg(info, dtypeIndex)))).device(DeviceArg(info, deviceIndex));
}

}  // namespace tsyolo
