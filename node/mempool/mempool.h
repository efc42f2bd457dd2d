// Mempool: transactions waiting for a block, bounded in count and bytes,
// with expiry, quotas and eviction so that no outsider can lock it.
//
// Transactions arrive admitted (block::admit_tx, on the callers' own
// threads so that signature checks proceed in parallel), as
// chain::CheckedTx values that carry their bytes, hash and size; the pool
// keeps them as they are (about twice their encoded size in memory: the
// decoded value beside the bytes). add() checks the nonce and gas against
// committed state again under its lock (execution::Executor::check_tx; a
// block may have committed since admission), so a sender can queue several
// transactions in order.
// select() hands the block producer runnable transactions: per sender,
// consecutive nonces from the committed one, senders in arrival order.
//
// Rules (docs/api.md, "Mempool"):
// - Classes. Each sender's standing comes from committed state
//   (execution::account_standing): validators and municipality admins are
//   privileged; role holders count against their municipality; attested
//   keys and unknown keys each form one group.
// - Quotas, in transactions and in bytes: per account; per group (one
//   municipality's role holders, all attested keys, all unknown keys) a
//   share of the pool; all non-privileged accounts together at most the
//   pool minus the reserved share, which only validators and admins use.
// - Runnable and waiting. A transaction is runnable when every nonce from
//   the sender's committed one up to its own is pending; otherwise it waits
//   for a gap to close ("future nonce").
// - Eviction. A waiting transaction never evicts anything. A runnable one
//   that does not fit evicts, within the quota that it exceeds, first the
//   waiting transactions of others (unknown keys first, newest first), then
//   the newest transaction of an account holding more transactions than the
//   sender would after admission (and, for a privileged sender, of any
//   non-privileged account). So the transaction with a sender's next nonce
//   always finds room unless every account in its way holds as few as it.
// - Expiry. A transaction is dropped after `pending_ttl_ms`; a waiting one
//   after `future_ttl_ms` from its arrival.
//
// Thread-safety: every method locks one internal mutex. add() reads the
// sender's standing from `committed` before taking the lock.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "chain/checked_tx.h"
#include "chain/tx.h"
#include "core/limits.h"
#include "execution/accounts.h"
#include "execution/executor.h"

namespace govchain::mempool {

struct MempoolLimits {
  size_t size_bytes_max = limits::mempool_size_bytes_max;
  size_t txs_max = limits::mempool_txs_max;
  // Expiry, measured from a transaction's arrival.
  uint64_t pending_ttl_ms = limits::mempool_pending_ttl_ms;
  uint64_t future_ttl_ms = limits::mempool_future_ttl_ms;
  // Per account: one more than the nonce look-ahead covers every nonce an
  // account may queue.
  size_t account_txs_max = limits::nonce_ahead_max + 1;
  size_t account_size_bytes_max = limits::mempool_account_size_bytes_max;
  // Shares of txs_max and size_bytes_max, in percent.
  unsigned municipality_share_percent = 50;  // one municipality's role holders
  unsigned attested_share_percent = 50;      // all attested keys together
  unsigned unknown_share_percent = 25;       // all unknown keys together
  unsigned reserved_share_percent = 10;      // only validators and admins
};

struct PendingTx {
  chain::CheckedTx tx;     // with its hash and size
  int64_t arrived_ms = 0;  // by the mempool's clock
  uint64_t sequence = 0;   // arrival order
};

// Milliseconds since the Unix epoch, from the system clock (core/clock.h):
// the mempool's default clock. Registrations by shared contracts end at a
// block time, which is Unix time too.
int64_t system_clock_ms();

// How much of the pool a group holds.
struct MempoolUsage {
  size_t txs = 0;
  size_t size_bytes = 0;
};

class Mempool {
 public:
  using Clock = std::function<int64_t()>;
  Mempool(const execution::Executor& executor, MempoolLimits limits, Clock clock = system_clock_ms);

  // Keeps an admitted transaction. Codes: already_exists (same hash, or
  // the sender already has a pending tx with this nonce), nonce_too_low /
  // nonce_too_high, out_of_gas, resource_exhausted (no room, with which
  // quota is full).
  Status add(chain::CheckedTx tx, const execution::StateReader& committed);

  // Up to `txs_max` transactions (and `size_bytes_max` bytes) that can run
  // in order on top of `committed`. They stay in the pool until
  // remove_committed().
  std::vector<chain::CheckedTx> select(size_t txs_max, size_t size_bytes_max, const execution::StateReader& committed);

