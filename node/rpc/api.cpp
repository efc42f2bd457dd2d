#include "rpc/api.h"

#include <nlohmann/json.hpp>

#include "chain/tx.h"
#include "consensus/certificate.h"
#include "execution/evidence.h"
#include "execution/state_keys.h"
#include "execution/wasm_host.h"
#include "rpc/json_format.h"

namespace govchain::rpc {

using json = nlohmann::json;

namespace {

HttpResponse ok_json(const json& body) { return json_response(body.dump()); }

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
  return {{"height", info.height},         {"round", info.round},
          {"step", info.step},             {"catching_up", info.catching_up},
          {"best_peer_height", info.best_peer_height}, {"evidence_count", info.evidence_count},
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
               {"validators", std::move(validators)}};
  auto consensus = service.consensus_info();
  body["mode"] = consensus ? "consensus" : "single-validator";
  if (consensus) {
    body["consensus"] = consensus_json(*consensus);
    body["peers"] = body["consensus"]["peers"];
  }
  return ok_json(body);
}

// One submitted transaction: {"tx": "<hex of the canonical encoding>"}.
json submit_one(NodeService& service, const json& entry) {
  auto fail = [](const Status& status) {
    return json{{"accepted", false},
                {"error", {{"code", std::string(code_name(status.code()))}, {"message", status.message()}}}};
  };
  if (!entry.is_object() || !entry.contains("tx") || !entry["tx"].is_string())
    return fail(error(Code::invalid_argument, "each transaction must be an object {\"tx\": \"<hex>\"}"));
  auto bytes = from_hex(entry["tx"].get<std::string>());
  if (!bytes.ok()) return fail(bytes.status().with_context("tx"));
  auto tx = chain::decode_tx(*bytes);
  if (!tx.ok()) return fail(tx.status().with_context("tx does not decode"));
  Status checked = chain::check_tx_stateless(*tx, service.chain_id(), bytes->size());
  if (!checked.ok()) return fail(checked);
  Hash hash = chain::tx_hash(*tx);
  Status submitted = service.submit(std::move(*tx), hash, bytes->size());
  if (!submitted.ok()) return fail(submitted);
  return {{"accepted", true}, {"hash", hash.hex()}};
}

HttpResponse submit_route(NodeService& service, const HttpRequest& request, const ApiLimits& limits) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded())
    return json_error(400, "malformed", "request body is not valid JSON; send {\"tx\": \"<hex>\"} or an array of them");
  if (body.is_object()) {
    json result = submit_one(service, body);
    if (!result["accepted"].get<bool>()) {
      std::string code = result["error"]["code"];
      unsigned status = code == "resource_exhausted" ? 503 : code == "too_large" ? 413 : 400;
      if (code == "bad_signature" || code == "unauthorized") status = 401;
      if (code == "already_exists" || code == "nonce_too_low") status = 409;
      return json_error(status, code, result["error"]["message"].get<std::string>());
    }
    return json_response(result.dump(), 202);
  }
  if (!body.is_array()) return json_error(400, "invalid_argument", "body must be an object or an array of objects");
  if (body.size() > limits.txs_per_request_max)
    return json_error(413, "too_large", "at most " + std::to_string(limits.txs_per_request_max) +
                                            " transactions per request");
  json results = json::array();
  size_t accepted = 0;
  for (const auto& entry : body) {
    results.push_back(submit_one(service, entry));
    if (results.back()["accepted"].get<bool>()) ++accepted;
  }
  return json_response(json{{"accepted", accepted}, {"results", std::move(results)}}.dump(), 202);
}

HttpResponse tx_route(NodeService& service, const HttpRequest& request) {
  auto hash = Hash::from_hex_string(request.path_parameter);
  if (!hash.ok()) return json_error(400, "invalid_argument", "transaction hash must be 64 hex digits");
  auto receipt = service.receipt(*hash);
  if (receipt.ok())
    return ok_json({{"hash", hash->hex()}, {"status", "committed"}, {"receipt", receipt_to_json(*receipt)}});
  if (receipt.status().code() != Code::not_found) return json_error(receipt.status());
  if (service.is_pending(*hash)) return ok_json({{"hash", hash->hex()}, {"status", "pending"}});
  return json_error(404, "not_found", "no pending or committed transaction " + hash->hex());
}

