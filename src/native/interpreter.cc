#include "interpreter.h"

#include <cstdio>
#include <string>

#include "addon.h"
#include "invoke_thread.h"
#include "model.h"
#include "tensor_info.h"

namespace edgepipe {

void ErrorLog::Report(void* user_data, const char* format, va_list args) {
  auto* log = static_cast<ErrorLog*>(user_data);
  if (log->text.size() >= kMaxBytes) return;
  char line[1024];
  vsnprintf(line, sizeof(line), format, args);
  if (!log->text.empty()) log->text += "\n";
  log->text += line;
  if (log->text.size() > kMaxBytes) log->text.resize(kMaxBytes);
}

NativeInterpreter::~NativeInterpreter() {
  if (interpreter != nullptr) api->InterpreterDelete(interpreter);
  delegate.reset();
}

namespace {

// Runs delegate creation, interpreter creation, the tensor size check and allocation off the JS thread.
class CreateWorker : public Napi::AsyncWorker {
 public:
  CreateWorker(Napi::Env env, Napi::Object model, const TfLiteModel* tflite_model, int threads,
               double max_tensor_bytes, std::unique_ptr<DelegateSpec> spec)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        model_tflite_(tflite_model),
        threads_(threads),
        max_tensor_bytes_(max_tensor_bytes),
        spec_(std::move(spec)) {
    model_ref_ = Napi::Persistent(model);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    native_ = std::make_unique<NativeInterpreter>();
    native_->api = &LoadedTfLite()->api;
    const TfLiteApi& api = *native_->api;
    if (spec_) {
      std::string error;
      native_->delegate = OwnedDelegate::Create(api, *spec_, &error);
      if (!native_->delegate) return Fail("ERR_DELEGATE_CREATE", error);
    }
    TfLiteInterpreterOptions* options = api.OptionsCreate();
    api.OptionsSetNumThreads(options, threads_);
    api.OptionsSetErrorReporter(options, &ErrorLog::Report, native_->log.get());
    if (native_->delegate) api.OptionsAddDelegate(options, native_->delegate->get());
    native_->interpreter = api.InterpreterCreate(model_tflite_, options);
    api.OptionsDelete(options);
    if (native_->interpreter == nullptr) {
      return Fail(spec_ ? "ERR_DELEGATE_PREPARE" : "ERR_INTERPRETER_CREATE", LogOr("TfLiteInterpreterCreate failed"));
    }
    if (!CheckTensorsExist() || !CheckTensorSizes()) return;
    if (api.AllocateTensors(native_->interpreter) != kTfLiteOk) {
      return Fail("ERR_ALLOCATE", LogOr("TfLiteInterpreterAllocateTensors failed"));
    }
  }

  // A C++ exception from TFLite (std::bad_alloc in AllocateTensors on a huge tensor) lands here: reject
  // instead of leaving the promise pending forever.
  void OnError(const Napi::Error& error) override {
    native_.reset();
    deferred_.Reject(CodedError(Env(), "ERR_ALLOCATE", "C++ exception while creating the interpreter: " + error.Message()).Value());
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!code_.empty()) {
      Napi::Error error = CodedError(env, code_, message_);
      error.Set("log", Napi::String::New(env, native_ ? native_->log->text : std::string()));
      native_.reset();
      deferred_.Reject(error.Value());
      return;
    }
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object wrapper = data->interpreter_constructor.New(
        {model_ref_.Value(), Napi::External<NativeInterpreter>::New(env, native_.release())});
    deferred_.Resolve(wrapper);
  }

 private:
  void Fail(const char* code, const std::string& message) {
    code_ = code;
    message_ = message;
  }

  std::string LogOr(const char* fallback) const {
    return native_->log->text.empty() ? std::string(fallback) : native_->log->text;
  }

