#include "mempool/outcomes.h"

#include "core/clock.h"

namespace govchain::mempool {

TxOutcomes::TxOutcomes(TxOutcomeLimits limits, SteadyClock clock)
    : limits_(limits), clock_(clock ? std::move(clock) : SteadyClock([] { return steady_now_ms(); })) {}

void TxOutcomes::record_dropped(const Hash& hash, const PublicKey& sender, const Status& reason) {
  std::string message = reason.message();
  if (message.size() > limits_.message_size_bytes_max) message.resize(limits_.message_size_bytes_max);
  const uint64_t now_ms = clock_();
  std::lock_guard lock(mutex_);
  ++dropped_;
  count_drop_locked(sender, now_ms);
  if (limits_.outcomes_max == 0) return;
  auto [entry, created] = outcomes_.insert_or_assign(hash, Status(reason.code(), std::move(message)));
  if (!created) return;
  outcome_order_.push_back(hash);
  while (outcome_order_.size() > limits_.outcomes_max) {
    outcomes_.erase(outcome_order_.front());
    outcome_order_.pop_front();
  }
}

void TxOutcomes::count_drop_locked(const PublicKey& sender, uint64_t now_ms) {
  if (!accounts_.count(sender) && accounts_.size() >= limits_.accounts_max && !accounts_.empty()) {
    // Forget the account seen least recently; a scan only when full.
    auto oldest = accounts_.begin();
    for (auto entry = accounts_.begin(); entry != accounts_.end(); ++entry)
      if (entry->second.last_seen_ms < oldest->second.last_seen_ms) oldest = entry;
    accounts_.erase(oldest);
  }
  AccountDrops& drops = accounts_[sender];
  drops.last_seen_ms = now_ms;
  while (!drops.times_ms.empty() && drops.times_ms.front() + limits_.drop_window_ms <= now_ms)
    drops.times_ms.pop_front();
  drops.times_ms.push_back(now_ms);
  if (drops.times_ms.size() >= limits_.drops_per_window_max) {
    drops.refused_until_ms = now_ms + limits_.penalty_ms;
    drops.times_ms.clear();
  }
}

std::optional<Status> TxOutcomes::dropped(const Hash& hash) const {
  std::lock_guard lock(mutex_);
  auto found = outcomes_.find(hash);
  if (found == outcomes_.end()) return std::nullopt;
  return found->second;
}

Status TxOutcomes::check_sender(const PublicKey& sender) const {
  const uint64_t now_ms = clock_();
  std::lock_guard lock(mutex_);
  auto found = accounts_.find(sender);
  if (found == accounts_.end() || found->second.refused_until_ms <= now_ms) return Status();
  const uint64_t wait_s = (found->second.refused_until_ms - now_ms + 999) / 1000;
  return error(Code::resource_exhausted,
               "account " + sender.hex() + " had " + std::to_string(limits_.drops_per_window_max) +
                   " transactions left out of blocks within " + std::to_string(limits_.drop_window_ms / 1000) +
                   " s because their actions failed or were not allowed; this node takes its transactions again in " +
                   std::to_string(wait_s) + " s. Try calls with POST /v1/query before submitting them");
}

uint64_t TxOutcomes::dropped_count() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace govchain::mempool
