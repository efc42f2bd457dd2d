// Parsing of the node's JSON answers. Inside this file, a missing or
// mistyped field throws FieldError (or a nlohmann exception); every public
// function catches both and returns Code::malformed, so no exception leaves.
#include <nlohmann/json.hpp>

#include "client/api_types.h"
#include "codec/codec.h"

namespace govchain::client {

using json = nlohmann::json;

namespace {

struct FieldError {
  std::string message;
};

const json& field(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) throw FieldError{std::string("missing field '") + name + "'"};
  return object[name];
}

std::string text_field(const json& object, const char* name) {
  const json& value = field(object, name);
  if (!value.is_string()) throw FieldError{std::string("field '") + name + "' is not a string"};
  return value.get<std::string>();
}

uint64_t unsigned_field(const json& object, const char* name) {
  const json& value = field(object, name);
  if (!value.is_number_unsigned()) throw FieldError{std::string("field '") + name + "' is not an unsigned number"};
  return value.get<uint64_t>();
}

int64_t signed_field(const json& object, const char* name) {
  const json& value = field(object, name);
  if (!value.is_number_integer()) throw FieldError{std::string("field '") + name + "' is not an integer"};
  return value.get<int64_t>();
}

Bytes hex_field(const json& object, const char* name) {
  auto bytes = from_hex(text_field(object, name));
  if (!bytes.ok()) throw FieldError{std::string("field '") + name + "': " + bytes.status().message()};
  return std::move(*bytes);
}

template <size_t N>
FixedBytes<N> fixed_from_text(const std::string& text, const char* name) {
  auto value = FixedBytes<N>::from_hex_string(text);
  if (!value.ok()) throw FieldError{std::string("field '") + name + "': " + value.status().message()};
  return *value;
}

template <size_t N>
FixedBytes<N> fixed_field(const json& object, const char* name) {
  return fixed_from_text<N>(text_field(object, name), name);
}

json parse_object(std::string_view body) {
  json root = json::parse(body, nullptr, false);
  if (root.is_discarded()) throw FieldError{"the node's answer is not JSON"};
  if (!root.is_object()) throw FieldError{"the node's answer is not a JSON object"};
  return root;
}

Status malformed(std::string_view what, const std::string& message) {
  return error(Code::malformed, std::string(what) + ": " + message);
}

// Runs `parse` and turns any exception into Code::malformed about `what`.
template <typename Function>
auto guarded(std::string_view what, Function parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const FieldError& failure) {
    return malformed(what, failure.message);
  } catch (const json::exception& failure) {
    return malformed(what, failure.what());
  } catch (const std::exception& failure) {
    return malformed(what, failure.what());
  }
}

chain::Receipt receipt_from(const json& object) {
  chain::Receipt receipt;
  receipt.tx_hash = fixed_field<32>(object, "tx_hash");
  receipt.height = unsigned_field(object, "height");
  receipt.index = static_cast<uint32_t>(unsigned_field(object, "index"));
  auto code = code_from_name(text_field(object, "status"));
  // A status name this client does not know yet still fails safe: not ok.
  receipt.status = code ? *code : Code::internal;
  receipt.message = text_field(object, "message");
  receipt.gas_used = unsigned_field(object, "gas_used");
  receipt.return_data = hex_field(object, "return_hex");
  const json& events = field(object, "events");
  if (!events.is_array()) throw FieldError{"field 'events' is not an array"};
  for (const json& entry : events)
    receipt.events.push_back({text_field(entry, "contract"), text_field(entry, "topic"), hex_field(entry, "data_hex")});
  return receipt;
}

chain::CommitCertificate commit_from(const json& object) {
  chain::CommitCertificate commit;
  commit.height = unsigned_field(object, "height");
  commit.round = static_cast<uint32_t>(unsigned_field(object, "round"));
  commit.block_hash = fixed_field<32>(object, "block_hash");
  const json& signatures = field(object, "signatures");
  if (!signatures.is_array()) throw FieldError{"field 'signatures' is not an array"};
  for (const json& entry : signatures)
    commit.signatures.push_back({fixed_field<32>(entry, "validator"), fixed_field<64>(entry, "signature")});
  return commit;
}

