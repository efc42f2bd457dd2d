#include "app/node_settings.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>

#include "rpc/health.h"
#include "rpc/json_shape.h"
#include "setup/network_layout.h"
#include "setup/setup_files.h"

namespace govchain::app {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr size_t path_size_bytes_max = 4096;
constexpr size_t text_value_size_bytes_max = 1024 * 1024;  // a peers list in an environment variable
constexpr const char* environment_prefix = "GOVCHAIND_";

enum class Kind { path, address, number, text, choice, flag, peers, node_keys, text_list };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::path:
      return "path";
    case Kind::address:
      return "address";
    case Kind::number:
      return "number";
    case Kind::text:
      return "text";
    case Kind::choice:
      return "choice";
    case Kind::flag:
      return "flag";
    case Kind::peers:
      return "peers";
    case Kind::node_keys:
      return "node keys";
    case Kind::text_list:
      return "text list";
  }
  return "?";
}

// One setting: its name, how its values are checked, and the NodeSettings
// member it reads and writes. `set` gets values that passed check_value().
struct Spec {
  std::string name;
  Kind kind = Kind::text;
  std::string help;
  uint64_t minimum = 0;
  uint64_t maximum = 0;
  std::vector<std::string> choices;
  std::vector<std::string> legacy_flags;
  std::function<json(const NodeSettings&)> get;
  std::function<void(NodeSettings&, const json&)> set;
};

// The member of `settings` reached through `Path`, pointers to members
// outermost first: member_of<&NodeSettings::node, &NodeConfig::http,
// &rpc::HttpServerConfig::timeout_ms>(settings) is
// settings.node.http.timeout_ms (a fold over operator .*).
template <auto... Path, typename Settings>
auto& member_of(Settings& settings) {
  return (settings.*....*Path);
}

template <auto... Path>
Spec number(std::string name, uint64_t minimum, uint64_t maximum, std::string help,
            std::vector<std::string> legacy_flags = {}) {
  Spec spec{std::move(name), Kind::number, std::move(help), minimum, maximum, {}, std::move(legacy_flags), {}, {}};
  spec.get = [](const NodeSettings& settings) { return json(static_cast<uint64_t>(member_of<Path...>(settings))); };
  spec.set = [](NodeSettings& settings, const json& value) {
    auto& field = member_of<Path...>(settings);
    field = static_cast<std::remove_cvref_t<decltype(field)>>(value.get<uint64_t>());
  };
  return spec;
}

// A string or path member.
template <auto... Path>
Spec text(Kind kind, std::string name, std::string help, std::vector<std::string> choices = {},
          std::vector<std::string> legacy_flags = {}) {
  Spec spec{std::move(name), kind, std::move(help), 0, 0, std::move(choices), std::move(legacy_flags), {}, {}};
  spec.get = [](const NodeSettings& settings) {
    const auto& field = member_of<Path...>(settings);
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(field)>, fs::path>)
      return json(field.string());
    else
      return json(field);
  };
  spec.set = [](NodeSettings& settings, const json& value) { member_of<Path...>(settings) = value.get<std::string>(); };
  return spec;
}

// A list of short words (origins, names): at most 64, each 1 to 256
// printable characters without spaces.
template <auto... Path>
Spec text_list(std::string name, std::string help, std::vector<std::string> legacy_flags = {}) {
  Spec spec{std::move(name), Kind::text_list, std::move(help), 0, 0, {}, std::move(legacy_flags), {}, {}};
  spec.get = [](const NodeSettings& settings) { return json(member_of<Path...>(settings)); };
  spec.set = [](NodeSettings& settings, const json& value) {
    member_of<Path...>(settings) = value.get<std::vector<std::string>>();
  };
  return spec;
}

Spec dev_keys_setting() {
  Spec spec{"dev_keys", Kind::flag, "accept plaintext dev key files (development networks only)", 0, 0, {}, {}, {}, {}};
  spec.get = [](const NodeSettings& settings) { return json(settings.node.dev); };
  spec.set = [](NodeSettings& settings, const json& value) { settings.node.dev = value.get<bool>(); };
  return spec;
}

Spec metrics_on_api_port_setting() {
  Spec spec{"metrics_on_api_port",
            Kind::flag,
            "serve GET /metrics on the API port too (default: true with dev_keys, else false)",
            0,
            0,
            {},
            {},
            {},
            {}};
  spec.get = [](const NodeSettings& settings) { return json(settings.node.metrics_on_api_port); };
  spec.set = [](NodeSettings& settings, const json& value) { settings.node.metrics_on_api_port = value.get<bool>(); };
  return spec;
}

