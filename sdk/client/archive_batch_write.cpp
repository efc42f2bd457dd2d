// Writing batch files (archive_batch.h; docs/archive.md section 5): the
// index, the header, the crash-safe writer, rebuilding a batch file from
// per-document proofs, and exporting per-document proof files.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "client/archive_batch.h"
#include "client/archive_internal.h"
#include "client/bundle.h"
#include "codec/codec.h"
#include "crypto/schnorr.h"

namespace govchain::client::archive {

using namespace internal;

namespace {

using Sink = std::function<Status(ByteView)>;

ByteView digests_view(const std::vector<Digest>& digests) {
  return ByteView(digests.empty() ? nullptr : digests.front().data.data(), digests.size() * Digest::size_bytes);
}

Bytes big_endian_numbers(const std::vector<uint32_t>& numbers) {
  Bytes bytes(numbers.size() * 4);
  for (size_t index = 0; index < numbers.size(); ++index) {
    bytes[4 * index] = static_cast<uint8_t>(numbers[index] >> 24);
    bytes[4 * index + 1] = static_cast<uint8_t>(numbers[index] >> 16);
    bytes[4 * index + 2] = static_cast<uint8_t>(numbers[index] >> 8);
    bytes[4 * index + 3] = static_cast<uint8_t>(numbers[index]);
  }
  return bytes;
}

size_t chain_length(const BatchFile& file) {
  size_t length = 0;
  for (const BatchFile* step = &file; step != nullptr; step = step->previous().get()) ++length;
  return length;
}

// What encode_batch_file and BatchFileWriter::write need of their inputs.
Status check_writable(const PreparedBatch& batch, const AnchorRecord& anchor) {
  const uint64_t count = batch.document_hashes.size();
  if (!batch.tree || batch.tree->leaf_count() != count || count == 0 || count > document_count_max)
    return error(Code::invalid_argument, "the batch has no tree of its documents; use prepare_batch");
  if (anchor.batch_id != batch.batch_id) return error(Code::invalid_argument, "the anchor record is of another batch");
  if (anchor.chain_id.empty() || anchor.chain_id.size() > batch_chain_id_size_bytes_max || anchor.contract.empty() ||
      anchor.contract.size() > batch_contract_size_bytes_max)
    return error(Code::invalid_argument, "the chain id and the contract need 1..64 bytes");
  if (anchor.bundle.size() > bundle_size_bytes_max)
    return error(Code::too_large, "the proof bundle is larger than 512 KiB");
  if (!anchor.bundle.empty() && (!anchor.trust_anchor || !check_trust_anchor(*anchor.trust_anchor).ok()))
    return error(Code::invalid_argument, "a proof bundle needs its (valid) trust anchor");
  if (!batch.is_renewal()) {
    if (!batch.previous_leaf_index.empty() || !batch.evidence_hashes.empty())
      return error(Code::invalid_argument, "a first anchoring has no evidence hashes");
    return Status();
  }
  const BatchHeader& previous = batch.previous_batch->header();
  if (batch.previous_leaf_index.size() != count || batch.evidence_hashes.size() != count ||
      previous.document_count != count)
    return error(Code::invalid_argument, "a renewal needs one renewed leaf and evidence hash per document");
  if (previous.chain_id != anchor.chain_id || previous.contract != anchor.contract)
    return error(Code::invalid_argument, "the renewed batch is of another chain or contract");
  if (chain_length(*batch.previous_batch) + 1 > evidence_chain_length_max)
    return error(Code::too_large, "the evidence chain would have more than 32 batches");
  return Status();
}

BatchHeader header_of(const PreparedBatch& batch, const AnchorRecord& anchor) {
  BatchHeader header;
  header.chain_id = anchor.chain_id;
  header.contract = anchor.contract;
  header.batch_id = batch.batch_id;
  header.algorithm = batch.algorithm;
  header.document_count = batch.document_hashes.size();
  header.root = batch.tree->root();
  header.anchor_tx_hash = anchor.tx_hash;
  header.anchor_height = anchor.height;
  header.anchor_time_ms = anchor.time_ms;
  if (!anchor.bundle.empty()) {
    header.trust_anchor = anchor.trust_anchor;
    header.bundle = anchor.bundle;
  }
  header.renewal = batch.is_renewal();
  return header;
}

// The prefix and the header, with the section table for a header of its size.
Bytes encode_head(const BatchHeader& header, uint64_t previous_size_bytes) {
  auto encode = [&](const std::vector<BatchSection>& sections) {
    codec::Writer writer;
    writer.text(header.chain_id);
    writer.text(header.contract);
    writer.fixed(header.batch_id);
    writer.text(algorithm_name(header.algorithm));
    writer.u64(header.document_count);
    writer.fixed(header.root);
    writer.fixed(header.anchor_tx_hash);
    writer.u64(header.anchor_height);
    writer.i64(header.anchor_time_ms);
    writer.bytes(header.trust_anchor ? encode_trust_anchor(*header.trust_anchor) : Bytes());
    writer.bytes(header.bundle);
    writer.boolean(header.renewal);
    writer.count(sections.size());
    for (const auto& section : sections) {
      writer.u64(section.offset);
      writer.u64(section.size_bytes);
    }
    return writer.take();
  };
  // The table's size depends only on its length, so a first pass with any
  // offsets gives the header's size and with it the first section's offset.
  const auto draft = batch_layout(0, header.document_count, header.renewal, previous_size_bytes);
  const uint64_t header_size = encode(draft).size();
  const Bytes body = encode(
      batch_layout(batch_prefix_size_bytes + header_size, header.document_count, header.renewal, previous_size_bytes));
  codec::Writer head;
  head.raw(to_bytes(batch_magic));
  head.u8(batch_format_version);
  head.u32(static_cast<uint32_t>(body.size()));
  head.raw(body);
  return head.take();
}

// The bytes of a batch file, in order, handed to `sink`.
Status emit_batch(const PreparedBatch& batch, const AnchorRecord& anchor, const Sink& sink) {
  const uint64_t previous_size = batch.is_renewal() ? batch.previous_batch->size_bytes() : 0;
  const Bytes head = encode_head(header_of(batch, anchor), previous_size);
  if (head.size() > batch_prefix_size_bytes + batch_header_size_bytes_max)
    return error(Code::too_large, "the batch file's header would be larger than 1 MiB");
  GOVCHAIN_TRY(sink(head));
  GOVCHAIN_TRY(sink(digests_view(batch.document_hashes)));
  GOVCHAIN_TRY(sink(big_endian_numbers(document_index(batch.document_hashes))));
  for (size_t level = 1; level < batch.tree->level_count(); ++level)
    GOVCHAIN_TRY(sink(digests_view(batch.tree->level(level))));
  if (!batch.is_renewal()) return Status();
  GOVCHAIN_TRY(sink(digests_view(batch.evidence_hashes)));
  GOVCHAIN_TRY(sink(big_endian_numbers(batch.previous_leaf_index)));
  return batch.previous_batch->copy_to(sink);
}

uint64_t batch_file_size(const PreparedBatch& batch, const AnchorRecord& anchor) {
  const uint64_t previous_size = batch.is_renewal() ? batch.previous_batch->size_bytes() : 0;
  const Bytes head = encode_head(header_of(batch, anchor), previous_size);
  const auto sections = batch_layout(head.size(), batch.document_hashes.size(), batch.is_renewal(), previous_size);
  return sections.back().offset + sections.back().size_bytes;
}

}  // namespace

namespace internal {

Status write_all(int descriptor, ByteView bytes, const std::string& name) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t result = ::write(descriptor, bytes.data() + written, bytes.size() - written);
    if (result < 0 && errno == EINTR) continue;
    if (result <= 0) return error(Code::io_error, "cannot write " + name + ": " + std::strerror(errno));
    written += static_cast<size_t>(result);
  }
  return Status();
}

