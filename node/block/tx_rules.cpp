#include "block/tx_rules.h"

#include "execution/accounts.h"

namespace govchain::block {

Status check_sender_known(const execution::StateReader& state, const PublicKey& sender, int64_t time_ms) {
  GOVCHAIN_ASSIGN_OR_RETURN(execution::AccountStanding standing, execution::account_standing(state, sender, time_ms));
  if (standing.known()) return Status();
  return error(Code::unknown_account,
               "the chain does not know account " + sender.hex() +
                   ": only validators, municipality admins, role holders and identity-attested keys may submit "
                   "transactions. Ask your municipality's admin to grant this key a role (govchain role grant), "
                   "or have an identity office attest it, then submit again");
}

Status check_receipt_ok(const chain::Receipt& receipt) {
  if (receipt.status == Code::ok) return Status();
  // The message may be a contract's abort message: it goes back to the
  // submitter (in memory only), never into a block or a log file.
  return error(receipt.status, receipt.message);
}

TxRule chain_tx_rule() {
  return {[](const execution::StateReader& state, const chain::CheckedTx& tx, const execution::BlockContext& context) {
            return check_sender_known(state, tx.tx().sender, context.time_ms);
          },
          [](const chain::CheckedTx&, const chain::Receipt& receipt) { return check_receipt_ok(receipt); }};
}

}  // namespace govchain::block
