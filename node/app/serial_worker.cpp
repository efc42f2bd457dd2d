#include "app/serial_worker.h"

#include <spdlog/spdlog.h>

#include <cassert>
#include <exception>

namespace govchain::app {

SerialWorker::SerialWorker(std::string name, size_t jobs_max) : name_(std::move(name)), jobs_max_(jobs_max) {
  assert(jobs_max_ > 0);
  thread_ = std::thread([this] { run(); });
}

SerialWorker::~SerialWorker() { stop(); }

void SerialWorker::post(std::function<void()> job) {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopping_ || jobs_.size() < jobs_max_; });
    if (!stopping_) {
      jobs_.push_back(std::move(job));
      changed_.notify_all();
      return;
    }
  }
  run_job(name_, job);
}

void SerialWorker::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return jobs_.empty() && !running_job_; });
}

void SerialWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SerialWorker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything posted has run
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    running_job_ = true;
    lock.unlock();
    changed_.notify_all();  // room for a waiting post()
    run_job(name_, job);
    lock.lock();
    running_job_ = false;
    changed_.notify_all();  // for drain()
  }
}

void SerialWorker::run_job(const std::string& name, const std::function<void()>& job) {
  try {
    job();
  } catch (const std::exception& exception) {
    spdlog::error("{}: a job threw: {}", name, exception.what());
  } catch (...) {
    spdlog::error("{}: a job threw a non-standard exception", name);
  }
}

}  // namespace govchain::app
