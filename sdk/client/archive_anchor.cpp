// Anchoring a batch (archive.h; docs/archive.md sections 1 and 6): preparing
// the tree (with the renewal of an earlier batch), the archive.anchor
// transaction, and making and writing the proofs.
#include <algorithm>
#include <thread>

#include "client/archive.h"
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

std::vector<Digest> leaves_of(HashAlgorithm algorithm, const std::vector<Digest>& document_hashes,
                              const std::vector<std::shared_ptr<const Proof>>& previous_proofs) {
  std::vector<Digest> leaves(document_hashes.size());
  parallel_chunks(leaves.size(), [&](size_t begin, size_t end) {
    with_algorithm(algorithm, [&](auto hash) {
      const auto leaf_prefix = tag_prefix<decltype(hash)>(tags::leaf);
      for (size_t index = begin; index < end; ++index) {
        if (previous_proofs.empty()) {
          leaves[index] = finish_from(leaf_prefix, document_hashes[index].view(), ByteView());
        } else {
          Digest evidence = evidence_hash(algorithm, *previous_proofs[index]);
          leaves[index] = renewal_leaf_digest(algorithm, document_hashes[index], evidence);
        }
      }
      return 0;
    });
  });
  return leaves;
}

}  // namespace

Result<PreparedBatch> prepare_batch(HashAlgorithm algorithm, std::vector<Digest> document_hashes,
                                    std::vector<std::shared_ptr<const Proof>> previous_proofs) {
  if (document_hashes.empty()) return error(Code::invalid_argument, "a batch needs at least one document");
  if (!previous_proofs.empty()) GOVCHAIN_TRY(check_renewed_proofs(previous_proofs, document_hashes.size()));
  PreparedBatch batch;
  batch.algorithm = algorithm;
  batch.batch_id = crypto::random_32();
  auto tree = MerkleTree::build(algorithm, leaves_of(algorithm, document_hashes, previous_proofs));
  if (!tree.ok()) return tree.status();
  batch.tree = std::move(*tree);
  batch.document_hashes = std::move(document_hashes);
  batch.previous_proofs = std::move(previous_proofs);
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

Proof make_proof(const PreparedBatch& batch, const AnchorRecord& anchor, uint64_t leaf_index) {
  Proof proof;
  proof.chain_id = anchor.chain_id;
  proof.contract = anchor.contract;
  proof.batch_id = anchor.batch_id;
  proof.algorithm = batch.algorithm;
  proof.document_hash = batch.document_hashes[leaf_index];
  if (!batch.previous_proofs.empty()) {
    proof.previous = batch.previous_proofs[leaf_index];
    proof.evidence_hash = evidence_hash(batch.algorithm, *proof.previous);
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

Status write_proofs(const PreparedBatch& batch, const AnchorRecord& anchor,
                    const std::vector<std::filesystem::path>& paths, unsigned thread_count,
                    const ProgressFunction& progress) {
  if (paths.size() != batch.document_hashes.size())
    return error(Code::invalid_argument, "one proof path per document is needed");
  return run_parallel(
      paths.size(), thread_count,
      [&](uint64_t index) {
        if (paths[index].empty()) return Status();
        return write_proof_file(paths[index], make_proof(batch, anchor, index));
      },
      progress);
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
