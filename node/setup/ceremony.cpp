#include "setup/ceremony.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "chain/tx.h"
#include "setup/network_layout.h"

namespace govchain::setup {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

Status check_address(const std::string& address, const std::string& where) {
  size_t colon = address.rfind(':');
  std::string port = colon == std::string::npos ? "" : address.substr(colon + 1);
  if (colon == 0 || address.size() > 300 || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 || std::stoul(port) > 65535 ||
      address.find_first_of(" \t\r\n/") != std::string::npos)
    return error(Code::invalid, where + " must be host:port with a port 1..65535, e.g. node.aachen.de:26656");
  return Status();
}

Result<std::string> string_field(const json& object, const char* name, const std::string& where) {
  if (!object.contains(name) || !object[name].is_string())
    return error(Code::invalid, where + ": '" + name + "' must be a string");
  return object[name].get<std::string>();
}

Result<PublicKey> key_field(const json& object, const char* name, const std::string& where) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string hex, string_field(object, name, where));
  auto key = PublicKey::from_hex_string(hex);
  if (!key.ok()) return error(Code::invalid, where + ": '" + name + "' must be a public key of 64 hex digits");
  return key;
}

Status refuse_unknown_fields(const json& root) {
  static const std::set<std::string> known = {"format", "municipality", "name",    "node_key",
                                              "admin",  "offices",      "p2p_addr"};
  for (const auto& [key, value] : root.items()) {
    if (known.count(key) > 0) continue;
    if (key.find("secret") != std::string::npos || key.find("private") != std::string::npos ||
        key.find("ciphertext") != std::string::npos)
      return error(Code::invalid, "member file: field '" + key +
                                      "' looks like secret key material; a member file holds public keys only "
                                      "(make it with `govchain genesis export`, never from a key file)");
    return error(Code::invalid, "member file: unknown field '" + key + "'");
  }
  return Status();
}

Result<std::vector<std::pair<std::string, PublicKey>>> parse_offices(const json& root) {
  const std::string where = "member file offices";
  if (!root.contains("offices") || !root["offices"].is_object())
    return error(Code::invalid, where + " must be an object {role: public key}");
  std::vector<std::pair<std::string, PublicKey>> offices;
  for (const auto& [role, value] : root["offices"].items())
    if (!chain::is_known_role(role)) return error(Code::invalid, where + ": unknown role '" + role + "'");
  // In chain::known_roles() order, every role present: the genesis grants
  // each office its role.
  for (const auto& role : chain::known_roles()) {
    GOVCHAIN_ASSIGN_OR_RETURN(PublicKey key, key_field(root["offices"], role.c_str(), where));
    offices.emplace_back(role, key);
  }
  return offices;
}

}  // namespace

std::string member_file_to_json(const MemberPublicPart& member) {
  ordered_json offices = ordered_json::object();
  for (const auto& [role, key] : member.keys.offices) offices[role] = key.hex();
  ordered_json root = {{"format", member_file_format},     {"municipality", member.keys.id},
                       {"name", member.keys.display_name}, {"node_key", member.keys.validator.hex()},
                       {"admin", member.keys.admin.hex()}, {"offices", std::move(offices)},
                       {"p2p_addr", member.p2p_address}};
  return root.dump(2) + "\n";
}

Result<MemberPublicPart> parse_member_file(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return error(Code::malformed, "member file is not a JSON object");
  if (root.value("format", std::string()) != member_file_format)
    return error(Code::invalid, std::string("not a member file: 'format' must be \"") + member_file_format +
                                    "\" (make one with `govchain genesis export`)");
  GOVCHAIN_TRY(refuse_unknown_fields(root));
  MemberPublicPart member;
  GOVCHAIN_ASSIGN_OR_RETURN(member.keys.id, string_field(root, "municipality", "member file"));
  GOVCHAIN_TRY(check_member_id(member.keys.id));
  GOVCHAIN_ASSIGN_OR_RETURN(member.keys.display_name, string_field(root, "name", "member file"));
  if (member.keys.display_name.empty() || member.keys.display_name.size() > chain::name_size_bytes_max * 4)
    return error(Code::invalid,
                 "member file: 'name' must have 1 to " + std::to_string(chain::name_size_bytes_max * 4) + " bytes");
  GOVCHAIN_ASSIGN_OR_RETURN(member.keys.validator, key_field(root, "node_key", "member file"));
  GOVCHAIN_ASSIGN_OR_RETURN(member.keys.admin, key_field(root, "admin", "member file"));
  GOVCHAIN_ASSIGN_OR_RETURN(member.keys.offices, parse_offices(root));
  GOVCHAIN_ASSIGN_OR_RETURN(member.p2p_address, string_field(root, "p2p_addr", "member file"));
  GOVCHAIN_TRY(check_address(member.p2p_address, "member file p2p_addr"));
  return member;
}

