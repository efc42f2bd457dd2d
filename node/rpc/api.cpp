#include "rpc/api.h"

#include <nlohmann/json.hpp>

#include "chain/tx.h"
#include "consensus/certificate.h"
#include "core/version.h"
#include "execution/evidence.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"
#include "execution/wasm_host.h"
#include "rpc/consortium_routes.h"
#include "rpc/json_format.h"

namespace govchain::rpc {

using json = nlohmann::json;

namespace {

HttpResponse ok_json(const json& body) { return json_response(dump_json(body)); }

Result<PublicKey> parse_key(std::string_view hex, std::string_view what) {
  auto key = PublicKey::from_hex_string(hex);
  if (!key.ok()) return key.status().with_context(std::string(what) + " must be 64 hex digits");
  return key;
}

json consensus_json(const ConsensusInfo& info) {
  json peers = json::array();
  for (const auto& peer : info.peers)
    peers.push_back({{"public_key", peer.public_key.hex()},
                     {"address", peer.address},
                     {"connected", peer.connected},
                     {"outbound", peer.outbound},
                     {"height", peer.height},
                     {"round_trip_ms", peer.round_trip_ms},
                     {"last_error", peer.last_error}});
  return {{"height", info.height},
          {"round", info.round},
          {"step", info.step},
          {"catching_up", info.catching_up},
          {"best_peer_height", info.best_peer_height},
          {"evidence_count", info.evidence_count},
          {"peers", std::move(peers)}};
}

HttpResponse status_route(NodeService& service) {
  ChainHead head = service.head();
  json validators = json::array();
  for (const auto& key : service.validators()) validators.push_back(key.hex());
  json body = {{"chain_id", service.chain_id()},
               {"genesis_hash", service.genesis_hash().hex()},
               {"height", head.height},
               {"latest_block_hash", head.block_hash.hex()},
               {"state_root", head.state_root.hex()},
               {"latest_block_time_ms", head.time_ms},
               {"mempool_txs", service.mempool_size()},
               {"validators", std::move(validators)},
               {"version", std::string(version_text())},
               {"wire_format_version", wire_format_version},
               {"storage_format_version", storage_format_version}};
  auto consensus = service.consensus_info();
  body["mode"] = consensus ? "consensus" : "single-validator";
  if (consensus) {
    body["consensus"] = consensus_json(*consensus);
    body["peers"] = body["consensus"]["peers"];
  }
  return ok_json(body);
}

// One submitted transaction, {"tx": "<hex of the canonical encoding>"}:
// its hash once admitted, or why not (a reason code).
Result<Bytes> tx_bytes(const json& entry) {
  if (!entry.is_object() || !entry.contains("tx") || !entry["tx"].is_string())
    return error(Code::invalid_argument, "each transaction must be an object {\"tx\": \"<hex>\"}");
  auto bytes = from_hex(entry["tx"].get_ref<const std::string&>());
  if (!bytes.ok()) return bytes.status().with_context("tx");
  return bytes;
}

Result<Hash> submit_one(NodeService& service, const json& entry) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bytes, tx_bytes(entry));
  return service.submit(std::move(bytes));
}

json submit_result_json(const Result<Hash>& submitted) {
  if (submitted.ok()) return {{"accepted", true}, {"hash", submitted->hex()}};
  const Status& status = submitted.status();
  return {{"accepted", false},
          {"error", {{"code", std::string(code_name(status.code()))}, {"message", status.message()}}}};
}

