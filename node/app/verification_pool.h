// VerificationPool: a fixed set of threads that run the per-transaction
// checks of one request in parallel — above all the BIP340 signature
// check, the most expensive step of admission — so that a batch of
// transactions (POST /v1/txs with an array) uses every core, not just the
// HTTP worker that received it.
//
// Bounded: the pool has `threads` threads and a queue of at most
// `queued_jobs_max` jobs; run_all() waits while the queue is full, so a
// flood of requests slows their senders down instead of growing memory.
// Each run_all() splits its items into at most threads + 1 contiguous
// chunks, runs one itself and waits for the others, so it always returns.
//
// Ownership: the owner owns the pool; the destructor runs what is queued
// and joins the threads. Thread-safety: run_all() from any thread except
// the pool's own; jobs must not throw (admission returns Status).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace govchain::app {

class VerificationPool {
 public:
  // Preconditions: threads >= 1, queued_jobs_max >= 1.
  VerificationPool(size_t threads, size_t queued_jobs_max);
  ~VerificationPool();
  VerificationPool(const VerificationPool&) = delete;
  VerificationPool& operator=(const VerificationPool&) = delete;

  // Calls job(i) once for every i in [0, count), on the pool's threads and
  // the caller's, and returns when all calls returned. Calls for different
  // i may run at the same time.
  void run_all(size_t count, const std::function<void(size_t)>& job);

  size_t thread_count() const { return threads_.size(); }

 private:
  void run_worker();

  const size_t queued_jobs_max_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace govchain::app
