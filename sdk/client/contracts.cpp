#include "client/contracts.h"

#include "client/certificate.h"
#include "client/http_transport.h"
#include "client/tx_builder.h"

namespace govchain::client {

using json = nlohmann::json;

namespace {

// GET `target` from the client's node; a non-2xx answer becomes the node's
// error Status. The Client's own exchange is private, so this one goes
// through the same transport with the same limits.
Result<json> get_json(const Client& client, const std::string& target) {
  GOVCHAIN_ASSIGN_OR_RETURN(detail::HttpEndpoint endpoint,
                            detail::endpoint_for(client.options().node_url, client.options().tls_ca_file));
  detail::HttpLimits limits{client.options().request_timeout_ms, client.options().response_size_bytes_max};
  GOVCHAIN_ASSIGN_OR_RETURN(detail::HttpAnswer answer, detail::http_exchange(endpoint, "GET", target, "", limits));
  if (answer.status < 200 || answer.status >= 300) return parse_error_json(answer.status, answer.body);
  json document = json::parse(answer.body, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return error(Code::malformed, "the node's answer to " + target + " is not a JSON object");
  return document;
}

bool is_contract_name(std::string_view name) {
  if (name.empty() || name.size() > chain::name_size_bytes_max) return false;
  for (char character : name)
    if (!((character >= 'a' && character <= 'z') || (character >= '0' && character <= '9') || character == '_' ||
          character == '-' || character == '.'))
      return false;
  return true;
}

Result<Hash> parse_hash_field(const json& entry, const char* key) {
  auto hash = Hash::from_hex_string(entry.at(key).get<std::string>());
  if (!hash.ok()) return hash.status().with_context(key);
  return hash;
}

Result<ContractResult> finish_result(const abi::Abi& abi, const abi::Method& method, chain::Receipt receipt) {
  ContractResult result;
  if (receipt.status == Code::ok) {
    auto decoded = abi::decode_returns(abi, method, receipt.return_data);
    if (!decoded.ok()) return decoded.status();
    result.returns = std::move(*decoded);
  }
  result.receipt = std::move(receipt);
  return result;
}

Result<ContractResult> send_and_wait(const Client& client, const crypto::KeyPair& key_pair, chain::Action action,
                                     const TransactionOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Tx tx, client.prepare_tx(key_pair, std::move(action), options.gas_limit));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, client.submit_and_wait(tx, options.wait_ms));
  ContractResult result;
  result.receipt = std::move(receipt);
  result.tx_hash = chain::tx_hash(tx);
  result.nonce = tx.nonce;
  return result;
}

}  // namespace

Result<ContractInfo> parse_contract_json(const json& entry) {
  try {
    ContractInfo info;
    info.name = entry.at("name").get<std::string>();
    info.municipality = entry.at("municipality").get<std::string>();
    info.versions = entry.at("versions").get<uint64_t>();
    for (const auto& version : entry.at("history")) {
      GOVCHAIN_ASSIGN_OR_RETURN(Hash code_hash, parse_hash_field(version, "code_hash"));
      info.history.push_back({code_hash, version.at("height").get<uint64_t>(), version.at("time_ms").get<int64_t>()});
    }
    if (!info.history.empty()) info.code_hash = info.history.back().code_hash;
    if (entry.contains("abi") && entry["abi"].is_object()) info.abi_json = entry["abi"].dump();
    info.raw_json = entry.dump();
    return info;
  } catch (const json::exception& failure) {
    return error(Code::malformed, std::string("contract entry from the node: ") + failure.what());
  }
}

Result<std::vector<ContractInfo>> list_contracts(const Client& client) {
  GOVCHAIN_ASSIGN_OR_RETURN(json document, get_json(client, "/v1/contracts"));
  if (!document.contains("contracts") || !document["contracts"].is_array())
    return error(Code::malformed, "the node's contract list has no \"contracts\" array");
  std::vector<ContractInfo> contracts;
  for (const auto& entry : document["contracts"]) {
    GOVCHAIN_ASSIGN_OR_RETURN(ContractInfo info, parse_contract_json(entry));
    contracts.push_back(std::move(info));
  }
  return contracts;
}

