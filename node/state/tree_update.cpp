#include "state/tree_update.h"

#include <time.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <future>
#include <memory>
#include <system_error>
#include <thread>

#include "state/proof.h"

namespace govchain::state {
namespace {

// Big blocks rewrite the root page's slots on several threads. Below this
// many changes a thread costs more than it saves.
constexpr size_t parallel_sources_min = 1024;
constexpr size_t thread_count_max = 4;

size_t thread_count_for(size_t source_count) {
  if (source_count < parallel_sources_min) return 1;
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, thread_count_max);
}

}  // namespace

double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

Result<Slot> TreeUpdate::update(const Slot& slot, uint32_t depth, std::span<Source> sources) {
  if (sources.empty()) return slot;
  switch (slot.kind) {
    case SlotKind::empty:
      return build(depth, sources);
    case SlotKind::leaf:
      return merge_leaf(slot, depth, sources);
    case SlotKind::page:
      break;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(PagePointer page, reader_.load_child_page(slot.hash, depth));
  return update_page(*page, sources);
}

Result<Slot> TreeUpdate::update_page(const Page& page, std::span<Source> sources) {
  Slots slots;
  page.read_slots(slots);
  uint16_t changed_slots = 0;
  GOVCHAIN_TRY(update_slots(page.depth(), sources, slots, changed_slots));
  if (changed_slots == 0) return Slot::page(page.hash());  // only no-op changes (deletes of absent keys, same values)
  stale_pages_.push_back(page.hash());
  cache_.erase(page.hash(), page.depth());
  return finish_page(page.depth(), slots, &page, changed_slots);
}

// A leaf sits where changes arrive: it stays as a source unless one of the
// changes is for its own key.
Result<Slot> TreeUpdate::merge_leaf(const Slot& leaf, uint32_t depth, std::span<Source> sources) {
  auto position =
      std::lower_bound(sources.begin(), sources.end(), leaf.key_hash,
                       [](const Source& source, const Hash& key_hash) { return source.key_hash < key_hash; });
  if (position != sources.end() && position->key_hash == leaf.key_hash) {
    assert(position->change != nullptr);  // kept leaves join the sources only below here, in build()
    if (position->change->value && position->value_hash == leaf.value_hash) {
      position->change = nullptr;  // the same value again: the leaf and its record stay
      position->leaf_hash = leaf.hash;
    } else {
      stale_leaves_.push_back(leaf.hash);
    }
    return build(depth, sources);
  }
  std::vector<Source> merged;
  merged.reserve(sources.size() + 1);
  merged.insert(merged.end(), sources.begin(), position);
  merged.push_back(Source{leaf.key_hash, leaf.value_hash, leaf.hash, nullptr});
  merged.insert(merged.end(), position, sources.end());
  return build(depth, merged);
}

// The subtree at `depth` whose leaves are exactly the live `sources`.
Result<Slot> TreeUpdate::build(uint32_t depth, std::span<Source> sources) {
  size_t live_count = 0;
  const Source* single = nullptr;
  for (const Source& source : sources)
    if (source.live()) {
      ++live_count;
      single = &source;
    }
  if (live_count == 0) return Slot{};
  if (live_count == 1) return leaf_of(*single);
  if (depth >= tree_depth_max) return error(Code::internal, "two distinct keys share a 256-bit key hash");
  Slots slots;
  uint16_t changed_slots = 0;
  GOVCHAIN_TRY(update_slots(depth, sources, slots, changed_slots));
  return finish_page(depth, slots, nullptr, 0xFFFF);
}

Status TreeUpdate::update_slots(uint32_t depth, std::span<Source> sources, Slots& slots, uint16_t& changed_slots) {
  SlotBounds bounds;
  size_t position = 0;
  for (uint32_t index = 0; index < page_slot_count; ++index) {
    bounds[index] = position;
    while (position < sources.size() && slot_of(sources[position].key_hash, depth) == index) ++position;
  }
  bounds[page_slot_count] = position;
  assert(position == sources.size());
  if (size_t thread_count = depth == 0 ? thread_count_for(sources.size()) : 1; thread_count > 1)
    return update_slots_in_parallel(depth, sources, bounds, thread_count, slots, changed_slots);
  return update_slot_range(depth, sources, bounds, 0, page_slot_count, slots, changed_slots);
}

Status TreeUpdate::update_slot_range(uint32_t depth, std::span<Source> sources, const SlotBounds& bounds,
                                     uint32_t first, uint32_t last, Slots& slots, uint16_t& changed_slots) {
  for (uint32_t index = first; index < last; ++index) {
    if (bounds[index + 1] == bounds[index]) continue;
    GOVCHAIN_ASSIGN_OR_RETURN(Slot next, update(slots[index], depth + page_levels,
                                                sources.subspan(bounds[index], bounds[index + 1] - bounds[index])));
    if (next.same_as(slots[index])) continue;
    slots[index] = next;
    changed_slots |= static_cast<uint16_t>(1u << index);
  }
  return Status();
}

// Splits the slots into `thread_count` runs with about as many sources
// each. This thread rewrites the first run; each other run gets a helper
// thread with its own TreeUpdate and batch (runs touch disjoint slots).
// Helpers are always joined before this returns; their batches and stale
// lists are appended in slot order.
Status TreeUpdate::update_slots_in_parallel(uint32_t depth, std::span<Source> sources, const SlotBounds& bounds,
                                            size_t thread_count, Slots& slots, uint16_t& changed_slots) {
  std::vector<uint32_t> run_starts = {0};
  for (uint32_t index = 1; index < page_slot_count && run_starts.size() < thread_count; ++index)
    if (bounds[index] * thread_count >= sources.size() * run_starts.size()) run_starts.push_back(index);
  run_starts.push_back(page_slot_count);
  const size_t helper_count = run_starts.size() - 2;
  std::vector<storage::WriteBatch> batches(helper_count);
  std::vector<std::unique_ptr<TreeUpdate>> helpers;
  std::vector<uint16_t> helper_changed(helper_count, 0);
  std::vector<std::future<Status>> results;
  for (size_t helper = 0; helper < helper_count; ++helper) {
    helpers.push_back(std::make_unique<TreeUpdate>(store_, cache_, batches[helper], version_));
    auto run = [&, helper] {
      const double cpu_start_ms = thread_cpu_ms();
      Status status = helpers[helper]->update_slot_range(depth, sources, bounds, run_starts[helper + 1],
                                                         run_starts[helper + 2], slots, helper_changed[helper]);
      helpers[helper]->helper_cpu_ms_ += thread_cpu_ms() - cpu_start_ms;
      return status;
    };
    try {
      results.push_back(std::async(std::launch::async, run));
    } catch (const std::system_error&) {
      std::promise<Status> done;  // no thread to be had: do this run here
      done.set_value(run());
      results.push_back(done.get_future());
    }
  }
  Status own = update_slot_range(depth, sources, bounds, run_starts[0], run_starts[1], slots, changed_slots);
  std::vector<Status> statuses;
  for (auto& result : results) statuses.push_back(result.get());  // joins every helper
  GOVCHAIN_TRY(own);
  for (size_t helper = 0; helper < helper_count; ++helper) {
    GOVCHAIN_TRY(statuses[helper]);
    batch_.append(batches[helper]);
    changed_slots |= helper_changed[helper];
    const TreeUpdate& done = *helpers[helper];
    stale_pages_.insert(stale_pages_.end(), done.stale_pages_.begin(), done.stale_pages_.end());
    stale_leaves_.insert(stale_leaves_.end(), done.stale_leaves_.begin(), done.stale_leaves_.end());
    pages_written_ += done.pages_written_;
    leaves_written_ += done.leaves_written_;
    inner_hashes_ += done.inner_hashes_;
    helper_cpu_ms_ += done.helper_cpu_ms_;
  }
  return Status();
}

// Makes the page at `depth` from its slots, unless they hold nothing (the
// subtree is empty) or a single leaf (which moves up into the parent).
Slot TreeUpdate::finish_page(uint32_t depth, const Slots& slots, const Page* previous, uint16_t changed_slots) {
  uint32_t occupied_count = 0;
  const Slot* single = nullptr;
  for (const Slot& slot : slots)
    if (slot.kind != SlotKind::empty) {
      ++occupied_count;
      single = &slot;
    }
  if (occupied_count == 0) return Slot{};
  if (occupied_count == 1 && single->kind == SlotKind::leaf) return *single;
  PagePointer page = Page::make(depth, slots, previous, changed_slots, &inner_hashes_);
  std::array<uint8_t, page_record_size_bytes_max> record;
  const size_t size_bytes = encode_page(*page, version_, record.data());
  batch_.put(record_key(store_keys::page_prefix, page->hash()), ByteView(record.data(), size_bytes));
  ++pages_written_;
  Slot made = Slot::page(page->hash());
  cache_.insert(std::move(page));
  return made;
}

Slot TreeUpdate::leaf_of(const Source& source) {
  if (source.change == nullptr) return Slot::leaf(source.leaf_hash, source.key_hash, source.value_hash);
  const Hash hash = leaf_hash(source.key_hash, source.value_hash);
  encode_leaf_record(source.change->key, *source.change->value, version_, leaf_record_);
  batch_.put(record_key(store_keys::leaf_prefix, hash), leaf_record_);
  ++leaves_written_;
  return Slot::leaf(hash, source.key_hash, source.value_hash);
}

}  // namespace govchain::state
