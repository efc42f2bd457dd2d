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

namespace {

constexpr const char* certificate_type = "archive_batch";
constexpr const char* archive_role = "archive";
constexpr const char* batch_tag = "govchain/archive-batch";
constexpr uint32_t root_size_bytes_min = 20;
constexpr uint32_t root_size_bytes_max = 64;
constexpr uint32_t evidence_chain_length_max = 32;

struct Batch {
  String hash_algorithm;  // e.g. "sha256", "sha3_512"
  Bytes root;             // the Merkle root under hash_algorithm
  uint64_t document_count = 0;
  String label;            // printable ASCII, no personal data
  Hash previous_batch_id;  // the batch this one re-anchors; zero: none
  Hash next_batch_id;      // the batch that re-anchored this one; zero: none
};

}  // namespace
}  // namespace archive

namespace govchain {
inline void encode(Writer& writer, const archive::Batch& batch) {
  writer.text(batch.hash_algorithm);
  writer.bytes(batch.root);
  writer.u64(batch.document_count);
  writer.text(batch.label);
  writer.fixed(batch.previous_batch_id);
  writer.fixed(batch.next_batch_id);
}
inline void decode(Reader& reader, archive::Batch& batch) {
  batch.hash_algorithm = reader.text();
  batch.root = reader.bytes();
  batch.document_count = reader.u64();
  batch.label = reader.text();
  batch.previous_batch_id = reader.fixed();
  batch.next_batch_id = reader.fixed();
}
}  // namespace govchain

namespace archive {

namespace {

const Map<Hash, Batch> batches("batch/");

Hash batch_commitment(String hash_algorithm, Bytes root) {
  Writer message;
  message.text(hash_algorithm);
  message.bytes(root);
  return tagged_hash(batch_tag, message.data());
}

void check_batch(const Batch& batch) {
  require_code(batch.hash_algorithm, "hash_algorithm must be a code such as sha256");
  require(batch.root.size >= root_size_bytes_min && batch.root.size <= root_size_bytes_max,
          "root must have 20..64 bytes");
  require(batch.document_count > 0, "document_count must be positive");
  require(is_label(batch.label), "label must be 1..128 printable ASCII characters");
}

// Links the previous batch to `batch_id`; only the archive that controls the
// previous batch may re-anchor it, and only once.
void link_previous(const Hash& previous_id, const Hash& batch_id, String municipality) {
  if (previous_id.is_zero()) return;
  cert::Certificate previous_record = cert::load(previous_id);
  require(previous_record.municipality == municipality, "the previous batch belongs to another municipality");
  Batch previous = batches.at(previous_id, "unknown previous batch");
  require(previous.next_batch_id.is_zero(), "the previous batch was already re-anchored");
  previous.next_batch_id = batch_id;
  batches.set(previous_id, previous);
  cert::note(previous_record, "reanchored");
}

}  // namespace

// anchor(batch_id, municipality, hash_algorithm, root, document_count, label,
//        previous_batch_id): by an account with the archive role.
GOVCHAIN_METHOD(anchor) {
  Reader arguments = govchain::arguments();
  cert::Issue request;
  request.id = arguments.fixed();
  request.municipality = arguments.text();
  Batch batch;
  batch.hash_algorithm = arguments.text();
  batch.root = arguments.bytes();
  batch.document_count = arguments.u64();
  batch.label = arguments.text();
  batch.previous_batch_id = arguments.fixed();
  arguments.finish();
  check_batch(batch);
  request.type = certificate_type;
  request.commitment = batch_commitment(batch.hash_algorithm, batch.root);
  request.valid_from_ms = block_time_ms();
  cert::issue_as_office(request, archive_role);
  batches.set(request.id, batch);
  link_previous(batch.previous_batch_id, request.id, request.municipality);
}

GOVCHAIN_METHOD(certificate) { cert::answer_certificate(); }
GOVCHAIN_METHOD(verify) { cert::answer_verify(); }

// verify_root(batch_id, hash_algorithm, root, at_time_ms) -> verification:
// "valid" when this root under this algorithm was anchored by at_time_ms.
GOVCHAIN_METHOD(verify_root) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  String hash_algorithm = arguments.text();
  Bytes root = arguments.bytes();
  int64_t at_ms = cert::resolve_time(arguments.i64());
  arguments.finish();
  cert::Certificate record;
  bool found = cert::find(id, record);
  cert::Verification verification =
      cert::verify(found ? &record : nullptr, batch_commitment(hash_algorithm, root), at_ms);
  Writer out;
  cert::write_verification(out, verification, found ? &record : nullptr);
  return_value(out);
}

// batch(batch_id) -> hash_algorithm, root, document_count, label,
//                    previous_batch_id, next_batch_id
GOVCHAIN_METHOD(batch) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  encode(out, batches.at(id, "unknown certificate"));
  return_value(out);
}

// evidence_chain(batch_id) -> list<evidence>: this batch and every batch it
// re-anchors, newest first: batch_id, hash_algorithm, root, anchored height
// and time. The evidence record of RFC 4998 is built from this list.
GOVCHAIN_METHOD(evidence_chain) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer entries;
  uint32_t count = 0;
  for (; count < evidence_chain_length_max && !id.is_zero(); ++count) {
    cert::Certificate record = cert::load(id);
    Batch batch = batches.at(id, "unknown certificate");
    entries.fixed(id);
    entries.text(batch.hash_algorithm);
    entries.bytes(batch.root);
    entries.u64(record.history[0].height);
    entries.i64(record.history[0].time_ms);
    id = batch.previous_batch_id;
  }
  Writer out;
  out.count(count);
  out.raw(entries.data());
  return_value(out);
}

}  // namespace archive
