// Verification of a certificate against a commitment at a point in time, and
// the standard queries of certificate contracts:
//   certificate(id: hash) -> certificate
//   verify(id: hash, commitment: hash, at_time_ms: i64) -> verification
// and, for certificates that hold in one zone (cert::set_zone):
//   verify_in_zone(id: hash, commitment: hash, at_time_ms: i64, zone: zone) -> verification
//   zone_of(id: hash) -> zone: zone
// A contract declares them with GOVCHAIN_CERTIFICATE_QUERIES() and
// GOVCHAIN_ZONE_QUERIES() (end of this file), which also declare the ABI
// types and events of certificate.h. The generic CLI (`govchain verify`,
// `verify --zone`) and the verification page call exactly these, so a new
// certificate contract is verifiable without changes to any tool.
//
// Verdicts (docs/contracts.md, "Verification"): valid, unknown_id,
// commitment_mismatch, issuer_lacked_role, not_yet_valid, expired, suspended,
// revoked, consumed. The order of the checks: the id, the commitment, the
// issuer's authority, the final statuses (revoked, consumed, since they say
// more than the time window), the validity window, suspension.
#pragma once

#include "govchain/certificate.h"

namespace govchain::cert {

struct Verification {
  String verdict = "unknown_id";
  String reason;  // the reason code of the deciding history entry, or a detail code
  bool found = false;
  Status status = Status::active;  // the status at the time asked about (when found)
  int64_t at_time_ms = 0;
};

// The last history entry at or before `at_ms`: the state at the end of the
// block that made it. False when the certificate did not exist yet.
inline bool entry_at(const Certificate& record, int64_t at_ms, HistoryEntry& entry) {
  bool found = false;
  for (const HistoryEntry& candidate : record.history) {
    if (candidate.time_ms > at_ms) break;
    entry = candidate;
    found = true;
  }
  return found;
}

inline bool is_within_window(const Certificate& record, int64_t at_ms) {
  return at_ms >= record.valid_from_ms && (record.valid_until_ms == 0 || at_ms < record.valid_until_ms);
}

inline Verification verdict(Verification verification, String verdict, String reason) {
  verification.verdict = verdict;
  verification.reason = reason;
  return verification;
}

// Verifies `record` (null: unknown id) for `commitment` at `at_ms`.
inline Verification verify(const Certificate* record, const Hash& commitment, int64_t at_ms) {
  Verification result;
  result.at_time_ms = at_ms;
  if (record == nullptr) return verdict(result, "unknown_id", "");
  result.found = true;
  result.status = record->status;
  if (record->commitment != commitment) return verdict(result, "commitment_mismatch", "");
  if (!record->issuer_authorized) return verdict(result, "issuer_lacked_role", record->authority);
  HistoryEntry entry;
  if (!entry_at(*record, at_ms, entry)) return verdict(result, "not_yet_valid", "not_issued_yet");
  result.status = entry.status;
  if (entry.status == Status::revoked) return verdict(result, "revoked", entry.reason);
  if (entry.status == Status::consumed) return verdict(result, "consumed", entry.reason);
  if (at_ms < record->valid_from_ms) return verdict(result, "not_yet_valid", "");
  if (record->valid_until_ms != 0 && at_ms >= record->valid_until_ms) return verdict(result, "expired", "");
  if (entry.status == Status::suspended) return verdict(result, "suspended", entry.reason);
  return verdict(result, "valid", "");
}

// 0 means "now": the time of the latest block.
inline int64_t resolve_time(int64_t at_time_ms) { return at_time_ms == 0 ? block_time_ms() : at_time_ms; }

// The ABI struct "verification": verdict, reason, status, at_time_ms, then the
// public facts a verifier shows (type, controlling municipality, issuer,
// issuer municipality, window). Unknown ids give empty texts and zeros.
inline void write_verification(Writer& out, const Verification& verification, const Certificate* record) {
  out.text(verification.verdict);
  out.text(verification.reason);
  out.text(verification.found ? status_name(verification.status) : String(""));
  out.i64(verification.at_time_ms);
  Certificate empty;
  const Certificate& shown = record != nullptr ? *record : empty;
  out.text(shown.type);
  out.text(shown.municipality);
  out.fixed(shown.issuer);
  out.text(shown.issuer_municipality);
  out.i64(shown.valid_from_ms);
  out.i64(shown.valid_until_ms);
}

// A verification with the record it is about (null: unknown id), as a
// query returns it: the ABI struct "verification". Usable as the returns of
// a GOVCHAIN_QUERY (e.g. archive's verify_root).
struct VerificationAnswer {
  Verification verification;
  Certificate record;
  bool found = false;
};

// Verifies the certificate `id` (looked up here) at `at_time_ms` (0: now).
inline VerificationAnswer verify_by_id(const Hash& id, const Hash& commitment, int64_t at_time_ms) {
  VerificationAnswer answer;
  answer.found = find(id, answer.record);
  answer.verification = verify(answer.found ? &answer.record : nullptr, commitment, resolve_time(at_time_ms));
  return answer;
}

// Extra checks of a contract (e.g. insurance expiry), applied to a
// verification whose verdict is otherwise "valid".
using VerifyExtension = void (*)(const Certificate& record, Verification& verification);

// The verdict "wrong_zone" (reason: the certificate's zone) for a valid
// certificate of another zone. A certificate without a zone holds nowhere
// in particular and is not "valid here": wrong_zone with an empty reason.
inline void check_zone(const Certificate& record, Verification& verification, String zone) {
  Zone held;
  if (!zone_of(record.id, held)) {
    verification.verdict = "wrong_zone";
    verification.reason = "";
  } else if (held != zone) {
    verification.verdict = "wrong_zone";
    verification.reason = held;
  }
}

// Reads (id, commitment, at_time_ms[, zone]) and answers as `verify` or
// `verify_in_zone`.
inline void answer_verification(VerifyExtension extension, bool with_zone) {
  Reader arguments = govchain::arguments();
  Hash id = detail::read_argument<Hash>(arguments, "id");
  Hash commitment = detail::read_argument<Hash>(arguments, "commitment");
  int64_t at_time_ms = detail::read_argument<int64_t>(arguments, "at_time_ms");
  Zone zone;
  if (with_zone) zone = detail::read_argument<Zone>(arguments, "zone");
  arguments.finish();
  VerificationAnswer answer = verify_by_id(id, commitment, at_time_ms);
  if (answer.found && extension != nullptr && answer.verification.verdict == "valid")
    extension(answer.record, answer.verification);
  if (answer.found && with_zone && answer.verification.verdict == "valid")
    check_zone(answer.record, answer.verification, zone);
  Writer out;
  write_verification(out, answer.verification, answer.found ? &answer.record : nullptr);
  return_value(out);
}

// The whole `verify` query: reads (id, commitment, at_time_ms), answers.
inline void answer_verify(VerifyExtension extension = nullptr) { answer_verification(extension, false); }

// The whole `verify_in_zone` query: as `verify`, then the zone.
inline void answer_verify_in_zone(VerifyExtension extension = nullptr) { answer_verification(extension, true); }

// The whole `zone_of` query: reads (id), returns the zone; aborts
// "unknown certificate" when it has none.
inline void answer_zone_of() {
  Reader arguments = govchain::arguments();
  Hash id = detail::read_argument<Hash>(arguments, "id");
  arguments.finish();
  Zone zone;
  require(zone_of(id, zone), "unknown certificate");
  Writer out;
  out.text(zone);
  return_value(out);
}

// The whole `certificate` query: reads (id), returns the record with history.
inline void answer_certificate() {
  Reader arguments = govchain::arguments();
  Hash id = detail::read_argument<Hash>(arguments, "id");
  arguments.finish();
  Writer out;
  encode(out, load(id));
  return_value(out);
}

}  // namespace govchain::cert

