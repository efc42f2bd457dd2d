// certificate_bench: issuing and verifying certificates against a running
// dev node (docs/domain.md use cases; issue 4's benchmark).
//
//  1. Issuing: pre-signs N street-music permits of the public_order_office
//     (consecutive nonces), submits them over HTTP in batches (one POST
//     /v1/txs with an array, client::Client::submit_batch) with at most 64
//     of an office uncommitted at a time (the node's bound on nonces ahead
//     of the committed one), and waits until all are committed:
//     certificates committed per second, from the first submission to the
//     last receipt. One office key is one sender; with --admin-key and
//     --offices K the admin first grants public_order_office to K-1 fresh
//     keys, and the K offices issue at once over --connections C
//     connections (office i on connection i modulo C), each connection
//     sending the next half window of each of its offices in one request
//     while the previous half is being committed.
//  2. Verifying: M times client::verify_certificate() of one of the issued
//     certificate files (exactly what `govchain verify` does): p50 and p99
//     latency.
//  3. The limit of the same machine in the same run: the latency of one API
//     round trip (GET /v1/status), p50 and p99, so that a verification can be
//     read as "so many round trips".
// Prints one JSON document. Benchmarks are not tests: it fails only when the
// node refuses or a certificate does not verify VALID.
//
//   certificate_bench --node URL --key FILE [--admin-key FILE --offices K]
//                     [--connections C] [--certificates N] [--verifications M]
//                     [--municipality ID]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "client/certificate.h"
#include "client/contracts.h"
#include "client/keys.h"
#include "client/use_cases.h"

namespace {

namespace client = govchain::client;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string node_url;
  std::string key_path;
  std::string admin_key_path;  // with it: `office_count` fresh offices issue at once
  uint64_t office_count = 1;
  uint64_t connection_count = 4;
  std::string municipality = "dev-city";
  uint64_t certificate_count = 2000;
  uint64_t verification_count = 1000;
};

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool parse_options(int argc, char** argv, BenchOptions& options) {
  for (int index = 1; index < argc; ++index) {
    std::string argument = argv[index];
    bool has_value = index + 1 < argc;
    if (argument == "--node" && has_value) {
      options.node_url = argv[++index];
    } else if (argument == "--key" && has_value) {
      options.key_path = argv[++index];
    } else if (argument == "--admin-key" && has_value) {
      options.admin_key_path = argv[++index];
    } else if (argument == "--offices" && has_value) {
      options.office_count = std::strtoull(argv[++index], nullptr, 10);
    } else if (argument == "--connections" && has_value) {
      options.connection_count = std::strtoull(argv[++index], nullptr, 10);
    } else if (argument == "--municipality" && has_value) {
      options.municipality = argv[++index];
    } else if (argument == "--certificates" && has_value) {
      options.certificate_count = std::strtoull(argv[++index], nullptr, 10);
    } else if (argument == "--verifications" && has_value) {
      options.verification_count = std::strtoull(argv[++index], nullptr, 10);
    } else {
      return false;
    }
  }
  const bool offices_ok = options.office_count == 1 || !options.admin_key_path.empty();
  return !options.node_url.empty() && !options.key_path.empty() && options.certificate_count > 0 &&
         options.verification_count > 0 && options.office_count > 0 && options.office_count <= 64 &&
         options.connection_count > 0 && options.connection_count <= 64 && offices_ok;
}

// p in [0, 1] of sorted latencies.
double percentile(std::vector<double> values_ms, double p) {
  std::sort(values_ms.begin(), values_ms.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values_ms.size() - 1) + 0.5);
  return values_ms[std::min(index, values_ms.size() - 1)];
}

struct Prepared {
  std::vector<client::CertificateFile> certificates;
  std::vector<std::vector<govchain::chain::Tx>> txs_by_office;  // each in nonce order
};

