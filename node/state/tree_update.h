// Internal to govchain_state: the rewrite of the tree for one
// StateTree::apply.
//
// The changes, sorted by key hash, are pushed down the tree once: at each
// page they are split by the slot their key hash takes, each touched slot is
// rewritten, and the page is rebuilt with the inner hashes above untouched
// slots taken over from the old page. Every page and leaf on the union of
// the changed paths is therefore written and hashed once, and nothing else
// is. New pages and leaf records go into the caller's batch (and new pages
// into the cache); the pages and leaves that the new root no longer
// references are collected for the version's stale list (docs/state.md,
// "Versions and pruning").
//
// One TreeUpdate per apply; it spreads the root page's slots over a few
// short-lived helper threads for big blocks, each with its own TreeUpdate
// and batch, and appends their work in slot order, so the result (root,
// batch content and stale lists) does not depend on the threads.
#pragma once

#include <span>
#include <vector>

#include "state/page.h"
#include "state/page_cache.h"
#include "state/state_tree.h"
#include "state/tree_reader.h"
#include "storage/store.h"

namespace govchain::state {

// A leaf that will exist below the subtree being rewritten: a changed key
// (change != nullptr; a deletion if its value is nullopt) or a leaf already
// in the tree that stays (change == nullptr).
struct Source {
  Hash key_hash;
  Hash value_hash;  // of the new value or of the kept leaf; zero for a deletion
  Hash leaf_hash;   // kept leaves only; a new leaf's hash is computed when it is made
  const StateChange* change = nullptr;

  bool live() const { return change == nullptr || change->value.has_value(); }
};

class TreeUpdate {
 public:
  // `version` is written into every new record (docs/state.md).
  TreeUpdate(const storage::KeyValueStore& store, PageCache& cache, storage::WriteBatch& batch, uint64_t version)
      : store_(store), reader_(store, cache), cache_(cache), batch_(batch), version_(version) {}

  // The new content of `slot` at `depth` (the root is the slot at depth 0)
  // once `sources` are applied. Precondition: sources are sorted by key
  // hash, one per key, and all share the first `depth` bits of their key
  // hashes with the slot's position.
  Result<Slot> update(const Slot& slot, uint32_t depth, std::span<Source> sources);

  // Pages and leaves of the old tree that the new tree no longer holds.
  const std::vector<Hash>& stale_pages() const { return stale_pages_; }
  const std::vector<Hash>& stale_leaves() const { return stale_leaves_; }
  size_t pages_written() const { return pages_written_; }
  size_t leaves_written() const { return leaves_written_; }
  size_t inner_hashes() const { return inner_hashes_; }
  // CPU time of the helper threads (the calling thread measures its own).
  double helper_cpu_ms() const { return helper_cpu_ms_; }

 private:
  using SlotBounds = std::array<size_t, page_slot_count + 1>;

  Result<Slot> update_page(const Page& page, std::span<Source> sources);
  Result<Slot> merge_leaf(const Slot& leaf, uint32_t depth, std::span<Source> sources);
  Result<Slot> build(uint32_t depth, std::span<Source> sources);
  Status update_slots(uint32_t depth, std::span<Source> sources, Slots& slots, uint16_t& changed_slots);
  Status update_slot_range(uint32_t depth, std::span<Source> sources, const SlotBounds& bounds, uint32_t first,
                           uint32_t last, Slots& slots, uint16_t& changed_slots);
  Status update_slots_in_parallel(uint32_t depth, std::span<Source> sources, const SlotBounds& bounds,
                                  size_t thread_count, Slots& slots, uint16_t& changed_slots);
  Slot finish_page(uint32_t depth, const Slots& slots, const Page* previous, uint16_t changed_slots);
  Slot leaf_of(const Source& source);

  const storage::KeyValueStore& store_;
  TreeReader reader_;
  PageCache& cache_;
  storage::WriteBatch& batch_;
  const uint64_t version_;
  std::vector<Hash> stale_pages_;
  std::vector<Hash> stale_leaves_;
  Bytes leaf_record_;  // reused for every new leaf's record
  size_t pages_written_ = 0;
  size_t leaves_written_ = 0;
  size_t inner_hashes_ = 0;
  double helper_cpu_ms_ = 0;
};

// CPU time of the calling thread, in milliseconds.
double thread_cpu_ms();

}  // namespace govchain::state
