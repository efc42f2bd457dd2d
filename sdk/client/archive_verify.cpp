// Verifying a document against its proof (archive.h; docs/archive.md
// section 6): offline (structure, paths, renewals, the document) and on
// chain (the anchors, their times, the document count, the evidence chain).
#include "client/archive.h"
#include "client/archive_internal.h"
#include "codec/codec.h"

namespace govchain::client::archive {

namespace internal {

Result<chain::Receipt> run_query(const Client& client, std::string_view contract, std::string_view method,
                                 const Bytes& arguments) {
  auto receipt = client.query(contract, method, arguments);
  if (!receipt.ok()) return receipt.status().with_context(std::string("query ") + std::string(method));
  return receipt;
}

// evidence_chain(batch_id) -> list<evidence>, newest first.
namespace {

Result<std::vector<EvidenceStep>> decode_evidence_chain(ByteView data) {
  codec::Reader reader(data);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(evidence_chain_length_max, 32 + 4 + 4 + 16));
  std::vector<EvidenceStep> steps;
  for (size_t index = 0; index < count; ++index) {
    EvidenceStep step;
    GOVCHAIN_ASSIGN_OR_RETURN(step.batch_id, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(std::string algorithm, reader.text(64));
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes root, reader.bytes(64));
    GOVCHAIN_ASSIGN_OR_RETURN(step.height, reader.u64());
    GOVCHAIN_ASSIGN_OR_RETURN(step.time_ms, reader.i64());
    auto known = algorithm_from_name(algorithm);
    if (!known.ok() || root.size() != Digest::size_bytes) {
      step.algorithm = HashAlgorithm::sha256;
      step.batch_id = Hash();  // a root this client cannot compare: never matches a proof
    } else {
      step.algorithm = *known;
    }
    steps.push_back(step);
  }
  GOVCHAIN_TRY(reader.finish());
  return steps;
}

// The roots of evidence_chain, kept apart from EvidenceStep (a public type).
Result<std::vector<Digest>> decode_evidence_roots(ByteView data) {
  codec::Reader reader(data);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(evidence_chain_length_max, 32 + 4 + 4 + 16));
  std::vector<Digest> roots;
  for (size_t index = 0; index < count; ++index) {
    GOVCHAIN_TRY(reader.fixed<32>().status());
    GOVCHAIN_TRY(reader.text(64).status());
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes root, reader.bytes(64));
    GOVCHAIN_TRY(reader.u64().status());
    GOVCHAIN_TRY(reader.i64().status());
    roots.push_back(Digest::from_view(root));
  }
  return roots;
}

}  // namespace

Result<std::vector<EvidenceStep>> query_evidence_chain(const Client& client, std::string_view contract,
                                                       const Hash& batch_id, std::vector<Digest>* roots) {
  codec::Writer arguments;
  arguments.fixed(batch_id);
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, run_query(client, contract, "evidence_chain", arguments.data()));
  if (receipt.status != Code::ok) return error(Code::not_found, "the chain knows no batch " + batch_id.hex());
  if (roots != nullptr) {
    GOVCHAIN_ASSIGN_OR_RETURN(*roots, decode_evidence_roots(receipt.return_data));
  }
  return decode_evidence_chain(receipt.return_data);
}

}  // namespace internal

using namespace internal;

}  // namespace govchain::client::archive

namespace govchain::client::archive {

namespace {

Verification verdict_of(Verdict verdict, std::string reason) {
  Verification verification;
  verification.verdict = verdict;
  verification.reason = std::move(reason);
  return verification;
}

// The structure of one step: path shape, path to root, renewal link.
std::optional<Verification> check_step(const Proof& step, const Proof& top) {
  const std::string batch = " (batch " + step.batch_id.hex() + ")";
  if (step.chain_id != top.chain_id || step.contract != top.contract)
    return verdict_of(Verdict::proof_tampered, "the evidence chain mixes chains or contracts" + batch);
  auto sides = expected_sides(step.leaf_index, step.document_count);
  if (!sides.ok()) return verdict_of(Verdict::proof_tampered, sides.status().message() + batch);
  bool shape_matches = sides->size() == step.path.size();
  for (size_t index = 0; shape_matches && index < step.path.size(); ++index)
    shape_matches = (*sides)[index] == step.path[index].side;
  if (!shape_matches)
    return verdict_of(Verdict::proof_tampered, "the path does not fit leaf " + std::to_string(step.leaf_index) +
                                                   " of " + std::to_string(step.document_count) + batch);
  if (step.evidence_hash.has_value() != (step.previous != nullptr))
    return verdict_of(Verdict::proof_tampered, "a re-anchoring proof lacks its earlier proof or its hash" + batch);
  if (step.previous && evidence_hash(step.algorithm, *step.previous) != *step.evidence_hash)
    return verdict_of(Verdict::proof_tampered,
                      "the earlier proof was changed: it no longer matches the re-anchored evidence hash" + batch);
  if (root_from_path(step.algorithm, leaf_of(step), step.path) != step.root)
    return verdict_of(Verdict::proof_tampered, "the path does not lead from the document hash to the root" + batch);
  return std::nullopt;
}

std::vector<const Proof*> steps_of(const Proof& proof) {
  std::vector<const Proof*> steps;
  for (const Proof* step = &proof; step != nullptr && steps.size() <= evidence_chain_length_max;
       step = step->previous.get())
    steps.push_back(step);
  return steps;
}

Result<std::string> query_root_verdict(const Client& client, const Proof& step) {
  codec::Writer arguments;
  arguments.fixed(step.batch_id);
  arguments.text(algorithm_name(step.algorithm));
  arguments.bytes(step.root.view());
  arguments.i64(0);
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, run_query(client, step.contract, "verify_root", arguments.data()));
  if (receipt.status != Code::ok) return error(receipt.status, "verify_root failed: " + receipt.message);
  codec::Reader reader(receipt.return_data);
  GOVCHAIN_ASSIGN_OR_RETURN(std::string verdict, reader.text(64));
  GOVCHAIN_ASSIGN_OR_RETURN(std::string reason, reader.text(256));
  return reason.empty() ? verdict : verdict + " (" + reason + ")";
}

Result<uint64_t> query_document_count(const Client& client, const Proof& step) {
  codec::Writer arguments;
  arguments.fixed(step.batch_id);
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, run_query(client, step.contract, "batch", arguments.data()));
  if (receipt.status != Code::ok) return error(Code::not_found, "batch failed: " + receipt.message);
  codec::Reader reader(receipt.return_data);
  GOVCHAIN_TRY(reader.text(64).status());
  GOVCHAIN_TRY(reader.bytes(64).status());
  return reader.u64();
}

