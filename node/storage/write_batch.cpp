#include <algorithm>
#include <cassert>

#include "storage/store.h"

namespace govchain::storage {

void WriteBatch::put(ByteView key, ByteView value) {
  Entry entry{buffer_.size(), key.size(), buffer_.size() + key.size(), value.size(), true};
  buffer_.insert(buffer_.end(), key.begin(), key.end());
  buffer_.insert(buffer_.end(), value.begin(), value.end());
  entries_.push_back(entry);
}

void WriteBatch::erase(ByteView key) {
  Entry entry{buffer_.size(), key.size(), buffer_.size() + key.size(), 0, false};
  buffer_.insert(buffer_.end(), key.begin(), key.end());
  entries_.push_back(entry);
}

void WriteBatch::append(const WriteBatch& other) {
  for (size_t index = 0; index < other.operation_count(); ++index) {
    Operation operation = other.operation(index);
    if (operation.value)
      put(operation.key, *operation.value);
    else
      erase(operation.key);
  }
}

void WriteBatch::clear() {
  buffer_.clear();
  entries_.clear();
}

void WriteBatch::truncate(size_t operation_count) {
  if (operation_count >= entries_.size()) return;
  buffer_.resize(entries_[operation_count].key_offset);
  entries_.resize(operation_count);
}

// Grows at least geometrically, so that reserving before each of many
// appends to one batch does not copy the buffer every time.
void WriteBatch::reserve(size_t operation_count, size_t size_bytes) {
  if (operation_count > entries_.capacity()) entries_.reserve(std::max(operation_count, 2 * entries_.capacity()));
  if (size_bytes > buffer_.capacity()) buffer_.reserve(std::max(size_bytes, 2 * buffer_.capacity()));
}

WriteBatch::Operation WriteBatch::operation(size_t index) const {
  assert(index < entries_.size());
  const Entry& entry = entries_[index];
  Operation operation{ByteView(buffer_.data() + entry.key_offset, entry.key_size_bytes), std::nullopt};
  if (entry.is_put) operation.value = ByteView(buffer_.data() + entry.value_offset, entry.value_size_bytes);
  return operation;
}

Bytes prefixed_key(ByteView prefix, ByteView suffix) {
  Bytes key;
  key.reserve(prefix.size() + suffix.size());
  key.insert(key.end(), prefix.begin(), prefix.end());
  key.insert(key.end(), suffix.begin(), suffix.end());
  return key;
}

}  // namespace govchain::storage
