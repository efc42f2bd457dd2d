// govchain network new --out DIR --municipality ID[:Display Name] ... [--chain-id ID] [--base-port N]
//                      [--host HOST] [--contracts DIR]
// govchain network up DIR [--bin GOVCHAIND] [--contracts DIR] [--start-timeout-ms N]
// govchain network down DIR [--wipe] [--stop-timeout-ms N]
// govchain network status DIR
// govchain network add-member DIR --municipality ID[:Display Name]
//
// A local network of govchaind processes, one per member municipality, in
// one folder (node/setup/network_layout.h describes it; docs/network.md
// explains it for operators). The genesis and dev keys are built by
// node/setup, the same code that sets up `govchaind --dev`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "commands.h"
#include "node_processes.h"
#include "setup/genesis_builder.h"
#include "setup/network_layout.h"
#include "setup/setup_files.h"

namespace govchain::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr size_t log_tail_lines = 15;

// The files of a network folder (see node/setup/network_layout.h).
struct NetworkFolder {
  fs::path root;
  fs::path network_file() const { return root / "network.json"; }
  fs::path genesis_file() const { return root / "genesis.json"; }
  fs::path keys_dir(const std::string& id) const { return root / "keys" / id; }
  // The node's log, which govchaind rotates (--log-file), and what it writes
  // to standard output and error, kept for one run.
  fs::path log_file(const std::string& id) const { return root / "logs" / (id + ".log"); }
  fs::path output_file(const std::string& id) const { return root / "logs" / (id + ".out"); }
  fs::path pid_file(const std::string& id) const { return root / "run" / (id + ".pid"); }
  // The config path as govchaind gets it: absolute, so that the process can
  // be recognised by it later (process_running).
  fs::path config_file(const setup::NetworkNode& node) const { return fs::absolute(root / node.config_path); }
};

NetworkFolder folder_of(const std::string& dir) { return {fs::absolute(dir).lexically_normal()}; }

Result<setup::NetworkDescription> load_network(const NetworkFolder& folder) {
  if (!fs::exists(folder.network_file()))
    return error(Code::not_found, folder.network_file().string() +
                                      " does not exist: create a network with `govchain network new --out " +
                                      folder.root.string() + " --municipality ID ...`");
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, setup::read_text_file(folder.network_file(), 16 * 1024 * 1024));
  auto network = setup::parse_network(text);
  if (!network.ok()) return network.status().with_context(folder.network_file().string());
  return network;
}

// The folder of the running govchain binary (build/bin after `make`).
fs::path program_folder() {
  std::error_code error_code;
  fs::path executable = fs::canonical("/proc/self/exe", error_code);
  return error_code ? fs::current_path() : executable.parent_path();
}

// --contracts, or the build's contracts folder next to build/bin, or the
// package's in /usr/share/govchain/contracts next to /usr/bin.
fs::path contracts_folder(const std::string& given) {
  if (!given.empty()) return given;
  fs::path build = program_folder().parent_path() / "contracts";
  fs::path package = program_folder().parent_path() / "share" / "govchain" / "contracts";
  return fs::is_directory(build) || !fs::is_directory(package) ? build : package;
}

struct GenesisCreated {
  size_t contracts = 0;
  fs::path contracts_dir;
};

// Builds DIR/genesis.json from network.json and the members' key files, with
// the contracts of `contracts_dir` owned by the first member.
Result<GenesisCreated> create_genesis(const NetworkFolder& folder, const setup::NetworkDescription& network,
                                      const std::string& contracts_given) {
  fs::path contracts_dir = contracts_folder(contracts_given);
  if (!contracts_given.empty() && !fs::is_directory(contracts_dir))
    return error(Code::not_found, "--contracts " + contracts_given + " is not a folder");
  if (contracts_given.empty() && !fs::is_directory(contracts_dir))
    std::cerr << "govchain: warning: no contracts folder at " << contracts_dir.string()
              << "; the genesis deploys no contracts (run `make build`, or pass --contracts DIR)\n";
  std::vector<setup::MemberKeys> members;
  for (const auto& node : setup::genesis_nodes(network)) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto keys, setup::read_member_keys(folder.keys_dir(node.id), node.id, node.display_name));
    if (keys.validator != node.public_key)
      return error(Code::invalid, folder.keys_dir(node.id).string() + "/validator.json holds key " +
                                      keys.validator.hex() + ", but network.json names " + node.public_key.hex() +
                                      " for node '" + node.id + "'; restore the key or fix network.json");
    members.push_back(std::move(keys));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto contracts, setup::read_genesis_contracts(contracts_dir));
  GenesisCreated created{contracts.size(), contracts_dir};
  int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  GOVCHAIN_ASSIGN_OR_RETURN(auto genesis,
                            setup::build_genesis(network.chain_id, now_ms, members, std::move(contracts)));
  GOVCHAIN_TRY(setup::write_text_file(folder.genesis_file(), chain::genesis_to_json(genesis)));
  return created;
}

