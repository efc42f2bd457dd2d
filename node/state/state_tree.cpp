#include "state/state_tree.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/limits.h"
#include "crypto/hash.h"
#include "state/page_cache.h"
#include "state/tree_reader.h"
#include "state/tree_update.h"

namespace govchain::state {
namespace {

ByteView as_view(std::string_view text) { return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }

Status change_error(Code code, size_t index, const std::string& message) {
  return error(code, "state change " + std::to_string(index) + ": " + message);
}

Status check_changes(std::span<const StateChange> changes) {
  for (size_t index = 0; index < changes.size(); ++index) {
    const StateChange& change = changes[index];
    if (change.key.empty()) return change_error(Code::invalid_argument, index, "the key is empty");
    if (change.key.size() > limits::state_key_size_bytes_max)
      return change_error(Code::too_large, index,
                          "the key has " + std::to_string(change.key.size()) + " bytes, more than " +
                              std::to_string(limits::state_key_size_bytes_max));
    if (change.value && change.value->size() > limits::state_value_size_bytes_max)
      return change_error(Code::too_large, index,
                          "the value has " + std::to_string(change.value->size()) + " bytes, more than " +
                              std::to_string(limits::state_value_size_bytes_max));
    if (index > 0 && !storage::BytesLess()(changes[index - 1].key, change.key))
      return change_error(Code::invalid_argument, index,
                          "keys are not strictly ascending (sort them, one change per key)");
  }
  return Status();
}

void append_big_endian(uint64_t value, int width, Bytes& out) {
  for (int index = width - 1; index >= 0; --index) out.push_back(static_cast<uint8_t>(value >> (8 * index)));
}

uint64_t read_big_endian(const uint8_t* in, int width) {
  uint64_t value = 0;
  for (int index = 0; index < width; ++index) value = (value << 8) | in[index];
  return value;
}

// The changes as sources of the rewrite, with their key and value hashes,
// sorted by key hash.
std::vector<Source> sources_of(std::span<const StateChange> changes) {
  std::vector<Source> sources(changes.size());
  for (size_t index = 0; index < changes.size(); ++index) {
    const StateChange& change = changes[index];
    sources[index].key_hash = state_key_hash(change.key);
    if (change.value) sources[index].value_hash = crypto::sha256(*change.value);
    sources[index].change = &change;
  }
  std::sort(sources.begin(), sources.end(),
            [](const Source& left, const Source& right) { return left.key_hash < right.key_hash; });
  return sources;
}

// Room for what a change usually adds, so that a big block does not regrow
// the batch buffer many times. Measured on 10^6 keys: about 4.3 records per
// change (2.3 pages, a leaf, a flat-index entry) and 1,340 bytes of keys and
// values besides the change's own key and value.
void reserve_for(std::span<const StateChange> changes, storage::WriteBatch& batch) {
  const size_t records_per_change = 5;
  const size_t record_bytes_per_change = 1400;
  size_t value_size_bytes = 0;
  for (const StateChange& change : changes)
    value_size_bytes += 2 * (change.key.size() + (change.value ? change.value->size() : 0));
  batch.reserve(batch.operation_count() + changes.size() * records_per_change + 4,
                batch.size_bytes() + changes.size() * record_bytes_per_change + value_size_bytes);
}

void put_flat_index(std::span<const StateChange> changes, const Hash& new_root, storage::WriteBatch& batch) {
  for (const StateChange& change : changes) {
    Bytes key = storage::prefixed_key(as_view(store_keys::value_prefix), change.key);
    if (change.value)
      batch.put(key, *change.value);
    else
      batch.erase(key);
  }
  batch.put(as_view(store_keys::latest_root), new_root.view());
}

// The version counter and the version's stale list (docs/state.md,
// "Versions and pruning"): the root it made, then the pages and the leaves
// that the root of the version before holds and this one does not.
void put_version(uint64_t version, const Hash& new_root, const TreeUpdate& update, storage::WriteBatch& batch) {
  Bytes counter = {state_format};
  append_big_endian(version, 8, counter);
  batch.put(as_view(store_keys::version), counter);
  Bytes key = to_bytes(store_keys::stale_prefix);
  append_big_endian(version, 8, key);
  Bytes stale;
  stale.reserve(32 + 8 + 32 * (update.stale_pages().size() + update.stale_leaves().size()));
  stale.insert(stale.end(), new_root.data.begin(), new_root.data.end());
  for (const std::vector<Hash>* list : {&update.stale_pages(), &update.stale_leaves()}) {
    append_big_endian(list->size(), 4, stale);
    for (const Hash& hash : *list) stale.insert(stale.end(), hash.data.begin(), hash.data.end());
  }
  batch.put(key, stale);
}

// Follows `key_hash` through the four levels of `page`, appending the
// siblings of its path, and returns what the path reaches: a single leaf or
// an empty subtree inside the page, or the content of a slot.
Slot walk_page(const Page& page, const Hash& key_hash, std::vector<Hash>& siblings) {
  uint32_t position = 1;
  for (uint32_t level = 0; level < page_levels; ++level) {
    const bool right = path_bit(key_hash, page.depth() + level);
    siblings.push_back(page.position_hash(2 * position + (right ? 0 : 1)));
    position = 2 * position + (right ? 1 : 0);
    if (position >= page_slot_count) break;
    if (page.position_kind(position) == PositionKind::empty) return Slot{};
    if (page.position_kind(position) == PositionKind::leaf) return page.slot(page.single_leaf_slot(position));
  }
  return page.slot(position - page_slot_count);
}

}  // namespace

void sort_changes(std::vector<StateChange>& changes) {
  std::sort(changes.begin(), changes.end(), [](const StateChange& left, const StateChange& right) {
    return storage::BytesLess()(left.key, right.key);
  });
}

StateTree::StateTree(storage::KeyValueStore& store, StateTreeOptions options)
    : store_(store), cache_(std::make_unique<PageCache>(options.cache_size_bytes_max)) {}

StateTree::~StateTree() = default;

Result<Hash> StateTree::apply(const Hash& base_root, std::span<const StateChange> changes, storage::WriteBatch& batch) {
  const double cpu_start_ms = thread_cpu_ms();
  GOVCHAIN_TRY(check_changes(changes));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t version, latest_version());
  ++version;
  TreeReader reader(store_, *cache_);
  auto base = reader.load_root(base_root);
  if (!base.ok()) return base.status().with_context("base state root " + base_root.hex());
  std::vector<Source> sources = sources_of(changes);
  reserve_for(changes, batch);
  const size_t operation_count_before = batch.operation_count();
  TreeUpdate update(store_, *cache_, batch, version);
  auto new_root = update.update(*base, 0, sources);
  if (!new_root.ok()) {
    batch.truncate(operation_count_before);  // leave the caller's batch as it was
    return new_root.status();
  }
  put_flat_index(changes, new_root->hash, batch);
  put_version(version, new_root->hash, update, batch);
  std::lock_guard lock(statistics_mutex_);
  last_apply_ = ApplyStatistics{version,
                                update.pages_written(),
                                update.leaves_written(),
                                update.stale_pages().size(),
                                update.stale_leaves().size(),
                                update.inner_hashes(),
                                thread_cpu_ms() - cpu_start_ms + update.helper_cpu_ms()};
  return new_root->hash;
}