// One transaction: 202 with its hash, or the error's status from
// http_status_for (docs/api.md). An array: 202 with a result per entry.
HttpResponse submit_route(NodeService& service, const HttpRequest& request, const ApiLimits& limits) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded())
    return json_error(400, "malformed", "request body is not valid JSON; send {\"tx\": \"<hex>\"} or an array of them");
  if (body.is_object()) {
    Result<Hash> submitted = submit_one(service, body);
    if (!submitted.ok()) return json_error(submitted.status());
    return json_response(dump_json(submit_result_json(submitted)), 202);
  }
  if (!body.is_array()) return json_error(400, "invalid_argument", "body must be an object or an array of objects");
  if (body.size() > limits.txs_per_request_max)
    return json_error(413, "too_large",
                      "at most " + std::to_string(limits.txs_per_request_max) + " transactions per request");
  // Entries that are not a hex transaction are answered here; the others
  // go to the node together, which may check their signatures in parallel.
  std::vector<std::optional<Result<Hash>>> outcomes(body.size());
  std::vector<Bytes> encoded_txs;
  std::vector<size_t> positions;
  for (size_t index = 0; index < body.size(); ++index) {
    Result<Bytes> bytes = tx_bytes(body[index]);
    if (!bytes.ok()) {
      outcomes[index] = bytes.status();
      continue;
    }
    encoded_txs.push_back(std::move(*bytes));
    positions.push_back(index);
  }
  std::vector<Result<Hash>> submitted = service.submit_batch(std::move(encoded_txs));
  for (size_t index = 0; index < positions.size() && index < submitted.size(); ++index)
    outcomes[positions[index]] = std::move(submitted[index]);
  json results = json::array();
  size_t accepted = 0;
  for (auto& outcome : outcomes) {
    Result<Hash> result = outcome ? std::move(*outcome) : error(Code::internal, "the node gave no answer");
    if (result.ok()) ++accepted;
    results.push_back(submit_result_json(result));
  }
  return json_response(dump_json(json{{"accepted", accepted}, {"results", std::move(results)}}), 202);
}

HttpResponse tx_route(NodeService& service, const HttpRequest& request) {
  auto hash = Hash::from_hex_string(request.path_parameter);
  if (!hash.ok()) return json_error(400, "invalid_argument", "transaction hash must be 64 hex digits");
  auto receipt = service.receipt(*hash);
  if (receipt.ok())
    return ok_json({{"hash", hash->hex()}, {"status", "committed"}, {"receipt", receipt_to_json(*receipt)}});
  if (receipt.status().code() != Code::not_found) return json_error(receipt.status());
  if (service.is_pending(*hash)) return ok_json({{"hash", hash->hex()}, {"status", "pending"}});
  // Left out of a block, so never on the chain; the reason is for the
  // submitter (docs/decisions/failed-calls-stay-off-chain.md).
  if (auto reason = service.dropped(*hash))
    return ok_json({{"hash", hash->hex()},
                    {"status", "dropped"},
                    {"reason", {{"code", std::string(code_name(reason->code()))}, {"message", reason->message()}}}});
  return json_error(404, "not_found", "no pending or committed transaction " + hash->hex());
}

Result<uint64_t> parse_decimal(std::string_view text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string_view::npos)
    return error(Code::invalid_argument, "expected a decimal number of at most 19 digits");
  return std::stoull(std::string(text));
}

HttpResponse block_route(NodeService& service, const HttpRequest& request) {
  uint64_t height = 0;
  if (request.path_parameter == "latest") {
    height = service.head().height;
  } else {
    auto parsed = parse_decimal(request.path_parameter);
    if (!parsed.ok()) return json_error(400, "invalid_argument", "block id must be a height (decimal) or 'latest'");
    height = *parsed;
  }
  auto block = service.block(height);
  if (!block.ok()) return json_error(block.status());
  auto commit = service.commit(height);
  if (!commit.ok()) return json_error(commit.status());
  return ok_json(block_to_json(*block, *commit));
}

