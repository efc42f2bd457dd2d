// TxOutcomes: what became of transactions that a block builder on this node
// left out (docs/decisions/failed-calls-stay-off-chain.md), and how many
// each account had left out lately.
//
// A transaction whose action fails, or whose sender the chain does not
// know, never reaches a block: the builder drops it. Its submitter learns
// that through GET /v1/txs/{hash} ("dropped", with the reason code and
// message), which reads here. Outcomes live in memory only, at most
// `outcomes_max` of them (the oldest go first), and are never written to
// disk or logged: the message of a failed call may be a contract's abort
// message, which may repeat the call's arguments.
//
// Executing a call that then fails costs the proposer the work and the
// caller nothing, so each account may have at most `drops_per_window_max`
// transactions dropped within `drop_window_ms`; after that the node refuses
// its transactions (Code::resource_exhausted, with when to retry) for
// `penalty_ms`. At most `accounts_max` accounts are tracked (the one seen
// least recently goes first).
//
// Thread-safety: every method locks one internal mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::mempool {

struct TxOutcomeLimits {
  size_t outcomes_max = 10'000;
  // The kept message is cut to this many bytes.
  size_t message_size_bytes_max = 512;
  size_t drops_per_window_max = 16;
  uint64_t drop_window_ms = 60'000;
  uint64_t penalty_ms = 60'000;
  size_t accounts_max = 10'000;
};

class TxOutcomes {
 public:
  using SteadyClock = std::function<uint64_t()>;
  explicit TxOutcomes(TxOutcomeLimits limits = {}, SteadyClock clock = {});

  // Records that a transaction of `sender` was left out of a block for
  // `reason`, and counts the drop against the sender.
  void record_dropped(const Hash& hash, const PublicKey& sender, const Status& reason);
  // Why the transaction was left out, if this node dropped it (and still
  // remembers).
  std::optional<Status> dropped(const Hash& hash) const;
  // Code::resource_exhausted while `sender` is refused for having too many
  // transactions dropped; ok otherwise.
  Status check_sender(const PublicKey& sender) const;
  // Transactions recorded as dropped since start.
  uint64_t dropped_count() const;

 private:
  struct AccountDrops {
    std::deque<uint64_t> times_ms;  // within the window, oldest first
    uint64_t refused_until_ms = 0;
    uint64_t last_seen_ms = 0;
  };
  void count_drop_locked(const PublicKey& sender, uint64_t now_ms);

  TxOutcomeLimits limits_;
  SteadyClock clock_;
  mutable std::mutex mutex_;
  std::unordered_map<Hash, Status, FixedBytesHasher> outcomes_;
  std::deque<Hash> outcome_order_;  // oldest first
  std::map<PublicKey, AccountDrops> accounts_;
  uint64_t dropped_ = 0;
};

}  // namespace govchain::mempool
