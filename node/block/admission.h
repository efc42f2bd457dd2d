// Admission: the one function that decides whether a transaction offered
// to this node — by a client through the API, or by a peer's gossip — may
// wait for a block. It takes everything it needs as arguments and returns
// the checked transaction (chain::CheckedTx: bytes, hash, size computed
// once) or a Status whose reason code says why not.
//
// The checks run cheapest first, so that a flood of junk costs little: the
// size bound before decoding (too_large); decoding and hashing (malformed);
// the transaction's fields (wrong_chain, invalid); a copy that already
// waits (already_exists); the gas limit against the intrinsic cost and the
// maximum, and the nonce against the head's state and the window the
// mempool accepts (execution::Executor::check_tx: out_of_gas, too_large,
// nonce_too_low, nonce_too_high); the signature last (bad_signature). New
// admission rules (only accounts the chain knows, a trial execution) belong
// here, and reach the API and gossip alike.
//
// Pure apart from the reads of `committed`; thread-safe as long as the
// reader and the callbacks are.
#pragma once

#include <functional>
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
  // True when a transaction with this hash already waits in the mempool.
  std::function<bool(const Hash& hash)> is_pending;
};

Result<chain::CheckedTx> admit_tx(Bytes encoded, const AdmissionContext& context);

}  // namespace govchain::block