Spec peers_setting() {
  Spec spec{
      "peers", Kind::peers, "the other validators: [{\"address\": \"host:port\", \"public_key\": \"<64 hex>\"}, ...]",
      0,       0,           {},
      {},      {},          {}};
  spec.get = [](const NodeSettings& settings) {
    json peers = json::array();
    for (const auto& peer : settings.node.peers)
      peers.push_back({{"address", peer.address}, {"public_key", peer.public_key.hex()}});
    return peers;
  };
  spec.set = [](NodeSettings& settings, const json& value) {
    settings.node.peers.clear();
    for (const auto& peer : value)
      settings.node.peers.push_back(
          {peer["address"].get<std::string>(), *PublicKey::from_hex_string(peer["public_key"].get<std::string>())});
  };
  return spec;
}

Spec observers_setting() {
  Spec spec{
      "observers", Kind::node_keys, "node keys (64 hex) of non-voting nodes this validator admits", 0, 0, {}, {}, {},
      {}};
  spec.get = [](const NodeSettings& settings) {
    json keys = json::array();
    for (const auto& key : settings.node.observers) keys.push_back(key.hex());
    return keys;
  };
  spec.set = [](NodeSettings& settings, const json& value) {
    settings.node.observers.clear();
    for (const auto& key : value)
      settings.node.observers.push_back(*PublicKey::from_hex_string(key.get<std::string>()));
  };
  return spec;
}

Spec state_sync_setting() {
  Spec spec{
      "state_sync",
      Kind::flag,
      "an empty data folder joins by state sync from `peers` instead of executing every block (docs/operations.md)",
      0,
      0,
      {},
      {},
      {},
      {}};
  spec.get = [](const NodeSettings& settings) { return json(settings.node.state_sync.enabled); };
  spec.set = [](NodeSettings& settings, const json& value) { settings.node.state_sync.enabled = value.get<bool>(); };
  return spec;
}