// Renames without ever replacing an existing file: renameat2 where the file
// system supports it, else a hard link and the removal of the old name.
Status rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return Status();
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    Code code = errno == EEXIST ? Code::already_exists : Code::io_error;
    return error(code, "cannot rename " + from.string() + " to " + to.string() + ": " + std::strerror(errno));
  }
  if (::link(from.c_str(), to.c_str()) != 0) {
    Code code = errno == EEXIST ? Code::already_exists : Code::io_error;
    return error(code, "cannot link " + from.string() + " to " + to.string() + ": " + std::strerror(errno));
  }
  ::unlink(from.c_str());
  return Status();
}

Status sync_directory(const std::filesystem::path& directory) {
  int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor < 0) return error(Code::io_error, "cannot open " + directory.string() + ": " + std::strerror(errno));
  const int result = ::fsync(descriptor);
  ::close(descriptor);
  if (result != 0) return error(Code::io_error, "cannot sync " + directory.string() + ": " + std::strerror(errno));
  return Status();
}

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace internal

std::vector<uint32_t> document_index(const std::vector<Digest>& document_hashes) {
  // Buckets by the first two bytes (one counting pass), then each bucket
  // sorted by (hash, leaf): linear for the random hashes of real batches,
  // O(n log n) however the hashes are chosen.
  constexpr size_t bucket_count = 65536;
  auto bucket_of = [&](uint32_t leaf) {
    return (size_t{document_hashes[leaf].data[0]} << 8) | document_hashes[leaf].data[1];
  };
  std::vector<uint32_t> starts(bucket_count + 1, 0);
  for (uint32_t leaf = 0; leaf < document_hashes.size(); ++leaf) ++starts[bucket_of(leaf) + 1];
  for (size_t bucket = 0; bucket < bucket_count; ++bucket) starts[bucket + 1] += starts[bucket];
  std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
  std::vector<uint32_t> index(document_hashes.size());
  for (uint32_t leaf = 0; leaf < document_hashes.size(); ++leaf) index[next[bucket_of(leaf)]++] = leaf;
  auto before = [&](uint32_t left, uint32_t right) {
    const auto order = document_hashes[left] <=> document_hashes[right];
    return order < 0 || (order == 0 && left < right);
  };
  for (size_t bucket = 0; bucket < bucket_count; ++bucket)
    if (starts[bucket + 1] - starts[bucket] > 1)
      std::sort(index.begin() + starts[bucket], index.begin() + starts[bucket + 1], before);
  return index;
}