namespace govchain {

inline void encode(Writer& writer, const cert::VerificationAnswer& answer) {
  cert::write_verification(writer, answer.verification, answer.found ? &answer.record : nullptr);
}

// ABI names of the SDK's certificate types, for declarations.
using certificate = cert::Certificate;
using verification = cert::VerificationAnswer;

}  // namespace govchain

// ---- The standard declarations -------------------------------------------------
// The ABI of certificate.h and of the queries above, written once here.

#define GOVCHAIN_DETAIL_CERTIFICATE_ABI                                                                             \
  GOVCHAIN_DETAIL_ABI_ENTRY(                                                                                        \
      "struct|history_entry|height:u64,time_ms:i64,actor:pubkey,municipality:name,"                                 \
      "status:code,reason:code")                                                                                    \
  GOVCHAIN_DETAIL_ABI_ENTRY(                                                                                        \
      "struct|certificate|id:hash,type:name,issuer:pubkey,issuer_municipality:name,"                                \
      "authority:string,issuer_authorized:bool,municipality:name,commitment:hash,"                                  \
      "valid_from_ms:i64,valid_until_ms:i64,status:code,history:list<history_entry>")                               \
  GOVCHAIN_DETAIL_ABI_ENTRY(                                                                                        \
      "struct|verification|verdict:code,reason:string,status:string,at_time_ms:i64,"                                \
      "type:string,municipality:string,issuer:pubkey,issuer_municipality:string,"                                   \
      "valid_from_ms:i64,valid_until_ms:i64")                                                                       \
  GOVCHAIN_DETAIL_ABI_ENTRY("struct|certificate_event|id:hash,type:name,municipality:name,status:code,reason:code") \
  GOVCHAIN_DETAIL_ABI_ENTRY(                                                                                        \
      "struct|certificate_amended|id:hash,type:name,municipality:name,status:code,"                                 \
      "reason:code,valid_from_ms:i64,valid_until_ms:i64")                                                           \
  GOVCHAIN_DETAIL_ABI_ENTRY("event|certificate.active|certificate_event")                                           \
  GOVCHAIN_DETAIL_ABI_ENTRY("event|certificate.suspended|certificate_event")                                        \
  GOVCHAIN_DETAIL_ABI_ENTRY("event|certificate.revoked|certificate_event")                                          \
  GOVCHAIN_DETAIL_ABI_ENTRY("event|certificate.consumed|certificate_event")                                         \
  GOVCHAIN_DETAIL_ABI_ENTRY("event|certificate.amended|certificate_amended")

