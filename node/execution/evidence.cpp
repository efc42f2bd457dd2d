#include "execution/evidence.h"

#include <algorithm>

#include "chain/tx.h"
#include "codec/codec.h"
#include "consensus/certificate.h"
#include "crypto/hash.h"
#include "execution/state_keys.h"
#include "execution/validator_governance.h"

namespace govchain::execution {

namespace {

Bytes encode_record(const EvidenceRecord& record) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.bytes(record.evidence);
  writer.u64(record.recorded_height);
  writer.fixed(record.reporter);
  return writer.take();
}

Bytes encode_hash_list(const std::vector<Hash>& hashes) {
  codec::Writer writer;
  writer.count(hashes.size());
  for (const auto& hash : hashes) writer.fixed(hash);
  return writer.take();
}

Result<EvidenceRecord> record_from(const Hash& hash, Bytes evidence_bytes, uint64_t recorded_height,
                                   const PublicKey& reporter) {
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::Evidence evidence, consensus::decode_evidence(evidence_bytes));
  return EvidenceRecord{hash, std::move(evidence_bytes), evidence.first.vote.validator, evidence.first.vote.height,
                        recorded_height, reporter};
}

}  // namespace

Hash evidence_hash(ByteView evidence) { return crypto::tagged_hash(crypto::tags::evidence, evidence); }

Result<std::vector<Hash>> read_evidence_list(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::evidence_list()));
  std::vector<Hash> hashes;
  if (!stored) return hashes;
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(evidence_records_max, Hash::size_bytes));
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(Hash hash, reader.fixed<32>());
    hashes.push_back(hash);
  }
  GOVCHAIN_TRY(reader.finish());
  return hashes;
}

Result<std::optional<EvidenceRecord>> read_evidence(const StateReader& state, const Hash& hash) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::evidence(hash)));
  if (!stored) return std::optional<EvidenceRecord>();
  codec::Reader reader(*stored);
  GOVCHAIN_TRY(consensus::decode_version(reader, "evidence record"));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes evidence, reader.bytes(chain::evidence_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t recorded_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(PublicKey reporter, reader.fixed<32>());
  GOVCHAIN_TRY(reader.finish());
  GOVCHAIN_ASSIGN_OR_RETURN(EvidenceRecord record, record_from(hash, std::move(evidence), recorded_height, reporter));
  return std::optional<EvidenceRecord>(std::move(record));
}

Result<EvidenceRecord> record_evidence(Overlay& state, std::string_view chain_id, const PublicKey& reporter,
                                       ByteView evidence_bytes, uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<PublicKey> validators, read_validators(state));
  if (std::find(validators.begin(), validators.end(), reporter) == validators.end())
    return error(Code::unauthorized, "only validators report evidence; " + reporter.hex() + " is not one");
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::Evidence evidence, consensus::decode_evidence(evidence_bytes));
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::ValidatorSet set, consensus::ValidatorSet::create(validators));
  GOVCHAIN_TRY(consensus::verify_evidence(evidence, chain_id, set));
  Hash hash = evidence_hash(evidence_bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(auto existing, state.get(keys::evidence(hash)));
  if (existing) return error(Code::already_exists, "this evidence was recorded before (" + hash.hex() + ")");
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<Hash> hashes, read_evidence_list(state));
  if (hashes.size() >= evidence_records_max)
    return error(Code::resource_exhausted, "the chain holds " + std::to_string(hashes.size()) +
                                               " evidence records, the most it keeps");
  Bytes stored(evidence_bytes.begin(), evidence_bytes.end());
  EvidenceRecord record{hash, stored, evidence.first.vote.validator, evidence.first.vote.height, height, reporter};
  state.set(keys::evidence(hash), encode_record(record));
  hashes.push_back(hash);
  state.set(keys::evidence_list(), encode_hash_list(hashes));
  return record;
}

}  // namespace govchain::execution
