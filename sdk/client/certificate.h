// Certificate files, canonical documents, commitments and verification that
// explains itself (docs/certificates.md, "Client side").
//
// A certificate has two halves: the record a use-case contract keeps on the
// chain (ids, codes, dates, the commitment; no personal data) and the
// certificate file the holder keeps (the document with the personal data,
// the 32-byte salt, the id, the chain id and the contract to ask). This header
// defines the file, the canonical byte form of its document, the commitment
//   commitment = tagged_hash("govchain/commitment", salt || canonical(document))
// and verification: the contract's own `verify` and `certificate` queries
// answer the status, the window, the issuer's authority and the history; the
// client adds the commitment computed from the file, so an altered document
// answers "commitment_mismatch". The client does not take the node's word for
// the record: it reads it again with a state proof checked against a block
// signed by the validators, and refuses (Code::invalid) an answer that the
// proven record contradicts.
//
// Ownership: every type is a plain value owned by the caller. Functions that
// take a Client only read it. Thread-safety: all functions are thread-safe
// (the Client's calls are const; files are read or written whole).
// Errors come back as Status/Result; nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"
#include "client/trust_anchor.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client {

inline constexpr int certificate_file_format_version = 1;
inline constexpr size_t certificate_file_size_bytes_max = 1024 * 1024;

// The canonical byte form of a JSON document (docs/certificates.md): UTF-8,
// no insignificant whitespace, object members sorted by the bytes of their
// names, strings escaped as RFC 8785 does, numbers only as integers of at
// most 2^53-1 in magnitude. For such documents this equals the JSON
// Canonicalization Scheme (RFC 8785). Refuses invalid JSON, invalid UTF-8,
// floating-point numbers, duplicate member names and a top level that is not
// an object (Code::invalid_argument).
Result<std::string> canonical_json(std::string_view json_text);

// tagged_hash("govchain/commitment", salt || canonical_document).
Hash compute_commitment(const Hash& salt, std::string_view canonical_document);

// What the holder keeps. `document_json` is always canonical.
struct CertificateFile {
  std::string type;                 // certificate type, e.g. "dog_permit"
  std::string chain_id;             // the network the record is on
  std::string contract;             // the contract to ask, e.g. "dogpermit"
  std::string issuer_municipality;  // the municipality it was issued for
  Hash id;                          // the record's key: 32 random bytes
  Hash salt;                        // 32 random bytes, fresh per certificate
  std::string document_json;        // canonical JSON of the document (personal data)
  // The proof bundle of the record (client/bundle.h; empty: none yet) and
  // the trust anchor it starts from, so that the file verifies offline.
  Bytes bundle;
  std::optional<TrustAnchor> trust_anchor;
  // Where the QR code's verification link points: "<portal_url>/verify#...".
  // Empty: the QR text is the bare reference "govchain:1:...".
  std::string portal_url;
  // The commitment of salt and document (always recomputed, never trusted
  // from a file).
  Hash commitment() const { return compute_commitment(salt, document_json); }
};

// A new certificate with a fresh random id and salt; `document_json` is any
// JSON object text and is canonicalised.
Result<CertificateFile> new_certificate(std::string type, std::string contract, std::string chain_id,
                                        std::string issuer_municipality, std::string_view document_json);

// The certificate file's JSON text (pretty-printed; see docs/certificates.md).
std::string certificate_to_json(const CertificateFile& certificate);
// Parses a certificate file; Code::malformed names the field at fault. A
// stored "commitment" field that differs from the recomputed one is kept out:
// verification always recomputes.
Result<CertificateFile> certificate_from_json(std::string_view text);
Result<CertificateFile> read_certificate_file(const std::string& path);
// Writes a new file readable by the owner only; Code::already_exists when
// the path exists (a certificate file is never overwritten).
Status write_certificate_file(const std::string& path, const CertificateFile& certificate);
// Replaces the file at `path` (atomically, by rename) with `certificate`,
// only when the file holds the same certificate (id, salt, document, chain
// and contract): what may change is the bundle, its anchor and the portal.
// Code::invalid otherwise.
Status update_certificate_file(const std::string& path, const CertificateFile& certificate);

// A certificate id given as 64 hex digits, or the id of the certificate file
// at that path (for commands that need only the id).
Result<Hash> certificate_id_from(const std::string& file_or_hex);

// ---- The record and the contract's answers ---------------------------------

