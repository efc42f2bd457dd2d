// The network folder of `govchain network new|up|down|status`: what it holds
// and the JSON formats of its two kinds of description.
//
//   DIR/network.json        the network: chain id, and per node its id,
//                           display name, addresses, node key, config path
//   DIR/nodes/<id>.json     one node config per member: what
//                           `govchaind --config` reads (paths relative to
//                           the config file's folder)
//   DIR/keys/<id>/          the member's dev key files (setup_files.h)
//   DIR/genesis.json        built from network.json and the keys (of the
//                           genesis members only)
//   DIR/data/<id>/, DIR/logs/<id>.log, DIR/run/<id>.pid   runtime state
//
// Node i (in member order) gets rpc port base + 2i and p2p port base + 2i + 1.
// A member added later (`network add-member`, plan_added_member) gets the
// two ports after the highest port in network.json and is marked
// "genesis_member": false: the genesis never includes it; it joins the
// validator set by an on-chain vote of the members.
// Pure functions on plain values; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::setup {

inline constexpr uint32_t network_base_port_default = 26700;
inline constexpr uint32_t network_port_min = 1024;  // lower ports need root
inline constexpr uint32_t network_port_max = 65535;
inline constexpr size_t network_members_max = 1000;

struct NetworkNode {
  std::string id;            // municipality id
  std::string display_name;  // municipality name
  std::string rpc_address;   // host:port of the HTTP API
  std::string p2p_address;   // host:port of the p2p transport
  PublicKey public_key;      // node (validator) key
  std::string config_path;   // relative to the network folder: "nodes/<id>.json"
  bool genesis_member = true;  // false: added after the genesis (network add-member)
};

struct NetworkDescription {
  std::string chain_id;
  std::vector<NetworkNode> nodes;
};

struct PeerAddress {
  std::string address;  // host:port (p2p)
  PublicKey public_key;
};

// A node config file as govchaind --config reads it.
struct NodeConfigFile {
  std::string data_dir;       // relative to the config file's folder, or absolute
  std::string genesis;        // likewise
  std::string validator_key;  // likewise
  std::string rpc_address;    // "rpc_addr"
  std::string p2p_address;    // "p2p_addr"
  std::vector<PeerAddress> peers;
  bool dev_keys = false;
};

// "ID" or "ID:Display Name" (the display name defaults to the id). Checks
// the id with check_member_id().
Result<std::pair<std::string, std::string>> parse_member_argument(std::string_view argument);

struct NetworkPlanMember {
  std::string id;
  std::string display_name;
  PublicKey node_key;
};

// Assigns addresses and config paths to `members` (in order). Refuses an
// empty list, bad or repeated ids, a bad chain id, a host with whitespace
// or ':' and ports outside network_port_min..network_port_max.
Result<NetworkDescription> plan_network(std::string_view chain_id, std::string_view host, uint32_t base_port,
                                        const std::vector<NetworkPlanMember>& members);

// A member to add to a network whose genesis exists: the next two free
// ports (after the highest one of `network`) on the host of the first node,
// config path "nodes/<id>.json", genesis_member false. Refuses an id the
// network has, a bad id or display name, and ports beyond
// network_port_max.
Result<NetworkNode> plan_added_member(const NetworkDescription& network, const NetworkPlanMember& member);

// The nodes whose members are in the genesis (genesis_member), in order.
std::vector<NetworkNode> genesis_nodes(const NetworkDescription& network);

// The config of node `index` of `network`: every other node is a peer.
// Precondition: index < network.nodes.size().
NodeConfigFile node_config_for(const NetworkDescription& network, size_t index);

std::string network_to_json(const NetworkDescription& network);
// Parses and checks network.json (as plan_network checks, except ports).
Result<NetworkDescription> parse_network(std::string_view json_text);

std::string node_config_to_json(const NodeConfigFile& config);
Result<NodeConfigFile> parse_node_config(std::string_view json_text);

}  // namespace govchain::setup
