// StateTree: the authenticated state of the chain, a compact sparse Merkle
// tree over hashed keys with versioned roots, plus a flat index of the
// latest values.
//
// Shape and hashing are specified in state/proof.h and docs/state.md. Each
// root is a version of the whole state: nodes are stored content-addressed
// (the key is the node's hash) and never overwritten or deleted, so every
// root ever written stays readable and provable.
//
// apply() never writes to the store itself: it puts the new nodes and the
// flat-index updates into the caller's WriteBatch, so that the chain layer
// commits block, state and receipts in one synced write. A root returned by
// apply() is readable from the store only once that batch is written; until
// then its new nodes are served from the node cache, which lets the caller
// apply the next block before writing the previous batch as long as the
// cache is large enough to hold them (write batches promptly).
//
// The flat index ("latest value" of each key, and the latest root) follows
// the applies whose batches are written: apply every block on top of the
// root of the previous one. Applying on an older base root, for example to
// try a fork, should use a throw-away batch (discard it instead of writing).
//
// Store layout (all state keys start with the byte 's'; other modules must
// not use keys starting with "s/"):
//   "s/n/" + node hash -> encoded node (see tree_node.h)
//   "s/v/" + key       -> latest value of key
//   "s/root"           -> latest root (32 bytes)
//
// Ownership: the tree references, but does not own, the KeyValueStore,
// which must outlive it. Thread-safety: get_at(), prove(), get_latest() and
// latest_root() may run concurrently with each other and with one apply();
// apply() calls must be serialised by the caller. The node cache is
// internally synchronised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "state/proof.h"
#include "storage/store.h"

namespace govchain::state {

// One change of a block: set `key` to `value`, or delete it (nullopt).
struct StateChange {
  Bytes key;
  std::optional<Bytes> value;
  bool operator==(const StateChange&) const = default;
};

// Sorts changes into the order apply() requires (bytewise by key). Does not
// remove duplicates: apply() rejects two changes of one key.
void sort_changes(std::vector<StateChange>& changes);

// A value read through the tree at some root, with its proof.
struct ProvenValue {
  std::optional<Bytes> value;  // nullopt = absent
  StateProof proof;
};

struct StateTreeOptions {
  // Bound on the memory held by decoded nodes in the cache.
  size_t cache_size_bytes_max = 256 * 1024 * 1024;
};

struct CacheStatistics {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t node_count = 0;
  size_t size_bytes = 0;
};

namespace store_keys {
inline constexpr std::string_view node_prefix = "s/n/";
inline constexpr std::string_view value_prefix = "s/v/";
inline constexpr std::string_view latest_root = "s/root";
}  // namespace store_keys

class NodeCache;

class StateTree {
 public:
  explicit StateTree(storage::KeyValueStore& store, StateTreeOptions options = {});
  ~StateTree();
  StateTree(const StateTree&) = delete;
  StateTree& operator=(const StateTree&) = delete;

  // The root of the empty state: 32 zero bytes.
  static Hash empty_root() { return Hash{}; }

  // Applies `changes` to the state with root `base_root` and returns the new
  // root. Precondition (checked, Code::invalid_argument otherwise): keys are
  // non-empty, strictly ascending in bytewise order (so each key appears
  // once), at most limits::state_key_size_bytes_max bytes, values at most
  // limits::state_value_size_bytes_max bytes. Deleting an absent key is a
  // no-op. The new nodes, the flat-index updates and the new latest root are
  // put into `batch`; nothing is written to the store. An unknown
  // `base_root` is Code::not_found; a missing node below a known root is
  // Code::corruption.
  Result<Hash> apply(const Hash& base_root, std::span<const StateChange> changes, storage::WriteBatch& batch);

  // The latest value of `key` from the flat index (one store read).
  Result<std::optional<Bytes>> get_latest(ByteView key) const;
  // The root recorded by the last written apply batch, or empty_root().
  Result<Hash> latest_root() const;

  // The value of `key` under `root`, read through the tree.
  Result<std::optional<Bytes>> get_at(const Hash& root, ByteView key) const;
  // The value of `key` under `root` together with a proof that verifies
  // with verify_proof(root, key, value, proof).
  Result<ProvenValue> prove(const Hash& root, ByteView key) const;
  // Whether the node of `root` is available (stored or cached).
  Result<bool> contains_root(const Hash& root) const;

  CacheStatistics cache_statistics() const;

 private:
  storage::KeyValueStore& store_;
  std::unique_ptr<NodeCache> cache_;
};

}  // namespace govchain::state
