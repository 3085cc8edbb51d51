{
  "targets": [
    {
      "target_name": "tsyolo_native",
      "sources": ["src/addon.cc", "src/bindings.generated.cc", "src/tensor_ops.cc", "src/distributed_ops.cc", "src/allocator_ops.cc", "src/fused_ops.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node ../scripts/find-libtorch.mjs include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node ../scripts/find-libtorch.mjs defines)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-fopenmp", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "ldflags": ["-fopenmp"],
      "libraries": ["<!@(node ../scripts/find-libtorch.mjs libs)"]
    }
  ]
}
