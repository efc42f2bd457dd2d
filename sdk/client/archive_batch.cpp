// Reading batch files (archive_batch.h; docs/archive.md section 5): the
// sources, the layout, decoding the header, single reads (a document's
// leaves through the index, one proof) and the full check.
#include "client/archive_batch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "client/archive_internal.h"
#include "client/bundle.h"
#include "codec/codec.h"

namespace govchain::client::archive {

using namespace internal;

static_assert(sizeof(Digest) == Digest::size_bytes, "digests are read as packed arrays");

namespace {

Status malformed(const std::string& message) { return error(Code::malformed, "batch file: " + message); }

// A failure while decoding the header, worded as the others.
Status header_fault(const Status& status) {
  if (status.message().starts_with("batch file: ")) return status;
  return malformed("header: " + status.message());
}

// A file read with pread. Owns the descriptor.
class FileSource final : public ByteSource {
 public:
  FileSource(int descriptor, uint64_t size_bytes, std::string name)
      : descriptor_(descriptor), size_bytes_(size_bytes), name_(std::move(name)) {}
  ~FileSource() override { ::close(descriptor_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  uint64_t size_bytes() const override { return size_bytes_; }
  Status read(uint64_t offset, uint8_t* out, size_t size) const override {
    size_t done = 0;
    while (done < size) {
      ssize_t got = ::pread(descriptor_, out + done, size - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return error(Code::io_error, "cannot read " + name_ + ": " + std::strerror(errno));
      if (got == 0)
        return error(Code::io_error, "cannot read " + name_ + ": it became shorter while being read (replaced?)");
      done += static_cast<size_t>(got);
    }
    return Status();
  }

 private:
  int descriptor_;
  uint64_t size_bytes_;
  std::string name_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(Bytes bytes) : bytes_(std::move(bytes)) {}
  uint64_t size_bytes() const override { return bytes_.size(); }
  Status read(uint64_t offset, uint8_t* out, size_t size) const override {
    if (offset > bytes_.size() || size > bytes_.size() - offset)
      return error(Code::io_error, "read beyond the end of the batch file in memory");
    if (size > 0) std::memcpy(out, bytes_.data() + offset, size);
    return Status();
  }

 private:
  Bytes bytes_;
};

Result<int> open_descriptor(const std::filesystem::path& path, uint64_t& size_bytes) {
  int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    Code code = errno == ENOENT ? Code::not_found : Code::io_error;
    return error(code, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(descriptor, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(descriptor);
    return error(Code::io_error, path.string() + " is not a regular file");
  }
  size_bytes = static_cast<uint64_t>(info.st_size);
  return descriptor;
}

Result<TrustAnchor> decode_trust_anchor(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != trust_anchor_format_version) return malformed("its trust anchor has an unknown version");
  TrustAnchor anchor;
  GOVCHAIN_ASSIGN_OR_RETURN(anchor.chain_id, reader.text(batch_chain_id_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(anchor.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(trust_anchor_validators_max, PublicKey::size_bytes));
  for (size_t index = 0; index < count; ++index) {
    GOVCHAIN_ASSIGN_OR_RETURN(PublicKey key, reader.fixed<32>());
    anchor.validators.push_back(key);
  }
  GOVCHAIN_TRY(reader.finish());
  Status valid = check_trust_anchor(anchor);
  if (!valid.ok()) return malformed(valid.message());
  return anchor;
}

// The header's fields up to the section table.
Status decode_header_fields(codec::Reader& reader, BatchHeader& header) {
  GOVCHAIN_ASSIGN_OR_RETURN(header.chain_id, reader.text(batch_chain_id_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(header.contract, reader.text(batch_contract_size_bytes_max));
  if (header.chain_id.empty() || header.contract.empty()) return malformed("the chain id or contract is empty");
  GOVCHAIN_ASSIGN_OR_RETURN(header.batch_id, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(std::string algorithm, reader.text(64));
  auto known = algorithm_from_name(algorithm);
  if (!known.ok()) return malformed(known.status().message());
  header.algorithm = *known;
  GOVCHAIN_ASSIGN_OR_RETURN(header.document_count, reader.u64());
  if (header.document_count == 0 || header.document_count > document_count_max)
    return malformed("a batch holds 1.." + std::to_string(document_count_max) + " documents, the header says " +
                     std::to_string(header.document_count));
  GOVCHAIN_ASSIGN_OR_RETURN(header.root, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(header.anchor_tx_hash, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(header.anchor_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(header.anchor_time_ms, reader.i64());
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes anchor_bytes, reader.bytes(batch_trust_anchor_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(header.bundle, reader.bytes(bundle_size_bytes_max));
  if (anchor_bytes.empty() != header.bundle.empty())
    return malformed("the header has a proof bundle without its trust anchor, or the other way round");
  if (!anchor_bytes.empty()) {
    auto anchor = decode_trust_anchor(anchor_bytes);
    if (!anchor.ok()) return anchor.status();
    header.trust_anchor = std::move(*anchor);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(header.renewal, reader.boolean());
  return Status();
}

// The section table; every entry must lie inside the `available` bytes.
Result<std::vector<BatchSection>> decode_sections(codec::Reader& reader, uint64_t available) {
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(batch_sections_max, 16));
  std::vector<BatchSection> sections(count);
  for (auto& section : sections) {
    GOVCHAIN_ASSIGN_OR_RETURN(section.offset, reader.u64());
    GOVCHAIN_ASSIGN_OR_RETURN(section.size_bytes, reader.u64());
    if (section.size_bytes > available || section.offset > available - section.size_bytes)
      return malformed("a section (offset " + std::to_string(section.offset) + ", " +
                       std::to_string(section.size_bytes) + " bytes) lies beyond the end of the file (" +
                       std::to_string(available) + " bytes): truncated, or wrong offsets");
  }
  GOVCHAIN_TRY(reader.finish());
  return sections;
}

std::string section_name(size_t index, size_t level_count, bool renewal) {
  if (index == 0) return "documents";
  if (index == 1) return "index";
  if (index <= level_count) return "tree level " + std::to_string(index - 1);
  if (renewal && index == level_count + 1) return "evidence hashes";
  if (renewal && index == level_count + 2) return "previous leaf indexes";
  return "previous batch";
}

Status check_layout(const std::vector<BatchSection>& found, const std::vector<BatchSection>& expected,
                    size_t level_count, bool renewal) {
  if (found.size() != expected.size())
    return malformed("the header lists " + std::to_string(found.size()) + " sections; a batch of this size has " +
                     std::to_string(expected.size()));
  for (size_t index = 0; index < found.size(); ++index)
    if (found[index].offset != expected[index].offset || found[index].size_bytes != expected[index].size_bytes)
      return malformed("section '" + section_name(index, level_count, renewal) + "' is listed at offset " +
                       std::to_string(found[index].offset) + " with " + std::to_string(found[index].size_bytes) +
                       " bytes; it must be at " + std::to_string(expected[index].offset) + " with " +
                       std::to_string(expected[index].size_bytes) + " (wrong offsets)");
  return Status();
}

}  // namespace

namespace internal {

std::vector<BatchSection> batch_layout(uint64_t first_offset, uint64_t document_count, bool renewal,
                                       uint64_t previous_size_bytes) {
  const auto widths = level_widths(document_count);
  std::vector<uint64_t> sizes{document_count * Digest::size_bytes, document_count * 4};
  for (size_t level = 1; level < widths.size(); ++level) sizes.push_back(widths[level] * Digest::size_bytes);
  if (renewal) {
    sizes.push_back(document_count * Digest::size_bytes);
    sizes.push_back(document_count * 4);
    sizes.push_back(previous_size_bytes);
  }
  std::vector<BatchSection> sections;
  uint64_t offset = first_offset;
  for (uint64_t size : sizes) {
    sections.push_back({offset, size});
    offset += size;
  }
  return sections;
}

}  // namespace internal

std::vector<uint64_t> level_widths(uint64_t document_count) {
  std::vector<uint64_t> widths{document_count};
  while (widths.back() > 1) widths.push_back((widths.back() + 1) / 2);
  return widths;
}

bool BatchFile::looks_like_batch_file(std::string_view prefix) { return prefix.starts_with(batch_magic); }

Result<BatchFile> BatchFile::open(const std::filesystem::path& path) {
  uint64_t size_bytes = 0;
  GOVCHAIN_ASSIGN_OR_RETURN(int descriptor, open_descriptor(path, size_bytes));
  auto source = std::make_shared<const FileSource>(descriptor, size_bytes, path.string());
  return open_at(std::move(source), 0, size_bytes, 0);
}

Result<BatchFile> BatchFile::load(const std::filesystem::path& path) {
  uint64_t size_bytes = 0;
  GOVCHAIN_ASSIGN_OR_RETURN(int descriptor, open_descriptor(path, size_bytes));
  FileSource file(descriptor, size_bytes, path.string());
  if (size_bytes > batch_load_size_bytes_max)
    return error(Code::too_large, path.string() + " is larger than 4 GiB; open it without loading it");
  Bytes bytes(size_bytes);
  GOVCHAIN_TRY(file.read(0, bytes.data(), bytes.size()));
  return from_bytes(std::move(bytes));
}

Result<BatchFile> BatchFile::from_bytes(Bytes bytes) {
  const uint64_t size_bytes = bytes.size();
  return open_at(std::make_shared<const MemorySource>(std::move(bytes)), 0, size_bytes, 0);
}

Result<BatchFile> BatchFile::open_at(std::shared_ptr<const ByteSource> source, uint64_t base, uint64_t available,
                                     uint32_t depth) {
  if (depth >= evidence_chain_length_max)
    return malformed("its evidence chain has more than " + std::to_string(evidence_chain_length_max) + " batches");
  if (available < batch_prefix_size_bytes)
    return malformed("it has " + std::to_string(available) + " bytes, too few for a batch file (truncated?)");
  uint8_t prefix[batch_prefix_size_bytes];
  GOVCHAIN_TRY(source->read(base, prefix, sizeof(prefix)));
  if (std::memcmp(prefix, batch_magic.data(), batch_magic.size()) != 0)
    return malformed("it does not start with \"govchain-archive-batch\": not a govchain archive batch file");
  codec::Reader prefix_reader(ByteView(prefix + batch_magic.size(), 5));
  const uint8_t version = *prefix_reader.u8();
  const uint32_t header_size = *prefix_reader.u32();
  if (version != batch_format_version)
    return malformed("format version " + std::to_string(version) + "; this verifier reads version 1");
  if (header_size > batch_header_size_bytes_max || header_size > available - batch_prefix_size_bytes)
    return malformed("its header size (" + std::to_string(header_size) + " bytes) is over 1 MiB or beyond the end");
  Bytes header_bytes(header_size);
  GOVCHAIN_TRY(source->read(base + batch_prefix_size_bytes, header_bytes.data(), header_bytes.size()));
  BatchFile file;
  codec::Reader reader(header_bytes);
  Status fields = decode_header_fields(reader, file.header_);
  if (!fields.ok()) return header_fault(fields);
  auto sections = decode_sections(reader, available);
  if (!sections.ok()) return header_fault(sections.status());
  file.source_ = std::move(source);
  file.base_ = base;
  file.sections_ = std::move(*sections);
  file.level_widths_ = level_widths(file.header_.document_count);
  const bool renewal = file.header_.renewal;
  const uint64_t previous_size = renewal && !file.sections_.empty() ? file.sections_.back().size_bytes : 0;
  const auto expected =
      batch_layout(batch_prefix_size_bytes + header_size, file.header_.document_count, renewal, previous_size);
  GOVCHAIN_TRY(check_layout(file.sections_, expected, file.level_widths_.size(), renewal));
  file.size_bytes_ = expected.back().offset + expected.back().size_bytes;
  if (depth == 0 && file.size_bytes_ != available)
    return malformed("it has " + std::to_string(available) + " bytes but its sections end at " +
                     std::to_string(file.size_bytes_) + " (truncated or extended)");
  if (renewal) GOVCHAIN_TRY(file.open_previous(depth));
  if (file.level_widths_.size() > 1) {
    GOVCHAIN_ASSIGN_OR_RETURN(Digest top, file.read_digest(file.level_section(file.level_widths_.size() - 1), 0));
    if (top != file.header_.root) return malformed("the tree's top differs from the root in the header");
  }
  return file;
}

Status BatchFile::open_previous(uint32_t depth) {
  const BatchSection& section = sections_.back();
  auto previous = open_at(source_, base_ + section.offset, section.size_bytes, depth + 1);
  if (!previous.ok()) return previous.status().with_context("the previous batch it renews");
  if (previous->size_bytes_ != section.size_bytes)
    return malformed("the previous batch it renews ends before its section does");
  if (previous->header_.chain_id != header_.chain_id || previous->header_.contract != header_.contract)
    return malformed("the previous batch it renews is of another chain or contract");
  if (previous->header_.document_count != header_.document_count)
    return malformed("the previous batch has " + std::to_string(previous->header_.document_count) +
                     " documents, this renewal " + std::to_string(header_.document_count) +
                     ": a batch is renewed whole");
  previous_ = std::make_shared<const BatchFile>(std::move(*previous));
  return Status();
}

std::vector<HashAlgorithm> BatchFile::algorithms() const {
  std::vector<HashAlgorithm> algorithms;
  for (const BatchFile* file = this; file != nullptr; file = file->previous_.get())
    if (std::find(algorithms.begin(), algorithms.end(), file->header_.algorithm) == algorithms.end())
      algorithms.push_back(file->header_.algorithm);
  return algorithms;
}

Status BatchFile::read_at(const BatchSection& section, uint64_t offset, uint8_t* out, size_t size) const {
  if (offset > section.size_bytes || size > section.size_bytes - offset)
    return error(Code::internal, "a read beyond a section of the batch file");
  return source_->read(base_ + section.offset + offset, out, size);
}

Result<Digest> BatchFile::read_digest(size_t section_index, uint64_t entry) const {
  Digest digest;
  GOVCHAIN_TRY(read_at(sections_[section_index], entry * Digest::size_bytes, digest.begin_mut(), Digest::size_bytes));
  return digest;
}

Result<uint32_t> BatchFile::read_leaf_number(size_t section_index, uint64_t entry) const {
  uint8_t bytes[4];
  GOVCHAIN_TRY(read_at(sections_[section_index], entry * 4, bytes, sizeof(bytes)));
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | uint32_t{bytes[3]};
}

Result<Digest> BatchFile::document_hash(uint64_t leaf_index) const {
  if (leaf_index >= header_.document_count)
    return error(Code::invalid_argument, "leaf " + std::to_string(leaf_index) + " is outside a batch of " +
                                             std::to_string(header_.document_count) + " documents");
  return read_digest(0, leaf_index);
}

Result<std::vector<Digest>> BatchFile::document_hashes() const {
  std::vector<Digest> digests(header_.document_count);
  GOVCHAIN_TRY(read_at(sections_[0], 0, digests.front().begin_mut(), digests.size() * Digest::size_bytes));
  return digests;
}

Result<std::vector<Digest>> BatchFile::evidence_hashes() const {
  if (!header_.renewal) return std::vector<Digest>();
  std::vector<Digest> digests(header_.document_count);
  GOVCHAIN_TRY(
      read_at(sections_[evidence_section()], 0, digests.front().begin_mut(), digests.size() * Digest::size_bytes));
  return digests;
}

Result<std::vector<uint32_t>> BatchFile::read_leaf_numbers(size_t section_index) const {
  const uint64_t count = header_.document_count;
  Bytes bytes(count * 4);
  GOVCHAIN_TRY(read_at(sections_[section_index], 0, bytes.data(), bytes.size()));
  std::vector<uint32_t> numbers(count);
  for (uint64_t index = 0; index < count; ++index) {
    const uint8_t* entry = bytes.data() + 4 * index;
    numbers[index] = (uint32_t{entry[0]} << 24) | (uint32_t{entry[1]} << 16) | (uint32_t{entry[2]} << 8) | entry[3];
  }
  return numbers;
}

Result<std::vector<uint32_t>> BatchFile::previous_leaf_indexes() const {
  if (!header_.renewal) return std::vector<uint32_t>();
  return read_leaf_numbers(previous_index_section());
}

Status BatchFile::copy_to(const std::function<Status(ByteView)>& sink) const {
  constexpr uint64_t piece_size_bytes = 8 * 1024 * 1024;
  Bytes piece;
  for (uint64_t offset = 0; offset < size_bytes_; offset += piece.size()) {
    piece.resize(std::min(piece_size_bytes, size_bytes_ - offset));
    GOVCHAIN_TRY(source_->read(base_ + offset, piece.data(), piece.size()));
    GOVCHAIN_TRY(sink(piece));
  }
  return Status();
}

Result<std::vector<uint64_t>> BatchFile::find(const Digest& document_hash, uint64_t leaves_max) const {
  const uint64_t count = header_.document_count;
  auto leaf_at = [&](uint64_t position) -> Result<uint64_t> {
    GOVCHAIN_ASSIGN_OR_RETURN(uint32_t leaf, read_leaf_number(1, position));
    if (leaf >= count)
      return malformed("its index names leaf " + std::to_string(leaf) + " in a batch of " + std::to_string(count) +
                       " documents: the index was altered");
    return leaf;
  };
  uint64_t low = 0, high = count;
  while (low < high) {
    const uint64_t middle = low + (high - low) / 2;
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t leaf, leaf_at(middle));
    GOVCHAIN_ASSIGN_OR_RETURN(Digest found, read_digest(0, leaf));
    if (found < document_hash) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  std::vector<uint64_t> leaves;
  for (uint64_t position = low; position < count && leaves.size() < leaves_max; ++position) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t leaf, leaf_at(position));
    GOVCHAIN_ASSIGN_OR_RETURN(Digest found, read_digest(0, leaf));
    if (found != document_hash) break;
    leaves.push_back(leaf);
  }
  std::sort(leaves.begin(), leaves.end());
  return leaves;
}

Result<std::optional<uint64_t>> BatchFile::scan(const Digest& document_hash) const {
  constexpr uint64_t chunk_documents = 32768;
  std::vector<Digest> chunk;
  for (uint64_t first = 0; first < header_.document_count; first += chunk.size()) {
    chunk.resize(std::min(chunk_documents, header_.document_count - first));
    GOVCHAIN_TRY(read_at(sections_[0], first * Digest::size_bytes, chunk.front().begin_mut(),
                         chunk.size() * Digest::size_bytes));
    for (size_t index = 0; index < chunk.size(); ++index)
      if (chunk[index] == document_hash) return std::optional<uint64_t>(first + index);
  }
  return std::optional<uint64_t>();
}

Result<Digest> BatchFile::leaf_digest_at(uint64_t leaf_index) const {
  GOVCHAIN_ASSIGN_OR_RETURN(Digest document, read_digest(0, leaf_index));
  if (!header_.renewal) return leaf_digest(header_.algorithm, document);
  GOVCHAIN_ASSIGN_OR_RETURN(Digest evidence, read_digest(evidence_section(), leaf_index));
  return renewal_leaf_digest(header_.algorithm, document, evidence);
}

Result<std::vector<PathStep>> BatchFile::path_of(uint64_t leaf_index) const {
  std::vector<PathStep> path;
  uint64_t position = leaf_index;
  for (size_t level = 0; level + 1 < level_widths_.size(); ++level, position /= 2) {
    const uint64_t sibling = position ^ 1;
    if (sibling >= level_widths_[level]) continue;  // promoted: no sibling at this level
    PathStep step;
    step.side = position % 2 == 1 ? Side::left : Side::right;
    if (level == 0) {
      GOVCHAIN_ASSIGN_OR_RETURN(step.sibling, leaf_digest_at(sibling));
    } else {
      GOVCHAIN_ASSIGN_OR_RETURN(step.sibling, read_digest(level_section(level), sibling));
    }
    path.push_back(step);
  }
  return path;
}

Result<Proof> BatchFile::proof(uint64_t leaf_index) const {
  Proof proof;
  GOVCHAIN_ASSIGN_OR_RETURN(proof.document_hash, document_hash(leaf_index));
  proof.chain_id = header_.chain_id;
  proof.contract = header_.contract;
  proof.batch_id = header_.batch_id;
  proof.algorithm = header_.algorithm;
  proof.leaf_index = leaf_index;
  proof.document_count = header_.document_count;
  GOVCHAIN_ASSIGN_OR_RETURN(proof.path, path_of(leaf_index));
  proof.root = header_.root;
  proof.anchor_tx_hash = header_.anchor_tx_hash;
  proof.anchor_height = header_.anchor_height;
  proof.anchor_time_ms = header_.anchor_time_ms;
  proof.bundle = header_.bundle;
  proof.trust_anchor = header_.trust_anchor;
  if (header_.renewal) {
    GOVCHAIN_ASSIGN_OR_RETURN(proof.evidence_hash, read_digest(evidence_section(), leaf_index));
    GOVCHAIN_ASSIGN_OR_RETURN(uint32_t previous_leaf, read_leaf_number(previous_index_section(), leaf_index));
    if (previous_leaf >= previous_->document_count())
      return malformed("leaf " + std::to_string(leaf_index) + " renews leaf " + std::to_string(previous_leaf) +
                       ", outside the previous batch");
    GOVCHAIN_ASSIGN_OR_RETURN(Proof previous, previous_->proof(previous_leaf));
    proof.previous = std::make_shared<const Proof>(std::move(previous));
  }
  return proof;
}

// The index holds every leaf once, sorted by (document hash, leaf index).
Status BatchFile::check_index(const std::vector<Digest>& documents) const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<uint32_t> index, read_leaf_numbers(1));
  for (size_t position = 0; position < index.size(); ++position) {
    if (index[position] >= documents.size())
      return malformed("index entry " + std::to_string(position) + " names leaf " + std::to_string(index[position]) +
                       ", outside the batch: the index was altered");
    if (position == 0) continue;
    const uint32_t before = index[position - 1], leaf = index[position];
    const auto order = documents[before] <=> documents[leaf];
    if (order > 0 || (order == 0 && before >= leaf))
      return malformed("index entries " + std::to_string(position - 1) + " and " + std::to_string(position) +
                       " are out of order (or name one leaf twice): the index was altered");
  }
  return Status();  // sorted strictly and in range, so every leaf appears exactly once
}

Status BatchFile::check_renewal(const std::vector<Digest>& documents, std::vector<Digest>& leaves,
                                unsigned threads) const {
  GOVCHAIN_TRY(previous_->check(threads).with_context("the previous batch it renews"));
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<Digest> evidence, evidence_hashes());
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<uint32_t> previous_leaves, previous_leaf_indexes());
  std::vector<bool> renewed(documents.size(), false);
  for (size_t leaf = 0; leaf < previous_leaves.size(); ++leaf) {
    if (previous_leaves[leaf] >= renewed.size() || renewed[previous_leaves[leaf]])
      return malformed("leaf " + std::to_string(leaf) + " renews leaf " + std::to_string(previous_leaves[leaf]) +
                       " of the previous batch, which is outside it or renewed twice");
    renewed[previous_leaves[leaf]] = true;
  }
  Status status = run_parallel(
      documents.size(), threads,
      [&](uint64_t leaf) {
        auto renewed_proof = previous_->proof(previous_leaves[leaf]);
        if (!renewed_proof.ok()) return renewed_proof.status();
        if (evidence_hash(header_.algorithm, *renewed_proof) != evidence[leaf])
          return malformed("the evidence hash of leaf " + std::to_string(leaf) +
                           " is not the hash of the proof it renews (altered)");
        leaves[leaf] = renewal_leaf_digest(header_.algorithm, documents[leaf], evidence[leaf]);
        return Status();
      },
      nullptr);
  return status;
}

Status BatchFile::check_levels(std::vector<Digest> leaves) const {
  GOVCHAIN_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::build(header_.algorithm, std::move(leaves)));
  if (tree.root() != header_.root) return malformed("the documents do not lead to the root in the header");
  constexpr uint64_t chunk_entries = 32768;
  std::vector<Digest> chunk;
  for (size_t level = 1; level < tree.level_count(); ++level) {
    const auto& computed = tree.level(level);
    for (uint64_t first = 0; first < computed.size(); first += chunk.size()) {
      chunk.resize(std::min<uint64_t>(chunk_entries, computed.size() - first));
      GOVCHAIN_TRY(read_at(sections_[level_section(level)], first * Digest::size_bytes, chunk.front().begin_mut(),
                           chunk.size() * Digest::size_bytes));
      for (size_t index = 0; index < chunk.size(); ++index)
        if (chunk[index] != computed[first + index])
          return malformed("entry " + std::to_string(first + index) + " of tree level " + std::to_string(level) +
                           " is not made from the level below (altered)");
    }
  }
  return Status();
}

Status BatchFile::check(unsigned thread_count) const {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<Digest> documents, document_hashes());
  GOVCHAIN_TRY(check_index(documents));
  std::vector<Digest> leaves(documents.size());
  if (header_.renewal) {
    GOVCHAIN_TRY(check_renewal(documents, leaves, thread_count));
  } else {
    parallel_chunks(leaves.size(), [&](size_t begin, size_t end) {
      for (size_t leaf = begin; leaf < end; ++leaf) leaves[leaf] = leaf_digest(header_.algorithm, documents[leaf]);
    });
  }
  return check_levels(std::move(leaves));
}

}  // namespace govchain::client::archive
