#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "crypto/schnorr.h"
#include "setup/genesis_builder.h"
#include "setup/network_layout.h"
#include "setup/setup_files.h"

using namespace govchain;
namespace fs = std::filesystem;

namespace {

// A fresh empty folder under the system temp folder, removed at scope end.
struct TempFolder {
  fs::path path;
  TempFolder() {
    std::random_device random;
    path = fs::temp_directory_path() / ("govchain-unit-setup-" + std::to_string(random()));
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

setup::MemberKeys member(std::string id) {
  setup::MemberKeys keys{
      id, "Name of " + id, crypto::generate_key_pair().public_key, crypto::generate_key_pair().public_key, {}};
  for (const auto& role : chain::known_roles()) keys.offices.emplace_back(role, crypto::generate_key_pair().public_key);
  return keys;
}

std::vector<setup::NetworkPlanMember> plan_members(std::vector<std::string> ids) {
  std::vector<setup::NetworkPlanMember> members;
  for (auto& id : ids) members.push_back({id, id, crypto::generate_key_pair().public_key});
  return members;
}

}  // namespace

TEST_CASE("member and chain ids: lowercase letters, digits and '-' only") {
  CHECK(setup::check_member_id("aachen").ok());
  CHECK(setup::check_member_id("bad-salzuflen-2").ok());
  CHECK(setup::check_member_id("Aachen").code() == Code::invalid_argument);
  CHECK(setup::check_member_id("aa chen").code() == Code::invalid_argument);
  CHECK(setup::check_member_id("").code() == Code::invalid_argument);
  CHECK(setup::check_member_id(std::string(65, 'a')).code() == Code::invalid_argument);
  CHECK(setup::check_chain_id("govchain-nrw-5").ok());
  CHECK(setup::check_chain_id("govchain nrw").code() == Code::invalid_argument);
}

TEST_CASE("a genesis of several members lists each as municipality, validator and office roles") {
  std::vector<setup::MemberKeys> members = {member("aachen"), member("soest")};
  chain::GenesisContract contract{"archive", "", to_bytes("\0asm"), "{}"};
  auto genesis = setup::build_genesis("govchain-test", 1234, members, {contract});
  REQUIRE(genesis.ok());
  REQUIRE(genesis->municipalities.size() == 2);
  CHECK(genesis->municipalities[1].id == "soest");
  CHECK(genesis->municipalities[1].admin == members[1].admin);
  REQUIRE(genesis->validators.size() == 2);
  CHECK(genesis->validators[0].public_key == members[0].validator);
  CHECK(genesis->roles.size() == 2 * chain::known_roles().size());
  REQUIRE(genesis->contracts.size() == 1);
  CHECK(genesis->contracts[0].municipality == "aachen");
  auto parsed = chain::parse_genesis(chain::genesis_to_json(*genesis));
  REQUIRE(parsed.ok());
  CHECK(*parsed == *genesis);
}

TEST_CASE("a genesis refuses no members, repeated ids and bad ids") {
  CHECK(setup::build_genesis("c", 0, {}, {}).status().code() == Code::invalid_argument);
  CHECK(setup::build_genesis("c", 0, {member("a"), member("a")}, {}).status().code() == Code::invalid_argument);
  CHECK(setup::build_genesis("c", 0, {member("A")}, {}).status().code() == Code::invalid_argument);
}

TEST_CASE("member dev keys are written and read back") {
  TempFolder folder;
  auto written = setup::write_member_dev_keys(folder.path / "keys" / "aachen", "aachen", "Aachen", "aachen/");
  REQUIRE(written.ok());
  for (const auto& name : setup::member_key_file_names()) CHECK(fs::exists(folder.path / "keys" / "aachen" / name));
  auto read = setup::read_member_keys(folder.path / "keys" / "aachen", "aachen", "Aachen");
  REQUIRE(read.ok());
  CHECK(read->validator == written->validator);
  CHECK(read->admin == written->admin);
  CHECK(read->offices == written->offices);
  fs::remove(folder.path / "keys" / "aachen" / "archive.json");
  CHECK(setup::read_member_keys(folder.path / "keys" / "aachen", "aachen", "Aachen").status().code() ==
        Code::not_found);
}

TEST_CASE("genesis contracts follow genesis-contracts.txt, with their ABIs") {
  TempFolder folder;
  REQUIRE(setup::write_text_file(folder.path / "b.wasm", "bb").ok());
  REQUIRE(setup::write_text_file(folder.path / "a.wasm", "aa").ok());
  REQUIRE(setup::write_text_file(folder.path / "a.abi.json", "{\"abi\":1}").ok());
  auto all = setup::read_genesis_contracts(folder.path);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "a");
  CHECK((*all)[0].abi_json == "{\"abi\":1}");
  CHECK((*all)[1].abi_json.empty());
  REQUIRE(setup::write_text_file(folder.path / "genesis-contracts.txt", "b\n").ok());
  auto listed = setup::read_genesis_contracts(folder.path);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].code == to_bytes("bb"));
  CHECK(setup::read_genesis_contracts(folder.path / "missing")->empty());
  REQUIRE(setup::write_text_file(folder.path / "genesis-contracts.txt", "c\n").ok());
  CHECK(setup::read_genesis_contracts(folder.path).status().code() == Code::not_found);
}