// Street-music permits valid for a day from now, `count` of them signed by
// `office` with consecutive nonces: no personal data, the document is a
// placeholder musician.
govchain::Status prepare_office(const client::Client& node, const std::string& chain_id,
                                const govchain::crypto::KeyPair& office, uint64_t count, const BenchOptions& options,
                                Prepared& prepared) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t nonce, node.next_nonce(office.public_key));
  GOVCHAIN_ASSIGN_OR_RETURN(client::abi::Abi abi, client::fetch_abi(node, client::contract_names::streetmusic));
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::vector<govchain::chain::Tx> txs;
  for (uint64_t index = 0; index < count; ++index) {
    client::StreetMusicPermitRequest request;
    request.municipality = options.municipality;
    request.zone = "markt";
    request.valid_from_ms = now_ms - 60'000;
    request.valid_until_ms = now_ms + 24 * 3'600'000;
    request.musician_json = R"({"name": "bench musician )" + std::to_string(prepared.certificates.size()) + R"("})";
    GOVCHAIN_ASSIGN_OR_RETURN(client::CertificateFile certificate,
                              client::prepare_street_music_permit(chain_id, request));
    GOVCHAIN_ASSIGN_OR_RETURN(govchain::chain::Action action,
                              client::street_music_issue_action(abi, certificate, request));
    GOVCHAIN_ASSIGN_OR_RETURN(govchain::chain::Tx tx, client::make_tx(chain_id, office, nonce + index,
                                                                      client::default_gas_limit, std::move(action)));
    prepared.certificates.push_back(std::move(certificate));
    txs.push_back(std::move(tx));
  }
  prepared.txs_by_office.push_back(std::move(txs));
  return govchain::Status();
}

// The node accepts a sender's transactions only up to a bounded distance
// ahead of its committed nonce (limits::nonce_ahead_max, 64; nonce_too_high
// beyond), so an office sends half of that in one go, and the next half
// once the half before the previous one is committed: at most 64
// outstanding.
constexpr size_t half_window_txs = 32;

