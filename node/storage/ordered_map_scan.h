// Internal to govchain_storage: prefix scan over an ordered in-memory map,
// shared by the memory and fault-injecting stores. Caller holds the lock.
#pragma once

#include <algorithm>
#include <map>

#include "storage/store.h"

namespace govchain::storage::detail {

inline bool starts_with(ByteView key, ByteView prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

inline std::vector<KeyValue> scan_map(const std::map<Bytes, Bytes, BytesLess>& map, ByteView prefix, ByteView start_key,
                                      size_t entries_max) {
  Bytes start(prefix.begin(), prefix.end());
  if (BytesLess()(start, start_key)) start.assign(start_key.begin(), start_key.end());
  std::vector<KeyValue> entries;
  for (auto it = map.lower_bound(start); it != map.end() && entries.size() < entries_max; ++it) {
    if (!starts_with(it->first, prefix)) break;
    entries.push_back(KeyValue{it->first, it->second});
  }
  return entries;
}

inline Status check_entries_max(size_t entries_max) {
  if (entries_max == 0) return error(Code::invalid_argument, "scan needs entries_max > 0");
  return Status();
}

// A snapshot of an in-memory store: a copy of its map.
class MapSnapshot final : public StoreSnapshot {
 public:
  explicit MapSnapshot(std::map<Bytes, Bytes, BytesLess> map) : map_(std::move(map)) {}
  Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const override {
    GOVCHAIN_TRY(check_entries_max(entries_max));
    return scan_map(map_, prefix, start_key, entries_max);
  }

 private:
  const std::map<Bytes, Bytes, BytesLess> map_;
};

inline Status closed_error() { return error(Code::unavailable, "the key-value store is closed"); }

}  // namespace govchain::storage::detail
