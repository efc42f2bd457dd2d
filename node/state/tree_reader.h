// Internal to govchain_state: reads pages and leaf records through the page
// cache, checking each record read from the store against its hash.
//
// One reader per operation or thread; it holds references only, to a store
// and a cache that outlive it. The cache is thread-safe, so readers on
// several threads may share it.
#pragma once

#include <array>

#include "state/leaf_record.h"
#include "state/page.h"
#include "state/page_cache.h"
#include "state/state_tree.h"
#include "storage/store.h"

namespace govchain::state {

// The store key of a page or leaf record, built on the stack.
using RecordKey = std::array<uint8_t, 4 + Hash::size_bytes>;
RecordKey record_key(std::string_view prefix, const Hash& hash);

class TreeReader {
 public:
  TreeReader(const storage::KeyValueStore& store, PageCache& cache) : store_(store), cache_(cache) {}

  // The page `hash` at `depth`; Code::not_found if it is not stored.
  Result<PagePointer> load_page(const Hash& hash, uint32_t depth);
  // The same for a page that a stored page references: a missing one means
  // the store lost data, Code::corruption.
  Result<PagePointer> load_child_page(const Hash& hash, uint32_t depth);
  // The record of a leaf that a stored page or root references.
  Result<LeafRecord> load_leaf(const Hash& leaf_hash);
  // What a state root is: empty (zero), a single leaf or a page at depth 0.
  // Code::not_found if neither a page nor a leaf with that hash is stored.
  Result<Slot> load_root(const Hash& root);

 private:
  const storage::KeyValueStore& store_;
  PageCache& cache_;
};

}  // namespace govchain::state