Result<std::optional<Bytes>> StateTree::get_latest(ByteView key) const {
  return store_.get(storage::prefixed_key(as_view(store_keys::value_prefix), key));
}

Result<uint64_t> StateTree::latest_version() const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(as_view(store_keys::version)));
  if (!stored) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> root, store_.get(as_view(store_keys::latest_root)));
    if (root)
      return error(Code::invalid,
                   "the store holds state written by an older govchain (state format 1, one record per tree node); "
                   "this version reads format " +
                       std::to_string(state_format) +
                       " only and has no migration: move the data directory away and sync the chain anew");
    return uint64_t{0};
  }
  if (stored->size() != 9 || (*stored)[0] != state_format)
    return error(Code::invalid,
                 "the store holds state in format " + std::to_string(stored->empty() ? 0 : (*stored)[0]) + " (" +
                     std::to_string(stored->size()) + "-byte version record); this version reads format " +
                     std::to_string(state_format) + " only");
  return read_big_endian(stored->data() + 1, 8);
}

Result<Hash> StateTree::latest_root() const {
  GOVCHAIN_TRY(latest_version().status());
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(as_view(store_keys::latest_root)));
  if (!stored) return empty_root();
  if (stored->size() != Hash::size_bytes)
    return error(Code::corruption, "the stored latest state root has " + std::to_string(stored->size()) + " bytes");
  return Hash::from_view(*stored);
}

