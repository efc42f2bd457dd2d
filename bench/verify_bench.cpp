// verify_bench: the figures of certificate verification
// (docs/verification.md; docs/benchmarks.md, "Verification"), printed as one
// JSON object beside the machine's own BIP340 verification rate measured in
// the same run.
//
//   verify_bench size [--certificates N]
//       a chain in memory with five validators and N (default 1,000,000)
//       dog permits (a record and a facts entry each, so 2N state keys):
//       the bundle size of one certificate (record and facts; record only),
//       where its bytes go (bundle_parts_dog_permit), the spread of the
//       proof size over 1,000 other records (proof_bytes_of_other_records;
//       proof sizes include their 4-byte length, as the bundle holds them),
//       and offline verification p50/p99 of that bundle.
//   verify_bench online --node URL --certificate FILE [--count N]
//       N verifications of the certificate against a node, each one request
//       for a fresh bundle over one kept-alive connection, checked like
//       offline: p50/p99, and one API round trip (GET /healthz) for scale.
//
// The other certificates of `size` hold short values: a proof's size depends
// only on the tree's shape (the sibling hashes), not on other values.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "client/bundle_fetch.h"
#include "client/bundle_verify.h"
#include "client/http_transport.h"
#include "client/testing/test_chain.h"
#include "codec/codec.h"
#include "crypto/hash.h"
#include "state/proof.h"

using namespace govchain;
using namespace govchain::client;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

double percentile(std::vector<double> values, double share) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(share * static_cast<double>(values.size())))];
}

// The machine's own limit: BIP340 verifications per second on one core.
double signature_verifications_per_second() {
  const crypto::KeyPair pair = crypto::generate_key_pair();
  const Hash message = crypto::random_32();
  const Signature signature = crypto::sign(pair.secret, message.view());
  const auto start = Clock::now();
  size_t count = 0;
  while (elapsed_ms(start) < 1000) {
    for (int i = 0; i < 100; ++i)
      if (crypto::verify(pair.public_key, message.view(), signature)) ++count;
  }
  return static_cast<double>(count) / (elapsed_ms(start) / 1000);
}

Bytes dog_facts(int64_t insurance_until_ms) {
  codec::Writer writer;
  writer.count(1);
  writer.text("muzzle");
  writer.count(1);
  writer.i64(0);
  writer.i64(insurance_until_ms);
  return writer.take();
}

CertificateRecord dog_record(const Hash& id, const Hash& commitment, int64_t issued_ms) {
  const PublicKey office = crypto::generate_key_pair().public_key;
  CertificateRecord record;
  record.id = id;
  record.type = "dog_permit";
  record.issuer = office;
  record.issuer_municipality = "gelsenkirchen";
  record.authority = "public_order_office";
  record.issuer_authorized = true;
  record.municipality = "gelsenkirchen";
  record.commitment = commitment;
  record.valid_from_ms = issued_ms;
  record.status = "active";
  record.history.push_back({1, issued_ms, office, "gelsenkirchen", "active", "issued"});
  return record;
}

// Where a bundle's bytes go, part by part, as docs/verification.md section 4
// lays them out (every key of this chain is in the key table: 2 bytes). The
// parts must add up to the encoded size, so a layout change that this
// breakdown misses fails the bench instead of printing wrong parts.
Result<json> size_parts(const ProofBundle& bundle, size_t encoded_size) {
  if (!bundle.changes.empty()) return error(Code::invalid_argument, "the breakdown covers bundles without changes");
  const auto signatures = [](size_t count) { return 2 + count * (2 + 64); };
  const chain::Header& header = bundle.block.header;
  const bool derived =
      header.last_commit.height + 1 == header.height && header.last_commit.block_hash == header.previous_hash;
  const size_t head = 1 + 4 + bundle.chain_id.size() + 32 + 8 + 2;
  const size_t header_fields = 8 + 8 + 4 * 32 + 2;
  const size_t last_commit = 1 + (derived ? 0 : 8 + 32) + 4 + signatures(header.last_commit.signatures.size());
  const size_t commit = 4 + signatures(bundle.block.commit.signatures.size());
  size_t total = head + header_fields + last_commit + commit + 2;
  json entries = json::array();
  for (const BundleEntry& entry : bundle.entries) {
    const size_t key = 4 + entry.key.size(), value = 1 + (entry.value ? 4 + entry.value->size() : 0);
    const size_t proof = 4 + state::encode_proof(entry.proof).size();
    const auto non_empty = std::count_if(entry.proof.siblings.begin(), entry.proof.siblings.end(),
                                         [](const Hash& sibling) { return !sibling.is_zero(); });
    entries.push_back({{"key_bytes", key},
                       {"value_bytes", value},
                       {"proof_bytes", proof},
                       {"proof_depth", entry.proof.siblings.size()},
                       {"proof_siblings_non_empty", non_empty}});
    total += key + value + proof;
  }
  if (total != encoded_size)
    return error(Code::internal, "the size breakdown adds up to " + std::to_string(total) + " bytes, the bundle has " +
                                     std::to_string(encoded_size));
  return json{{"head_bytes", head},
              {"header_fields_bytes", header_fields},
              {"header_last_commit_bytes", last_commit},
              {"header_last_commit_signatures", header.last_commit.signatures.size()},
              {"commit_bytes", commit},
              {"commit_signatures", bundle.block.commit.signatures.size()},
              {"entries", entries}};
}

