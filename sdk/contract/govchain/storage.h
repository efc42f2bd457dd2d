// Storage: the contract's own namespace of the authenticated state, plus a
// read-only view of another contract's namespace.
//
// Raw access works on byte keys and values. Map<Key, Value> adds a typed
// layer: the stored key is `prefix || encode(key)` and the stored value is
// `encode(value)`, both canonical (codec.h). Prefixes must not be prefixes of
// one another's encodings; use short distinct texts ending in '/', e.g. "cert/".
// The host prefixes every key with the contract name, so contracts cannot
// collide with each other.
#pragma once

#include "govchain/codec.h"

namespace govchain {

namespace detail {
// First read with a small buffer; the host reports the full length, and a
// second read fetches the rest only for large values.
inline constexpr uint32_t first_read_size_bytes = 512;

template <typename ReadFunction>
bool read_value(ReadFunction read, Bytes& value) {
  uint8_t* buffer = allocate<uint8_t>(first_read_size_bytes);
  int32_t length = read(buffer, static_cast<int32_t>(first_read_size_bytes));
  if (length < 0) return false;
  if (static_cast<uint32_t>(length) > first_read_size_bytes) {
    buffer = allocate<uint8_t>(static_cast<uint32_t>(length));
    read(buffer, length);
  }
  value = Bytes(buffer, static_cast<uint32_t>(length));
  return true;
}
}  // namespace detail

namespace storage {

inline void check_key(Bytes key) { require(key.size <= storage_key_size_max, "storage key longer than 955 bytes"); }

// Reads `key`; false when absent.
inline bool get(Bytes key, Bytes& value) {
  check_key(key);
  return detail::read_value(
      [key](uint8_t* buffer, int32_t capacity) {
        return govchain_host_storage_get(key.data, detail::as_length(key.size), buffer, capacity);
      },
      value);
}

inline void set(Bytes key, Bytes value) {
  check_key(key);
  require(value.size <= storage_value_size_max, "storage value larger than 64 KiB");
  govchain_host_storage_set(key.data, detail::as_length(key.size), value.data, detail::as_length(value.size));
}

inline void remove(Bytes key) {
  check_key(key);
  govchain_host_storage_remove(key.data, detail::as_length(key.size));
}

inline bool has(Bytes key) {
  check_key(key);
  return govchain_host_storage_has(key.data, detail::as_length(key.size)) == 1;
}

// Reads `key` in the storage of contract `contract` (read-only; false when
// absent or when no such contract exists).
inline bool get_of(String contract, Bytes key, Bytes& value) {
  check_key(key);
  return detail::read_value(
      [contract, key](uint8_t* buffer, int32_t capacity) {
        return govchain_host_storage_get_of(contract.data, detail::as_length(contract.size), key.data,
                                            detail::as_length(key.size), buffer, capacity);
      },
      value);
}

}  // namespace storage

// A typed map in the contract's storage under a key prefix. Cheap to copy;
// holds only the prefix view. Declare one per record kind, e.g.
//   inline const Map<Hash, Certificate> certificates("cert/");
template <typename Key, typename Value>
class Map {
 public:
  // constexpr: a map declared at namespace scope is constant-initialized,
  // so it needs no static constructor in the module.
  constexpr explicit Map(const char* prefix) : prefix_(prefix) {}

  Bytes key_of(const Key& key) const {
    Writer writer;
    writer.raw(Bytes(prefix_));
    encode(writer, key);
    return writer.data();
  }
  bool has(const Key& key) const { return storage::has(key_of(key)); }
  bool get(const Key& key, Value& value) const {
    Bytes stored;
    if (!storage::get(key_of(key), stored)) return false;
    value = decode_value<Value>(stored);
    return true;
  }
  // The value, or an abort with `missing_message` when absent.
  Value at(const Key& key, const char* missing_message) const {
    Value value;
    require(get(key, value), missing_message);
    return value;
  }
  void set(const Key& key, const Value& value) const { storage::set(key_of(key), encode_value(value)); }
  void remove(const Key& key) const { storage::remove(key_of(key)); }

  // The same map in another contract's storage, read-only (storage_get_of).
  bool get_of(String contract, const Key& key, Value& value) const {
    Bytes stored;
    if (!storage::get_of(contract, key_of(key), stored)) return false;
    value = decode_value<Value>(stored);
    return true;
  }

 private:
  const char* prefix_;
};

}  // namespace govchain
