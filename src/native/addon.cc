// Registration of the edgepipe TFLite addon. Everything here is validated by the TypeScript layer
// (src/runtime) before it reaches native code.
#include <napi.h>

#include "addon.h"
#include "interpreter.h"
#include "model.h"
#include "notify.h"
#include "tflite_api.h"

namespace edgepipe {
namespace {

// loadLibrary(path) -> {path, version}; throws ERR_TFLITE_LOAD naming the path or the missing symbol.
Napi::Value LoadLibrary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  std::string error;
  const LoadedLibrary* lib = LoadTfLite(path, &error);
  if (lib == nullptr) throw CodedError(env, "ERR_TFLITE_LOAD", error);
  Napi::Object out = Napi::Object::New(env);
  out.Set("path", lib->path);
  out.Set("version", lib->version);
  out.Set("hasXnnpack", lib->api.XnnpackCreate != nullptr);
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function model = ModelWrap::Define(env);
  Napi::Function interpreter = InterpreterWrap::Define(env);
  data->model_constructor = Napi::Persistent(model);
  data->interpreter_constructor = Napi::Persistent(interpreter);
  env.SetInstanceData<AddonData>(data);
  exports.Set("loadLibrary", Napi::Function::New<LoadLibrary>(env, "loadLibrary"));
  exports.Set("createInterpreter", Napi::Function::New<InterpreterWrap::Create>(env, "createInterpreter"));
  exports.Set("notifySocket", Napi::Function::New<NotifySocket>(env, "notifySocket"));
  exports.Set("notifyOpen", Napi::Function::New<NotifyOpen>(env, "notifyOpen"));
  exports.Set("notifySend", Napi::Function::New<NotifySend>(env, "notifySend"));
  exports.Set("notifyClose", Napi::Function::New<NotifyClose>(env, "notifyClose"));
  exports.Set("Model", model);
  exports.Set("Interpreter", interpreter);
  return exports;
}

}  // namespace edgepipe

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return edgepipe::Init(env, exports); }

NODE_API_MODULE(edgepipe_tflite, InitAddon)
