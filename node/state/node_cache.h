// Internal to govchain_state: a bounded cache of decoded tree nodes, keyed
// by node hash. Nodes are immutable and content-addressed, so a cached node
// can never be stale.
//
// Set-associative, like a CPU cache: a node may live only in the 8 ways of
// the set its hash selects, and a new node replaces the least recently used
// way of that set. Lookups and inserts touch one small contiguous set and
// allocate nothing, which matters because every block makes tens of
// thousands of nodes. The memory bound counts the nodes' own size: a node
// that would push the total over the bound is not cached.
// Thread-safe: sets are guarded by a fixed number of striped mutexes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

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
  static constexpr size_t way_count = 8;
  static constexpr size_t lock_count = 64;
  // Planning figure for one cached inner node with its bookkeeping; sets the
  // number of sets from the byte bound.
  static constexpr size_t entry_size_bytes_nominal = 224;

  struct Way {
    uint64_t tag = 0;  // first 8 bytes of the node hash, checked before the node itself
    NodePointer node;
    uint32_t last_use = 0;
    uint32_t size_bytes = 0;
  };
  struct Counters {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t node_count = 0;
    uint32_t use_clock = 0;
  };

  size_t set_of(const Hash& hash) const;
  static uint64_t tag_of(const Hash& hash);
  Way* find_way_locked(size_t set, const Hash& hash);
  Way& victim_locked(size_t set);

  size_t size_bytes_max_;
  size_t set_count_;
  std::vector<Way> ways_;  // set_count_ * way_count, set by set
  mutable std::array<std::mutex, lock_count> locks_;
  std::array<Counters, lock_count> counters_;  // guarded by the lock of the same index
  std::atomic<size_t> size_bytes_ = 0;
};

}  // namespace govchain::state
