// archive_bench: anchoring a large batch of document hashes (default
// 1,000,000) with all proofs available: the Merkle tree, the root
// transaction and the proof bundle of the batch's record against a dev node
// when --node and --key are given, and the batch file with every proof
// written crash-safely (synced) to a temporary folder. Then, as a verifier
// would, one document's proof is found through the file's index, extracted
// and checked. Prints one JSON document with the figures beside the
// machine's own SHA-256 rate (hashes of 32-byte messages per second, one
// thread, measured in the same run), so that runs on different machines can
// be compared by ratio, and the process's peak resident memory.
//
//   archive_bench [--documents N] [--node URL --key FILE] [--dir DIR] [--keep]
//
// The tree is built on all hardware threads (at most 8), as `govchain
// archive anchor` builds it.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "client/archive.h"
#include "client/archive_batch.h"
#include "client/bundle_fetch.h"
#include "client/keys.h"
#include "crypto/hash.h"

namespace {

namespace archive = govchain::client::archive;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  uint64_t document_count = 1'000'000;
  std::string node_url;
  std::string key_path;
  std::string directory;
  bool keep = false;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

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

// The peak resident set of this process (VmHWM), in KiB; 0 when unknown.
uint64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

bool parse_options(int argc, char** argv, BenchOptions& options) {
  for (int index = 1; index < argc; ++index) {
    std::string argument = argv[index];
    bool has_value = index + 1 < argc;
    if (argument == "--documents" && has_value) {
      options.document_count = std::strtoull(argv[++index], nullptr, 10);
    } else if (argument == "--node" && has_value) {
      options.node_url = argv[++index];
    } else if (argument == "--key" && has_value) {
      options.key_path = argv[++index];
    } else if (argument == "--dir" && has_value) {
      options.directory = argv[++index];
    } else if (argument == "--keep") {
      options.keep = true;
    } else {
      std::cerr << "usage: archive_bench [--documents N] [--node URL --key FILE] [--dir DIR] [--keep]\n";
      return false;
    }
  }
  return options.document_count > 0 && options.document_count <= archive::document_count_max &&
         (options.node_url.empty() == options.key_path.empty());
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

struct Anchoring {
  archive::AnchorRecord record;
  double transaction_seconds = 0;
  double bundle_seconds = 0;
};

// Anchors on the node when one is given and fetches the bundle of the
// batch's record from the node's own trust anchor; else a local record.
govchain::Result<Anchoring> anchor(const BenchOptions& options, const archive::PreparedBatch& batch) {
  Anchoring anchoring;
  anchoring.record.chain_id = "bench";
  anchoring.record.batch_id = batch.batch_id;
  if (options.node_url.empty()) return anchoring;
  GOVCHAIN_ASSIGN_OR_RETURN(auto client, govchain::client::Client::connect({.node_url = options.node_url}));
  govchain::client::KeyLoadOptions load_options;
  load_options.allow_dev_keys = true;
  GOVCHAIN_ASSIGN_OR_RETURN(auto key, govchain::client::load_key_file(options.key_path, load_options));
  archive::AnchorRequest request;
  request.municipality = "dev-city";
  request.label = "archive_bench";
  auto start = Clock::now();
  GOVCHAIN_ASSIGN_OR_RETURN(anchoring.record, archive::anchor_batch(client, key.key_pair, batch, request));
  anchoring.transaction_seconds = seconds_since(start);
  start = Clock::now();
  GOVCHAIN_ASSIGN_OR_RETURN(auto trust_anchor, govchain::client::fetch_trust_anchor(client));
  GOVCHAIN_ASSIGN_OR_RETURN(
      anchoring.record.bundle,
      archive::fetch_batch_bundle(client, anchoring.record, batch.algorithm, batch.tree->root(), trust_anchor));
  anchoring.record.trust_anchor = trust_anchor;
  anchoring.bundle_seconds = seconds_since(start);
  return anchoring;
}

struct Lookup {
  double seconds = 0;
  bool valid = false;
};

// As `archive verify` does it: open the file, find the document through the
// index, extract its proof and check it (offline, with its bundle when the
// batch has one).
govchain::Result<Lookup> look_up(const std::filesystem::path& path, const archive::Digest& document, bool with_bundle) {
  const auto start = Clock::now();
  GOVCHAIN_ASSIGN_OR_RETURN(auto file, archive::BatchFile::open(path));
  GOVCHAIN_ASSIGN_OR_RETURN(auto leaves, file.find(document, 1));
  if (leaves.empty()) return govchain::error(govchain::Code::not_found, "the document is not in the batch file");
  GOVCHAIN_ASSIGN_OR_RETURN(auto proof, file.proof(leaves.front()));
  const archive::DocumentDigests digests{{archive::HashAlgorithm::sha256, document}};
  Lookup lookup;
  if (with_bundle) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto verification, archive::verify_proof_offline(proof, digests, {}));
    lookup.valid = verification.valid();
  } else {
    lookup.valid = archive::check_proof_offline(proof, digests).valid();
  }
  lookup.seconds = seconds_since(start);
  return lookup;
}

