// Internal to govchain_state: a bounded LRU cache of decoded tree nodes,
// keyed by node hash. Nodes are immutable and content-addressed, so a cached
// node can never be stale. Sharded, each shard under its own mutex; all
// methods are thread-safe.
#pragma once

#include <array>
#include <list>
#include <mutex>
#include <unordered_map>

#include "state/state_tree.h"
#include "state/tree_node.h"

namespace govchain::state {

class NodeCache {
 public:
  explicit NodeCache(size_t size_bytes_max);

  // The cached node, or null. Counts a hit or a miss.
  NodePointer find(const Hash& hash);
  void insert(const Hash& hash, NodePointer node);
  CacheStatistics statistics() const;

 private:
  static constexpr size_t shard_count = 16;
  struct Entry {
    Hash hash;
    NodePointer node;
    size_t size_bytes;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> recency;  // front = most recently used
    std::unordered_map<Hash, std::list<Entry>::iterator, FixedBytesHasher> index;
    size_t size_bytes = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;
  };
  Shard& shard_of(const Hash& hash) { return shards_[hash.data[31] % shard_count]; }
  void evict_locked(Shard& shard);

  size_t shard_size_bytes_max_;
  std::array<Shard, shard_count> shards_;
};

}  // namespace govchain::state
