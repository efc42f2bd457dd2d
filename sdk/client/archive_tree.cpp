// Archive hashing and Merkle trees (archive.h; docs/archive.md sections 2-4):
// the hash algorithms, document hashing, the tree, its paths and the
// canonical bytes of a proof.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include "client/archive.h"
#include "client/archive_internal.h"
#include "codec/codec.h"

namespace govchain::client::archive {

namespace internal {

unsigned resolve_thread_count(unsigned thread_count) {
  if (thread_count != 0) return std::min(thread_count, 64u);
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

// Runs work(index) for every index in [0, count) on up to `thread_count`
// threads; the calling thread reports progress. Returns the first failure.
Status run_parallel(uint64_t count, unsigned thread_count, const std::function<Status(uint64_t)>& work,
                    const ProgressFunction& progress) {
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> done{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  Status failure;
  auto worker = [&] {
    for (uint64_t index = next++; index < count && !failed; index = next++) {
      Status status = work(index);
      if (!status.ok()) {
        std::lock_guard lock(failure_mutex);
        if (!failed.exchange(true)) failure = status;
      }
      ++done;
    }
  };
  std::vector<std::thread> threads;
  unsigned threads_total = std::max(
      1u, std::min<unsigned>(resolve_thread_count(thread_count), static_cast<unsigned>(std::min<uint64_t>(count, 64))));
  for (unsigned thread = 0; thread < threads_total; ++thread) threads.emplace_back(worker);
  // Polls briefly so that small batches do not wait; reports once a second.
  auto last_report = std::chrono::steady_clock::now();
  while (progress && done.load() < count && !failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (std::chrono::steady_clock::now() - last_report < std::chrono::seconds(1)) continue;
    last_report = std::chrono::steady_clock::now();
    if (done.load() < count && !failed) progress(done.load(), count);
  }
  for (auto& thread : threads) thread.join();
  if (progress && !failed) progress(count, count);
  return failure;
}

// Runs work(begin, end) over [0, count) split across threads for large counts.
void parallel_chunks(size_t count, const std::function<void(size_t, size_t)>& work) {
  const unsigned threads_total = count >= 65536 ? resolve_thread_count(0) : 1;
  std::vector<std::thread> threads;
  for (unsigned thread = 1; thread < threads_total; ++thread)
    threads.emplace_back(work, count * thread / threads_total, count * (thread + 1) / threads_total);
  work(0, count / threads_total);
  for (auto& thread : threads) thread.join();
}

}  // namespace internal

using namespace internal;

std::string_view algorithm_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha3_256:
      return "sha3_256";
    case HashAlgorithm::sha512_256:
      return "sha512_256";
    case HashAlgorithm::sha256:
    default:
      return "sha256";
  }
}

Result<HashAlgorithm> algorithm_from_name(std::string_view name) {
  for (auto algorithm : {HashAlgorithm::sha256, HashAlgorithm::sha3_256, HashAlgorithm::sha512_256})
    if (algorithm_name(algorithm) == name) return algorithm;
  return error(Code::invalid_argument,
               "unknown hash algorithm '" + std::string(name) + "'; supported: sha256, sha3_256, sha512_256");
}

struct DocumentHasher::State {
  std::unique_ptr<CryptoPP::HashTransformation> hash;
};

DocumentHasher::DocumentHasher(HashAlgorithm algorithm)
    : algorithm_(algorithm), state_(std::make_unique<State>(State{new_hash(algorithm)})) {}
DocumentHasher::~DocumentHasher() = default;
DocumentHasher::DocumentHasher(DocumentHasher&&) noexcept = default;
DocumentHasher& DocumentHasher::operator=(DocumentHasher&&) noexcept = default;
void DocumentHasher::update(ByteView part) { state_->hash->Update(part.data(), part.size()); }
Digest DocumentHasher::finish() {
  Digest out;
  state_->hash->Final(out.begin_mut());
  return out;
}

Digest hash_bytes(HashAlgorithm algorithm, ByteView message) {
  return with_algorithm(algorithm, [&](auto hash) {
    Digest out;
    hash.CalculateDigest(out.begin_mut(), message.data(), message.size());
    return out;
  });
}

Digest tagged_digest(HashAlgorithm algorithm, std::string_view tag, ByteView message) {
  return with_algorithm(algorithm,
                        [&](auto hash) { return finish_from(tag_prefix<decltype(hash)>(tag), message, ByteView()); });
}

Digest leaf_digest(HashAlgorithm algorithm, const Digest& document_hash) {
  return tagged_digest(algorithm, tags::leaf, document_hash.view());
}

Digest renewal_leaf_digest(HashAlgorithm algorithm, const Digest& document_hash, const Digest& evidence_hash) {
  return with_algorithm(algorithm, [&](auto hash) {
    return finish_from(tag_prefix<decltype(hash)>(tags::renewal_leaf), document_hash.view(), evidence_hash.view());
  });
}

Digest node_digest(HashAlgorithm algorithm, const Digest& left, const Digest& right) {
  return with_algorithm(algorithm, [&](auto hash) {
    return finish_from(tag_prefix<decltype(hash)>(tags::node), left.view(), right.view());
  });
}

Result<std::vector<Digest>> hash_file(const std::filesystem::path& path, const std::vector<HashAlgorithm>& algorithms) {
  int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) return error(Code::io_error, "cannot open " + path.string() + ": " + std::strerror(errno));
  std::vector<DocumentHasher> hashers;
  for (auto algorithm : algorithms) hashers.emplace_back(algorithm);
  constexpr size_t buffer_size_bytes = 64 * 1024;
  std::vector<uint8_t> buffer(buffer_size_bytes);
  for (;;) {
    ssize_t read_bytes = ::read(descriptor, buffer.data(), buffer.size());
    if (read_bytes < 0 && errno == EINTR) continue;
    if (read_bytes < 0) {
      std::string reason = std::strerror(errno);
      ::close(descriptor);
      return error(Code::io_error, "cannot read " + path.string() + ": " + reason);
    }
    if (read_bytes == 0) break;
    for (auto& hasher : hashers) hasher.update(ByteView(buffer.data(), static_cast<size_t>(read_bytes)));
  }
  ::close(descriptor);
  std::vector<Digest> digests;
  for (auto& hasher : hashers) digests.push_back(hasher.finish());
  return digests;
}

