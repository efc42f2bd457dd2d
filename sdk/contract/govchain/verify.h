// Verification of a certificate against a commitment at a point in time, and
// the two standard queries every certificate contract exports:
//   certificate(id: hash) -> certificate
//   verify(id: hash, commitment: hash, at_time_ms: i64) -> verification
// The generic CLI and the verification page call exactly these, so a new
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

// Extra checks of a contract (e.g. insurance expiry), applied to a
// verification whose verdict is otherwise "valid".
using VerifyExtension = void (*)(const Certificate& record, Verification& verification);

// The whole `verify` query: reads (id, commitment, at_time_ms), answers.
inline void answer_verify(VerifyExtension extension = nullptr) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  Hash commitment = arguments.fixed();
  int64_t at_time_ms = resolve_time(arguments.i64());
  arguments.finish();
  Certificate record;
  bool found = find(id, record);
  Verification verification = verify(found ? &record : nullptr, commitment, at_time_ms);
  if (found && extension != nullptr && verification.verdict == "valid") extension(record, verification);
  Writer out;
  write_verification(out, verification, found ? &record : nullptr);
  return_value(out);
}

// The whole `certificate` query: reads (id), returns the record with history.
inline void answer_certificate() {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  encode(out, load(id));
  return_value(out);
}

}  // namespace govchain::cert
