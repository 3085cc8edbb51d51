// tsyolo's image addon: a few generic OpenCV pixel operations on plain byte buffers (HWC uint8), for the data
// loader's worker threads. No YOLO knowledge here: callers pass matrices, sizes, tables and OpenCV's codes.
// Inputs are read in place (cv::Mat headers over the JS bytes, SharedArrayBuffers included); outputs are fresh
// ArrayBuffers owned by V8, so they can be transferred between threads. Every call is synchronous and touches no
// JS object while OpenCV works. Node-API modules are context-aware: this one holds no per-process JS state and
// loads in any number of worker threads.
#include <napi.h>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

namespace {

[[noreturn]] void Fail(const Napi::Env& env, const std::string& op, const std::string& what) {
  throw Napi::Error::New(env, "image." + op + ": " + what);
}

/** The bytes of a Uint8Array argument (any backing store, shared or not). */
Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info, size_t i, const std::string& op, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Fail(info.Env(), op, std::string(name) + " must be a Uint8Array");
  }
  return info[i].As<Napi::Uint8Array>();
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const std::string& op, const char* name, int min, int max) {
  if (info.Length() <= i || !info[i].IsNumber()) Fail(info.Env(), op, std::string(name) + " must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= min && v <= max) || v != static_cast<double>(static_cast<int>(v))) {
    Fail(info.Env(), op, std::string(name) + " must be an integer in " + std::to_string(min) + "…" + std::to_string(max) + ", got " + std::to_string(v));
  }
  return static_cast<int>(v);
}

double NumberArg(const Napi::CallbackInfo& info, size_t i, const std::string& op, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) Fail(info.Env(), op, std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

constexpr int kMaxSide = 1 << 16;

/** A Mat header over an HWC image argument after checking its byte length. */
cv::Mat ImageArg(const Napi::CallbackInfo& info, size_t i, int width, int height, int channels, const std::string& op, const char* name) {
  Napi::Uint8Array bytes = BytesArg(info, i, op, name);
  size_t want = static_cast<size_t>(width) * height * channels;
  if (bytes.ByteLength() != want) {
    Fail(info.Env(), op, std::string(name) + " has " + std::to_string(bytes.ByteLength()) + " bytes, " + std::to_string(width) + "×" +
                            std::to_string(height) + "×" + std::to_string(channels) + " needs " + std::to_string(want));
  }
  return cv::Mat(height, width, CV_8UC(channels), bytes.Data());
}

/** A new V8-owned buffer of height×width×channels bytes and a Mat header over it. */
std::pair<Napi::Uint8Array, cv::Mat> NewImage(Napi::Env env, int width, int height, int channels) {
  size_t n = static_cast<size_t>(width) * height * channels;
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, n);
  Napi::Uint8Array array = Napi::Uint8Array::New(env, n, buffer, 0);
  return {array, cv::Mat(height, width, CV_8UC(channels), buffer.Data())};
}

/** Runs OpenCV code, turning cv::Exception into a JS Error naming the op. */
template <typename F>
auto Guarded(const Napi::Env& env, const std::string& op, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const cv::Exception& e) {
    Fail(env, op, e.what());
  }
}

// resize(src, width, height, channels, dstWidth, dstHeight, interpolation) → Uint8Array
Napi::Value Resize(const Napi::CallbackInfo& info) {
  const std::string op = "resize";
  int w = IntArg(info, 1, op, "width", 1, kMaxSide), h = IntArg(info, 2, op, "height", 1, kMaxSide);
  int c = IntArg(info, 3, op, "channels", 1, 4);
  cv::Mat src = ImageArg(info, 0, w, h, c, op, "src");
  int dw = IntArg(info, 4, op, "dstWidth", 1, kMaxSide), dh = IntArg(info, 5, op, "dstHeight", 1, kMaxSide);
  int interp = IntArg(info, 6, op, "interpolation", 0, 7);
  auto [out, dst] = NewImage(info.Env(), dw, dh, c);
  Guarded(info.Env(), op, [&] { cv::resize(src, dst, dst.size(), 0, 0, interp); });
  return out;
}

