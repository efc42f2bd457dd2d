// govchain::client::archive: the client side of archive anchoring
// (docs/domain.md section 5, contract contracts/archive, format in docs/archive.md).
//
// What it does: hashes documents (streaming, bounded memory), builds the
// Merkle tree of a batch of document hashes, anchors the tree's root with the
// archive contract in one transaction, makes the inclusion proof of any
// document, writes and reads proof files (JSON), and verifies a proof:
// offline (the document against the proof, the path against the root, a
// re-anchoring against the evidence it renews) and on chain (the root is
// anchored, when, and the re-anchoring chain matches the chain's record).
// The proofs of a whole batch are kept in one indexed batch file
// (archive_batch.h), from which single proofs are extracted on demand.
//
// The tree: leaf = TH(H, "govchain/archive/leaf", document_hash), or for a
// re-anchored document TH(H, "govchain/archive/renewal-leaf", document_hash ||
// H(canonical(previous proof))); node = TH(H, "govchain/archive/node", left ||
// right); an odd last node of a level is promoted unchanged (the tree shape of
// RFC 6962). TH(H, tag, m) = H(H(tag) || H(tag) || m), which for SHA-256 is
// govchain's tagged hash.
//
// Errors: Status / Result<T>; nothing throws. A proof that does not verify is
// not an error but a Verification with a verdict and a reason.
//
// Ownership: every type is a plain value. A Proof owns the proof it renews
// (shared, immutable). MerkleTree owns all its levels. A PreparedBatch
// shares the (immutable) batch file it renews.
//
// Thread-safety: all free functions are pure or do only their own IO and may
// run on several threads at once; a DocumentHasher is single-threaded; const
// MerkleTree members may be called from several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"
#include "client/trust_anchor.h"
#include "core/bytes.h"
#include "core/status.h"
#include "crypto/schnorr.h"

namespace govchain::client::archive {

// Hash algorithms, by the id the contract stores (a code, [a-z0-9_]).
// Every supported algorithm has a 32-byte digest.
enum class HashAlgorithm : uint8_t { sha256, sha3_256, sha512_256 };

using Digest = FixedBytes<32>;

inline constexpr std::string_view contract_name = "archive";
inline constexpr std::string_view proof_format = "govchain-archive-proof";
inline constexpr uint32_t proof_format_version = 1;
inline constexpr uint64_t document_count_max = 100'000'000;
inline constexpr uint32_t path_length_max = 64;
inline constexpr uint32_t evidence_chain_length_max = 32;  // as the contract
inline constexpr size_t proof_file_size_bytes_max = 4 * 1024 * 1024;

namespace tags {
inline constexpr std::string_view leaf = "govchain/archive/leaf";
inline constexpr std::string_view renewal_leaf = "govchain/archive/renewal-leaf";
inline constexpr std::string_view node = "govchain/archive/node";
}  // namespace tags

std::string_view algorithm_name(HashAlgorithm algorithm);
// Code::invalid_argument naming the supported ids for an unknown one.
Result<HashAlgorithm> algorithm_from_name(std::string_view name);

// Streaming hash of one document. Single-threaded value; owns its state.
class DocumentHasher {
 public:
  explicit DocumentHasher(HashAlgorithm algorithm);
  ~DocumentHasher();
  DocumentHasher(DocumentHasher&&) noexcept;
  DocumentHasher& operator=(DocumentHasher&&) noexcept;
  void update(ByteView part);
  // Ends the hash; the hasher is reset and may be reused.
  Digest finish();
  HashAlgorithm algorithm() const { return algorithm_; }

 private:
  struct State;
  HashAlgorithm algorithm_;
  std::unique_ptr<State> state_;
};

Digest hash_bytes(HashAlgorithm algorithm, ByteView message);
// H(H(tag) || H(tag) || message).
Digest tagged_digest(HashAlgorithm algorithm, std::string_view tag, ByteView message);
Digest leaf_digest(HashAlgorithm algorithm, const Digest& document_hash);
Digest renewal_leaf_digest(HashAlgorithm algorithm, const Digest& document_hash, const Digest& evidence_hash);
Digest node_digest(HashAlgorithm algorithm, const Digest& left, const Digest& right);

// Hashes a file with each algorithm in one read, 64 KiB at a time.
Result<std::vector<Digest>> hash_file(const std::filesystem::path& path, const std::vector<HashAlgorithm>& algorithms);

// Called with (done, total) from the calling thread, about once a second.
using ProgressFunction = std::function<void(uint64_t done, uint64_t total)>;

// Hashes many files in parallel (up to `thread_count` threads, 0: the
// machine's cores, at most 8), each with every algorithm; the result has one
// vector per file, in the order of `paths`.
Result<std::vector<std::vector<Digest>>> hash_files(const std::vector<std::filesystem::path>& paths,
                                                    const std::vector<HashAlgorithm>& algorithms, unsigned thread_count,
                                                    const ProgressFunction& progress);

// Parses a list of precomputed document hashes: one hex digest per line;
// blank lines and lines starting with '#' are skipped.
Result<std::vector<Digest>> parse_hash_list(std::string_view text);

// Where the sibling of a path step sits: left means parent = node(sibling, current).
enum class Side : uint8_t { left = 0, right = 1 };

struct PathStep {
  Side side = Side::left;
  Digest sibling;
};

// The Merkle tree of one batch: all levels, leaves first. Immutable once built.
class MerkleTree {
 public:
  // Code::invalid_argument for no leaves or more than document_count_max.
  static Result<MerkleTree> build(HashAlgorithm algorithm, std::vector<Digest> leaves);
  const Digest& root() const { return levels_.back().front(); }
  uint64_t leaf_count() const { return levels_.front().size(); }
  HashAlgorithm algorithm() const { return algorithm_; }
  // Precondition: leaf_index < leaf_count().
  std::vector<PathStep> path(uint64_t leaf_index) const;
  // Level 0 holds the leaves, the last level the root alone.
  size_t level_count() const { return levels_.size(); }
  // Precondition: level_index < level_count().
  const std::vector<Digest>& level(size_t level_index) const { return levels_[level_index]; }