Result<Bytes> encode_batch_file(const PreparedBatch& batch, const AnchorRecord& anchor) {
  GOVCHAIN_TRY(check_writable(batch, anchor));
  Bytes out;
  out.reserve(batch_file_size(batch, anchor));
  GOVCHAIN_TRY(emit_batch(batch, anchor, [&](ByteView piece) {
    out.insert(out.end(), piece.begin(), piece.end());
    return Status();
  }));
  return out;
}

Result<BatchFileWriter> BatchFileWriter::open(const std::filesystem::path& path) {
  std::error_code failure;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, failure)))
    return error(Code::already_exists, path.string() + " exists already; a batch file is never overwritten");
  const auto folder = folder_of(path);
  std::filesystem::create_directories(folder, failure);
  if (failure) return error(Code::io_error, "cannot create " + folder.string() + ": " + failure.message());
  const auto temporary = folder / ("." + path.filename().string() + ".tmp-" + crypto::random_32().hex().substr(0, 16));
  int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (descriptor < 0)
    return error(Code::io_error, "cannot create a file in " + folder.string() + ": " + std::strerror(errno));
  return BatchFileWriter(path, temporary, descriptor);
}

BatchFileWriter::BatchFileWriter(BatchFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      temporary_path_(std::move(other.temporary_path_)),
      descriptor_(other.descriptor_),
      committed_(other.committed_) {
  other.descriptor_ = -1;
  other.committed_ = true;
}

BatchFileWriter::~BatchFileWriter() {
  if (!committed_) discard();
}

void BatchFileWriter::discard() {
  if (descriptor_ >= 0) ::close(descriptor_);
  descriptor_ = -1;
  if (!temporary_path_.empty()) ::unlink(temporary_path_.c_str());
}

Status BatchFileWriter::write(const PreparedBatch& batch, const AnchorRecord& anchor,
                              const ProgressFunction& progress) {
  if (committed_ || descriptor_ < 0) return error(Code::invalid_argument, "the batch file was written already");
  GOVCHAIN_TRY(check_writable(batch, anchor));
  const uint64_t total = batch_file_size(batch, anchor);
  uint64_t done = 0;
  auto last_report = std::chrono::steady_clock::now();
  const std::string name = temporary_path_.string();
  Status written = emit_batch(batch, anchor, [&](ByteView piece) {
    constexpr size_t part_size_bytes = 8 * 1024 * 1024;
    for (size_t offset = 0; offset < piece.size(); offset += part_size_bytes) {
      const ByteView part = piece.subspan(offset, std::min(part_size_bytes, piece.size() - offset));
      GOVCHAIN_TRY(write_all(descriptor_, part, name));
      done += part.size();
      if (progress && std::chrono::steady_clock::now() - last_report >= std::chrono::seconds(1)) {
        last_report = std::chrono::steady_clock::now();
        progress(done, total);
      }
    }
    return Status();
  });
  if (written.ok() && ::fsync(descriptor_) != 0) written = error(Code::io_error, "cannot sync " + name);
  if (written.ok() && ::close(std::exchange(descriptor_, -1)) != 0)
    written = error(Code::io_error, "cannot close " + name);
  if (written.ok()) written = rename_no_replace(temporary_path_, path_);
  if (!written.ok()) {
    discard();
    return written;
  }
  committed_ = true;
  if (progress) progress(total, total);
  return sync_directory(folder_of(path_));
}

Result<std::pair<PreparedBatch, AnchorRecord>> read_prepared_batch(const BatchFile& file) {
  const BatchHeader& header = file.header();
  PreparedBatch batch;
  batch.algorithm = header.algorithm;
  batch.batch_id = header.batch_id;
  GOVCHAIN_ASSIGN_OR_RETURN(batch.document_hashes, file.document_hashes());
  GOVCHAIN_ASSIGN_OR_RETURN(batch.evidence_hashes, file.evidence_hashes());
  GOVCHAIN_ASSIGN_OR_RETURN(batch.previous_leaf_index, file.previous_leaf_indexes());
  batch.previous_batch = file.previous();
  std::vector<Digest> leaves(batch.document_hashes.size());
  parallel_chunks(leaves.size(), [&](size_t begin, size_t end) {
    for (size_t leaf = begin; leaf < end; ++leaf)
      leaves[leaf] = header.renewal ? renewal_leaf_digest(header.algorithm, batch.document_hashes[leaf],
                                                          batch.evidence_hashes[leaf])
                                    : leaf_digest(header.algorithm, batch.document_hashes[leaf]);
  });
  GOVCHAIN_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::build(header.algorithm, std::move(leaves)));
  batch.tree = std::move(tree);
  AnchorRecord anchor;
  anchor.chain_id = header.chain_id;
  anchor.contract = header.contract;
  anchor.batch_id = header.batch_id;
  anchor.tx_hash = header.anchor_tx_hash;
  anchor.height = header.anchor_height;
  anchor.time_ms = header.anchor_time_ms;
  anchor.bundle = header.bundle;
  anchor.trust_anchor = header.trust_anchor;
  return std::make_pair(std::move(batch), std::move(anchor));
}