/** warpAffine / warpPerspective: (src, width, height, channels, M, dstWidth, dstHeight, borderValue). */
Napi::Value Warp(const Napi::CallbackInfo& info, bool perspective) {
  const std::string op = perspective ? "warpPerspective" : "warpAffine";
  int w = IntArg(info, 1, op, "width", 1, kMaxSide), h = IntArg(info, 2, op, "height", 1, kMaxSide);
  int c = IntArg(info, 3, op, "channels", 1, 4);
  cv::Mat src = ImageArg(info, 0, w, h, c, op, "src");
  size_t entries = perspective ? 9 : 6;
  if (info.Length() <= 4 || !info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[4].As<Napi::Float64Array>().ElementLength() != entries) {
    Fail(info.Env(), op, "M must be a Float64Array of " + std::to_string(entries) + " values (row-major)");
  }
  cv::Mat M(perspective ? 3 : 2, 3, CV_64F, info[4].As<Napi::Float64Array>().Data());
  int dw = IntArg(info, 5, op, "dstWidth", 1, kMaxSide), dh = IntArg(info, 6, op, "dstHeight", 1, kMaxSide);
  double border = NumberArg(info, 7, op, "borderValue");
  auto [out, dst] = NewImage(info.Env(), dw, dh, c);
  Guarded(info.Env(), op, [&] {
    cv::Scalar value = cv::Scalar::all(border);
    if (perspective) {
      cv::warpPerspective(src, dst, M, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, value);
    } else {
      cv::warpAffine(src, dst, M, dst.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, value);
    }
  });
  return out;
}

Napi::Value WarpAffine(const Napi::CallbackInfo& info) { return Warp(info, false); }
Napi::Value WarpPerspective(const Napi::CallbackInfo& info) { return Warp(info, true); }

// cvtColor(src, width, height, code, dst): a 3-channel → 3-channel conversion written into dst (which may be src).
Napi::Value CvtColor3(const Napi::CallbackInfo& info) {
  const std::string op = "cvtColor";
  int w = IntArg(info, 1, op, "width", 1, kMaxSide), h = IntArg(info, 2, op, "height", 1, kMaxSide);
  cv::Mat src = ImageArg(info, 0, w, h, 3, op, "src");
  int code = IntArg(info, 3, op, "code", 0, cv::COLOR_COLORCVT_MAX - 1);
  cv::Mat dst = ImageArg(info, 4, w, h, 3, op, "dst");
  const uchar* target = dst.data;
  Guarded(info.Env(), op, [&] { cv::cvtColor(src, dst, code); });
  if (dst.data != target) Fail(info.Env(), op, "code " + std::to_string(code) + " does not map 3 channels to 3");
  return info.Env().Undefined();
}

// lut(src, width, height, channels, table, dst): cv::LUT with a 256-entry table per channel (table is 256×channels,
// interleaved as OpenCV stores a multi-channel table), written into dst (which may be src).
Napi::Value Lut(const Napi::CallbackInfo& info) {
  const std::string op = "lut";
  int w = IntArg(info, 1, op, "width", 1, kMaxSide), h = IntArg(info, 2, op, "height", 1, kMaxSide);
  int c = IntArg(info, 3, op, "channels", 1, 4);
  cv::Mat src = ImageArg(info, 0, w, h, c, op, "src");
  cv::Mat table = ImageArg(info, 4, 256, 1, c, op, "table");
  cv::Mat dst = ImageArg(info, 5, w, h, c, op, "dst");
  Guarded(info.Env(), op, [&] { cv::LUT(src, table, dst); });
  return info.Env().Undefined();
}

