#include "storage/pipelined_store.h"

#include <cassert>
#include <future>

namespace govchain::storage {

namespace {

std::string_view as_text(ByteView bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

// A batch handed over and not yet written, with an index of its final
// value per key. The index's views point into `batch`, which is never
// changed after the index is built.
struct PipelinedStore::Pending {
  WriteBatch batch;
  std::unordered_map<std::string_view, std::optional<ByteView>> latest;
  OnWritten on_written;
};

PipelinedStore::PipelinedStore(KeyValueStore& durable, size_t pending_batches_max)
    : durable_(durable), pending_batches_max_(pending_batches_max) {
  assert(pending_batches_max >= 1);
  writer_ = std::thread([this] { run_writer(); });
}

PipelinedStore::~PipelinedStore() { (void)close(); }

Status PipelinedStore::failure_locked() const {
  if (closed_) return error(Code::unavailable, "the store is closed");
  if (failure_)
    return error(Code::io_error,
                 "an earlier background write failed, nothing more is written: " + failure_->to_string());
  return Status();
}

Result<std::optional<Bytes>> PipelinedStore::get(ByteView key) const {
  {
    std::shared_lock lock(mutex_);
    if (closed_) return error(Code::unavailable, "the store is closed");
    const std::string_view wanted = as_text(key);
    for (auto pending = pending_.rbegin(); pending != pending_.rend(); ++pending) {
      auto found = (*pending)->latest.find(wanted);
      if (found == (*pending)->latest.end()) continue;
      if (!found->second) return std::optional<Bytes>();
      return std::optional<Bytes>(Bytes(found->second->begin(), found->second->end()));
    }
  }
  // A batch leaves the queue only after it is in the durable store, so a
  // key not found above is there (or nowhere).
  return durable_.get(key);
}

Status PipelinedStore::write_in_background(WriteBatch batch, OnWritten on_written) {
  auto pending = std::make_shared<Pending>();
  pending->batch = std::move(batch);
  pending->on_written = std::move(on_written);
  pending->latest.reserve(pending->batch.operation_count());
  for (size_t index = 0; index < pending->batch.operation_count(); ++index) {
    WriteBatch::Operation operation = pending->batch.operation(index);
    pending->latest.insert_or_assign(as_text(operation.key), operation.value);
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return pending_.size() < pending_batches_max_ || failure_ || closed_ || stopping_; });
  GOVCHAIN_TRY(failure_locked());
  if (stopping_) return error(Code::unavailable, "the store is closing");
  pending_.push_back(std::move(pending));
  lock.unlock();
  changed_.notify_all();
  return Status();
}

Status PipelinedStore::write(const WriteBatch& batch, bool /*sync*/) {
  std::promise<Status> written;
  std::future<Status> outcome = written.get_future();
  GOVCHAIN_TRY(write_in_background(batch, [&written](const Status& status) { written.set_value(status); }));
  return outcome.get();
}

void PipelinedStore::run_writer() {
  for (;;) {
    std::shared_ptr<Pending> next;
    std::optional<Status> earlier_failure;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;
      next = pending_.front();
      earlier_failure = failure_;
    }
    // A batch after a failed one is never written: it was built on top of
    // the lost one.
    Status written = earlier_failure
                         ? error(Code::io_error, "an earlier background write failed: " + earlier_failure->to_string())
                         : durable_.write(next->batch, true);
    if (next->on_written) next->on_written(written);
    {
      std::unique_lock lock(mutex_);
      if (!written.ok() && !failure_) failure_ = written;
      pending_.pop_front();
    }
    changed_.notify_all();
  }
}

Status PipelinedStore::drain() const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return pending_.empty(); });
  if (failure_) return error(Code::io_error, "a background write failed: " + failure_->to_string());
  return Status();
}

size_t PipelinedStore::pending_count() const {
  std::shared_lock lock(mutex_);
  return pending_.size();
}

Result<std::vector<KeyValue>> PipelinedStore::scan(ByteView prefix, ByteView start_key, size_t entries_max) const {
  GOVCHAIN_TRY(drain());
  return durable_.scan(prefix, start_key, entries_max);
}

Result<std::unique_ptr<StoreSnapshot>> PipelinedStore::snapshot() const {
  GOVCHAIN_TRY(drain());
  return durable_.snapshot();
}

Status PipelinedStore::close() {
  Status drained = drain();
  {
    std::unique_lock lock(mutex_);
    if (closed_) return Status();
    stopping_ = true;
  }
  changed_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::unique_lock lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
  return drained;
}

}  // namespace govchain::storage
