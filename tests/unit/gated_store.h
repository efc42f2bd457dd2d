// GatedStore: a KeyValueStore for tests that holds every write at a gate,
// so that a test can keep a background write "in flight" for as long as it
// likes, and can end it with a simulated power loss instead of letting it
// through. Reads and scans pass straight to the inner store.
//
// Ownership: references the inner store, which must outlive it.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <mutex>

#include "storage/store.h"

namespace govchain::testing {

class GatedStore final : public storage::KeyValueStore {
 public:
  explicit GatedStore(storage::KeyValueStore& inner) : inner_(inner) {}

  Result<std::optional<Bytes>> get(ByteView key) const override { return inner_.get(key); }
  Result<std::vector<storage::KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override {
    return inner_.scan(prefix, start_key, entries_max);
  }
  Result<std::unique_ptr<storage::StoreSnapshot>> snapshot() const override { return inner_.snapshot(); }
  Status close() override { return Status(); }

  // Waits at the gate while it is shut; after power_loss() fails without
  // applying anything, as a write that never reached the disk.
  Status write(const storage::WriteBatch& batch, bool sync) override {
    {
      std::unique_lock lock(mutex_);
      ++writes_started_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_ || power_lost_; });
      if (power_lost_) return error(Code::io_error, "power lost before the write reached the disk");
    }
    return inner_.write(batch, sync);
  }

  void shut() {
    set([this] { open_ = false; });
  }
  void open() {
    set([this] { open_ = true; });
  }
  void power_loss() {
    set([this] { power_lost_ = true; });
  }
  // Waits until `count` writes reached the gate (passed it or wait there).
  void wait_for_writes_started(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return writes_started_ >= count; });
  }

 private:
  template <typename Change>
  void set(Change change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }

  storage::KeyValueStore& inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  bool power_lost_ = false;
  size_t writes_started_ = 0;
};

}  // namespace govchain::testing
