// One thread per interpreter that runs its invokes.
//
// Why not the libuv pool (Napi::AsyncWorker): a delegate that hangs in Invoke would hold a pool thread forever,
// starving fs, sharp and DNS work, and libuv joins its pool at exit, so the process could never exit. A thread
// of our own can be abandoned: the pipeline times the invoke out, disposes the interpreter and moves on; the
// thread and the interpreter it holds are leaked instead of freed under its feet.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "interpreter.h"

namespace edgepipe {

class InvokeThread {
 public:
  // Called on the JS thread when an invoke ends: ok, or the error text.
  using Done = std::function<void(Napi::Env, bool ok, const std::string& error)>;

  InvokeThread(Napi::Env env, std::unique_ptr<NativeInterpreter> native);
  ~InvokeThread();

  NativeInterpreter* native() const { return state_->native.get(); }

  // Starts an invoke; `done` runs on the JS thread when it ends. The caller guarantees one at a time.
  void Start(Napi::Env env, Done done);

  // Whether an invoke is running.
  bool Busy() const;

  // Lets the process exit even if a running invoke never returns (the result is then never delivered).
  void Unref(Napi::Env env);

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    bool job = false;
    std::atomic<bool> job_posted{false};  // mirrors `job` for the lock-free spin before sleeping
    bool running = false;
    bool stop = false;
    std::unique_ptr<NativeInterpreter> native;
    Napi::ThreadSafeFunction tsfn;
    Done done;
  };
  static void Loop(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace edgepipe