Result<std::optional<Bytes>> StateTree::get_at(const Hash& root, ByteView key) const {
  GOVCHAIN_ASSIGN_OR_RETURN(ProvenValue proven, prove(root, key));
  return std::move(proven.value);
}

Result<ProvenValue> StateTree::prove(const Hash& root, ByteView key) const {
  TreeReader reader(store_, *cache_);
  const Hash key_hash = state_key_hash(key);
  auto top = reader.load_root(root);
  if (!top.ok()) return top.status().with_context("state root " + root.hex());
  Slot reached = *top;
  ProvenValue result;
  for (uint32_t depth = 0; reached.kind == SlotKind::page; depth += page_levels) {
    auto page = depth == 0 ? reader.load_page(reached.hash, 0) : reader.load_child_page(reached.hash, depth);
    if (!page.ok()) return page.status().with_context("state root " + root.hex());
    reached = walk_page(**page, key_hash, result.proof.siblings);
  }
  if (reached.kind == SlotKind::empty) return result;  // terminal empty: the key is absent
  if (reached.key_hash != key_hash) {
    result.proof.terminal = ProofTerminal::other_leaf;
    result.proof.other_key_hash = reached.key_hash;
    result.proof.other_value_hash = reached.value_hash;
    return result;
  }
  auto leaf = reader.load_leaf(reached.hash);
  if (!leaf.ok()) return leaf.status().with_context("state root " + root.hex());
  if (!std::equal(leaf->key.begin(), leaf->key.end(), key.begin(), key.end()))
    return error(Code::corruption, "state leaf " + reached.hash.hex() + " holds another key with the same key hash");
  result.value = std::move(leaf->value);
  result.proof.terminal = ProofTerminal::key_leaf;
  return result;
}

Result<bool> StateTree::contains_root(const Hash& root) const {
  TreeReader reader(store_, *cache_);
  auto slot = reader.load_root(root);
  if (slot.ok()) return true;
  if (slot.status().code() == Code::not_found) return false;
  return slot.status();
}

Status StateTree::warm_cache(const Hash& root) const {
  TreeReader reader(store_, *cache_);
  GOVCHAIN_ASSIGN_OR_RETURN(Slot top, reader.load_root(root));
  if (top.kind != SlotKind::page) return Status();
  const double share_max = 0.9;
  std::vector<Hash> level = {root};
  std::vector<Hash> next;
  for (uint32_t depth = 0; !level.empty(); depth += page_levels) {
    for (const Hash& hash : level) {
      if (cache_->filled_to(share_max)) return Status();
      auto page = depth == 0 ? reader.load_page(hash, 0) : reader.load_child_page(hash, depth);
      if (!page.ok()) return page.status().with_context("state root " + root.hex());
      for (uint32_t index = 0; index < page_slot_count; ++index)
        if ((*page)->slot_kind(index) == SlotKind::page) next.push_back((*page)->slot(index).hash);
    }
    level.swap(next);
    next.clear();
  }
  return Status();
}

CacheStatistics StateTree::cache_statistics() const { return cache_->statistics(); }

ApplyStatistics StateTree::last_apply_statistics() const {
  std::lock_guard lock(statistics_mutex_);
  return last_apply_;
}

}  // namespace govchain::state