  // Drops transactions that a committed block included (or that a block
  // builder left out), and any whose nonce is now stale; expires what is
  // due.
  void remove_committed(std::span<const chain::CheckedTx> txs, const execution::StateReader& committed);

  bool contains(const Hash& hash) const;
  // True when exactly this transaction (same hash and signature) waits here:
  // its stateless checks, signature included, passed on admission, so a
  // block that carries it need not verify the signature again.
  bool contains_signed(const Hash& hash, const Signature& signature) const;
  // The next nonce after `sender`'s consecutive pending transactions that
  // start at `committed_next`; equals `committed_next` when none wait.
  uint64_t pending_next_nonce(const PublicKey& sender, uint64_t committed_next) const;
  size_t size() const;
  size_t size_bytes() const;
  // Transactions dropped so far by eviction and by expiry.
  uint64_t evicted_count() const;
  uint64_t expired_count() const;
  // What one group holds: "privileged", "municipality:<id>", "attested",
  // "unknown" (see the rules above).
  MempoolUsage group_usage(const std::string& group) const;
  static std::string group_of(const execution::AccountStanding& standing);

 private:
  struct GapEntry {
    uint8_t eviction_rank;  // 0: evicted first (unknown keys)
    uint64_t newest_first;  // ~sequence
    PublicKey sender;
    uint64_t nonce;
    auto operator<=>(const GapEntry&) const = default;
  };
  using ArrivalKey = std::tuple<int64_t, uint64_t, PublicKey, uint64_t>;
  struct Group {
    MempoolUsage usage;
    std::set<GapEntry> waiting;                       // eviction order
    std::set<std::pair<size_t, PublicKey>> accounts;  // by pending count
  };
  struct SenderQueue {
    std::map<uint64_t, PendingTx> txs;  // by nonce
    uint64_t base_nonce = 0;            // the committed next nonce, as last read
    execution::AccountStanding standing;
    std::string group;
    MempoolUsage usage;
    std::map<uint64_t, std::pair<GapEntry, ArrivalKey>> waiting;  // indexed waiting txs
  };
  enum class Scope { account, group, unprivileged, all };
  struct Evicted {
    PendingTx pending;
    execution::AccountStanding standing;
    uint64_t base_nonce = 0;
  };

  void unindex_locked(const PublicKey& sender, SenderQueue& queue);
  void index_locked(const PublicKey& sender, SenderQueue& queue);
  void insert_locked(PendingTx pending, const execution::AccountStanding& standing, uint64_t base_nonce);
  std::optional<PendingTx> erase_locked(const PublicKey& sender, uint64_t nonce);
  void rebase_locked(const PublicKey& sender, uint64_t base_nonce);
  void expire_locked(int64_t now_ms);
  uint64_t run_end_locked(const SenderQueue& queue) const;
  // `incoming` carries the standing and group of the transaction's sender.
  std::optional<Scope> violation_locked(const PublicKey& sender, const SenderQueue& incoming, size_t size_bytes) const;
  std::optional<std::pair<PublicKey, uint64_t>> victim_locked(Scope scope, const PublicKey& sender,
                                                              const SenderQueue& incoming) const;
  Status make_room_locked(const PublicKey& sender, const SenderQueue& incoming, size_t size_bytes, bool runnable);
  std::string full_reason(Scope scope, const SenderQueue& incoming) const;
  bool group_in_scope(Scope scope, const std::string& group, const std::string& sender_group) const;
  size_t share(size_t maximum, unsigned percent) const;
  size_t group_share(const std::string& group, size_t maximum) const;

  const execution::Executor& executor_;
  MempoolLimits limits_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<PublicKey, SenderQueue> senders_;
  std::unordered_map<Hash, std::pair<PublicKey, uint64_t>, FixedBytesHasher> by_hash_;
  std::deque<PublicKey> sender_order_;  // arrival order of senders with pending txs
  std::set<PublicKey> queued_senders_;
  std::map<std::string, Group> groups_;
  MempoolUsage total_;
  MempoolUsage unprivileged_;
  std::set<ArrivalKey> by_arrival_;       // every pending tx
  std::set<ArrivalKey> waiting_arrival_;  // waiting txs only
  uint64_t next_sequence_ = 0;
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
};

}  // namespace govchain::mempool
