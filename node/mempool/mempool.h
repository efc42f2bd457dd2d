// Mempool: transactions waiting for a block, bounded in count and bytes.
//
// Transactions arrive admitted (block::admit_tx: checked statelessly,
// signature included, and against committed state for nonce and gas), as
// chain::CheckedTx values that carry their bytes, hash and size. add()
// applies the pool's own rules: no duplicate, one transaction per sender
// and nonce, the count and byte bounds. select() hands the block producer
// runnable transactions: per sender, consecutive nonces from the committed
// one, senders in arrival order. A transaction takes about twice its
// encoded size in memory here (the decoded value beside its bytes).
// Thread-safe: every method locks one internal mutex.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#include "chain/checked_tx.h"
#include "core/limits.h"
#include "execution/executor.h"

namespace govchain::mempool {

struct MempoolLimits {
  size_t size_bytes_max = limits::mempool_size_bytes_max;
  size_t txs_max = limits::mempool_txs_max;
};

class Mempool {
 public:
  explicit Mempool(MempoolLimits limits) : limits_(limits) {}

  // Keeps an admitted transaction. Codes: already_exists (same hash, or
  // the sender already has a pending tx with this nonce),
  // resource_exhausted (full).
  Status add(chain::CheckedTx tx);

  // Up to `txs_max` transactions (and `size_bytes_max` bytes) that can run
  // in order on top of `committed`. They stay in the pool until
  // remove_committed().
  std::vector<chain::CheckedTx> select(size_t txs_max, size_t size_bytes_max,
                                       const execution::StateReader& committed);

  // Drops transactions that a committed block included (or that a block
  // builder dropped), and any whose nonce is now stale.
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

 private:
  void erase_locked(const PublicKey& sender, uint64_t nonce);
  MempoolLimits limits_;
  mutable std::mutex mutex_;
  std::map<PublicKey, std::map<uint64_t, chain::CheckedTx>> by_sender_;
  std::unordered_map<Hash, std::pair<PublicKey, uint64_t>, FixedBytesHasher> by_hash_;
  std::deque<PublicKey> sender_order_;  // arrival order of senders with pending txs
  std::set<PublicKey> queued_senders_;
  size_t size_bytes_ = 0;
};

}  // namespace govchain::mempool