Result<ContractInfo> contract_info(const Client& client, std::string_view name) {
  if (!is_contract_name(name))
    return error(Code::invalid_argument, "'" + std::string(name) + "' is not a contract name ([a-z0-9_.-], 1..64)");
  GOVCHAIN_ASSIGN_OR_RETURN(json document, get_json(client, "/v1/contracts/" + std::string(name)));
  return parse_contract_json(document);
}

Result<abi::Abi> fetch_abi(const Client& client, std::string_view name) {
  GOVCHAIN_ASSIGN_OR_RETURN(ContractInfo info, contract_info(client, name));
  if (!info.abi_json)
    return error(Code::not_found, "contract '" + info.name + "' was deployed without an ABI; pass one (--abi FILE)");
  auto parsed = abi::parse_abi(*info.abi_json);
  if (!parsed.ok()) return parsed.status().with_context("the ABI of contract '" + info.name + "'");
  return parsed;
}

Result<ContractResult> call_contract_with_abi(const Client& client, const crypto::KeyPair& key_pair,
                                              const abi::Abi& abi, std::string_view contract, std::string_view method,
                                              const json& arguments, const TransactionOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(const abi::Method* found, abi::method_of(abi, method));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes encoded, abi::encode_arguments(abi, *found, arguments));
  chain::Action action = contract_call_action(std::string(contract), std::string(method), std::move(encoded));
  GOVCHAIN_ASSIGN_OR_RETURN(ContractResult sent, send_and_wait(client, key_pair, std::move(action), options));
  GOVCHAIN_ASSIGN_OR_RETURN(ContractResult result, finish_result(abi, *found, std::move(sent.receipt)));
  result.tx_hash = sent.tx_hash;
  result.nonce = sent.nonce;
  return result;
}

Result<ContractResult> call_contract(const Client& client, const crypto::KeyPair& key_pair, std::string_view contract,
                                     std::string_view method, const json& arguments,
                                     const TransactionOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi abi, fetch_abi(client, contract));
  return call_contract_with_abi(client, key_pair, abi, contract, method, arguments, options);
}

Result<ContractResult> query_contract_with_abi(const Client& client, const abi::Abi& abi, std::string_view contract,
                                               std::string_view method, const json& arguments,
                                               std::optional<PublicKey> caller) {
  GOVCHAIN_ASSIGN_OR_RETURN(const abi::Method* found, abi::method_of(abi, method));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes encoded, abi::encode_arguments(abi, *found, arguments));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, client.query(contract, method, encoded, caller));
  return finish_result(abi, *found, std::move(receipt));
}

Result<ContractResult> query_contract(const Client& client, std::string_view contract, std::string_view method,
                                      const json& arguments, std::optional<PublicKey> caller) {
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi abi, fetch_abi(client, contract));
  return query_contract_with_abi(client, abi, contract, method, arguments, caller);
}

Result<chain::Action> contract_deploy_action(std::string name, std::string municipality, Bytes code,
                                             std::string abi_json) {
  if (!is_contract_name(name))
    return error(Code::invalid_argument, "'" + name + "' is not a contract name ([a-z0-9_.-], 1..64)");
  if (municipality.empty()) return error(Code::invalid_argument, "the municipality of a deploy must not be empty");
  if (code.empty()) return error(Code::invalid_argument, "the WebAssembly module is empty");
  if (!abi_json.empty()) {
    auto parsed = abi::parse_abi(abi_json);
    if (!parsed.ok()) return parsed.status();
  }
  return chain::Action{
      chain::ContractDeploy{std::move(name), std::move(municipality), std::move(code), std::move(abi_json)}};
}

Result<ContractResult> deploy_contract(const Client& client, const crypto::KeyPair& key_pair, Bytes code,
                                       std::string name, std::string municipality, std::string abi_json,
                                       TransactionOptions options) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Action action, contract_deploy_action(std::move(name), std::move(municipality),
                                                                         std::move(code), std::move(abi_json)));
  return send_and_wait(client, key_pair, std::move(action), options);
}