namespace {

Status check_same_batch(const Proof& proof, const Proof& first) {
  const bool same =
      proof.chain_id == first.chain_id && proof.contract == first.contract && proof.batch_id == first.batch_id &&
      proof.algorithm == first.algorithm && proof.document_count == first.document_count && proof.root == first.root &&
      proof.anchor_tx_hash == first.anchor_tx_hash && proof.anchor_height == first.anchor_height &&
      proof.anchor_time_ms == first.anchor_time_ms && (proof.previous != nullptr) == (first.previous != nullptr) &&
      proof.evidence_hash.has_value() == (proof.previous != nullptr);
  if (!same)
    return error(Code::invalid_argument, "the proofs of leaves " + std::to_string(first.leaf_index) + " and " +
                                             std::to_string(proof.leaf_index) + " disagree about their batch " +
                                             first.batch_id.hex());
  return Status();
}

// The proofs in leaf order; every leaf of the batch exactly once.
Result<std::vector<const Proof*>> proofs_by_leaf(const std::vector<std::shared_ptr<const Proof>>& proofs) {
  if (proofs.empty() || proofs.front() == nullptr) return error(Code::invalid_argument, "no proofs were given");
  const Proof& first = *proofs.front();
  if (first.document_count != proofs.size() || first.document_count > document_count_max)
    return error(Code::invalid_argument, "batch " + first.batch_id.hex() + " has " +
                                             std::to_string(first.document_count) + " documents but " +
                                             std::to_string(proofs.size()) + " proofs were given");
  std::vector<const Proof*> ordered(proofs.size(), nullptr);
  for (const auto& proof : proofs) {
    if (proof == nullptr) return error(Code::invalid_argument, "a proof is missing");
    GOVCHAIN_TRY(check_same_batch(*proof, first));
    if (proof->leaf_index >= ordered.size() || ordered[proof->leaf_index] != nullptr)
      return error(Code::invalid_argument, "the proof of leaf " + std::to_string(proof->leaf_index) +
                                               " is given twice or is outside batch " + first.batch_id.hex());
    ordered[proof->leaf_index] = proof.get();
  }
  return ordered;
}

AnchorRecord anchor_of(const std::vector<const Proof*>& ordered) {
  const Proof& first = *ordered.front();
  AnchorRecord anchor;
  anchor.chain_id = first.chain_id;
  anchor.contract = first.contract;
  anchor.batch_id = first.batch_id;
  anchor.tx_hash = first.anchor_tx_hash;
  anchor.height = first.anchor_height;
  anchor.time_ms = first.anchor_time_ms;
  for (const Proof* proof : ordered)
    if (!proof->bundle.empty() && proof->trust_anchor) {
      anchor.bundle = proof->bundle;
      anchor.trust_anchor = proof->trust_anchor;
      break;
    }
  return anchor;
}

// The renewal part of a rebuilt batch: the earlier batch, rebuilt from the
// proofs the given ones renew.
Result<BatchFile> rebuild_batch(const std::vector<std::shared_ptr<const Proof>>& proofs, uint32_t depth);

Status rebuild_renewal(const std::vector<const Proof*>& ordered, PreparedBatch& batch, uint32_t depth) {
  std::vector<std::shared_ptr<const Proof>> renewed;
  for (const Proof* proof : ordered) {
    renewed.push_back(proof->previous);
    batch.previous_leaf_index.push_back(static_cast<uint32_t>(proof->previous->leaf_index));
    batch.evidence_hashes.push_back(*proof->evidence_hash);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(BatchFile previous, rebuild_batch(renewed, depth + 1));
  batch.previous_batch = std::make_shared<const BatchFile>(std::move(previous));
  return Status();
}

Result<BatchFile> rebuild_batch(const std::vector<std::shared_ptr<const Proof>>& proofs, uint32_t depth) {
  if (depth >= evidence_chain_length_max) return error(Code::too_large, "the evidence chain has more than 32 batches");
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<const Proof*> ordered, proofs_by_leaf(proofs));
  const Proof& first = *ordered.front();
  PreparedBatch batch;
  batch.algorithm = first.algorithm;
  batch.batch_id = first.batch_id;
  std::vector<Digest> leaves;
  for (const Proof* proof : ordered) {
    batch.document_hashes.push_back(proof->document_hash);
    leaves.push_back(leaf_of(*proof));
  }
  if (first.previous != nullptr) GOVCHAIN_TRY(rebuild_renewal(ordered, batch, depth));
  GOVCHAIN_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::build(first.algorithm, std::move(leaves)));
  if (tree.root() != first.root)
    return error(Code::invalid_argument, "the proofs of batch " + first.batch_id.hex() + " do not lead to its root");
  batch.tree = std::move(tree);
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bytes, encode_batch_file(batch, anchor_of(ordered)));
  return BatchFile::from_bytes(std::move(bytes));
}

}  // namespace

