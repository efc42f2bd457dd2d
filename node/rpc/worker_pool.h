// WorkerPool: a fixed number of threads that run queued jobs, with a bound on
// the queue. The HTTP server runs the slow route handlers (submitting
// transactions, queries, proofs, block reads) here, so that the threads that
// accept connections and answer /healthz and /readyz are never held by them,
// and so that a flood of slow requests meets a full queue and a quick 503
// instead of piling up without bound.
//
// Ownership: the pool owns its threads and the queued jobs. A job that is
// still queued when the pool stops is destroyed without running.
//
// Thread-safety: try_submit(), queued(), running() and stop() are
// thread-safe. Jobs run on the pool's threads, several at once; a job must
// not call stop(). Exceptions thrown by a job are caught and logged.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"

namespace govchain::rpc {

class WorkerPool {
 public:
  // Preconditions: threads > 0 and queue_max > 0 (the server checks its
  // configuration before it creates the pool).
  WorkerPool(uint32_t threads, uint64_t queue_max);
  // Stops the pool (see stop()).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the threads; resource_exhausted when the system refuses a thread,
  // invalid when called twice.
  Status start();

  // Queues `job` unless the queue already holds queue_max jobs or the pool
  // is stopped; false then, and the job is not kept.
  bool try_submit(std::function<void()> job);

  // Refuses new jobs, drops the queued ones, waits for the running ones and
  // joins the threads. Safe to call twice.
  void stop();

  uint64_t queued() const;
  uint64_t running() const;

 private:
  void run();

  const uint32_t thread_count_;
  const uint64_t queue_max_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_;
  uint64_t running_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace govchain::rpc
