// StateTree: the authenticated state of the chain, a compact sparse Merkle
// tree over hashed keys with versioned roots, plus a flat index of the
// latest values.
//
// Shape and hashing are specified in state/proof.h and docs/state.md. The
// tree is stored in pages of four binary levels (16 slots each, see
// state/page.h), content-addressed by the hash of the inner node at their
// top, so a page's key is the same whichever version made it. Records are
// never overwritten with other content, so every root ever written stays
// readable and provable until a pruner removes it (docs/state.md,
// "Versions and pruning").
//
// apply() never writes to the store itself: it puts the new pages and leaf
// records, the flat-index updates, the latest root and the version record
// into the caller's WriteBatch, so that the chain layer commits block, state
// and receipts in one synced write. A root returned by apply() is guaranteed
// to be readable only once that batch is written. (Its new pages also enter
// the page cache, but the cache may drop any of them at any time, so write a
// batch before applying the next block on top of its root; a discarded
// batch leaves nothing behind that matters. apply() also drops the pages
// its root replaces from the cache: applying twice on one base, as a
// validator may for two proposals of one height, is correct but the second
// reads those pages from the store.)
//
// The flat index ("latest value" of each key, the latest root and the
// version counter) follows the applies whose batches are written: apply
// every block on top of the root of the previous one. Applying on an older
// base root, for example to try a fork, should use a throw-away batch
// (discard it instead of writing).
//
// Store layout (all state keys start with "s/"; other modules must not use
// keys starting with "s/"):
//   "s/p/" + page hash      -> page record (state/page.h)
//   "s/n/" + leaf hash      -> leaf record: key and value (state/leaf_record.h)
//   "s/v/" + key            -> latest value of key
//   "s/root"                -> latest root (32 bytes)
//   "s/version"             -> u8 state format (2), u64 number of the last written apply
//   "s/x/" + u64 version    -> that apply's root and the pages and leaves it made stale
//
// Ownership: the tree references, but does not own, the KeyValueStore,
// which must outlive it. Thread-safety: get_at(), prove(), get_latest(),
// latest_root(), latest_version(), contains_root(), warm_cache() and the
// statistics may run concurrently with each other and with one apply();
// apply() calls must be serialised by the caller. The
// page cache is internally synchronised. For big blocks apply() itself uses
// up to three short-lived helper threads (joined before it returns); the
// result is the same as on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
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
  // Bound on the memory held by the page cache (decoded pages and the
  // cache's own table). The default keeps a node well under its memory aim;
  // a tree of 10^6 keys has 161 MiB of pages, so this holds about a third
  // of it (docs/state.md, section 4, has what apply costs then and with
  // bigger caches).
  size_t cache_size_bytes_max = 64 * 1024 * 1024;
};

struct CacheStatistics {
  uint64_t hits = 0;
  uint64_t misses = 0;
  size_t node_count = 0;  // pages held
  size_t size_bytes = 0;  // memory counted against cache_size_bytes_max
};

// What the last apply() did, for metrics and benchmarks.
struct ApplyStatistics {
  uint64_t version = 0;       // the number the apply gave its records
  size_t pages_written = 0;   // new pages put into the batch
  size_t leaves_written = 0;  // new leaf records put into the batch
  size_t stale_pages = 0;     // pages of the base root that the new root no longer holds
  size_t stale_leaves = 0;    // leaves likewise
  size_t inner_hashes = 0;    // inner-node hashes computed
  // CPU time of the threads that ran the apply (the caller's and the
  // helpers'), without other threads of the process such as LevelDB's
  // compaction.
  double cpu_ms = 0;
};

namespace store_keys {
inline constexpr std::string_view page_prefix = "s/p/";
inline constexpr std::string_view leaf_prefix = "s/n/";
inline constexpr std::string_view value_prefix = "s/v/";
inline constexpr std::string_view latest_root = "s/root";
inline constexpr std::string_view version = "s/version";
inline constexpr std::string_view stale_prefix = "s/x/";
}  // namespace store_keys

// The format of the state records this code writes and reads. Format 1
// (one record per binary node, before pages) is not read: there is no
// migration (docs/state.md).
inline constexpr uint8_t state_format = 2;

class PageCache;

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
  // no-op. The new pages and leaf records, the flat-index updates, the new
  // latest root and the version records are put into `batch`; nothing is
  // written to the store. An unknown `base_root` is Code::not_found; a
  // missing page or leaf below a known root is Code::corruption. On error
  // `batch` is left as it was.
  Result<Hash> apply(const Hash& base_root, std::span<const StateChange> changes, storage::WriteBatch& batch);

  // The latest value of `key` from the flat index (one store read).
  Result<std::optional<Bytes>> get_latest(ByteView key) const;
  // The root recorded by the last written apply batch, or empty_root().
  // Code::invalid if the store holds state in another format (a data
  // directory of an older govchain; it must be synced anew).
  Result<Hash> latest_root() const;
  // The number of the last written apply (0 before the first); apply() gives
  // the next one to the records it writes.
  Result<uint64_t> latest_version() const;

  // The value of `key` under `root`, read through the tree.
  Result<std::optional<Bytes>> get_at(const Hash& root, ByteView key) const;
  // The value of `key` under `root` together with a proof that verifies
  // with verify_proof(root, key, value, proof).
  Result<ProvenValue> prove(const Hash& root, ByteView key) const;
  // Whether `root` is stored (its page or, for a one-key state, its leaf).
  Result<bool> contains_root(const Hash& root) const;

  // Reads the pages of `root` into the cache, top levels first, until the
  // cache is nine tenths full or holds the whole tree. A node that starts
  // can call it so that its first blocks do not read most pages from the
  // store one by one; benchmarks use it to reach the cache's steady state.
  // Errors as for prove().
  Status warm_cache(const Hash& root) const;

  CacheStatistics cache_statistics() const;
  // Of the last successful apply(); zeros before the first.
  ApplyStatistics last_apply_statistics() const;

 private:
  storage::KeyValueStore& store_;
  std::unique_ptr<PageCache> cache_;
  mutable std::mutex statistics_mutex_;
  ApplyStatistics last_apply_;  // guarded by statistics_mutex_
};

}  // namespace govchain::state
