#include "mempool/mempool.h"

#include <algorithm>

#include "core/clock.h"

namespace govchain::mempool {

namespace {

constexpr const char* privileged_group = "privileged";

// Unknown keys are evicted first, validators last.
uint8_t eviction_rank(execution::AccountClass account_class) {
  return static_cast<uint8_t>(static_cast<uint8_t>(execution::AccountClass::unknown) -
                              static_cast<uint8_t>(account_class));
}

void add_usage(MempoolUsage& usage, const MempoolUsage& more) {
  usage.txs += more.txs;
  usage.size_bytes += more.size_bytes;
}

void subtract_usage(MempoolUsage& usage, const MempoolUsage& less) {
  usage.txs -= less.txs;
  usage.size_bytes -= less.size_bytes;
}

std::string full_message(std::string_view what) {
  return "the mempool is full " + std::string(what) + "; retry after the next blocks";
}

}  // namespace

int64_t system_clock_ms() { return system_clock().wall_ms(); }

Mempool::Mempool(const execution::Executor& executor, MempoolLimits limits, Clock clock)
    : executor_(executor), limits_(limits), clock_(std::move(clock)) {}

std::string Mempool::group_of(const execution::AccountStanding& standing) {
  if (standing.privileged()) return privileged_group;
  if (standing.account_class == execution::AccountClass::role_holder) return "municipality:" + standing.municipality;
  if (standing.account_class == execution::AccountClass::attested) return "attested";
  return "unknown";
}

size_t Mempool::share(size_t maximum, unsigned percent) const {
  return static_cast<size_t>(static_cast<unsigned __int128>(maximum) * std::min(percent, 100u) / 100);
}

size_t Mempool::group_share(const std::string& group, size_t maximum) const {
  if (group == privileged_group) return maximum;
  if (group == "attested") return share(maximum, limits_.attested_share_percent);
  if (group == "unknown") return share(maximum, limits_.unknown_share_percent);
  return share(maximum, limits_.municipality_share_percent);
}

// ---- indexes ------------------------------------------------------------

void Mempool::unindex_locked(const PublicKey& sender, SenderQueue& queue) {
  auto found = groups_.find(queue.group);
  if (found == groups_.end()) return;
  Group& group = found->second;
  subtract_usage(group.usage, queue.usage);
  if (!queue.standing.privileged()) subtract_usage(unprivileged_, queue.usage);
  group.accounts.erase({queue.usage.txs, sender});
  for (const auto& [nonce, entry] : queue.waiting) {
    group.waiting.erase(entry.first);
    waiting_arrival_.erase(entry.second);
  }
  queue.waiting.clear();
  if (group.usage.txs == 0 && group.waiting.empty()) groups_.erase(found);
}

void Mempool::index_locked(const PublicKey& sender, SenderQueue& queue) {
  Group& group = groups_[queue.group];
  add_usage(group.usage, queue.usage);
  if (!queue.standing.privileged()) add_usage(unprivileged_, queue.usage);
  group.accounts.insert({queue.usage.txs, sender});
  uint64_t run_end = run_end_locked(queue);
  uint8_t rank = eviction_rank(queue.standing.account_class);
  for (auto entry = queue.txs.lower_bound(run_end); entry != queue.txs.end(); ++entry) {
    const PendingTx& pending = entry->second;
    GapEntry gap{rank, ~pending.sequence, sender, entry->first};
    ArrivalKey arrival{pending.arrived_ms, pending.sequence, sender, entry->first};
    group.waiting.insert(gap);
    waiting_arrival_.insert(arrival);
    queue.waiting.emplace(entry->first, std::make_pair(gap, arrival));
  }
}

uint64_t Mempool::run_end_locked(const SenderQueue& queue) const {
  uint64_t next = queue.base_nonce;
  for (auto entry = queue.txs.lower_bound(next); entry != queue.txs.end() && entry->first == next; ++entry) ++next;
  return next;
}

void Mempool::insert_locked(PendingTx pending, const execution::AccountStanding& standing, uint64_t base_nonce) {
  const PublicKey sender = pending.tx.tx().sender;
  const uint64_t nonce = pending.tx.tx().nonce;
  auto [position, created] = senders_.try_emplace(sender);
  SenderQueue& queue = position->second;
  if (!created) unindex_locked(sender, queue);
  queue.standing = standing;
  queue.group = group_of(standing);
  queue.base_nonce = created ? base_nonce : std::max(queue.base_nonce, base_nonce);
  by_hash_.emplace(pending.tx.hash(), std::make_pair(sender, nonce));
  by_arrival_.insert({pending.arrived_ms, pending.sequence, sender, nonce});
  MempoolUsage added{1, pending.tx.size_bytes()};
  add_usage(queue.usage, added);
  add_usage(total_, added);
  queue.txs.emplace(nonce, std::move(pending));
  index_locked(sender, queue);
  if (queued_senders_.insert(sender).second) sender_order_.push_back(sender);
}

std::optional<PendingTx> Mempool::erase_locked(const PublicKey& sender, uint64_t nonce) {
  auto position = senders_.find(sender);
  if (position == senders_.end()) return std::nullopt;
  SenderQueue& queue = position->second;
  auto entry = queue.txs.find(nonce);
  if (entry == queue.txs.end()) return std::nullopt;
  unindex_locked(sender, queue);
  PendingTx pending = std::move(entry->second);
  queue.txs.erase(entry);
  MempoolUsage removed{1, pending.tx.size_bytes()};
  subtract_usage(queue.usage, removed);
  subtract_usage(total_, removed);
  by_hash_.erase(pending.tx.hash());
  by_arrival_.erase({pending.arrived_ms, pending.sequence, sender, nonce});
  if (queue.txs.empty())
    senders_.erase(position);
  else
    index_locked(sender, queue);
  return pending;
}

// Moves `sender`'s committed nonce forward and drops what is now stale.
void Mempool::rebase_locked(const PublicKey& sender, uint64_t base_nonce) {
  auto position = senders_.find(sender);
  if (position == senders_.end() || base_nonce <= position->second.base_nonce) return;
  while (true) {
    position = senders_.find(sender);
    if (position == senders_.end()) return;
    SenderQueue& queue = position->second;
    if (queue.txs.begin()->first >= base_nonce) {
      unindex_locked(sender, queue);
      queue.base_nonce = base_nonce;
      index_locked(sender, queue);
      return;
    }
    erase_locked(sender, queue.txs.begin()->first);
  }
}

void Mempool::expire_locked(int64_t now_ms) {
  const auto expire_from = [&](std::set<ArrivalKey>& index, uint64_t ttl_ms) {
    while (!index.empty()) {
      auto [arrived_ms, sequence, sender, nonce] = *index.begin();
      if (arrived_ms + static_cast<int64_t>(ttl_ms) > now_ms) return;
      if (erase_locked(sender, nonce))
        ++expired_;
      else
        index.erase(index.begin());  // an index entry is never left behind
    }
  };
  expire_from(waiting_arrival_, limits_.future_ttl_ms);
  expire_from(by_arrival_, limits_.pending_ttl_ms);
}

// ---- quotas and eviction ------------------------------------------------

std::optional<Mempool::Scope> Mempool::violation_locked(const PublicKey& sender, const SenderQueue& incoming,
                                                        size_t size_bytes) const {
  MempoolUsage account;
  if (auto found = senders_.find(sender); found != senders_.end()) account = found->second.usage;
  if (account.txs + 1 > limits_.account_txs_max || account.size_bytes + size_bytes > limits_.account_size_bytes_max)
    return Scope::account;
  if (!incoming.standing.privileged()) {
    MempoolUsage group;
    if (auto found = groups_.find(incoming.group); found != groups_.end()) group = found->second.usage;
    if (group.txs + 1 > group_share(incoming.group, limits_.txs_max) ||
        group.size_bytes + size_bytes > group_share(incoming.group, limits_.size_bytes_max))
      return Scope::group;
    unsigned open_percent = 100 - std::min(limits_.reserved_share_percent, 100u);
    if (unprivileged_.txs + 1 > share(limits_.txs_max, open_percent) ||
        unprivileged_.size_bytes + size_bytes > share(limits_.size_bytes_max, open_percent))
      return Scope::unprivileged;
  }
  if (total_.txs + 1 > limits_.txs_max || total_.size_bytes + size_bytes > limits_.size_bytes_max) return Scope::all;
  return std::nullopt;
}

bool Mempool::group_in_scope(Scope scope, const std::string& group, const std::string& sender_group) const {
  if (scope == Scope::group) return group == sender_group;
  if (scope == Scope::unprivileged) return group != privileged_group;
  return true;
}

// The transaction to evict for a runnable transaction of `sender` that
// exceeds `scope`: the sender's own newest waiting one for its account
// quota; otherwise a waiting one of the scope; otherwise the newest of the
// heaviest account that outweighs the sender.
std::optional<std::pair<PublicKey, uint64_t>> Mempool::victim_locked(Scope scope, const PublicKey& sender,
                                                                     const SenderQueue& incoming) const {
  auto own = senders_.find(sender);
  if (scope == Scope::account) {
    if (own == senders_.end() || own->second.waiting.empty()) return std::nullopt;
    return std::make_pair(sender, own->second.waiting.rbegin()->first);
  }
  const GapEntry* waiting = nullptr;
  for (const auto& [name, group] : groups_)
    if (group_in_scope(scope, name, incoming.group) && !group.waiting.empty() &&
        (waiting == nullptr || *group.waiting.begin() < *waiting))
      waiting = &*group.waiting.begin();
  if (waiting != nullptr) return std::make_pair(waiting->sender, waiting->nonce);
  size_t sender_count = own == senders_.end() ? 0 : own->second.usage.txs;
  std::optional<std::pair<size_t, PublicKey>> heaviest;
  for (const auto& [name, group] : groups_) {
    if (!group_in_scope(scope, name, incoming.group)) continue;
    for (auto account = group.accounts.rbegin(); account != group.accounts.rend(); ++account) {
      if (account->second == sender) continue;
      bool outweighs = account->first > sender_count + 1;
      bool outranked = incoming.standing.privileged() && name != privileged_group;
      if ((outweighs || outranked) && (!heaviest || account->first > heaviest->first)) heaviest = *account;
      break;
    }
  }
  if (!heaviest) return std::nullopt;
  return std::make_pair(heaviest->second, senders_.at(heaviest->second).txs.rbegin()->first);
}

std::string Mempool::full_reason(Scope scope, const SenderQueue& incoming) const {
  switch (scope) {
    case Scope::account:
      return "for this account: it has " + std::to_string(limits_.account_txs_max) + " transactions or " +
             std::to_string(limits_.account_size_bytes_max) + " bytes waiting";
    case Scope::group:
      return "for the group '" + incoming.group + "' (its share of the pool)";
    case Scope::unprivileged:
      return "for accounts other than validators and admins (the rest is reserved for them)";
    case Scope::all:
      break;
  }
  return "(" + std::to_string(total_.txs) + " transactions, " + std::to_string(total_.size_bytes) + " bytes)";
}

// Evicts until the transaction fits; a waiting transaction evicts nothing.
// When no victim is left, everything evicted is put back.
Status Mempool::make_room_locked(const PublicKey& sender, const SenderQueue& incoming, size_t size_bytes,
                                 bool runnable) {
  std::vector<Evicted> evicted;
  Status outcome;
  while (auto scope = violation_locked(sender, incoming, size_bytes)) {
    std::optional<std::pair<PublicKey, uint64_t>> victim;
    if (runnable) victim = victim_locked(*scope, sender, incoming);
    if (!victim) {
      outcome = error(Code::resource_exhausted, full_message(full_reason(*scope, incoming)));
      break;
    }
    const SenderQueue& owner = senders_.at(victim->first);
    execution::AccountStanding standing = owner.standing;
    uint64_t base_nonce = owner.base_nonce;
    evicted.push_back(Evicted{std::move(*erase_locked(victim->first, victim->second)), standing, base_nonce});
  }
  if (outcome.ok()) {
    evicted_ += evicted.size();
    return outcome;
  }
  for (auto entry = evicted.rbegin(); entry != evicted.rend(); ++entry)
    insert_locked(std::move(entry->pending), entry->standing, entry->base_nonce);
  return outcome;
}

// ---- the public interface -------------------------------------------------

Status Mempool::add(chain::CheckedTx checked, const execution::StateReader& committed) {
  const chain::Tx& tx = checked.tx();
  const Hash& hash = checked.hash();
  const size_t size_bytes = checked.size_bytes();
  const int64_t now_ms = clock_();
  GOVCHAIN_ASSIGN_OR_RETURN(execution::AccountStanding standing,
                            execution::account_standing(committed, tx.sender, now_ms));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t base_nonce, execution::read_nonce(committed, tx.sender));
  std::lock_guard lock(mutex_);
  expire_locked(now_ms);
  if (by_hash_.count(hash)) return error(Code::already_exists, "transaction " + hash.hex() + " is already pending");
  auto queue = senders_.find(tx.sender);
  if (queue != senders_.end() && queue->second.txs.count(tx.nonce))
    return error(Code::already_exists,
                 "the sender already has a pending transaction with nonce " + std::to_string(tx.nonce));
  GOVCHAIN_TRY(executor_.check_tx(committed, tx, size_bytes, true));
  rebase_locked(tx.sender, base_nonce);
  queue = senders_.find(tx.sender);
  uint64_t next_nonce = queue == senders_.end() ? base_nonce : run_end_locked(queue->second);
  SenderQueue incoming;
  incoming.standing = standing;
  incoming.group = group_of(standing);
  GOVCHAIN_TRY(make_room_locked(tx.sender, incoming, size_bytes, tx.nonce == next_nonce));
  PendingTx pending{std::move(checked), now_ms, next_sequence_++};
  insert_locked(std::move(pending), standing, base_nonce);
  return Status();
}

