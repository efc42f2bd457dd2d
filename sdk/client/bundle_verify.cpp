#include "client/bundle_verify.h"

#include "client/state_layout.h"
#include "codec/codec.h"

namespace govchain::client {

namespace {

constexpr size_t code_size_bytes_max = 256;
constexpr size_t conditions_max = 64;
constexpr size_t insurance_periods_max = 64;

Bytes contract_key(std::string_view contract, std::string_view suffix_prefix, const Hash& id) {
  const std::string prefix = "c/s/" + std::string(contract) + "/" + std::string(suffix_prefix);
  Bytes key(prefix.begin(), prefix.end());
  key.insert(key.end(), id.data.begin(), id.data.end());
  return key;
}

std::string_view fact_prefix(std::string_view type) {
  if (type == dog_permit_type) return "dog/";
  if (type == street_music_type) return "music/";
  if (type == archive_batch_type) return "batch/";
  return {};
}

// The contract SDK keeps a certificate's zone under "zone/" || id
// (cert::set_zone, sdk/contract/govchain/certificate.h) for any contract
// that declares zones, e.g. one made with `govchain contract new`.
constexpr std::string_view standard_zone_prefix = "zone/";

ContractVerdict with_verdict(ContractVerdict answer, std::string verdict, std::string reason) {
  answer.verdict = std::move(verdict);
  answer.reason = std::move(reason);
  return answer;
}

struct InsurancePeriod {
  int64_t recorded_ms = 0;
  int64_t valid_until_ms = 0;
};

Result<std::vector<std::string>> read_codes(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(conditions_max, 4));
  std::vector<std::string> codes(count);
  for (auto& code : codes) {
    GOVCHAIN_ASSIGN_OR_RETURN(code, reader.text(code_size_bytes_max));
  }
  return codes;
}

// The dog permit's facts: conditions, then the insurance periods.
Status apply_dog_permit(ByteView value, BundleVerification& result) {
  codec::Reader reader(value);
  GOVCHAIN_ASSIGN_OR_RETURN(result.conditions, read_codes(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(insurance_periods_max, 16));
  std::vector<InsurancePeriod> periods(count);
  for (auto& period : periods) {
    GOVCHAIN_ASSIGN_OR_RETURN(period.recorded_ms, reader.i64());
    GOVCHAIN_ASSIGN_OR_RETURN(period.valid_until_ms, reader.i64());
  }
  GOVCHAIN_TRY(reader.finish());
  if (periods.empty()) return error(Code::malformed, "a dog permit without insurance");
  // As the contract: the insurance end known at that time (the latest
  // period recorded by then; before the first record, the first one).
  const int64_t at = result.answer.at_time_ms;
  int64_t until_ms = periods.front().valid_until_ms;
  for (const auto& period : periods)
    if (period.recorded_ms <= at) until_ms = period.valid_until_ms;
  if (result.answer.verdict == "valid" && at >= until_ms)
    result.answer = with_verdict(result.answer, "expired", "insurance_expired");
  return Status();
}

// The street-music permit's facts: zone, then conditions.
Status apply_street_music(ByteView value, std::string_view zone_asked, BundleVerification& result) {
  codec::Reader reader(value);
  GOVCHAIN_ASSIGN_OR_RETURN(result.zone, reader.text(code_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(result.conditions, read_codes(reader));
  GOVCHAIN_TRY(reader.finish());
  if (result.answer.verdict == "valid" && !zone_asked.empty() && result.zone != zone_asked)
    result.answer = with_verdict(result.answer, "wrong_zone", result.zone);
  return Status();
}

// Any other contract with zones: as its verify_in_zone query, a valid
// certificate of another zone, or of none, is `wrong_zone` (reason: its zone).
Status apply_standard_zone(const ProofBundle& bundle, const CertificateReference& reference,
                           std::string_view zone_asked, BundleVerification& result) {
  auto value = bundle_value(bundle, contract_key(reference.contract, standard_zone_prefix, reference.id));
  if (!value.ok()) return error(Code::invalid, "the bundle lacks the certificate's zone that the verdict needs");
  if (*value) {
    codec::Reader reader(**value);
    GOVCHAIN_ASSIGN_OR_RETURN(result.zone, reader.text(code_size_bytes_max));
    GOVCHAIN_TRY(reader.finish());
  }
  if (result.answer.verdict == "valid" && result.zone != zone_asked)
    result.answer = with_verdict(result.answer, "wrong_zone", result.zone);
  return Status();
}

Status apply_use_case_rules(const ProofBundle& bundle, const CertificateReference& reference, std::string_view type,
                            std::string_view zone, BundleVerification& result) {
  const std::string_view prefix = fact_prefix(type);
  if (prefix.empty() && !zone.empty() && result.record) return apply_standard_zone(bundle, reference, zone, result);
  if (prefix.empty() || prefix == "batch/" || !result.record) return Status();
  auto value = bundle_value(bundle, contract_key(reference.contract, prefix, reference.id));
  if (!value.ok())
    return error(Code::invalid, "the bundle lacks the " + std::string(type) + " facts that its verdict needs");
  if (!*value) return error(Code::invalid, "the contract holds no " + std::string(type) + " facts for this id");
  Status applied =
      type == dog_permit_type ? apply_dog_permit(**value, result) : apply_street_music(**value, zone, result);
  return applied.ok() ? applied : applied.with_context(std::string(type) + " facts");
}

bool anchor_is_pinned(const TrustAnchor& anchor, const std::vector<TrustAnchor>& pinned) {
  for (const auto& candidate : pinned)
    if (candidate == anchor) return true;
  return false;
}

BundleVerification refused(BundleVerification result, std::string verdict, std::string reason) {
  result.valid = false;
  result.answer = with_verdict(result.answer, std::move(verdict), std::move(reason));
  result.explanation = explain_verdict(result.answer);
  return result;
}

// The record proven in the bundle, and the lifecycle verdict on it.
Status judge_record(const ProofBundle& bundle, const CertificateReference& reference, BundleVerification& result) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<Bytes> value,
                            bundle_value(bundle, certificate_record_key(reference.contract, reference.id)));
  if (value) {
    GOVCHAIN_ASSIGN_OR_RETURN(result.record, decode_stored_certificate_record(*value));
    if (result.record->id != reference.id) return error(Code::invalid, "the proven record has another id");
  }
  result.answer =
      lifecycle_verdict(result.record ? &*result.record : nullptr, reference.commitment, result.answer.at_time_ms);
  return Status();
}

}  // namespace

std::vector<Bytes> certificate_bundle_keys(std::string_view contract, std::string_view type, const Hash& id) {
  std::vector<Bytes> keys{certificate_record_key(contract, id)};
  const std::string_view prefix = fact_prefix(type);
  keys.push_back(contract_key(contract, prefix.empty() ? standard_zone_prefix : prefix, id));
  return keys;
}

ContractVerdict lifecycle_verdict(const CertificateRecord* record, const Hash& commitment, int64_t at_time_ms) {
  ContractVerdict answer;
  answer.at_time_ms = at_time_ms;
  if (record == nullptr) return with_verdict(answer, "unknown_id", "");
  answer.type = record->type;
  answer.municipality = record->municipality;
  answer.issuer = record->issuer;
  answer.issuer_municipality = record->issuer_municipality;
  answer.valid_from_ms = record->valid_from_ms;
  answer.valid_until_ms = record->valid_until_ms;
  answer.status = record->status;
  if (record->commitment != commitment) return with_verdict(answer, "commitment_mismatch", "");
  if (!record->issuer_authorized) return with_verdict(answer, "issuer_lacked_role", record->authority);
  const HistoryEntry* entry = nullptr;
  for (const auto& candidate : record->history) {
    if (candidate.time_ms > at_time_ms) break;
    entry = &candidate;
  }
  if (entry == nullptr) return with_verdict(answer, "not_yet_valid", "not_issued_yet");
  answer.status = entry->status;
  if (entry->status == "revoked") return with_verdict(answer, "revoked", entry->reason);
  if (entry->status == "consumed") return with_verdict(answer, "consumed", entry->reason);
  if (at_time_ms < record->valid_from_ms) return with_verdict(answer, "not_yet_valid", "");
  if (record->valid_until_ms != 0 && at_time_ms >= record->valid_until_ms) return with_verdict(answer, "expired", "");
  if (entry->status == "suspended") return with_verdict(answer, "suspended", entry->reason);
  return with_verdict(answer, "valid", "");
}

Result<BundleVerification> verify_certificate_bundle(const CertificateReference& reference, std::string_view,
                                                     ByteView bundle_bytes, const TrustAnchor& anchor,
                                                     const BundleVerifyOptions& options, bool checked_document) {
  GOVCHAIN_TRY(check_trust_anchor(anchor));
  BundleVerification result;
  result.checked_document = checked_document;
  result.anchor = anchor;
  result.anchor_pinned = anchor_is_pinned(anchor, options.pinned_anchors);
  result.answer.at_time_ms = options.at_time_ms != 0 ? options.at_time_ms : options.now_ms;
  if (!options.pinned_anchors.empty() && !result.anchor_pinned)
    return refused(result, "untrusted_anchor", trust_anchor_id(anchor).hex());
  if (reference.chain_id != anchor.chain_id) return refused(result, "wrong_chain", anchor.chain_id);
  auto bundle = decode_bundle(bundle_bytes, anchor);
  if (!bundle.ok()) return refused(result, "bundle_invalid", bundle.status().message());
  auto proof = verify_bundle(*bundle, anchor);
  if (!proof.ok()) return refused(result, "bundle_invalid", proof.status().message());
  result.proof = *proof;
  result.proof_verified = true;
  Status judged = judge_record(*bundle, reference, result);
  // The rules follow the proven record's type, never the caller's word (a
  // QR payload could name another type to skip the insurance rule).
  if (judged.ok() && result.record)
    judged = apply_use_case_rules(*bundle, reference, result.record->type, options.zone, result);
  if (!judged.ok()) {
    result.proof_verified = false;
    return refused(result, "bundle_invalid", judged.message());
  }
  result.valid = result.answer.verdict == "valid";
  result.explanation = explain_verdict(result.answer);
  return result;
}

std::string checked_summary(const BundleVerification& verification) {
  std::string status = verification.proof_verified ? "status " + verification.answer.verdict : "status not proven";
  if (verification.answer.verdict == "commitment_mismatch") return status + "; the document does not match";
  return status + (verification.checked_document ? "; document checked" : "; document not checked");
}

}  // namespace govchain::client
