// Anchoring a batch (archive.h; docs/archive.md sections 1 and 7): preparing
// the tree (with the renewal of an earlier batch), the archive.anchor
// transaction, and making the proofs.
#include <algorithm>
#include <thread>

#include "client/archive.h"
#include "client/archive_batch.h"
#include "client/archive_internal.h"
#include "client/tx_builder.h"
#include "codec/codec.h"

namespace govchain::client::archive {

using namespace internal;

namespace {

Status check_renewed_proofs(const std::vector<std::shared_ptr<const Proof>>& previous_proofs, size_t document_count) {
  if (previous_proofs.size() != document_count)
    return error(Code::invalid_argument, "a re-anchoring needs one earlier proof per document");
  if (previous_proofs.front() == nullptr) return error(Code::invalid_argument, "an earlier proof is missing");
  const Proof& first = *previous_proofs.front();
  if (first.document_count != document_count)
    return error(Code::invalid_argument, "the earlier batch has " + std::to_string(first.document_count) +
                                             " documents but " + std::to_string(document_count) +
                                             " were given: a batch is re-anchored whole, once");
  std::vector<bool> covered(document_count, false);
  for (const auto& proof : previous_proofs) {
    if (proof == nullptr || proof->batch_id != first.batch_id || proof->chain_id != first.chain_id ||
        proof->document_count != first.document_count)
      return error(Code::invalid_argument, "the earlier proofs are not all of one batch");
    if (proof->leaf_index >= document_count || covered[proof->leaf_index])
      return error(Code::invalid_argument,
                   "earlier proof " + std::to_string(proof->leaf_index) + " is given twice or is out of range");
    covered[proof->leaf_index] = true;
  }
  return Status();
}

std::vector<Digest> first_leaves(HashAlgorithm algorithm, const std::vector<Digest>& document_hashes) {
  std::vector<Digest> leaves(document_hashes.size());
  parallel_chunks(leaves.size(), [&](size_t begin, size_t end) {
    with_algorithm(algorithm, [&](auto hash) {
      const auto leaf_prefix = tag_prefix<decltype(hash)>(tags::leaf);
      for (size_t index = begin; index < end; ++index)
        leaves[index] = finish_from(leaf_prefix, document_hashes[index].view(), ByteView());
      return 0;
    });
  });
  return leaves;
}

Status check_renewal_mapping(const BatchFile& previous, const std::vector<Digest>& document_hashes,
                             const std::vector<uint32_t>& previous_leaf_index) {
  const uint64_t count = previous.document_count();
  if (document_hashes.size() != count || previous_leaf_index.size() != count)
    return error(Code::invalid_argument, "the earlier batch has " + std::to_string(count) + " documents but " +
                                             std::to_string(document_hashes.size()) +
                                             " were given: a batch is re-anchored whole, once");
  std::vector<bool> renewed(count, false);
  for (uint32_t leaf : previous_leaf_index) {
    if (leaf >= count || renewed[leaf])
      return error(Code::invalid_argument,
                   "earlier proof " + std::to_string(leaf) + " is given twice or is out of range");
    renewed[leaf] = true;
  }
  size_t length = 1;
  for (const BatchFile* step = &previous; step != nullptr; step = step->previous().get()) ++length;
  if (length > evidence_chain_length_max)
    return error(Code::too_large, "a renewal would make an evidence chain of more than 32 batches");
  return Status();
}

}  // namespace

Result<PreparedBatch> prepare_batch(HashAlgorithm algorithm, std::vector<Digest> document_hashes,
                                    std::vector<std::shared_ptr<const Proof>> previous_proofs) {
  if (document_hashes.empty()) return error(Code::invalid_argument, "a batch needs at least one document");
  if (!previous_proofs.empty()) {
    GOVCHAIN_TRY(check_renewed_proofs(previous_proofs, document_hashes.size()));
    GOVCHAIN_ASSIGN_OR_RETURN(BatchFile previous, batch_from_proofs(previous_proofs));
    std::vector<uint32_t> previous_leaf_index;
    for (const auto& proof : previous_proofs) previous_leaf_index.push_back(static_cast<uint32_t>(proof->leaf_index));
    return prepare_renewal(algorithm, std::move(document_hashes),
                           std::make_shared<const BatchFile>(std::move(previous)), std::move(previous_leaf_index), 0);
  }
  PreparedBatch batch;
  batch.algorithm = algorithm;
  batch.batch_id = crypto::random_32();
  auto tree = MerkleTree::build(algorithm, first_leaves(algorithm, document_hashes));
  if (!tree.ok()) return tree.status();
  batch.tree = std::move(*tree);
  batch.document_hashes = std::move(document_hashes);
  return batch;
}

Result<PreparedBatch> prepare_renewal(HashAlgorithm algorithm, std::vector<Digest> document_hashes,
                                      std::shared_ptr<const BatchFile> previous_batch,
                                      std::vector<uint32_t> previous_leaf_index, unsigned thread_count) {
  if (previous_batch == nullptr) return error(Code::invalid_argument, "a renewal needs the batch it renews");
  GOVCHAIN_TRY(check_renewal_mapping(*previous_batch, document_hashes, previous_leaf_index));
  PreparedBatch batch;
  batch.algorithm = algorithm;
  batch.batch_id = crypto::random_32();
  batch.evidence_hashes.resize(document_hashes.size());
  std::vector<Digest> leaves(document_hashes.size());
  GOVCHAIN_TRY(run_parallel(
      document_hashes.size(), thread_count,
      [&](uint64_t index) {
        auto renewed = previous_batch->proof(previous_leaf_index[index]);
        if (!renewed.ok()) return renewed.status().with_context("reading the proof a document renews");
        batch.evidence_hashes[index] = evidence_hash(algorithm, *renewed);
        leaves[index] = renewal_leaf_digest(algorithm, document_hashes[index], batch.evidence_hashes[index]);
        return Status();
      },
      nullptr));
  GOVCHAIN_ASSIGN_OR_RETURN(MerkleTree tree, MerkleTree::build(algorithm, std::move(leaves)));
  batch.tree = std::move(tree);
  batch.document_hashes = std::move(document_hashes);
  batch.previous_batch = std::move(previous_batch);
  batch.previous_leaf_index = std::move(previous_leaf_index);
  return batch;
}

Status check_label(std::string_view label) {
  if (label.empty() || label.size() > 128)
    return error(Code::invalid_argument, "the label must have 1..128 characters");
  for (char character : label)
    if (static_cast<unsigned char>(character) < 0x20 || static_cast<unsigned char>(character) > 0x7e)
      return error(Code::invalid_argument, "the label must be printable ASCII");
  return Status();
}

Bytes anchor_arguments(const PreparedBatch& batch, const AnchorRequest& request) {
  codec::Writer writer;
  writer.fixed(batch.batch_id);
  writer.text(request.municipality);
  writer.text(algorithm_name(batch.algorithm));
  writer.bytes(batch.tree->root().view());
  writer.u64(batch.tree->leaf_count());
  writer.text(request.label);
  writer.fixed(request.previous_batch_id);
  return writer.take();
}

Result<AnchorRecord> anchor_batch(const Client& client, const crypto::KeyPair& key_pair, const PreparedBatch& batch,
                                  const AnchorRequest& request) {
  GOVCHAIN_TRY(check_label(request.label));
  if (!batch.tree) return error(Code::invalid_argument, "the batch has no tree; use prepare_batch");
  auto action = contract_call_action(std::string(contract_name), "anchor", anchor_arguments(batch, request));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Tx tx, client.prepare_tx(key_pair, std::move(action), request.gas_limit));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, client.submit_and_wait(tx, request.wait_ms));
  if (receipt.status != Code::ok)
    return error(receipt.status, "the anchoring transaction " + receipt.tx_hash.hex() + " failed in block " +
                                     std::to_string(receipt.height) + ": " + receipt.message);
  GOVCHAIN_ASSIGN_OR_RETURN(auto evidence, query_evidence_chain(client, contract_name, batch.batch_id, nullptr));
  if (evidence.empty() || evidence.front().batch_id != batch.batch_id)
    return error(Code::invalid, "the node does not report the batch it just anchored");
  AnchorRecord record;
  record.chain_id = tx.chain_id;
  record.batch_id = batch.batch_id;
  record.tx_hash = receipt.tx_hash;
  record.height = evidence.front().height;
  record.time_ms = evidence.front().time_ms;
  return record;
}

