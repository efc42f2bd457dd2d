#include "client/client.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "chain/genesis.h"
#include "client/state_layout.h"
#include "client/tx_builder.h"
#include "client/verify.h"
#include "core/limits.h"

namespace govchain::client {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
// Pages of /v1/validators/history read at most (1000 changes each).
constexpr size_t validator_history_pages_max = 1000;

Result<Client> Client::connect(ClientOptions options) {
  auto endpoint = detail::endpoint_for(options.node_url, options.tls_ca_file);
  if (!endpoint.ok()) return endpoint.status();
  if (options.request_timeout_ms == 0) return error(Code::invalid_argument, "request timeout must be positive");
  return Client(std::move(options), std::move(*endpoint));
}

Result<std::string> Client::call(std::string_view method, std::string_view target, std::string_view body) const {
  detail::HttpLimits limits{options_.request_timeout_ms, options_.response_size_bytes_max};
  auto answer = detail::http_exchange(endpoint_, method, target, body, limits);
  if (!answer.ok()) return answer.status();
  if (answer->status < 200 || answer->status >= 300) return parse_error_json(answer->status, answer->body);
  return std::move(answer->body);
}

Result<NodeStatus> Client::status() const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/status", ""));
  return parse_status_json(body);
}

Result<std::string> Client::status_text() const { return call("GET", "/v1/status", ""); }

Status Client::health() const {
  auto answer = call("GET", "/healthz", "");
  return answer.ok() ? Status() : answer.status();
}

Result<BlockInfo> Client::block(std::optional<uint64_t> height) const {
  std::string id = height ? std::to_string(*height) : "latest";
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/blocks/" + id, ""));
  return parse_block_json(body);
}

Result<TxStatus> Client::tx_status(const Hash& hash) const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/txs/" + hash.hex(), ""));
  auto status = parse_tx_status_json(body);
  if (status.ok() && status->hash != hash)
    return error(Code::invalid, "the node answered for transaction " + status->hash.hex() + ", not " + hash.hex());
  return status;
}

Result<uint64_t> Client::next_nonce(const PublicKey& account) const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/accounts/" + account.hex(), ""));
  return parse_account_nonce_json(body);
}

Result<Hash> Client::submit(const chain::Tx& tx) const {
  const std::string body = nlohmann::json{{"tx", tx_hex(tx)}}.dump();
  GOVCHAIN_ASSIGN_OR_RETURN(std::string answer, call("POST", "/v1/txs", body));
  auto submitted = parse_submit_json(answer);
  if (!submitted.ok()) return submitted.status();
  const Hash expected = chain::tx_hash(tx);
  if (submitted->hash != expected)
    return error(Code::invalid,
                 "the node reported hash " + submitted->hash.hex() + " for transaction " + expected.hex());
  return expected;
}

Result<std::vector<Result<Hash>>> Client::submit_batch(const std::vector<chain::Tx>& txs) const {
  if (txs.size() > limits::rpc_txs_per_request_max)
    return error(Code::too_large, std::to_string(txs.size()) + " transactions in one request; a node takes at most " +
                                      std::to_string(limits::rpc_txs_per_request_max));
  if (txs.empty()) return std::vector<Result<Hash>>{};
  nlohmann::json body = nlohmann::json::array();
  for (const auto& tx : txs) body.push_back({{"tx", tx_hex(tx)}});
  GOVCHAIN_ASSIGN_OR_RETURN(std::string answer, call("POST", "/v1/txs", body.dump()));
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<Result<Hash>> outcomes, parse_submit_batch_json(answer, txs.size()));
  for (size_t index = 0; index < txs.size(); ++index) {
    if (!outcomes[index].ok()) continue;
    const Hash expected = chain::tx_hash(txs[index]);
    if (*outcomes[index] != expected)
      outcomes[index] = error(
          Code::invalid, "the node reported hash " + outcomes[index]->hex() + " for transaction " + expected.hex());
  }
  return outcomes;
}