  // A corrupted subgraph input/output index (-1) yields null tensors, which every later call would dereference.
  bool CheckTensorsExist() {
    const TfLiteApi& api = *native_->api;
    for (int32_t i = 0; i < api.GetInputTensorCount(native_->interpreter); ++i) {
      if (api.GetInputTensor(native_->interpreter, i) == nullptr) {
        Fail("ERR_INTERPRETER_CREATE", "subgraph input " + std::to_string(i) + " does not name a valid tensor");
        return false;
      }
    }
    for (int32_t i = 0; i < api.GetOutputTensorCount(native_->interpreter); ++i) {
      if (api.GetOutputTensor(native_->interpreter, i) == nullptr) {
        Fail("ERR_INTERPRETER_CREATE", "subgraph output " + std::to_string(i) + " does not name a valid tensor");
        return false;
      }
    }
    return true;
  }

  // Dimensions are known before allocation: a corrupted dimension (2^28) would otherwise allocate gigabytes.
  bool CheckTensorSizes() {
    const TfLiteApi& api = *native_->api;
    if (max_tensor_bytes_ <= 0) return true;
    auto check = [&](const TfLiteTensor* tensor, const char* role, int index) {
      double elements = 1;
      for (int32_t d = 0; d < api.TensorNumDims(tensor); ++d) elements *= api.TensorDim(tensor, d);
      double bytes = elements * static_cast<double>(ElementBytes(api.TensorType(tensor)));
      if (bytes <= max_tensor_bytes_) return true;
      char text[256];
      snprintf(text, sizeof(text), "%s %d (%s) would need %.0f bytes, more than the limit of %.0f", role, index,
               api.TensorName(tensor) ? api.TensorName(tensor) : "", bytes, max_tensor_bytes_);
      Fail("ERR_TENSOR_TOO_LARGE", text);
      return false;
    };
    for (int32_t i = 0; i < api.GetInputTensorCount(native_->interpreter); ++i) {
      if (!check(api.GetInputTensor(native_->interpreter, i), "input", i)) return false;
    }
    for (int32_t i = 0; i < api.GetOutputTensorCount(native_->interpreter); ++i) {
      if (!check(api.GetOutputTensor(native_->interpreter, i), "output", i)) return false;
    }
    return true;
  }

  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference model_ref_;
  const TfLiteModel* model_tflite_;
  int threads_;
  double max_tensor_bytes_;
  std::unique_ptr<DelegateSpec> spec_;
  std::unique_ptr<NativeInterpreter> native_;
  std::string code_;
  std::string message_;
};

std::unique_ptr<DelegateSpec> ReadDelegateSpec(Napi::Object js) {
  auto spec = std::make_unique<DelegateSpec>();
  std::string kind = js.Get("kind").As<Napi::String>();
  spec->name = js.Get("name").As<Napi::String>();
  if (kind == "xnnpack") {
    spec->kind = DelegateSpec::Kind::kXnnpack;
    spec->xnnpack_threads = js.Get("threads").As<Napi::Number>().Int32Value();
    spec->xnnpack_flags = js.Get("flags").As<Napi::Number>().Uint32Value();
  } else {
    spec->kind = kind == "gpu-v2" ? DelegateSpec::Kind::kGpuV2 : DelegateSpec::Kind::kPlugin;
    spec->plugin_library = js.Get("library").As<Napi::String>();
    Napi::Array options = js.Get("options").As<Napi::Array>();
    for (uint32_t i = 0; i < options.Length(); ++i) {
      Napi::Array pair = options.Get(i).As<Napi::Array>();
      spec->plugin_options.emplace_back(pair.Get(0u).As<Napi::String>(), pair.Get(1u).As<Napi::String>());
    }
  }
  return spec;
}

}  // namespace

