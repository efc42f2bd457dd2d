// Archive proofs with proof bundles (archive.h; docs/archive.md section 6.2):
// fetching the bundle of a batch at anchoring, and verifying a document
// from its proof file with no node.
#include "client/archive.h"
#include "client/bundle.h"
#include "client/bundle_fetch.h"
#include "client/bundle_verify.h"
#include "client/state_layout.h"
#include "codec/codec.h"
#include "crypto/hash.h"

namespace govchain::client::archive {

namespace {

constexpr std::string_view batch_tag = "govchain/archive-batch";

// The contract's "batch/" record (contracts/archive): algorithm, root,
// document count, label, previous and next batch ids.
struct BatchFacts {
  std::string algorithm;
  Bytes root;
  uint64_t document_count = 0;
  Hash previous_batch_id;
};

Result<BatchFacts> decode_batch_facts(ByteView value) {
  codec::Reader reader(value);
  BatchFacts facts;
  GOVCHAIN_ASSIGN_OR_RETURN(facts.algorithm, reader.text(64));
  GOVCHAIN_ASSIGN_OR_RETURN(facts.root, reader.bytes(64));
  GOVCHAIN_ASSIGN_OR_RETURN(facts.document_count, reader.u64());
  GOVCHAIN_TRY(reader.text(1024).status());
  GOVCHAIN_ASSIGN_OR_RETURN(facts.previous_batch_id, reader.fixed<32>());
  GOVCHAIN_TRY(reader.fixed<32>().status());
  GOVCHAIN_TRY(reader.finish());
  return facts;
}

Verification verdict_of(Verdict verdict, std::string reason) {
  Verification verification;
  verification.verdict = verdict;
  verification.reason = std::move(reason);
  return verification;
}

Bytes facts_key(const Proof& step) {
  const std::string prefix = "c/s/" + step.contract + "/batch/";
  Bytes key(prefix.begin(), prefix.end());
  key.insert(key.end(), step.batch_id.data.begin(), step.batch_id.data.end());
  return key;
}

bool is_pinned(const TrustAnchor& anchor, const std::vector<TrustAnchor>& pinned) {
  for (const auto& candidate : pinned)
    if (candidate == anchor) return true;
  return pinned.empty();
}

// The proven batch record: anchored where the proof says, valid as of the
// bundle's block; or the verdict that refuses the step.
std::optional<Verification> check_record(const Proof& step, const ProofBundle& bundle, const BundleCheck& check) {
  const std::string batch = "batch " + step.batch_id.hex();
  auto value = bundle_value(bundle, certificate_record_key(step.contract, step.batch_id));
  if (!value.ok()) return verdict_of(Verdict::proof_tampered, "the bundle does not hold the record of " + batch);
  if (!*value) return verdict_of(Verdict::root_not_anchored, "the chain holds no record of " + batch);
  auto record = decode_stored_certificate_record(**value);
  if (!record.ok() || record->history.empty())
    return verdict_of(Verdict::proof_tampered, "the record of " + batch + " does not decode");
  if (record->history.front().height != step.anchor_height || record->history.front().time_ms != step.anchor_time_ms)
    return verdict_of(Verdict::proof_tampered,
                      "the proof's anchoring height or time differs from the chain's for " + batch);
  const ContractVerdict answer =
      lifecycle_verdict(&*record, batch_commitment(step.algorithm, step.root), check.block_time_ms);
  if (answer.verdict != "valid")
    return verdict_of(Verdict::root_not_anchored, "the chain's record answers '" + answer.verdict +
                                                      (answer.reason.empty() ? "" : " (" + answer.reason + ")") +
                                                      "' for the root of " + batch);
  return std::nullopt;
}

std::optional<Verification> check_facts(const Proof& step, const ProofBundle& bundle) {
  const std::string batch = "batch " + step.batch_id.hex();
  auto value = bundle_value(bundle, facts_key(step));
  if (!value.ok() || !*value) return verdict_of(Verdict::proof_tampered, "the bundle lacks the facts of " + batch);
  auto facts = decode_batch_facts(**value);
  if (!facts.ok()) return verdict_of(Verdict::proof_tampered, "the facts of " + batch + " do not decode");
  if (facts->document_count != step.document_count)
    return verdict_of(Verdict::proof_tampered, "the proof's document count differs from the chain's for " + batch);
  const Hash expected_previous = step.previous ? step.previous->batch_id : Hash();
  if (facts->previous_batch_id != expected_previous)
    return verdict_of(Verdict::evidence_chain_broken, "the chain's re-anchoring record differs at " + batch);
  return std::nullopt;
}

Result<std::optional<Verification>> check_step_bundle(const Proof& step, const std::vector<TrustAnchor>& pinned,
                                                      Verification& result, bool newest) {
  const std::string batch = "batch " + step.batch_id.hex();
  if (step.bundle.empty() || !step.trust_anchor)
    return error(Code::not_found,
                 "the proof of " + batch + " carries no proof bundle, so it cannot be checked offline; verify online");
  if (!is_pinned(*step.trust_anchor, pinned))
    return {verdict_of(Verdict::untrusted_anchor, "the bundle of " + batch + " starts from trust anchor " +
                                                      trust_anchor_id(*step.trust_anchor).hex() +
                                                      ", which is not the one given")};
  if (step.trust_anchor->chain_id != step.chain_id)
    return {verdict_of(Verdict::wrong_chain, "the proof's bundle is for another chain")};
  auto bundle = decode_bundle(step.bundle, *step.trust_anchor);
  if (!bundle.ok())
    return {verdict_of(Verdict::proof_tampered, "the bundle of " + batch + ": " + bundle.status().message())};
  auto check = verify_bundle(*bundle, *step.trust_anchor);
  if (!check.ok())
    return {verdict_of(Verdict::proof_tampered, "the bundle of " + batch + ": " + check.status().message())};
  if (auto failure = check_record(step, *bundle, *check)) return {failure};
  if (auto failure = check_facts(step, *bundle)) return {failure};
  if (newest) {
    result.as_of_height = check->height;
    result.as_of_time_ms = check->block_time_ms;
  }
  return {std::nullopt};
}

}  // namespace

Hash batch_commitment(HashAlgorithm algorithm, const Digest& root) {
  codec::Writer message;
  message.text(algorithm_name(algorithm));
  message.bytes(root.view());
  return crypto::tagged_hash(batch_tag, message.data());
}

Result<Bytes> fetch_batch_bundle(const Client& client, const AnchorRecord& anchor_record, HashAlgorithm algorithm,
                                 const Digest& root, const TrustAnchor& anchor) {
  const CertificateReference reference{anchor_record.chain_id, anchor_record.contract, anchor_record.batch_id,
                                       batch_commitment(algorithm, root)};
  return fetch_certificate_bundle(client, reference, archive_batch_type, anchor);
}

Result<Verification> verify_proof_offline(const Proof& proof, const DocumentDigests& document,
                                          const std::vector<TrustAnchor>& pinned_anchors) {
  Verification result = check_proof_offline(proof, document);
  if (!result.valid()) return result;
  bool newest = true;
  bool all_pinned = !pinned_anchors.empty();
  for (const Proof* step = &proof; step != nullptr; step = step->previous.get()) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Verification> failure,
                              check_step_bundle(*step, pinned_anchors, result, newest));
    if (failure) return *failure;
    newest = false;
  }
  result.anchor_pinned = all_pinned;
  return result;
}

}  // namespace govchain::client::archive
