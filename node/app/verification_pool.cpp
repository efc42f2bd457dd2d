#include "app/verification_pool.h"

#include <algorithm>
#include <cassert>

namespace govchain::app {

VerificationPool::VerificationPool(size_t threads, size_t queued_jobs_max) : queued_jobs_max_(queued_jobs_max) {
  assert(threads >= 1 && queued_jobs_max >= 1);
  threads_.reserve(threads);
  for (size_t index = 0; index < threads; ++index) threads_.emplace_back([this] { run_worker(); });
}

VerificationPool::~VerificationPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void VerificationPool::run_worker() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    changed_.notify_all();  // room in the queue
    job();
  }
}

void VerificationPool::run_all(size_t count, const std::function<void(size_t)>& job) {
  if (count == 0) return;
  const size_t chunks = std::min(count, threads_.size() + 1);
  const size_t chunk_size = (count + chunks - 1) / chunks;
  std::mutex done_mutex;
  std::condition_variable done_changed;
  size_t chunks_left = 0;
  auto run_chunk = [&job, count](size_t first, size_t end) {
    for (size_t index = first; index < std::min(end, count); ++index) job(index);
  };
  // Chunks 1 … are queued for the pool; chunk 0 runs here meanwhile.
  for (size_t first = chunk_size; first < count; first += chunk_size) {
    {
      std::lock_guard lock(done_mutex);
      ++chunks_left;
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < queued_jobs_max_ || stopping_; });
    if (stopping_) {
      lock.unlock();
      run_chunk(first, first + chunk_size);
      std::lock_guard done_lock(done_mutex);
      --chunks_left;
      continue;
    }
    queue_.push_back([&, first] {
      run_chunk(first, first + chunk_size);
      std::lock_guard done_lock(done_mutex);
      if (--chunks_left == 0) done_changed.notify_all();
    });
    lock.unlock();
    changed_.notify_all();
  }
  run_chunk(0, chunk_size);
  std::unique_lock done_lock(done_mutex);
  done_changed.wait(done_lock, [&] { return chunks_left == 0; });
}

}  // namespace govchain::app