nlohmann::json figures_json(const BenchOptions& options, double sha256_rate) {
  const uint64_t tree_hashes = 2 * options.document_count - 1;
  return {{"documents", options.document_count},
          {"sha256_hashes_per_second_one_thread", static_cast<uint64_t>(sha256_rate)},
          {"tree_hashes", tree_hashes},
          {"tree_seconds_at_one_thread_sha256_rate", tree_hashes / sha256_rate},
          {"anchored_on_node", !options.node_url.empty()},
          {"goal_seconds", 2.0},
          {"hardware_threads", std::thread::hardware_concurrency()}};
}

int run(const BenchOptions& options) {
  const double sha256_rate = sha256_hashes_per_second();
  auto hashes = make_document_hashes(options.document_count);
  const archive::Digest probe = hashes[options.document_count / 3];
  const auto directory =
      std::filesystem::path(options.directory.empty() ? std::filesystem::temp_directory_path().string()
                                                      : options.directory) /
      ("archive_bench_" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()));
  const auto path = directory / "batch.gcab";
  auto writer = archive::BatchFileWriter::open(path);
  if (!writer.ok()) return std::cerr << writer.status().to_string() << "\n", 1;

  const auto start = Clock::now();
  auto batch = archive::prepare_batch(archive::HashAlgorithm::sha256, std::move(hashes), {});
  if (!batch.ok()) return std::cerr << batch.status().to_string() << "\n", 1;
  const double tree_seconds = seconds_since(start);
  auto anchoring = anchor(options, *batch);
  if (!anchoring.ok()) return std::cerr << anchoring.status().to_string() << "\n", 1;
  const auto write_start = Clock::now();
  auto written = writer->write(*batch, anchoring->record, nullptr);
  if (!written.ok()) return std::cerr << written.to_string() << "\n", 1;
  const double write_seconds = seconds_since(write_start);
  const double total_seconds = seconds_since(start);

  auto lookup = look_up(path, probe, !anchoring->record.bundle.empty());
  if (!lookup.ok()) return std::cerr << lookup.status().to_string() << "\n", 1;
  auto figures = figures_json(options, sha256_rate);
  figures.update(
      {{"tree_seconds", tree_seconds},
       {"tree_hashes_per_second", static_cast<uint64_t>(figures["tree_hashes"].get<double>() / tree_seconds)},
       {"anchor_transaction_seconds", anchoring->transaction_seconds},
       {"bundle_seconds", anchoring->bundle_seconds},
       {"anchor_height", anchoring->record.height},
       {"batch_file_seconds", write_seconds},
       {"batch_file_bytes", std::filesystem::file_size(path)},
       {"total_seconds", total_seconds},
       {"one_proof_lookup_and_check_ms", lookup->seconds * 1000},
       {"one_proof_valid", lookup->valid},
       {"peak_rss_mib", static_cast<double>(peak_rss_kib()) / 1024},
       {"batch_file", path.string()}});
  std::cout << figures.dump(2) << std::endl;
  if (!options.keep) std::filesystem::remove_all(directory);
  return lookup->valid ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  if (!parse_options(argc, argv, options)) return 2;
  return run(options);
}
