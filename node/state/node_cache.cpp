#include "state/node_cache.h"

namespace govchain::state {

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
  shard.recency.splice(shard.recency.begin(), shard.recency, found->second);
  return found->second->node;
}

void NodeCache::insert(const Hash& hash, NodePointer node) {
  assert(node);
  size_t size_bytes = node->memory_size_bytes() + sizeof(Entry) + 64;
  if (size_bytes > shard_size_bytes_max_) return;
  Shard& shard = shard_of(hash);
  std::lock_guard lock(shard.mutex);
  auto found = shard.index.find(hash);
  if (found != shard.index.end()) {
    shard.recency.splice(shard.recency.begin(), shard.recency, found->second);
    return;
  }
  shard.recency.push_front(Entry{hash, std::move(node), size_bytes});
  shard.index.emplace(hash, shard.recency.begin());
  shard.size_bytes += size_bytes;
  evict_locked(shard);
}

void NodeCache::evict_locked(Shard& shard) {
  // Bounded: each pass removes one entry, and there are finitely many.
  while (shard.size_bytes > shard_size_bytes_max_ && !shard.recency.empty()) {
    Entry& oldest = shard.recency.back();
    shard.size_bytes -= oldest.size_bytes;
    shard.index.erase(oldest.hash);
    shard.recency.pop_back();
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