Result<chain::Receipt> Client::wait_for_receipt(const Hash& hash, uint64_t timeout_ms) const {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last_seen = "not yet asked";
  // Bounded by the deadline; each poll is bounded by the request timeout.
  while (true) {
    auto status = tx_status(hash);
    if (status.ok() && status->state == TxState::committed) return *status->receipt;
    // Left out of the chain for good: waiting longer cannot change that.
    if (status.ok() && status->state == TxState::dropped)
      return Status(status->reason.code(), status->reason.message() + " (transaction " + hash.hex() +
                                               " was left out of the chain: it is not committed and never will be)");
    if (status.ok()) {
      last_seen = "pending";
    } else if (status.status().code() == Code::not_found) {
      last_seen = "unknown to the node (dropped from its pool?)";
    } else if (status.status().code() != Code::unavailable && status.status().code() != Code::timeout) {
      return status.status();
    } else {
      last_seen = status.status().to_string();
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_interval_ms));
  }
  return error(Code::timeout, "transaction " + hash.hex() + " was not committed within " + std::to_string(timeout_ms) +
                                  " ms (last seen: " + last_seen + ")");
}

Result<chain::Receipt> Client::submit_and_wait(const chain::Tx& tx, uint64_t timeout_ms) const {
  GOVCHAIN_ASSIGN_OR_RETURN(Hash hash, submit(tx));
  return wait_for_receipt(hash, timeout_ms);
}

Result<chain::Tx> Client::prepare_tx(const crypto::KeyPair& key_pair, chain::Action action, uint64_t gas_limit) const {
  GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus node, status());
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t nonce, next_nonce(key_pair.public_key));
  return make_tx(node.chain_id, key_pair, nonce, gas_limit, std::move(action));
}

Result<StateRead> Client::read_state(ByteView key, std::optional<uint64_t> height) const {
  if (key.empty()) return error(Code::invalid_argument, "state key must not be empty");
  std::string target = "/v1/state/" + to_hex(key) + "?proof=true";
  if (height) target += "&height=" + std::to_string(*height);
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", target, ""));
  GOVCHAIN_ASSIGN_OR_RETURN(StateRead read, parse_state_json(body));
  if (height && read.height != *height)
    return error(Code::invalid, "asked for the state after block " + std::to_string(*height) +
                                    ", the node answered for " + std::to_string(read.height));
  return read;
}

Result<std::vector<uint64_t>> Client::validator_change_heights() const {
  std::vector<uint64_t> heights;
  uint64_t from = 1;
  for (size_t page = 0; page < validator_history_pages_max; ++page) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/validators/history?from=" + std::to_string(from), ""));
    json root = json::parse(body, nullptr, false);
    if (root.is_discarded() || !root.is_object() || !root.contains("changes") || !root["changes"].is_array())
      return error(Code::malformed, "GET /v1/validators/history: not the expected JSON object");
    for (const json& change : root["changes"]) {
      if (!change.is_object() || !change.contains("height") || !change["height"].is_number_unsigned())
        return error(Code::malformed, "GET /v1/validators/history: a change without a height");
      heights.push_back(change["height"].get<uint64_t>());
    }
    if (!root.contains("next_from")) break;
    if (!root["next_from"].is_number_unsigned() || root["next_from"].get<uint64_t>() <= from)
      return error(Code::malformed, "GET /v1/validators/history: 'next_from' does not move forward");
    from = root["next_from"].get<uint64_t>();
  }
  std::sort(heights.begin(), heights.end());
  heights.erase(std::unique(heights.begin(), heights.end()), heights.end());
  return heights;
}