govchain::Status wait_committed(const client::Client& node, const govchain::Hash& hash) {
  GOVCHAIN_ASSIGN_OR_RETURN(govchain::chain::Receipt receipt, node.wait_for_receipt(hash, 300'000));
  if (receipt.status != govchain::Code::ok) return govchain::error(receipt.status, "refused: " + receipt.message);
  return govchain::Status();
}

// `office_count` - 1 fresh keys get public_order_office from the admin, so
// that several offices (senders) issue at once; the first office is --key.
govchain::Result<std::vector<govchain::crypto::KeyPair>> open_offices(const client::Client& node,
                                                                      const std::string& chain_id,
                                                                      const govchain::crypto::KeyPair& first,
                                                                      const BenchOptions& options) {
  std::vector<govchain::crypto::KeyPair> offices{first};
  if (options.office_count == 1) return offices;
  client::KeyLoadOptions load_options;
  load_options.allow_dev_keys = true;
  GOVCHAIN_ASSIGN_OR_RETURN(client::LoadedKey admin, client::load_key_file(options.admin_key_path, load_options));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t nonce, node.next_nonce(admin.key_pair.public_key));
  std::vector<govchain::Hash> grants;
  for (uint64_t index = 1; index < options.office_count; ++index) {
    offices.push_back(govchain::crypto::generate_key_pair());
    GOVCHAIN_ASSIGN_OR_RETURN(
        govchain::chain::Action grant,
        client::role_grant_action(options.municipality, "public_order_office", offices.back().public_key));
    GOVCHAIN_ASSIGN_OR_RETURN(govchain::chain::Tx tx, client::make_tx(chain_id, admin.key_pair, nonce + index - 1,
                                                                      client::default_gas_limit, std::move(grant)));
    GOVCHAIN_ASSIGN_OR_RETURN(govchain::Hash hash, node.submit(tx));
    grants.push_back(hash);
  }
  for (const auto& hash : grants) GOVCHAIN_TRY(wait_committed(node, hash));
  return offices;
}

govchain::Result<Prepared> prepare(const client::Client& node, const govchain::crypto::KeyPair& first_office,
                                   const BenchOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(client::NodeStatus status, node.status());
  GOVCHAIN_ASSIGN_OR_RETURN(auto offices, open_offices(node, status.chain_id, first_office, options));
  Prepared prepared;
  for (size_t index = 0; index < offices.size(); ++index) {
    const uint64_t count =
        options.certificate_count / offices.size() + (index < options.certificate_count % offices.size() ? 1 : 0);
    GOVCHAIN_TRY(prepare_office(node, status.chain_id, offices[index], count, options, prepared));
  }
  return prepared;
}

// One connection's share of the issuing: the offices it sends for, and
// for each the end of every half window it sent (the last hash of it).
struct ConnectionWork {
  std::vector<size_t> offices;
  std::vector<std::vector<govchain::Hash>> window_ends;  // per office of `offices`
};

// Sends the next half window of each office of `work` in one request and
// records the last hash of each office's half. False when all was sent.
govchain::Result<bool> send_half_windows(const client::Client& node, const Prepared& prepared, ConnectionWork& work,
                                         size_t round) {
  std::vector<govchain::chain::Tx> batch;
  std::vector<size_t> sent_by;
  for (size_t slot = 0; slot < work.offices.size(); ++slot) {
    const auto& txs = prepared.txs_by_office[work.offices[slot]];
    const size_t first = round * half_window_txs;
    if (first >= txs.size()) continue;
    const size_t end = std::min(txs.size(), first + half_window_txs);
    batch.insert(batch.end(), txs.begin() + static_cast<ptrdiff_t>(first), txs.begin() + static_cast<ptrdiff_t>(end));
    sent_by.push_back(slot);
  }
  if (batch.empty()) return false;
  GOVCHAIN_ASSIGN_OR_RETURN(auto outcomes, node.submit_batch(batch));
  for (const auto& outcome : outcomes)
    if (!outcome.ok()) return outcome.status().with_context("a permit of the batch was refused");
  size_t position = 0;
  for (size_t slot : sent_by) {
    const auto& txs = prepared.txs_by_office[work.offices[slot]];
    position += std::min(half_window_txs, txs.size() - round * half_window_txs);
    work.window_ends[slot].push_back(*outcomes[position - 1]);
  }
  return true;
}

// Sends round after round; before round r it waits until the half windows
// of round r - 2 are committed, so that at most two halves are outstanding.
govchain::Status issue_over_connection(const client::Client& node, const Prepared& prepared, ConnectionWork& work) {
  for (size_t round = 0;; ++round) {
    if (round >= 2)
      for (const auto& ends : work.window_ends)
        if (ends.size() > round - 2) GOVCHAIN_TRY(wait_committed(node, ends[round - 2]));
    GOVCHAIN_ASSIGN_OR_RETURN(bool sent, send_half_windows(node, prepared, work, round));
    if (!sent) break;
  }
  for (const auto& ends : work.window_ends)
    for (size_t index = ends.size() >= 2 ? ends.size() - 2 : 0; index < ends.size(); ++index)
      GOVCHAIN_TRY(wait_committed(node, ends[index]));
  return govchain::Status();
}

// Issues everything over `connection_count` connections at once; the time
// from the first submission until the last permit is committed.
govchain::Result<double> issue_all(const BenchOptions& options, const Prepared& prepared) {
  const size_t connections = std::min<size_t>(options.connection_count, prepared.txs_by_office.size());
  std::vector<ConnectionWork> work(connections);
  for (size_t office = 0; office < prepared.txs_by_office.size(); ++office) {
    work[office % connections].offices.push_back(office);
    work[office % connections].window_ends.emplace_back();
  }
  std::vector<govchain::Status> outcomes(connections);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t index = 0; index < connections; ++index)
    threads.emplace_back([&, index] {
      // A client of its own per connection, polling often: the figure
      // should measure the node, not the bench's waits.
      auto node = client::Client::connect({.node_url = options.node_url, .poll_interval_ms = 5});
      outcomes[index] = node.ok() ? issue_over_connection(*node, prepared, work[index]) : node.status();
    });
  for (auto& thread : threads) thread.join();
  for (const auto& outcome : outcomes) GOVCHAIN_TRY(outcome);
  return milliseconds_since(start);
}