// `text` and spaces up to `width` characters (UTF-8 aware: display names
// such as "Städtedreieck"), at least one space.
std::string padded(const std::string& text, size_t width) {
  size_t characters = std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
  return characters >= width ? text + " " : text + std::string(width - characters, ' ');
}

// The first 16 hex digits of a 64-digit hash (full hashes are in --json).
std::string short_hash(const std::string& text) { return text.size() == 64 ? text.substr(0, 16) + ".." : text; }

std::string rpc_url(const std::string& rpc_address) { return "http://" + rpc_address; }

// ---- network new ----

struct NewOptions {
  std::string out;
  std::vector<std::string> municipalities;  // ID[:Display Name], in order
  std::string chain_id;                     // default "govchain-<folder name>"
  uint32_t base_port = setup::network_base_port_default;
  std::string host = "127.0.0.1";
  std::string contracts_dir;  // default: the build's contracts folder
};

Result<setup::NetworkDescription> plan_new_network(const NewOptions& options, const NetworkFolder& folder) {
  std::vector<setup::NetworkPlanMember> members;
  for (const auto& argument : options.municipalities) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto member, setup::parse_member_argument(argument));
    members.push_back({member.first, member.second, PublicKey{}});
  }
  std::string chain_id = options.chain_id;
  if (chain_id.empty()) {
    chain_id = "govchain-" + folder.root.filename().string();
    Status usable = setup::check_chain_id(chain_id);
    if (!usable.ok()) return usable.with_context("chain id from the folder name; pass --chain-id ID");
  }
  return setup::plan_network(chain_id, options.host, options.base_port, members);
}

Status refuse_overwrite(const NetworkFolder& folder, const setup::NetworkDescription& network) {
  if (fs::exists(folder.network_file()))
    return error(Code::already_exists, folder.network_file().string() + " exists: this folder already holds a network");
  for (const auto& node : network.nodes) {
    if (fs::exists(folder.keys_dir(node.id)))
      return error(Code::already_exists, folder.keys_dir(node.id).string() + " exists and would be overwritten");
    if (fs::exists(folder.root / node.config_path))
      return error(Code::already_exists,
                   (folder.root / node.config_path).string() + " exists and would be overwritten");
  }
  return Status();
}

// Writes the keys (filling in the node keys), the node configs and, last,
// network.json: a folder with network.json is complete.
Status write_new_network(const NetworkFolder& folder, setup::NetworkDescription& network) {
  for (auto& node : network.nodes) {
    GOVCHAIN_ASSIGN_OR_RETURN(
        auto keys, setup::write_member_dev_keys(folder.keys_dir(node.id), node.id, node.display_name, node.id + "/"));
    node.public_key = keys.validator;
  }
  for (size_t i = 0; i < network.nodes.size(); ++i) {
    fs::path config_path = folder.root / network.nodes[i].config_path;
    std::error_code error_code;
    fs::create_directories(config_path.parent_path(), error_code);
    if (error_code)
      return error(Code::io_error, "cannot create " + config_path.parent_path().string() + ": " + error_code.message());
    GOVCHAIN_TRY(setup::write_text_file(config_path, setup::node_config_to_json(setup::node_config_for(network, i))));
  }
  return setup::write_text_file(folder.network_file(), setup::network_to_json(network));
}

std::string network_table(const setup::NetworkDescription& network) {
  std::string text = padded("id", 16) + padded("name", 40) + padded("rpc", 22) + padded("p2p", 22) + "node key\n";
  for (const auto& node : network.nodes)
    text += padded(node.id, 16) + padded(node.display_name, 40) + padded(node.rpc_address, 22) +
            padded(node.p2p_address, 22) + node.public_key.hex() + "\n";
  return text;
}

