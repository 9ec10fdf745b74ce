#include "invoke_thread.h"

#include <chrono>

namespace edgepipe {

InvokeThread::InvokeThread(Napi::Env env, std::unique_ptr<NativeInterpreter> native)
    : state_(std::make_shared<State>()) {
  state_->native = std::move(native);
  state_->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                               "edgepipe-invoke", 0, 1);
  // An idle interpreter must not keep the process alive; Start() refs the function while an invoke runs.
  state_->tsfn.Unref(env);
  thread_ = std::thread(&InvokeThread::Loop, state_);
}

InvokeThread::~InvokeThread() {
  bool running;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    running = state_->running || state_->job;
    state_->stop = true;
  }
  state_->wake.notify_one();
  if (running) {
    // Stuck in a delegate: abandon the thread with the state it shares (and the interpreter in it).
    thread_.detach();
    return;
  }
  thread_.join();
  state_->tsfn.Release();
  state_->native.reset();
}

bool InvokeThread::Busy() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->running || state_->job;
}

void InvokeThread::Unref(Napi::Env env) { state_->tsfn.Unref(env); }

void InvokeThread::Start(Napi::Env env, Done done) {
  state_->tsfn.Ref(env);
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->done = std::move(done);
    state_->job = true;
    state_->job_posted.store(true, std::memory_order_release);
  }
  state_->wake.notify_one();
}

// How long the thread keeps polling for the next invoke before sleeping on the condition variable. Waking a
// sleeping thread costs 20-60 us on a 2-vCPU VM, as much as a whole micro-model invoke; a caller that invokes
// back to back submits the next one within microseconds, so a short poll catches it awake. The poll is only
// worth it while the next job really comes that soon: a pipeline that postprocesses and copies the next frame
// in between (~0.5 ms) would just burn the CPU that preprocessing needs, so the thread polls only when the
// previous gap between a result and the next job fitted in the window.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(200);

void InvokeThread::Loop(std::shared_ptr<State> state) {
  bool spin = true;
  for (;;) {
    auto idle_since = std::chrono::steady_clock::now();
    auto spin_until = idle_since + kSpinBeforeSleep;
    while (spin && !state->job_posted.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < spin_until) {
      std::this_thread::yield();
    }
    {
      std::unique_lock<std::mutex> lock(state->mutex);
      state->wake.wait(lock, [&] { return state->job || state->stop; });
      if (!state->job) return;
      state->job = false;
      state->job_posted.store(false, std::memory_order_relaxed);
      state->running = true;
    }
    spin = std::chrono::steady_clock::now() - idle_since <= kSpinBeforeSleep;
    NativeInterpreter* native = state->native.get();
    native->log->text.clear();
    bool ok = native->api->Invoke(native->interpreter) == kTfLiteOk;
    std::string error = ok ? std::string() : (native->log->text.empty() ? "TfLiteInterpreterInvoke failed" : native->log->text);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->running = false;
      stopping = state->stop;
    }
    if (stopping) {
      // The owner went away while this invoke ran (abandoned): nobody waits for the result; clean up here.
      state->tsfn.Release();
      state->native.reset();
      return;
    }
    state->tsfn.BlockingCall([state, ok, error](Napi::Env env, Napi::Function) {
      Done done = std::move(state->done);
      state->tsfn.Unref(env);
      if (done) done(env, ok, error);
    });
  }
}

}  // namespace edgepipe