std::vector<std::string> text_list_field(const json& object, const char* name) {
  const json& value = field(object, name);
  if (!value.is_array()) throw FieldError{std::string("field '") + name + "' is not an array"};
  std::vector<std::string> texts;
  for (const json& entry : value) {
    if (!entry.is_string()) throw FieldError{std::string("field '") + name + "' holds a non-string"};
    texts.push_back(entry.get<std::string>());
  }
  return texts;
}

// A field that is null (absent in this kind of change) or a key.
std::optional<PublicKey> optional_key_field(const json& object, const char* name) {
  if (field(object, name).is_null()) return std::nullopt;
  return fixed_field<32>(object, name);
}

ValidatorProposalInfo proposal_from(const json& object) {
  ValidatorProposalInfo proposal;
  proposal.id = unsigned_field(object, "id");
  proposal.change = text_field(object, "change");
  if (proposal.change != "add" && proposal.change != "remove")
    throw FieldError{"unknown change '" + proposal.change + "'"};
  proposal.municipality = text_field(object, "municipality");
  if (!field(object, "name").is_null()) proposal.name = text_field(object, "name");
  proposal.admin = optional_key_field(object, "admin");
  proposal.node_key = optional_key_field(object, "node_key");
  proposal.proposer = fixed_field<32>(object, "proposer");
  proposal.status = text_field(object, "status");
  proposal.proposed_height = unsigned_field(object, "proposed_height");
  proposal.expires_height = unsigned_field(object, "expires_height");
  proposal.decided_height = unsigned_field(object, "decided_height");
  proposal.activation_height = unsigned_field(object, "activation_height");
  proposal.approvals = text_list_field(object, "approvals");
  proposal.rejections = text_list_field(object, "rejections");
  if (object.contains("approvals_needed")) proposal.approvals_needed = unsigned_field(object, "approvals_needed");
  proposal.raw_json = object.dump();
  return proposal;
}

}  // namespace

Result<ValidatorGovernanceInfo> parse_validator_governance_json(std::string_view body) {
  return guarded("validators", [&]() -> Result<ValidatorGovernanceInfo> {
    json root = parse_object(body);
    ValidatorGovernanceInfo info;
    info.height = unsigned_field(root, "height");
    info.state_height = unsigned_field(root, "state_height");
    const json& validators = field(root, "validators");
    if (!validators.is_array()) throw FieldError{"field 'validators' is not an array"};
    for (const json& entry : validators)
      info.validators.push_back({fixed_field<32>(entry, "public_key"), text_field(entry, "municipality")});
    info.members = text_list_field(root, "members");
    const json& pending = field(root, "pending");
    if (!pending.is_array()) throw FieldError{"field 'pending' is not an array"};
    for (const json& entry : pending) info.pending.push_back(proposal_from(entry));
    info.proposal_count = unsigned_field(root, "proposal_count");
    info.raw_json = std::string(body);
    return info;
  });
}

Result<ValidatorProposalInfo> parse_validator_proposal_json(std::string_view body) {
  return guarded("validator proposal", [&]() -> Result<ValidatorProposalInfo> {
    ValidatorProposalInfo proposal = proposal_from(parse_object(body));
    proposal.raw_json = std::string(body);
    return proposal;
  });
}