int network_new(Context& context, const NewOptions& options) {
  NetworkFolder folder = folder_of(options.out);
  auto network = plan_new_network(options, folder);
  if (!network.ok()) return context.fail(network.status(), "network new");
  Status fresh = refuse_overwrite(folder, *network);
  if (!fresh.ok())
    return context.fail(fresh, "network new refused",
                        "choose another --out folder, or delete this one to start over (its keys are lost then)");
  Status written = write_new_network(folder, *network);
  if (!written.ok()) return context.fail(written, "writing the network folder");
  auto genesis = create_genesis(folder, *network, options.contracts_dir);
  if (!genesis.ok())
    return context.fail(genesis.status(), "writing the genesis",
                        "fix the cause and run `govchain network up " + folder.root.string() +
                            "`, which creates a missing genesis.json");
  json machine = {{"dir", folder.root.string()},
                  {"chain_id", network->chain_id},
                  {"genesis", folder.genesis_file().string()},
                  {"genesis_contracts", genesis->contracts},
                  {"nodes", json::parse(setup::network_to_json(*network))["nodes"]}};
  std::string human = "created network " + network->chain_id + " in " + folder.root.string() + ": " +
                      std::to_string(network->nodes.size()) + " nodes, genesis with " +
                      std::to_string(genesis->contracts) + " contracts from " + genesis->contracts_dir.string() + "\n" +
                      network_table(*network) + "dev keys (plaintext, development only) in " +
                      (folder.root / "keys").string() + "\nstart it with: govchain network up " + folder.root.string();
  return context.emit(machine, human);
}

// ---- network up ----

struct UpOptions {
  std::string dir;
  std::string binary;         // default: govchaind next to govchain
  std::string contracts_dir;  // used only when genesis.json is missing
  uint64_t start_timeout_ms = 30000;
};

struct NodeRun {
  std::string id;
  fs::path config;
  fs::path log;
  fs::path output;  // standard output and error of this run
  std::string rpc_address;
  int pid = 0;
  bool started = false;  // by this command (else it was running already)
  bool healthy = false;
};

Result<fs::path> node_program(const std::string& given) {
  fs::path program = given.empty() ? program_folder() / "govchaind" : fs::absolute(given);
  if (::access(program.c_str(), X_OK) != 0)
    return error(Code::not_found,
                 "no executable govchaind at " + program.string() + ": build it with `make build`, or pass --bin PATH");
  return program;
}

// Starts the node unless its pid file names a live process of it.
Result<NodeRun> start_node(const NetworkFolder& folder, const setup::NetworkNode& node, const fs::path& program) {
  NodeRun run{node.id, folder.config_file(node), folder.log_file(node.id), folder.output_file(node.id), "", 0, false,
              false};
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, setup::read_text_file(run.config, 1024 * 1024));
  auto config = setup::parse_node_config(text);
  if (!config.ok()) return config.status().with_context(run.config.string());
  run.rpc_address = config->rpc_address;
  // govchaind creates its database folder but wants the folder above it.
  fs::path data_dir = run.config.parent_path() / config->data_dir;
  std::error_code error_code;
  fs::create_directories(data_dir, error_code);
  if (error_code) return error(Code::io_error, "cannot create " + data_dir.string() + ": " + error_code.message());
  auto existing = read_pid_file(folder.pid_file(node.id));
  if (existing.ok() && process_running(*existing, run.config.string())) {
    run.pid = *existing;
    return run;
  }
  // The log is bounded: govchaind rotates it at 16 MiB and keeps 5 old
  // files (logs/<id>.log.1 ...).
  GOVCHAIN_ASSIGN_OR_RETURN(
      run.pid, start_detached(program,
                              {"--config", run.config.string(), "--log-file", run.log.string(),
                               "--log-file-size-bytes-max", std::to_string(16 * 1024 * 1024), "--log-files-max", "5"},
                              run.output, OutputFile::truncate));
  run.started = true;
  GOVCHAIN_TRY(setup::write_text_file(folder.pid_file(node.id), std::to_string(run.pid) + "\n"));
  return run;
}

Status node_failed(const NodeRun& run, Code code, const std::string& what) {
  std::string output = tail_of_file(run.output, log_tail_lines);
  return error(code, "node '" + run.id + "' (pid " + std::to_string(run.pid) + ") " + what + "; its log " +
                         run.log.string() + " ends with:\n" + tail_of_file(run.log, log_tail_lines) +
                         (output.empty() ? "" : "  and its output " + run.output.string() + " with:\n" + output));
}

// The node's process is still there (for our own children: has not exited).
Status check_alive(const NodeRun& run) {
  if (run.started) {
    if (auto code = child_exit_code(run.pid))
      return node_failed(run, Code::unavailable, "exited with code " + std::to_string(*code) + " during start-up");
  } else if (!process_running(run.pid, run.config.string())) {
    return node_failed(run, Code::unavailable, "stopped");
  }
  return Status();
}