HttpResponse state_route(NodeService& service, const HttpRequest& request) {
  auto key = from_hex(request.path_parameter);
  if (!key.ok() || key->empty()) return json_error(400, "invalid_argument", "state key must be non-empty hex");
  std::optional<uint64_t> height;
  if (auto text = request.query("height")) {
    auto parsed = parse_decimal(*text);
    if (!parsed.ok()) return json_error(400, "invalid_argument", parsed.status().message());
    height = *parsed;
  }
  auto proven = service.prove(*key, height);
  if (!proven.ok()) return json_error(proven.status());
  json out = {{"key", to_hex(*key)},
              {"value", proven->value ? json(to_hex(*proven->value)) : json(nullptr)},
              {"height", proven->head.height},
              {"block_hash", proven->head.block_hash.hex()},
              {"state_root", proven->head.state_root.hex()}};
  if (request.query_flag("proof")) out["proof_hex"] = to_hex(state::encode_proof(proven->proof));
  return ok_json(out);
}

HttpResponse account_route(NodeService& service, const HttpRequest& request) {
  auto account = parse_key(request.path_parameter, "account");
  if (!account.ok()) return json_error(400, "invalid_argument", account.status().message());
  auto nonce = service.next_nonce(*account);
  if (!nonce.ok()) return json_error(nonce.status());
  auto pending = service.pending_nonce(*account);
  if (!pending.ok()) return json_error(pending.status());
  return ok_json({{"account", account->hex()}, {"next_nonce", *nonce}, {"pending_nonce", *pending}});
}

HttpResponse query_route(NodeService& service, const HttpRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_error(400, "malformed", "body must be a JSON object {\"contract\", \"method\", \"arguments_hex\"}");
  try {
    chain::ContractCall call;
    call.contract = body.at("contract").get<std::string>();
    call.method = body.at("method").get<std::string>();
    auto arguments = from_hex(body.value("arguments_hex", std::string()));
    if (!arguments.ok()) return json_error(400, "invalid_argument", "arguments_hex: " + arguments.status().message());
    call.arguments = std::move(*arguments);
    PublicKey caller;
    if (body.contains("caller")) {
      auto key = parse_key(body["caller"].get<std::string>(), "caller");
      if (!key.ok()) return json_error(400, "invalid_argument", key.status().message());
      caller = *key;
    }
    auto gas_limit = unsigned_field(body, "gas_limit", 10'000'000, UINT64_MAX);
    if (!gas_limit.ok()) return json_error(400, "invalid_argument", gas_limit.status().message());
    auto receipt = service.query(call, caller, *gas_limit);
    if (!receipt.ok()) return json_error(receipt.status());
    return ok_json(receipt_to_json(*receipt));
  } catch (const json::exception&) {
    return json_error(400, "invalid_argument", "contract and method must be strings, gas_limit a number");
  }
}

Result<execution::ContractRecord> read_contract(const execution::StateReader& state, const std::string& name) {
  auto stored = state.get(execution::keys::contract_meta(name));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return error(Code::not_found, "no contract named '" + name + "' on this chain");
  return execution::decode_contract_record(**stored);
}

HttpResponse contracts_route(NodeService& service) {
  auto state = service.state_at(service.head());
  auto stored = state->get(execution::keys::contract_list());
  if (!stored.ok()) return json_error(stored.status());
  json contracts = json::array();
  if (stored->has_value()) {
    auto names = execution::decode_contract_list(**stored);
    if (!names.ok()) return json_error(names.status());
    for (const auto& name : *names) {
      auto record = read_contract(*state, name);
      if (!record.ok()) return json_error(record.status());
      contracts.push_back(contract_to_json(name, *record, false));
    }
  }
  return ok_json({{"contracts", std::move(contracts)}});
}

HttpResponse contract_route(NodeService& service, const HttpRequest& request) {
  auto record = read_contract(*service.state_at(service.head()), request.path_parameter);
  if (!record.ok()) return json_error(record.status());
  return ok_json(contract_to_json(request.path_parameter, *record, true));
}

json optional_hash_json(const std::optional<Hash>& hash) { return hash ? json(hash->hex()) : json(nullptr); }