TEST_CASE("member arguments: ID or ID:Display Name") {
  auto plain = setup::parse_member_argument("soest");
  REQUIRE(plain.ok());
  CHECK(plain->second == "soest");
  auto named = setup::parse_member_argument("wuppertal:Wuppertal (Bergisches Städtedreieck)");
  REQUIRE(named.ok());
  CHECK(named->first == "wuppertal");
  CHECK(named->second == "Wuppertal (Bergisches Städtedreieck)");
  CHECK(setup::parse_member_argument("Soest:Soest").status().code() == Code::invalid_argument);
  CHECK(setup::parse_member_argument("soest:").status().code() == Code::invalid_argument);
}

TEST_CASE("a network plan gives two ports per member and every other node as peer") {
  auto network = setup::plan_network("govchain-x", "127.0.0.1", 26700, plan_members({"a", "b", "c"}));
  REQUIRE(network.ok());
  CHECK(network->nodes[2].rpc_address == "127.0.0.1:26704");
  CHECK(network->nodes[2].p2p_address == "127.0.0.1:26705");
  CHECK(network->nodes[1].config_path == "nodes/b.json");
  auto config = setup::node_config_for(*network, 1);
  CHECK(config.data_dir == "../data/b");
  CHECK(config.validator_key == "../keys/b/validator.json");
  REQUIRE(config.peers.size() == 2);
  CHECK(config.peers[0].address == "127.0.0.1:26701");
  CHECK(config.peers[1].public_key == network->nodes[2].public_key);
  CHECK(config.dev_keys);

  auto parsed_network = setup::parse_network(setup::network_to_json(*network));
  REQUIRE(parsed_network.ok());
  CHECK(parsed_network->nodes[2].public_key == network->nodes[2].public_key);
  CHECK(parsed_network->chain_id == "govchain-x");
  auto parsed_config = setup::parse_node_config(setup::node_config_to_json(config));
  REQUIRE(parsed_config.ok());
  CHECK(parsed_config->peers[1].address == config.peers[1].address);
  CHECK(parsed_config->rpc_address == config.rpc_address);
}

