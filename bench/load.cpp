// govchain-load: drives a node with pre-signed transactions and measures it.
//
//   govchain-load prepare --data DIR [--municipalities M]
//       writes DIR/genesis.json and DIR/keys/validator.json for a bench
//       chain whose M municipality admins are derived from fixed seeds
//   govchain-load prepare-network --out DIR [--validators V] [--municipalities M]
//                                 [--base-port N]
//       writes a network folder (as `govchain network new` does, with
//       node/setup) of V validators whose genesis also holds the M bench
//       municipality admins; run it with `govchain network up DIR`
//   govchain-load run --node URL [--node URL ...] --data DIR --txs N
//                     [--rate TXS_PER_SECOND] [--committed-out FILE]
//       pre-signs N role grants, submits them over HTTP in batches (HTTP
//       connection i goes to node i modulo the nodes given), follows
//       /v1/events of the first node, and prints committed tx/s and the
//       latency from submission until that node reports the commit. Without
//       --rate it submits as fast as --window allows; with --rate it offers
//       that many transactions per second, one request every 20 ms in turn
//       over the connections, and reports how far it fell behind schedule
//   govchain-load verify --node URL --committed FILE
//       checks that every transaction listed as committed has a receipt
//   govchain-load sigbench [--seconds S]
//       the machine's Schnorr verifications per second, one core and all
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "http_connection.h"
#include "setup/genesis_builder.h"
#include "setup/network_layout.h"
#include "setup/setup_files.h"

using namespace govchain;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

crypto::KeyPair derived_key(const std::string& label) {
  for (int attempt = 0;; ++attempt) {
    auto pair = crypto::key_pair_from_secret(crypto::sha256(label + "/" + std::to_string(attempt)));
    if (pair.ok()) return *pair;
  }
}

std::string municipality_id(size_t index) { return "m" + std::to_string(index); }

int fail(const std::string& message) {
  std::cerr << "govchain-load: " << message << "\n";
  return 1;
}

// The bench municipalities m0..m(M-1), whose admins come from fixed seeds so
// that `run` can sign for them, with room in a block for many of their txs.
void add_bench_municipalities(chain::Genesis& genesis, size_t municipalities) {
  for (size_t i = 0; i < municipalities; ++i)
    genesis.municipalities.push_back({municipality_id(i), "Bench " + std::to_string(i),
                                      derived_key("govchain-load/admin/" + std::to_string(i)).public_key});
  genesis.parameters.block_txs_max = 10000;
  // As large as a block's transactions may be (blocks must still decode).
  genesis.parameters.block_size_bytes_max = limits::block_txs_size_bytes_max;
}

int prepare(const std::string& data_dir, size_t municipalities, uint64_t block_interval_ms) {
  std::filesystem::create_directories(std::filesystem::path(data_dir) / "keys");
  chain::Genesis genesis;
  genesis.chain_id = "govchain-bench";
  genesis.genesis_time_ms = 1'700'000'000'000;
  auto validator = derived_key("govchain-load/validator");
  add_bench_municipalities(genesis, municipalities);
  genesis.validators.push_back({municipality_id(0), validator.public_key});
  genesis.parameters.block_interval_ms = block_interval_ms;
  std::ofstream(std::filesystem::path(data_dir) / "keys" / "validator.json")
      << crypto::encode_dev_key_file(validator, "bench validator");
  std::ofstream(std::filesystem::path(data_dir) / "genesis.json") << chain::genesis_to_json(genesis);
  std::cout << "prepared " << data_dir << " with " << municipalities << " municipality admins\n";
  return 0;
}

struct NetworkPrepareOptions {
  std::string out;
  size_t validators = 5;
  size_t municipalities = 200;
  uint32_t base_port = setup::network_base_port_default;
};

// Plans the network of `validators` members named validator-0, validator-1, ...
Result<setup::NetworkDescription> plan_bench_network(const NetworkPrepareOptions& options) {
  std::vector<setup::NetworkPlanMember> members;
  for (size_t i = 0; i < options.validators; ++i)
    members.push_back({"validator-" + std::to_string(i), "Bench validator " + std::to_string(i), PublicKey{}});
  return setup::plan_network("govchain-bench-network", "127.0.0.1", options.base_port, members);
}

