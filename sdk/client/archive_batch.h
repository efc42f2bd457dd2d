// govchain::client::archive batch files: the proofs of a whole batch in one
// indexed file (format `govchain-archive-batch`, version 1, specified in
// docs/archive.md section 5 precisely enough to read without govchain).
//
// What it holds: the batch's header (chain, contract, batch id, algorithm,
// document count, root, where and when the root was anchored, and the proof
// bundle of the batch's record with its trust anchor, once per batch), the
// document hashes in leaf order, an index of the leaves sorted by document
// hash, the tree's levels above the leaves, and for a renewal the evidence
// hashes, which leaf of the previous batch each document renews, and the
// previous batch file itself. The proof of any document is read from it in
// O(log n) small reads: BatchFile::find (through the index), then
// BatchFile::proof, which gives exactly the Proof that make_proof gave when
// the batch was anchored, ready for the checks of archive.h.
//
// Writing (BatchFileWriter) is crash-safe: a temporary file in the target's
// folder, fsync, then a rename that never replaces an existing file. A
// batch of 1,000,000 documents is a file of about 68 MB.
//
// Errors: Status / Result<T>; nothing throws. A file that is not exactly
// this format (truncated, extended, wrong offsets, altered index or header)
// gives Code::malformed with what is wrong; reading failures Code::io_error.
//
// Ownership: a BatchFile shares its bytes (an open file descriptor or a
// buffer) and the previous batch with its copies; it is immutable.
//
// Thread-safety: every const member of BatchFile may be called from several
// threads at once (reads are positional). A BatchFileWriter is
// single-threaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/archive.h"

namespace govchain::client::archive {

// "govchain-archive-batch" and a line feed: the first bytes of every batch file.
inline constexpr std::string_view batch_magic = "govchain-archive-batch\n";
inline constexpr uint8_t batch_format_version = 1;
// The prefix: magic, u8 version, u32 header size.
inline constexpr size_t batch_prefix_size_bytes = batch_magic.size() + 1 + 4;
inline constexpr size_t batch_header_size_bytes_max = 1024 * 1024;
inline constexpr size_t batch_chain_id_size_bytes_max = 64;
inline constexpr size_t batch_contract_size_bytes_max = 64;
inline constexpr size_t batch_trust_anchor_size_bytes_max = 64 * 1024;
// BatchFile::load and the bulk commands read files up to this size into memory.
inline constexpr uint64_t batch_load_size_bytes_max = 4ULL * 1024 * 1024 * 1024;

// What the header of a batch file says about its batch.
struct BatchHeader {
  std::string chain_id;
  std::string contract{contract_name};
  Hash batch_id;
  HashAlgorithm algorithm = HashAlgorithm::sha256;
  uint64_t document_count = 0;
  Digest root;
  Hash anchor_tx_hash;
  uint64_t anchor_height = 0;
  int64_t anchor_time_ms = 0;
  // The trust anchor and the proof bundle of the batch's record; both
  // absent or both present.
  std::optional<TrustAnchor> trust_anchor;
  Bytes bundle;
  bool renewal = false;
};

// Where a section lies, in bytes from the first byte of its batch file.
struct BatchSection {
  uint64_t offset = 0;
  uint64_t size_bytes = 0;
};

// Positional reads of the bytes a batch file is read from. Implementations
// are immutable and thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size_bytes() const = 0;
  // Fills out[0, size) from `offset`; Code::io_error when that fails or
  // the bytes are not there (the file changed since it was opened).
  virtual Status read(uint64_t offset, uint8_t* out, size_t size) const = 0;
};

// A batch file opened for reading. Opening checks the prefix, the header,
// the layout of every section against the document count and the file's
// size, the root against the tree's top, and the previous batch of a
// renewal (recursively, at most evidence_chain_length_max batches). It
// does not read the sections: check() does, and single reads check what
// they read.
class BatchFile {
 public:
  // Reads from the file as needed (positional reads; small memory).
  static Result<BatchFile> open(const std::filesystem::path& path);
  // Reads the whole file into memory first (bulk work; at most
  // batch_load_size_bytes_max, else Code::too_large).
  static Result<BatchFile> load(const std::filesystem::path& path);
  static Result<BatchFile> from_bytes(Bytes bytes);
  // Whether `prefix` (the first bytes of a file) starts like a batch file.
  static bool looks_like_batch_file(std::string_view prefix);

