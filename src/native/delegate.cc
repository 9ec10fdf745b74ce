#include "delegate.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace edgepipe {

using ReplaceFn = TfLiteStatus (*)(TfLiteContext*, TfLiteRegistration, const TfLiteIntArray*, TfLiteDelegate*);
using PluginCreateFn = TfLiteDelegate* (*)(char**, char**, size_t, void (*)(const char*));
using PluginDestroyFn = void (*)(TfLiteDelegate*);

namespace {

std::mutex registry_mutex;
std::unordered_map<const TfLiteDelegate*, OwnedDelegate*> registry;

// Prepare runs on the thread that creates the interpreter; the saved pointer is per thread so that two
// interpreters created at once on two workers do not see each other's context.
thread_local ReplaceFn original_replace = nullptr;

// External-delegate plugins report creation errors through a callback without user data.
thread_local std::string plugin_error;
void CollectPluginError(const char* message) {
  if (!plugin_error.empty()) plugin_error += "; ";
  plugin_error += message ? message : "(null)";
}

OwnedDelegate* Lookup(const TfLiteDelegate* delegate) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry.find(delegate);
  return it == registry.end() ? nullptr : it->second;
}

// Plugins stay loaded for the life of the process: several vendor delegates start threads that outlive
// their destroy call and crash when their code is unmapped.
void* OpenPlugin(const std::string& path, std::string* error) {
  static std::mutex mutex;
  static std::unordered_map<std::string, void*> handles;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = handles.find(path);
  if (it != handles.end()) return it->second;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    *error = std::string("cannot load delegate library ") + path + ": " + (reason ? reason : "unknown dlopen error");
    return nullptr;
  }
  handles[path] = handle;
  return handle;
}

// TfLiteGpuDelegateOptionsV2 as laid out in TFLite 2.x (tensorflow/lite/delegates/gpu/delegate.h).
struct GpuOptionsV2 {
  int32_t is_precision_loss_allowed;
  int32_t inference_preference;
  int32_t inference_priority1;
  int32_t inference_priority2;
  int32_t inference_priority3;
  int64_t experimental_flags;
  int32_t max_delegated_partitions;
  const char* serialization_dir;
  const char* model_token;
};
using GpuDefaultFn = GpuOptionsV2 (*)();
using GpuCreateFn = TfLiteDelegate* (*)(const GpuOptionsV2*);

// Fills GPU options from key/value strings; returns false with *error naming an unknown key or bad value.
bool ApplyGpuOptions(const DelegateSpec& spec, GpuOptionsV2* options, std::string* error) {
  for (const auto& option : spec.plugin_options) {
    const std::string& key = option.first;
    const std::string& value = option.second;
    if (key == "precision_loss_allowed") {
      options->is_precision_loss_allowed = (value == "true" || value == "1") ? 1 : 0;
    } else if (key == "inference_preference") {
      if (value == "fast_single_answer") options->inference_preference = 0;
      else if (value == "sustained_speed") options->inference_preference = 1;
      else if (value == "balanced") options->inference_preference = 2;
      else {
        *error = "gpu option inference_preference: expected fast_single_answer, sustained_speed or balanced, got " + value;
        return false;
      }
    } else if (key == "max_delegated_partitions") {
      options->max_delegated_partitions = std::atoi(value.c_str());
    } else if (key == "serialization_dir") {
      options->serialization_dir = value.c_str();
    } else if (key == "model_token") {
      options->model_token = value.c_str();
    } else {
      *error = "unknown gpu delegate option " + key;
      return false;
    }
  }
  if (options->serialization_dir != nullptr || options->model_token != nullptr) {
    // Serialisation is an experimental flag in the V2 options (TFLITE_GPU_EXPERIMENTAL_FLAGS_ENABLE_SERIALIZATION).
    options->experimental_flags |= 8;
  }
  return true;
}

}  // namespace

struct DelegateHooks {
  static int CountPlan(TfLiteContext* context, const TfLiteDelegate* delegate, int* total) {
    TfLiteIntArray* plan = nullptr;
    if (context->GetExecutionPlan(context, &plan) != kTfLiteOk || plan == nullptr) return 0;
    *total = plan->size;
    int mine = 0;
    for (int i = 0; i < plan->size; ++i) {
      TfLiteNode* node = nullptr;
      TfLiteRegistration* registration = nullptr;
      if (context->GetNodeAndRegistration(context, plan->data[i], &node, &registration) == kTfLiteOk &&
          node != nullptr && node->delegate == delegate) {
        ++mine;
      }
    }
    return mine;
  }

  static TfLiteStatus Replace(TfLiteContext* context, TfLiteRegistration registration, const TfLiteIntArray* nodes,
                              TfLiteDelegate* delegate) {
    TfLiteStatus status = original_replace(context, registration, nodes, delegate);
    OwnedDelegate* owned = Lookup(delegate);
    if (status == kTfLiteOk && owned != nullptr && nodes != nullptr) {
      DelegateUsage& usage = owned->usage_by_context_[context];
      usage.nodes += nodes->size;
      int ignored_total = 0;
      usage.partitions = CountPlan(context, delegate, &ignored_total);
    }
    return status;
  }

