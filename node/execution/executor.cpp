#include "execution/executor.h"

#include <chrono>

#include "codec/codec.h"
#include "core/limits.h"
#include "execution/accounts.h"
#include "execution/consortium_governance.h"
#include "execution/contracts.h"
#include "execution/evidence.h"
#include "execution/governance.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"

namespace govchain::execution {

uint64_t intrinsic_gas(const chain::Tx& tx, size_t encoded_size_bytes) {
  uint64_t gas = gas_tx_base + gas_per_tx_byte * encoded_size_bytes;
  if (std::holds_alternative<chain::RoleGrant>(tx.action) || std::holds_alternative<chain::RoleRevoke>(tx.action))
    gas += gas_role_change;
  if (std::holds_alternative<chain::EvidenceReport>(tx.action)) gas += gas_evidence_report;
  if (std::holds_alternative<chain::ValidatorProposal>(tx.action) || std::holds_alternative<chain::ValidatorVote>(tx.action))
    gas += gas_validator_governance;
  if (std::holds_alternative<chain::ContractProposal>(tx.action) ||
      std::holds_alternative<chain::ContractVote>(tx.action))
    gas += gas_contract_governance;
  return gas;
}

Result<uint64_t> read_nonce(const StateReader& state, const PublicKey& account) {
  auto stored = state.get(keys::account_nonce(account));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return uint64_t{0};
  codec::Reader reader(**stored);
  auto nonce = reader.u64();
  if (!nonce.ok()) return nonce.status().with_context("stored nonce");
  return *nonce;
}

static void write_nonce(Overlay& state, const PublicKey& account, uint64_t nonce) {
  codec::Writer writer;
  writer.u64(nonce);
  state.set(keys::account_nonce(account), writer.data());
}

// Event data of validator governance: the proposal id and its status after
// the transaction (validator_governance.h).
static Bytes proposal_event(uint64_t id, std::string_view status) {
  codec::Writer writer;
  writer.u64(id);
  writer.text(status);
  return writer.take();
}

Executor::Executor(std::string chain_id, chain::Parameters parameters, const ContractHost* contracts)
    : chain_id_(std::move(chain_id)), parameters_(std::move(parameters)), contracts_(contracts) {}

Status Executor::apply_genesis(Overlay& state, const chain::Genesis& genesis) const {
  Governance governance(state);
  GOVCHAIN_TRY(governance.apply_genesis(genesis));
  GOVCHAIN_TRY(ValidatorGovernance(state, parameters_).apply_genesis(genesis));
  if (!genesis.contracts.empty()) {
    if (contracts_ == nullptr) return error(Code::invalid, "genesis deploys contracts but no runtime is configured");
    BlockContext context{genesis.chain_id, 0, genesis.genesis_time_ms, PublicKey{}};
    for (const auto& contract : genesis.contracts) {
      chain::ContractDeploy deploy{contract.name, contract.municipality, contract.code, contract.abi_json};
      GOVCHAIN_TRY(contracts_->deploy(state, deploy, context).with_context("genesis contract '" + contract.name + "'"));
    }
  }
  return Status();
}

Status Executor::check_tx(const StateReader& state, const chain::Tx& tx, size_t encoded_size_bytes,
                          bool allow_future_nonce) const {
  uint64_t intrinsic = intrinsic_gas(tx, encoded_size_bytes);
  if (tx.gas_limit < intrinsic)
    return error(Code::out_of_gas, "gas limit " + std::to_string(tx.gas_limit) + " is below the intrinsic cost " +
                                       std::to_string(intrinsic) + " of this transaction");
  if (tx.gas_limit > parameters_.gas_per_tx_max)
    return error(Code::too_large, "gas limit " + std::to_string(tx.gas_limit) + " exceeds the maximum " +
                                      std::to_string(parameters_.gas_per_tx_max));
  auto expected = read_nonce(state, tx.sender);
  if (!expected.ok()) return expected.status();
  if (tx.nonce < *expected)
    return error(Code::nonce_too_low, "nonce " + std::to_string(tx.nonce) + " was already used; the account's next nonce is " +
                                          std::to_string(*expected) + " (a replayed transaction?)");
  uint64_t ahead = allow_future_nonce ? limits::nonce_ahead_max : 0;
  if (tx.nonce > *expected + ahead)
    return error(Code::nonce_too_high, "nonce " + std::to_string(tx.nonce) + " is ahead of the account's next nonce " +
                                           std::to_string(*expected));
  return Status();
}

// Governance of the validator set and of shared contracts
// (validator_governance.h, consortium_governance.h). Returns false in
// `handled` for any other action.
Status Executor::run_governance_action(Overlay& state, const chain::Tx& tx, const BlockContext& context,
                                       chain::Receipt& receipt, bool& handled) const {
  handled = true;
  if (const auto* change = std::get_if<chain::ValidatorProposal>(&tx.action)) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t id,
                              ValidatorGovernance(state, parameters_).propose(tx.sender, *change, context.height));
    receipt.events.push_back(
        {"", "validator_proposed", proposal_event(id, proposal_status_name(ProposalStatus::open))});
    return Status();
  }
  if (const auto* vote = std::get_if<chain::ValidatorVote>(&tx.action)) {
    GOVCHAIN_ASSIGN_OR_RETURN(ProposalStatus status,
                              ValidatorGovernance(state, parameters_).vote(tx.sender, *vote, context.height));
    receipt.events.push_back({"", "validator_voted", proposal_event(vote->proposal_id, proposal_status_name(status))});
    return Status();
  }
  ConsortiumGovernance consortium(state, parameters_, contracts_);
  if (const auto* change = std::get_if<chain::ContractProposal>(&tx.action)) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t id, consortium.propose(tx.sender, *change, context));
    GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_contract_proposal(state, id));
    auto status = record ? record->status : ContractProposalStatus::open;
    receipt.events.push_back({"", "contract_proposed", proposal_event(id, contract_proposal_status_name(status))});
    return Status();
  }
  if (const auto* vote = std::get_if<chain::ContractVote>(&tx.action)) {
    GOVCHAIN_ASSIGN_OR_RETURN(ContractProposalStatus status, consortium.vote(tx.sender, *vote, context.height));
    receipt.events.push_back(
        {"", "contract_voted", proposal_event(vote->proposal_id, contract_proposal_status_name(status))});
    return Status();
  }
  handled = false;
  return Status();
}

