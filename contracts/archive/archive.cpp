// Archive hashes for the Digitales Stadtarchiv (docs/domain.md section 5).
//
// An account with the `archive` role anchors the Merkle root of a batch of
// document hashes (built off-chain; each document keeps its inclusion proof)
// with the batch's metadata: hash algorithm id, document count and a label.
// Hash algorithms age, so a batch can be re-anchored: the new batch (hashed
// with a newer algorithm over the documents AND the earlier evidence, in the
// spirit of RFC 4998 / BSI TR-ESOR) names the previous batch, and the chain
// previous <- next is kept on both records. A batch is a certificate whose
// commitment is
//   tagged_hash("govchain/archive-batch", text(hash_algorithm) || bytes(root))
// (canonical encoding, so a root is only ever compared with its algorithm).
#include "govchain/govchain.h"

namespace archive {

using namespace govchain;

GOVCHAIN_CONTRACT("archive", "1.1.0", "archive_batch",
                  "Anchors of Merkle roots of archive document batches, re-anchorable under newer hash algorithms.");

namespace {
constexpr const char* archive_role = "archive";
constexpr const char* batch_tag = "govchain/archive-batch";
constexpr uint32_t root_size_bytes_min = 20;
constexpr uint32_t root_size_bytes_max = 64;
constexpr uint32_t evidence_chain_length_max = 32;
}  // namespace

// A batch's facts on the chain ("batch/" || id), as `batch` answers them;
// the chain previous <- next links re-anchorings.
GOVCHAIN_STRUCT(batch_facts, (code, hash_algorithm), (bytes, root), (u64, document_count), (label, label),
                (hash, previous_batch_id), (hash, next_batch_id));
// One anchoring of the evidence chain: the batch, its root and when it was anchored.
GOVCHAIN_STRUCT(evidence, (hash, batch_id), (code, hash_algorithm), (bytes, root), (u64, height), (i64, time_ms));
GOVCHAIN_STRUCT(evidence_chain_answer, (list<evidence>, evidence));

namespace {

const Map<Hash, batch_facts> batches("batch/");

Hash batch_commitment(String hash_algorithm, Bytes root) {
  Writer message;
  message.text(hash_algorithm);
  message.bytes(root);
  return tagged_hash(batch_tag, message.data());
}

void check_batch(const batch_facts& batch) {
  require(batch.root.size >= root_size_bytes_min && batch.root.size <= root_size_bytes_max,
          "root must have 20..64 bytes");
  require(batch.document_count > 0, "document_count must be positive");
}

// Links the previous batch to `batch_id`; only the archive that controls the
// previous batch may re-anchor it, and only once.
void link_previous(const Hash& previous_id, const Hash& batch_id, String municipality) {
  if (previous_id.is_zero()) return;
  cert::Certificate previous_record = cert::load(previous_id);
  require(previous_record.municipality == municipality, "the previous batch belongs to another municipality");
  batch_facts previous = batches.at(previous_id, "unknown previous batch");
  require(previous.next_batch_id.is_zero(), "the previous batch was already re-anchored");
  previous.next_batch_id = batch_id;
  batches.set(previous_id, previous);
  cert::note(previous_record, "reanchored");
}

}  // namespace

GOVCHAIN_CERTIFICATE_QUERIES()

// By an account with the archive role in `municipality`; previous_batch_id
// (zero: none) names the batch this one re-anchors.
GOVCHAIN_CALL(anchor, (hash, batch_id), (name, municipality), (code, hash_algorithm), (bytes, root),
              (u64, document_count), (label, label), (hash, previous_batch_id)) {
  batch_facts batch{hash_algorithm, root, document_count, label, previous_batch_id, Hash()};
  check_batch(batch);
  cert::Issue request{batch_id, certificate_type, municipality, batch_commitment(hash_algorithm, root), block_time_ms(),
                      0};
  cert::issue_as_office(request, archive_role);
  batches.set(batch_id, batch);
  link_previous(previous_batch_id, batch_id, municipality);
}

// "valid" when this root under this algorithm was anchored by at_time_ms.
GOVCHAIN_QUERY(verify_root, verification, (hash, batch_id), (code, hash_algorithm), (bytes, root), (i64, at_time_ms)) {
  return cert::verify_by_id(batch_id, batch_commitment(hash_algorithm, root), at_time_ms);
}

GOVCHAIN_QUERY(batch, batch_facts, (hash, batch_id)) { return batches.at(batch_id, "unknown certificate"); }

// This batch and every batch it re-anchors, newest first; the evidence
// record of RFC 4998 is built from this list.
GOVCHAIN_QUERY(evidence_chain, evidence_chain_answer, (hash, batch_id)) {
  evidence_chain_answer answer;
  Hash id = batch_id;
  for (uint32_t count = 0; count < evidence_chain_length_max && !id.is_zero(); ++count) {
    cert::Certificate record = cert::load(id);
    batch_facts batch = batches.at(id, "unknown certificate");
    answer.evidence.push_back(
        evidence{id, batch.hash_algorithm, batch.root, record.history[0].height, record.history[0].time_ms});
    id = batch.previous_batch_id;
  }
  return answer;
}

}  // namespace archive
