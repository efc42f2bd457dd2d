// govchaind: the govchain node.
//
//   govchaind --dev --data DIR --rpc-addr 127.0.0.1:PORT
//   govchaind --config FILE
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/contract_host_factory.h"
#include "app/dev_setup.h"
#include "app/node.h"
#include "app/replay.h"
#include "core/limits.h"

namespace {

using govchain::Status;

struct Options {
  bool dev = false;
  std::string data_dir;
  std::string rpc_address = "127.0.0.1:26657";
  std::string config_path;
  std::string contracts_dir;
  std::string log_level = "info";
  bool check = false;
  std::string import_from;
  uint64_t rpc_body_size_bytes_max = govchain::limits::rpc_body_size_bytes_max;
  uint64_t rpc_connections_max = govchain::limits::rpc_connections_max;
  uint64_t rpc_timeout_ms = govchain::limits::rpc_timeout_ms;
  govchain::rpc::HttpServerConfig http;  // the defaults of the flags below
  std::vector<std::string> rpc_cors_origins = {"*"};
  uint64_t ready_stale_block_intervals = govchain::rpc::ReadinessPolicy{}.stale_block_intervals;
  uint64_t mempool_size_bytes_max = govchain::limits::mempool_size_bytes_max;
  uint64_t mempool_txs_max = govchain::limits::mempool_txs_max;
  uint64_t mempool_pending_ttl_ms = govchain::mempool::MempoolLimits{}.pending_ttl_ms;
  uint64_t mempool_future_ttl_ms = govchain::mempool::MempoolLimits{}.future_ttl_ms;
};

Status apply_config_file(Options& options, govchain::app::NodeConfig& config) {
  auto text = govchain::app::read_text_file(options.config_path, 1024 * 1024);
  if (!text.ok()) return text.status();
  auto root = nlohmann::json::parse(*text, nullptr, false);
  if (root.is_discarded() || !root.is_object())
    return govchain::error(govchain::Code::malformed, options.config_path + " is not a JSON object");
  try {
    std::filesystem::path base = std::filesystem::path(options.config_path).parent_path();
    auto resolve = [&](const std::string& path) {
      return std::filesystem::path(path).is_absolute() ? path : (base / path).string();
    };
    config.data_dir = resolve(root.at("data_dir").get<std::string>());
    config.genesis_path = resolve(root.at("genesis").get<std::string>());
    config.validator_key_path = resolve(root.at("validator_key").get<std::string>());
    config.http.listen_address = root.value("rpc_addr", options.rpc_address);
    config.dev = root.value("dev_keys", false);
    config.p2p_address = root.value("p2p_addr", config.p2p_address);
    config.empty_block_interval_ms = root.value("empty_block_interval_ms", config.empty_block_interval_ms);
    for (const auto& peer : root.value("peers", nlohmann::json::array())) {
      auto key = govchain::PublicKey::from_hex_string(peer.at("public_key").get<std::string>());
      if (!key.ok())
        return govchain::error(govchain::Code::invalid,
                               options.config_path + ": peer public_key must be 64 hex digits");
      config.peers.push_back({peer.at("address").get<std::string>(), *key});
    }
    for (const auto& observer : root.value("observers", nlohmann::json::array())) {
      auto key = govchain::PublicKey::from_hex_string(observer.get<std::string>());
      if (!key.ok())
        return govchain::error(govchain::Code::invalid,
                               options.config_path + ": observers must be node keys of 64 hex digits");
      config.observers.push_back(*key);
    }
  } catch (const nlohmann::json::exception& failure) {
    return govchain::error(govchain::Code::invalid,
                           options.config_path +
                               ": needs data_dir, genesis and validator_key; peers need address "
                               "and public_key (" +
                               failure.what() + ")");
  }
  return Status();
}

// build/bin/govchaind -> build/contracts, where `make` puts the contracts.
std::string default_contracts_dir(const char* program) {
  std::error_code error_code;
  auto executable = std::filesystem::canonical("/proc/self/exe", error_code);
  if (error_code) executable = std::filesystem::absolute(program);
  auto candidate = executable.parent_path().parent_path() / "contracts";
  return std::filesystem::is_directory(candidate) ? candidate.string() : std::string();
}

int fail(const std::string& message) {
  std::cerr << "govchaind: " << message << "\n";
  return 1;
}

int run_check(const govchain::app::NodeConfig& config) {
  std::filesystem::path genesis_path =
      config.genesis_path.empty() ? config.data_dir / "genesis.json" : config.genesis_path;
  auto text = govchain::app::read_text_file(genesis_path);
  if (!text.ok()) return fail(text.status().to_string());
  auto genesis = govchain::chain::parse_genesis(*text);
  if (!genesis.ok()) return fail(genesis.status().to_string());
  auto report =
      govchain::app::replay_check(config.data_dir, *genesis, govchain::app::make_contract_host(), [](uint64_t height) {
        if (height % 1000 == 0) std::cerr << "checked block " << height << "\n";
      });
  if (!report.ok()) return fail("check FAILED: " + report.status().to_string());
  std::cout << "check passed: " << report->blocks_checked << " blocks and " << report->txs_replayed
            << " transactions re-executed; state root " << report->final_state_root.hex() << " matches" << std::endl;
  return 0;
}

int run_import(const govchain::app::NodeConfig& config, const std::string& source_dir) {
  auto node = govchain::app::Node::open(config, govchain::app::make_contract_host());
  if (!node.ok()) return fail(node.status().to_string());
  auto report = govchain::app::import_blocks(**node, source_dir);
  if (!report.ok()) return fail("import FAILED: " + report.status().to_string());
  std::cout << "imported " << report->blocks_imported << " blocks from " << source_dir << ", executed "
            << report->txs_executed << " transactions here; state root " << report->final_state_root.hex() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"govchaind: the govchain node"};
  Options options;
  cli.add_flag("--dev", options.dev, "run a single-validator development chain (creates keys and genesis in --data)");
  cli.add_option("--data", options.data_dir, "data directory");
  cli.add_option("--rpc-addr", options.rpc_address, "HTTP API listen address host:port")->capture_default_str();
  cli.add_option("--config", options.config_path, "node configuration file (JSON)");
  cli.add_option(
      "--contracts", options.contracts_dir,
      "dev mode: folder of NAME.wasm + NAME.abi.json deployed at genesis (default: the build's contracts folder)");
  cli.add_flag("--check", options.check,
               "re-execute every stored block from genesis with every check a received block gets (header, "
               "signatures, limits, state and receipts roots, certificate), then exit (node must be stopped)");
  cli.add_option("--import-from", options.import_from,
                 "execute the blocks of a stopped node's data directory (same genesis) on this node's own state, "
                 "refusing any block whose state or receipts root differs, then exit");
  cli.add_option("--rpc-body-max-bytes", options.rpc_body_size_bytes_max, "largest HTTP request body")
      ->capture_default_str();
  cli.add_option("--rpc-connections-max", options.rpc_connections_max, "open HTTP connections at most")
      ->capture_default_str();
  cli.add_option("--rpc-timeout-ms", options.rpc_timeout_ms,
                 "time a client has to send a whole request, and to read an answer")
      ->capture_default_str();
  cli.add_option("--rpc-connections-per-ip-max", options.http.connections_per_address_max,
                 "open HTTP connections of one client address (IPv4, or IPv6 /64) at most")
      ->capture_default_str();
  cli.add_option("--rpc-requests-per-second-per-ip", options.http.requests_per_second_per_address,
                 "HTTP requests per second of one client address (0: no limit)")
      ->capture_default_str();
  cli.add_option("--rpc-header-timeout-ms", options.http.header_timeout_ms,
                 "time a client has to send a request's header; keep-alive idle limit")
      ->capture_default_str();
  cli.add_option("--rpc-worker-threads", options.http.worker_threads, "threads that run the API's handlers")
      ->capture_default_str();
  cli.add_option("--rpc-websocket-per-ip-max", options.http.websocket_subscribers_per_address_max,
                 "WebSocket subscribers of one client address at most")
      ->capture_default_str();
  cli.add_option("--rpc-cors-origin", options.rpc_cors_origins,
                 "origin whose browser pages may call the read routes (repeat; * for any, none for no CORS)")
      ->capture_default_str();
  cli.add_option("--ready-stale-block-intervals", options.ready_stale_block_intervals,
                 "GET /readyz fails when the chain made no block for this many block intervals")
      ->capture_default_str();
  cli.add_option("--mempool-max-bytes", options.mempool_size_bytes_max, "bytes of waiting transactions at most")
      ->capture_default_str();
  cli.add_option("--mempool-max-txs", options.mempool_txs_max, "waiting transactions at most")->capture_default_str();
  cli.add_option("--mempool-pending-ttl-ms", options.mempool_pending_ttl_ms, "a waiting transaction is dropped after")
      ->capture_default_str();
  cli.add_option("--mempool-future-ttl-ms", options.mempool_future_ttl_ms,
                 "a transaction behind a nonce gap is dropped after")
      ->capture_default_str();
  cli.add_option("--log-level", options.log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  spdlog::set_level(spdlog::level::from_str(options.log_level));

  govchain::app::NodeConfig config;
  config.http = options.http;
  config.http.listen_address = options.rpc_address;
  config.http.cors_allowed_origins = options.rpc_cors_origins;
  std::erase(config.http.cors_allowed_origins, std::string("none"));
  config.readiness.stale_block_intervals = options.ready_stale_block_intervals;
  config.http.body_size_bytes_max = options.rpc_body_size_bytes_max;
  config.http.connections_max = options.rpc_connections_max;
  config.http.timeout_ms = options.rpc_timeout_ms;
  config.mempool.size_bytes_max = options.mempool_size_bytes_max;
  config.mempool.txs_max = options.mempool_txs_max;
  config.mempool.pending_ttl_ms = options.mempool_pending_ttl_ms;
  config.mempool.future_ttl_ms = options.mempool_future_ttl_ms;
  if (!options.config_path.empty()) {
    Status loaded = apply_config_file(options, config);
    if (!loaded.ok()) return fail(loaded.to_string());
  } else if (options.dev) {
    if (options.data_dir.empty()) return fail("--dev needs --data DIR");
    if (options.contracts_dir.empty()) options.contracts_dir = default_contracts_dir(argv[0]);
    Status prepared = govchain::app::ensure_dev_data_dir(options.data_dir, options.contracts_dir);
    if (!prepared.ok()) return fail(prepared.to_string());
    config.data_dir = options.data_dir;
    config.dev = true;
  } else {
    return fail("give --dev --data DIR for a development chain, or --config FILE (see docs/operations.md)");
  }
  if (const char* passphrase = std::getenv("GOVCHAIN_KEY_PASSPHRASE")) config.key_passphrase = passphrase;

  if (options.check) return run_check(config);
  if (!options.import_from.empty()) return run_import(config, options.import_from);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto node = govchain::app::Node::open(config, govchain::app::make_contract_host());
  if (!node.ok()) return fail(node.status().to_string());
  Status started = (*node)->start();
  if (!started.ok()) return fail(started.to_string());
  std::cout << "govchaind: chain " << (*node)->chain_id() << " at height " << (*node)->head().height
            << ", API on http://127.0.0.1:" << (*node)->rpc_port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {} received, stopping", received);
  (*node)->stop();
  return 0;
}
