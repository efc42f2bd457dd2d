// certificate_bench: issuing and verifying certificates against a running
// dev node (DOMAIN.md use cases; issue 4's benchmark).
//
//  1. Issuing: pre-signs N street-music permits of the public_order_office
//     (consecutive nonces), submits them over HTTP with at most 32
//     uncommitted at a time (the node's bound on nonces ahead of the
//     committed one), and waits until all are committed: certificates
//     committed per second, from the first submission to the last receipt.
//     One office key is one sender, so this is the rate of one issuing
//     office, not of the chain.
//  2. Verifying: M times client::verify_certificate() of one of the issued
//     certificate files (exactly what `govchain verify` does): p50 and p99
//     latency.
//  3. The limit of the same machine in the same run: the latency of one API
//     round trip (GET /v1/status), p50 and p99, so that a verification can be
//     read as "so many round trips".
// Prints one JSON document. Benchmarks are not tests: it fails only when the
// node refuses or a certificate does not verify VALID.
//
//   certificate_bench --node URL --key FILE [--certificates N] [--verifications M]
//                     [--municipality ID]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/certificate.h"
#include "client/keys.h"
#include "client/use_cases.h"

namespace {

namespace client = govchain::client;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string node_url;
  std::string key_path;
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
  return !options.node_url.empty() && !options.key_path.empty() && options.certificate_count > 0 &&
         options.verification_count > 0;
}

// p in [0, 1] of sorted latencies.
double percentile(std::vector<double> values_ms, double p) {
  std::sort(values_ms.begin(), values_ms.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values_ms.size() - 1) + 0.5);
  return values_ms[std::min(index, values_ms.size() - 1)];
}

struct Prepared {
  std::vector<client::CertificateFile> certificates;
  std::vector<govchain::chain::Tx> txs;
};

// Street-music permits valid for a day from now: no personal data, the
// document is a placeholder musician.
govchain::Result<Prepared> prepare(const client::Client& node, const govchain::crypto::KeyPair& office,
                                   const BenchOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(client::NodeStatus status, node.status());
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t nonce, node.next_nonce(office.public_key));
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  Prepared prepared;
  for (uint64_t index = 0; index < options.certificate_count; ++index) {
    client::StreetMusicPermitRequest request;
    request.municipality = options.municipality;
    request.zone = "markt";
    request.valid_from_ms = now_ms - 60'000;
    request.valid_until_ms = now_ms + 24 * 3'600'000;
    request.musician_json = R"({"name": "bench musician )" + std::to_string(index) + R"("})";
    GOVCHAIN_ASSIGN_OR_RETURN(client::CertificateFile certificate,
                              client::prepare_street_music_permit(status.chain_id, request));
    GOVCHAIN_ASSIGN_OR_RETURN(govchain::chain::Tx tx,
                              client::make_tx(status.chain_id, office, nonce + index, client::default_gas_limit,
                                              client::street_music_issue_action(certificate, request)));
    prepared.certificates.push_back(std::move(certificate));
    prepared.txs.push_back(std::move(tx));
  }
  return prepared;
}

// The node accepts a sender's transactions only up to a bounded distance
// ahead of its committed nonce (nonce_too_high beyond), so at most this many
// of the office's transactions are outstanding at once.
constexpr size_t outstanding_txs_max = 32;

govchain::Status wait_committed(const client::Client& node, const govchain::Hash& hash) {
  GOVCHAIN_ASSIGN_OR_RETURN(govchain::chain::Receipt receipt, node.wait_for_receipt(hash, 300'000));
  if (receipt.status != govchain::Code::ok)
    return govchain::error(receipt.status, "issuing refused: " + receipt.message);
  return govchain::Status();
}

// Submits the transactions in nonce order, keeping at most
// outstanding_txs_max uncommitted, then waits for the remaining receipts.
govchain::Result<double> issue_all(const client::Client& node, const Prepared& prepared) {
  const auto start = Clock::now();
  std::vector<govchain::Hash> hashes;
  for (const auto& tx : prepared.txs) {
    if (hashes.size() >= outstanding_txs_max)
      GOVCHAIN_TRY(wait_committed(node, hashes[hashes.size() - outstanding_txs_max]));
    GOVCHAIN_ASSIGN_OR_RETURN(govchain::Hash hash, node.submit(tx));
    hashes.push_back(hash);
  }
  const size_t first_unwaited = hashes.size() > outstanding_txs_max ? hashes.size() - outstanding_txs_max : 0;
  for (size_t index = first_unwaited; index < hashes.size(); ++index) GOVCHAIN_TRY(wait_committed(node, hashes[index]));
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
  GOVCHAIN_ASSIGN_OR_RETURN(double issue_ms, issue_all(node, prepared));
  GOVCHAIN_ASSIGN_OR_RETURN(auto verify_ms, verify_latencies_ms(node, prepared, options.verification_count));
  GOVCHAIN_ASSIGN_OR_RETURN(auto round_trip_ms, round_trip_latencies_ms(node, options.verification_count));
  nlohmann::json figures = {
      {"certificates_issued", options.certificate_count},
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
    std::cerr << "usage: certificate_bench --node URL --key FILE [--certificates N] [--verifications M] "
                 "[--municipality ID]\n";
    return 2;
  }
  govchain::Status status = run(options);
  if (!status.ok()) {
    std::cerr << "certificate_bench: " << status.to_string() << "\n";
    return 1;
  }
  return 0;
}
