#include "chain/genesis.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "codec/codec.h"
#include "consensus/messages.h"
#include "crypto/hash.h"

namespace govchain::chain {

using json = nlohmann::json;

namespace {

constexpr size_t genesis_entries_max = 10000;

Result<PublicKey> key_field(const json& object, const char* field, const std::string& where) {
  if (!object.contains(field) || !object[field].is_string())
    return error(Code::invalid, where + ": '" + field + "' must be a hex public key");
  auto key = PublicKey::from_hex_string(object[field].get<std::string>());
  if (!key.ok()) return key.status().with_context(where + "." + field);
  return key;
}

Result<std::string> text_field(const json& object, const char* field, const std::string& where) {
  if (!object.contains(field) || !object[field].is_string())
    return error(Code::invalid, where + ": '" + field + "' must be a string");
  return object[field].get<std::string>();
}

Status parse_parameters(const json& object, Parameters& parameters) {
  if (!object.is_object()) return error(Code::invalid, "'parameters' must be an object");
  for (auto [name, field] : std::initializer_list<std::pair<const char*, uint64_t*>>{
           {"block_interval_ms", &parameters.block_interval_ms},
           {"block_txs_max", &parameters.block_txs_max},
           {"block_size_bytes_max", &parameters.block_size_bytes_max},
           {"tx_size_bytes_max", &parameters.tx_size_bytes_max},
           {"gas_per_tx_max", &parameters.gas_per_tx_max},
           {"gas_per_block_max", &parameters.gas_per_block_max},
           {"query_gas_max", &parameters.query_gas_max},
           {"validator_change_delay_blocks", &parameters.validator_change_delay_blocks},
           {"validator_proposal_ttl_blocks", &parameters.validator_proposal_ttl_blocks}}) {
    if (!object.contains(name)) continue;
    if (!object[name].is_number_unsigned())
      return error(Code::invalid, std::string("parameters.") + name + " must be a non-negative integer");
    *field = object[name].get<uint64_t>();
  }
  if (object.contains("deploy_rule")) {
    if (!object["deploy_rule"].is_string() || object["deploy_rule"] != "municipality_admin")
      return error(Code::invalid, "parameters.deploy_rule must be \"municipality_admin\"");
  }
  if (parameters.block_txs_max == 0 || parameters.block_txs_max > limits::block_txs_max)
    return error(Code::invalid, "parameters.block_txs_max must be 1.." + std::to_string(limits::block_txs_max));
  if (parameters.validator_change_delay_blocks == 0 || parameters.validator_change_delay_blocks > 1'000'000)
    return error(Code::invalid, "parameters.validator_change_delay_blocks must be 1..1000000");
  if (parameters.validator_proposal_ttl_blocks == 0 || parameters.validator_proposal_ttl_blocks > 100'000'000)
    return error(Code::invalid, "parameters.validator_proposal_ttl_blocks must be 1..100000000");
  if (parameters.tx_size_bytes_max == 0 || parameters.tx_size_bytes_max > limits::tx_size_bytes_max)
    return error(Code::invalid, "parameters.tx_size_bytes_max must be 1.." + std::to_string(limits::tx_size_bytes_max));
  // Larger blocks would not decode on any node (chain::decode_block).
  if (parameters.block_size_bytes_max == 0 || parameters.block_size_bytes_max > limits::block_txs_size_bytes_max)
    return error(Code::invalid,
                 "parameters.block_size_bytes_max must be 1.." + std::to_string(limits::block_txs_size_bytes_max));
  return Status();
}

Status parse_lists(const json& root, Genesis& genesis) {
  for (const char* list : {"validators", "municipalities"})
    if (!root.contains(list) || !root[list].is_array() || root[list].size() > genesis_entries_max)
      return error(Code::invalid, std::string("'") + list + "' must be an array");
  for (size_t i = 0; i < root["municipalities"].size(); ++i) {
    const json& entry = root["municipalities"][i];
    std::string where = "municipalities[" + std::to_string(i) + "]";
    if (!entry.is_object()) return error(Code::invalid, where + " must be an object");
    Municipality municipality;
    GOVCHAIN_ASSIGN_OR_RETURN(municipality.id, text_field(entry, "id", where));
    GOVCHAIN_ASSIGN_OR_RETURN(municipality.name, text_field(entry, "name", where));
    GOVCHAIN_ASSIGN_OR_RETURN(municipality.admin, key_field(entry, "admin", where));
    genesis.municipalities.push_back(std::move(municipality));
  }
  for (size_t i = 0; i < root["validators"].size(); ++i) {
    const json& entry = root["validators"][i];
    std::string where = "validators[" + std::to_string(i) + "]";
    if (!entry.is_object()) return error(Code::invalid, where + " must be an object");
    Validator validator;
    GOVCHAIN_ASSIGN_OR_RETURN(validator.municipality, text_field(entry, "municipality", where));
    GOVCHAIN_ASSIGN_OR_RETURN(validator.public_key, key_field(entry, "public_key", where));
    genesis.validators.push_back(std::move(validator));
  }
  if (root.contains("roles")) {
    if (!root["roles"].is_array() || root["roles"].size() > genesis_entries_max)
      return error(Code::invalid, "'roles' must be an array");
    for (size_t i = 0; i < root["roles"].size(); ++i) {
      const json& entry = root["roles"][i];
      std::string where = "roles[" + std::to_string(i) + "]";
      if (!entry.is_object()) return error(Code::invalid, where + " must be an object");
      RoleAssignment role;
      GOVCHAIN_ASSIGN_OR_RETURN(role.municipality, text_field(entry, "municipality", where));
      GOVCHAIN_ASSIGN_OR_RETURN(role.role, text_field(entry, "role", where));
      GOVCHAIN_ASSIGN_OR_RETURN(role.account, key_field(entry, "account", where));
      genesis.roles.push_back(std::move(role));
    }
  }
  return Status();
}

Status parse_contracts(const json& root, Genesis& genesis) {
  if (!root.contains("contracts")) return Status();
  if (!root["contracts"].is_array() || root["contracts"].size() > 256)
    return error(Code::invalid, "'contracts' must be an array of at most 256 entries");
  for (size_t i = 0; i < root["contracts"].size(); ++i) {
    const json& entry = root["contracts"][i];
    std::string where = "contracts[" + std::to_string(i) + "]";
    if (!entry.is_object()) return error(Code::invalid, where + " must be an object");
    GenesisContract contract;
    GOVCHAIN_ASSIGN_OR_RETURN(contract.name, text_field(entry, "name", where));
    GOVCHAIN_ASSIGN_OR_RETURN(contract.municipality, text_field(entry, "municipality", where));
    GOVCHAIN_ASSIGN_OR_RETURN(std::string code_hex, text_field(entry, "code_hex", where));
    auto code = from_hex(code_hex);
    if (!code.ok()) return code.status().with_context(where + ".code_hex");
    contract.code = std::move(*code);
    if (entry.contains("abi")) contract.abi_json = entry["abi"].dump();
    genesis.contracts.push_back(std::move(contract));
  }
  return Status();
}

Status check_genesis(const Genesis& genesis) {
  if (genesis.chain_id.empty() || genesis.chain_id.size() > chain_id_size_bytes_max)
    return error(Code::invalid, "chain_id must be 1-64 characters");
  if (genesis.validators.empty()) return error(Code::invalid, "genesis needs at least one validator");
  std::set<std::string> ids;
  for (const auto& municipality : genesis.municipalities)
    if (!ids.insert(municipality.id).second)
      return error(Code::invalid, "municipality '" + municipality.id + "' is listed twice");
  std::set<PublicKey> validator_keys;
  for (const auto& validator : genesis.validators) {
    if (!ids.count(validator.municipality))
      return error(Code::invalid, "validator of unknown municipality '" + validator.municipality + "'");
    if (!validator_keys.insert(validator.public_key).second)
      return error(Code::invalid, "validator key " + validator.public_key.hex() + " is listed twice");
  }
  for (const auto& role : genesis.roles) {
    if (!ids.count(role.municipality))
      return error(Code::invalid, "role grant in unknown municipality '" + role.municipality + "'");
    if (!is_known_role(role.role)) return error(Code::invalid, "unknown role '" + role.role + "'");
  }
  return Status();
}

}  // namespace

Result<Genesis> parse_genesis(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded()) return error(Code::malformed, "genesis is not valid JSON");
  if (!root.is_object()) return error(Code::invalid, "genesis must be a JSON object");
  Genesis genesis;
  GOVCHAIN_ASSIGN_OR_RETURN(genesis.chain_id, text_field(root, "chain_id", "genesis"));
  if (!root.contains("genesis_time_ms") || !root["genesis_time_ms"].is_number_integer())
    return error(Code::invalid, "genesis: 'genesis_time_ms' must be an integer (milliseconds since 1970)");
  genesis.genesis_time_ms = root["genesis_time_ms"].get<int64_t>();
  GOVCHAIN_TRY(parse_lists(root, genesis));
  if (root.contains("parameters")) GOVCHAIN_TRY(parse_parameters(root["parameters"], genesis.parameters));
  GOVCHAIN_TRY(parse_contracts(root, genesis));
  GOVCHAIN_TRY(check_genesis(genesis));
  return genesis;
}

