#include "execution/overlay.h"

#include <cassert>

namespace govchain::execution {

Result<std::optional<Bytes>> Overlay::get(ByteView key) const {
  auto found = writes_.find(Bytes(key.begin(), key.end()));
  if (found != writes_.end()) return found->second;
  return base_.get(key);
}

void Overlay::record(const Bytes& key) {
  auto found = writes_.find(key);
  if (found == writes_.end())
    undo_.emplace_back(key, std::nullopt);
  else
    undo_.emplace_back(key, found->second);
}

void Overlay::set(ByteView key, ByteView value) {
  Bytes owned_key(key.begin(), key.end());
  record(owned_key);
  writes_[std::move(owned_key)] = Bytes(value.begin(), value.end());
}

void Overlay::erase(ByteView key) {
  Bytes owned_key(key.begin(), key.end());
  record(owned_key);
  writes_[std::move(owned_key)] = std::nullopt;
}

void Overlay::revert(size_t checkpoint) {
  assert(checkpoint <= undo_.size());
  while (undo_.size() > checkpoint) {
    auto& [key, previous] = undo_.back();
    if (previous.has_value())
      writes_[key] = *previous;
    else
      writes_.erase(key);
    undo_.pop_back();
  }
}

std::vector<StateChange> Overlay::changes() const {
  std::vector<StateChange> out;
  out.reserve(writes_.size());
  for (const auto& [key, value] : writes_) out.push_back({key, value});
  return out;
}

}  // namespace govchain::execution
