#include "client/tx_builder.h"

namespace govchain::client {

namespace {

Status check_role(const std::string& municipality, const std::string& role) {
  if (municipality.empty()) return error(Code::invalid_argument, "municipality must not be empty");
  if (!chain::is_known_role(role)) {
    std::string known;
    for (const auto& name : chain::known_roles()) known += (known.empty() ? "" : ", ") + name;
    return error(Code::invalid_argument, "unknown role '" + role + "'; known roles: " + known);
  }
  return Status();
}

}  // namespace

Result<chain::Tx> make_tx(std::string chain_id, const crypto::KeyPair& key_pair, uint64_t nonce, uint64_t gas_limit,
                          chain::Action action) {
  if (chain_id.empty()) return error(Code::invalid_argument, "chain id must not be empty");
  chain::Tx tx;
  tx.chain_id = std::move(chain_id);
  tx.sender = key_pair.public_key;
  tx.nonce = nonce;
  tx.gas_limit = gas_limit;
  tx.action = std::move(action);
  chain::sign_tx(tx, key_pair.secret);
  const Bytes encoded = chain::encode_tx(tx);
  Status checked = chain::check_tx_stateless(tx, tx.chain_id, encoded.size());
  if (!checked.ok()) return checked.with_context("transaction would be refused");
  return tx;
}

Result<chain::Action> role_grant_action(std::string municipality, std::string role, const PublicKey& account) {
  GOVCHAIN_TRY(check_role(municipality, role));
  return chain::Action(chain::RoleGrant{std::move(municipality), std::move(role), account});
}

Result<chain::Action> role_revoke_action(std::string municipality, std::string role, const PublicKey& account) {
  GOVCHAIN_TRY(check_role(municipality, role));
  return chain::Action(chain::RoleRevoke{std::move(municipality), std::move(role), account});
}

chain::Action contract_call_action(std::string contract, std::string method, Bytes arguments) {
  return chain::ContractCall{std::move(contract), std::move(method), std::move(arguments)};
}

std::string tx_hex(const chain::Tx& tx) { return to_hex(chain::encode_tx(tx)); }

}  // namespace govchain::client