Result<ValidatorProposalEvent> validator_event_of(const chain::Receipt& receipt) {
  for (const auto& event : receipt.events) {
    if (!event.contract.empty() || (event.topic != "validator_proposed" && event.topic != "validator_voted")) continue;
    codec::Reader reader(event.data);
    ValidatorProposalEvent found{event.topic, 0, ""};
    auto id = reader.u64();
    auto status = id.ok() ? reader.text(32) : Result<std::string>(id.status());
    if (!status.ok() || !reader.finish().ok())
      return error(Code::malformed, "the " + event.topic + " event's data is not a proposal id and a status");
    found.proposal_id = *id;
    found.status = std::move(*status);
    return found;
  }
  return error(Code::not_found, "the receipt has no validator_proposed or validator_voted event");
}

std::optional<Code> code_from_name(std::string_view name) {
  for (uint16_t value = 0; value <= static_cast<uint16_t>(Code::unknown_account); ++value) {
    Code code = static_cast<Code>(value);
    if (code_name(code) == name) return code;
  }
  return std::nullopt;
}

Result<NodeStatus> parse_status_json(std::string_view body) {
  return guarded("status", [&]() -> Result<NodeStatus> {
    json root = parse_object(body);
    NodeStatus status;
    status.chain_id = text_field(root, "chain_id");
    status.height = unsigned_field(root, "height");
    status.latest_block_hash = fixed_field<32>(root, "latest_block_hash");
    status.state_root = fixed_field<32>(root, "state_root");
    status.latest_block_time_ms = signed_field(root, "latest_block_time_ms");
    status.mempool_txs = unsigned_field(root, "mempool_txs");
    const json& validators = field(root, "validators");
    if (!validators.is_array()) throw FieldError{"field 'validators' is not an array"};
    for (const json& key : validators) {
      if (!key.is_string()) throw FieldError{"a validator is not a hex string"};
      status.validators.push_back(fixed_from_text<32>(key.get<std::string>(), "validators"));
    }
    status.raw_json = std::string(body);
    return status;
  });
}

Result<BlockInfo> parse_block_json(std::string_view body) {
  return guarded("block", [&]() -> Result<BlockInfo> {
    json root = parse_object(body);
    BlockInfo block;
    block.claimed_hash = fixed_field<32>(root, "hash");
    block.header_bytes = hex_field(root, "header_hex");
    auto header = chain::decode_header(block.header_bytes);
    if (!header.ok()) return header.status().with_context("block: header_hex does not decode");
    block.header = std::move(*header);
    block.computed_hash = chain::block_hash(block.header);
    const json& txs = field(root, "txs");
    if (!txs.is_array()) throw FieldError{"field 'txs' is not an array"};
    for (const json& entry : txs) {
      block.txs.push_back({fixed_field<32>(entry, "hash"), fixed_field<32>(entry, "sender"),
                           unsigned_field(entry, "nonce"), text_field(field(entry, "action"), "type")});
    }
    block.commit = commit_from(field(root, "commit"));
    block.raw_json = std::string(body);
    return block;
  });
}

Result<TxStatus> parse_tx_status_json(std::string_view body) {
  return guarded("transaction status", [&]() -> Result<TxStatus> {
    json root = parse_object(body);
    TxStatus status;
    status.hash = fixed_field<32>(root, "hash");
    std::string state = text_field(root, "status");
    if (state == "pending") {
      status.state = TxState::pending;
    } else if (state == "committed") {
      status.state = TxState::committed;
      status.receipt = receipt_from(field(root, "receipt"));
    } else if (state == "dropped") {
      status.state = TxState::dropped;
      const json& reason = field(root, "reason");
      std::string code = text_field(reason, "code");
      std::optional<Code> parsed = code_from_name(code);
      // A dropped transaction always has a failure reason; an unknown or ok
      // code is a node this client does not understand.
      if (!parsed || *parsed == Code::ok) throw FieldError{"unknown reason code '" + code + "'"};
      status.reason = Status(*parsed, text_field(reason, "message"));
    } else {
      throw FieldError{"unknown status '" + state + "'"};
    }
    status.raw_json = std::string(body);
    return status;
  });
}

