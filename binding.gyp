# The addon does not link TensorFlow Lite: it dlopens the C API at run time so that a board's vendor build can
# replace the library shipped in tfjs-tflite-node. Only the headers are needed at build time: tfjs-tflite-node's in a
# checkout, the copy in tflite/include in an installed package (scripts/vendor-tflite.mjs).
{
  "variables": {
    # 1 for the prebuilt binaries shipped in prebuilds/ (scripts/build-prebuilds.sh): glibc >= 2.28, no libstdc++
    # from the build machine. A board's own build (npm run build:addon) leaves it at 0.
    "edgepipe_portable%": 0
  },
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
        "<!(node -p \"var p = require('path'); require('fs').existsSync('tflite/include') ? p.resolve('tflite/include') : p.join(p.dirname(require.resolve('tfjs-tflite-node/package.json')), 'cc_deps', 'include')\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-ldl"],
      "conditions": [
        ["edgepipe_portable==1", {
          # glibc >= 2.28 and no libstdc++ of the build machine: src/native/glibc_compat.cc says how. libstdc++ is
          # linked in with its symbols kept private to the addon (Node's process may hold another libstdc++: neither
          # may bind to the other's); libgcc_s stays shared (every glibc system has it; the static unwinder of GCC 12
          # needs glibc 2.35's _dl_find_object).
          "sources": ["src/native/glibc_compat.cc"],
          "ldflags": ["-static-libstdc++", "-Wl,--exclude-libs,ALL", "-Wl,--wrap=dlopen", "-Wl,--wrap=dlsym", "-Wl,--wrap=dlerror", "-Wl,--wrap=dlclose", "-Wl,--wrap=pthread_create", "-Wl,--wrap=pthread_join", "-Wl,--wrap=pthread_detach", "-Wl,--wrap=pthread_once", "-Wl,--wrap=pthread_key_create", "-Wl,--wrap=__pthread_key_create", "-Wl,--wrap=pthread_key_delete", "-Wl,--wrap=pthread_getspecific", "-Wl,--wrap=pthread_setspecific", "-Wl,--wrap=arc4random"],
          "libraries": ["-Wl,--no-as-needed", "-l:libdl.so.2", "-l:libpthread.so.0", "-Wl,--as-needed"]
        }]
      ]
    }
  ]
}