// createInterpreter(model: Model, options: {threads, maxTensorBytes, delegate?: {kind: 'xnnpack', name, threads,
// flags} | {kind: 'plugin', name, library, options: [key, value][]}}) -> Promise<Interpreter>.
// Options arrive validated and defaulted from TypeScript.
Napi::Value InterpreterWrap::Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (LoadedTfLite() == nullptr) throw CodedError(env, "ERR_TFLITE_NOT_LOADED", "TensorFlow Lite library is not loaded");
  Napi::Object model_js = info[0].As<Napi::Object>();
  ModelWrap* model = ModelWrap::Unwrap(model_js);
  Napi::Object options = info[1].As<Napi::Object>();
  int threads = options.Get("threads").As<Napi::Number>().Int32Value();
  double max_bytes = options.Get("maxTensorBytes").As<Napi::Number>().DoubleValue();
  std::unique_ptr<DelegateSpec> spec;
  Napi::Value delegate = options.Get("delegate");
  if (delegate.IsObject()) spec = ReadDelegateSpec(delegate.As<Napi::Object>());
  auto* worker = new CreateWorker(env, model_js, model->get(), threads, max_bytes, std::move(spec));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Function InterpreterWrap::Define(Napi::Env env) {
  return DefineClass(env, "Interpreter",
                     {
                         InstanceMethod<&InterpreterWrap::Inputs>("inputs"),
                         InstanceMethod<&InterpreterWrap::Outputs>("outputs"),
                         InstanceMethod<&InterpreterWrap::InputBuffer>("inputBuffer"),
                         InstanceMethod<&InterpreterWrap::OutputBuffer>("outputBuffer"),
                         InstanceMethod<&InterpreterWrap::Invoke>("invoke"),
                         InstanceMethod<&InterpreterWrap::DelegateUsageJs>("delegateUsage"),
                         InstanceMethod<&InterpreterWrap::ErrorLogJs>("errorLog"),
                         InstanceMethod<&InterpreterWrap::Dispose>("dispose"),
                     });
}

// Constructed only by CreateWorker: new Interpreter(model, External<NativeInterpreter>).
InterpreterWrap::InterpreterWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<InterpreterWrap>(info) {
  if (info.Length() != 2 || !info[1].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "Interpreter objects come from createInterpreter()");
  }
  model_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
  std::unique_ptr<NativeInterpreter> native(info[1].As<Napi::External<NativeInterpreter>>().Data());
  const TfLiteApi& api = *native->api;
  input_views_.resize(api.GetInputTensorCount(native->interpreter));
  output_views_.resize(api.GetOutputTensorCount(native->interpreter));
  invoker_ = std::make_unique<InvokeThread>(info.Env(), std::move(native));
}

InterpreterWrap::~InterpreterWrap() { Release(); }

void InterpreterWrap::Release() {
  DetachAll(input_views_);
  DetachAll(output_views_);
  invoker_.reset();
  if (!model_ref_.IsEmpty()) model_ref_.Reset();
}

NativeInterpreter* InterpreterWrap::native() const { return invoker_->native(); }

void InterpreterWrap::CheckUsable(Napi::Env env) const {
  if (!invoker_ || dispose_pending_) throw CodedError(env, "ERR_DISPOSED", "the interpreter has been disposed");
}

Napi::Value InterpreterWrap::Inputs(const Napi::CallbackInfo& info) {
  CheckUsable(info.Env());
  const TfLiteApi& api = *native()->api;
  Napi::Array list = Napi::Array::New(info.Env(), input_views_.size());
  for (size_t i = 0; i < input_views_.size(); ++i) {
    list.Set(i, DescribeTensor(info.Env(), api, api.GetInputTensor(native()->interpreter, i), i));
  }
  return list;
}

Napi::Value InterpreterWrap::Outputs(const Napi::CallbackInfo& info) {
  CheckUsable(info.Env());
  const TfLiteApi& api = *native()->api;
  Napi::Array list = Napi::Array::New(info.Env(), output_views_.size());
  for (size_t i = 0; i < output_views_.size(); ++i) {
    list.Set(i, DescribeTensor(info.Env(), api, api.GetOutputTensor(native()->interpreter, i), i));
  }
  return list;
}

// An ArrayBuffer over the tensor's own memory (no copy). It is detached when the interpreter is disposed or
// when TFLite moves the tensor, so a stale view reads as empty instead of freed memory.
Napi::Value InterpreterWrap::ViewOf(Napi::Env env, std::vector<View>& cache, const TfLiteTensor* tensor,
                                    size_t index) {
  View& view = cache[index];
  void* data = native()->api->TensorData(tensor);
  size_t bytes = native()->api->TensorByteSize(tensor);
  if (!view.buffer.IsEmpty() && (view.data != data || view.bytes != bytes)) {
    view.buffer.Value().Detach();
    view.buffer.Reset();
  }
  if (view.buffer.IsEmpty()) {
    if (data == nullptr) throw CodedError(env, "ERR_TENSOR_UNALLOCATED", "tensor has no data (not allocated)");
    view.buffer = Napi::Persistent(Napi::ArrayBuffer::New(env, data, bytes));
    view.data = data;
    view.bytes = bytes;
  }
  return view.buffer.Value();
}

