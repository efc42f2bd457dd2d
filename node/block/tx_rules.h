// The chain's rules about each transaction of a block, applied by the
// builder (which leaves a transaction that breaks one out, undoing all its
// writes) and by every follower (which refuses a block that holds one), so
// that a Byzantine proposer cannot put such a transaction on the chain
// (docs/decisions/failed-calls-stay-off-chain.md):
//
// - Only known accounts send. Before the transaction runs, its sender must
//   be known in the block's state so far at the block's time
//   (execution::account_standing(...).known(): a validator, a municipality
//   admin, a role holder or a key registered by a shared contract);
//   otherwise Code::unknown_account. Admission applies the same rule to
//   committed state (block/admission.h).
// - Only successful actions are recorded. After it ran, its receipt must be
//   ok; otherwise the receipt's own code (aborted, trap, unauthorized,
//   out_of_gas, ...), so that the arguments of a call that failed never
//   reach a block.
//
// Both depend only on the block's state, time and the transaction, never on
// the node's clock or configuration: every node decides alike.
// Pure functions; thread-safe.
#pragma once

#include <functional>

#include "chain/block.h"
#include "chain/checked_tx.h"
#include "execution/executor.h"
#include "execution/overlay.h"

namespace govchain::block {

// A rule in two parts: `before` runs on the state the transaction would
// execute on (the block's state up to the previous transaction), `after` on
// the receipt it got. An empty part allows everything.
struct TxRule {
  std::function<Status(const execution::StateReader& state, const chain::CheckedTx& tx,
                       const execution::BlockContext& context)>
      before;
  std::function<Status(const chain::CheckedTx& tx, const chain::Receipt& receipt)> after;
};

// Code::unknown_account, with how to become known, when the chain does not
// know `sender` in `state` at `time_ms`.
Status check_sender_known(const execution::StateReader& state, const PublicKey& sender, int64_t time_ms);

// The receipt's code and message when its action failed.
Status check_receipt_ok(const chain::Receipt& receipt);

// The rule every govchain node applies: both checks above.
TxRule chain_tx_rule();

}  // namespace govchain::block