Result<BatchFile> batch_from_proofs(const std::vector<std::shared_ptr<const Proof>>& proofs) {
  GOVCHAIN_ASSIGN_OR_RETURN(BatchFile file, rebuild_batch(proofs, 0));
  Status checked = file.check();
  if (!checked.ok()) return error(Code::invalid_argument, "the proofs do not make a sound batch: " + checked.message());
  for (const auto& proof : proofs) {
    GOVCHAIN_ASSIGN_OR_RETURN(Proof rebuilt, file.proof(proof->leaf_index));
    if (canonical_proof_bytes(rebuilt) != canonical_proof_bytes(*proof))
      return error(Code::invalid_argument, "the proof of leaf " + std::to_string(proof->leaf_index) +
                                               " differs from the one its batch gives (altered proof?)");
  }
  return file;
}

Status write_proof_files(const BatchFile& file, const std::vector<std::filesystem::path>& paths, unsigned thread_count,
                         const ProgressFunction& progress) {
  if (paths.size() != file.document_count())
    return error(Code::invalid_argument, "one proof path per document is needed");
  return run_parallel(
      paths.size(), thread_count,
      [&](uint64_t leaf) {
        if (paths[leaf].empty()) return Status();
        auto proof = file.proof(leaf);
        if (!proof.ok()) return proof.status();
        return write_proof_file(paths[leaf], *proof);
      },
      progress);
}

}  // namespace govchain::client::archive