Result<StateRead> parse_state_json(std::string_view body) {
  return guarded("state read", [&]() -> Result<StateRead> {
    json root = parse_object(body);
    StateRead read;
    read.key = hex_field(root, "key");
    const json& value = field(root, "value");
    if (!value.is_null()) read.value = hex_field(root, "value");
    if (!root.contains("proof_hex")) throw FieldError{"no 'proof_hex': ask with ?proof=true"};
    auto proof = state::decode_proof(hex_field(root, "proof_hex"));
    if (!proof.ok()) return proof.status().with_context("state read: proof_hex does not decode");
    read.proof = std::move(*proof);
    read.height = unsigned_field(root, "height");
    read.block_hash = fixed_field<32>(root, "block_hash");
    read.state_root = fixed_field<32>(root, "state_root");
    read.raw_json = std::string(body);
    return read;
  });
}

Result<SubmitResult> parse_submit_json(std::string_view body) {
  return guarded("submit", [&]() -> Result<SubmitResult> {
    json root = parse_object(body);
    const json& accepted = field(root, "accepted");
    if (!accepted.is_boolean() || !accepted.get<bool>()) throw FieldError{"the node did not accept the transaction"};
    return SubmitResult{fixed_field<32>(root, "hash"), std::string(body)};
  });
}

Result<std::vector<Result<Hash>>> parse_submit_batch_json(std::string_view body, size_t expected_count) {
  return guarded("batch submit", [&]() -> Result<std::vector<Result<Hash>>> {
    json root = parse_object(body);
    const json& results = field(root, "results");
    if (!results.is_array() || results.size() != expected_count)
      throw FieldError{"the node answered " + std::to_string(results.is_array() ? results.size() : 0) +
                       " results for " + std::to_string(expected_count) + " transactions"};
    std::vector<Result<Hash>> outcomes;
    outcomes.reserve(expected_count);
    for (const json& result : results) {
      if (!result.is_object()) throw FieldError{"a result is not a JSON object"};
      const json& accepted = field(result, "accepted");
      if (accepted.is_boolean() && accepted.get<bool>()) {
        outcomes.emplace_back(fixed_field<32>(result, "hash"));
        continue;
      }
      const json& details = field(result, "error");
      std::string name = details.is_object() ? details.value("code", std::string("internal")) : "internal";
      std::string message = details.is_object() ? details.value("message", std::string()) : std::string();
      std::optional<Code> code = code_from_name(name);
      outcomes.emplace_back(error(code && *code != Code::ok ? *code : Code::invalid_argument, message));
    }
    return outcomes;
  });
}

Result<uint64_t> parse_account_nonce_json(std::string_view body) {
  return guarded("account", [&]() -> Result<uint64_t> { return unsigned_field(parse_object(body), "next_nonce"); });
}

Result<chain::Receipt> parse_receipt_json(std::string_view body) {
  return guarded("receipt", [&]() -> Result<chain::Receipt> { return receipt_from(parse_object(body)); });
}

Status parse_error_json(unsigned http_status, std::string_view body) {
  std::string suffix = " (HTTP " + std::to_string(http_status) + " from the node)";
  try {
    json root = json::parse(body, nullptr, false);
    if (!root.is_discarded() && root.is_object() && root.contains("error") && root["error"].is_object()) {
      const json& details = root["error"];
      std::string name = details.value("code", std::string("internal"));
      std::string message = details.value("message", std::string());
      auto code = code_from_name(name);
      if (code && *code != Code::ok) return error(*code, message + suffix);
      // A server-level code such as method_not_allowed: keep its name.
      Code fallback = http_status >= 500 ? Code::unavailable : Code::invalid_argument;
      return error(fallback, name + ": " + message + suffix);
    }
  } catch (const std::exception&) {
    // Fall through to the generic answer below.
  }
  std::string excerpt(body.substr(0, 200));
  return error(http_status >= 500 ? Code::unavailable : Code::invalid_argument,
               "unexpected answer: " + excerpt + suffix);
}

}  // namespace govchain::client
