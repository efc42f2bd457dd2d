#include "rpc/worker_pool.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace govchain::rpc {

WorkerPool::WorkerPool(uint32_t threads, uint64_t queue_max) : thread_count_(threads), queue_max_(queue_max) {}

WorkerPool::~WorkerPool() { stop(); }

Status WorkerPool::start() {
  std::lock_guard lock(mutex_);
  if (started_) return error(Code::invalid, "the worker pool was already started");
  started_ = true;
  try {
    for (uint32_t index = 0; index < thread_count_; ++index) threads_.emplace_back([this] { run(); });
  } catch (const std::exception& exception) {
    // The threads that did start see stopping_ and end; stop() joins them.
    stopping_ = true;
    work_ready_.notify_all();
    return error(Code::resource_exhausted, std::string("cannot start worker threads: ") + exception.what());
  }
  return Status::ok_status();
}

bool WorkerPool::try_submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !started_ || queue_.size() >= queue_max_) return false;
    queue_.push_back(std::move(job));
  }
  work_ready_.notify_one();
  return true;
}

void WorkerPool::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  work_ready_.notify_all();
  // Queued jobs are destroyed here, outside the lock: their captures (for
  // example an HTTP session) may run destructors that take other locks.
  dropped.clear();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

uint64_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

uint64_t WorkerPool::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_++;
    }
    try {
      job();
    } catch (const std::exception& exception) {
      spdlog::error("rpc: a worker job threw: {}", exception.what());
    } catch (...) {
      spdlog::error("rpc: a worker job threw a non-standard exception");
    }
    // Destroyed before the count drops, so that stop() never returns while
    // a job's captures still live.
    job = nullptr;
    std::lock_guard lock(mutex_);
    running_--;
  }
}

}  // namespace govchain::rpc