Result<Proof> make_proof(const PreparedBatch& batch, const AnchorRecord& anchor, uint64_t leaf_index) {
  Proof proof;
  proof.chain_id = anchor.chain_id;
  proof.contract = anchor.contract;
  proof.batch_id = anchor.batch_id;
  proof.algorithm = batch.algorithm;
  proof.document_hash = batch.document_hashes[leaf_index];
  if (batch.is_renewal()) {
    GOVCHAIN_ASSIGN_OR_RETURN(Proof previous, batch.previous_batch->proof(batch.previous_leaf_index[leaf_index]));
    proof.previous = std::make_shared<const Proof>(std::move(previous));
    proof.evidence_hash = batch.evidence_hashes[leaf_index];
  }
  proof.leaf_index = leaf_index;
  proof.document_count = batch.tree->leaf_count();
  proof.path = batch.tree->path(leaf_index);
  proof.root = batch.tree->root();
  proof.anchor_tx_hash = anchor.tx_hash;
  proof.anchor_height = anchor.height;
  proof.anchor_time_ms = anchor.time_ms;
  proof.bundle = anchor.bundle;
  proof.trust_anchor = anchor.trust_anchor;
  return proof;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid:
      return "valid";
    case Verdict::document_altered:
      return "document_altered";
    case Verdict::proof_tampered:
      return "proof_tampered";
    case Verdict::root_not_anchored:
      return "root_not_anchored";
    case Verdict::wrong_chain:
      return "wrong_chain";
    case Verdict::untrusted_anchor:
      return "untrusted_anchor";
    case Verdict::evidence_chain_broken:
    default:
      return "evidence_chain_broken";
  }
}

std::vector<HashAlgorithm> algorithms_of(const Proof& proof) {
  std::vector<HashAlgorithm> algorithms;
  for (const Proof* step = &proof; step != nullptr; step = step->previous.get())
    if (std::find(algorithms.begin(), algorithms.end(), step->algorithm) == algorithms.end())
      algorithms.push_back(step->algorithm);
  return algorithms;
}

}  // namespace govchain::client::archive
