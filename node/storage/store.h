// KeyValueStore: the one seam between govchain and durable storage.
//
// A KeyValueStore maps byte-string keys to byte-string values, ordered by
// unsigned bytewise comparison of the keys. Changes are grouped in a
// WriteBatch and applied atomically by write(): after a crash either all of a
// batch is visible or none of it. A batch written with `sync = true` is on
// stable storage when write() returns, and so is every batch written before it.
//
// Backends: LevelDB (storage/leveldb_store.h) for nodes, an in-memory store
// (make_memory_store below) for tests and tools, and a fault-injecting
// in-memory store (storage/fault_injecting_store.h) for crash tests.
//
// Thread-safety of every backend: get() and scan() may run concurrently with
// each other and with at most one write() at a time. A single get() sees a
// batch entirely or not at all; there are no snapshots, so two get() calls
// may straddle a write, and callers needing a consistent view of several keys
// must serialise with the writer (or read content-addressed data, as the
// state tree does), or take a snapshot(). close() must not run
// concurrently with any other call; after close() every call returns
// Code::unavailable.
//
// Ownership: a KeyValueStore owns its backend handle and releases it in
// close() or in its destructor. WriteBatch and KeyValue are plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::storage {

// An ordered list of puts and erases, applied atomically and in order by
// KeyValueStore::write (a later operation on the same key wins). Single-threaded
// value; the store copies what it needs, so the batch may be reused afterwards.
class WriteBatch {
 public:
  // One operation as stored in the batch. The views point into the batch
  // and stay valid until the batch is modified or destroyed.
  struct Operation {
    ByteView key;
    std::optional<ByteView> value;  // nullopt = erase
  };

  void put(ByteView key, ByteView value);
  void erase(ByteView key);
  // Appends all operations of `other`, keeping their order.
  void append(const WriteBatch& other);
  void clear();
  // Removes the operations after the first `operation_count` ones, undoing
  // a partly built group of changes (for example after an error).
  void truncate(size_t operation_count);
  // Reserves room, to avoid regrowing the buffer while filling a big batch.
  void reserve(size_t operation_count, size_t size_bytes);

  size_t operation_count() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Bytes of keys and values held, a measure for limits and metrics.
  size_t size_bytes() const { return buffer_.size(); }
  Operation operation(size_t index) const;

 private:
  struct Entry {
    size_t key_offset;
    size_t key_size_bytes;
    size_t value_offset;
    size_t value_size_bytes;
    bool is_put;
  };
  Bytes buffer_;
  std::vector<Entry> entries_;
};

struct KeyValue {
  Bytes key;
  Bytes value;
  bool operator==(const KeyValue&) const = default;
};

// A read-only, consistent view of a whole store as it was when
// KeyValueStore::snapshot() returned: later writes are not seen. Online
// backups read the store through one. Ownership: the caller owns it and
// must destroy it before the store it came from is closed or destroyed;
// while it lives, LevelDB keeps the files it needs. Thread-safety: scan()
// may run concurrently with itself and with the store's calls.
class StoreSnapshot {
 public:
  virtual ~StoreSnapshot() = default;
  // As KeyValueStore::scan, over the snapshot.
  virtual Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const = 0;
};

class KeyValueStore {
 public:
  virtual ~KeyValueStore() = default;

  // The value stored under `key`, or nullopt if there is none.
  virtual Result<std::optional<Bytes>> get(ByteView key) const = 0;

  // Applies `batch` atomically. With `sync`, the batch (and every earlier
  // one) is durable when this returns ok.
  virtual Status write(const WriteBatch& batch, bool sync) = 0;

  // Up to `entries_max` entries whose keys start with `prefix` and are >=
  // `start_key`, in ascending key order. To page, call again with
  // `start_key` = last returned key followed by a 0x00 byte. An empty
  // `start_key` starts at the beginning of the prefix. `entries_max` must be > 0.
  virtual Result<std::vector<KeyValue>> scan(ByteView prefix, ByteView start_key, size_t entries_max) const = 0;

  // A consistent view of the whole store (see StoreSnapshot): every batch
  // written before this call, none written after it. The memory stores copy
  // their map; LevelDB keeps a snapshot without copying. A backend without
  // snapshots returns Code::unavailable.
  virtual Result<std::unique_ptr<StoreSnapshot>> snapshot() const {
    return error(Code::unavailable, "this key-value store cannot take snapshots");
  }

  // Releases the backend (files, locks). Idempotent.
  virtual Status close() = 0;
};

// A store held in memory, lost when destroyed. write() ignores `sync`.
std::unique_ptr<KeyValueStore> make_memory_store();

// Unsigned bytewise order of keys, usable for heterogeneous lookup of Bytes
// by ByteView in ordered containers.
struct BytesLess {
  using is_transparent = void;
  bool operator()(ByteView left, ByteView right) const {
    size_t common = left.size() < right.size() ? left.size() : right.size();
    int order = common == 0 ? 0 : std::memcmp(left.data(), right.data(), common);
    return order != 0 ? order < 0 : left.size() < right.size();
  }
};

// Convenience: a key formed by `prefix` followed by `suffix`.
Bytes prefixed_key(ByteView prefix, ByteView suffix);

}  // namespace govchain::storage
