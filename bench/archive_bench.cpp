// archive_bench: anchoring a large batch of document hashes (default
// 1,000,000): the Merkle tree, the root transaction against a dev node when
// --node and --key are given, and every inclusion proof written to a temporary
// folder. Prints one JSON document with the figures beside the machine's own
// SHA-256 rate (hashes of 32-byte messages per second, one thread, measured in
// the same run), so that runs on different machines can be compared by ratio.
//
//   archive_bench [--documents N] [--threads N] [--node URL --key FILE] [--keep]
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "client/archive.h"
#include "client/keys.h"
#include "crypto/hash.h"

namespace {

namespace archive = govchain::client::archive;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  uint64_t document_count = 1'000'000;
  unsigned thread_count = 0;
  std::string node_url;
  std::string key_path;
  bool keep = false;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// SHA-256 of 32-byte messages on one thread for about 0.5 s.
double sha256_hashes_per_second() {
  govchain::Hash value;
  uint64_t hashes = 0;
  const auto start = Clock::now();
  while (seconds_since(start) < 0.5) {
    for (int round = 0; round < 10000; ++round) value = govchain::crypto::sha256(value.view());
    hashes += 10000;
  }
  if (value.is_zero()) std::cerr << "";  // keeps the loop from being optimised away
  return static_cast<double>(hashes) / seconds_since(start);
}

bool parse_options(int argc, char** argv, BenchOptions& options) {
  for (int index = 1; index < argc; ++index) {
    std::string argument = argv[index];
    bool has_value = index + 1 < argc;
    if (argument == "--documents" && has_value) {
      options.document_count = std::strtoull(argv[++index], nullptr, 10);
    } else if (argument == "--threads" && has_value) {
      options.thread_count = static_cast<unsigned>(std::strtoul(argv[++index], nullptr, 10));
    } else if (argument == "--node" && has_value) {
      options.node_url = argv[++index];
    } else if (argument == "--key" && has_value) {
      options.key_path = argv[++index];
    } else if (argument == "--keep") {
      options.keep = true;
    } else {
      std::cerr << "usage: archive_bench [--documents N] [--threads N] [--node URL --key FILE] [--keep]\n";
      return false;
    }
  }
  return options.document_count > 0 && (options.node_url.empty() == options.key_path.empty());
}

std::vector<archive::Digest> make_document_hashes(uint64_t count) {
  std::vector<archive::Digest> hashes(count);
  for (uint64_t index = 0; index < count; ++index) {
    govchain::Bytes seed(8);
    for (int byte = 0; byte < 8; ++byte) seed[byte] = static_cast<uint8_t>(index >> (8 * byte));
    hashes[index] = govchain::crypto::sha256(govchain::ByteView(seed));
  }
  return hashes;
}

// Anchors on the node when one is given; otherwise a local anchor record.
govchain::Result<archive::AnchorRecord> anchor(const BenchOptions& options, const archive::PreparedBatch& batch) {
  archive::AnchorRecord record;
  record.chain_id = "bench";
  record.batch_id = batch.batch_id;
  if (options.node_url.empty()) return record;
  auto client = govchain::client::Client::connect({.node_url = options.node_url});
  if (!client.ok()) return client.status();
  govchain::client::KeyLoadOptions load_options;
  load_options.allow_dev_keys = true;
  auto key = govchain::client::load_key_file(options.key_path, load_options);
  if (!key.ok()) return key.status();
  archive::AnchorRequest request;
  request.municipality = "dev-city";
  request.label = "archive_bench";
  return archive::anchor_batch(*client, key->key_pair, batch, request);
}

int run(const BenchOptions& options) {
  const double sha256_rate = sha256_hashes_per_second();
  auto hashes = make_document_hashes(options.document_count);
  auto directory = std::filesystem::temp_directory_path() /
                   ("archive_bench_" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(directory);
  std::vector<std::filesystem::path> paths(options.document_count);
  for (uint64_t index = 0; index < options.document_count; ++index)
    paths[index] = directory / (hashes[index].hex() + ".proof.json");

  const auto start = Clock::now();
  auto batch = archive::prepare_batch(archive::HashAlgorithm::sha256, std::move(hashes), {});
  if (!batch.ok()) return std::cerr << batch.status().to_string() << "\n", 1;
  const double tree_seconds = seconds_since(start);
  const auto anchor_start = Clock::now();
  auto record = anchor(options, *batch);
  if (!record.ok()) return std::cerr << record.status().to_string() << "\n", 1;
  const double anchor_seconds = seconds_since(anchor_start);
  const auto proofs_start = Clock::now();
  auto written = archive::write_proofs(*batch, *record, paths, options.thread_count, nullptr);
  if (!written.ok()) return std::cerr << written.to_string() << "\n", 1;
  const double proofs_seconds = seconds_since(proofs_start);
  const double total_seconds = seconds_since(start);

  const uint64_t tree_hashes = 2 * options.document_count - 1;
  nlohmann::json figures = {
      {"documents", options.document_count},
      {"sha256_hashes_per_second_one_thread", static_cast<uint64_t>(sha256_rate)},
      {"tree_hashes", tree_hashes},
      {"tree_seconds", tree_seconds},
      {"tree_hashes_per_second", static_cast<uint64_t>(tree_hashes / tree_seconds)},
      {"tree_seconds_at_one_thread_sha256_rate", tree_hashes / sha256_rate},
      {"anchored_on_node", !options.node_url.empty()},
      {"anchor_transaction_seconds", anchor_seconds},
      {"anchor_height", record->height},
      {"proofs_seconds", proofs_seconds},
      {"proofs_per_second", static_cast<uint64_t>(options.document_count / proofs_seconds)},
      {"total_seconds", total_seconds},
      {"goal_seconds", 2.0},
      {"threads", options.thread_count},
      {"hardware_threads", std::thread::hardware_concurrency()},
      {"proofs_dir", directory.string()}};
  std::cout << figures.dump(2) << std::endl;  // printed before the slow clean-up
  if (!options.keep) std::filesystem::remove_all(directory);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  if (!parse_options(argc, argv, options)) return 2;
  return run(options);
}