 private:
  MerkleTree(HashAlgorithm algorithm, std::vector<std::vector<Digest>> levels)
      : algorithm_(algorithm), levels_(std::move(levels)) {}
  HashAlgorithm algorithm_;
  std::vector<std::vector<Digest>> levels_;
};

// The sides every path of leaf `leaf_index` in a tree of `leaf_count` leaves
// has, leaf first. Code::invalid_argument when the index is out of range.
Result<std::vector<Side>> expected_sides(uint64_t leaf_index, uint64_t leaf_count);
Digest root_from_path(HashAlgorithm algorithm, const Digest& leaf, const std::vector<PathStep>& path);

// Where and when a batch root was anchored.
struct AnchorRecord {
  std::string chain_id;
  std::string contract{contract_name};
  Hash batch_id;
  Hash tx_hash;
  uint64_t height = 0;
  int64_t time_ms = 0;  // the anchoring block's time
  // The proof bundle of the batch's record (client/bundle.h) and its trust
  // anchor, which make_proof copies into every proof; empty when none.
  Bytes bundle;
  std::optional<TrustAnchor> trust_anchor;
};

// One document's inclusion proof in one batch, and (for a re-anchored
// document) the proof it renews.
struct Proof {
  std::string chain_id;
  std::string contract{contract_name};
  Hash batch_id;
  HashAlgorithm algorithm = HashAlgorithm::sha256;
  Digest document_hash;
  // Set exactly when `previous` is: H(canonical_proof_bytes(*previous)).
  std::optional<Digest> evidence_hash;
  uint64_t leaf_index = 0;
  uint64_t document_count = 0;
  std::vector<PathStep> path;
  Digest root;
  Hash anchor_tx_hash;
  uint64_t anchor_height = 0;
  int64_t anchor_time_ms = 0;
  std::shared_ptr<const Proof> previous;
  // The proof bundle of this step's batch record and the trust anchor it
  // starts from: with them the step verifies with no node
  // (verify_proof_offline). Not part of the canonical bytes, so a bundle
  // can be refreshed without touching the evidence a renewal hashed.
  Bytes bundle;
  std::optional<TrustAnchor> trust_anchor;
};

// The canonical bytes of a proof (docs/archive.md), which a renewal hashes.
Bytes canonical_proof_bytes(const Proof& proof);
Digest evidence_hash(HashAlgorithm algorithm, const Proof& previous);
Digest leaf_of(const Proof& proof);

std::string proof_to_json(const Proof& proof);
Result<Proof> proof_from_json(std::string_view text);
Result<Proof> read_proof_file(const std::filesystem::path& path);
// Refuses to overwrite an existing file (Code::already_exists).
Status write_proof_file(const std::filesystem::path& path, const Proof& proof);

class BatchFile;  // archive_batch.h

// A batch ready to anchor: its documents, the batch it renews, the tree.
struct PreparedBatch {
  HashAlgorithm algorithm = HashAlgorithm::sha256;
  Hash batch_id;  // random
  std::vector<Digest> document_hashes;
  // A renewal only (all three empty for a first anchoring): the batch it
  // renews, for every document the leaf of that batch whose proof it
  // renews, and H(canonical bytes of that proof) with `algorithm`.
  std::shared_ptr<const BatchFile> previous_batch;
  std::vector<uint32_t> previous_leaf_index;
  std::vector<Digest> evidence_hashes;
  std::optional<MerkleTree> tree;
  bool is_renewal() const { return previous_batch != nullptr; }
};

// Builds the tree. For a renewal, previous_proofs has one proof per
// document, together every leaf of one batch exactly once (that batch is
// rebuilt from them, batch_from_proofs in archive_batch.h);
// Code::invalid_argument otherwise.
Result<PreparedBatch> prepare_batch(HashAlgorithm algorithm, std::vector<Digest> document_hashes,
                                    std::vector<std::shared_ptr<const Proof>> previous_proofs);
// Builds the tree of a renewal of `previous_batch`: document i renews the
// proof of leaf previous_leaf_index[i], which must name every leaf of that
// batch exactly once (a batch is renewed whole). Code::invalid_argument
// otherwise, Code::too_large when the evidence chain would exceed 32 steps.
// The proofs of `previous_batch` are read once each (use an in-memory
// BatchFile for large batches).
Result<PreparedBatch> prepare_renewal(HashAlgorithm algorithm, std::vector<Digest> document_hashes,
                                      std::shared_ptr<const BatchFile> previous_batch,
                                      std::vector<uint32_t> previous_leaf_index, unsigned thread_count);

struct AnchorRequest {
  std::string municipality;
  std::string label;       // printable ASCII, 1..128, no personal data
  Hash previous_batch_id;  // zero: a first anchoring
  uint64_t gas_limit = 1'000'000;
  uint64_t wait_ms = 30'000;
};

// The argument bytes of archive.anchor (ABI order).
Bytes anchor_arguments(const PreparedBatch& batch, const AnchorRequest& request);
// Checks the label as the contract will (printable ASCII, 1..128).
Status check_label(std::string_view label);
// Signs and sends archive.anchor, waits for the receipt, reads the anchoring
// height and time from the contract. Code::aborted etc. with the contract's
// message when the transaction failed.
Result<AnchorRecord> anchor_batch(const Client& client, const crypto::KeyPair& key_pair, const PreparedBatch& batch,
                                  const AnchorRequest& request);

// The proof of document `leaf_index` (< the batch's document count). Fails
// only when the proof it renews cannot be read from the previous batch file.
Result<Proof> make_proof(const PreparedBatch& batch, const AnchorRecord& anchor, uint64_t leaf_index);

enum class Verdict : uint8_t {
  valid,
  document_altered,       // the document's hash differs from the proof's
  proof_tampered,         // the proof does not hold together (path, root, renewal link)
  root_not_anchored,      // the chain has no such anchor (or a different one, or revoked)
  wrong_chain,            // the proof is for another chain than the node's
  evidence_chain_broken,  // the re-anchoring chain differs from the chain's record
  untrusted_anchor,       // offline: the bundle starts from an anchor the verifier does not pin
};
std::string_view verdict_name(Verdict verdict);

struct EvidenceStep {
  Hash batch_id;
  HashAlgorithm algorithm = HashAlgorithm::sha256;
  uint64_t height = 0;
  int64_t time_ms = 0;
};

struct Verification {
  Verdict verdict = Verdict::valid;
  std::string reason;               // a sentence for people; empty when valid
  std::vector<EvidenceStep> steps;  // newest first, as checked
  // verify_proof_offline: the newest step's bundle block, and whether every
  // step's trust anchor was pinned by the caller.
  uint64_t as_of_height = 0;
  int64_t as_of_time_ms = 0;
  bool anchor_pinned = false;
  bool valid() const { return verdict == Verdict::valid; }
};

// The algorithms a proof (with what it renews) needs the document hashed with.
std::vector<HashAlgorithm> algorithms_of(const Proof& proof);
// The document's digest per algorithm (from hash_file or given by a DMS).
using DocumentDigests = std::map<HashAlgorithm, Digest>;

// Offline: structure, paths, renewal links, and the document. Pure.
Verification check_proof_offline(const Proof& proof, const DocumentDigests& document);
// check_proof_offline, then on chain: chain id, every step's root anchored
// (verify_root), anchoring height and time, document count, and the
// re-anchoring chain (evidence_chain). A failing node is a Status error.
Result<Verification> verify_proof(const Client& client, const Proof& proof, const DocumentDigests& document);

// The commitment of a batch's record: tagged_hash("govchain/archive-batch",
// text(algorithm) || bytes(root)), as the contract computes it.
Hash batch_commitment(HashAlgorithm algorithm, const Digest& root);
// The bundle of a batch (its record and its "batch/" facts) from `client`,
// starting from `anchor` (sdk/client/bundle_fetch.h).
Result<Bytes> fetch_batch_bundle(const Client& client, const AnchorRecord& anchor_record, HashAlgorithm algorithm,
                                 const Digest& root, const TrustAnchor& anchor);
// With no node: check_proof_offline, then for every step its bundle, checked
// against the step's trust anchor (refused as untrusted_anchor when
// `pinned_anchors` is not empty and does not hold it): the batch record
// proven, anchored at the step's height and time and valid as of the
// bundle's block, the document count, and the link to the earlier step.
// Code::not_found when a step carries no bundle.
Result<Verification> verify_proof_offline(const Proof& proof, const DocumentDigests& document,
                                          const std::vector<TrustAnchor>& pinned_anchors);

}  // namespace govchain::client::archive
