#include <map>
#include <mutex>
#include <shared_mutex>

#include "storage/ordered_map_scan.h"
#include "storage/store.h"

namespace govchain::storage {
namespace {

// The in-memory backend: an ordered map under a reader-writer lock.
class MemoryStore final : public KeyValueStore {
 public:
  Result<std::optional<Bytes>> get(ByteView key) const override {
    std::shared_lock lock(mutex_);
    if (closed_) return detail::closed_error();
    auto found = map_.find(key);
    if (found == map_.end()) return std::optional<Bytes>();
    return std::optional<Bytes>(found->second);
  }

  Status write(const WriteBatch& batch, bool /*sync*/) override {
    std::unique_lock lock(mutex_);
    if (closed_) return detail::closed_error();
    for (size_t index = 0; index < batch.operation_count(); ++index) {
      WriteBatch::Operation operation = batch.operation(index);
      Bytes key(operation.key.begin(), operation.key.end());
      if (operation.value)
        map_.insert_or_assign(std::move(key), Bytes(operation.value->begin(), operation.value->end()));
      else
        map_.erase(key);
    }
    return Status();
  }

  Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override {
    GOVCHAIN_TRY(detail::check_entries_max(entries_max));
    std::shared_lock lock(mutex_);
    if (closed_) return detail::closed_error();
    return detail::scan_map(map_, prefix, start_key, entries_max);
  }

  Result<std::unique_ptr<StoreSnapshot>> snapshot() const override {
    std::shared_lock lock(mutex_);
    if (closed_) return detail::closed_error();
    return std::unique_ptr<StoreSnapshot>(std::make_unique<detail::MapSnapshot>(map_));
  }

  Status close() override {
    std::unique_lock lock(mutex_);
    closed_ = true;
    map_.clear();
    return Status();
  }

 private:
  mutable std::shared_mutex mutex_;
  std::map<Bytes, Bytes, BytesLess> map_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<KeyValueStore> make_memory_store() { return std::make_unique<MemoryStore>(); }

}  // namespace govchain::storage