  const BatchHeader& header() const { return header_; }
  uint64_t document_count() const { return header_.document_count; }
  // The size of this batch file, including the batch it renews.
  uint64_t size_bytes() const { return size_bytes_; }
  // The batch this one renews (renewal batches only), else nullptr.
  const std::shared_ptr<const BatchFile>& previous() const { return previous_; }
  // The algorithms of this batch and the batches it renews, newest first,
  // each once: what a document must be hashed with to verify.
  std::vector<HashAlgorithm> algorithms() const;

  // Precondition for the reads below: leaf_index < document_count().
  Result<Digest> document_hash(uint64_t leaf_index) const;
  // Whole sections, in leaf order (n entries each; the last two are empty
  // for a first anchoring): what check() and read_prepared_batch read.
  Result<std::vector<Digest>> document_hashes() const;
  Result<std::vector<Digest>> evidence_hashes() const;
  Result<std::vector<uint32_t>> previous_leaf_indexes() const;
  // Passes this batch file's bytes, as stored, to `sink` in pieces of at
  // most 8 MiB (to embed it in the renewal that renews it).
  Status copy_to(const std::function<Status(ByteView)>& sink) const;
  // The leaves whose document hash is `document_hash`, ascending, found
  // through the index (empty: none), at most `leaves_max` of them (a file
  // may hold one document millions of times). Code::malformed when the
  // index names a leaf outside the batch.
  Result<std::vector<uint64_t>> find(const Digest& document_hash, uint64_t leaves_max = UINT64_MAX) const;
  // The first leaf holding `document_hash`, found by reading every
  // document hash rather than the index: tells a document the batch lacks
  // from an index that was altered to hide it.
  Result<std::optional<uint64_t>> scan(const Digest& document_hash) const;
  // The proof of a leaf, with the proofs it renews, the bundle and the
  // trust anchor: what make_proof gave when the batch was anchored.
  Result<Proof> proof(uint64_t leaf_index) const;
  // Reads everything and checks what opening does not: the index is the
  // leaves sorted by (document hash, leaf index), every level is made from
  // the one below, the top is the root, and for a renewal the evidence
  // hashes and leaf mapping fit the previous batch, which is checked too.
  // Code::malformed naming the first fault.
  Status check(unsigned thread_count = 0) const;

 private:
  BatchFile() = default;
  // Opens the batch file that starts at `base` in `source` and may use
  // `available` bytes from there; `depth` counts the renewals above it.
  static Result<BatchFile> open_at(std::shared_ptr<const ByteSource> source, uint64_t base, uint64_t available,
                                   uint32_t depth);
  Status open_previous(uint32_t depth);
  Status read_at(const BatchSection& section, uint64_t offset, uint8_t* out, size_t size) const;
  Result<Digest> read_digest(size_t section_index, uint64_t entry) const;
  Result<uint32_t> read_leaf_number(size_t section_index, uint64_t entry) const;
  Result<Digest> leaf_digest_at(uint64_t leaf_index) const;
  Result<std::vector<PathStep>> path_of(uint64_t leaf_index) const;
  size_t level_section(size_t level) const { return 1 + level; }
  size_t evidence_section() const { return level_widths_.size() + 1; }
  size_t previous_index_section() const { return level_widths_.size() + 2; }
  Result<std::vector<uint32_t>> read_leaf_numbers(size_t section_index) const;
  Status check_index(const std::vector<Digest>& documents) const;
  Status check_renewal(const std::vector<Digest>& documents, std::vector<Digest>& leaves, unsigned threads) const;
  Status check_levels(std::vector<Digest> leaves) const;

  std::shared_ptr<const ByteSource> source_;
  uint64_t base_ = 0;  // where this batch file starts in source_
  uint64_t size_bytes_ = 0;
  BatchHeader header_;
  std::vector<uint64_t> level_widths_;  // level 0 (the leaves) .. the root's level
  std::vector<BatchSection> sections_;
  std::shared_ptr<const BatchFile> previous_;
};

// The widths of the tree's levels for `document_count` leaves: n, then
// (w + 1) / 2 until 1. One level for one document.
std::vector<uint64_t> level_widths(uint64_t document_count);