// One step against the chain's record of it (entry `index` of evidence_chain).
Result<std::optional<Verification>> check_step_on_chain(const Client& client, const Proof& step, size_t index,
                                                        const EvidenceStep& entry, const Digest& entry_root) {
  const std::string batch = "batch " + step.batch_id.hex();
  if (entry.batch_id != step.batch_id || entry.algorithm != step.algorithm || entry_root != step.root) {
    if (index == 0) return {verdict_of(Verdict::root_not_anchored, "the chain anchors another root for " + batch)};
    return {verdict_of(Verdict::evidence_chain_broken, "the chain's re-anchoring record differs at " + batch)};
  }
  if (entry.height != step.anchor_height || entry.time_ms != step.anchor_time_ms)
    return {verdict_of(Verdict::proof_tampered,
                       "the proof's anchoring height or time differs from the chain's for " + batch)};
  GOVCHAIN_ASSIGN_OR_RETURN(std::string verdict, query_root_verdict(client, step));
  if (verdict != "valid")
    return {verdict_of(Verdict::root_not_anchored, "the chain answers '" + verdict + "' for the root of " + batch)};
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t document_count, query_document_count(client, step));
  if (document_count != step.document_count)
    return {verdict_of(Verdict::proof_tampered, "the proof's document count differs from the chain's for " + batch)};
  return {std::nullopt};
}

}  // namespace

Verification check_proof_offline(const Proof& proof, const DocumentDigests& document) {
  const auto steps = steps_of(proof);
  if (steps.size() > evidence_chain_length_max)
    return verdict_of(Verdict::proof_tampered, "the evidence chain is longer than the contract allows");
  for (const Proof* step : steps)
    if (auto failure = check_step(*step, proof)) return *failure;
  for (const Proof* step : steps) {
    auto found = document.find(step->algorithm);
    if (found == document.end() || found->second != step->document_hash)
      return verdict_of(Verdict::document_altered, "the document's " + std::string(algorithm_name(step->algorithm)) +
                                                       " hash differs from the proof's: it is not the document "
                                                       "that was anchored (altered or another file)");
  }
  Verification verification;
  for (const Proof* step : steps)
    verification.steps.push_back({step->batch_id, step->algorithm, step->anchor_height, step->anchor_time_ms});
  return verification;
}

Result<Verification> verify_proof(const Client& client, const Proof& proof, const DocumentDigests& document) {
  Verification offline = check_proof_offline(proof, document);
  if (!offline.valid()) return offline;
  GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus status, client.status());
  if (status.chain_id != proof.chain_id)
    return verdict_of(Verdict::wrong_chain,
                      "the proof is for chain '" + proof.chain_id + "', the node serves '" + status.chain_id + "'");
  std::vector<Digest> roots;
  auto chain = query_evidence_chain(client, proof.contract, proof.batch_id, &roots);
  if (!chain.ok() && chain.status().code() == Code::not_found)
    return verdict_of(Verdict::root_not_anchored, chain.status().message());
  if (!chain.ok()) return chain.status();
  const auto steps = steps_of(proof);
  if (chain->size() != steps.size())
    return verdict_of(Verdict::evidence_chain_broken, "the chain records " + std::to_string(chain->size()) +
                                                          " anchorings for this batch, the proof " +
                                                          std::to_string(steps.size()));
  for (size_t index = 0; index < steps.size(); ++index) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto failure,
                              check_step_on_chain(client, *steps[index], index, (*chain)[index], roots[index]));
    if (failure) return *failure;
  }
  return offline;
}

}  // namespace govchain::client::archive
