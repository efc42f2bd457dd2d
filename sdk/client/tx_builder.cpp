#include "client/tx_builder.h"

#include "chain/text.h"

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

Status check_municipality_id(const std::string& municipality) {
  if (!chain::is_valid_name(municipality))
    return error(Code::invalid_argument,
                 "municipality id '" + municipality + "' must be 1-64 characters of a-z, 0-9, '-', '_' and '.'");
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

Result<chain::Action> validator_add_action(std::string municipality, const PublicKey& node_key, std::string name,
                                           const PublicKey& admin) {
  GOVCHAIN_TRY(check_municipality_id(municipality));
  if (node_key.is_zero()) return error(Code::invalid_argument, "the node key to add must not be zero");
  if (name.empty() != admin.is_zero())
    return error(Code::invalid_argument,
                 "a new member needs both a display name and an admin account; an existing member needs neither");
  if (name.size() > chain::municipality_name_size_bytes_max)
    return error(Code::invalid_argument, "the display name has " + std::to_string(name.size()) + " bytes; at most " +
                                             std::to_string(chain::municipality_name_size_bytes_max) + " are allowed");
  return chain::Action(chain::ValidatorProposal{chain::ValidatorChangeKind::add, std::move(municipality),
                                                std::move(name), admin, node_key});
}

Result<chain::Action> validator_remove_action(std::string municipality) {
  GOVCHAIN_TRY(check_municipality_id(municipality));
  return chain::Action(
      chain::ValidatorProposal{chain::ValidatorChangeKind::remove, std::move(municipality), "", {}, {}});
}

Result<chain::Action> validator_vote_action(uint64_t proposal_id, bool approve) {
  if (proposal_id == 0) return error(Code::invalid_argument, "proposal ids start at 1");
  return chain::Action(chain::ValidatorVote{proposal_id, approve});
}

namespace {

// The stateless rules of chain/text.h and chain/tx.cpp, as an
// invalid_argument before anything is signed.
Result<chain::Action> checked_proposal(chain::ContractProposal proposal) {
  chain::Action action(std::move(proposal));
  Status text = chain::check_action_text(action);
  if (!text.ok()) return error(Code::invalid_argument, text.message());
  return action;
}

Status check_code(const std::string& contract, const Bytes& code) {
  if (contract.find('.') != std::string::npos)
    return error(Code::invalid_argument, "'" + contract +
                                             "' has a municipality prefix; a shared contract's name has no '.' "
                                             "(a municipality deploys '<municipality>.<name>' itself)");
  if (code.empty()) return error(Code::invalid_argument, "the contract code is empty");
  if (code.size() > limits::tx_payload_size_bytes_max)
    return error(Code::invalid_argument, "the module has " + std::to_string(code.size()) + " bytes; at most " +
                                             std::to_string(limits::tx_payload_size_bytes_max) + " fit a transaction");
  return Status();
}

}  // namespace

Result<chain::Action> contract_deploy_proposal_action(std::string contract, Bytes code, std::string abi_json) {
  GOVCHAIN_TRY(check_code(contract, code));
  if (abi_json.empty()) return error(Code::invalid_argument, "a new shared contract needs its ABI");
  return checked_proposal(
      {chain::ContractChangeKind::deploy, std::move(contract), std::move(code), std::move(abi_json), ""});
}

Result<chain::Action> contract_upgrade_proposal_action(std::string contract, Bytes code, std::string abi_json) {
  if (code.empty()) return error(Code::invalid_argument, "the contract code is empty");
  return checked_proposal(
      {chain::ContractChangeKind::upgrade, std::move(contract), std::move(code), std::move(abi_json), ""});
}

Result<chain::Action> contract_owner_proposal_action(std::string contract, std::string owner) {
  if (owner == "consortium") owner.clear();
  return checked_proposal({chain::ContractChangeKind::owner, std::move(contract), {}, "", std::move(owner)});
}

Result<chain::Action> contract_vote_action(uint64_t proposal_id, bool approve) {
  if (proposal_id == 0) return error(Code::invalid_argument, "proposal ids start at 1");
  return chain::Action(chain::ContractVote{proposal_id, approve});
}

chain::Action contract_call_action(std::string contract, std::string method, Bytes arguments) {
  return chain::ContractCall{std::move(contract), std::move(method), std::move(arguments)};
}

std::string tx_hex(const chain::Tx& tx) { return to_hex(chain::encode_tx(tx)); }

}  // namespace govchain::client