json evidence_json(const execution::EvidenceRecord& record) {
  json out = {{"hash", record.hash.hex()},
              {"validator", record.validator.hex()},
              {"vote_height", record.vote_height},
              {"recorded_height", record.recorded_height},
              {"reporter", record.reporter.hex()},
              {"state_key_hex", to_hex(execution::keys::evidence(record.hash))},
              {"evidence_hex", to_hex(record.evidence)}};
  auto evidence = consensus::decode_evidence(record.evidence);
  if (evidence.ok()) {
    out["round"] = evidence->first.vote.round;
    out["vote_type"] = std::string(consensus::vote_type_name(evidence->first.vote.type));
    out["block_ids"] = {optional_hash_json(evidence->first.vote.block_id),
                        optional_hash_json(evidence->second.vote.block_id)};
  }
  return out;
}

// Equivocation evidence recorded on chain, oldest first.
HttpResponse evidence_route(NodeService& service) {
  // One block's state (the head read once), so that the answer is of one height.
  auto state = service.state_at(service.head());
  auto hashes = execution::read_evidence_list(*state);
  if (!hashes.ok()) return json_error(hashes.status());
  json records = json::array();
  for (const auto& hash : *hashes) {
    auto record = execution::read_evidence(*state, hash);
    if (!record.ok()) return json_error(record.status());
    if (record->has_value()) records.push_back(evidence_json(**record));
  }
  return ok_json({{"evidence", std::move(records)}});
}

// Activated validator set changes, for light clients that follow the set
// from the genesis (client::Client::validators_at). Scans proposal records
// from `from` on, at most validator_history_page_max per answer.
constexpr uint64_t validator_history_page_max = 1000;

HttpResponse validator_history_route(NodeService& service, const HttpRequest& request) {
  uint64_t from = 1;
  if (auto text = request.query("from")) {
    auto parsed = parse_decimal(*text);
    if (!parsed.ok() || *parsed == 0) return json_error(400, "invalid_argument", "'from' must be a proposal id >= 1");
    from = *parsed;
  }
  auto state = service.state_at(service.head());
  auto count = execution::read_validator_proposal_count(*state);
  if (!count.ok()) return json_error(count.status());
  json changes = json::array();
  uint64_t last = std::min(*count, from + validator_history_page_max - 1);
  for (uint64_t id = from; id <= last; ++id) {
    auto record = execution::read_validator_proposal(*state, id);
    if (!record.ok()) return json_error(record.status());
    if (!record->has_value() || (*record)->status != execution::ProposalStatus::activated) continue;
    changes.push_back({{"height", (*record)->activation_height},
                       {"proposal_id", id},
                       {"change", std::string(chain::validator_change_kind_name((*record)->change.kind))},
                       {"municipality", (*record)->change.municipality}});
  }
  json out = {{"changes", std::move(changes)}, {"proposal_count", *count}};
  if (last < *count) out["next_from"] = last + 1;
  return ok_json(out);
}

Result<json> validator_governance_json(const NodeService& service) {
  // The validators, the members and the proposals all of one block.
  const ChainHead head = service.head();
  auto state = service.state_at(head);
  GOVCHAIN_ASSIGN_OR_RETURN(auto entries, execution::read_validator_entries(*state));
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, execution::read_members(*state));
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, execution::read_pending_validator_proposals(*state));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t proposal_count, execution::read_validator_proposal_count(*state));
  json validators = json::array();
  for (const auto& entry : entries) validators.push_back(validator_entry_to_json(entry));
  json proposals = json::array();
  for (const auto& record : pending) proposals.push_back(validator_proposal_to_json(record, members.size()));
  // The set in the head's state decides the next height.
  return json{{"height", head.height + 1}, {"state_height", head.height},     {"validators", std::move(validators)},
              {"members", members},        {"pending", std::move(proposals)}, {"proposal_count", proposal_count}};
}

HttpResponse validators_route(const NodeService& service) {
  auto body = validator_governance_json(service);
  if (!body.ok()) return json_error(body.status());
  return ok_json(*body);
}

