#include "model.h"

#include "addon.h"

namespace edgepipe {

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "Model", {});
}

// new Model(bytes: Uint8Array). Validated in TypeScript; the library must already be loaded.
ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  const LoadedLibrary* lib = LoadedTfLite();
  if (lib == nullptr) throw CodedError(env, "ERR_TFLITE_NOT_LOADED", "TensorFlow Lite library is not loaded");
  if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "Model expects a Uint8Array");
  Napi::Uint8Array data = info[0].As<Napi::Uint8Array>();
  bytes_.assign(data.Data(), data.Data() + data.ByteLength());
  // TfLiteModelCreate runs the flatbuffer verifier, which rejects truncation and bad offsets.
  model_ = lib->api.ModelCreate(bytes_.data(), bytes_.size());
  if (model_ == nullptr) {
    throw CodedError(env, "ERR_TFLITE_MODEL", "TensorFlow Lite rejected the model (flatbuffer verification failed)");
  }
}

ModelWrap::~ModelWrap() {
  if (model_ != nullptr) LoadedTfLite()->api.ModelDelete(model_);
}

}  // namespace edgepipe