Result<std::vector<std::vector<Digest>>> hash_files(const std::vector<std::filesystem::path>& paths,
                                                    const std::vector<HashAlgorithm>& algorithms, unsigned thread_count,
                                                    const ProgressFunction& progress) {
  std::vector<std::vector<Digest>> digests(paths.size());
  Status status = run_parallel(
      paths.size(), thread_count,
      [&](uint64_t index) {
        auto file_digests = hash_file(paths[index], algorithms);
        if (!file_digests.ok()) return file_digests.status();
        digests[index] = std::move(*file_digests);
        return Status();
      },
      progress);
  if (!status.ok()) return status;
  return digests;
}

Result<std::vector<Digest>> parse_hash_list(std::string_view text) {
  std::vector<Digest> digests;
  uint64_t line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    auto digest = Digest::from_hex_string(line);
    if (!digest.ok()) return digest.status().with_context("hash list line " + std::to_string(line_number));
    if (digests.size() >= document_count_max)
      return error(Code::too_large, "more than " + std::to_string(document_count_max) + " hashes in the list");
    digests.push_back(*digest);
  }
  if (digests.empty()) return error(Code::invalid_argument, "the hash list has no hashes");
  return digests;
}

namespace {

// Hashes pairs of `below` into `above` (promoting an odd last node) on
// several threads for large levels.
template <typename HashType>
void build_level(const HashType& node_prefix, const std::vector<Digest>& below, std::vector<Digest>& above) {
  const size_t pairs = below.size() / 2;
  above.resize((below.size() + 1) / 2);
  auto hash_range = [&](size_t begin, size_t end) {
    for (size_t pair = begin; pair < end; ++pair)
      above[pair] = finish_from(node_prefix, below[2 * pair].view(), below[2 * pair + 1].view());
  };
  const unsigned threads_total = pairs >= 65536 ? resolve_thread_count(0) : 1;
  std::vector<std::thread> threads;
  for (unsigned thread = 1; thread < threads_total; ++thread)
    threads.emplace_back(hash_range, pairs * thread / threads_total, pairs * (thread + 1) / threads_total);
  hash_range(0, pairs / threads_total);
  for (auto& thread : threads) thread.join();
  if (below.size() % 2 == 1) above.back() = below.back();
}

}  // namespace

