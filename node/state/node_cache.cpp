#include "state/node_cache.h"

namespace govchain::state {

// Per-entry overhead beyond the node: the index entry, its bucket and the
// queue slot (measured roughly for libstdc++).
static constexpr size_t entry_overhead_bytes = 96 + 16 + 32;

NodeCache::NodeCache(size_t size_bytes_max) : shard_size_bytes_max_(size_bytes_max / shard_count) {}

NodePointer NodeCache::find(const Hash& hash) {
  Shard& shard = shard_of(hash);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(hash);
  if (found == shard.index.end()) {
    ++shard.misses;
    return nullptr;
  }
  ++shard.hits;
  found->second.referenced = true;
  return found->second.node;
}

void NodeCache::insert(NodePointer node) {
  assert(node);
  const size_t size_bytes = node->memory_size_bytes() + entry_overhead_bytes;
  if (size_bytes > shard_size_bytes_max_) return;
  const Hash hash = node->hash();
  Shard& shard = shard_of(hash);
  std::lock_guard lock(shard.mutex);
  auto [position, inserted] =
      shard.index.try_emplace(hash, Slot{std::move(node), static_cast<uint32_t>(size_bytes), false});
  if (!inserted) {
    position->second.referenced = true;
    return;
  }
  shard.queue.push_back(hash);
  shard.size_bytes += size_bytes;
  evict_locked(shard);
}

void NodeCache::evict_locked(Shard& shard) {
  // Bounded: every entry is requeued at most once before it can be evicted,
  // so this ends within two passes over the queue.
  size_t steps_max = 2 * shard.queue.size();
  for (size_t step = 0; step < steps_max && shard.size_bytes > shard_size_bytes_max_; ++step) {
    Hash oldest = shard.queue.front();
    shard.queue.pop_front();
    auto found = shard.index.find(oldest);
    assert(found != shard.index.end());
    if (found->second.referenced) {
      found->second.referenced = false;
      shard.queue.push_back(oldest);
      continue;
    }
    shard.size_bytes -= found->second.size_bytes;
    shard.index.erase(found);
  }
}

CacheStatistics NodeCache::statistics() const {
  CacheStatistics total;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total.hits += shard.hits;
    total.misses += shard.misses;
    total.node_count += shard.index.size();
    total.size_bytes += shard.size_bytes;
  }
  return total;
}

}  // namespace govchain::state
