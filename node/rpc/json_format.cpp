#include "rpc/json_format.h"

#include "chain/text.h"
#include "crypto/hash.h"

namespace govchain::rpc {

using json = nlohmann::json;

namespace {

// Nesting depth of JSON text from state (an ABI) that the API parses; a
// stored text nested deeper is shown as null rather than parsed, because
// parsing and serialising recurse.
constexpr size_t stored_json_depth_max = 64;

bool nesting_within(std::string_view text, size_t depth_max) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') {
      if (++depth > depth_max) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

json texts_json(const std::vector<std::string>& texts) {
  json out = json::array();
  for (const auto& text : texts) out.push_back(json_text(text));
  return out;
}

json name_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(json_text(text)); }

json optional_key_json(const PublicKey& key) { return key.is_zero() ? json(nullptr) : json(key.hex()); }

// The fields of a validator change, shared by the action and the proposal
// record: a removal names only the municipality; an addition its node key,
// and for a new member also its display name and admin.
void validator_change_fields(json& out, const chain::ValidatorProposal& change) {
  out["change"] = std::string(chain::validator_change_kind_name(change.kind));
  out["municipality"] = json_text(change.municipality);
  out["name"] = name_or_null(change.name);
  out["admin"] = optional_key_json(change.admin);
  out["node_key"] = optional_key_json(change.validator);
}

void contract_proposal_fields(json& out, const chain::ContractProposal& change) {
  out["change"] = std::string(chain::contract_change_kind_name(change.kind));
  out["contract"] = json_text(change.contract);
  if (change.kind == chain::ContractChangeKind::owner) {
    out["owner"] = change.owner.empty() ? json("consortium") : json(json_text(change.owner));
    return;
  }
  out["code_size_bytes"] = change.code.size();
  out["code_hash"] = crypto::sha256(ByteView(change.code)).hex();
  out["abi_size_bytes"] = change.abi_json.size();
}

}  // namespace

std::string json_text(std::string_view text) { return chain::to_valid_utf8(text); }

