#include "setup/network_layout.h"

#include <algorithm>
#include <cassert>
#include <nlohmann/json.hpp>
#include <set>

#include "setup/genesis_builder.h"

namespace govchain::setup {

using json = nlohmann::json;
// Written files keep their fields in a readable order.
using ordered_json = nlohmann::ordered_json;

Result<std::pair<std::string, std::string>> parse_member_argument(std::string_view argument) {
  size_t colon = argument.find(':');
  std::string id(argument.substr(0, colon));
  std::string display_name = colon == std::string_view::npos ? id : std::string(argument.substr(colon + 1));
  GOVCHAIN_TRY(check_member_id(id));
  if (display_name.empty())
    return error(Code::invalid_argument, "municipality '" + id + "': the display name after ':' is empty");
  return std::make_pair(std::move(id), std::move(display_name));
}

static Status check_host(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.find_first_of(": \t\r\n") != std::string_view::npos)
    return error(Code::invalid_argument,
                 "host '" + std::string(host) + "' must be an IPv4 address or a host name, such as 127.0.0.1");
  return Status();
}

static Status check_node_list(std::string_view chain_id, const std::vector<NetworkNode>& nodes) {
  GOVCHAIN_TRY(check_chain_id(chain_id));
  if (nodes.empty()) return error(Code::invalid_argument, "a network needs at least one member municipality");
  if (nodes.size() > network_members_max)
    return error(Code::too_large, "a network has at most " + std::to_string(network_members_max) + " members");
  std::set<std::string> ids;
  for (const auto& node : nodes) {
    GOVCHAIN_TRY(check_member_id(node.id));
    if (!ids.insert(node.id).second)
      return error(Code::invalid_argument, "municipality id '" + node.id + "' is given twice; ids must be unique");
  }
  return Status();
}

Result<NetworkDescription> plan_network(std::string_view chain_id, std::string_view host, uint32_t base_port,
                                        const std::vector<NetworkPlanMember>& members) {
  GOVCHAIN_TRY(check_host(host));
  uint64_t last_port = uint64_t{base_port} + 2 * uint64_t{members.size()} - 1;
  if (base_port < network_port_min || last_port > network_port_max)
    return error(Code::invalid_argument, "ports " + std::to_string(base_port) + ".." + std::to_string(last_port) +
                                             " (two per member) must lie within " + std::to_string(network_port_min) +
                                             ".." + std::to_string(network_port_max) + "; choose another --base-port");
  NetworkDescription network;
  network.chain_id = std::string(chain_id);
  for (size_t i = 0; i < members.size(); ++i) {
    NetworkNode node;
    node.id = members[i].id;
    node.display_name = members[i].display_name;
    node.rpc_address = std::string(host) + ":" + std::to_string(base_port + 2 * i);
    node.p2p_address = std::string(host) + ":" + std::to_string(base_port + 2 * i + 1);
    node.public_key = members[i].node_key;
    node.config_path = "nodes/" + node.id + ".json";
    network.nodes.push_back(std::move(node));
  }
  GOVCHAIN_TRY(check_node_list(network.chain_id, network.nodes));
  return network;
}