HttpResponse block_route(NodeService& service, const HttpRequest& request) {
  uint64_t height = 0;
  if (request.path_parameter == "latest") {
    height = service.head().height;
  } else {
    const std::string& text = request.path_parameter;
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
      return json_error(400, "invalid_argument", "block id must be a height (decimal) or 'latest'");
    height = std::stoull(text);
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
  auto proven = service.prove(*key);
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
    auto receipt = service.query(call, caller, body.value("gas_limit", uint64_t{10'000'000}));
    if (!receipt.ok()) return json_error(receipt.status());
    return ok_json(receipt_to_json(*receipt));
  } catch (const json::exception&) {
    return json_error(400, "invalid_argument", "contract and method must be strings, gas_limit a number");
  }
}

json contract_json(const std::string& name, const execution::ContractRecord& record, bool with_abi) {
  json history = json::array();
  for (const auto& version : record.history)
    history.push_back({{"code_hash", version.code_hash.hex()}, {"height", version.height}, {"time_ms", version.time_ms}});
  json out = {{"name", name},
              {"municipality", record.municipality},
              {"code_hash", record.history.empty() ? "" : record.history.back().code_hash.hex()},
              {"versions", record.history.size()},
              {"history", std::move(history)}};
  if (with_abi) out["abi"] = record.abi_json.empty() ? json(nullptr) : json::parse(record.abi_json, nullptr, false);
  return out;
}

Result<execution::ContractRecord> read_contract(NodeService& service, const std::string& name) {
  auto stored = service.read_latest(execution::keys::contract_meta(name));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return error(Code::not_found, "no contract named '" + name + "' on this chain");
  return execution::decode_contract_record(**stored);
}

HttpResponse contracts_route(NodeService& service) {
  auto stored = service.read_latest(execution::keys::contract_list());
  if (!stored.ok()) return json_error(stored.status());
  json contracts = json::array();
  if (stored->has_value()) {
    auto names = execution::decode_contract_list(**stored);
    if (!names.ok()) return json_error(names.status());
    for (const auto& name : *names) {
      auto record = read_contract(service, name);
      if (!record.ok()) return json_error(record.status());
      contracts.push_back(contract_json(name, *record, false));
    }
  }
  return ok_json({{"contracts", std::move(contracts)}});
}

HttpResponse contract_route(NodeService& service, const HttpRequest& request) {
  auto record = read_contract(service, request.path_parameter);
  if (!record.ok()) return json_error(record.status());
  return ok_json(contract_json(request.path_parameter, *record, true));
}

// The node's latest committed state, for the execution layer's readers.
class LatestState final : public execution::StateReader {
 public:
  explicit LatestState(const NodeService& service) : service_(service) {}
  Result<std::optional<Bytes>> get(ByteView key) const override { return service_.read_latest(key); }

 private:
  const NodeService& service_;
};

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
  LatestState state(service);
  auto hashes = execution::read_evidence_list(state);
  if (!hashes.ok()) return json_error(hashes.status());
  json records = json::array();
  for (const auto& hash : *hashes) {
    auto record = execution::read_evidence(state, hash);
    if (!record.ok()) return json_error(record.status());
    if (record->has_value()) records.push_back(evidence_json(**record));
  }
  return ok_json({{"evidence", std::move(records)}});
}

}  // namespace

Status register_api(HttpServer& server, NodeService& service, ApiLimits limits) {
  GOVCHAIN_TRY(server.add_route("GET", "/healthz", [](const HttpRequest&) {
    return json_response(R"({"status":"ok"})");
  }));
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
  GOVCHAIN_TRY(server.add_route("POST", "/v1/query",
                                [&service](const HttpRequest& request) { return query_route(service, request); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/genesis", [&service](const HttpRequest&) {
    return json_response(service.genesis_json());
  }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/contracts", [&service](const HttpRequest&) { return contracts_route(service); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/evidence", [&service](const HttpRequest&) { return evidence_route(service); }));
  GOVCHAIN_TRY(server.add_route("GET", "/v1/contracts/{name}",
                                [&service](const HttpRequest& request) { return contract_route(service, request); }));
  return server.add_websocket("/v1/events");
}

std::string block_event_json(const chain::Block& block, const std::vector<chain::Receipt>& receipts) {
  return block_event_json(block.header, block.txs.size(), receipts);
}

std::string block_event_json(const chain::Header& header, size_t tx_count, const std::vector<chain::Receipt>& receipts) {
  json results = json::array();
  for (const auto& receipt : receipts) results.push_back(receipt_to_json(receipt));
  return json{{"type", "block"},
              {"height", header.height},
              {"hash", chain::block_hash(header).hex()},
              {"time_ms", header.time_ms},
              {"state_root", header.state_root.hex()},
              {"tx_count", tx_count},
              {"results", std::move(results)}}
      .dump();
}

}  // namespace govchain::rpc
