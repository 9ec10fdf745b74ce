// The TensorFlow Lite C API, resolved with dlopen at run time.
//
// Why not link: boards with NPUs ship their own TFLite builds whose delegates must match the runtime they were
// built against; edgepipe uses the library a deployment names, defaulting to the one in tfjs-tflite-node.
#pragma once

#include <cstdarg>
#include <string>

#include "tensorflow/lite/c/c_api.h"
#include "tensorflow/lite/c/common.h"

namespace edgepipe {

// XNNPACK's options as laid out in TFLite 2.9 (no header ships with the library). Later versions append fields,
// so callers pass a zero-padded block (see XnnpackOptionsBlock) rather than this struct alone.
struct XnnpackOptions29 {
  int32_t num_threads;
  uint32_t flags;
};

struct TfLiteApi {
  const char* (*Version)();
  TfLiteModel* (*ModelCreate)(const void*, size_t);
  void (*ModelDelete)(TfLiteModel*);
  TfLiteInterpreterOptions* (*OptionsCreate)();
  void (*OptionsDelete)(TfLiteInterpreterOptions*);
  void (*OptionsSetNumThreads)(TfLiteInterpreterOptions*, int32_t);
  void (*OptionsAddDelegate)(TfLiteInterpreterOptions*, TfLiteDelegate*);
  void (*OptionsSetErrorReporter)(TfLiteInterpreterOptions*, void (*)(void*, const char*, va_list), void*);
  TfLiteInterpreter* (*InterpreterCreate)(const TfLiteModel*, const TfLiteInterpreterOptions*);
  void (*InterpreterDelete)(TfLiteInterpreter*);
  int32_t (*GetInputTensorCount)(const TfLiteInterpreter*);
  int32_t (*GetOutputTensorCount)(const TfLiteInterpreter*);
  TfLiteTensor* (*GetInputTensor)(const TfLiteInterpreter*, int32_t);
  const TfLiteTensor* (*GetOutputTensor)(const TfLiteInterpreter*, int32_t);
  TfLiteStatus (*AllocateTensors)(TfLiteInterpreter*);
  TfLiteStatus (*Invoke)(TfLiteInterpreter*);
  TfLiteType (*TensorType)(const TfLiteTensor*);
  int32_t (*TensorNumDims)(const TfLiteTensor*);
  int32_t (*TensorDim)(const TfLiteTensor*, int32_t);
  size_t (*TensorByteSize)(const TfLiteTensor*);
  void* (*TensorData)(const TfLiteTensor*);
  const char* (*TensorName)(const TfLiteTensor*);
  TfLiteQuantizationParams (*TensorQuantizationParams)(const TfLiteTensor*);
  // Optional: present in the stock 2.9 build, absent from some vendor builds. Null when missing.
  TfLiteDelegate* (*XnnpackCreate)(const void* options);
  void (*XnnpackDelete)(TfLiteDelegate*);
};

struct LoadedLibrary {
  std::string path;
  std::string version;
  TfLiteApi api;
};

// Loads the library once per process. A second call with another path fails: two TFLite runtimes in one process
// would each own half of the delegates. Returns null and sets *error when loading or a required symbol fails.
const LoadedLibrary* LoadTfLite(const std::string& path, std::string* error);

// The library loaded by LoadTfLite, or null.
const LoadedLibrary* LoadedTfLite();

}  // namespace edgepipe