// Writes keys, node configs, network.json and genesis.json into options.out.
// The genesis deploys no contracts: the load is role grants only.
Status write_bench_network(const NetworkPrepareOptions& options) {
  namespace fs = std::filesystem;
  fs::path root = fs::absolute(options.out);
  if (fs::exists(root / "network.json"))
    return error(Code::already_exists, (root / "network.json").string() + " exists: choose an empty --out folder");
  GOVCHAIN_ASSIGN_OR_RETURN(auto network, plan_bench_network(options));
  std::vector<setup::MemberKeys> members;
  for (auto& node : network.nodes) {
    GOVCHAIN_ASSIGN_OR_RETURN(
        auto keys, setup::write_member_dev_keys(root / "keys" / node.id, node.id, node.display_name, node.id + "/"));
    node.public_key = keys.validator;
    members.push_back(std::move(keys));
  }
  std::error_code error_code;
  fs::create_directories(root / "nodes", error_code);
  if (error_code)
    return error(Code::io_error, "cannot create " + (root / "nodes").string() + ": " + error_code.message());
  for (size_t i = 0; i < network.nodes.size(); ++i)
    GOVCHAIN_TRY(setup::write_text_file(root / network.nodes[i].config_path,
                                        setup::node_config_to_json(setup::node_config_for(network, i))));
  GOVCHAIN_ASSIGN_OR_RETURN(auto genesis, setup::build_genesis(network.chain_id, 1'700'000'000'000, members, {}));
  add_bench_municipalities(genesis, options.municipalities);
  GOVCHAIN_TRY(setup::write_text_file(root / "genesis.json", chain::genesis_to_json(genesis)));
  return setup::write_text_file(root / "network.json", setup::network_to_json(network));
}

int prepare_network(const NetworkPrepareOptions& options) {
  if (options.validators == 0) return fail("--validators must be at least 1");
  Status written = write_bench_network(options);
  if (!written.ok()) return fail("prepare-network: " + written.to_string());
  std::cout << "prepared network " << options.out << ": " << options.validators << " validators, "
            << options.municipalities << " municipality admins; start it with: govchain network up " << options.out
            << "\n";
  return 0;
}

struct Prepared {
  std::vector<std::string> bodies;        // one JSON array per batch
  std::vector<std::vector<Hash>> hashes;  // per batch
};

// The admins of the bench municipalities m0, m1, ... of the genesis, in
// that order: the senders. Other members (a network's validators) have keys
// the load tool cannot sign for.
std::vector<PublicKey> bench_admins(const chain::Genesis& genesis) {
  std::vector<PublicKey> admins;
  for (const auto& municipality : genesis.municipalities)
    if (municipality.id == municipality_id(admins.size())) admins.push_back(municipality.admin);
  return admins;
}

