// Admission: the one function that decides whether a transaction offered
// to this node — by a client through the API, or by a peer's gossip — may
// wait for a block. It takes everything it needs as arguments and returns
// the checked transaction (chain::CheckedTx: bytes, hash, size computed
// once) or a Status whose reason code says why not.
//
// The checks run cheapest first, so that a flood of junk costs little: the
// size bound before decoding (too_large); decoding and hashing (malformed);
// the transaction's fields (wrong_chain, invalid); a copy that already
// waits (already_exists); a sender the chain does not know in committed
// state at the node's time (unknown_account: the block rule of
// block/tx_rules.h, checked early so that strangers cost a few state reads
// and never a signature check or a place in the mempool); the node's own
// refusal of the sender (sender_check); the gas limit against the intrinsic cost and the
// maximum, and the nonce against the head's state and the window the
// mempool accepts (execution::Executor::check_tx: out_of_gas, too_large,
// nonce_too_low, nonce_too_high); the signature last (bad_signature). New
// admission rules belong here, and reach the API and gossip alike.
//
// Pure apart from the reads of `committed`; thread-safe as long as the
// reader and the callbacks are.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string_view>

#include "chain/checked_tx.h"
#include "chain/genesis.h"
#include "execution/executor.h"

namespace govchain::block {

struct AdmissionContext {
  std::string_view chain_id;
  const chain::Parameters& parameters;      // tx_size_bytes_max, gas limits
  const execution::Executor& executor;      // the stateful transaction checks
  const execution::StateReader& committed;  // the state of the head
  // The node's clock (Unix milliseconds): registrations of attested keys
  // end at a time.
  int64_t now_ms = 0;
  // A node's own refusal of a sender, checked right after the unknown
  // sender (the mempool's refusal of an account whose transactions failed
  // too often: mempool/outcomes.h); empty allows every sender.
  std::function<Status(const PublicKey& sender)> sender_check;
  // True when a transaction with this hash already waits in the mempool.
  std::function<bool(const Hash& hash)> is_pending;
};

Result<chain::CheckedTx> admit_tx(Bytes encoded, const AdmissionContext& context);

// The limits of one request's array of transactions (POST /v1/txs with an
// array), checked before any signature: no transaction twice (the second
// copy is refused as already pending), and at most `per_sender_max` of one
// sender (a sender has at most nonce_ahead_max + 1 nonces open, so more
// could never wait in the mempool). Without them one request of a known
// sender could make the node verify one signature thousands of times.
// Thread-safe: the checks of a batch run in parallel. One object per
// request; it must outlive the contexts with_limits() returns.
class BatchLimits {
 public:
  explicit BatchLimits(size_t per_sender_max = limits::nonce_ahead_max + 1) : per_sender_max_(per_sender_max) {}
  BatchLimits(const BatchLimits&) = delete;
  BatchLimits& operator=(const BatchLimits&) = delete;

  // `context` with its is_pending and sender_check extended by this batch's
  // limits (the original checks run first).
  AdmissionContext with_limits(const AdmissionContext& context);

 private:
  bool seen_before(const Hash& hash);
  Status count_sender(const PublicKey& sender);

  size_t per_sender_max_;
  std::mutex mutex_;
  std::set<Hash> hashes_;
  std::map<PublicKey, size_t> per_sender_;
};

}  // namespace govchain::block