// "host:port" split at its last ':'; Code::invalid for anything else.
static Result<std::pair<std::string, uint32_t>> split_address(const std::string& address) {
  size_t colon = address.rfind(':');
  std::string digits = colon == std::string::npos ? "" : address.substr(colon + 1);
  if (colon == 0 || digits.empty() || digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
    return error(Code::invalid, "address '" + address + "' is not host:port");
  return std::make_pair(address.substr(0, colon), static_cast<uint32_t>(std::stoul(digits)));
}

Result<NetworkNode> plan_added_member(const NetworkDescription& network, const NetworkPlanMember& member) {
  GOVCHAIN_TRY(check_member_id(member.id));
  if (member.display_name.empty())
    return error(Code::invalid_argument, "municipality '" + member.id + "' needs a display name");
  if (network.nodes.empty()) return error(Code::invalid, "network.json lists no nodes to add a member to");
  uint32_t highest_port = 0;
  for (const auto& node : network.nodes) {
    if (node.id == member.id)
      return error(Code::already_exists, "municipality '" + member.id + "' is already a node of this network");
    for (const auto* address : {&node.rpc_address, &node.p2p_address}) {
      GOVCHAIN_ASSIGN_OR_RETURN(auto split, split_address(*address));
      highest_port = std::max(highest_port, split.second);
    }
  }
  if (highest_port + 2 > network_port_max)
    return error(Code::invalid_argument, "no two ports left after " + std::to_string(highest_port) + " (the limit is " +
                                             std::to_string(network_port_max) + ")");
  GOVCHAIN_ASSIGN_OR_RETURN(auto first, split_address(network.nodes.front().rpc_address));
  NetworkNode node;
  node.id = member.id;
  node.display_name = member.display_name;
  node.rpc_address = first.first + ":" + std::to_string(highest_port + 1);
  node.p2p_address = first.first + ":" + std::to_string(highest_port + 2);
  node.public_key = member.node_key;
  node.config_path = "nodes/" + node.id + ".json";
  node.genesis_member = false;
  return node;
}

std::vector<NetworkNode> genesis_nodes(const NetworkDescription& network) {
  std::vector<NetworkNode> nodes;
  for (const auto& node : network.nodes)
    if (node.genesis_member) nodes.push_back(node);
  return nodes;
}

NodeConfigFile node_config_for(const NetworkDescription& network, size_t index) {
  assert(index < network.nodes.size());
  const NetworkNode& node = network.nodes[index];
  NodeConfigFile config;
  config.data_dir = "../data/" + node.id;
  config.genesis = "../genesis.json";
  config.validator_key = "../keys/" + node.id + "/validator.json";
  config.rpc_address = node.rpc_address;
  config.p2p_address = node.p2p_address;
  for (size_t other = 0; other < network.nodes.size(); ++other)
    if (other != index) config.peers.push_back({network.nodes[other].p2p_address, network.nodes[other].public_key});
  config.dev_keys = true;
  return config;
}

std::string network_to_json(const NetworkDescription& network) {
  ordered_json nodes = ordered_json::array();
  for (const auto& node : network.nodes) {
    nodes.push_back({{"id", node.id},
                     {"name", node.display_name},
                     {"rpc_addr", node.rpc_address},
                     {"p2p_addr", node.p2p_address},
                     {"public_key", node.public_key.hex()},
                     {"config", node.config_path}});
    // Absent means true, so that folders written before add-member existed
    // keep their meaning.
    if (!node.genesis_member) nodes.back()["genesis_member"] = false;
  }
  ordered_json root = {{"chain_id", network.chain_id}, {"nodes", std::move(nodes)}};
  return root.dump(2) + "\n";
}

// Reads the string field `name` of `object`, or fails naming `where`.
static Result<std::string> string_field(const json& object, const char* name, const std::string& where) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_string())
    return error(Code::invalid, where + ": '" + name + "' must be a string");
  return object[name].get<std::string>();
}

static Result<PublicKey> key_field(const json& object, const char* name, const std::string& where) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string hex, string_field(object, name, where));
  auto key = PublicKey::from_hex_string(hex);
  if (!key.ok()) return key.status().with_context(where + "." + name);
  return key;
}

static Result<NetworkNode> parse_network_node(const json& entry, const std::string& where) {
  NetworkNode node;
  GOVCHAIN_ASSIGN_OR_RETURN(node.id, string_field(entry, "id", where));
  GOVCHAIN_ASSIGN_OR_RETURN(node.display_name, string_field(entry, "name", where));
  GOVCHAIN_ASSIGN_OR_RETURN(node.rpc_address, string_field(entry, "rpc_addr", where));
  GOVCHAIN_ASSIGN_OR_RETURN(node.p2p_address, string_field(entry, "p2p_addr", where));
  GOVCHAIN_ASSIGN_OR_RETURN(node.public_key, key_field(entry, "public_key", where));
  GOVCHAIN_ASSIGN_OR_RETURN(node.config_path, string_field(entry, "config", where));
  if (node.config_path.empty() || node.config_path.front() == '/')
    return error(Code::invalid, where + ".config must be a path relative to the network folder");
  if (entry.contains("genesis_member")) {
    if (!entry["genesis_member"].is_boolean())
      return error(Code::invalid, where + ".genesis_member must be true or false");
    node.genesis_member = entry["genesis_member"].get<bool>();
  }
  return node;
}