void add_state_sync_settings(std::vector<Spec>& specs) {
  specs.push_back(state_sync_setting());
  specs.push_back(number<&NodeSettings::node, &NodeConfig::state_sync, &StateSyncSettings::trust_height>(
      "state_sync_trust_height", 0, std::numeric_limits<int64_t>::max(),
      "a block height the operator trusts for state sync (0: trust the genesis validator set)"));
  specs.push_back(text<&NodeSettings::node, &NodeConfig::state_sync, &StateSyncSettings::trust_hash>(
      Kind::text, "state_sync_trust_hash", "that block's hash, 64 hex digits (empty with height 0)"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::state_sync, &StateSyncSettings::timeout_ms>(
      "state_sync_timeout_ms", 10'000, 86'400'000, "the whole state sync at most (then it resumes at the next start)"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::prune_blocks_keep>(
      "prune_blocks_keep", 0, std::numeric_limits<int64_t>::max(),
      "keep only the newest this many blocks with their receipts (0: every block; else at least 16)"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::state_sync, &StateSyncSettings::request_timeout_ms>(
      "state_sync_request_timeout_ms", 100, 600'000,
      "a peer that does not answer a state request within this is dropped"));
}

void add_node_settings(std::vector<Spec>& specs) {
  specs.push_back(text<&NodeSettings::node, &NodeConfig::data_dir>(
      Kind::path, "data_dir", "the node's database folder (created on first start)", {}, {"--data"}));
  specs.push_back(text<&NodeSettings::node, &NodeConfig::genesis_path>(
      Kind::path, "genesis", "the genesis file (default: DATA_DIR/genesis.json)"));
  specs.push_back(text<&NodeSettings::node, &NodeConfig::validator_key_path>(
      Kind::path, "validator_key", "the node key file (default: DATA_DIR/keys/validator.json)"));
  specs.push_back(text<&NodeSettings::validator_key_passphrase_file>(
      Kind::path, "validator_key_passphrase_file",
      "a file holding the validator key's passphrase (else the systemd credential govchain-key-passphrase)"));
  specs.push_back(dev_keys_setting());
  specs.push_back(number<&NodeSettings::node, &NodeConfig::empty_block_interval_ms>(
      "empty_block_interval_ms", 10, 3'600'000, "with no transaction waiting, a proposer makes an empty block after"));
  specs.push_back(text<&NodeSettings::node, &NodeConfig::signing_state_path>(
      Kind::path, "signing_state_file",
      "the double-sign guard's record of the last signed vote (default: DATA_DIR/signing-state.json)"));
  specs.push_back(text<&NodeSettings::node, &NodeConfig::admin_socket_path>(
      Kind::path, "admin_socket",
      "Unix socket (mode 0600) on which govchaind backup asks the node (default: DATA_DIR/admin.sock)"));
  specs.push_back(text<&NodeSettings::node, &NodeConfig::metrics_address>(
      Kind::address, "metrics_addr",
      "GET /metrics listen address host:port, off the API port (empty: none; default empty with dev_keys)"));
  specs.push_back(metrics_on_api_port_setting());
}

// The HTTP server's per-address limits, its worker pool, CORS and the
// readiness rule of GET /readyz (docs/api.md, "Limits").
void add_rpc_client_limit_settings(std::vector<Spec>& specs) {
  using rpc::HttpServerConfig;
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::header_timeout_ms>(
      "rpc_header_timeout_ms", 100, 3'600'000, "time a client has to send a request's header; keep-alive idle limit"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::connections_per_address_max>(
      "rpc_connections_per_address_max", 1, 1'000'000,
      "open HTTP connections of one client address (IPv4, or IPv6 /64) at most", {"--rpc-connections-per-ip-max"}));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::idle_evictable_after_ms>(
      "rpc_idle_evictable_after_ms", 0, 3'600'000,
      "with every slot taken, a connection waiting this long for a header makes room"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::requests_per_second_per_address>(
      "rpc_requests_per_second_per_address", 0, 1'000'000'000,
      "HTTP requests per second of one client address (0: no limit)", {"--rpc-requests-per-second-per-ip"}));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::request_burst_per_address>(
      "rpc_request_burst_per_address", 1, 1'000'000'000, "requests one client address may send at once"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::worker_threads>(
      "rpc_worker_threads", 1, 256, "threads that run the API's handlers"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::worker_queue_max>(
      "rpc_worker_queue_max", 1, 1'000'000, "requests waiting for a worker at most (then 503)"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::worker_jobs_per_address_max>(
      "rpc_worker_jobs_per_address_max", 1, 1'000'000, "requests of one client address waiting for a worker at most"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::worker_queue_wait_ms_max>(
      "rpc_worker_queue_wait_ms_max", 1, 3'600'000, "a request waiting longer for a worker gets 503"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::bodies_in_flight_size_bytes_max>(
      "rpc_bodies_in_flight_size_bytes_max", 1024 * 1024, 64ull * 1024 * 1024 * 1024,
      "bytes of request bodies being received at once, all clients together"));
  specs.push_back(
      number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::json_shape, &rpc::JsonShapeLimits::depth_max>(
          "rpc_json_depth_max", 1, 10'000, "nesting depth of a JSON request body at most"));
  specs.push_back(
      number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::json_shape, &rpc::JsonShapeLimits::values_max>(
          "rpc_json_values_max", 1, 100'000'000, "values in a JSON request body at most"));
  specs.push_back(
      number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::websocket_subscribers_per_address_max>(
          "rpc_websocket_subscribers_per_address_max", 0, 1'000'000,
          "WebSocket subscribers of one client address at most", {"--rpc-websocket-per-ip-max"}));
  specs.push_back(text_list<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::cors_allowed_origins>(
      "rpc_cors_origins", "origins whose browser pages may call the read routes ([\"*\"]: any, []: no CORS)",
      {"--rpc-cors-origin"}));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::readiness, &rpc::ReadinessPolicy::stale_block_intervals>(
      "ready_stale_block_intervals", 1, 1'000'000,
      "GET /readyz fails when the chain made no block for this many block intervals"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::readiness, &rpc::ReadinessPolicy::stale_after_ms_min>(
      "ready_stale_after_ms_min", 0, 86'400'000, "and never sooner than this"));
}

void add_rpc_settings(std::vector<Spec>& specs) {
  using rpc::HttpServerConfig;
  specs.push_back(text<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::listen_address>(
      Kind::address, "rpc_addr", "HTTP API listen address host:port (port 0: any free port)"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::threads>(
      "rpc_threads", 1, 64, "threads serving the HTTP API"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::body_size_bytes_max>(
      "rpc_body_size_bytes_max", 1024, 256ull * 1024 * 1024, "largest HTTP request body", {"--rpc-body-max-bytes"}));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::header_size_bytes_max>(
      "rpc_header_size_bytes_max", 1024, 1024 * 1024, "largest HTTP request line and header fields together"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::connections_max>(
      "rpc_connections_max", 1, 1'000'000, "open HTTP and WebSocket connections at most"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::timeout_ms>(
      "rpc_timeout_ms", 100, 3'600'000, "time a client has to send a whole request, and to read an answer"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::websocket_subscribers_max>(
      "rpc_websocket_subscribers_max", 0, 1'000'000, "WebSocket event subscribers at most"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::websocket_queue_messages_max>(
      "rpc_websocket_queue_messages_max", 1, 1'000'000, "messages queued for one subscriber at most"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::websocket_queue_size_bytes_max>(
      "rpc_websocket_queue_size_bytes_max", 64 * 1024, 4ull * 1024 * 1024 * 1024,
      "bytes queued for one subscriber at most"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::websocket_message_size_bytes_max>(
      "rpc_websocket_message_size_bytes_max", 1024, 16 * 1024 * 1024, "largest message a subscriber may send"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::http, &HttpServerConfig::websocket_idle_timeout_ms>(
      "rpc_websocket_idle_timeout_ms", 1000, 86'400'000, "a silent subscriber is disconnected after"));
  add_rpc_client_limit_settings(specs);
}

void add_mempool_settings(std::vector<Spec>& specs) {
  using mempool::MempoolLimits;
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::size_bytes_max>(
      "mempool_size_bytes_max", 1024 * 1024, 64ull * 1024 * 1024 * 1024, "bytes of waiting transactions at most",
      {"--mempool-max-bytes"}));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::txs_max>(
      "mempool_txs_max", 1, 10'000'000, "waiting transactions at most", {"--mempool-max-txs"}));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::pending_ttl_ms>(
      "mempool_pending_ttl_ms", 1000, 86'400'000, "a waiting transaction is dropped after"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::future_ttl_ms>(
      "mempool_future_ttl_ms", 1000, 86'400'000, "a transaction behind a nonce gap is dropped after"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::account_txs_max>(
      "mempool_account_txs_max", 1, 100'000, "waiting transactions of one account at most"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::account_size_bytes_max>(
      "mempool_account_size_bytes_max", 1024, 1024ull * 1024 * 1024, "bytes of one account's waiting transactions"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::municipality_share_percent>(
      "mempool_municipality_share_percent", 1, 100, "share of the pool one municipality's role holders may fill"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::attested_share_percent>(
      "mempool_attested_share_percent", 1, 100, "share of the pool all attested keys together may fill"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::unknown_share_percent>(
      "mempool_unknown_share_percent", 0, 100, "share of the pool all unknown keys together may fill"));
  specs.push_back(number<&NodeSettings::node, &NodeConfig::mempool, &MempoolLimits::reserved_share_percent>(
      "mempool_reserved_share_percent", 0, 90, "share of the pool kept for validators and admins"));
}

void add_p2p_and_log_settings(std::vector<Spec>& specs) {
  specs.push_back(text<&NodeSettings::node, &NodeConfig::p2p_address>(
      Kind::address, "p2p_addr", "p2p listen address host:port (validators with more than one in the genesis)"));
  specs.push_back(peers_setting());
  specs.push_back(observers_setting());
  add_state_sync_settings(specs);
  specs.push_back(
      text<&NodeSettings::log, &LogSettings::level>(Kind::choice, "log_level", "least severe level logged",
                                                    {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  specs.push_back(text<&NodeSettings::log, &LogSettings::format>(
      Kind::choice, "log_format", "text, or json (one object per line)", {"text", "json"}));
  specs.push_back(text<&NodeSettings::log, &LogSettings::file>(
      Kind::path, "log_file", "log to this file, rotated, instead of standard output (empty: standard output)"));
  specs.push_back(number<&NodeSettings::log, &LogSettings::file_size_bytes_max>(
      "log_file_size_bytes_max", 64 * 1024, 4ull * 1024 * 1024 * 1024, "the log file is rotated at this size"));
  specs.push_back(number<&NodeSettings::log, &LogSettings::files_max>("log_files_max", 1, 1000,
                                                                      "rotated log files kept beside the current one"));
}

// The table, in the order --print-config and docs/operations.md list it.
const std::vector<Spec>& setting_specs() {
  static const std::vector<Spec> specs = [] {
    std::vector<Spec> all;
    add_node_settings(all);
    add_rpc_settings(all);
    add_mempool_settings(all);
    add_p2p_and_log_settings(all);
    return all;
  }();
  return specs;
}

const Spec* find_spec(std::string_view name) {
  for (const auto& spec : setting_specs())
    if (spec.name == name) return &spec;
  return nullptr;
}

std::vector<std::string> setting_names() {
  std::vector<std::string> names;
  for (const auto& spec : setting_specs()) names.push_back(spec.name);
  return names;
}

std::string source_text(const SettingOrigin& origin) {
  switch (origin.source) {
    case SettingSource::default_value:
      return origin.where.empty() ? "default" : "default (" + origin.where + ")";
    case SettingSource::file:
      return "file " + origin.where;
    case SettingSource::environment:
      return "environment " + origin.where;
    case SettingSource::command_line:
      return "command line " + origin.where;
  }
  return "?";
}

// ---- checking values ----

Status check_address(const std::string& address, const std::string& where) {
  const std::string usage = where + " must be host:port, e.g. 127.0.0.1:26657 or [::1]:26657, not '" + address + "'";
  size_t colon = address.rfind(':');
  if (address.size() > 300 || colon == std::string::npos || colon == 0) return error(Code::invalid_argument, usage);
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    return error(Code::invalid_argument, usage + " (the port is 0 to 65535)");
  bool bracketed = host.front() == '[';
  if (bracketed && (host.size() < 3 || host.back() != ']')) return error(Code::invalid_argument, usage);
  std::string_view forbidden = bracketed ? " \t\r\n/" : " \t\r\n/[]:";
  if (host.find_first_of(forbidden) != std::string::npos) return error(Code::invalid_argument, usage);
  return Status();
}

Result<PublicKey> check_node_key(const json& value, const std::string& where) {
  if (!value.is_string()) return error(Code::invalid_argument, where + " must be a node key of 64 hex digits");
  auto key = PublicKey::from_hex_string(value.get<std::string>());
  if (!key.ok()) return error(Code::invalid_argument, where + " must be a node key of 64 hex digits");
  return key;
}

Status check_peers(const json& value, const std::string& where) {
  if (!value.is_array() || value.size() > setup::network_members_max)
    return error(Code::invalid_argument, where + " must be a list of at most " +
                                             std::to_string(setup::network_members_max) +
                                             " peers {\"address\": \"host:port\", \"public_key\": \"<64 hex>\"}");
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string entry = where + "[" + std::to_string(i) + "]";
    if (!value[i].is_object())
      return error(Code::invalid_argument, entry + " must be {\"address\": ..., \"public_key\": ...}");
    for (const auto& [key, field] : value[i].items())
      if (key != "address" && key != "public_key") {
        std::string nearest = nearest_name(key, {"address", "public_key"});
        return error(Code::invalid_argument, entry + ": unknown field '" + key + "'" +
                                                 (nearest.empty() ? "" : "; did you mean '" + nearest + "'?"));
      }
    if (!value[i].contains("address") || !value[i]["address"].is_string())
      return error(Code::invalid_argument, entry + ".address must be host:port");
    GOVCHAIN_TRY(check_address(value[i]["address"].get<std::string>(), entry + ".address"));
    if (!value[i].contains("public_key")) return error(Code::invalid_argument, entry + " needs its public_key");
    GOVCHAIN_TRY(check_node_key(value[i]["public_key"], entry + ".public_key").status());
  }
  return Status();
}

Status check_node_keys(const json& value, const std::string& where) {
  if (!value.is_array() || value.size() > setup::network_members_max)
    return error(Code::invalid_argument, where + " must be a list of at most " +
                                             std::to_string(setup::network_members_max) + " node keys (64 hex)");
  for (size_t i = 0; i < value.size(); ++i)
    GOVCHAIN_TRY(check_node_key(value[i], where + "[" + std::to_string(i) + "]").status());
  return Status();
}

Status check_text_list(const json& value, const std::string& where) {
  const std::string usage = where + " must be a list of at most 64 words of 1 to 256 printable characters";
  if (!value.is_array() || value.size() > 64) return error(Code::invalid_argument, usage);
  for (const auto& entry : value) {
    if (!entry.is_string()) return error(Code::invalid_argument, usage);
    const std::string& text = entry.get_ref<const std::string&>();
    if (text.empty() || text.size() > 256) return error(Code::invalid_argument, usage);
    for (char c : text)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
        return error(Code::invalid_argument, usage + ", without spaces or control characters");
  }
  return Status();
}

std::string number_range(const Spec& spec) {
  return std::to_string(spec.minimum) + ".." + std::to_string(spec.maximum);
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string joined;
  for (const auto& word : words) joined += (joined.empty() ? "" : std::string(separator)) + word;
  return joined;
}

// Checks `value` for `spec` and returns it as the member takes it: paths
// resolved against `base`. `where` names the place for messages.
Result<json> check_value(const Spec& spec, const json& value, const fs::path& base, const std::string& where) {
  switch (spec.kind) {
    case Kind::number:
      if (!value.is_number_unsigned() || value.get<uint64_t>() < spec.minimum || value.get<uint64_t>() > spec.maximum)
        return error(Code::invalid_argument,
                     where + " must be a whole number from " + number_range(spec) + ", not " + value.dump());
      return value;
    case Kind::flag:
      if (!value.is_boolean())
        return error(Code::invalid_argument, where + " must be true or false, not " + value.dump());
      return value;
    case Kind::peers:
      GOVCHAIN_TRY(check_peers(value, where));
      return value;
    case Kind::node_keys:
      GOVCHAIN_TRY(check_node_keys(value, where));
      return value;
    case Kind::text_list:
      GOVCHAIN_TRY(check_text_list(value, where));
      return value;
    default:
      break;
  }
  if (!value.is_string()) return error(Code::invalid_argument, where + " must be a string, not " + value.dump());
  std::string text = value.get<std::string>();
  if (text.find('\0') != std::string::npos) return error(Code::invalid_argument, where + " contains a NUL character");
  if (spec.kind == Kind::choice && std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end())
    return error(Code::invalid_argument,
                 where + " must be one of " + join(spec.choices, ", ") + ", not '" + text + "'");
  // An empty metrics_addr turns the metrics listener off.
  if (spec.kind == Kind::address && !(spec.name == "metrics_addr" && text.empty()))
    GOVCHAIN_TRY(check_address(text, where));
  if (spec.kind == Kind::path) {
    if (text.size() > path_size_bytes_max)
      return error(Code::invalid_argument, where + " is longer than " + std::to_string(path_size_bytes_max) + " bytes");
    if (!text.empty() && fs::path(text).is_relative()) text = (base / text).lexically_normal().string();
  }
  return json(text);
}

// An environment or command-line value as JSON, by the setting's kind.
Result<json> value_from_text(const Spec& spec, const std::string& text, const std::string& where) {
  if (text.size() > text_value_size_bytes_max)
    return error(Code::invalid_argument,
                 where + " is longer than " + std::to_string(text_value_size_bytes_max) + " bytes");
  switch (spec.kind) {
    case Kind::number: {
      uint64_t number = 0;
      auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (text.empty() || failure != std::errc() || end != text.data() + text.size())
        return error(Code::invalid_argument,
                     where + " must be a whole number from " + number_range(spec) + ", not '" + text + "'");
      return json(number);
    }
    case Kind::flag:
      if (text == "true" || text == "1" || text == "yes" || text == "on") return json(true);
      if (text == "false" || text == "0" || text == "no" || text == "off") return json(false);
      return error(Code::invalid_argument, where + " must be true or false, not '" + text + "'");
    case Kind::text_list: {
      if (!text.empty() && text.front() == '[') {
        json parsed = json::parse(text, nullptr, false);
        if (parsed.is_discarded()) return error(Code::invalid_argument, where + " is not a JSON list");
        return parsed;
      }
      // "none" is the empty list; else a comma-separated list.
      json words = json::array();
      if (text == "none") return words;
      for (size_t start = 0; start <= text.size();) {
        size_t comma = std::min(text.find(',', start), text.size());
        words.push_back(text.substr(start, comma - start));
        start = comma + 1;
      }
      return words;
    }
    case Kind::peers:
    case Kind::node_keys: {
      json parsed = json::parse(text, nullptr, false);
      if (!parsed.is_discarded()) return parsed;
      if (spec.kind == Kind::peers)
        return error(Code::invalid_argument, where + " must be a JSON list of {\"address\", \"public_key\"}");
      // Node keys may also be given as a comma-separated list.
      json keys = json::array();
      for (size_t start = 0; start <= text.size();) {
        size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start) keys.push_back(text.substr(start, comma - start));
        start = comma + 1;
      }
      return keys;
    }
    default:
      return json(text);
  }
}

// ---- the three places ----

// Parses the file's text, refusing a key given twice (JSON allows it and
// the last one would silently win).
Result<json> parse_config_text(const std::string& text, const std::string& path) {
  std::set<std::string> top_level_keys;
  std::string duplicate;
  json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !top_level_keys.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  json root = json::parse(text, callback, false);
  if (root.is_discarded() || !root.is_object())
    return error(Code::malformed, path + " is not a JSON object (docs/operations.md shows the format)");
  if (!duplicate.empty()) return error(Code::invalid_argument, path + ": '" + duplicate + "' is given twice");
  return root;
}

Status apply_file(const SettingsInput& input, LoadedSettings& loaded) {
  const std::string path = input.config_path.string();
  GOVCHAIN_ASSIGN_OR_RETURN(json root, parse_config_text(input.config_text, path));
  std::error_code ignored;
  fs::path base = fs::absolute(input.config_path, ignored).parent_path();
  for (const auto& [key, value] : root.items()) {
    const Spec* spec = find_spec(key);
    if (spec == nullptr) {
      std::string nearest = nearest_name(key, setting_names());
      return error(Code::invalid_argument, path + ": unknown setting '" + key + "'" +
                                               (nearest.empty() ? "" : "; did you mean '" + nearest + "'?") +
                                               " (govchaind --help and docs/operations.md list every setting)");
    }
    GOVCHAIN_ASSIGN_OR_RETURN(json checked, check_value(*spec, value, base, path + ": " + key));
    spec->set(loaded.settings, checked);
    loaded.origins[spec->name] = {SettingSource::file, path};
  }
  return Status();
}

Status apply_environment(const SettingsInput& input, LoadedSettings& loaded) {
  std::vector<std::string> known;
  for (const auto& name : setting_names()) known.push_back(environment_name(name));
  known.push_back(config_environment_variable);
  for (const auto& [name, text] : input.environment) {
    if (name.rfind(environment_prefix, 0) != 0 || name == config_environment_variable) continue;
    std::string setting = name.substr(std::string_view(environment_prefix).size());
    std::transform(setting.begin(), setting.end(), setting.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const Spec* spec = environment_name(setting) == name ? find_spec(setting) : nullptr;
    if (spec == nullptr) {
      std::string nearest = nearest_name(name, known);
      return error(Code::invalid_argument, "unknown environment variable " + name +
                                               (nearest.empty() ? "" : "; did you mean " + nearest + "?") +
                                               " (every GOVCHAIND_* variable must name a setting)");
    }
    GOVCHAIN_ASSIGN_OR_RETURN(json value, value_from_text(*spec, text, name));
    GOVCHAIN_ASSIGN_OR_RETURN(json checked, check_value(*spec, value, input.working_dir, name));
    spec->set(loaded.settings, checked);
    loaded.origins[spec->name] = {SettingSource::environment, name};
  }
  return Status();
}

Status apply_command_line(const SettingsInput& input, LoadedSettings& loaded) {
  for (const auto& item : input.command_line) {
    const Spec* spec = find_spec(item.setting);
    if (spec == nullptr) return error(Code::internal, "no setting '" + item.setting + "' for " + item.flag);
    GOVCHAIN_ASSIGN_OR_RETURN(json value, value_from_text(*spec, item.text, item.flag));
    GOVCHAIN_ASSIGN_OR_RETURN(json checked, check_value(*spec, value, input.working_dir, item.flag));
    spec->set(loaded.settings, checked);
    loaded.origins[spec->name] = {SettingSource::command_line, item.flag};
  }
  return Status();
}

// Rules between settings, and the paths that default to data_dir.
Status finish(LoadedSettings& loaded) {
  NodeConfig& node = loaded.settings.node;
  if (node.data_dir.empty())
    return error(Code::invalid_argument,
                 "data_dir is not set: give it in the configuration file (--config FILE), as GOVCHAIND_DATA_DIR or "
                 "as --data-dir DIR (docs/operations.md)");
  if (node.genesis_path.empty()) {
    node.genesis_path = node.data_dir / "genesis.json";
    loaded.origins["genesis"].where = "in data_dir";
  }
  if (node.validator_key_path.empty()) {
    node.validator_key_path = node.data_dir / "keys" / "validator.json";
    loaded.origins["validator_key"].where = "in data_dir";
  }
  if (node.signing_state_path.empty()) {
    node.signing_state_path = node.data_dir / "signing-state.json";
    loaded.origins["signing_state_file"].where = "in data_dir";
  }
  if (node.admin_socket_path.empty()) {
    node.admin_socket_path = node.data_dir / "admin.sock";
    loaded.origins["admin_socket"].where = "in data_dir";
  }
  // Development chains and networks (plaintext dev keys) run several nodes
  // on one machine and read /metrics on the API port; production nodes
  // keep it off the public port on a listener of their own.
  if (node.dev && loaded.origins["metrics_addr"].source == SettingSource::default_value) {
    node.metrics_address.clear();
    loaded.origins["metrics_addr"].where = "none with dev_keys";
  }
  if (node.dev && loaded.origins["metrics_on_api_port"].source == SettingSource::default_value) {
    node.metrics_on_api_port = true;
    loaded.origins["metrics_on_api_port"].where = "true with dev_keys";
  }
  return Status();
}

}  // namespace

std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: insertions, deletions, substitutions
  // and swaps of neighbours each cost one.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  // The words of a name in sorted order: "mempool_max_txs" and
  // "mempool_txs_max" have the same, a likely slip.
  auto sorted_words = [](std::string_view text) {
    std::vector<std::string> words;
    for (size_t start = 0; start <= text.size();) {
      size_t end = std::min(text.find('_', start), text.size());
      words.emplace_back(text.substr(start, end - start));
      start = end + 1;
    }
    std::sort(words.begin(), words.end());
    return words;
  };
  // A name of hundreds of characters is no typo; the distance is quadratic.
  if (name.size() > 200) return {};
  for (const auto& candidate : candidates)
    if (candidate != name && sorted_words(candidate) == sorted_words(name)) return candidate;
  std::string best;
  size_t best_distance = std::max<size_t>(3, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t d = distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string environment_name(std::string_view setting) {
  std::string name = environment_prefix;
  for (char c : setting) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

std::string flag_name(std::string_view setting) {
  std::string flag = "--";
  for (char c : setting) flag.push_back(c == '_' ? '-' : c);
  return flag;
}

Result<LoadedSettings> load_node_settings(const SettingsInput& input, NodeSettings defaults) {
  LoadedSettings loaded{std::move(defaults), {}};
  for (const auto& spec : setting_specs()) {
    // Defaults are checked like any input: a library default outside its
    // setting's range is a bug that must not start a node.
    auto checked = check_value(spec, spec.get(loaded.settings), ".", "the default of " + spec.name);
    if (!checked.ok()) return error(Code::internal, checked.status().message());
    loaded.origins[spec.name] = {SettingSource::default_value, ""};
  }
  if (!input.config_path.empty()) GOVCHAIN_TRY(apply_file(input, loaded));
  GOVCHAIN_TRY(apply_environment(input, loaded));
  GOVCHAIN_TRY(apply_command_line(input, loaded));
  GOVCHAIN_TRY(finish(loaded));
  return loaded;
}

std::vector<SettingDescription> describe_node_settings() {
  std::vector<SettingDescription> descriptions;
  for (const auto& spec : setting_specs()) {
    std::string range = spec.kind == Kind::number ? number_range(spec) : join(spec.choices, "|");
    descriptions.push_back({spec.name, kind_name(spec.kind), spec.help, range, spec.legacy_flags});
  }
  return descriptions;
}

std::string settings_table(const LoadedSettings& loaded) {
  size_t name_width = 0;
  for (const auto& spec : setting_specs()) name_width = std::max(name_width, spec.name.size());
  std::string text;
  for (const auto& spec : setting_specs()) {
    std::string value = spec.get(loaded.settings).dump(-1, ' ', false, json::error_handler_t::replace);
    std::string line = spec.name + std::string(name_width + 2 - spec.name.size(), ' ') + value;
    line += std::string(line.size() < name_width + 44 ? name_width + 44 - line.size() : 2, ' ');
    text += line + "# " + source_text(loaded.origins.at(spec.name)) + "\n";
  }
  return text;
}

std::string settings_json(const LoadedSettings& loaded) {
  ordered_json settings = ordered_json::object();
  for (const auto& spec : setting_specs())
    settings[spec.name] = {{"value", ordered_json::parse(spec.get(loaded.settings).dump())},
                           {"source", source_text(loaded.origins.at(spec.name))}};
  return ordered_json{{"settings", std::move(settings)}}.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<FoundPassphrase> find_key_passphrase(const NodeSettings& settings,
                                            const std::vector<std::pair<std::string, std::string>>& environment) {
  auto variable = [&](std::string_view name) -> const std::string* {
    for (const auto& [key, value] : environment)
      if (key == name) return &value;
    return nullptr;
  };
  if (!settings.validator_key_passphrase_file.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string text,
                              setup::read_passphrase_file(settings.validator_key_passphrase_file, true));
    return FoundPassphrase{std::move(text), "file " + settings.validator_key_passphrase_file.string(), false};
  }
  if (const std::string* directory = variable("CREDENTIALS_DIRECTORY"); directory && !directory->empty()) {
    fs::path credential = fs::path(*directory) / passphrase_credential_name;
    std::error_code ignored;
    if (fs::exists(credential, ignored)) {
      // systemd made the credential readable by this service alone.
      GOVCHAIN_ASSIGN_OR_RETURN(std::string text, setup::read_passphrase_file(credential, false));
      return FoundPassphrase{std::move(text), std::string("systemd credential ") + passphrase_credential_name, false};
    }
  }
  if (const std::string* value = variable("GOVCHAIN_KEY_PASSPHRASE"))
    return FoundPassphrase{*value, "environment GOVCHAIN_KEY_PASSPHRASE", true};
  return FoundPassphrase{"", "none", false};
}

}  // namespace govchain::app