// The id of the index-th filler certificate.
Hash filler_id(uint64_t index) { return crypto::tagged_hash("bench/id", to_bytes(std::to_string(index))); }

// The one certificate of the size figure has a random id, so its two proofs
// are as deep as chance makes them; the encoded proof sizes of up to 1,000
// other certificates' record keys in the same tree show the spread.
Result<json> proof_spread(const testing::TestChain& chain, uint64_t fillers) {
  std::vector<double> sizes;
  for (uint64_t index = 0; index < std::min<uint64_t>(fillers, 1000); ++index) {
    const Hash id = filler_id(index * std::max<uint64_t>(1, fillers / 1000));
    GOVCHAIN_ASSIGN_OR_RETURN(ProofBundle bundle,
                              chain.bundle({certificate_bundle_keys("dogpermit", "dog_permit", id)[0]}));
    sizes.push_back(static_cast<double>(4 + state::encode_proof(bundle.entries[0].proof).size()));
  }
  return json{{"records", sizes.size()},
              {"p10", percentile(sizes, 0.10)},
              {"p50", percentile(sizes, 0.50)},
              {"p90", percentile(sizes, 0.90)},
              {"max", percentile(sizes, 1.0)}};
}

// 2 * count keys: a short record and facts per certificate, in blocks.
Status fill(testing::TestChain& chain, uint64_t count, int64_t time_ms) {
  constexpr uint64_t block_certificates = 50'000;
  for (uint64_t first = 0; first < count; first += block_certificates) {
    std::vector<state::StateChange> changes;
    for (uint64_t index = first; index < std::min(count, first + block_certificates); ++index) {
      const Hash id = filler_id(index);
      const auto keys = certificate_bundle_keys("dogpermit", "dog_permit", id);
      changes.push_back({keys[0], to_bytes("r")});
      changes.push_back({keys[1], to_bytes("f")});
    }
    GOVCHAIN_TRY(chain.add_block(std::move(changes), time_ms).status());
  }
  return Status();
}