// Whoever answers on the node's port serves this network's chain: another
// program on the port would otherwise pass for the node.
Status check_chain(const NodeRun& run, const client::Client& client, const std::string& chain_id) {
  auto text = client.status_text();
  if (!text.ok()) return Status();  // not ready yet; the next round asks again
  json status = json::parse(*text, nullptr, false);
  std::string answered = status.is_object() && status.contains("chain_id") && status["chain_id"].is_string()
                             ? status["chain_id"].get<std::string>()
                             : "?";
  if (answered != chain_id)
    return node_failed(run, Code::wrong_chain,
                       "is not what answers on " + rpc_url(run.rpc_address) + ": that is chain '" + answered +
                           "', not '" + chain_id + "' (another program uses the port?)");
  return Status();
}

// One round of checks; ok while every node runs (healthy or not yet).
Status check_runs(std::vector<NodeRun>& runs, const std::string& chain_id, uint64_t timeout_ms) {
  for (auto& run : runs) {
    if (run.healthy) continue;
    GOVCHAIN_TRY(check_alive(run));
    auto client = client::Client::connect({.node_url = rpc_url(run.rpc_address), .request_timeout_ms = timeout_ms});
    if (!client.ok()) return client.status().with_context("node '" + run.id + "' rpc_addr");
    if (!client->health().ok()) continue;
    GOVCHAIN_TRY(check_chain(run, *client, chain_id));
    GOVCHAIN_TRY(check_alive(run));
    run.healthy = true;
  }
  return Status();
}