std::string dump_json(const json& document) { return document.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<uint64_t> unsigned_field(const json& object, std::string_view name, uint64_t fallback, uint64_t maximum) {
  std::string key(name);
  if (!object.is_object() || !object.contains(key)) return fallback;
  const json& value = object[key];
  if (!value.is_number_unsigned() || value.get<uint64_t>() > maximum)
    return error(Code::invalid_argument, "'" + key + "' must be an unsigned integer from 0 to " +
                                             std::to_string(maximum) + " (no fraction, no exponent)");
  return value.get<uint64_t>();
}

json action_to_json(const chain::Action& action) {
  json out = {{"type", std::string(chain::action_name(action))}};
  if (const auto* grant = std::get_if<chain::RoleGrant>(&action)) {
    out["municipality"] = json_text(grant->municipality);
    out["role"] = json_text(grant->role);
    out["account"] = grant->account.hex();
  } else if (const auto* revoke = std::get_if<chain::RoleRevoke>(&action)) {
    out["municipality"] = json_text(revoke->municipality);
    out["role"] = json_text(revoke->role);
    out["account"] = revoke->account.hex();
  } else if (const auto* deploy = std::get_if<chain::ContractDeploy>(&action)) {
    out["name"] = json_text(deploy->name);
    out["municipality"] = json_text(deploy->municipality);
    out["code_size_bytes"] = deploy->code.size();
  } else if (const auto* call = std::get_if<chain::ContractCall>(&action)) {
    out["contract"] = json_text(call->contract);
    out["method"] = json_text(call->method);
    out["arguments_hex"] = to_hex(call->arguments);
  } else if (const auto* report = std::get_if<chain::EvidenceReport>(&action)) {
    out["evidence_hex"] = to_hex(report->evidence);
  } else if (const auto* proposal = std::get_if<chain::ValidatorProposal>(&action)) {
    validator_change_fields(out, *proposal);
  } else if (const auto* vote = std::get_if<chain::ValidatorVote>(&action)) {
    out["proposal_id"] = vote->proposal_id;
    out["approve"] = vote->approve;
  } else if (const auto* change = std::get_if<chain::ContractProposal>(&action)) {
    contract_proposal_fields(out, *change);
  } else if (const auto* contract_vote = std::get_if<chain::ContractVote>(&action)) {
    out["proposal_id"] = contract_vote->proposal_id;
    out["approve"] = contract_vote->approve;
  }
  return out;
}

json tx_to_json(const chain::Tx& tx) {
  return {{"hash", chain::tx_hash(tx).hex()}, {"chain_id", json_text(tx.chain_id)},
          {"sender", tx.sender.hex()},        {"nonce", tx.nonce},
          {"gas_limit", tx.gas_limit},        {"action", action_to_json(tx.action)},
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
  return {{"chain_id", json_text(header.chain_id)},
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
  return {{"contract", json_text(event.contract)}, {"topic", json_text(event.topic)}, {"data_hex", to_hex(event.data)}};
}

json receipt_to_json(const chain::Receipt& receipt) {
  json events = json::array();
  for (const auto& event : receipt.events) events.push_back(event_to_json(event));
  return {{"tx_hash", receipt.tx_hash.hex()},
          {"height", receipt.height},
          {"index", receipt.index},
          {"status", std::string(code_name(receipt.status))},
          {"status_code", static_cast<int>(receipt.status)},
          {"message", json_text(receipt.message)},
          {"gas_used", receipt.gas_used},
          {"return_hex", to_hex(receipt.return_data)},
          {"events", std::move(events)}};
}

json validator_entry_to_json(const execution::ValidatorEntry& entry) {
  return {{"public_key", entry.key.hex()}, {"municipality", json_text(entry.municipality)}};
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
  out["approvals"] = texts_json(record.approvals);
  out["rejections"] = texts_json(record.rejections);
  // More than two thirds: the smallest count a with 3a > 2n.
  if (record.status == execution::ProposalStatus::open) out["approvals_needed"] = members_total * 2 / 3 + 1;
  return out;
}

json contract_proposal_to_json(const execution::ContractProposalRecord& record, size_t members_total) {
  json out = {{"id", record.id},
              {"change", std::string(chain::contract_change_kind_name(record.kind))},
              {"contract", json_text(record.contract)}};
  if (record.kind == chain::ContractChangeKind::owner) {
    out["owner"] = record.owner.empty() ? json("consortium") : json(json_text(record.owner));
  } else {
    out["code_hash"] = record.code_hash.hex();
    out["code_size_bytes"] = record.code_size_bytes;
    out["abi_hash"] = record.abi_hash.is_zero() ? json(nullptr) : json(record.abi_hash.hex());
  }
  out["proposer"] = record.proposer.hex();
  out["proposer_municipality"] = json_text(record.proposer_municipality);
  out["status"] = std::string(execution::contract_proposal_status_name(record.status));
  out["proposed_height"] = record.proposed_height;
  out["expires_height"] = record.expires_height;
  out["decided_height"] = record.decided_height;
  out["activation_height"] = record.activation_height;
  if (record.status == execution::ContractProposalStatus::failed) out["failure"] = json_text(record.failure);
  out["approvals"] = texts_json(record.approvals);
  out["rejections"] = texts_json(record.rejections);
  if (record.status == execution::ContractProposalStatus::open) out["approvals_needed"] = members_total * 2 / 3 + 1;
  return out;
}

json contract_to_json(const std::string& name, const execution::ContractRecord& record, bool with_abi) {
  json history = json::array();
  for (const auto& version : record.history)
    history.push_back(
        {{"code_hash", version.code_hash.hex()}, {"height", version.height}, {"time_ms", version.time_ms}});
  json out = {{"name", json_text(name)},
              {"municipality", json_text(record.municipality)},
              {"owner", record.shared ? std::string("consortium") : json_text(record.municipality)},
              {"shared", record.shared},
              {"code_hash", record.history.empty() ? "" : record.history.back().code_hash.hex()},
              {"versions", record.history.size()},
              {"history", std::move(history)}};
  if (!with_abi) return out;
  json abi = nullptr;
  if (!record.abi_json.empty() && nesting_within(record.abi_json, stored_json_depth_max)) {
    abi = json::parse(record.abi_json, nullptr, false);
    if (abi.is_discarded()) abi = nullptr;
  }
  out["abi"] = std::move(abi);
  return out;
}

}  // namespace govchain::rpc
