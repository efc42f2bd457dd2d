// unit.node_config: govchaind's settings table (node/app/node_settings.h)
// and its JSON log lines (node/app/logging.h): sources and precedence,
// refusals with the nearest name, ranges and types, paths, the passphrase
// sources, and that docs/operations.md lists exactly the table's settings.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/logging.h"
#include "app/node_settings.h"

namespace {

using namespace govchain;
using namespace govchain::app;
namespace fs = std::filesystem;
using json = nlohmann::json;

SettingsInput file_input(const std::string& text) {
  SettingsInput input;
  input.config_path = "/etc/govchain/govchaind.json";
  input.config_text = text;
  input.working_dir = "/srv";
  return input;
}

std::string message_of(const Result<LoadedSettings>& loaded) { return loaded.ok() ? "" : loaded.status().message(); }

}  // namespace

TEST_CASE("a file, the environment and the command line set values in that order, and each is remembered") {
  SettingsInput input = file_input(R"({"data_dir": "/var/lib/govchain", "rpc_addr": "127.0.0.1:1000",
                                      "mempool_txs_max": 500, "log_format": "json"})");
  input.environment = {{"GOVCHAIND_RPC_ADDR", "127.0.0.1:2000"},
                       {"GOVCHAIND_RPC_TIMEOUT_MS", "2500"},
                       {"PATH", "/usr/bin"},
                       {"GOVCHAIND_CONFIG", "/ignored/here"}};
  input.command_line = {{"rpc_timeout_ms", "3000", "--rpc-timeout-ms"}};
  auto loaded = load_node_settings(input);
  REQUIRE_MESSAGE(loaded.ok(), message_of(loaded));
  const NodeSettings& settings = loaded->settings;
  CHECK(settings.node.data_dir == "/var/lib/govchain");
  CHECK(settings.node.http.listen_address == "127.0.0.1:2000");
  CHECK(settings.node.http.timeout_ms == 3000);
  CHECK(settings.node.mempool.txs_max == 500);
  CHECK(settings.log.format == "json");
  CHECK(loaded->origins.at("data_dir").source == SettingSource::file);
  CHECK(loaded->origins.at("rpc_addr").source == SettingSource::environment);
  CHECK(loaded->origins.at("rpc_addr").where == "GOVCHAIND_RPC_ADDR");
  CHECK(loaded->origins.at("rpc_timeout_ms").source == SettingSource::command_line);
  CHECK(loaded->origins.at("rpc_connections_max").source == SettingSource::default_value);
  // Genesis and validator key default to files inside data_dir.
  CHECK(settings.node.genesis_path == "/var/lib/govchain/genesis.json");
  CHECK(settings.node.validator_key_path == "/var/lib/govchain/keys/validator.json");

  std::string table = settings_table(*loaded);
  CHECK(table.find("# environment GOVCHAIND_RPC_ADDR") != std::string::npos);
  CHECK(table.find("# file /etc/govchain/govchaind.json") != std::string::npos);
  CHECK(table.find("# command line --rpc-timeout-ms") != std::string::npos);
  json printed = json::parse(settings_json(*loaded));
  CHECK(printed["settings"]["rpc_timeout_ms"]["value"] == 3000);
  CHECK(printed["settings"]["rpc_timeout_ms"]["source"] == "command line --rpc-timeout-ms");
  CHECK(printed["settings"]["rpc_connections_max"]["source"] == "default");
}

TEST_CASE("the printed values form a configuration file that loads to the same settings") {
  auto loaded = load_node_settings(
      file_input(R"({"data_dir": "/d", "peers": [{"address": "10.0.0.2:26656", "public_key": ")" +
                 std::string(64, 'a') + R"("}], "observers": [")" + std::string(64, 'b') + R"("], "dev_keys": true})"));
  REQUIRE_MESSAGE(loaded.ok(), message_of(loaded));
  json values = json::object();
  const json printed = json::parse(settings_json(*loaded));
  for (const auto& [name, entry] : printed["settings"].items()) values[name] = entry["value"];
  auto again = load_node_settings(file_input(values.dump()));
  REQUIRE_MESSAGE(again.ok(), message_of(again));
  const json reprinted = json::parse(settings_json(*again));
  for (const auto& item : printed["settings"].items()) {
    const std::string name = item.key();
    CHECK_MESSAGE(reprinted["settings"][name]["value"] == item.value()["value"], name);
    CHECK(reprinted["settings"][name]["source"] == "file /etc/govchain/govchaind.json");
  }
  CHECK(again->settings.node.dev);
  CHECK(again->settings.node.observers.size() == 1);
}