// certificate(id) and verify(id, commitment, at_time_ms), with the record's
// types and events. An optional argument is a cert::VerifyExtension that
// refines a "valid" verdict (dogpermit: the insurance end).
#define GOVCHAIN_CERTIFICATE_QUERIES(...)                                                                          \
  GOVCHAIN_DETAIL_CERTIFICATE_ABI                                                                                  \
  GOVCHAIN_DETAIL_RAW_METHOD(certificate, "method|certificate|query|id:hash|certificate:certificate") {            \
    ::govchain::cert::answer_certificate();                                                                        \
  }                                                                                                                \
  GOVCHAIN_DETAIL_RAW_METHOD(verify, "method|verify|query|id:hash,commitment:hash,at_time_ms:i64|@verification") { \
    ::govchain::cert::answer_verify(__VA_ARGS__);                                                                  \
  }

// verify_in_zone(id, commitment, at_time_ms, zone) and zone_of(id), for a
// contract that gives its certificates a zone with cert::set_zone. The
// generic `govchain verify --zone ZONE` calls verify_in_zone on any
// contract. Takes the same optional cert::VerifyExtension as above.
#define GOVCHAIN_ZONE_QUERIES(...)                                                  \
  GOVCHAIN_DETAIL_RAW_METHOD(verify_in_zone,                                        \
                             "method|verify_in_zone|query|id:hash,commitment:hash," \
                             "at_time_ms:i64,zone:zone|@verification") {            \
    ::govchain::cert::answer_verify_in_zone(__VA_ARGS__);                           \
  }                                                                                 \
  GOVCHAIN_DETAIL_RAW_METHOD(zone_of, "method|zone_of|query|id:hash|zone:zone") { ::govchain::cert::answer_zone_of(); }