Result<chain::Genesis> assemble_genesis(std::string_view chain_id, int64_t genesis_time_ms,
                                        const std::vector<MemberPublicPart>& members,
                                        std::vector<chain::GenesisContract> contracts) {
  if (members.size() > network_members_max)
    return error(Code::too_large, "a consortium has at most " + std::to_string(network_members_max) + " members");
  std::set<PublicKey> keys;
  std::vector<MemberKeys> member_keys;
  for (const auto& member : members) {
    std::vector<PublicKey> accounts = {member.keys.validator, member.keys.admin};
    for (const auto& [role, key] : member.keys.offices) accounts.push_back(key);
    for (const auto& key : accounts)
      if (!keys.insert(key).second)
        return error(Code::invalid, "public key " + key.hex() + " of member '" + member.keys.id +
                                        "' is used twice; every account of every member needs a key of its own");
    member_keys.push_back(member.keys);
  }
  return build_genesis(chain_id, genesis_time_ms, member_keys, std::move(contracts));
}

Status check_member_in_genesis(const chain::Genesis& genesis, const MemberKeys& keys) {
  const std::string who = "municipality '" + keys.id + "'";
  auto municipality = std::find_if(genesis.municipalities.begin(), genesis.municipalities.end(),
                                   [&](const chain::Municipality& entry) { return entry.id == keys.id; });
  if (municipality == genesis.municipalities.end())
    return error(Code::not_found, "the genesis has no " + who + ": the coordinator left this member out");
  if (municipality->admin != keys.admin)
    return error(Code::invalid, "the genesis gives " + who + " the admin key " + municipality->admin.hex() +
                                    ", not this member's " + keys.admin.hex());
  bool validator = std::any_of(genesis.validators.begin(), genesis.validators.end(), [&](const chain::Validator& v) {
    return v.municipality == keys.id && v.public_key == keys.validator;
  });
  if (!validator)
    return error(Code::invalid, "the genesis has no validator of " + who + " with node key " + keys.validator.hex());
  for (const auto& office : keys.offices) {
    const auto& [role, account] = office;
    bool granted = std::any_of(genesis.roles.begin(), genesis.roles.end(), [&](const chain::RoleAssignment& grant) {
      return grant.municipality == keys.id && grant.role == office.first && grant.account == office.second;
    });
    if (!granted)
      return error(Code::invalid,
                   "the genesis does not grant " + role + " of " + who + " to this member's key " + account.hex());
  }
  return Status();
}

Result<std::string> ceremony_node_config(const CeremonyNodeConfig& paths, const PublicKey& own_node_key,
                                         const std::vector<MemberPublicPart>& members) {
  ordered_json peers = ordered_json::array();
  bool found_self = false;
  for (const auto& member : members) {
    if (member.keys.validator == own_node_key) {
      found_self = true;
      continue;
    }
    peers.push_back({{"address", member.p2p_address}, {"public_key", member.keys.validator.hex()}});
  }
  if (!found_self)
    return error(Code::not_found, "none of the member files has this node's key " + own_node_key.hex() +
                                      "; give every member file, this member's own included");
  ordered_json root = {
      {"data_dir", paths.data_dir}, {"genesis", paths.genesis}, {"validator_key", paths.validator_key}};
  if (!paths.validator_key_passphrase_file.empty())
    root["validator_key_passphrase_file"] = paths.validator_key_passphrase_file;
  root["rpc_addr"] = paths.rpc_address;
  root["p2p_addr"] = paths.p2p_address;
  root["peers"] = std::move(peers);
  return root.dump(2) + "\n";
}

}  // namespace govchain::setup
