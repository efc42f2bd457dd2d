#include "state/tree_reader.h"

#include <cassert>
#include <cstring>

namespace govchain::state {

RecordKey record_key(std::string_view prefix, const Hash& hash) {
  assert(prefix.size() == 4);
  RecordKey key;
  std::memcpy(key.data(), prefix.data(), prefix.size());
  std::memcpy(key.data() + prefix.size(), hash.data.data(), Hash::size_bytes);
  return key;
}

Result<PagePointer> TreeReader::load_page(const Hash& hash, uint32_t depth) {
  assert(!hash.is_zero());
  if (PagePointer cached = cache_.find(hash, depth)) return cached;  // the cache matches the depth too
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> encoded, store_.get(record_key(store_keys::page_prefix, hash)));
  if (!encoded) return error(Code::not_found, "state page " + hash.hex() + " is not stored");
  GOVCHAIN_ASSIGN_OR_RETURN(PagePointer page, decode_page(*encoded, hash, depth));
  cache_.insert(page);
  return page;
}

Result<PagePointer> TreeReader::load_child_page(const Hash& hash, uint32_t depth) {
  auto page = load_page(hash, depth);
  if (!page.ok() && page.status().code() == Code::not_found)
    return error(Code::corruption, page.status().message() + " although a stored page references it");
  return page;
}

Result<LeafRecord> TreeReader::load_leaf(const Hash& leaf_hash) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> encoded, store_.get(record_key(store_keys::leaf_prefix, leaf_hash)));
  if (!encoded)
    return error(Code::corruption, "state leaf " + leaf_hash.hex() + " is not stored although the tree references it");
  return decode_leaf_record(*encoded, leaf_hash);
}

Result<Slot> TreeReader::load_root(const Hash& root) {
  if (root.is_zero()) return Slot{};
  if (cache_.find(root, 0)) return Slot::page(root);
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> page, store_.get(record_key(store_keys::page_prefix, root)));
  if (page) {
    // A page below the top is a stored subtree, not a state root.
    if (page->size() > 1 && (*page)[1] != 0)
      return error(Code::not_found, "state root " + root.hex() + " is not a root: it names a page at depth " +
                                        std::to_string((*page)[1] * page_levels));
    GOVCHAIN_ASSIGN_OR_RETURN(PagePointer decoded, decode_page(*page, root, 0));
    cache_.insert(std::move(decoded));
    return Slot::page(root);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> leaf, store_.get(record_key(store_keys::leaf_prefix, root)));
  if (!leaf) return error(Code::not_found, "state root " + root.hex() + " is not stored (neither a page nor a leaf)");
  GOVCHAIN_ASSIGN_OR_RETURN(LeafRecord record, decode_leaf_record(*leaf, root));
  return Slot::leaf(root, record.key_hash, record.value_hash);
}

}  // namespace govchain::state
