#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "crypto/schnorr.h"
#include "setup/ceremony.h"
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

// ---- the genesis ceremony (setup/ceremony.h) ----

namespace {

setup::MemberPublicPart public_part(const std::string& id, const std::string& address) { return {member(id), address}; }

}  // namespace

TEST_CASE("a member file carries public keys and the address only, and reads back the same") {
  setup::MemberPublicPart aachen = public_part("aachen", "node.aachen.example:26656");
  std::string text = setup::member_file_to_json(aachen);
  auto parsed = setup::parse_member_file(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->keys.id == "aachen");
  CHECK(parsed->keys.display_name == aachen.keys.display_name);
  CHECK(parsed->keys.validator == aachen.keys.validator);
  CHECK(parsed->keys.admin == aachen.keys.admin);
  CHECK(parsed->keys.offices == aachen.keys.offices);
  CHECK(parsed->p2p_address == "node.aachen.example:26656");
  CHECK(text.find("secret") == std::string::npos);
}

TEST_CASE("a member file with secrets, unknown fields, bad keys, ids or addresses is refused") {
  const std::string good = setup::member_file_to_json(public_part("soest", "10.0.0.3:26656"));
  auto changed = [&](const std::function<void(nlohmann::json&)>& change) {
    nlohmann::json document = nlohmann::json::parse(good);
    change(document);
    return setup::parse_member_file(document.dump());
  };
  auto secret = changed([](nlohmann::json& d) { d["secret_key"] = std::string(64, 'a'); });
  REQUIRE(!secret.ok());
  CHECK(secret.status().message().find("secret key material") != std::string::npos);
  CHECK(changed([](nlohmann::json& d) { d["ciphertext"] = "00"; }).status().message().find("secret") !=
        std::string::npos);
  CHECK(changed([](nlohmann::json& d) { d["comment"] = "hi"; }).status().message().find("unknown field 'comment'") !=
        std::string::npos);
  CHECK(!changed([](nlohmann::json& d) { d["format"] = "govchain-key"; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d.erase("format"); }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["municipality"] = "Soest"; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["name"] = ""; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["node_key"] = "zz"; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["admin"] = 5; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["offices"].erase("archive"); }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["offices"]["mayor"] = std::string(64, 'b'); }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["p2p_addr"] = "10.0.0.3"; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["p2p_addr"] = "10.0.0.3:0"; }).ok());
  CHECK(!changed([](nlohmann::json& d) { d["p2p_addr"] = "10.0.0.3:99999"; }).ok());
  CHECK(!setup::parse_member_file("[]").ok());
  CHECK(!setup::parse_member_file("not json").ok());
  // A key file is not a member file.
  CHECK(!setup::parse_member_file(R"({"type": "govchain-key", "public_key": ")" + std::string(64, 'a') + "\"}").ok());
}

TEST_CASE("the assembled genesis has every member; keys used twice and repeated members are refused") {
  auto aachen = public_part("aachen", "a:1");
  auto soest = public_part("soest", "s:1");
  auto genesis = setup::assemble_genesis("govchain-nrw", 1000, {aachen, soest}, {});
  REQUIRE(genesis.ok());
  CHECK(genesis->validators.size() == 2);
  CHECK(setup::check_member_in_genesis(*genesis, aachen.keys).ok());
  CHECK(setup::check_member_in_genesis(*genesis, soest.keys).ok());
  // Same inputs, same genesis, same hash: every member can check it.
  auto again = setup::assemble_genesis("govchain-nrw", 1000, {aachen, soest}, {});
  REQUIRE(again.ok());
  CHECK(chain::genesis_hash(*again) == chain::genesis_hash(*genesis));

  auto copied_key = soest;
  copied_key.keys.validator = aachen.keys.validator;
  CHECK(setup::assemble_genesis("govchain-nrw", 1000, {aachen, copied_key}, {}).status().message().find("used twice") !=
        std::string::npos);
  auto own_key_twice = soest;
  own_key_twice.keys.admin = soest.keys.offices.front().second;
  CHECK(!setup::assemble_genesis("govchain-nrw", 1000, {aachen, own_key_twice}, {}).ok());
  CHECK(!setup::assemble_genesis("govchain-nrw", 1000, {aachen, aachen}, {}).ok());
  CHECK(!setup::assemble_genesis("govchain-nrw", 1000, {}, {}).ok());
  CHECK(!setup::assemble_genesis("bad chain id", 1000, {aachen}, {}).ok());
}

