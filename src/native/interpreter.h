// An interpreter with its own delegate, error log and zero-copy tensor views; invokes run off the JS thread.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "delegate.h"
#include "tflite_api.h"

namespace edgepipe {

// TFLite's error reporter text, captured per interpreter and bounded so a chatty failure cannot grow memory.
struct ErrorLog {
  static constexpr size_t kMaxBytes = 16 * 1024;
  std::string text;
  static void Report(void* user_data, const char* format, va_list args);
};

// Everything native an interpreter owns. Destruction order matters: the interpreter before its delegate.
struct NativeInterpreter {
  const TfLiteApi* api = nullptr;
  std::unique_ptr<ErrorLog> log = std::make_unique<ErrorLog>();
  std::unique_ptr<OwnedDelegate> delegate;
  TfLiteInterpreter* interpreter = nullptr;
  ~NativeInterpreter();
};

class InvokeThread;

class InterpreterWrap : public Napi::ObjectWrap<InterpreterWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit InterpreterWrap(const Napi::CallbackInfo& info);
  ~InterpreterWrap() override;

  // createInterpreter(model, options) -> Promise<Interpreter>; see interpreter.cc for the options.
  static Napi::Value Create(const Napi::CallbackInfo& info);


 private:
  struct View {
    Napi::Reference<Napi::ArrayBuffer> buffer;
    void* data = nullptr;
    size_t bytes = 0;
  };

  Napi::Value Inputs(const Napi::CallbackInfo& info);
  Napi::Value Outputs(const Napi::CallbackInfo& info);
  Napi::Value InputBuffer(const Napi::CallbackInfo& info);
  Napi::Value OutputBuffer(const Napi::CallbackInfo& info);
  Napi::Value Invoke(const Napi::CallbackInfo& info);
  Napi::Value DelegateUsageJs(const Napi::CallbackInfo& info);
  Napi::Value ErrorLogJs(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  void CheckUsable(Napi::Env env) const;
  NativeInterpreter* native() const;
  void InvokeFinished(Napi::Env env);
  Napi::Value ViewOf(Napi::Env env, std::vector<View>& cache, const TfLiteTensor* tensor, size_t index);
  void DetachAll(std::vector<View>& cache);
  void Release();

  std::unique_ptr<InvokeThread> invoker_;  // owns the NativeInterpreter
  Napi::ObjectReference model_ref_;
  Napi::ObjectReference self_ref_;  // held while an invoke runs, so the wrapper outlives it
  std::vector<View> input_views_;
  std::vector<View> output_views_;
  bool busy_ = false;
  bool dispose_pending_ = false;
};

}  // namespace edgepipe
