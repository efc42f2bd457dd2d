// A write overlay over committed state, used while executing a block.
//
// Reads fall through to the base (the committed state at the parent block);
// writes stay in the overlay until the block commits. Checkpoints let a
// failing transaction's writes be undone while the block goes on.
// Not thread-safe: one block is executed by one thread.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::execution {

// Read access to committed state. Implementations must be deterministic:
// the same key at the same parent block gives the same answer on every node.
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual Result<std::optional<Bytes>> get(ByteView key) const = 0;
};

struct StateChange {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: the key is deleted
};

class Overlay : public StateReader {
 public:
  explicit Overlay(const StateReader& base) : base_(base) {}

  Result<std::optional<Bytes>> get(ByteView key) const override;
  void set(ByteView key, ByteView value);
  void erase(ByteView key);

  // Undo log positions; revert(checkpoint()) undoes everything written since.
  size_t checkpoint() const { return undo_.size(); }
  void revert(size_t checkpoint);
  // Drops the undo log once no checkpoint will be reverted (after each
  // transaction), so a block's memory stays bounded by what it wrote.
  void forget_undo() { undo_.clear(); }

  // Every key written since construction, sorted by key, with its final value.
  std::vector<StateChange> changes() const;
  size_t written_keys() const { return writes_.size(); }

 private:
  void record(const Bytes& key);
  const StateReader& base_;
  std::map<Bytes, std::optional<Bytes>> writes_;
  // Previous overlay entry of each write, for revert (nullopt: none existed).
  std::vector<std::pair<Bytes, std::optional<std::optional<Bytes>>>> undo_;
};

// An empty committed state (genesis is applied on top of it).
class EmptyState : public StateReader {
 public:
  Result<std::optional<Bytes>> get(ByteView) const override { return std::optional<Bytes>(); }
};

}  // namespace govchain::execution
