#include "state/state_sync.h"

#include <algorithm>

#include "core/limits.h"
#include "state/leaf_record.h"
#include "state/page.h"
#include "state/state_tree.h"

namespace govchain::state {

namespace {

ByteView as_view(std::string_view text) { return ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()); }

Bytes record_key(RecordKind kind, const Hash& hash) {
  return storage::prefixed_key(as_view(kind == RecordKind::page ? store_keys::page_prefix : store_keys::leaf_prefix),
                               hash.view());
}

std::string describe(const WantedRecord& wanted) {
  return wanted.kind == RecordKind::page ? "page " + wanted.hash.hex() + " at depth " + std::to_string(wanted.depth)
                                         : "leaf " + wanted.hash.hex();
}

}  // namespace

size_t state_record_size_bytes_max() {
  // A leaf record: format, version, two lengths, key and value.
  const size_t leaf_max = 1 + 8 + 4 + limits::state_key_size_bytes_max + 4 + limits::state_value_size_bytes_max;
  return std::max(leaf_max, page_record_size_bytes_max);
}

Result<Bytes> read_state_record(const storage::KeyValueStore& store, RecordKind kind, const Hash& hash) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store.get(record_key(kind, hash)));
  if (!stored) return error(Code::not_found, "no state record " + hash.hex());
  return std::move(*stored);
}

Status clear_latest_values(storage::KeyValueStore& store) {
  const Bytes prefix = to_bytes(store_keys::value_prefix);
  while (true) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto entries, store.scan(prefix, {}, 10'000));
    if (entries.empty()) return Status();
    storage::WriteBatch batch;
    for (const auto& entry : entries) batch.erase(entry.key);
    GOVCHAIN_TRY(store.write(batch, false));
  }
}

StateImporter::StateImporter(storage::KeyValueStore& store, const Hash& root, uint64_t version)
    : store_(store), root_(root), version_(version) {
  wanted_.push_back({RecordKind::page, root, 0});
}

Result<std::vector<WantedRecord>> StateImporter::next_wanted(size_t count_max) {
  std::vector<WantedRecord> out;
  // Depth first (the newest wanted record first), so that the list of
  // wanted records stays about 16 per level of the tree instead of growing
  // to the number of leaves.
  while (out.size() < count_max && !wanted_.empty()) {
    WantedRecord next = wanted_.back();
    wanted_.pop_back();
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> stored, store_.get(record_key(next.kind, next.hash)));
    // A record left by an earlier, interrupted import is checked like one
    // from a peer; one that does not check is fetched again.
    if (stored && take_record(next, *stored, true).ok()) {
      ++progress_.found_locally;
      continue;
    }
    out.push_back(next);
  }
  handed_out_ += out.size();
  progress_.wanted = wanted_.size() + handed_out_;
  return out;
}

void StateImporter::give_back(const std::vector<WantedRecord>& records) {
  for (const auto& record : records) wanted_.push_back(record);
  handed_out_ -= std::min(handed_out_, records.size());
}

Status StateImporter::accept(const WantedRecord& wanted, ByteView record) {
  GOVCHAIN_TRY(take_record(wanted, record, false));
  handed_out_ -= std::min<size_t>(handed_out_, 1);
  progress_.received_bytes += record.size();
  progress_.wanted = wanted_.size() + handed_out_;
  return Status();
}

Status StateImporter::take_record(const WantedRecord& wanted, ByteView record, bool from_store) {
  if (record.size() > state_record_size_bytes_max())
    return error(Code::corruption, describe(wanted) + ": the record has " + std::to_string(record.size()) +
                                       " bytes, more than any state record (" +
                                       std::to_string(state_record_size_bytes_max()) + ")");
  storage::WriteBatch batch;
  if (wanted.kind == RecordKind::page) {
    auto page = decode_page(record, wanted.hash, wanted.depth);
    if (!page.ok()) return error(Code::corruption, describe(wanted) + ": " + page.status().message());
    Slots slots;
    (*page)->read_slots(slots);
    for (const Slot& slot : slots) {
      if (slot.kind == SlotKind::page) wanted_.push_back({RecordKind::page, slot.hash, wanted.depth + page_levels});
      if (slot.kind == SlotKind::leaf) wanted_.push_back({RecordKind::leaf, slot.hash, 0});
    }
    ++progress_.pages;
    if (from_store) return Status();
    uint8_t encoded[page_record_size_bytes_max];
    const size_t size = encode_page(**page, version_, encoded);
    batch.put(record_key(RecordKind::page, wanted.hash), ByteView(encoded, size));
  } else {
    auto leaf = decode_leaf_record(record, wanted.hash);
    if (!leaf.ok()) return error(Code::corruption, describe(wanted) + ": " + leaf.status().message());
    ++progress_.leaves;
    if (!from_store) {
      Bytes encoded;
      encode_leaf_record(leaf->key, leaf->value, version_, encoded);
      batch.put(record_key(RecordKind::leaf, wanted.hash), encoded);
    }
    batch.put(storage::prefixed_key(as_view(store_keys::value_prefix), leaf->key), leaf->value);
  }
  // Not synced: a record lost in a crash is fetched again by the importer
  // that resumes; the records that make the state usable are written by
  // finish(), synced, after the whole tree was checked.
  return store_.write(batch, false);
}

namespace {

// Re-reads the subtree of the page `hash` at `depth` from the store and
// checks every page, leaf and flat-index entry; counts the leaves.
Status check_written_page(const storage::KeyValueStore& store, const Hash& hash, uint32_t depth, uint64_t& leaves) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes record, read_state_record(store, RecordKind::page, hash));
  GOVCHAIN_ASSIGN_OR_RETURN(PagePointer page, decode_page(record, hash, depth));
  Slots slots;
  page->read_slots(slots);
  for (const Slot& slot : slots) {
    if (slot.kind == SlotKind::page) GOVCHAIN_TRY(check_written_page(store, slot.hash, depth + page_levels, leaves));
    if (slot.kind != SlotKind::leaf) continue;
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes leaf_bytes, read_state_record(store, RecordKind::leaf, slot.hash));
    GOVCHAIN_ASSIGN_OR_RETURN(LeafRecord leaf, decode_leaf_record(leaf_bytes, slot.hash));
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> flat,
                              store.get(storage::prefixed_key(as_view(store_keys::value_prefix), leaf.key)));
    if (!flat || *flat != leaf.value)
      return error(Code::corruption, "the flat index of a leaf " + slot.hash.hex() + " differs from its record");
    ++leaves;
  }
  return Status();
}

}  // namespace

Status StateImporter::finish(storage::WriteBatch& batch) {
  if (!done()) return error(Code::invalid, "the state import is not complete");
  uint64_t leaves = 0;
  Status checked = check_written_page(store_, root_, 0, leaves);
  if (!checked.ok())
    return error(Code::corruption,
                 "the imported state does not check against root " + root_.hex() + ": " + checked.message());
  if (leaves != progress_.leaves)
    return error(Code::corruption, "the imported state holds " + std::to_string(leaves) + " leaves, the import took " +
                                       std::to_string(progress_.leaves));
  batch.put(as_view(store_keys::latest_root), root_.view());
  Bytes counter = {state_format};
  for (int shift = 56; shift >= 0; shift -= 8) counter.push_back(static_cast<uint8_t>(version_ >> shift));
  batch.put(as_view(store_keys::version), counter);
  return Status();
}

}  // namespace govchain::state