Result<NetworkDescription> parse_network(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return error(Code::malformed, "network.json is not a JSON object");
  NetworkDescription network;
  GOVCHAIN_ASSIGN_OR_RETURN(network.chain_id, string_field(root, "chain_id", "network.json"));
  if (!root.contains("nodes") || !root["nodes"].is_array() || root["nodes"].size() > network_members_max)
    return error(Code::invalid,
                 "network.json: 'nodes' must be an array of at most " + std::to_string(network_members_max) + " nodes");
  for (size_t i = 0; i < root["nodes"].size(); ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(NetworkNode node,
                              parse_network_node(root["nodes"][i], "network.json nodes[" + std::to_string(i) + "]"));
    network.nodes.push_back(std::move(node));
  }
  GOVCHAIN_TRY(check_node_list(network.chain_id, network.nodes).with_context("network.json"));
  if (genesis_nodes(network).empty())
    return error(Code::invalid, "network.json: no node is a genesis member (\"genesis_member\": false on every node)");
  return network;
}

std::string node_config_to_json(const NodeConfigFile& config) {
  ordered_json peers = ordered_json::array();
  for (const auto& peer : config.peers)
    peers.push_back({{"address", peer.address}, {"public_key", peer.public_key.hex()}});
  ordered_json root = {
      {"data_dir", config.data_dir},    {"genesis", config.genesis},      {"validator_key", config.validator_key},
      {"rpc_addr", config.rpc_address}, {"p2p_addr", config.p2p_address}, {"peers", std::move(peers)},
      {"dev_keys", config.dev_keys}};
  return root.dump(2) + "\n";
}

Result<NodeConfigFile> parse_node_config(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) return error(Code::malformed, "node config is not a JSON object");
  NodeConfigFile config;
  GOVCHAIN_ASSIGN_OR_RETURN(config.data_dir, string_field(root, "data_dir", "node config"));
  GOVCHAIN_ASSIGN_OR_RETURN(config.genesis, string_field(root, "genesis", "node config"));
  GOVCHAIN_ASSIGN_OR_RETURN(config.validator_key, string_field(root, "validator_key", "node config"));
  GOVCHAIN_ASSIGN_OR_RETURN(config.rpc_address, string_field(root, "rpc_addr", "node config"));
  if (root.contains("p2p_addr")) {
    GOVCHAIN_ASSIGN_OR_RETURN(config.p2p_address, string_field(root, "p2p_addr", "node config"));
  }
  if (root.contains("peers")) {
    if (!root["peers"].is_array() || root["peers"].size() > network_members_max)
      return error(Code::invalid, "node config: 'peers' must be an array");
    for (size_t i = 0; i < root["peers"].size(); ++i) {
      std::string where = "node config peers[" + std::to_string(i) + "]";
      PeerAddress peer;
      GOVCHAIN_ASSIGN_OR_RETURN(peer.address, string_field(root["peers"][i], "address", where));
      GOVCHAIN_ASSIGN_OR_RETURN(peer.public_key, key_field(root["peers"][i], "public_key", where));
      config.peers.push_back(std::move(peer));
    }
  }
  if (root.contains("dev_keys")) {
    if (!root["dev_keys"].is_boolean()) return error(Code::invalid, "node config: 'dev_keys' must be true or false");
    config.dev_keys = root["dev_keys"].get<bool>();
  }
  return config;
}

}  // namespace govchain::setup
