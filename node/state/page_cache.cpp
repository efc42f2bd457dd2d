#include "state/page_cache.h"

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <memory>
#include <new>

namespace govchain::state {

namespace {
// What the allocator adds to each page's block (glibc: 8 to 16 bytes).
constexpr size_t allocation_overhead_bytes = 16;
}  // namespace

PageCache::PageCache(size_t size_bytes_max)
    : set_count_(std::max<size_t>(1, size_bytes_max / (entry_size_bytes_nominal * way_count))),
      sets_(std::make_unique<Set[]>(set_count_)),
      size_bytes_max_(size_bytes_max > set_count_ * sizeof(Set) ? size_bytes_max - set_count_ * sizeof(Set) : 0) {}

PageCache::~PageCache() = default;

// Bytes 8..15 pick the set and bytes 0..2 go into the tag, so the two are independent.
size_t PageCache::set_of(const Hash& hash) const {
  uint64_t bits;
  std::memcpy(&bits, hash.data.data() + 8, sizeof(bits));
  return static_cast<size_t>(bits % set_count_);
}

uint32_t PageCache::tag_of(const Hash& hash, uint32_t depth) {
  return (depth / page_levels) << 24 | uint32_t{hash.data[0]} << 16 | uint32_t{hash.data[1]} << 8 | hash.data[2];
}

// Use stamps start at 1 and skip 0 when the clock wraps: 0 marks an empty way.
uint32_t PageCache::next_use(Counters& counters) {
  if (++counters.use_clock == 0) counters.use_clock = 1;
  return counters.use_clock;
}

size_t PageCache::charged_size_bytes(const Page& page) { return page.memory_size_bytes() + allocation_overhead_bytes; }

int PageCache::find_way_locked(const Set& set, const Hash& hash, uint32_t tag) const {
  for (size_t way = 0; way < way_count; ++way)
    if (set.tags[way] == tag && set.last_use[way] != 0 && set.pages[way]->hash() == hash) return static_cast<int>(way);
  return -1;
}

// An empty way if there is one, else the least recently used.
size_t PageCache::victim_locked(const Set& set) {
  size_t victim = 0;
  for (size_t way = 0; way < way_count; ++way) {
    if (set.last_use[way] == 0) return way;
    if (set.last_use[way] < set.last_use[victim]) victim = way;
  }
  return victim;
}

PagePointer PageCache::find(const Hash& hash, uint32_t depth) {
  const size_t index = set_of(hash);
  Set& set = sets_[index];
  std::lock_guard lock(locks_[index % lock_count]);
  Counters& counters = counters_[index % lock_count];
  const int way = find_way_locked(set, hash, tag_of(hash, depth));
  if (way < 0) {
    ++counters.misses;
    return nullptr;
  }
  ++counters.hits;
  set.last_use[way] = next_use(counters);
  return set.pages[way];
}

void PageCache::insert(PagePointer page) {
  assert(page);
  const size_t size_bytes = charged_size_bytes(*page);
  const Hash& hash = page->hash();
  const uint32_t tag = tag_of(hash, page->depth());
  const size_t index = set_of(hash);
  Set& set = sets_[index];
  PagePointer released;  // freed after the lock is dropped
  std::lock_guard lock(locks_[index % lock_count]);
  Counters& counters = counters_[index % lock_count];
  if (const int existing = find_way_locked(set, hash, tag); existing >= 0) {
    set.last_use[existing] = next_use(counters);
    return;
  }
  const size_t victim = victim_locked(set);
  const size_t freed_bytes = set.pages[victim] ? charged_size_bytes(*set.pages[victim]) : 0;
  if (size_bytes_.load(std::memory_order_relaxed) - freed_bytes + size_bytes > size_bytes_max_) return;
  if (!set.pages[victim]) ++counters.page_count;
  size_bytes_ += size_bytes;
  size_bytes_ -= freed_bytes;
  released = std::move(set.pages[victim]);
  set.pages[victim] = std::move(page);
  set.tags[victim] = tag;
  set.last_use[victim] = next_use(counters);
}

void PageCache::erase(const Hash& hash, uint32_t depth) {
  const size_t index = set_of(hash);
  Set& set = sets_[index];
  PagePointer released;  // freed after the lock is dropped
  std::lock_guard lock(locks_[index % lock_count]);
  const int way = find_way_locked(set, hash, tag_of(hash, depth));
  if (way < 0) return;
  size_bytes_ -= charged_size_bytes(*set.pages[way]);
  --counters_[index % lock_count].page_count;
  released = std::move(set.pages[way]);
  set.tags[way] = 0;
  set.last_use[way] = 0;
}

bool PageCache::filled_to(double share) const {
  return static_cast<double>(size_bytes_.load(std::memory_order_relaxed)) >=
         share * static_cast<double>(size_bytes_max_);
}

CacheStatistics PageCache::statistics() const {
  CacheStatistics total;
  for (size_t index = 0; index < lock_count; ++index) {
    std::lock_guard lock(locks_[index]);
    total.hits += counters_[index].hits;
    total.misses += counters_[index].misses;
    total.node_count += counters_[index].page_count;
  }
  total.size_bytes = size_bytes_.load() + set_count_ * sizeof(Set);
  return total;
}

}  // namespace govchain::state
