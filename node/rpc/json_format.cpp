#include "rpc/json_format.h"

namespace govchain::rpc {

using json = nlohmann::json;

namespace {

json optional_key_json(const PublicKey& key) { return key.is_zero() ? json(nullptr) : json(key.hex()); }

// The fields of a validator change, shared by the action and the proposal
// record: a removal names only the municipality; an addition its node key,
// and for a new member also its display name and admin.
void validator_change_fields(json& out, const chain::ValidatorProposal& change) {
  out["change"] = std::string(chain::validator_change_kind_name(change.kind));
  out["municipality"] = change.municipality;
  out["name"] = change.name.empty() ? json(nullptr) : json(change.name);
  out["admin"] = optional_key_json(change.admin);
  out["node_key"] = optional_key_json(change.validator);
}

}  // namespace

json action_to_json(const chain::Action& action) {
  json out = {{"type", std::string(chain::action_name(action))}};
  if (const auto* grant = std::get_if<chain::RoleGrant>(&action)) {
    out["municipality"] = grant->municipality;
    out["role"] = grant->role;
    out["account"] = grant->account.hex();
  } else if (const auto* revoke = std::get_if<chain::RoleRevoke>(&action)) {
    out["municipality"] = revoke->municipality;
    out["role"] = revoke->role;
    out["account"] = revoke->account.hex();
  } else if (const auto* deploy = std::get_if<chain::ContractDeploy>(&action)) {
    out["name"] = deploy->name;
    out["municipality"] = deploy->municipality;
    out["code_size_bytes"] = deploy->code.size();
  } else if (const auto* call = std::get_if<chain::ContractCall>(&action)) {
    out["contract"] = call->contract;
    out["method"] = call->method;
    out["arguments_hex"] = to_hex(call->arguments);
  } else if (const auto* report = std::get_if<chain::EvidenceReport>(&action)) {
    out["evidence_hex"] = to_hex(report->evidence);
  } else if (const auto* proposal = std::get_if<chain::ValidatorProposal>(&action)) {
    validator_change_fields(out, *proposal);
  } else if (const auto* vote = std::get_if<chain::ValidatorVote>(&action)) {
    out["proposal_id"] = vote->proposal_id;
    out["approve"] = vote->approve;
  }
  return out;
}

json tx_to_json(const chain::Tx& tx) {
  return {{"hash", chain::tx_hash(tx).hex()},   {"chain_id", tx.chain_id},
          {"sender", tx.sender.hex()},          {"nonce", tx.nonce},
          {"gas_limit", tx.gas_limit},          {"action", action_to_json(tx.action)},
          {"signature", tx.signature.hex()}};
}

json commit_to_json(const chain::CommitCertificate& commit) {
  json signatures = json::array();
  for (const auto& entry : commit.signatures)
    signatures.push_back({{"validator", entry.validator.hex()}, {"signature", entry.signature.hex()}});
  return {{"height", commit.height},
          {"round", commit.round},
          {"block_hash", commit.block_hash.hex()},
          {"signatures", std::move(signatures)}};
}

json header_to_json(const chain::Header& header) {
  return {{"chain_id", header.chain_id},
          {"height", header.height},
          {"time_ms", header.time_ms},
          {"previous_hash", header.previous_hash.hex()},
          {"txs_root", header.txs_root.hex()},
          {"state_root", header.state_root.hex()},
          {"receipts_root", header.receipts_root.hex()},
          {"proposer", header.proposer.hex()},
          {"validator_set_hash", header.validator_set_hash.hex()},
          {"last_commit", commit_to_json(header.last_commit)}};
}

json block_to_json(const chain::Block& block, const chain::CommitCertificate& commit) {
  json txs = json::array();
  for (const auto& tx : block.txs) txs.push_back(tx_to_json(tx));
  return {{"hash", chain::block_hash(block.header).hex()},
          {"header", header_to_json(block.header)},
          {"header_hex", to_hex(chain::encode_header(block.header))},
          {"txs", std::move(txs)},
          {"commit", commit_to_json(commit)}};
}

json event_to_json(const chain::Event& event) {
  return {{"contract", event.contract}, {"topic", event.topic}, {"data_hex", to_hex(event.data)}};
}

json receipt_to_json(const chain::Receipt& receipt) {
  json events = json::array();
  for (const auto& event : receipt.events) events.push_back(event_to_json(event));
  return {{"tx_hash", receipt.tx_hash.hex()},
          {"height", receipt.height},
          {"index", receipt.index},
          {"status", std::string(code_name(receipt.status))},
          {"status_code", static_cast<int>(receipt.status)},
          {"message", receipt.message},
          {"gas_used", receipt.gas_used},
          {"return_hex", to_hex(receipt.return_data)},
          {"events", std::move(events)}};
}

json validator_entry_to_json(const execution::ValidatorEntry& entry) {
  return {{"public_key", entry.key.hex()}, {"municipality", entry.municipality}};
}

json validator_proposal_to_json(const execution::ValidatorProposalRecord& record, size_t members_total) {
  json out = {{"id", record.id}};
  validator_change_fields(out, record.change);
  out["proposer"] = record.proposer.hex();
  out["status"] = std::string(execution::proposal_status_name(record.status));
  out["proposed_height"] = record.proposed_height;
  out["expires_height"] = record.expires_height;
  out["decided_height"] = record.decided_height;
  out["activation_height"] = record.activation_height;
  out["approvals"] = record.approvals;
  out["rejections"] = record.rejections;
  // More than two thirds: the smallest count a with 3a > 2n.
  if (record.status == execution::ProposalStatus::open) out["approvals_needed"] = members_total * 2 / 3 + 1;
  return out;
}

}  // namespace govchain::rpc