Result<Prepared> presign(const chain::Genesis& genesis, size_t tx_count, size_t batch_size,
                         const std::vector<uint64_t>& first_nonces) {
  size_t admins = first_nonces.size();
  if (admins == 0) return error(Code::invalid, "the genesis has no bench municipalities (m0, m1, ...) to send from");
  std::vector<crypto::KeyPair> keys;
  for (size_t i = 0; i < admins; ++i) keys.push_back(derived_key("govchain-load/admin/" + std::to_string(i)));
  std::vector<std::string> encoded(tx_count);
  std::vector<Hash> hashes(tx_count);
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (size_t worker = 0; worker < threads; ++worker) {
    workers.emplace_back([&, worker] {
      for (size_t i = worker; i < tx_count; i += threads) {
        size_t admin = i % admins;
        chain::Tx tx;
        tx.chain_id = genesis.chain_id;
        tx.sender = keys[admin].public_key;
        tx.nonce = first_nonces[admin] + i / admins;
        tx.gas_limit = 100'000;
        const auto& roles = chain::known_roles();
        tx.action =
            chain::RoleGrant{municipality_id(admin), roles[i % roles.size()], crypto::generate_key_pair().public_key};
        chain::sign_tx(tx, keys[admin].secret);
        encoded[i] = to_hex(chain::encode_tx(tx));
        hashes[i] = chain::tx_hash(tx);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  Prepared prepared;
  for (size_t start = 0; start < tx_count; start += batch_size) {
    size_t end = std::min(tx_count, start + batch_size);
    std::string body = "[";
    std::vector<Hash> batch_hashes;
    for (size_t i = start; i < end; ++i) {
      if (i > start) body += ",";
      body += "{\"tx\":\"" + encoded[i] + "\"}";
      batch_hashes.push_back(hashes[i]);
    }
    prepared.bodies.push_back(body + "]");
    prepared.hashes.push_back(std::move(batch_hashes));
  }
  return prepared;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = std::min(values.size() - 1, static_cast<size_t>(fraction * (values.size() - 1) + 0.5));
  return values[index];
}

struct RunOptions {
  std::vector<std::string> nodes = {"http://127.0.0.1:26657"};  // events are read from the first
  std::string data_dir;
  size_t txs = 10000;
  size_t batch = 500;
  size_t window = 20000;
  size_t connections = 2;
  double rate_txs_per_second = 0;  // 0: as fast as the window allows
  double timeout_s = 300;
  std::string committed_out;
  bool json_output = false;
};

// A paced run sends one request every this many milliseconds (over all
// connections together), so that the offered rate is spread evenly in time.
constexpr double paced_request_interval_ms = 20;

bool is_paced(const RunOptions& options) { return options.rate_txs_per_second > 0; }

size_t txs_per_request(const RunOptions& options) {
  if (!is_paced(options)) return options.batch;
  double txs = options.rate_txs_per_second * paced_request_interval_ms / 1000;
  return std::max<size_t>(1, static_cast<size_t>(txs + 0.5));
}

struct Tracker {
  std::mutex mutex;
  std::unordered_map<Hash, size_t, FixedBytesHasher> index_of;
  std::vector<Clock::time_point> submitted_at;
  std::vector<double> latency_ms;
  std::atomic<size_t> submitted{0};
  std::atomic<size_t> committed{0};
  std::atomic<size_t> failed_receipts{0};
  std::atomic<size_t> rejected{0};
  std::map<std::string, size_t> rejected_by_reason;  // error code -> count; guarded by mutex
  std::ofstream committed_file;
  Clock::time_point last_submission;  // guarded by mutex
  double submission_lag_max_ms = 0;   // paced runs: a request's delay behind its schedule; guarded by mutex
  Clock::time_point last_commit;
};

void on_event(Tracker& tracker, const std::string& text) {
  json event = json::parse(text, nullptr, false);
  if (event.is_discarded() || !event.contains("results")) return;
  auto now = Clock::now();
  std::lock_guard lock(tracker.mutex);
  for (const auto& result : event["results"]) {
    auto hash = Hash::from_hex_string(result.value("tx_hash", ""));
    if (!hash.ok()) continue;
    auto found = tracker.index_of.find(*hash);
    if (found == tracker.index_of.end()) continue;
    tracker.latency_ms.push_back(
        std::chrono::duration<double, std::milli>(now - tracker.submitted_at[found->second]).count());
    if (result.value("status", "") != "ok") tracker.failed_receipts++;
    if (tracker.committed_file.is_open()) tracker.committed_file << hash->hex() << "\n";
    tracker.committed++;
  }
  if (tracker.committed_file.is_open()) tracker.committed_file.flush();
  tracker.last_commit = now;
}

void count_rejected(Tracker& tracker, const std::string& reason, size_t count) {
  tracker.rejected += count;
  std::lock_guard lock(tracker.mutex);
  tracker.rejected_by_reason[reason] += count;
}

// Counts the refused transactions of a batch reply by their error code.
void count_rejected_in_reply(Tracker& tracker, const std::string& reply_body) {
  json body = json::parse(reply_body, nullptr, false);
  if (body.is_discarded() || !body.contains("results") || !body["results"].is_array()) return;
  for (const auto& result : body["results"]) {
    if (!result.is_object() || result.value("accepted", false)) continue;
    std::string reason = "unknown";
    if (result.contains("error") && result["error"].is_object()) reason = result["error"].value("code", reason);
    count_rejected(tracker, reason, 1);
  }
}

// What the submitting threads share.
struct Submission {
  const RunOptions& options;
  const Prepared& prepared;
  Tracker& tracker;
  Clock::time_point started;
  Clock::time_point deadline;
  std::atomic<size_t> next_batch{0};  // unpaced runs: the next batch any connection may take
};

void wait_for_window(Submission& submission) {
  Tracker& tracker = submission.tracker;
  while (tracker.submitted.load() - tracker.committed.load() > submission.options.window &&
         Clock::now() < submission.deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

// Posts one batch, recording when its transactions were submitted and
// counting those the node refused.
void submit_batch(Submission& submission, bench::HttpConnection& connection, size_t batch) {
  Tracker& tracker = submission.tracker;
  const auto& hashes = submission.prepared.hashes[batch];
  {
    std::lock_guard lock(tracker.mutex);
    auto now = Clock::now();
    for (const auto& hash : hashes) tracker.submitted_at[tracker.index_of.at(hash)] = now;
    tracker.last_submission = std::max(tracker.last_submission, now);
  }
  auto reply = connection.request("POST", "/v1/txs", submission.prepared.bodies[batch]);
  tracker.submitted += hashes.size();
  if (!reply.ok() || reply->status != 202) {
    count_rejected(tracker, reply.ok() ? "http_" + std::to_string(reply->status) : "no_reply", hashes.size());
    return;
  }
  count_rejected_in_reply(tracker, reply->body);
}

// Unpaced: each connection takes the next batch as soon as the window allows.
void submit_unpaced(Submission& submission, bench::HttpConnection& connection) {
  for (;;) {
    size_t batch = submission.next_batch.fetch_add(1);
    if (batch >= submission.prepared.bodies.size()) return;
    wait_for_window(submission);
    submit_batch(submission, connection, batch);
  }
}

// Paced: batch k is due k * txs_per_request / rate seconds after the start
// and goes over connection k modulo the connections, so the load is spread
// evenly over time and over the nodes.
void submit_paced(Submission& submission, bench::HttpConnection& connection, size_t connection_index) {
  const RunOptions& options = submission.options;
  double batch_interval_s = static_cast<double>(txs_per_request(options)) / options.rate_txs_per_second;
  for (size_t batch = connection_index; batch < submission.prepared.bodies.size(); batch += options.connections) {
    auto due = submission.started +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(batch * batch_interval_s));
    std::this_thread::sleep_until(due);
    wait_for_window(submission);
    {
      std::lock_guard lock(submission.tracker.mutex);
      double lag_ms = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
      submission.tracker.submission_lag_max_ms = std::max(submission.tracker.submission_lag_max_ms, lag_ms);
    }
    submit_batch(submission, connection, batch);
  }
}

// Submits every batch over options.connections connections, connection i to
// node i modulo the nodes, and returns when all were sent.
void submit_all(Submission& submission, const std::vector<std::pair<std::string, std::string>>& addresses) {
  std::vector<std::thread> submitters;
  for (size_t i = 0; i < submission.options.connections; ++i)
    submitters.emplace_back([&, i] {
      bench::HttpConnection connection(addresses[i % addresses.size()].first, addresses[i % addresses.size()].second);
      if (is_paced(submission.options))
        submit_paced(submission, connection, i);
      else
        submit_unpaced(submission, connection);
    });
  for (auto& submitter : submitters) submitter.join();
}

Result<chain::Genesis> read_genesis(const std::string& data_dir) {
  std::ifstream genesis_file(std::filesystem::path(data_dir) / "genesis.json");
  std::stringstream genesis_text;
  genesis_text << genesis_file.rdbuf();
  return chain::parse_genesis(genesis_text.str());
}

// The next nonce of each bench admin, as the node at `address` knows it.
Result<std::vector<uint64_t>> first_nonces(const std::pair<std::string, std::string>& address,
                                           const chain::Genesis& genesis) {
  bench::HttpConnection connection(address.first, address.second);
  std::vector<uint64_t> nonces;
  for (const auto& admin : bench_admins(genesis)) {
    auto reply = connection.request("GET", "/v1/accounts/" + admin.hex());
    if (!reply.ok()) return reply.status();
    json body = json::parse(reply->body, nullptr, false);
    if (body.is_discarded()) return error(Code::invalid, "the account reply of " + admin.hex() + " is not JSON");
    nonces.push_back(body.value("next_nonce", uint64_t{0}));
  }
  return nonces;
}

double milliseconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

json run_report(const RunOptions& options, size_t nodes_submitted_to, Tracker& tracker, Clock::time_point started,
                double signing_s) {
  std::lock_guard lock(tracker.mutex);
  size_t committed = tracker.committed.load();
  double elapsed_s = committed > 0 ? milliseconds_between(started, tracker.last_commit) / 1000 : 0;
  return {{"txs", options.txs},
          {"nodes_submitted_to", nodes_submitted_to},
          {"window", options.window},
          {"offered_txs_per_second", options.rate_txs_per_second},
          {"txs_per_request", txs_per_request(options)},
          {"submission_lag_max_ms", tracker.submission_lag_max_ms},
          {"drain_ms", committed > 0 ? milliseconds_between(tracker.last_submission, tracker.last_commit) : 0.0},
          {"committed", committed},
          {"rejected_at_submission", tracker.rejected.load()},
          {"rejected_by_reason", tracker.rejected_by_reason},
          {"failed_receipts", tracker.failed_receipts.load()},
          {"presign_seconds", signing_s},
          {"elapsed_seconds", elapsed_s},
          {"committed_txs_per_second", elapsed_s > 0 ? committed / elapsed_s : 0.0},
          {"latency_p50_ms", percentile(tracker.latency_ms, 0.50)},
          {"latency_p99_ms", percentile(tracker.latency_ms, 0.99)}};
}

int run(const RunOptions& options) {
  std::vector<std::pair<std::string, std::string>> addresses;
  for (const auto& node : options.nodes) {
    auto address = bench::split_url(node);
    if (!address.ok()) return fail(node + ": " + address.status().message());
    addresses.push_back(*address);
  }
  if (addresses.empty()) return fail("give at least one --node URL");
  if (options.connections == 0) return fail("--connections must be at least 1");
  auto genesis = read_genesis(options.data_dir);
  if (!genesis.ok()) return fail("genesis: " + genesis.status().to_string());
  auto nonces = first_nonces(addresses.front(), *genesis);
  if (!nonces.ok()) return fail(nonces.status().to_string());
  auto started_signing = Clock::now();
  auto prepared = presign(*genesis, options.txs, txs_per_request(options), *nonces);
  if (!prepared.ok()) return fail(prepared.status().to_string());
  double signing_s = std::chrono::duration<double>(Clock::now() - started_signing).count();
  Tracker tracker;
  tracker.submitted_at.resize(options.txs);
  size_t index = 0;
  for (const auto& batch : prepared->hashes)
    for (const auto& hash : batch) tracker.index_of[hash] = index++;
  if (!options.committed_out.empty()) tracker.committed_file.open(options.committed_out, std::ios::app);
  std::atomic<bool> done{false};
  std::thread events([&] {
    while (!done) {
      (void)bench::read_websocket(
          addresses.front().first, addresses.front().second, "/v1/events",
          [&](const std::string& text) { on_event(tracker, text); }, [&] { return !done.load(); });
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto started = Clock::now();
  Submission submission{options, *prepared, tracker, started,
                        started + std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000))};
  submit_all(submission, addresses);
  while (tracker.committed + tracker.rejected < options.txs && Clock::now() < submission.deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  done = true;
  events.join();
  json report = run_report(options, std::min(addresses.size(), options.connections), tracker, started, signing_s);
  std::cout << (options.json_output ? report.dump() : report.dump(2)) << std::endl;
  return tracker.committed.load() == options.txs ? 0 : 2;
}

int verify(const std::string& node, const std::string& committed_path) {
  auto address = bench::split_url(node);
  if (!address.ok()) return fail(address.status().message());
  bench::HttpConnection connection(address->first, address->second);
  std::ifstream file(committed_path);
  std::string line;
  size_t checked = 0;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    auto reply = connection.request("GET", "/v1/txs/" + line);
    // The node limits the requests of one address per second (429); this
    // check asks once per transaction, so it waits and asks again.
    for (int attempt = 0; attempt < 50 && reply.ok() && reply->status == 429; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      reply = connection.request("GET", "/v1/txs/" + line);
    }
    if (!reply.ok()) return fail(reply.status().to_string());
    json body = json::parse(reply->body, nullptr, false);
    if (reply->status != 200 || body.is_discarded() || body.value("status", "") != "committed")
      return fail("transaction " + line + " was reported committed but the node does not have it (HTTP " +
                  std::to_string(reply->status) + ")");
    ++checked;
  }
  std::cout << "all " << checked << " transactions reported committed are still committed\n";
  return checked > 0 ? 0 : fail("no committed transactions listed in " + committed_path);
}

double verifications_per_second(size_t threads, double seconds) {
  auto key = crypto::generate_key_pair();
  Bytes message = to_bytes("govchain signature verification benchmark message!");
  Signature signature = crypto::sign(key.secret, message);
  std::atomic<uint64_t> total{0};
  auto until = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < threads; ++i)
    workers.emplace_back([&] {
      uint64_t count = 0;
      while (Clock::now() < until) {
        for (int j = 0; j < 64; ++j) count += crypto::verify(key.public_key, message, signature) ? 1 : 0;
      }
      total += count;
    });
  for (auto& worker : workers) worker.join();
  return static_cast<double>(total.load()) / seconds;
}

int sigbench(double seconds) {
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  double one = verifications_per_second(1, seconds);
  double all = verifications_per_second(cores, seconds);
  std::cout << json{{"cores", cores},
                    {"verifications_per_second_one_core", one},
                    {"verifications_per_second_all_cores", all}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"govchain-load: drive a govchain node with pre-signed transactions"};
  app.require_subcommand(1);
  std::string data_dir;
  size_t municipalities = 200;
  uint64_t block_interval_ms = 20;
  auto* prepare_command = app.add_subcommand("prepare", "write a bench genesis and validator key");
  prepare_command->add_option("--data", data_dir, "data directory")->required();
  prepare_command->add_option("--municipalities", municipalities, "admins sending transactions")->capture_default_str();
  prepare_command->add_option("--block-interval-ms", block_interval_ms, "pause between blocks")->capture_default_str();
  NetworkPrepareOptions network_options;
  auto* network_command = app.add_subcommand("prepare-network", "write a network folder for `govchain network up`");
  network_command->add_option("--out", network_options.out, "network folder to create")->required();
  network_command->add_option("--validators", network_options.validators, "validator nodes")->capture_default_str();
  network_command->add_option("--municipalities", network_options.municipalities, "admins sending transactions")
      ->capture_default_str();
  network_command->add_option("--base-port", network_options.base_port, "rpc port of node i: base + 2i, p2p + 1")
      ->capture_default_str();
  RunOptions options;
  auto* run_command = app.add_subcommand("run", "submit pre-signed transactions and measure");
  run_command->add_option("--node", options.nodes, "node URL, repeated to spread the load (events: the first)")
      ->capture_default_str();
  run_command->add_option("--data", options.data_dir, "data directory made by prepare")->required();
  run_command->add_option("--txs", options.txs, "transactions to submit")->capture_default_str();
  run_command->add_option("--batch", options.batch, "transactions per HTTP request")->capture_default_str();
  run_command->add_option("--window", options.window, "submitted but not yet committed, at most")
      ->capture_default_str();
  run_command->add_option("--connections", options.connections, "HTTP connections")->capture_default_str();
  run_command
      ->add_option("--rate", options.rate_txs_per_second,
                   "offered transactions per second, spread evenly (0: as fast as --window allows; "
                   "paced runs ignore --batch)")
      ->capture_default_str();
  run_command->add_option("--timeout", options.timeout_s, "seconds before giving up")->capture_default_str();
  run_command->add_option("--committed-out", options.committed_out, "append hashes seen committed to this file");
  run_command->add_flag("--json", options.json_output, "one-line JSON report");
  std::string committed_path;
  std::string verify_node = "http://127.0.0.1:26657";
  auto* verify_command = app.add_subcommand("verify", "check that listed transactions are committed");
  verify_command->add_option("--node", verify_node, "node URL")->capture_default_str();
  verify_command->add_option("--committed", committed_path, "file of transaction hashes")->required();
  double seconds = 2;
  auto* sigbench_command = app.add_subcommand("sigbench", "Schnorr verifications per second");
  sigbench_command->add_option("--seconds", seconds, "seconds per measurement")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (prepare_command->parsed()) return prepare(data_dir, municipalities, block_interval_ms);
  if (network_command->parsed()) return prepare_network(network_options);
  if (run_command->parsed()) return run(options);
  if (verify_command->parsed()) return verify(verify_node, committed_path);
  return sigbench(seconds);
}