std::string genesis_to_json(const Genesis& genesis) {
  json root;
  root["chain_id"] = genesis.chain_id;
  root["genesis_time_ms"] = genesis.genesis_time_ms;
  root["municipalities"] = json::array();
  for (const auto& entry : genesis.municipalities)
    root["municipalities"].push_back({{"id", entry.id}, {"name", entry.name}, {"admin", entry.admin.hex()}});
  root["validators"] = json::array();
  for (const auto& entry : genesis.validators)
    root["validators"].push_back({{"municipality", entry.municipality}, {"public_key", entry.public_key.hex()}});
  root["roles"] = json::array();
  for (const auto& entry : genesis.roles)
    root["roles"].push_back(
        {{"municipality", entry.municipality}, {"role", entry.role}, {"account", entry.account.hex()}});
  const Parameters& parameters = genesis.parameters;
  root["parameters"] = {{"block_interval_ms", parameters.block_interval_ms},
                        {"block_txs_max", parameters.block_txs_max},
                        {"block_size_bytes_max", parameters.block_size_bytes_max},
                        {"tx_size_bytes_max", parameters.tx_size_bytes_max},
                        {"gas_per_tx_max", parameters.gas_per_tx_max},
                        {"gas_per_block_max", parameters.gas_per_block_max},
                        {"query_gas_max", parameters.query_gas_max},
                        {"validator_change_delay_blocks", parameters.validator_change_delay_blocks},
                        {"validator_proposal_ttl_blocks", parameters.validator_proposal_ttl_blocks},
                        {"deploy_rule", parameters.deploy_rule}};
  root["contracts"] = json::array();
  for (const auto& contract : genesis.contracts) {
    json entry = {
        {"name", contract.name}, {"municipality", contract.municipality}, {"code_hex", to_hex(contract.code)}};
    if (!contract.abi_json.empty()) entry["abi"] = json::parse(contract.abi_json, nullptr, false);
    root["contracts"].push_back(std::move(entry));
  }
  return root.dump(2) + "\n";
}

Hash genesis_hash(const Genesis& genesis) {
  codec::Writer writer;
  writer.text(genesis_to_json(genesis));
  return crypto::tagged_hash("govchain/genesis", writer.data());
}

Hash validator_set_hash(std::vector<PublicKey> validators) {
  std::sort(validators.begin(), validators.end());
  return consensus::validator_set_hash(validators);
}

std::vector<PublicKey> validator_keys(const Genesis& genesis) {
  std::vector<PublicKey> keys;
  for (const auto& validator : genesis.validators) keys.push_back(validator.public_key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace govchain::chain
