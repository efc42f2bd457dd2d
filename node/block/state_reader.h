// The state of the chain as the block layer reads and writes it: one reader
// over a state tree and a root (TreeState), and the one place where an
// execution overlay's changes become state tree changes (apply_overlay).
//
// TreeState references, but does not own, the tree, which must outlive it.
// Thread-safety: as the tree's reads (state/state_tree.h); a pinned
// TreeState may be read while blocks are committed, a latest() one only by
// the thread that commits them.
#pragma once

#include <optional>

#include "execution/overlay.h"
#include "state/state_tree.h"
#include "storage/store.h"

namespace govchain::block {

class TreeState final : public execution::StateReader {
 public:
  // The state with root `root` (any root ever written), read through the
  // tree: stays the same state while other blocks are committed, so that
  // several reads of one answer belong to one block.
  TreeState(const state::StateTree& tree, const Hash& root) : tree_(tree), root_(root) {}
  // The latest written state, read from the tree's flat index (one store
  // read per key, no walk down the tree): what a block on top of the head
  // executes against. Precondition: no block is committed while it is
  // used for one answer (the node's block production and replay hold
  // this); reads between commits see the newest state.
  static TreeState latest(const state::StateTree& tree) { return TreeState(tree); }

  Result<std::optional<Bytes>> get(ByteView key) const override;

 private:
  explicit TreeState(const state::StateTree& tree) : tree_(tree) {}
  const state::StateTree& tree_;
  std::optional<Hash> root_;  // nullopt: the latest state
};

// Applies everything `overlay` wrote to the state with root `base_root`:
// the new tree nodes and flat-index updates go into `batch` (nothing is
// written), and the new root is returned. Errors as StateTree::apply.
Result<Hash> apply_overlay(state::StateTree& tree, const Hash& base_root, const execution::Overlay& overlay,
                           storage::WriteBatch& batch);

}  // namespace govchain::block