struct HistoryEntry {
  uint64_t height = 0;
  int64_t time_ms = 0;  // block time
  PublicKey actor;
  std::string municipality;  // for which the actor acted
  std::string status;        // status after the change
  std::string reason;        // reason code
  bool operator==(const HistoryEntry&) const = default;
};

// The ABI struct "certificate" of every certificate contract.
struct CertificateRecord {
  Hash id;
  std::string type;
  PublicKey issuer;
  std::string issuer_municipality;
  std::string authority;
  bool issuer_authorized = false;
  std::string municipality;  // controlling
  Hash commitment;
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;  // 0: no end
  std::string status;
  std::vector<HistoryEntry> history;
  bool operator==(const CertificateRecord&) const = default;
};

// The returns of the standard `verify` query.
struct ContractVerdict {
  std::string verdict;  // valid, unknown_id, commitment_mismatch, ...
  std::string reason;
  std::string status;  // status at the time asked about
  int64_t at_time_ms = 0;
  std::string type;
  std::string municipality;
  PublicKey issuer;
  std::string issuer_municipality;
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;
};

Result<CertificateRecord> decode_certificate_record(ByteView bytes);
// The record as stored under client::certificate_record_key(): the format
// version byte 1, then the same encoding as decode_certificate_record reads.
Result<CertificateRecord> decode_stored_certificate_record(ByteView value);
Result<ContractVerdict> decode_contract_verdict(ByteView bytes);

// ---- QR reference -----------------------------------------------------------

// What a QR code carries: enough to check the status without the document.
// Text form: "govchain:1:<chain id>:<contract>:<id hex>:<commitment hex>".
struct CertificateReference {
  std::string chain_id;
  std::string contract;
  Hash id;
  Hash commitment;
};

CertificateReference reference_of(const CertificateFile& certificate);
std::string reference_to_text(const CertificateReference& reference);
Result<CertificateReference> reference_from_text(std::string_view text);

// ---- Verification ----------------------------------------------------------

struct VerifyOptions {
  int64_t at_time_ms = 0;  // 0: now (the latest block's time)
  std::string zone;        // street music: also check the zone ("valid here?")
  TrustOptions trust;      // what the record's state proof is checked against
};

struct VerificationReport {
  bool valid = false;
  ContractVerdict answer;                   // what the contract answered
  std::optional<CertificateRecord> record;  // with its history, when the id is known
  bool checked_document = false;            // true: from a file (document + salt)
  std::string contract;
  std::string explanation;  // one sentence for people
  // The record read with a state proof (value nullopt: proven absent), and
  // the block, state root and validator signatures it was checked against.
  ProvenState proof;
};

// Checks the contract's answer in `report` (verdict, record) against the
// record that a state proof showed (`proven_value`, nullopt: proven absent):
// the record must exist unless the verdict is unknown_id and then equal the
// queried one; commitment_mismatch exactly when the proven commitment is not
// `reference.commitment`; valid only when the proven history says active at
// the time asked about, inside the window; suspended, revoked and consumed
// only when the proven history says so. Code::invalid names the
// contradiction. Pure.
Status check_answer_against_proof(const VerificationReport& report, const CertificateReference& reference,
                                  const std::optional<Bytes>& proven_value);

// Verifies a certificate file: recomputes the commitment from the document
// and salt and asks the contract. Code::wrong_chain when the node serves
// another chain than the file's.
Result<VerificationReport> verify_certificate(const Client& client, const CertificateFile& certificate,
                                              const VerifyOptions& options);
// Verifies from a QR reference: status by id and commitment, no document.
Result<VerificationReport> verify_reference(const Client& client, const CertificateReference& reference,
                                            const VerifyOptions& options);

// One sentence for people, e.g. "revoked by the issuing office (reason code
// complaints)".
std::string explain_verdict(const ContractVerdict& answer);

// Time arguments (client/local_time.h): ISO 8601 without an offset is
// Europe/Berlin local time ("2026-12-07T15:30"), with an offset as written
// ("2026-12-07T14:30Z", "2026-12-07T15:30+01:00"); a date alone is the start
// of that day in Berlin; a decimal number is ms since 1970.
Result<int64_t> parse_time_ms(std::string_view text);
// As parse_time_ms, but a date alone means the end of that day in Berlin
// (the start of the next day): for ends of validity, which are exclusive.
Result<int64_t> parse_end_time_ms(std::string_view text);
// "2026-12-07T14:30:00.000Z", for machine-readable output; people get
// format_time_local() (client/local_time.h).
std::string format_time_utc(int64_t time_ms);

}  // namespace govchain::client
