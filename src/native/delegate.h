// Delegates owned by one interpreter, and an honest count of what each one took over.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tflite_api.h"

namespace edgepipe {

// Plain copy of the validated JS options: the worker thread that creates the delegate never touches N-API.
struct DelegateSpec {
  enum class Kind { kXnnpack, kPlugin, kGpuV2 };
  Kind kind = Kind::kXnnpack;
  std::string name;
  int32_t xnnpack_threads = 1;
  uint32_t xnnpack_flags = 0;
  // Plugin and GPU delegates: the shared library and its key/value options.
  std::string plugin_library;
  std::vector<std::pair<std::string, std::string>> plugin_options;
};

// What a delegate really took, observed by wrapping its Prepare and its calls to
// ReplaceNodeSubsetsWithDelegateKernels. Summed over the subgraphs it was applied to.
struct DelegateUsage {
  int nodes = 0;        // nodes handed to the delegate
  int partitions = 0;   // delegate kernels in the execution plan afterwards
  int total_nodes = 0;  // nodes in the execution plan the delegate was shown
};

class OwnedDelegate {
 public:
  ~OwnedDelegate();
  TfLiteDelegate* get() const { return delegate_; }
  DelegateUsage Usage() const;

  // Creates the delegate described by spec. Returns null and sets *error on failure.
  static std::unique_ptr<OwnedDelegate> Create(const TfLiteApi& api, const DelegateSpec& spec, std::string* error);

 private:
  friend struct DelegateHooks;
  OwnedDelegate() = default;

  TfLiteDelegate* delegate_ = nullptr;
  void (*destroy_)(TfLiteDelegate*) = nullptr;
  TfLiteStatus (*original_prepare_)(TfLiteContext*, TfLiteDelegate*) = nullptr;
  // Keyed by context so that a Prepare run again on the same subgraph replaces, not adds to, its count.
  std::map<const TfLiteContext*, DelegateUsage> usage_by_context_;
};

}  // namespace edgepipe