int run_size(uint64_t certificates) {
  const double limit = signature_verifications_per_second();
  testing::TestChain chain("govchain-bench", 5);
  const int64_t issued_ms = 1'796'083'200'000;
  const auto fill_start = Clock::now();
  if (Status filled = fill(chain, certificates - 1, issued_ms); !filled.ok()) {
    std::cerr << filled.to_string() << "\n";
    return 1;
  }
  const double fill_seconds = elapsed_ms(fill_start) / 1000;
  const Hash id = crypto::random_32(), commitment = crypto::random_32();
  const auto keys = certificate_bundle_keys("dogpermit", "dog_permit", id);
  Status added =
      chain
          .add_block({{keys[0], testing::encode_stored_certificate_record(dog_record(id, commitment, issued_ms))},
                      {keys[1], dog_facts(issued_ms + 400LL * 86'400'000)}},
                     issued_ms)
          .status();
  auto full = chain.encoded_bundle(keys);
  auto record_only = chain.encoded_bundle({keys[0]});
  if (!added.ok() || !full.ok() || !record_only.ok()) return 1;
  auto bundle = chain.bundle(keys);
  if (!bundle.ok()) return 1;
  auto parts = size_parts(*bundle, full->size());
  auto spread = proof_spread(chain, certificates - 1);
  if (!parts.ok() || !spread.ok()) {
    std::cerr << (parts.ok() ? spread.status() : parts.status()).to_string() << "\n";
    return 1;
  }
  const CertificateReference reference{"govchain-bench", "dogpermit", id, commitment};
  BundleVerifyOptions options;
  options.now_ms = issued_ms + 86'400'000;
  std::vector<double> times_ms;
  for (int round = 0; round < 2000; ++round) {
    const auto start = Clock::now();
    auto result = verify_certificate_bundle(reference, "dog_permit", *full, chain.genesis_anchor(), options, true);
    times_ms.push_back(elapsed_ms(start));
    if (!result.ok() || !result->valid) return 1;
  }
  json out = {{"validators", 5},
              {"certificates", certificates},
              {"state_keys", 2 * certificates},
              {"fill_seconds", fill_seconds},
              {"bundle_bytes_dog_permit", full->size()},
              {"bundle_bytes_record_only", record_only->size()},
              {"bundle_base32_characters_dog_permit", base32_encode(*full).size()},
              {"bundle_goal_bytes", 1536},
              {"bundle_parts_dog_permit", *parts},
              {"proof_bytes_of_other_records", *spread},
              {"offline_verify_p50_ms", percentile(times_ms, 0.50)},
              {"offline_verify_p99_ms", percentile(times_ms, 0.99)},
              {"offline_verify_goal_p50_ms", 0.5},
              {"bip340_verifications_per_second_one_core", limit},
              {"signatures_per_verification", 4}};
  std::cout << out.dump() << "\n";
  return 0;
}

int run_online(const std::string& node_url, const std::string& certificate_path, uint64_t count) {
  const double limit = signature_verifications_per_second();
  auto certificate = read_certificate_file(certificate_path);
  if (!certificate.ok() || !certificate->trust_anchor) {
    std::cerr << "a certificate file with a trust anchor is needed\n";
    return 1;
  }
  ClientOptions client_options;
  client_options.node_url = node_url;
  auto session = VerifySession::open(client_options);
  auto endpoint = detail::parse_node_url(node_url);
  if (!session.ok() || !endpoint.ok()) return 1;
  std::vector<double> verify_ms, round_trip_ms;
  for (uint64_t round = 0; round < count; ++round) {
    const auto start = Clock::now();
    auto result = session->verify_certificate(reference_of(*certificate), certificate->type, *certificate->trust_anchor,
                                              {}, true);
    verify_ms.push_back(elapsed_ms(start));
    if (!result.ok() || !result->valid) {
      std::cerr << (result.ok() ? result->answer.verdict : result.status().to_string()) << "\n";
      return 1;
    }
    const auto trip = Clock::now();
    if (!detail::http_exchange(*endpoint, "GET", "/healthz", "", {}).ok()) return 1;
    round_trip_ms.push_back(elapsed_ms(trip));
    // Latency, not throughput: stay well under the node's per-address
    // request rate (1,000/s by default), which would answer 429.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  json out = {{"verifications", count},
              {"online_verify_p50_ms", percentile(verify_ms, 0.50)},
              {"online_verify_p99_ms", percentile(verify_ms, 0.99)},
              {"online_verify_goal_p50_ms", 2.0},
              {"healthz_round_trip_new_connection_p50_ms", percentile(round_trip_ms, 0.50)},
              {"bip340_verifications_per_second_one_core", limit}};
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  auto value = [&](const std::string& name, const std::string& fallback) {
    for (size_t i = 0; i + 1 < arguments.size(); ++i)
      if (arguments[i] == name) return arguments[i + 1];
    return fallback;
  };
  if (!arguments.empty() && arguments[0] == "size")
    return run_size(std::max<uint64_t>(2, std::strtoull(value("--certificates", "1000000").c_str(), nullptr, 10)));
  if (!arguments.empty() && arguments[0] == "online" && !value("--node", "").empty())
    return run_online(value("--node", ""), value("--certificate", ""),
                      std::max<uint64_t>(1, std::strtoull(value("--count", "1000").c_str(), nullptr, 10)));
  std::cerr << "usage: verify_bench size [--certificates N] | online --node URL --certificate FILE [--count N]\n";
  return 2;
}
