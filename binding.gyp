# The addon does not link TensorFlow Lite: it dlopens the C API at run time so that a board's vendor build can
# replace the library shipped in tfjs-tflite-node. Only the headers are needed at build time.
{
  "targets": [
    {
      "target_name": "edgepipe_tflite",
      "sources": [
        "src/native/addon.cc",
        "src/native/tflite_api.cc",
        "src/native/delegate.cc",
        "src/native/model.cc",
        "src/native/interpreter.cc",
        "src/native/tensor_info.cc",
        "src/native/invoke_thread.cc",
        "src/native/notify.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('tfjs-tflite-node/package.json')), 'cc_deps', 'include')\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl"]
    }
  ]
}
