// A TfLiteModel over a private copy of the file's bytes (TFLite does not copy them, and a JS Buffer may move or be
// reused by its owner).
#pragma once

#include <napi.h>

#include <vector>

#include "tflite_api.h"

namespace edgepipe {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

  const TfLiteModel* get() const { return model_; }

 private:
  std::vector<uint8_t> bytes_;
  TfLiteModel* model_ = nullptr;
};

}  // namespace edgepipe