Status wait_until_healthy(std::vector<NodeRun>& runs, const std::string& chain_id, uint64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    GOVCHAIN_TRY(check_runs(runs, chain_id, 1000));
    auto waiting = std::find_if(runs.begin(), runs.end(), [](const NodeRun& run) { return !run.healthy; });
    if (waiting == runs.end()) return Status();
    if (std::chrono::steady_clock::now() >= deadline)
      return node_failed(
          *waiting, Code::timeout,
          "did not answer " + rpc_url(waiting->rpc_address) + "/healthz within " + std::to_string(timeout_ms) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int print_runs(Context& context, const setup::NetworkDescription& network, const std::vector<NodeRun>& runs) {
  json nodes = json::array();
  std::string human = "network " + network.chain_id + ": " + std::to_string(runs.size()) + " nodes running\n" +
                      padded("id", 16) + padded("pid", 9) + padded("rpc", 30) + "log\n";
  for (const auto& run : runs) {
    nodes.push_back({{"id", run.id},
                     {"pid", run.pid},
                     {"rpc_url", rpc_url(run.rpc_address)},
                     {"log", run.log.string()},
                     {"started", run.started}});
    human += padded(run.id, 16) + padded(std::to_string(run.pid), 9) + padded(rpc_url(run.rpc_address), 30) +
             run.log.string() + (run.started ? "" : "  (was running)") + "\n";
  }
  return context.emit({{"chain_id", network.chain_id}, {"nodes", nodes}}, human);
}

int network_up(Context& context, const UpOptions& options) {
  NetworkFolder folder = folder_of(options.dir);
  auto network = load_network(folder);
  if (!network.ok()) return context.fail(network.status(), "network up");
  auto program = node_program(options.binary);
  if (!program.ok()) return context.fail(program.status(), "network up");
  if (!fs::exists(folder.genesis_file())) {
    auto genesis = create_genesis(folder, *network, options.contracts_dir);
    if (!genesis.ok()) return context.fail(genesis.status(), "creating " + folder.genesis_file().string());
    std::cerr << "govchain: created " << folder.genesis_file().string() << " with " << genesis->contracts
              << " contracts from " << genesis->contracts_dir.string() << "\n";
  }
  for (const char* sub : {"logs", "run"}) {
    std::error_code error_code;
    fs::create_directories(folder.root / sub, error_code);
    if (error_code)
      return context.fail(
          error(Code::io_error, "cannot create " + (folder.root / sub).string() + ": " + error_code.message()),
          "network up");
  }
  std::vector<NodeRun> runs;
  for (const auto& node : network->nodes) {
    auto run = start_node(folder, node, *program);
    if (!run.ok())
      return context.fail(run.status(), "starting node '" + node.id + "'",
                          "fix the cause; `govchain network down " + folder.root.string() + "` stops the others");
    runs.push_back(std::move(*run));
  }
  Status healthy = wait_until_healthy(runs, network->chain_id, options.start_timeout_ms);
  if (!healthy.ok())
    return context.fail(
        healthy, "network up",
        "read the node's log; `govchain network down " + folder.root.string() + "` stops the nodes that did start");
  return print_runs(context, *network, runs);
}

// ---- network down ----

struct DownOptions {
  std::string dir;
  bool wipe = false;  // also delete data/, logs/ and run/
  uint64_t stop_timeout_ms = 10000;
};

// Removes DIR/data, DIR/logs and DIR/run; never keys, configs or genesis.
Status wipe_runtime_state(const NetworkFolder& folder) {
  for (const char* sub : {"data", "logs", "run"}) {
    std::error_code error_code;
    fs::remove_all(folder.root / sub, error_code);
    if (error_code)
      return error(Code::io_error, "cannot delete " + (folder.root / sub).string() + ": " + error_code.message());
  }
  return Status();
}

int network_down(Context& context, const DownOptions& options) {
  NetworkFolder folder = folder_of(options.dir);
  auto network = load_network(folder);
  if (!network.ok()) return context.fail(network.status(), "network down");
  std::vector<WatchedProcess> running;
  json nodes = json::array();
  std::string human;
  for (const auto& node : network->nodes) {
    auto pid = read_pid_file(folder.pid_file(node.id));
    std::string argument = folder.config_file(node).string();
    bool alive = pid.ok() && process_running(*pid, argument);
    if (alive) running.push_back({*pid, argument});
    std::error_code ignored;
    if (pid.ok() && !alive) fs::remove(folder.pid_file(node.id), ignored);  // stale: the process ended by itself
    nodes.push_back({{"id", node.id}, {"pid", alive ? *pid : 0}, {"was_running", alive}});
    human += node.id + (alive ? ": stopping pid " + std::to_string(*pid) : ": not running") + "\n";
  }
  auto killed = stop_processes(running, options.stop_timeout_ms);
  if (!killed.ok()) return context.fail(killed.status(), "network down", "stop those processes by hand (kill -9 PID)");
  for (const auto& node : network->nodes) {
    std::error_code ignored;
    fs::remove(folder.pid_file(node.id), ignored);
  }
  for (int pid : *killed) human += "pid " + std::to_string(pid) + " did not stop on SIGTERM in time: killed\n";
  human += "stopped " + std::to_string(running.size()) + " nodes of " + network->chain_id;
  if (options.wipe) {
    Status wiped = wipe_runtime_state(folder);
    if (!wiped.ok()) return context.fail(wiped, "network down --wipe");
    human += "\ndeleted data/, logs/ and run/ of " + folder.root.string() + " (keys, configs and genesis kept)";
  }
  return context.emit({{"chain_id", network->chain_id}, {"nodes", nodes}, {"killed", *killed}, {"wiped", options.wipe}},
                      human);
}

// ---- network status ----

struct NodeReport {
  std::string id;
  std::string rpc_url;
  int pid = 0;                                // 0 when not running (according to its pid file)
  std::optional<json> status;                 // the node's /v1/status answer
  std::string error;                          // why there is none
  std::optional<std::string> agreement_hash;  // block hash at the common height
};

// A status field as text: strings as they are, numbers in decimal, "-" when
// missing (nodes of other versions offer other fields).
std::string field_text(const NodeReport& report, const char* name) {
  if (!report.status || !report.status->contains(name)) return "-";
  const json& value = (*report.status)[name];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned() || value.is_number_integer()) return value.dump();
  return "-";
}

// "connected/known" from a peers array (entries with a boolean "connected"),
// the number of entries otherwise, a plain number as given, or "-".
std::string peers_text(const NodeReport& report) {
  if (!report.status || !report.status->contains("peers")) return "-";
  const json& peers = (*report.status)["peers"];
  if (peers.is_number_unsigned()) return peers.dump();
  if (!peers.is_array()) return "-";
  size_t connected = 0;
  bool has_flag = false;
  for (const json& peer : peers) {
    if (peer.is_object() && peer.contains("connected") && peer["connected"].is_boolean()) {
      has_flag = true;
      connected += peer["connected"].get<bool>() ? 1 : 0;
    }
  }
  return has_flag ? std::to_string(connected) + "/" + std::to_string(peers.size()) : std::to_string(peers.size());
}

NodeReport query_node(const NetworkFolder& folder, const setup::NetworkNode& node, uint64_t timeout_ms) {
  NodeReport report{node.id, rpc_url(node.rpc_address), 0, std::nullopt, "", std::nullopt};
  auto pid = read_pid_file(folder.pid_file(node.id));
  if (pid.ok() && process_running(*pid, folder.config_file(node).string())) report.pid = *pid;
  auto client = client::Client::connect({.node_url = report.rpc_url, .request_timeout_ms = timeout_ms});
  auto text = client.ok() ? client->status_text() : Result<std::string>(client.status());
  if (!text.ok()) {
    report.error = text.status().to_string();
    return report;
  }
  json parsed = json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    report.error = "malformed: /v1/status is not a JSON object";
    return report;
  }
  report.status = std::move(parsed);
  return report;
}

