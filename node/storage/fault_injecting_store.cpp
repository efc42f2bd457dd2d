#include "storage/fault_injecting_store.h"

#include "storage/ordered_map_scan.h"

namespace govchain::storage {

static void apply_batch(std::map<Bytes, Bytes, BytesLess>& map, const WriteBatch& batch) {
  for (size_t index = 0; index < batch.operation_count(); ++index) {
    WriteBatch::Operation operation = batch.operation(index);
    Bytes key(operation.key.begin(), operation.key.end());
    if (operation.value)
      map.insert_or_assign(std::move(key), Bytes(operation.value->begin(), operation.value->end()));
    else
      map.erase(key);
  }
}

Result<std::optional<Bytes>> FaultInjectingStore::get(ByteView key) const {
  std::shared_lock lock(mutex_);
  if (closed_) return detail::closed_error();
  auto found = visible_.find(key);
  if (found == visible_.end()) return std::optional<Bytes>();
  return std::optional<Bytes>(found->second);
}

Status FaultInjectingStore::write(const WriteBatch& batch, bool sync) {
  std::unique_lock lock(mutex_);
  if (closed_) return detail::closed_error();
  if (writes_until_failure_) {
    if (*writes_until_failure_ == 0) return error(Code::io_error, "injected write failure");
    --*writes_until_failure_;
  }
  apply_batch(visible_, batch);
  // LevelDB's log is sequential: a synced write makes every earlier write durable too.
  if (sync) durable_ = visible_;
  ++write_count_;
  return Status();
}

Result<std::vector<KeyValue>> FaultInjectingStore::scan(ByteView prefix, ByteView start_key, size_t entries_max) const {
  GOVCHAIN_TRY(detail::check_entries_max(entries_max));
  std::shared_lock lock(mutex_);
  if (closed_) return detail::closed_error();
  return detail::scan_map(visible_, prefix, start_key, entries_max);
}

Result<std::unique_ptr<StoreSnapshot>> FaultInjectingStore::snapshot() const {
  std::shared_lock lock(mutex_);
  if (closed_) return detail::closed_error();
  return std::unique_ptr<StoreSnapshot>(std::make_unique<detail::MapSnapshot>(visible_));
}

Status FaultInjectingStore::close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  return Status();
}

void FaultInjectingStore::drop_unsynced_writes() {
  std::unique_lock lock(mutex_);
  visible_ = durable_;
  closed_ = false;
}

void FaultInjectingStore::fail_writes_after(size_t successful_writes) {
  std::unique_lock lock(mutex_);
  writes_until_failure_ = successful_writes;
}

void FaultInjectingStore::heal() {
  std::unique_lock lock(mutex_);
  writes_until_failure_.reset();
}

size_t FaultInjectingStore::write_count() const {
  std::shared_lock lock(mutex_);
  return write_count_;
}

}  // namespace govchain::storage
