#include "rpc/json_format.h"

namespace govchain::rpc {

using json = nlohmann::json;

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

}  // namespace govchain::rpc
