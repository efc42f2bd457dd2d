#include "block/state_reader.h"

namespace govchain::block {

Result<std::optional<Bytes>> TreeState::get(ByteView key) const {
  if (root_) return tree_.get_at(*root_, key);
  return tree_.get_latest(key);
}

Result<Hash> apply_overlay(state::StateTree& tree, const Hash& base_root, const execution::Overlay& overlay,
                           storage::WriteBatch& batch) {
  // The one conversion from execution's changes to the tree's: the same
  // key and value, sorted by key as both require.
  std::vector<execution::StateChange> written = overlay.changes();
  std::vector<state::StateChange> changes;
  changes.reserve(written.size());
  for (auto& change : written) changes.push_back({std::move(change.key), std::move(change.value)});
  return tree.apply(base_root, changes, batch);
}

}  // namespace govchain::block