// The leaves sorted by (document hash, leaf index): the batch file's index.
std::vector<uint32_t> document_index(const std::vector<Digest>& document_hashes);

// The whole batch file in memory (tests, fuzzing, rebuilt batches).
// Preconditions as BatchFileWriter::write.
Result<Bytes> encode_batch_file(const PreparedBatch& batch, const AnchorRecord& anchor);

// Writes one batch file crash-safely. open() refuses an existing target
// (Code::already_exists) and creates the temporary file next to it, so
// that a folder that cannot be written to fails before anything is sent;
// write() fills it, syncs it and renames it to the target (never replacing
// a file that appeared meanwhile); a writer destroyed before write()
// succeeded removes its temporary file.
class BatchFileWriter {
 public:
  static Result<BatchFileWriter> open(const std::filesystem::path& path);
  ~BatchFileWriter();
  BatchFileWriter(BatchFileWriter&& other) noexcept;
  BatchFileWriter& operator=(BatchFileWriter&&) = delete;
  BatchFileWriter(const BatchFileWriter&) = delete;
  BatchFileWriter& operator=(const BatchFileWriter&) = delete;

  // Precondition: batch.tree is built; anchor names batch.batch_id.
  // `progress` gets (bytes written, bytes in all) about once a second.
  Status write(const PreparedBatch& batch, const AnchorRecord& anchor, const ProgressFunction& progress);
  const std::filesystem::path& path() const { return path_; }

 private:
  BatchFileWriter(std::filesystem::path path, std::filesystem::path temporary_path, int descriptor)
      : path_(std::move(path)), temporary_path_(std::move(temporary_path)), descriptor_(descriptor) {}
  void discard();
  std::filesystem::path path_;
  std::filesystem::path temporary_path_;
  int descriptor_ = -1;
  bool committed_ = false;
};

// The batch and anchor record a batch file holds, with the tree rebuilt from
// the documents: encode_batch_file of them gives the file back exactly when
// check() accepts it.
Result<std::pair<PreparedBatch, AnchorRecord>> read_prepared_batch(const BatchFile& file);

// The batch file of a batch kept as per-document proof files: `proofs` has
// every leaf of one batch exactly once (and for a renewal, their earlier
// proofs are every leaf of the earlier batch once, and so on). Refuses proofs
// that disagree on the batch or do not lead to its root
// (Code::invalid_argument); the result is checked and gives back exactly
// the given proofs.
Result<BatchFile> batch_from_proofs(const std::vector<std::shared_ptr<const Proof>>& proofs);

// The names of a batch's documents (their paths relative to the folders
// that were anchored) are kept beside its batch file, in
// "<batch file>.names", and never sent anywhere: names can be personal
// (akte_mueller_7.txt), hashes are not. The file is text: the line
// "govchain-archive-names 1 <batch id hex> <document count>", then one
// name per leaf, in leaf order, each ended by a line feed. A name must be
// 1..4096 bytes, relative, without a ".." part, line break or NUL, and
// unique: `export --all` turns names into paths of files to write.
std::filesystem::path names_file_path(const std::filesystem::path& batch_file);
// The text of a names file; Code::invalid_argument for a name as above.
Result<std::string> names_file_text(const Hash& batch_id, uint64_t document_count,
                                    const std::vector<std::string>& names);
// Parses the text of a names file of the batch `header` describes;
// Code::malformed for another batch or count, a bad name, or a name given
// twice. Exactly one text per list of names (names_file_text gives it back).
Result<std::vector<std::string>> parse_names_file(std::string_view text, const BatchHeader& header);
// Crash-safe like BatchFileWriter; refuses an existing file.
Status write_names_file(const std::filesystem::path& path, const Hash& batch_id, uint64_t document_count,
                        const std::vector<std::string>& names);
Result<std::vector<std::string>> read_names_file(const std::filesystem::path& path, const BatchHeader& header);

// Writes the proof of leaf i to paths[i] as a proof file (write_proof_file)
// for every i with a non-empty path, in parallel (thread_count as in
// hash_files). Precondition: paths.size() == file.document_count().
Status write_proof_files(const BatchFile& file, const std::vector<std::filesystem::path>& paths, unsigned thread_count,
                         const ProgressFunction& progress);

}  // namespace govchain::client::archive