void InterpreterWrap::DetachAll(std::vector<View>& cache) {
  for (View& view : cache) {
    if (view.buffer.IsEmpty()) continue;
    view.buffer.Value().Detach();
    view.buffer.Reset();
  }
}

Napi::Value InterpreterWrap::InputBuffer(const Napi::CallbackInfo& info) {
  CheckUsable(info.Env());
  uint32_t index = info[0].As<Napi::Number>().Uint32Value();
  if (index >= input_views_.size()) throw Napi::RangeError::New(info.Env(), "input index out of range");
  return ViewOf(info.Env(), input_views_, native()->api->GetInputTensor(native()->interpreter, index), index);
}

Napi::Value InterpreterWrap::OutputBuffer(const Napi::CallbackInfo& info) {
  CheckUsable(info.Env());
  uint32_t index = info[0].As<Napi::Number>().Uint32Value();
  if (index >= output_views_.size()) throw Napi::RangeError::New(info.Env(), "output index out of range");
  return ViewOf(info.Env(), output_views_, native()->api->GetOutputTensor(native()->interpreter, index), index);
}

Napi::Value InterpreterWrap::Invoke(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckUsable(env);
  if (busy_) {
    throw CodedError(env, "ERR_BUSY", "an invoke is already running on this interpreter (one at a time)");
  }
  busy_ = true;
  self_ref_ = Napi::Persistent(Value());
  auto deferred = std::make_shared<Napi::Promise::Deferred>(Napi::Promise::Deferred::New(env));
  invoker_->Start(env, [this, deferred](Napi::Env env, bool ok, const std::string& error) {
    InvokeFinished(env);
    if (ok) {
      deferred->Resolve(env.Undefined());
    } else {
      deferred->Reject(CodedError(env, "ERR_TFLITE_INVOKE", error).Value());
    }
  });
  return deferred->Promise();
}

void InterpreterWrap::InvokeFinished(Napi::Env env) {
  busy_ = false;
  self_ref_.Reset();
  if (dispose_pending_) {
    Release();
    return;
  }
  // Dynamic-shaped outputs may be reallocated by Invoke: drop views whose memory moved.
  const TfLiteApi& api = *native()->api;
  for (size_t i = 0; i < output_views_.size(); ++i) {
    View& view = output_views_[i];
    if (view.buffer.IsEmpty()) continue;
    const TfLiteTensor* tensor = api.GetOutputTensor(native()->interpreter, i);
    if (api.TensorData(tensor) != view.data || api.TensorByteSize(tensor) != view.bytes) {
      view.buffer.Value().Detach();
      view.buffer.Reset();
    }
  }
}

Napi::Value InterpreterWrap::DelegateUsageJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckUsable(env);
  if (!native()->delegate) return env.Null();
  DelegateUsage usage = native()->delegate->Usage();
  Napi::Object out = Napi::Object::New(env);
  out.Set("nodes", usage.nodes);
  out.Set("partitions", usage.partitions);
  out.Set("totalNodes", usage.total_nodes);
  return out;
}

Napi::Value InterpreterWrap::ErrorLogJs(const Napi::CallbackInfo& info) {
  CheckUsable(info.Env());
  return Napi::String::New(info.Env(), native()->log->text);
}

// Frees the interpreter now, or as soon as a running invoke ends. A running invoke no longer keeps the process
// alive: a delegate hung in Invoke can be abandoned this way.
Napi::Value InterpreterWrap::Dispose(const Napi::CallbackInfo& info) {
  if (busy_) {
    dispose_pending_ = true;
    invoker_->Unref(info.Env());
  } else if (invoker_) {
    Release();
  }
  return info.Env().Undefined();
}

}  // namespace edgepipe