struct Agreement {
  std::optional<uint64_t> height;  // lowest height of the answering nodes
  uint64_t height_max = 0;         // highest
  bool agree = false;
  std::string block_hash;  // when they agree
  std::string note;
};

// Compares the block hashes of all answering nodes at their lowest common height.
Agreement check_agreement(std::vector<NodeReport>& reports, uint64_t timeout_ms) {
  Agreement agreement;
  for (const auto& report : reports)
    if (report.status && report.status->contains("height") && (*report.status)["height"].is_number_unsigned()) {
      uint64_t height = (*report.status)["height"].get<uint64_t>();
      agreement.height = agreement.height ? std::min(*agreement.height, height) : height;
      agreement.height_max = std::max(agreement.height_max, height);
    }
  if (!agreement.height) return {std::nullopt, 0, false, "", "no node answers with a height"};
  std::set<std::string> hashes;
  for (auto& report : reports) {
    if (!report.status) continue;
    auto client = client::Client::connect({.node_url = report.rpc_url, .request_timeout_ms = timeout_ms});
    auto block = client.ok() ? client->block(*agreement.height) : Result<client::BlockInfo>(client.status());
    report.agreement_hash = block.ok() ? block->computed_hash.hex() : "error: " + block.status().to_string();
    hashes.insert(*report.agreement_hash);
  }
  agreement.agree = hashes.size() == 1 && hashes.begin()->rfind("error", 0) != 0;
  if (agreement.agree) agreement.block_hash = *hashes.begin();
  if (agreement.agree) {
    agreement.note = "all answering nodes have block " + short_hash(*hashes.begin());
    if (agreement.height_max > *agreement.height)
      agreement.note += " (heights differ, up to " + std::to_string(agreement.height_max) + ")";
    return agreement;
  }
  agreement.note = "nodes DISAGREE (or failed to answer):";
  for (const auto& report : reports)
    if (report.agreement_hash) agreement.note += " " + report.id + " " + short_hash(*report.agreement_hash) + ";";
  return agreement;
}

json report_json(const NodeReport& report) {
  json node = {{"id", report.id}, {"rpc_url", report.rpc_url}, {"running", report.pid != 0}, {"pid", report.pid}};
  node["answers"] = report.status.has_value();
  if (!report.error.empty()) node["error"] = report.error;
  for (const char* name : {"height", "latest_block_hash", "state_root"})
    node[name] = report.status && report.status->contains(name) ? (*report.status)[name] : json(nullptr);
  node["peers"] = report.status && report.status->contains("peers") ? (*report.status)["peers"] : json(nullptr);
  node["status"] = report.status ? *report.status : json(nullptr);
  if (report.agreement_hash) node["block_hash_at_common_height"] = *report.agreement_hash;
  return node;
}

std::string report_line(const NodeReport& report) {
  std::string running = report.pid != 0 ? "pid " + std::to_string(report.pid) : "stopped";
  if (!report.status) return padded(report.id, 16) + padded(running, 12) + "no answer: " + report.error + "\n";
  return padded(report.id, 16) + padded(running, 12) + padded(field_text(report, "height"), 8) +
         padded(short_hash(field_text(report, "latest_block_hash")), 20) +
         padded(short_hash(field_text(report, "state_root")), 20) + peers_text(report) + "\n";
}