TEST_CASE("a member finds out when the genesis lacks or changes one of its keys") {
  auto aachen = public_part("aachen", "a:1");
  auto soest = public_part("soest", "s:1");
  auto genesis = setup::assemble_genesis("govchain-nrw", 1000, {aachen, soest}, {});
  REQUIRE(genesis.ok());
  auto changed_admin = *genesis;
  changed_admin.municipalities[0].admin = soest.keys.admin;
  CHECK(setup::check_member_in_genesis(changed_admin, aachen.keys).message().find("admin key") != std::string::npos);
  auto changed_validator = *genesis;
  changed_validator.validators[0].public_key = crypto::generate_key_pair().public_key;
  CHECK(setup::check_member_in_genesis(changed_validator, aachen.keys).message().find("node key") != std::string::npos);
  auto changed_role = *genesis;
  changed_role.roles[0].account = crypto::generate_key_pair().public_key;
  CHECK(!setup::check_member_in_genesis(changed_role, aachen.keys).ok());
  auto outsider = public_part("wuppertal", "w:1");
  CHECK(setup::check_member_in_genesis(*genesis, outsider.keys).code() == Code::not_found);
}

TEST_CASE("a member's node config lists every other member as a peer") {
  auto aachen = public_part("aachen", "node.aachen.example:26656");
  auto soest = public_part("soest", "node.soest.example:26656");
  auto wuppertal = public_part("wuppertal", "10.0.0.9:26656");
  setup::CeremonyNodeConfig paths{"/var/lib/govchain",         "/etc/govchain/genesis.json",
                                  "/etc/govchain/keys/v.json", "",
                                  "127.0.0.1:26657",           "0.0.0.0:26656"};
  auto text = setup::ceremony_node_config(paths, soest.keys.validator, {aachen, soest, wuppertal});
  REQUIRE(text.ok());
  auto config = nlohmann::json::parse(*text);
  REQUIRE(config["peers"].size() == 2);
  CHECK(config["peers"][0]["address"] == "node.aachen.example:26656");
  CHECK(config["peers"][1]["public_key"] == wuppertal.keys.validator.hex());
  CHECK(!config.contains("validator_key_passphrase_file"));
  CHECK(config["p2p_addr"] == "0.0.0.0:26656");
  CHECK(setup::ceremony_node_config(paths, crypto::generate_key_pair().public_key, {aachen, soest}).status().code() ==
        Code::not_found);
}

TEST_CASE("passphrase files: one line, not readable by everyone, not empty") {
  TempFolder folder;
  auto write = [&](const std::string& name, const std::string& text, fs::perms mode) {
    std::ofstream(folder.path / name) << text;
    fs::permissions(folder.path / name, mode);
    return folder.path / name;
  };
  const auto owner = fs::perms::owner_read | fs::perms::owner_write;
  CHECK(*setup::read_passphrase_file(write("good", "a passphrase\n", owner)) == "a passphrase");
  CHECK(*setup::read_passphrase_file(write("crlf", "windows\r\n", owner)) == "windows");
  CHECK(*setup::read_passphrase_file(write("no-newline", "plain", owner)) == "plain");
  CHECK(*setup::read_passphrase_file(write("group", "group\n", owner | fs::perms::group_read)) == "group");
  CHECK(setup::read_passphrase_file(write("world", "world\n", owner | fs::perms::others_read)).status().code() ==
        Code::unauthorized);
  CHECK(setup::read_passphrase_file(folder.path / "world", false).ok());
  CHECK(!setup::read_passphrase_file(write("two", "one\ntwo\n", owner)).ok());
  CHECK(!setup::read_passphrase_file(write("empty", "\n", owner)).ok());
  CHECK(!setup::read_passphrase_file(write("big", std::string(5000, 'x'), owner)).ok());
  CHECK(setup::read_passphrase_file(folder.path / "missing").status().code() == Code::not_found);
  CHECK(!setup::read_passphrase_file(folder.path).ok());
}
