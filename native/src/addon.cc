// tsyolo's native engine: a thin, generic bridge from Node to libtorch (ATen + autograd). Nothing here knows about
// YOLO. The exports are declared in native/ops.ts; bindings.generated.cc registers them, *_ops.cc hold the bodies.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "handles.h"

namespace tsyolo {

HandleTable& Handles() {
  static HandleTable table;
  return table;
}

void RegisterOps(Napi::Env env, Napi::Object exports);

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
  RegisterOps(env, exports);
  return exports;
}

}  // namespace tsyolo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tsyolo::Init(env, exports); }
NODE_API_MODULE(tsyolo_native, InitModule)
