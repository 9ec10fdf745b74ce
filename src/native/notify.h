#pragma once

#include <napi.h>

namespace edgepipe {

Napi::Value NotifySocket(const Napi::CallbackInfo& info);

}  // namespace edgepipe
