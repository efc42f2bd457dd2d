// Verifying a certificate from a proof bundle, with no node: the client
// applies the certificate lifecycle of sdk/contract/govchain/verify.h (the
// rules every certificate contract shares) and the use-case rules of the
// contracts of this repository (dog permit: insurance end; street music:
// zone) to the record that the bundle proves (docs/verification.md, 5).
//
// The status is known as of the bundle's block ("Stand"); the validity
// window is checked at the time asked about (default: now, the caller's
// clock). A bundle that does not verify, or that starts from an anchor the
// caller did not pin, gives a verdict (bundle_invalid, untrusted_anchor), not
// an error: it is an answer about the certificate a person shows.
//
// Plain values and pure functions (the caller passes the time); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/bundle.h"
#include "client/certificate.h"
#include "client/trust_anchor.h"

namespace govchain::client {

// Certificate types whose contracts add a rule to the shared lifecycle.
inline constexpr std::string_view dog_permit_type = "dog_permit";
inline constexpr std::string_view street_music_type = "street_music_permit";
inline constexpr std::string_view archive_batch_type = "archive_batch";

// The state keys a bundle for this certificate holds: its record and, for a
// type with a use-case rule, the contract's facts about it ("dog/", "music/"
// or "batch/" + id); for any other type the contract SDK's standard zone
// key ("zone/" + id, present or proven absent), so that `verify --zone`
// works for every contract that declares zones.
std::vector<Bytes> certificate_bundle_keys(std::string_view contract, std::string_view type, const Hash& id);

// The shared lifecycle verdict (order as in sdk/contract/govchain/verify.h):
// unknown_id, commitment_mismatch, issuer_lacked_role, not_yet_valid
// (not_issued_yet), revoked, consumed, not_yet_valid, expired, suspended,
// valid. `record` nullptr: unknown id.
ContractVerdict lifecycle_verdict(const CertificateRecord* record, const Hash& commitment, int64_t at_time_ms);

struct BundleVerifyOptions {
  int64_t at_time_ms = 0;  // 0: now_ms
  int64_t now_ms = 0;      // the caller's clock
  std::string zone;        // the zone asked about (street music, or any contract with the SDK's zones)
  // Anchors the caller trusts. Empty: the given anchor is used, and the
  // result says it was not pinned (anchor_pinned false).
  std::vector<TrustAnchor> pinned_anchors;
};

struct BundleVerification {
  bool valid = false;
  ContractVerdict answer;  // verdict, reason, status and facts, as the contract's verify answers
  std::optional<CertificateRecord> record;
  bool checked_document = false;  // the commitment came from a document and salt
  std::string explanation;        // one sentence for people
  BundleCheck proof;              // block, time and signatures the record was proven with
  bool proof_verified = false;
  bool anchor_pinned = false;
  TrustAnchor anchor;
  std::vector<std::string> conditions;  // dog permit / street music condition codes, when proven
  std::string zone;                     // street music: the permit's zone, when proven
};

// Verifies the certificate `reference` (its id, contract, chain and the
// commitment to check) with `bundle_bytes` against `anchor`. The use-case
// rule applied is that of the proven record's type (`type`, what the file or
// QR code claims, only chose the bundle's keys); a bundle without the facts
// that rule needs is bundle_invalid. Fails
// (Code::malformed / invalid_argument) only for unusable arguments; a bundle
// that does not prove the record gives verdict "bundle_invalid", an anchor
// outside options.pinned_anchors "untrusted_anchor".
Result<BundleVerification> verify_certificate_bundle(const CertificateReference& reference, std::string_view type,
                                                     ByteView bundle_bytes, const TrustAnchor& anchor,
                                                     const BundleVerifyOptions& options, bool checked_document);

// What verify_certificate_bundle checked, in one line for people, e.g.
// "status valid; document not checked".
std::string checked_summary(const BundleVerification& verification);

}  // namespace govchain::client