HttpResponse validator_proposal_route(const NodeService& service, const HttpRequest& request) {
  auto parsed = parse_decimal(request.path_parameter);
  if (!parsed.ok())
    return json_error(400, "invalid_argument", "proposal id must be a decimal number, as listed by GET /v1/validators");
  const uint64_t id = *parsed;
  const ChainHead head = service.head();
  auto state = service.state_at(head);
  auto record = execution::read_validator_proposal(*state, id);
  if (!record.ok()) return json_error(record.status());
  if (!record->has_value()) {
    auto count = execution::read_validator_proposal_count(*state);
    std::string known =
        count.ok() && *count > 0 ? "ids 1.." + std::to_string(*count) + " exist" : "no proposal has been made yet";
    return json_error(404, "not_found",
                      "no validator proposal " + std::to_string(id) + " at height " + std::to_string(head.height) +
                          " (" + known + "); list them with GET /v1/validators");
  }
  auto members = execution::read_members(*state);
  if (!members.ok()) return json_error(members.status());
  json body = validator_proposal_to_json(**record, members->size());
  body["state_height"] = head.height;
  return ok_json(body);
}

}  // namespace

Status register_api(HttpServer& server, NodeService& service, ApiLimits limits) {
  GOVCHAIN_TRY(server.add_route("GET", "/v1/status", [&service](const HttpRequest&) { return status_route(service); }));
  GOVCHAIN_TRY(server.add_route("POST", "/v1/txs", [&service, limits](const HttpRequest& request) {
    return submit_route(service, request, limits);
  }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/txs/{hash}",
                                [&service](const HttpRequest& request) { return tx_route(service, request); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/blocks/{id}",
                                [&service](const HttpRequest& request) { return block_route(service, request); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/state/{key}",
                                [&service](const HttpRequest& request) { return state_route(service, request); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/accounts/{account}",
                                [&service](const HttpRequest& request) { return account_route(service, request); }));
  // A read-only call, so portals on other origins may make it (CORS); the
  // write route POST /v1/txs stays same-origin (docs/decisions/rpc-server.md).
  GOVCHAIN_TRY(server.add_route("POST", "/v1/query",
                                [&service](const HttpRequest& request) { return query_route(service, request); },
                                {RouteExecution::worker_pool, CrossOrigin::allow}));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/genesis",
                                [&service](const HttpRequest&) { return json_response(service.genesis_json()); }));
  GOVCHAIN_TRY(
      server.add_route("GET", "/v1/contracts", [&service](const HttpRequest&) { return contracts_route(service); }));
  GOVCHAIN_TRY(
      server.add_route("GET", "/v1/evidence", [&service](const HttpRequest&) { return evidence_route(service); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/validators/history", [&service](const HttpRequest& request) {
    return validator_history_route(service, request);
  }));
  GOVCHAIN_TRY(
      server.add_route("GET", "/v1/validators", [&service](const HttpRequest&) { return validators_route(service); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/validators/proposals/{id}", [&service](const HttpRequest& request) {
    return validator_proposal_route(service, request);
  }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/contracts/{name}",
                                [&service](const HttpRequest& request) { return contract_route(service, request); }));
  GOVCHAIN_TRY(register_consortium_routes(server, service));
  return server.add_websocket("/v1/events");
}

std::string block_event_json(const chain::Block& block, const std::vector<chain::Receipt>& receipts) {
  return block_event_json(block.header, block.txs.size(), receipts);
}

std::string block_event_json(const chain::Header& header, size_t tx_count,
                             const std::vector<chain::Receipt>& receipts) {
  json results = json::array();
  for (const auto& receipt : receipts) results.push_back(receipt_to_json(receipt));
  return dump_json(json{{"type", "block"},
                        {"height", header.height},
                        {"hash", chain::block_hash(header).hex()},
                        {"time_ms", header.time_ms},
                        {"state_root", header.state_root.hex()},
                        {"tx_count", tx_count},
                        {"results", std::move(results)}});
}

}  // namespace govchain::rpc