int network_status(Context& context, const std::string& dir) {
  NetworkFolder folder = folder_of(dir);
  auto network = load_network(folder);
  if (!network.ok()) return context.fail(network.status(), "network status");
  uint64_t timeout_ms = std::min<uint64_t>(context.options.timeout_ms, 3000);
  std::vector<NodeReport> reports;
  for (const auto& node : network->nodes) reports.push_back(query_node(folder, node, timeout_ms));
  Agreement agreement = check_agreement(reports, timeout_ms);
  json nodes = json::array();
  std::string human = "network " + network->chain_id + " (" + folder.root.string() + ")\n" + padded("id", 16) +
                      padded("running", 12) + padded("height", 8) + padded("latest block", 20) +
                      padded("state root", 20) + "peers\n";
  for (const auto& report : reports) {
    nodes.push_back(report_json(report));
    human += report_line(report);
  }
  json machine_agreement = {{"height", agreement.height ? json(*agreement.height) : json(nullptr)},
                            {"height_max", agreement.height ? json(agreement.height_max) : json(nullptr)},
                            {"agree", agreement.agree},
                            {"block_hash", agreement.agree ? json(agreement.block_hash) : json(nullptr)},
                            {"note", agreement.note}};
  human += "agreement: " + (agreement.height ? "at height " + std::to_string(*agreement.height) + ": " : "") +
           agreement.note;
  return context.emit({{"chain_id", network->chain_id}, {"nodes", nodes}, {"agreement", machine_agreement}}, human);
}

// ---- network add-member ----

struct AddMemberOptions {
  std::string dir;
  std::string municipality;  // ID[:Display Name]
};