Status Executor::run_action(Overlay& state, const chain::Tx& tx, const BlockContext& context, uint64_t gas_available,
                            chain::Receipt& receipt) const {
  Governance governance(state);
  if (const auto* grant = std::get_if<chain::RoleGrant>(&tx.action)) {
    GOVCHAIN_TRY(governance.grant(tx.sender, *grant));
    receipt.events.push_back({"", "role_granted", encode_roles({{grant->municipality, grant->role}})});
    return Status();
  }
  if (const auto* revoke = std::get_if<chain::RoleRevoke>(&tx.action)) {
    GOVCHAIN_TRY(governance.revoke(tx.sender, *revoke));
    receipt.events.push_back({"", "role_revoked", encode_roles({{revoke->municipality, revoke->role}})});
    return Status();
  }
  if (const auto* report = std::get_if<chain::EvidenceReport>(&tx.action)) {
    GOVCHAIN_ASSIGN_OR_RETURN(EvidenceRecord record,
                              record_evidence(state, chain_id_, tx.sender, report->evidence, context.height));
    receipt.events.push_back({"", "evidence_recorded", record.validator.bytes()});
    return Status();
  }
  bool handled = false;
  GOVCHAIN_TRY(run_governance_action(state, tx, context, receipt, handled));
  if (handled) return Status();
  if (contracts_ == nullptr)
    return error(Code::unavailable, "this node was started without a contract runtime");
  if (const auto* deploy = std::get_if<chain::ContractDeploy>(&tx.action)) {
    GOVCHAIN_TRY(authorize_direct_deploy(state, tx.sender, *deploy));
    return contracts_->deploy(state, *deploy, context, gas_available, receipt);
  }
  const auto& call = std::get<chain::ContractCall>(tx.action);
  return contracts_->call(state, call, tx.sender, context, gas_available, receipt);
}

Result<chain::Receipt> Executor::execute_tx(Overlay& state, const chain::CheckedTx& checked,
                                            const BlockContext& context, uint32_t index) const {
  const chain::Tx& tx = checked.tx();
  const size_t encoded_size_bytes = checked.size_bytes();
  GOVCHAIN_TRY(check_tx(state, tx, encoded_size_bytes, false));
  chain::Receipt receipt;
  receipt.tx_hash = checked.hash();
  receipt.height = context.height;
  receipt.index = index;
  uint64_t intrinsic = intrinsic_gas(tx, encoded_size_bytes);
  size_t checkpoint = state.checkpoint();
  receipt.gas_used = intrinsic;
  Status outcome = run_action(state, tx, context, tx.gas_limit - intrinsic, receipt);
  if (!outcome.ok()) {
    state.revert(checkpoint);
    receipt.status = outcome.code();
    receipt.message = outcome.message().substr(0, 1024);
    receipt.events.clear();
    receipt.return_data.clear();
  }
  if (receipt.gas_used > tx.gas_limit) receipt.gas_used = tx.gas_limit;
  write_nonce(state, tx.sender, tx.nonce + 1);
  return receipt;
}

Result<std::vector<uint64_t>> Executor::end_block(Overlay& state, const BlockContext& context) const {
  auto applied = ValidatorGovernance(state, parameters_).end_block(context.height);
  if (!applied.ok()) return applied;
  GOVCHAIN_TRY(ConsortiumGovernance(state, parameters_, contracts_).end_block(context).status());
  state.forget_undo();
  return applied;
}

Result<chain::Receipt> Executor::query(const StateReader& state, const chain::ContractCall& call,
                                       const PublicKey& caller, const BlockContext& context, uint64_t gas_limit,
                                       uint64_t time_budget_ms) const {
  if (contracts_ == nullptr) return error(Code::unavailable, "this node was started without a contract runtime");
  Overlay scratch(state);
  chain::Receipt receipt;
  receipt.height = context.height;
  uint64_t gas = std::min(gas_limit, parameters_.query_gas_max);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(time_budget_ms);
  Status outcome = contracts_->query(scratch, call, caller, context, gas, deadline, receipt);
  if (!outcome.ok()) {
    receipt.status = outcome.code();
    receipt.message = outcome.message();
    if (outcome.code() == Code::timeout)
      receipt.message = "the query ran past its time budget of " + std::to_string(time_budget_ms) +
                        " ms and was stopped (" + outcome.message() + ")";
  }
  return receipt;
}

}  // namespace govchain::execution
