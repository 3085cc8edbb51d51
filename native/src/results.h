// Converting op results to JavaScript values, one converter per return type of the op table (native/ops.ts).
// Tensors are stored in the handle table and cross as numbers.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "handles.h"
#include "ops.generated.h"

namespace tsyolo {

HandleTable& Handles();

inline Napi::Value ReturnTensor(Napi::Env env, at::Tensor t) { return Napi::Number::New(env, Handles().Store(std::move(t))); }

// An undefined tensor (e.g. a gradient not computed yet) becomes null.
inline Napi::Value ReturnOptionalTensor(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  return ReturnTensor(env, std::move(t));
}

inline Napi::Value ReturnTensorList(Napi::Env env, const std::vector<at::Tensor>& ts) {
  Napi::Array a = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) a.Set(static_cast<uint32_t>(i), ReturnTensor(env, ts[i]));
  return a;
}

inline Napi::Value ReturnTensorPair(Napi::Env env, const std::tuple<at::Tensor, at::Tensor>& p) {
  return ReturnTensorList(env, {std::get<0>(p), std::get<1>(p)});
}

inline Napi::Value ReturnBool(Napi::Env env, bool v) { return Napi::Boolean::New(env, v); }
inline Napi::Value ReturnInt(Napi::Env env, int64_t v) { return Napi::Number::New(env, static_cast<double>(v)); }
inline Napi::Value ReturnFloat(Napi::Env env, double v) { return Napi::Number::New(env, v); }
inline Napi::Value ReturnString(Napi::Env env, const std::string& v) { return Napi::String::New(env, v); }
inline Napi::Value ReturnScalarType(Napi::Env env, at::ScalarType t) { return ReturnInt(env, CodeFromDType(t)); }

inline Napi::Value ReturnIntList(Napi::Env env, const std::vector<int64_t>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(v[i])));
  return a;
}

// A copy of the tensor's elements (row-major) in a new ArrayBuffer.
inline Napi::Value ReturnBytes(Napi::Env env, const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kCPU).contiguous();
  size_t bytes = c.numel() * c.element_size();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(ab.Data(), c.data_ptr(), bytes);
  return ab;
}

}  // namespace tsyolo
