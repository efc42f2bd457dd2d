#include "state/node_cache.h"

#include <algorithm>
#include <cstring>

namespace govchain::state {

NodeCache::NodeCache(size_t size_bytes_max)
    : size_bytes_max_(size_bytes_max),
      set_count_(std::max<size_t>(1, size_bytes_max / (entry_size_bytes_nominal * way_count))),
      ways_(set_count_ * way_count) {}

// Bytes 8..15 pick the set and bytes 0..7 are the tag, so the two are independent.
size_t NodeCache::set_of(const Hash& hash) const {
  uint64_t bits;
  std::memcpy(&bits, hash.data.data() + 8, sizeof(bits));
  return static_cast<size_t>(bits % set_count_);
}

uint64_t NodeCache::tag_of(const Hash& hash) {
  uint64_t tag;
  std::memcpy(&tag, hash.data.data(), sizeof(tag));
  return tag;
}

NodeCache::Way* NodeCache::find_way_locked(size_t set, const Hash& hash) {
  const uint64_t tag = tag_of(hash);
  Way* begin = &ways_[set * way_count];
  for (Way* way = begin; way != begin + way_count; ++way)
    if (way->node && way->tag == tag && way->node->hash() == hash) return way;
  return nullptr;
}

// An empty way if there is one, else the least recently used.
NodeCache::Way& NodeCache::victim_locked(size_t set) {
  Way* begin = &ways_[set * way_count];
  Way* victim = begin;
  for (Way* way = begin; way != begin + way_count; ++way) {
    if (!way->node) return *way;
    if (way->last_use < victim->last_use) victim = way;
  }
  return *victim;
}

NodePointer NodeCache::find(const Hash& hash) {
  const size_t set = set_of(hash);
  std::lock_guard lock(locks_[set % lock_count]);
  Counters& counters = counters_[set % lock_count];
  Way* way = find_way_locked(set, hash);
  if (!way) {
    ++counters.misses;
    return nullptr;
  }
  ++counters.hits;
  way->last_use = ++counters.use_clock;
  return way->node;
}

void NodeCache::insert(NodePointer node) {
  assert(node);
  const size_t size_bytes = node->memory_size_bytes() + sizeof(Way) + 16;  // 16: shared_ptr control block
  const Hash& hash = node->hash();
  const size_t set = set_of(hash);
  NodePointer released;  // freed after the lock is dropped
  std::lock_guard lock(locks_[set % lock_count]);
  Counters& counters = counters_[set % lock_count];
  if (Way* existing = find_way_locked(set, hash)) {
    existing->last_use = ++counters.use_clock;
    return;
  }
  Way& victim = victim_locked(set);
  const size_t freed_bytes = victim.node ? victim.size_bytes : 0;
  if (size_bytes_.load(std::memory_order_relaxed) - freed_bytes + size_bytes > size_bytes_max_) return;
  if (!victim.node) ++counters.node_count;
  size_bytes_ += size_bytes;
  size_bytes_ -= freed_bytes;
  released = std::move(victim.node);
  victim = Way{tag_of(hash), std::move(node), ++counters.use_clock, static_cast<uint32_t>(size_bytes)};
}

CacheStatistics NodeCache::statistics() const {
  CacheStatistics total;
  for (size_t index = 0; index < lock_count; ++index) {
    std::lock_guard lock(locks_[index]);
    total.hits += counters_[index].hits;
    total.misses += counters_[index].misses;
    total.node_count += counters_[index].node_count;
  }
  total.size_bytes = size_bytes_.load();
  return total;
}

}  // namespace govchain::state
