// Internal to govchain_state: a bounded cache of decoded tree nodes, keyed
// by node hash. Nodes are immutable and content-addressed, so a cached node
// can never be stale.
//
// Eviction is "second chance" FIFO (an approximation of LRU that needs no
// list surgery on a hit): entries leave in insertion order, except that an
// entry read since it was last considered gets one more round. Sharded,
// each shard under its own mutex; all methods are thread-safe.
#pragma once

#include <array>
#include <deque>
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
  void insert(NodePointer node);
  CacheStatistics statistics() const;

 private:
  static constexpr size_t shard_count = 16;
  struct Slot {
    NodePointer node;
    uint32_t size_bytes;
    bool referenced;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Hash, Slot, FixedBytesHasher> index;
    std::deque<Hash> queue;  // insertion order; front leaves first
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
