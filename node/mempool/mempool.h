// Mempool: transactions waiting for a block, bounded in count and bytes.
//
// Transactions arrive already checked statelessly (chain id, size,
// signature: see chain::check_tx_stateless, which callers run on their own
// threads so that signature checks proceed in parallel). add() checks the
// nonce and gas against committed state plus what is already pending from
// the same sender, so a sender can queue several transactions in order.
// select() hands the block producer runnable transactions: per sender,
// consecutive nonces from the committed one, senders in arrival order.
// Thread-safe: every method locks one internal mutex.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "chain/tx.h"
#include "execution/executor.h"

namespace govchain::mempool {

struct MempoolLimits {
  size_t size_bytes_max = 256 * 1024 * 1024;
  size_t txs_max = 200000;
};

struct PendingTx {
  chain::Tx tx;
  Hash hash;  // chain::tx_hash(tx), as add()'s caller computed it
  size_t size_bytes = 0;
};

class Mempool {
 public:
  Mempool(const execution::Executor& executor, MempoolLimits limits) : executor_(executor), limits_(limits) {}

  // Admits a statelessly checked transaction; `hash` must be
  // chain::tx_hash(tx). Codes: already_exists (same
  // hash, or the sender already has a pending tx with this nonce),
  // nonce_too_low / nonce_too_high, out_of_gas, resource_exhausted (full).
  Status add(chain::Tx tx, const Hash& hash, size_t size_bytes, const execution::StateReader& committed);

  // Up to `txs_max` transactions (and `size_bytes_max` bytes) that can run
  // in order on top of `committed`. They stay in the pool until
  // remove_committed().
  std::vector<PendingTx> select(size_t txs_max, size_t size_bytes_max, const execution::StateReader& committed);

  // Drops transactions that a committed block included, and any whose nonce
  // is now stale.
  void remove_committed(const std::vector<chain::Tx>& txs, const execution::StateReader& committed);

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
  const execution::Executor& executor_;
  MempoolLimits limits_;
  mutable std::mutex mutex_;
  std::map<PublicKey, std::map<uint64_t, PendingTx>> by_sender_;
  std::unordered_map<Hash, std::pair<PublicKey, uint64_t>, FixedBytesHasher> by_hash_;
  std::deque<PublicKey> sender_order_;  // arrival order of senders with pending txs
  std::set<PublicKey> queued_senders_;
  size_t size_bytes_ = 0;
};

}  // namespace govchain::mempool