Result<std::vector<PublicKey>> Client::validators_at(uint64_t height, const TrustOptions& trust) const {
  if (trust.validators.empty())
    return error(Code::invalid_argument,
                 "following the validator set needs a trusted set to start from (the genesis "
                 "validators)");
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<uint64_t> changes, validator_change_heights());
  std::vector<PublicKey> current = trust.validators;
  for (uint64_t change : changes) {
    if (change > height) break;
    if (change < 2)
      return error(Code::invalid, "the node lists a validator set change at height " + std::to_string(change));
    const std::string at = "the validator set change at height " + std::to_string(change);
    GOVCHAIN_ASSIGN_OR_RETURN(StateRead read, read_state(validators_key(), change - 1));
    GOVCHAIN_ASSIGN_OR_RETURN(BlockInfo certified, block(change - 1));
    auto proven =
        verify_state_read(validators_key(), read, certified, current, ValidatorSource::caller, trust.chain_id);
    if (!proven.ok()) return proven.status().with_context(at);
    if (!proven->value) return error(Code::invalid, at + ": the state holds no validator set");
    GOVCHAIN_ASSIGN_OR_RETURN(std::vector<ValidatorRecord> records, decode_validators_value(*proven->value));
    current.clear();
    for (const auto& record : records) current.push_back(record.key);
  }
  return current;
}

Result<ProvenState> Client::read_state_proven(ByteView key, const TrustOptions& trust) const {
  std::vector<PublicKey> validators = trust.validators;
  std::string chain_id = trust.chain_id;
  ValidatorSource source = ValidatorSource::caller;
  if (validators.empty() || chain_id.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus node, status());
    if (validators.empty()) {
      validators = node.validators;
      source = ValidatorSource::node_status;
    }
    if (chain_id.empty()) chain_id = node.chain_id;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(StateRead read, read_state(key));
  GOVCHAIN_ASSIGN_OR_RETURN(BlockInfo proven_block, block(read.height));
  if (source == ValidatorSource::caller &&
      proven_block.header.validator_set_hash != chain::validator_set_hash(validators)) {
    TrustOptions followed{validators, chain_id};
    GOVCHAIN_ASSIGN_OR_RETURN(validators, validators_at(read.height, followed));
  }
  return verify_state_read(key, read, proven_block, validators, source, chain_id);
}

Result<ProvenRoles> Client::roles(const PublicKey& account, const TrustOptions& trust) const {
  GOVCHAIN_ASSIGN_OR_RETURN(ProvenState proven, read_state_proven(account_roles_key(account), trust));
  ProvenRoles result{account, {}, proven};
  if (proven.value) {
    GOVCHAIN_ASSIGN_OR_RETURN(result.roles, decode_roles_value(*proven.value));
  }
  return result;
}

Result<ProvenMunicipality> Client::municipality(std::string_view id, const TrustOptions& trust) const {
  if (id.empty()) return error(Code::invalid_argument, "municipality id must not be empty");
  GOVCHAIN_ASSIGN_OR_RETURN(ProvenState proven, read_state_proven(municipality_key(id), trust));
  ProvenMunicipality result{std::nullopt, proven};
  if (proven.value) {
    GOVCHAIN_ASSIGN_OR_RETURN(MunicipalityRecord record, decode_municipality_value(id, *proven.value));
    result.municipality = std::move(record);
  }
  return result;
}

Result<ValidatorGovernanceInfo> Client::validator_governance() const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/validators", ""));
  return parse_validator_governance_json(body);
}

Result<ValidatorProposalInfo> Client::validator_proposal(uint64_t id) const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string body, call("GET", "/v1/validators/proposals/" + std::to_string(id), ""));
  auto proposal = parse_validator_proposal_json(body);
  if (proposal.ok() && proposal->id != id)
    return error(Code::invalid,
                 "the node answered with proposal " + std::to_string(proposal->id) + ", not " + std::to_string(id));
  return proposal;
}

Result<chain::Receipt> Client::query(std::string_view contract, std::string_view method, ByteView arguments,
                                     std::optional<PublicKey> caller) const {
  nlohmann::json request = {
      {"contract", std::string(contract)}, {"method", std::string(method)}, {"arguments_hex", to_hex(arguments)}};
  if (caller) request["caller"] = caller->hex();
  std::string body;
  try {
    body = request.dump();
  } catch (const nlohmann::json::exception& failure) {
    // Contract and method names that are not UTF-8 cannot be sent as JSON.
    return error(Code::invalid_argument, std::string("query cannot be encoded: ") + failure.what());
  }
  GOVCHAIN_ASSIGN_OR_RETURN(std::string answer, call("POST", "/v1/query", body));
  return parse_receipt_json(answer);
}

}  // namespace govchain::client
