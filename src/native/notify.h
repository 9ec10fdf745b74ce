#pragma once

#include <napi.h>

namespace edgepipe {

Napi::Value NotifySocket(const Napi::CallbackInfo& info);
Napi::Value NotifyOpen(const Napi::CallbackInfo& info);
Napi::Value NotifySend(const Napi::CallbackInfo& info);
Napi::Value NotifyClose(const Napi::CallbackInfo& info);

}  // namespace edgepipe