govchain::Result<std::vector<double>> verify_latencies_ms(const client::Client& node, const Prepared& prepared,
                                                          uint64_t count) {
  std::vector<double> latencies_ms;
  for (uint64_t round = 0; round < count; ++round) {
    const auto& certificate = prepared.certificates[round % prepared.certificates.size()];
    const auto start = Clock::now();
    GOVCHAIN_ASSIGN_OR_RETURN(client::VerificationReport report,
                              client::verify_certificate(node, certificate, client::VerifyOptions{}));
    latencies_ms.push_back(milliseconds_since(start));
    if (!report.valid)
      return govchain::error(govchain::Code::invalid, "an issued certificate verified as " + report.answer.verdict);
  }
  return latencies_ms;
}

govchain::Result<std::vector<double>> round_trip_latencies_ms(const client::Client& node, uint64_t count) {
  std::vector<double> latencies_ms;
  for (uint64_t round = 0; round < count; ++round) {
    const auto start = Clock::now();
    GOVCHAIN_TRY(node.status().status());
    latencies_ms.push_back(milliseconds_since(start));
  }
  return latencies_ms;
}

govchain::Status run(const BenchOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(client::Client node, client::Client::connect({.node_url = options.node_url}));
  client::KeyLoadOptions load_options;
  load_options.allow_dev_keys = true;
  GOVCHAIN_ASSIGN_OR_RETURN(client::LoadedKey key, client::load_key_file(options.key_path, load_options));
  GOVCHAIN_ASSIGN_OR_RETURN(Prepared prepared, prepare(node, key.key_pair, options));
  GOVCHAIN_ASSIGN_OR_RETURN(double issue_ms, issue_all(options, prepared));
  GOVCHAIN_ASSIGN_OR_RETURN(auto verify_ms, verify_latencies_ms(node, prepared, options.verification_count));
  GOVCHAIN_ASSIGN_OR_RETURN(auto round_trip_ms, round_trip_latencies_ms(node, options.verification_count));
  nlohmann::json figures = {
      {"certificates_issued", options.certificate_count},
      {"issuing_offices", prepared.txs_by_office.size()},
      {"issuing_connections", std::min<size_t>(options.connection_count, prepared.txs_by_office.size())},
      {"issue_seconds", issue_ms / 1000.0},
      {"certificates_committed_per_second", static_cast<double>(options.certificate_count) * 1000.0 / issue_ms},
      {"verifications", options.verification_count},
      {"verify_p50_ms", percentile(verify_ms, 0.50)},
      {"verify_p99_ms", percentile(verify_ms, 0.99)},
      {"verify_goal_p99_ms", 5.0},
      {"api_round_trip_p50_ms", percentile(round_trip_ms, 0.50)},
      {"api_round_trip_p99_ms", percentile(round_trip_ms, 0.99)}};
  std::cout << figures.dump(2) << std::endl;
  return govchain::Status();
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  if (!parse_options(argc, argv, options)) {
    std::cerr << "usage: certificate_bench --node URL --key FILE [--admin-key FILE --offices K (1-64)] "
                 "[--connections C (1-64)] [--certificates N] [--verifications M] [--municipality ID]\n";
    return 2;
  }
  govchain::Status status = run(options);
  if (!status.ok()) {
    std::cerr << "certificate_bench: " << status.to_string() << "\n";
    return 1;
  }
  return 0;
}
