// FaultInjectingStore: an in-memory KeyValueStore for crash and failure tests.
//
// It models LevelDB's durability contract: write(batch, sync=false) is
// visible at once but durable only once a later write with sync=true
// returns. drop_unsynced_writes() simulates a power loss: everything not yet
// durable disappears and the store is open again, as after a restart. A
// synced write copies the whole map, so keep test data small.
// fail_writes_after() makes write() fail with
// Code::io_error (without applying the batch) once a number of further
// writes have succeeded, to test error paths.
// Thread-safety as for every KeyValueStore; the fault controls may be called
// from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "storage/store.h"

namespace govchain::storage {

class FaultInjectingStore final : public KeyValueStore {
 public:
  Result<std::optional<Bytes>> get(ByteView key) const override;
  Status write(const WriteBatch& batch, bool sync) override;
  Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override;
  // A copy of what is visible now.
  Result<std::unique_ptr<StoreSnapshot>> snapshot() const override;
  Status close() override;

  // Forgets every write not yet made durable by a synced write.
  void drop_unsynced_writes();
  // After `successful_writes` more successful writes, every write fails
  // until heal() is called.
  void fail_writes_after(size_t successful_writes);
  void heal();
  size_t write_count() const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<Bytes, Bytes, BytesLess> visible_;
  std::map<Bytes, Bytes, BytesLess> durable_;
  std::optional<size_t> writes_until_failure_;
  size_t write_count_ = 0;
  bool closed_ = false;
};

}  // namespace govchain::storage
