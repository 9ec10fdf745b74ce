#include "tflite_api.h"

#include <dlfcn.h>

#include <memory>
#include <mutex>

namespace edgepipe {
namespace {

std::mutex load_mutex;
std::unique_ptr<LoadedLibrary> loaded;

template <typename Fn>
bool Resolve(void* handle, const char* symbol, Fn* out, bool required, std::string* missing) {
  *out = reinterpret_cast<Fn>(dlsym(handle, symbol));
  if (*out == nullptr && required && missing->empty()) *missing = symbol;
  return *out != nullptr || !required;
}

}  // namespace

const LoadedLibrary* LoadedTfLite() {
  std::lock_guard<std::mutex> lock(load_mutex);
  return loaded.get();
}

const LoadedLibrary* LoadTfLite(const std::string& path, std::string* error) {
  std::lock_guard<std::mutex> lock(load_mutex);
  if (loaded) {
    if (loaded->path == path) return loaded.get();
    *error = "TensorFlow Lite is already loaded from " + loaded->path + "; a process can use one library only (asked for " +
             path + ")";
    return nullptr;
  }
  // RTLD_LOCAL keeps TFLite's C++ symbols from colliding with a delegate plugin that carries its own copy.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    *error = std::string("cannot load TensorFlow Lite library ") + path + ": " + (reason ? reason : "unknown dlopen error");
    return nullptr;
  }
  auto lib = std::make_unique<LoadedLibrary>();
  TfLiteApi& api = lib->api;
  std::string missing;
  Resolve(handle, "TfLiteVersion", &api.Version, true, &missing);
  Resolve(handle, "TfLiteModelCreate", &api.ModelCreate, true, &missing);
  Resolve(handle, "TfLiteModelDelete", &api.ModelDelete, true, &missing);
  Resolve(handle, "TfLiteInterpreterOptionsCreate", &api.OptionsCreate, true, &missing);
  Resolve(handle, "TfLiteInterpreterOptionsDelete", &api.OptionsDelete, true, &missing);
  Resolve(handle, "TfLiteInterpreterOptionsSetNumThreads", &api.OptionsSetNumThreads, true, &missing);
  Resolve(handle, "TfLiteInterpreterOptionsAddDelegate", &api.OptionsAddDelegate, true, &missing);
  Resolve(handle, "TfLiteInterpreterOptionsSetErrorReporter", &api.OptionsSetErrorReporter, true, &missing);
  Resolve(handle, "TfLiteInterpreterCreate", &api.InterpreterCreate, true, &missing);
  Resolve(handle, "TfLiteInterpreterDelete", &api.InterpreterDelete, true, &missing);
  Resolve(handle, "TfLiteInterpreterGetInputTensorCount", &api.GetInputTensorCount, true, &missing);
  Resolve(handle, "TfLiteInterpreterGetOutputTensorCount", &api.GetOutputTensorCount, true, &missing);
  Resolve(handle, "TfLiteInterpreterGetInputTensor", &api.GetInputTensor, true, &missing);
  Resolve(handle, "TfLiteInterpreterGetOutputTensor", &api.GetOutputTensor, true, &missing);
  Resolve(handle, "TfLiteInterpreterAllocateTensors", &api.AllocateTensors, true, &missing);
  Resolve(handle, "TfLiteInterpreterInvoke", &api.Invoke, true, &missing);
  Resolve(handle, "TfLiteTensorType", &api.TensorType, true, &missing);
  Resolve(handle, "TfLiteTensorNumDims", &api.TensorNumDims, true, &missing);
  Resolve(handle, "TfLiteTensorDim", &api.TensorDim, true, &missing);
  Resolve(handle, "TfLiteTensorByteSize", &api.TensorByteSize, true, &missing);
  Resolve(handle, "TfLiteTensorData", &api.TensorData, true, &missing);
  Resolve(handle, "TfLiteTensorName", &api.TensorName, true, &missing);
  Resolve(handle, "TfLiteTensorQuantizationParams", &api.TensorQuantizationParams, true, &missing);
  Resolve(handle, "TfLiteXNNPackDelegateCreate", &api.XnnpackCreate, false, &missing);
  Resolve(handle, "TfLiteXNNPackDelegateDelete", &api.XnnpackDelete, false, &missing);
  if (!missing.empty()) {
    dlclose(handle);
    *error = "TensorFlow Lite library " + path + " lacks the symbol " + missing +
             " (is it the C API library, libtensorflowlite_c.so, of version 2.x?)";
    return nullptr;
  }
  lib->path = path;
  lib->version = api.Version();
  loaded = std::move(lib);
  return loaded.get();
}

}  // namespace edgepipe