std::vector<chain::CheckedTx> Mempool::select(size_t txs_max, size_t size_bytes_max,
                                              const execution::StateReader& committed) {
  std::lock_guard lock(mutex_);
  expire_locked(clock_());
  std::vector<chain::CheckedTx> selected;
  selected.reserve(std::min(txs_max, by_hash_.size()));
  size_t bytes = 0;
  for (const PublicKey& sender : sender_order_) {
    if (selected.size() >= txs_max) break;
    auto queue = senders_.find(sender);
    if (queue == senders_.end()) continue;
    auto next_nonce = execution::read_nonce(committed, sender);
    if (!next_nonce.ok()) continue;
    uint64_t expected = *next_nonce;
    for (auto entry = queue->second.txs.lower_bound(expected); entry != queue->second.txs.end(); ++entry) {
      const PendingTx& pending = entry->second;
      if (entry->first != expected || selected.size() >= txs_max || bytes + pending.tx.size_bytes() > size_bytes_max)
        break;
      selected.push_back(pending.tx);
      bytes += pending.tx.size_bytes();
      ++expected;
    }
  }
  return selected;
}

void Mempool::remove_committed(std::span<const chain::CheckedTx> txs, const execution::StateReader& committed) {
  std::lock_guard lock(mutex_);
  std::set<PublicKey> touched;
  for (const auto& checked : txs) {
    erase_locked(checked.tx().sender, checked.tx().nonce);
    touched.insert(checked.tx().sender);
  }
  for (const auto& sender : touched) {
    auto next_nonce = execution::read_nonce(committed, sender);
    if (next_nonce.ok()) rebase_locked(sender, *next_nonce);
  }
  expire_locked(clock_());
  std::deque<PublicKey> still_waiting;
  for (const auto& sender : sender_order_) {
    if (senders_.count(sender))
      still_waiting.push_back(sender);
    else
      queued_senders_.erase(sender);
  }
  sender_order_ = std::move(still_waiting);
}

uint64_t Mempool::pending_next_nonce(const PublicKey& sender, uint64_t committed_next) const {
  std::lock_guard lock(mutex_);
  auto queue = senders_.find(sender);
  uint64_t next = committed_next;
  if (queue == senders_.end()) return next;
  for (auto entry = queue->second.txs.lower_bound(next); entry != queue->second.txs.end() && entry->first == next;
       ++entry)
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
  auto queue = senders_.find(sender);
  if (queue == senders_.end()) return false;
  auto entry = queue->second.txs.find(nonce);
  return entry != queue->second.txs.end() && entry->second.tx.tx().signature == signature;
}

size_t Mempool::size() const {
  std::lock_guard lock(mutex_);
  return by_hash_.size();
}

size_t Mempool::size_bytes() const {
  std::lock_guard lock(mutex_);
  return total_.size_bytes;
}

uint64_t Mempool::evicted_count() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

uint64_t Mempool::expired_count() const {
  std::lock_guard lock(mutex_);
  return expired_;
}

MempoolUsage Mempool::group_usage(const std::string& group) const {
  std::lock_guard lock(mutex_);
  auto found = groups_.find(group);
  return found == groups_.end() ? MempoolUsage{} : found->second.usage;
}

}  // namespace govchain::mempool
