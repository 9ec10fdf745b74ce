#pragma once

#include <napi.h>

namespace edgepipe {

// Per-environment state: constructors for the wrapped classes (worker threads may host their own addon instance).
struct AddonData {
  Napi::FunctionReference model_constructor;
  Napi::FunctionReference interpreter_constructor;
};

// Error whose `code` property lets the TypeScript layer tell failure kinds apart without parsing text.
inline Napi::Error CodedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

}  // namespace edgepipe