TEST_CASE("unknown or mistyped names are refused with the nearest valid one") {
  auto typo = load_node_settings(file_input(R"({"data_dir": "/d", "rpc_adr": "127.0.0.1:1"})"));
  REQUIRE(!typo.ok());
  CHECK(typo.status().message().find("unknown setting 'rpc_adr'; did you mean 'rpc_addr'?") != std::string::npos);
  CHECK(typo.status().message().find("/etc/govchain/govchaind.json") != std::string::npos);
  auto swapped = load_node_settings(file_input(R"({"data_dir": "/d", "mempool_max_txs": 5})"));
  REQUIRE(!swapped.ok());
  CHECK(swapped.status().message().find("did you mean 'mempool_txs_max'?") != std::string::npos);
  auto unrelated = load_node_settings(file_input(R"({"data_dir": "/d", "colour": "blue"})"));
  REQUIRE(!unrelated.ok());
  CHECK(unrelated.status().message().find("did you mean") == std::string::npos);

  SettingsInput environment = file_input(R"({"data_dir": "/d"})");
  environment.environment = {{"GOVCHAIND_LOG_LEVL", "debug"}};
  auto variable = load_node_settings(environment);
  REQUIRE(!variable.ok());
  CHECK(variable.status().message().find("GOVCHAIND_LOG_LEVL; did you mean GOVCHAIND_LOG_LEVEL?") != std::string::npos);
  // Lower-case letters after the prefix are not the setting's variable.
  environment.environment = {{"GOVCHAIND_log_level", "debug"}};
  CHECK(!load_node_settings(environment).ok());
  CHECK(nearest_name(std::string(300, 'x'), {"rpc_addr"}).empty());
}

TEST_CASE("values of the wrong type, outside their range or malformed are refused naming the setting") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"data_dir": "/d", "rpc_connections_max": "256"})", "rpc_connections_max must be a whole number"},
      {R"({"data_dir": "/d", "rpc_connections_max": 0})", "from 1..1000000"},
      {R"({"data_dir": "/d", "rpc_connections_max": -5})", "rpc_connections_max must be a whole number"},
      {R"({"data_dir": "/d", "rpc_connections_max": 2.5})", "rpc_connections_max must be a whole number"},
      {R"({"data_dir": "/d", "rpc_addr": "localhost"})", "rpc_addr must be host:port"},
      {R"({"data_dir": "/d", "rpc_addr": "127.0.0.1:70000"})", "the port is 0 to 65535"},
      {R"({"data_dir": "/d", "p2p_addr": "a b:1"})", "p2p_addr must be host:port"},
      {R"({"data_dir": "/d", "log_level": "verbose"})", "log_level must be one of trace, debug"},
      {R"({"data_dir": "/d", "dev_keys": "yes"})", "dev_keys must be true or false"},
      {R"({"data_dir": 7})", "data_dir must be a string"},
      {R"({"data_dir": "/d", "peers": [{"address": "10.0.0.1:1"}]})", "needs its public_key"},
      {R"({"data_dir": "/d", "peers": [{"adress": "10.0.0.1:1", "public_key": "00"}]})", "did you mean 'address'?"},
      {R"({"data_dir": "/d", "peers": [{"address": "10.0.0.1:1", "public_key": "zz"}]})", "64 hex digits"},
      {R"({"data_dir": "/d", "observers": ["abc"]})", "observers[0] must be a node key"},
      {R"({"data_dir": "/d", "rpc_addr": "127.0.0.1:1", "rpc_addr": "127.0.0.1:2"})", "'rpc_addr' is given twice"},
      {R"([1, 2])", "is not a JSON object"},
      {R"({"data_dir": "/d",)", "is not a JSON object"},
      {R"({"rpc_addr": "127.0.0.1:1"})", "data_dir is not set"},
  };
  for (const auto& entry : cases) {
    const std::string& text = entry.first;
    auto loaded = load_node_settings(file_input(text));
    CHECK_MESSAGE(!loaded.ok(), text);
    CHECK_MESSAGE(message_of(loaded).find(entry.second) != std::string::npos, (text + " -> " + message_of(loaded)));
  }
  SettingsInput environment = file_input(R"({"data_dir": "/d"})");
  environment.environment = {{"GOVCHAIND_RPC_TIMEOUT_MS", "10s"}};
  CHECK(message_of(load_node_settings(environment)).find("GOVCHAIND_RPC_TIMEOUT_MS must be a whole number") !=
        std::string::npos);
  environment.environment = {{"GOVCHAIND_RPC_TIMEOUT_MS", "99999999999999999999999"}};
  CHECK(!load_node_settings(environment).ok());
  environment.environment = {{"GOVCHAIND_DEV_KEYS", "maybe"}};
  CHECK(!load_node_settings(environment).ok());
  environment.environment = {{"GOVCHAIND_OBSERVERS", std::string(64, 'c') + "," + std::string(64, 'd')}};
  auto observers = load_node_settings(environment);
  REQUIRE_MESSAGE(observers.ok(), message_of(observers));
  CHECK(observers->settings.node.observers.size() == 2);
}

TEST_CASE("relative paths are relative to the file's folder, or to the working directory") {
  SettingsInput input = file_input(R"({"data_dir": "../data", "genesis": "genesis.json"})");
  input.command_line = {{"log_file", "logs/node.log", "--log-file"}};
  auto loaded = load_node_settings(input);
  REQUIRE_MESSAGE(loaded.ok(), message_of(loaded));
  CHECK(loaded->settings.node.data_dir == "/etc/data");
  CHECK(loaded->settings.node.genesis_path == "/etc/govchain/genesis.json");
  CHECK(loaded->settings.log.file == "/srv/logs/node.log");
}