// `text` as one word for a POSIX shell.
std::string shell_quoted(const std::string& text) {
  bool plain = !text.empty() && text.find_first_not_of(
                                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_./:=") == std::string::npos;
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

Status check_can_add(const NetworkFolder& folder, const std::string& id) {
  if (!fs::exists(folder.genesis_file()))
    return error(Code::not_found,
                 folder.genesis_file().string() + " does not exist: start the network once with `govchain network up " +
                     folder.root.string() + "` first (a member known before the genesis belongs in `network new`)");
  if (fs::exists(folder.keys_dir(id)))
    return error(Code::already_exists, folder.keys_dir(id).string() + " exists and would be overwritten");
  if (fs::exists(folder.root / "nodes" / (id + ".json")))
    return error(Code::already_exists,
                 (folder.root / "nodes" / (id + ".json")).string() + " exists and would be overwritten");
  return Status();
}

// Writes the member's dev keys, its node config and, last, network.json
// with the node added.
Result<setup::MemberKeys> write_added_member(const NetworkFolder& folder, setup::NetworkDescription& network,
                                             setup::NetworkNode node) {
  GOVCHAIN_ASSIGN_OR_RETURN(
      auto keys, setup::write_member_dev_keys(folder.keys_dir(node.id), node.id, node.display_name, node.id + "/"));
  node.public_key = keys.validator;
  network.nodes.push_back(std::move(node));
  const size_t index = network.nodes.size() - 1;
  GOVCHAIN_TRY(setup::write_text_file(folder.root / network.nodes[index].config_path,
                                      setup::node_config_to_json(setup::node_config_for(network, index))));
  GOVCHAIN_TRY(setup::write_text_file(folder.network_file(), setup::network_to_json(network)));
  return keys;
}

// The command an admin of the first genesis member runs to propose the new
// member's validator.
std::string propose_command(const NetworkFolder& folder, const setup::NetworkDescription& network,
                            const setup::MemberKeys& keys) {
  const setup::NetworkNode proposer = setup::genesis_nodes(network).front();
  return "GOVCHAIN_DEV=1 govchain --node " + rpc_url(proposer.rpc_address) + " --key " +
         shell_quoted((folder.keys_dir(proposer.id) / "admin.json").string()) +
         " validator propose-add --municipality " + keys.id + " --node-key " + keys.validator.hex() + " --name " +
         shell_quoted(keys.display_name) + " --admin " + keys.admin.hex();
}

int network_add_member(Context& context, const AddMemberOptions& options) {
  NetworkFolder folder = folder_of(options.dir);
  auto network = load_network(folder);
  if (!network.ok()) return context.fail(network.status(), "network add-member");
  auto member = setup::parse_member_argument(options.municipality);
  if (!member.ok()) return context.fail(member.status(), "network add-member: reading --municipality");
  auto node = setup::plan_added_member(*network, {member->first, member->second, PublicKey{}});
  if (!node.ok()) return context.fail(node.status(), "network add-member");
  Status allowed = check_can_add(folder, node->id);
  if (!allowed.ok()) return context.fail(allowed, "network add-member refused");
  auto keys = write_added_member(folder, *network, *node);
  if (!keys.ok()) return context.fail(keys.status(), "writing the new member's files");
  const setup::NetworkNode& added = network->nodes.back();
  const size_t members = setup::genesis_nodes(*network).size();
  std::string command = propose_command(folder, *network, *keys);
  json machine = {{"dir", folder.root.string()},
                  {"node", json::parse(setup::network_to_json(*network))["nodes"].back()},
                  {"admin", keys->admin.hex()},
                  {"propose_command", command}};
  std::string human =
      "added member " + added.id + " (" + added.display_name + ") to network " + network->chain_id +
      " as a node outside the genesis\n" + network_table({network->chain_id, {added}}) + "dev keys in " +
      folder.keys_dir(added.id).string() + "; node config " + (folder.root / added.config_path).string() +
      "\nnext steps:\n  1. start its node: govchain network up " + shell_quoted(folder.root.string()) +
      "\n     (the validators refuse its connections until the change is approved; then it syncs)\n"
      "  2. an admin of an existing member proposes its validator, e.g.:\n     " +
      command + "\n  3. more than two thirds of the member municipalities must approve (with the " +
      std::to_string(members) + " genesis members: " + std::to_string(members * 2 / 3 + 1) +
      ", the proposer's included); each other admin runs:\n     govchain --key keys/<member>/admin.json "
      "validator vote ID --approve\n  4. the node validates from the activation height on (`govchain validator "
      "show ID`)";
  return context.emit(machine, human);
}

}  // namespace

void register_network_commands(CLI::App& app, Context& context) {
  CLI::App* network =
      app.add_subcommand("network", "create, start, stop and show a local network of govchaind processes");
  network->require_subcommand(1);

  auto create_options = std::make_shared<NewOptions>();
  CLI::App* create = network->add_subcommand("new", "create a network folder: dev keys, node configs, genesis");
  create->add_option("--out", create_options->out, "the network folder to create")->required();
  create
      ->add_option("--municipality", create_options->municipalities,
                   "a member as ID or ID:Display Name (repeat, in order; ids: a-z, 0-9, '-')")
      ->required();
  create->add_option("--chain-id", create_options->chain_id, "chain id (default: govchain-<folder name>)");
  create->add_option("--base-port", create_options->base_port, "node i gets rpc port BASE+2i and p2p port BASE+2i+1")
      ->capture_default_str();
  create->add_option("--host", create_options->host, "address the nodes listen on")->capture_default_str();
  create->add_option("--contracts", create_options->contracts_dir,
                     "folder of NAME.wasm + NAME.abi.json deployed at genesis (default: the build's contracts)");
  create->callback(context.action([&context, create_options] { return network_new(context, *create_options); }));

  auto up_options = std::make_shared<UpOptions>();
  CLI::App* up = network->add_subcommand("up", "start every node of a network folder that is not running");
  up->add_option("dir", up_options->dir, "the network folder")->required();
  up->add_option("--bin", up_options->binary, "the govchaind program (default: next to govchain)");
  up->add_option("--contracts", up_options->contracts_dir,
                 "contracts for a missing genesis.json (default: the build's)");
  up->add_option("--start-timeout-ms", up_options->start_timeout_ms, "how long to wait for every node's /healthz")
      ->capture_default_str();
  up->callback(context.action([&context, up_options] { return network_up(context, *up_options); }));

  auto down_options = std::make_shared<DownOptions>();
  CLI::App* down = network->add_subcommand("down", "stop every running node of a network folder");
  down->add_option("dir", down_options->dir, "the network folder")->required();
  down->add_flag("--wipe", down_options->wipe, "then delete data/, logs/ and run/ (never keys, configs, genesis)");
  down->add_option("--stop-timeout-ms", down_options->stop_timeout_ms, "wait this long after SIGTERM, then SIGKILL")
      ->capture_default_str();
  down->callback(context.action([&context, down_options] { return network_down(context, *down_options); }));

  auto add_options = std::make_shared<AddMemberOptions>();
  CLI::App* add = network->add_subcommand(
      "add-member", "add a municipality's node to a running network's folder (it joins the validators by vote)");
  add->add_option("dir", add_options->dir, "the network folder (its genesis.json must exist)")->required();
  add->add_option("--municipality", add_options->municipality, "the new member as ID or ID:Display Name")->required();
  add->callback(context.action([&context, add_options] { return network_add_member(context, *add_options); }));

  auto status_dir = std::make_shared<std::string>();
  CLI::App* status = network->add_subcommand("status", "show each node's height, hashes and peers, and agreement");
  status->add_option("dir", *status_dir, "the network folder")->required();
  status->callback(context.action([&context, status_dir] { return network_status(context, *status_dir); }));
}

}  // namespace govchain::cli
