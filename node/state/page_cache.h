// Internal to govchain_state: a bounded cache of decoded pages, keyed by
// page hash. Pages are immutable and content-addressed, so a cached page can
// never be stale, and what the cache holds never changes a result: a page it
// lacks is read from the store.
//
// Set-associative, like a CPU cache: a page may live only in the 8 ways of
// the set its hash selects, and a new page takes an empty way or replaces
// the least recently used one. Lookups and inserts touch one set of two
// 64-byte lines and allocate nothing. The memory bound counts the pages' own
// size plus the sets: a page that would push the total over the bound is not
// cached. (Tried and dropped: keeping pages near the top in preference to
// deeper ones, prefetching a page's children before descending, and huge
// pages for the sets made no measurable difference on a tree of 10^6 keys;
// reading a block's pages level by level ahead of the rewrite made apply
// slower.)
// Thread-safe: sets are guarded by a fixed number of striped mutexes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "state/page.h"
#include "state/state_tree.h"

namespace govchain::state {

class PageCache {
 public:
  explicit PageCache(size_t size_bytes_max);
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The cached page `hash` at `depth`, or null. Counts a hit or a miss.
  PagePointer find(const Hash& hash, uint32_t depth);
  void insert(PagePointer page);
  // Drops the page if it is cached. apply() drops the pages its new root
  // replaces: they belong to older versions only, which are rarely read,
  // and keeping them would fill most of the cache with dead pages.
  void erase(const Hash& hash, uint32_t depth);
  CacheStatistics statistics() const;
  // Whether the pages held reach `share` (0..1) of the bound.
  bool filled_to(double share) const;

 private:
  static constexpr size_t way_count = 8;
  static constexpr size_t lock_count = 64;
  // Planning figure for one cached page with its bookkeeping (pages hold 1
  // to 63 hashes; on a tree of 10^6 random keys they average about 450
  // bytes); sets the number of sets from the byte bound.
  static constexpr size_t entry_size_bytes_nominal = 450;

  // One set: the tags and use stamps of its ways in the first 64-byte line,
  // the page pointers in the second, so a lookup that finds nothing reads
  // one line.
  struct alignas(64) Set {
    // Per way: the page's depth / 4 in the top byte and bytes 0..2 of its
    // hash below, checked before the page itself, so that a lookup that
    // finds nothing reads only this line.
    std::array<uint32_t, way_count> tags{};
    std::array<uint32_t, way_count> last_use{};  // 0 = empty way
    std::array<PagePointer, way_count> pages;
  };
  struct Counters {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t page_count = 0;
    uint32_t use_clock = 0;
  };

  size_t set_of(const Hash& hash) const;
  static uint32_t tag_of(const Hash& hash, uint32_t depth);
  static size_t charged_size_bytes(const Page& page);
  static uint32_t next_use(Counters& counters);
  int find_way_locked(const Set& set, const Hash& hash, uint32_t tag) const;
  static size_t victim_locked(const Set& set);

  size_t set_count_;
  std::unique_ptr<Set[]> sets_;  // set_count_ sets, allocated once
  size_t size_bytes_max_;        // for the pages, after the sets themselves
  mutable std::array<std::mutex, lock_count> locks_;
  std::array<Counters, lock_count> counters_;  // guarded by the lock of the same index
  std::atomic<size_t> size_bytes_ = 0;
};

}  // namespace govchain::state