  static TfLiteStatus Prepare(TfLiteContext* context, TfLiteDelegate* delegate) {
    OwnedDelegate* owned = Lookup(delegate);
    if (owned == nullptr) return kTfLiteError;
    DelegateUsage fresh;
    CountPlan(context, delegate, &fresh.total_nodes);
    owned->usage_by_context_[context] = fresh;

    ReplaceFn saved_context_replace = context->ReplaceNodeSubsetsWithDelegateKernels;
    ReplaceFn saved_thread_replace = original_replace;
    original_replace = saved_context_replace;
    context->ReplaceNodeSubsetsWithDelegateKernels = &DelegateHooks::Replace;
    TfLiteStatus status = owned->original_prepare_(context, delegate);
    context->ReplaceNodeSubsetsWithDelegateKernels = saved_context_replace;
    original_replace = saved_thread_replace;
    return status;
  }
};

DelegateUsage OwnedDelegate::Usage() const {
  DelegateUsage sum;
  for (const auto& entry : usage_by_context_) {
    sum.nodes += entry.second.nodes;
    sum.partitions += entry.second.partitions;
    sum.total_nodes += entry.second.total_nodes;
  }
  return sum;
}

OwnedDelegate::~OwnedDelegate() {
  if (delegate_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry.erase(delegate_);
  }
  delegate_->Prepare = original_prepare_;
  if (destroy_ != nullptr) destroy_(delegate_);
}

std::unique_ptr<OwnedDelegate> OwnedDelegate::Create(const TfLiteApi& api, const DelegateSpec& spec,
                                                     std::string* error) {
  std::unique_ptr<OwnedDelegate> owned(new OwnedDelegate());
  if (spec.kind == DelegateSpec::Kind::kXnnpack) {
    if (api.XnnpackCreate == nullptr || api.XnnpackDelete == nullptr) {
      *error = "this TensorFlow Lite library has no built-in XNNPACK (symbol TfLiteXNNPackDelegateCreate missing)";
      return nullptr;
    }
    // Newer TFLite versions append fields to the options struct; zeroed padding reads as their defaults.
    struct {
      XnnpackOptions29 head;
      unsigned char padding[248];
    } block = {};
    block.head.num_threads = spec.xnnpack_threads;
    block.head.flags = spec.xnnpack_flags;
    owned->delegate_ = api.XnnpackCreate(&block);
    owned->destroy_ = api.XnnpackDelete;
    if (owned->delegate_ == nullptr) {
      *error = "TfLiteXNNPackDelegateCreate returned null";
      return nullptr;
    }
  } else if (spec.kind == DelegateSpec::Kind::kGpuV2) {
    void* handle = OpenPlugin(spec.plugin_library, error);
    if (handle == nullptr) return nullptr;
    auto defaults = reinterpret_cast<GpuDefaultFn>(dlsym(handle, "TfLiteGpuDelegateOptionsV2Default"));
    auto create = reinterpret_cast<GpuCreateFn>(dlsym(handle, "TfLiteGpuDelegateV2Create"));
    auto destroy = reinterpret_cast<PluginDestroyFn>(dlsym(handle, "TfLiteGpuDelegateV2Delete"));
    if (defaults == nullptr || create == nullptr || destroy == nullptr) {
      *error = "delegate library " + spec.plugin_library + " lacks the TfLiteGpuDelegateV2 symbols";
      return nullptr;
    }
    GpuOptionsV2 options = defaults();
    if (!ApplyGpuOptions(spec, &options, error)) return nullptr;
    owned->delegate_ = create(&options);
    owned->destroy_ = destroy;
    if (owned->delegate_ == nullptr) {
      *error = "TfLiteGpuDelegateV2Create returned null (no usable OpenCL/OpenGL ES device?)";
      return nullptr;
    }
  } else {
    void* handle = OpenPlugin(spec.plugin_library, error);
    if (handle == nullptr) return nullptr;
    auto create = reinterpret_cast<PluginCreateFn>(dlsym(handle, "tflite_plugin_create_delegate"));
    auto destroy = reinterpret_cast<PluginDestroyFn>(dlsym(handle, "tflite_plugin_destroy_delegate"));
    if (create == nullptr || destroy == nullptr) {
      *error = "delegate library " + spec.plugin_library + " lacks the symbol " +
               (create == nullptr ? "tflite_plugin_create_delegate" : "tflite_plugin_destroy_delegate") +
               " (not an external-delegate plugin)";
      return nullptr;
    }
    std::vector<char*> keys;
    std::vector<char*> values;
    for (const auto& option : spec.plugin_options) {
      keys.push_back(const_cast<char*>(option.first.c_str()));
      values.push_back(const_cast<char*>(option.second.c_str()));
    }
    plugin_error.clear();
    owned->delegate_ = create(keys.data(), values.data(), keys.size(), CollectPluginError);
    owned->destroy_ = destroy;
    if (owned->delegate_ == nullptr) {
      *error = "tflite_plugin_create_delegate failed" + (plugin_error.empty() ? std::string() : ": " + plugin_error);
      return nullptr;
    }
  }
  owned->original_prepare_ = owned->delegate_->Prepare;
  if (owned->original_prepare_ != nullptr) {
    std::lock_guard<std::mutex> lock(registry_mutex);
    registry[owned->delegate_] = owned.get();
    owned->delegate_->Prepare = &DelegateHooks::Prepare;
  }
  return owned;
}

}  // namespace edgepipe
