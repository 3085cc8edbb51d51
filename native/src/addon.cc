// tsyolo's native engine: a thin, generic bridge from Node to libtorch (ATen + autograd). Nothing here knows about
// YOLO. The exports are declared in native/ops.ts; bindings.generated.cc registers them, *_ops.cc hold the bodies.
#include <napi.h>

#include "handles.h"

namespace tsyolo {

HandleTable& Handles() {
  static HandleTable table;
  return table;
}

void RegisterOps(Napi::Env env, Napi::Object exports);

// glibc malloc settings for tensor-sized blocks (allocator_ops.cc).
void TuneAllocator();

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneAllocator();
  RegisterOps(env, exports);
  return exports;
}

}  // namespace tsyolo

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tsyolo::Init(env, exports); }
NODE_API_MODULE(tsyolo_native, InitModule)