Result<MerkleTree> MerkleTree::build(HashAlgorithm algorithm, std::vector<Digest> leaves) {
  if (leaves.empty()) return error(Code::invalid_argument, "a batch needs at least one document");
  if (leaves.size() > document_count_max)
    return error(Code::too_large, "a batch holds at most " + std::to_string(document_count_max) + " documents");
  std::vector<std::vector<Digest>> levels;
  levels.push_back(std::move(leaves));
  with_algorithm(algorithm, [&](auto hash) {
    const auto node_prefix = tag_prefix<decltype(hash)>(tags::node);
    while (levels.back().size() > 1) {
      std::vector<Digest> above;
      build_level(node_prefix, levels.back(), above);
      levels.push_back(std::move(above));
    }
    return 0;
  });
  return MerkleTree(algorithm, std::move(levels));
}

std::vector<PathStep> MerkleTree::path(uint64_t leaf_index) const {
  std::vector<PathStep> steps;
  uint64_t position = leaf_index;
  for (size_t level = 0; level + 1 < levels_.size(); ++level, position /= 2) {
    const uint64_t sibling = position ^ 1;
    if (sibling >= levels_[level].size()) continue;  // promoted: no sibling at this level
    steps.push_back({position % 2 == 1 ? Side::left : Side::right, levels_[level][sibling]});
  }
  return steps;
}

Result<std::vector<Side>> expected_sides(uint64_t leaf_index, uint64_t leaf_count) {
  if (leaf_count == 0 || leaf_count > document_count_max || leaf_index >= leaf_count)
    return error(Code::invalid_argument, "leaf index " + std::to_string(leaf_index) + " is outside a batch of " +
                                             std::to_string(leaf_count) + " documents");
  std::vector<Side> sides;
  for (uint64_t position = leaf_index, width = leaf_count; width > 1; position /= 2, width = (width + 1) / 2) {
    if ((position ^ 1) >= width) continue;
    sides.push_back(position % 2 == 1 ? Side::left : Side::right);
  }
  return sides;
}

Digest root_from_path(HashAlgorithm algorithm, const Digest& leaf, const std::vector<PathStep>& path) {
  Digest current = leaf;
  for (const auto& step : path)
    current = step.side == Side::left ? node_digest(algorithm, step.sibling, current)
                                      : node_digest(algorithm, current, step.sibling);
  return current;
}

namespace {

void encode_proof(codec::Writer& writer, const Proof& proof) {
  writer.u8(static_cast<uint8_t>(proof_format_version));
  writer.text(proof.chain_id);
  writer.text(proof.contract);
  writer.fixed(proof.batch_id);
  writer.text(algorithm_name(proof.algorithm));
  writer.fixed(proof.document_hash);
  writer.boolean(proof.evidence_hash.has_value());
  if (proof.evidence_hash) writer.fixed(*proof.evidence_hash);
  writer.u64(proof.leaf_index);
  writer.u64(proof.document_count);
  writer.count(proof.path.size());
  for (const auto& step : proof.path) {
    writer.u8(static_cast<uint8_t>(step.side));
    writer.fixed(step.sibling);
  }
  writer.fixed(proof.root);
  writer.fixed(proof.anchor_tx_hash);
  writer.u64(proof.anchor_height);
  writer.i64(proof.anchor_time_ms);
  writer.boolean(proof.previous != nullptr);
  if (proof.previous) encode_proof(writer, *proof.previous);
}

}  // namespace

Bytes canonical_proof_bytes(const Proof& proof) {
  codec::Writer writer;
  encode_proof(writer, proof);
  return writer.take();
}

Digest evidence_hash(HashAlgorithm algorithm, const Proof& previous) {
  return hash_bytes(algorithm, canonical_proof_bytes(previous));
}

Digest leaf_of(const Proof& proof) {
  if (proof.evidence_hash) return renewal_leaf_digest(proof.algorithm, proof.document_hash, *proof.evidence_hash);
  return leaf_digest(proof.algorithm, proof.document_hash);
}

}  // namespace govchain::client::archive