namespace {

bool has_time_name(std::string_view name) {
  const std::string_view suffix = "_ms";
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

bool is_decimal_integer(const std::string& text) {
  size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  return text.size() > start && text.find_first_not_of("0123456789", start) == std::string::npos;
}

// Replaces the times given as text in `value`, of ABI type `type`, held by
// the field `name` (its list elements inherit the name); `path` names the
// value in errors. Values of another JSON type than the ABI's are left for
// the encoder to refuse; the ABI's nesting bound ends the walk.
Status convert_times(const abi::Abi& abi, std::string_view type, std::string_view name, json& value,
                     const std::string& path, const std::string& method, size_t depth) {
  if (depth > abi::nesting_depth_max) return Status();
  if (type == "i64" || type == "u64") {
    if (!has_time_name(name) || !value.is_string() || is_decimal_integer(value.get_ref<const std::string&>()))
      return Status();
    auto time_ms = parse_time_ms(value.get_ref<const std::string&>());
    if (!time_ms.ok())
      return time_ms.status().with_context("argument '" + path + "' of '" + method +
                                           "' (a time: ISO 8601 or ms since 1970)");
    value = *time_ms;
    return Status();
  }
  if (govchain::abi::is_list_type(type)) {
    if (!value.is_array()) return Status();
    for (size_t index = 0; index < value.size(); ++index)
      GOVCHAIN_TRY(convert_times(abi, govchain::abi::list_element_type(type), name, value[index],
                                 path + "[" + std::to_string(index) + "]", method, depth + 1));
    return Status();
  }
  auto found = abi.types.find(std::string(type));
  if (found == abi.types.end() || !value.is_object()) return Status();
  for (const auto& field : found->second)
    if (value.contains(field.name))
      GOVCHAIN_TRY(
          convert_times(abi, field.type, field.name, value[field.name], path + "." + field.name, method, depth + 1));
  return Status();
}

}  // namespace

Result<json> with_times_as_ms(const abi::Abi& abi, const abi::Method& method, json arguments) {
  if (arguments.is_array() && arguments.size() == method.arguments.size()) {
    for (size_t index = 0; index < arguments.size(); ++index) {
      const abi::Field& field = method.arguments[index];
      GOVCHAIN_TRY(convert_times(abi, field.type, field.name, arguments[index], field.name, method.name, 0));
    }
    return arguments;
  }
  if (!arguments.is_object()) return arguments;
  for (const auto& field : method.arguments)
    if (arguments.contains(field.name))
      GOVCHAIN_TRY(convert_times(abi, field.type, field.name, arguments[field.name], field.name, method.name, 0));
  return arguments;
}

json describe_event(const abi::Abi* abi, const chain::Event& event) {
  json described = {{"contract", event.contract}, {"topic", event.topic}};
  if (abi != nullptr && abi->find_event(event.topic) != nullptr) {
    auto data = abi::decode_event(*abi, event.topic, event.data);
    if (data.ok()) {
      described["data"] = std::move(*data);
      return described;
    }
  }
  described["data_hex"] = to_hex(event.data);
  return described;
}

const abi::Abi* ContractAbis::find(const std::string& contract) {
  if (contract.empty()) return nullptr;
  auto found = abis_.find(contract);
  if (found == abis_.end()) {
    if (abis_.size() >= contracts_max) return nullptr;
    auto fetched = fetch_abi(client_, contract);
    found = abis_.emplace(contract, fetched.ok() ? std::optional<abi::Abi>(std::move(*fetched)) : std::nullopt).first;
  }
  return found->second ? &*found->second : nullptr;
}

void ContractAbis::add(const std::string& contract, abi::Abi known) { abis_[contract] = std::move(known); }

json ContractAbis::with_decoded_data(json event) {
  if (!event.is_object() || !event.contains("contract") || !event["contract"].is_string() || !event.contains("topic") ||
      !event["topic"].is_string() || !event.contains("data_hex") || !event["data_hex"].is_string())
    return event;
  const std::string& topic = event["topic"].get_ref<const std::string&>();
  const abi::Abi* abi = find(event["contract"].get_ref<const std::string&>());
  if (abi == nullptr || abi->find_event(topic) == nullptr) return event;
  auto data = from_hex(event["data_hex"].get_ref<const std::string&>());
  if (!data.ok()) return event;
  auto decoded = abi::decode_event(*abi, topic, *data);
  if (decoded.ok()) event["data"] = std::move(*decoded);
  return event;
}

json ContractAbis::with_decoded_events(json receipt) {
  if (!receipt.is_object() || !receipt.contains("events") || !receipt["events"].is_array()) return receipt;
  for (json& event : receipt["events"]) event = with_decoded_data(std::move(event));
  return receipt;
}

}  // namespace govchain::client
