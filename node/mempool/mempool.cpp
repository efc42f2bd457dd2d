#include "mempool/mempool.h"

#include <algorithm>

namespace govchain::mempool {

Status Mempool::add(chain::CheckedTx checked) {
  const chain::Tx& tx = checked.tx();
  const Hash& hash = checked.hash();
  std::lock_guard lock(mutex_);
  if (by_hash_.count(hash)) return error(Code::already_exists, "transaction " + hash.hex() + " is already pending");
  if (by_hash_.size() >= limits_.txs_max || size_bytes_ + checked.size_bytes() > limits_.size_bytes_max)
    return error(Code::resource_exhausted, "the mempool is full (" + std::to_string(by_hash_.size()) +
                                               " transactions); retry after the next blocks");
  auto& queue = by_sender_[tx.sender];
  if (queue.count(tx.nonce))
    return error(Code::already_exists, "the sender already has a pending transaction with nonce " +
                                           std::to_string(tx.nonce));
  PublicKey sender = tx.sender;
  uint64_t nonce = tx.nonce;
  size_bytes_ += checked.size_bytes();
  by_hash_.emplace(hash, std::make_pair(sender, nonce));
  queue.emplace(nonce, std::move(checked));
  if (queued_senders_.insert(sender).second) sender_order_.push_back(sender);
  return Status();
}

std::vector<chain::CheckedTx> Mempool::select(size_t txs_max, size_t size_bytes_max,
                                              const execution::StateReader& committed) {
  std::lock_guard lock(mutex_);
  std::vector<chain::CheckedTx> selected;
  selected.reserve(std::min(txs_max, by_hash_.size()));
  size_t bytes = 0;
  for (const PublicKey& sender : sender_order_) {
    if (selected.size() >= txs_max) break;
    auto queue = by_sender_.find(sender);
    if (queue == by_sender_.end()) continue;
    auto next_nonce = execution::read_nonce(committed, sender);
    if (!next_nonce.ok()) continue;
    uint64_t expected = *next_nonce;
    for (const auto& [nonce, pending] : queue->second) {
      if (nonce != expected || selected.size() >= txs_max || bytes + pending.size_bytes() > size_bytes_max) break;
      selected.push_back(pending);
      bytes += pending.size_bytes();
      ++expected;
    }
  }
  return selected;
}

void Mempool::erase_locked(const PublicKey& sender, uint64_t nonce) {
  auto queue = by_sender_.find(sender);
  if (queue == by_sender_.end()) return;
  auto entry = queue->second.find(nonce);
  if (entry == queue->second.end()) return;
  size_bytes_ -= entry->second.size_bytes();
  by_hash_.erase(entry->second.hash());
  queue->second.erase(entry);
  if (queue->second.empty()) by_sender_.erase(queue);
}

void Mempool::remove_committed(std::span<const chain::CheckedTx> txs, const execution::StateReader& committed) {
  std::lock_guard lock(mutex_);
  std::set<PublicKey> touched;
  for (const auto& checked : txs) {
    erase_locked(checked.tx().sender, checked.tx().nonce);
    touched.insert(checked.tx().sender);
  }
  for (const auto& sender : touched) {
    auto queue = by_sender_.find(sender);
    if (queue == by_sender_.end()) continue;
    auto next_nonce = execution::read_nonce(committed, sender);
    if (!next_nonce.ok()) continue;
    while (queue != by_sender_.end() && !queue->second.empty() && queue->second.begin()->first < *next_nonce) {
      erase_locked(sender, queue->second.begin()->first);
      queue = by_sender_.find(sender);
    }
  }
  std::deque<PublicKey> still_waiting;
  for (const auto& sender : sender_order_) {
    if (by_sender_.count(sender))
      still_waiting.push_back(sender);
    else
      queued_senders_.erase(sender);
  }
  sender_order_ = std::move(still_waiting);
}

uint64_t Mempool::pending_next_nonce(const PublicKey& sender, uint64_t committed_next) const {
  std::lock_guard lock(mutex_);
  auto queue = by_sender_.find(sender);
  uint64_t next = committed_next;
  if (queue == by_sender_.end()) return next;
  for (auto entry = queue->second.lower_bound(next); entry != queue->second.end() && entry->first == next; ++entry)
    ++next;
  return next;
}

bool Mempool::contains(const Hash& hash) const {
  std::lock_guard lock(mutex_);
  return by_hash_.count(hash) > 0;
}

bool Mempool::contains_signed(const Hash& hash, const Signature& signature) const {
  std::lock_guard lock(mutex_);
  auto found = by_hash_.find(hash);
  if (found == by_hash_.end()) return false;
  const auto& [sender, nonce] = found->second;
  auto queue = by_sender_.find(sender);
  if (queue == by_sender_.end()) return false;
  auto entry = queue->second.find(nonce);
  return entry != queue->second.end() && entry->second.tx().signature == signature;
}

size_t Mempool::size() const {
  std::lock_guard lock(mutex_);
  return by_hash_.size();
}

size_t Mempool::size_bytes() const {
  std::lock_guard lock(mutex_);
  return size_bytes_;
}

}  // namespace govchain::mempool