TEST_CASE("a network plan refuses ports out of range, bad hosts and repeated ids") {
  CHECK(setup::plan_network("c", "127.0.0.1", 65532, plan_members({"a", "b", "c"})).status().code() ==
        Code::invalid_argument);
  // 65530..65535 is the last range that fits three members.
  CHECK(setup::plan_network("c", "127.0.0.1", 65530, plan_members({"a", "b", "c"})).ok());
  CHECK(setup::plan_network("c", "127.0.0.1", 80, plan_members({"a"})).status().code() == Code::invalid_argument);
  CHECK(setup::plan_network("c", "::1", 26700, plan_members({"a"})).status().code() == Code::invalid_argument);
  CHECK(setup::plan_network("c", "127.0.0.1", 26700, plan_members({"a", "a"})).status().code() ==
        Code::invalid_argument);
  CHECK(setup::plan_network("c", "127.0.0.1", 26700, {}).status().code() == Code::invalid_argument);
  CHECK(setup::parse_network("{\"chain_id\": \"c\", \"nodes\": []}").status().code() == Code::invalid_argument);
  CHECK(setup::parse_network("[1]").status().code() == Code::malformed);
}

TEST_CASE("an added member gets the next two ports, every node as peer, and stays out of the genesis") {
  auto network = setup::plan_network("govchain-x", "127.0.0.1", 26700, plan_members({"a", "b", "c"}));
  REQUIRE(network.ok());
  const PublicKey key = crypto::generate_key_pair().public_key;
  auto added = setup::plan_added_member(*network, {"d", "Dorf (Neu)", key});
  REQUIRE_MESSAGE(added.ok(), added.status().to_string());
  CHECK(added->rpc_address == "127.0.0.1:26706");
  CHECK(added->p2p_address == "127.0.0.1:26707");
  CHECK(added->config_path == "nodes/d.json");
  CHECK(added->display_name == "Dorf (Neu)");
  CHECK_FALSE(added->genesis_member);
  network->nodes.push_back(*added);

  auto config = setup::node_config_for(*network, 3);
  REQUIRE(config.peers.size() == 3);
  CHECK(config.peers[0].address == "127.0.0.1:26701");
  CHECK(config.peers[2].public_key == network->nodes[2].public_key);
  CHECK(config.validator_key == "../keys/d/validator.json");

  auto genesis_nodes = setup::genesis_nodes(*network);
  REQUIRE(genesis_nodes.size() == 3);
  CHECK(genesis_nodes.back().id == "c");

  // The flag survives network.json; genesis members keep the old format.
  std::string text = setup::network_to_json(*network);
  CHECK(text.find("\"genesis_member\": false") != std::string::npos);
  CHECK(text.find("\"genesis_member\": true") == std::string::npos);
  auto parsed = setup::parse_network(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->nodes[0].genesis_member);
  CHECK_FALSE(parsed->nodes[3].genesis_member);
  CHECK(setup::genesis_nodes(*parsed).size() == 3);

  // A second added member comes after the first one's ports.
  auto second = setup::plan_added_member(*parsed, {"e", "e", key});
  REQUIRE(second.ok());
  CHECK(second->rpc_address == "127.0.0.1:26708");
}

TEST_CASE("adding a member refuses a known id, bad ids, no ports left and a network without genesis members") {
  auto network = setup::plan_network("govchain-x", "127.0.0.1", 65530, plan_members({"a", "b", "c"}));
  REQUIRE(network.ok());
  const PublicKey key = crypto::generate_key_pair().public_key;
  CHECK(setup::plan_added_member(*network, {"e", "e", key}).status().code() == Code::invalid_argument);
  network->nodes.pop_back();
  CHECK(setup::plan_added_member(*network, {"e", "e", key}).ok());
  CHECK(setup::plan_added_member(*network, {"b", "b", key}).status().code() == Code::already_exists);
  CHECK(setup::plan_added_member(*network, {"Bad", "b", key}).status().code() == Code::invalid_argument);
  CHECK(setup::plan_added_member(*network, {"f", "", key}).status().code() == Code::invalid_argument);

  for (auto& node : network->nodes) node.genesis_member = false;
  CHECK(setup::parse_network(setup::network_to_json(*network)).status().code() == Code::invalid);
  std::string mistyped = setup::network_to_json(*network);
  mistyped.replace(mistyped.find("false"), 5, "\"no\"");
  CHECK(setup::parse_network(mistyped).status().code() == Code::invalid);
}