TEST_CASE("every default passes its own check, and docs/operations.md lists exactly the settings") {
  SettingsInput input;
  input.command_line = {{"data_dir", "/d", "--data-dir"}};
  auto loaded = load_node_settings(input);
  REQUIRE_MESSAGE(loaded.ok(), message_of(loaded));
  CHECK(loaded->settings.node.http.timeout_ms == NodeConfig{}.http.timeout_ms);
  CHECK(loaded->settings.node.mempool.pending_ttl_ms == NodeConfig{}.mempool.pending_ttl_ms);

  std::ifstream file(std::string(GOVCHAIN_SOURCE_DIR) + "/docs/operations.md");
  REQUIRE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  const std::string docs = text.str();
  for (const auto& setting : describe_node_settings()) {
    CHECK_MESSAGE(docs.find("| `" + setting.name + "` |") != std::string::npos,
                  ("docs/operations.md does not list " + setting.name));
    CHECK(environment_name(setting.name).rfind("GOVCHAIND_", 0) == 0);
  }
  // And nothing the table lacks: every row of the settings table names one.
  std::istringstream lines(docs);
  size_t rows = 0;
  bool in_table = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| Setting |", 0) == 0) in_table = true;
    if (in_table && line.empty()) in_table = false;
    if (!in_table || line.rfind("| `", 0) != 0) continue;
    std::string name = line.substr(3, line.find('`', 3) - 3);
    bool known = false;
    for (const auto& setting : describe_node_settings()) known = known || setting.name == name;
    CHECK_MESSAGE(known, ("docs/operations.md lists '" + name + "', which govchaind does not know"));
    ++rows;
  }
  CHECK(rows == describe_node_settings().size());
}

TEST_CASE("the passphrase comes from its file, else the systemd credential, else the environment") {
  fs::path folder = fs::temp_directory_path() / ("govchain-node-config-" + std::to_string(::getpid()));
  fs::create_directories(folder / "credentials");
  auto write = [&](const fs::path& path, const std::string& text, fs::perms mode) {
    std::ofstream(path) << text;
    fs::permissions(path, mode);
  };
  write(folder / "passphrase", "from the file\n", fs::perms::owner_read | fs::perms::owner_write);
  write(folder / "credentials" / passphrase_credential_name, "from the credential\n", fs::perms::owner_read);
  write(folder / "readable", "for everyone\n", fs::perms::owner_all | fs::perms::others_read);
  write(folder / "two-lines", "one\ntwo\n", fs::perms::owner_read);
  write(folder / "empty", "\n", fs::perms::owner_read);
  const std::vector<std::pair<std::string, std::string>> environment = {
      {"CREDENTIALS_DIRECTORY", (folder / "credentials").string()},
      {"GOVCHAIN_KEY_PASSPHRASE", "from the environment"}};

  NodeSettings settings;
  settings.validator_key_passphrase_file = folder / "passphrase";
  auto found = find_key_passphrase(settings, environment);
  REQUIRE(found.ok());
  CHECK(found->passphrase == "from the file");
  CHECK(found->source == "file " + (folder / "passphrase").string());

  settings.validator_key_passphrase_file.clear();
  found = find_key_passphrase(settings, environment);
  REQUIRE(found.ok());
  CHECK(found->passphrase == "from the credential");
  CHECK(!found->from_environment);

  found = find_key_passphrase(settings, {environment[1]});
  REQUIRE(found.ok());
  CHECK(found->passphrase == "from the environment");
  CHECK(found->from_environment);
  found = find_key_passphrase(settings, {});
  REQUIRE(found.ok());
  CHECK(found->source == "none");

  for (const char* bad : {"readable", "two-lines", "empty", "missing"}) {
    settings.validator_key_passphrase_file = folder / bad;
    CHECK_MESSAGE(!find_key_passphrase(settings, environment).ok(), bad);
  }
  settings.validator_key_passphrase_file = folder / "readable";
  CHECK(find_key_passphrase(settings, {}).status().message().find("chmod 600") != std::string::npos);
  fs::remove_all(folder);
}

TEST_CASE("JSON log lines escape quotes, control characters and invalid UTF-8") {
  CHECK(json_string_contents("plain") == "plain");
  CHECK(json_string_contents("a \"quoted\" \\ path") == "a \\\"quoted\\\" \\\\ path");
  CHECK(json_string_contents("line\nnext\ttab\x01") == "line\\nnext\\ttab\\u0001");
  CHECK(json_string_contents("Städte") == "Städte");
  CHECK(json_string_contents(std::string("bad \xff byte \xc3")) == "bad \\ufffd byte \\ufffd");
  CHECK(json_string_contents(std::string("\xed\xa0\x80")) == "\\ufffd\\ufffd\\ufffd");  // a surrogate
  std::string hostile = "peer said \"}\n{\"level\":\"critical\" \x7f\xc0\xaf";
  json line = json::parse("{\"message\":\"" + json_string_contents(hostile) + "\"}");
  CHECK(line["message"].get<std::string>().find("peer said \"}\n{") == 0);
}