// split(src, width, height, channels, dst, dstOffset): HWC → planar CHW (cv::split), written into dst at dstOffset
// so a batch can be assembled without an intermediate copy.
Napi::Value Split(const Napi::CallbackInfo& info) {
  const std::string op = "split";
  int w = IntArg(info, 1, op, "width", 1, kMaxSide), h = IntArg(info, 2, op, "height", 1, kMaxSide);
  int c = IntArg(info, 3, op, "channels", 1, 4);
  cv::Mat src = ImageArg(info, 0, w, h, c, op, "src");
  Napi::Uint8Array dst = BytesArg(info, 4, op, "dst");
  double offset = NumberArg(info, 5, op, "dstOffset");
  size_t plane = static_cast<size_t>(w) * h;
  if (!(offset >= 0) || offset != static_cast<double>(static_cast<size_t>(offset)) || static_cast<size_t>(offset) + plane * c > dst.ByteLength()) {
    Fail(info.Env(), op, "dst (" + std::to_string(dst.ByteLength()) + " bytes) has no room for " + std::to_string(plane * c) + " bytes at offset " + std::to_string(offset));
  }
  std::vector<cv::Mat> planes;
  for (int k = 0; k < c; k++) planes.emplace_back(h, w, CV_8UC1, dst.Data() + static_cast<size_t>(offset) + k * plane);
  Guarded(info.Env(), op, [&] { cv::split(src, planes); });
  return info.Env().Undefined();
}

// imdecode(bytes, flags) → { data, width, height, channels } (OpenCV's channel order: BGR), or null when OpenCV
// cannot decode the bytes.
Napi::Value Imdecode(const Napi::CallbackInfo& info) {
  const std::string op = "imdecode";
  Napi::Uint8Array bytes = BytesArg(info, 0, op, "bytes");
  int flags = IntArg(info, 1, op, "flags", -1, 1 << 12);
  cv::Mat encoded(1, static_cast<int>(bytes.ByteLength()), CV_8UC1, bytes.Data());
  cv::Mat decoded = Guarded(info.Env(), op, [&] { return cv::imdecode(encoded, flags); });
  if (decoded.empty()) return info.Env().Null();
  if (decoded.depth() != CV_8U) Fail(info.Env(), op, "decoded to a non-8-bit image (pass IMREAD_COLOR)");
  auto [out, dst] = NewImage(info.Env(), decoded.cols, decoded.rows, decoded.channels());
  decoded.copyTo(dst);
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("data", out);
  result.Set("width", decoded.cols);
  result.Set("height", decoded.rows);
  result.Set("channels", decoded.channels());
  return result;
}

// setNumThreads(n): cv::setNumThreads (YOLOv5 sets 0: OpenCV's own threads compete with the loader's workers).
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  cv::setNumThreads(IntArg(info, 0, "setNumThreads", "n", -1, 1024));
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("resize", Napi::Function::New(env, Resize, "resize"));
  exports.Set("warpAffine", Napi::Function::New(env, WarpAffine, "warpAffine"));
  exports.Set("warpPerspective", Napi::Function::New(env, WarpPerspective, "warpPerspective"));
  exports.Set("cvtColor", Napi::Function::New(env, CvtColor3, "cvtColor"));
  exports.Set("lut", Napi::Function::New(env, Lut, "lut"));
  exports.Set("split", Napi::Function::New(env, Split, "split"));
  exports.Set("imdecode", Napi::Function::New(env, Imdecode, "imdecode"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("opencvVersion", Napi::String::New(env, cv::getVersionString()));
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("INTER_LINEAR", static_cast<int>(cv::INTER_LINEAR));
  constants.Set("INTER_AREA", static_cast<int>(cv::INTER_AREA));
  constants.Set("COLOR_BGR2RGB", static_cast<int>(cv::COLOR_BGR2RGB));
  constants.Set("COLOR_RGB2HSV", static_cast<int>(cv::COLOR_RGB2HSV));
  constants.Set("COLOR_HSV2RGB", static_cast<int>(cv::COLOR_HSV2RGB));
  constants.Set("IMREAD_COLOR", static_cast<int>(cv::IMREAD_COLOR));
  exports.Set("constants", constants);
  return exports;
}

}  // namespace

NODE_API_MODULE(tsyolo_image, Init)
