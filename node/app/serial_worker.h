// SerialWorker: one thread that runs posted jobs in the order they were
// posted. The node uses it for work that follows a commit but need not hold
// up the next height (building and broadcasting the block event), so that
// the thread that commits blocks hands the job over and moves on.
//
// The queue is bounded (`jobs_max`): post() waits while it is full, so a
// slow job slows the poster down instead of letting memory grow without
// limit. Jobs must not throw; one that does is logged and dropped.
//
// Ownership: the owner owns the worker; jobs own what they capture.
// Thread-safety: post() and drain() from any thread except the worker's
// own; stop() from the owner's thread. stop() runs the jobs already posted
// before it returns; a job posted after stop() runs at once on the caller's
// thread, so no job is ever lost.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace govchain::app {

class SerialWorker {
 public:
  // `name` appears in log lines; `jobs_max` must be positive.
  SerialWorker(std::string name, size_t jobs_max);
  ~SerialWorker();
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  void post(std::function<void()> job);
  // Returns once every job posted before the call has run.
  void drain();
  void stop();

 private:
  void run();
  static void run_job(const std::string& name, const std::function<void()>& job);

  const std::string name_;
  const size_t jobs_max_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace govchain::app
