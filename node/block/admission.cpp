#include "block/admission.h"

#include "block/tx_rules.h"

namespace govchain::block {

Result<chain::CheckedTx> admit_tx(Bytes encoded, const AdmissionContext& context) {
  const size_t size_bytes = encoded.size();
  chain::TxCheck rules;
  rules.chain_id = context.chain_id;
  rules.tx_size_bytes_max = context.parameters.tx_size_bytes_max;
  // Runs after the field checks and before the signature check.
  rules.precheck = [&context, size_bytes](const chain::Tx& tx, const Hash& hash) -> Status {
    // Peers relay what they accepted, and a client may retry: a copy is
    // refused before anything else is looked at.
    if (context.is_pending && context.is_pending(hash))
      return error(Code::already_exists, "transaction " + hash.hex() + " is already pending");
    GOVCHAIN_TRY(check_sender_known(context.committed, tx.sender, context.now_ms));
    if (context.sender_check) GOVCHAIN_TRY(context.sender_check(tx.sender));
    // Nonce (a gossiped copy often arrives after a block committed it) and
    // gas, against the head's state.
    return context.executor.check_tx(context.committed, tx, size_bytes, true);
  };
  return chain::check_tx(std::move(encoded), rules);
}

AdmissionContext BatchLimits::with_limits(const AdmissionContext& context) {
  AdmissionContext limited = context;
  limited.is_pending = [this, pending = context.is_pending](const Hash& hash) {
    return (pending && pending(hash)) || seen_before(hash);
  };
  limited.sender_check = [this, check = context.sender_check](const PublicKey& sender) -> Status {
    if (check) GOVCHAIN_TRY(check(sender));
    return count_sender(sender);
  };
  return limited;
}

bool BatchLimits::seen_before(const Hash& hash) {
  std::lock_guard lock(mutex_);
  return !hashes_.insert(hash).second;
}

Status BatchLimits::count_sender(const PublicKey& sender) {
  std::lock_guard lock(mutex_);
  if (++per_sender_[sender] <= per_sender_max_) return Status();
  return error(Code::resource_exhausted, "more than " + std::to_string(per_sender_max_) + " transactions of sender " +
                                             sender.hex() +
                                             " in one request (a sender has at most that many nonces "
                                             "open): send the rest after these are committed");
}

}  // namespace govchain::block
