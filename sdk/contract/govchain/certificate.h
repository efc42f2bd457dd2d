// The certificate lifecycle of docs/domain.md, implemented once for every
// use-case contract.
//
// A certificate on the chain is a commitment record: id, type, issuer account
// and municipality, the authority the issuer had to hold (a governance role,
// or e.g. an identity attestation level) and the fact that the contract
// checked it at issuance, the controlling municipality (changes on
// transfer), the commitment, the validity window, the status, and the status
// history (each change with block height, block time, acting account, the
// municipality it acted for, the new status and a reason code). The document
// itself never reaches the chain: the issuer's client computes
//   commitment = tagged_hash("govchain/commitment", salt || canonical(document))
// with a fresh random 32-byte salt, and hands document, salt, id and chain id
// to the holder (docs/certificates.md).
//
// Storage layout (inside the contract's namespace): "cert/" || id (32 raw
// bytes) -> encode(Certificate). A contract keeps its own extra fields under
// its own prefix (e.g. "dog/" || id).
//
// Status transitions:
//   issue                 -> active
//   active     --suspend--> suspended --reinstate--> active
//   active|suspended --revoke--> revoked       (final)
//   active     --consume--> consumed           (final, single use)
//   active|suspended --transfer--> same status, new controlling municipality
//   active|suspended --amend_window--> same status, new validity window
//   note: a history entry without a status change (e.g. insurance_renewed)
//
// Every reason is a Code ([a-z0-9_]{1,32}, codes.h): a transition cannot
// store free text. Zones (set_zone, zone_of) are Zone codes kept under
// "zone/" || id, which the standard verify_in_zone query reads (verify.h).
#pragma once

#include "govchain/abi.h"

namespace govchain::cert {

enum class Status : uint8_t { active = 1, suspended = 2, revoked = 3, consumed = 4 };

inline Code status_name(Status status) {
  switch (status) {
    case Status::active:
      return "active";
    case Status::suspended:
      return "suspended";
    case Status::revoked:
      return "revoked";
    case Status::consumed:
      return "consumed";
  }
  return "unknown";
}

inline Status parse_status(String name) {
  if (name == "active") return Status::active;
  if (name == "suspended") return Status::suspended;
  if (name == "revoked") return Status::revoked;
  require(name == "consumed", "malformed certificate record: unknown status");
  return Status::consumed;
}

struct HistoryEntry {
  uint64_t height = 0;
  int64_t time_ms = 0;
  PublicKey actor;
  String municipality;             // the municipality the actor acted for
  Status status = Status::active;  // the status after this entry
  String reason;                   // a reason code, e.g. "issued", "insurance_lapsed" (written from a Code)
};

struct Certificate {
  Hash id;
  String type;  // the use case, e.g. "dog_permit"; equals the ABI's certificate_type
  PublicKey issuer;
  String issuer_municipality;
  String authority;                // what the issuer had to hold, e.g. "public_order_office" or "identity:substantial"
  bool issuer_authorized = false;  // the contract checked `authority` when it issued
  String municipality;             // controlling municipality: whose office may change it now
  Hash commitment;
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;  // 0: no end
  Status status = Status::active;
  Vector<HistoryEntry> history;  // history[0] is the issuance
};

// Bounds the record (values are at most 64 KiB): about 100 bytes per entry.
inline constexpr uint32_t history_size_max = 200;
inline constexpr uint8_t record_format_version = 1;

}  // namespace govchain::cert

namespace govchain {

inline void encode(Writer& writer, const cert::HistoryEntry& entry) {
  writer.u64(entry.height);
  writer.i64(entry.time_ms);
  writer.fixed(entry.actor);
  writer.text(entry.municipality);
  writer.text(cert::status_name(entry.status));
  writer.text(entry.reason);
}

inline void decode(Reader& reader, cert::HistoryEntry& entry) {
  entry.height = reader.u64();
  entry.time_ms = reader.i64();
  entry.actor = reader.fixed();
  entry.municipality = reader.text();
  entry.status = cert::parse_status(reader.text());
  entry.reason = reader.text();
}

// The record without its leading format version: this is also the ABI
// struct "certificate" that the `certificate` query returns.
inline void encode(Writer& writer, const cert::Certificate& record) {
  writer.fixed(record.id);
  writer.text(record.type);
  writer.fixed(record.issuer);
  writer.text(record.issuer_municipality);
  writer.text(record.authority);
  writer.boolean(record.issuer_authorized);
  writer.text(record.municipality);
  writer.fixed(record.commitment);
  writer.i64(record.valid_from_ms);
  writer.i64(record.valid_until_ms);
  writer.text(cert::status_name(record.status));
  encode(writer, record.history);
}

inline void decode(Reader& reader, cert::Certificate& record) {
  record.id = reader.fixed();
  record.type = reader.text();
  record.issuer = reader.fixed();
  record.issuer_municipality = reader.text();
  record.authority = reader.text();
  record.issuer_authorized = reader.boolean();
  record.municipality = reader.text();
  record.commitment = reader.fixed();
  record.valid_from_ms = reader.i64();
  record.valid_until_ms = reader.i64();
  record.status = cert::parse_status(reader.text());
  decode(reader, record.history);
}

}  // namespace govchain

namespace govchain::cert {

// ---- Storage -----------------------------------------------------------------

inline Bytes record_key(const Hash& id) {
  Writer writer;
  writer.raw("cert/");
  writer.fixed(id);
  return writer.data();
}

inline Bytes encode_record(const Certificate& record) {
  Writer writer;
  writer.u8(record_format_version);
  encode(writer, record);
  return writer.data();
}

inline Certificate decode_record(Bytes stored) {
  Reader reader(stored);
  require(reader.u8() == record_format_version, "certificate record of an unknown format version");
  Certificate record;
  decode(reader, record);
  reader.finish();
  return record;
}

inline bool exists(const Hash& id) { return storage::has(record_key(id)); }

inline bool find(const Hash& id, Certificate& record) {
  Bytes stored;
  if (!storage::get(record_key(id), stored)) return false;
  record = decode_record(stored);
  return true;
}

// The record of another contract (read-only), e.g. identity attestations.
inline bool find_of(String contract, const Hash& id, Certificate& record) {
  Bytes stored;
  if (!storage::get_of(contract, record_key(id), stored)) return false;
  record = decode_record(stored);
  return true;
}

inline Certificate load(const Hash& id) {
  Certificate record;
  require(find(id, record), "unknown certificate");
  return record;
}

inline void save(const Certificate& record) { storage::set(record_key(record.id), encode_record(record)); }

// ---- Events --------------------------------------------------------------------
// Topic "certificate.<status after the change>"; data = id, type, controlling
// municipality, status, reason (ABI struct certificate_event). A changed
// validity window: topic "certificate.amended", data = id, type,
// municipality, status, reason, valid_from_ms, valid_until_ms (ABI struct
// certificate_amended). Ids, codes and times only.

inline void emit_change(const Certificate& record, Code reason) {
  Writer topic;
  topic.raw("certificate.");
  topic.raw(status_name(record.status));
  Writer data;
  data.fixed(record.id);
  data.text(record.type);
  data.text(record.municipality);
  data.text(status_name(record.status));
  data.text(reason);
  emit_event(topic.data(), data.data());
}

// ---- Issuance ------------------------------------------------------------------

struct Issue {
  Hash id;              // chosen by the issuer's client: 32 random bytes
  String type;          // the certificate type of the contract
  String municipality;  // the issuing municipality (checked by the contract)
  Hash commitment;
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;  // 0: no end
};

inline void append_history(Certificate& record, String municipality, Code reason) {
  require(record.history.size < history_size_max, "certificate history is full");
  require_code(reason, "reason must be a code: 1..32 of [a-z0-9_]");
  HistoryEntry entry;
  entry.height = block_height();
  entry.time_ms = block_time_ms();
  entry.actor = caller();
  entry.municipality = municipality;
  entry.status = record.status;
  entry.reason = reason;
  record.history.push_back(entry);
}

// Creates, stores and announces the record, issued by the caller. The
// contract must have checked `authority` before (issue_as_office does it for
// governance roles).
inline Certificate issue(const Issue& request, String authority) {
  require(!request.id.is_zero(), "certificate id must not be zero");
  require(!request.commitment.is_zero(), "commitment must not be zero");
  require_name(request.type, "certificate type must be a name");
  require_name(request.municipality, "municipality must be a name: 1..64 of [a-z0-9_.-]");
  require(request.valid_from_ms >= 0, "valid_from_ms must not be negative");
  require(request.valid_until_ms == 0 || request.valid_until_ms > request.valid_from_ms,
          "valid_until_ms must be 0 (no end) or after valid_from_ms");
  require(!exists(request.id), "certificate id already used");
  Certificate record;
  record.id = request.id;
  record.type = request.type;
  record.issuer = caller();
  record.issuer_municipality = request.municipality;
  record.authority = authority;
  record.issuer_authorized = true;
  record.municipality = request.municipality;
  record.commitment = request.commitment;
  record.valid_from_ms = request.valid_from_ms;
  record.valid_until_ms = request.valid_until_ms;
  record.status = Status::active;
  append_history(record, request.municipality, "issued");
  save(record);
  emit_change(record, "issued");
  return record;
}

// Requires that the caller holds `role` in `municipality` now.
inline void require_role(String municipality, String role) {
  require(has_role(caller(), municipality, role), "caller does not hold the required role in this municipality");
}

// Issuance by an office: the caller must hold `role` in the municipality.
inline Certificate issue_as_office(const Issue& request, String role) {
  require_name(request.municipality, "municipality must be a name: 1..64 of [a-z0-9_.-]");
  require_role(request.municipality, role);
  return issue(request, role);
}

// ---- Who may change a certificate -------------------------------------------

// An office of the controlling municipality (after a transfer, the new one).
inline void require_controlling_office(const Certificate& record, String role) {
  require_role(record.municipality, role);
}

inline void require_issuer(const Certificate& record) {
  require(caller() == record.issuer, "only the issuer may do this");
}

// ---- Transitions ---------------------------------------------------------------
// Each checks the current status, appends to the history, saves and emits.

inline void change_status(Certificate& record, Status status, Code reason) {
  record.status = status;
  append_history(record, record.municipality, reason);
  save(record);
  emit_change(record, reason);
}

inline void suspend(Certificate& record, Code reason) {
  require(record.status == Status::active, "only an active certificate can be suspended");
  change_status(record, Status::suspended, reason);
}

inline void reinstate(Certificate& record, Code reason) {
  require(record.status == Status::suspended, "only a suspended certificate can be reinstated");
  change_status(record, Status::active, reason);
}

inline void revoke(Certificate& record, Code reason) {
  require(record.status == Status::active || record.status == Status::suspended,
          "only an active or suspended certificate can be revoked");
  change_status(record, Status::revoked, reason);
}

// Single use: only an active certificate inside its validity window.
inline void consume(Certificate& record, Code reason) {
  require(record.status != Status::consumed, "certificate already consumed");
  require(record.status == Status::active, "only an active certificate can be consumed");
  int64_t now_ms = block_time_ms();
  require(now_ms >= record.valid_from_ms, "certificate not yet valid");
  require(record.valid_until_ms == 0 || now_ms < record.valid_until_ms, "certificate expired");
  change_status(record, Status::consumed, reason);
}

// Hands control to `new_municipality`; the status and history stay.
inline void transfer(Certificate& record, String new_municipality, Code reason) {
  require(record.status == Status::active || record.status == Status::suspended,
          "only an active or suspended certificate can be transferred");
  require_name(new_municipality, "municipality must be a name: 1..64 of [a-z0-9_.-]");
  require(new_municipality != record.municipality, "certificate already belongs to this municipality");
  record.municipality = new_municipality;
  append_history(record, new_municipality, reason);
  save(record);
  emit_change(record, reason);
}

// A history entry without a status change (e.g. "insurance_renewed").
inline void note(Certificate& record, Code reason) {
  append_history(record, record.municipality, reason);
  save(record);
  emit_change(record, reason);
}

// ---- Changing the validity window (extension, Änderungsbescheid) ------------------
//
// A verifier asks "was it valid at T?" for any T, and the answer comes from
// the record's window and its status history at T (verify.h); the client
// checks that answer against the record it reads with a state proof
// (docs/certificates.md). The record keeps one window, so an amendment may
// only change the future: every time before this block must get the answer
// it had before. Hence the start and the end may each move only where both
// the old and the new value lie at or after this block's time (0, "no end",
// counts as the far future). In practice:
//  - extend: a later end, while the certificate has not expired yet;
//  - shorten: an earlier end, not before now (to end it at once, use now);
//  - postpone or advance a start that has not come yet, not to the past.
// A certificate that has expired cannot be extended: issue a new one. Only
// active and suspended certificates can be amended; the history gets an
// entry (status unchanged) with `reason`, and the event certificate.amended
// carries the new window.

// Whether moving a window edge from `old_ms` to `new_ms` keeps every answer
// before `now_ms`; with `zero_is_none` (an end), 0 means "no end".
inline bool changes_only_the_future(int64_t old_ms, int64_t new_ms, int64_t now_ms, bool zero_is_none) {
  if (old_ms == new_ms) return true;
  const bool old_in_future = old_ms >= now_ms || (zero_is_none && old_ms == 0);
  const bool new_in_future = new_ms >= now_ms || (zero_is_none && new_ms == 0);
  return old_in_future && new_in_future;
}

inline void emit_amended(const Certificate& record, Code reason) {
  Writer data;
  data.fixed(record.id);
  data.text(record.type);
  data.text(record.municipality);
  data.text(status_name(record.status));
  data.text(reason);
  data.i64(record.valid_from_ms);
  data.i64(record.valid_until_ms);
  emit_event("certificate.amended", data.data());
}

inline void amend_window(Certificate& record, int64_t valid_from_ms, int64_t valid_until_ms, Code reason) {
  require(record.status == Status::active || record.status == Status::suspended,
          "only an active or suspended certificate can be amended");
  require(valid_from_ms >= 0, "valid_from_ms must not be negative");
  require(valid_until_ms == 0 || valid_until_ms > valid_from_ms,
          "valid_until_ms must be 0 (no end) or after valid_from_ms");
  require(valid_from_ms != record.valid_from_ms || valid_until_ms != record.valid_until_ms,
          "the validity window is unchanged");
  const int64_t now_ms = block_time_ms();
  require(record.valid_until_ms == 0 || record.valid_until_ms > now_ms || valid_until_ms == record.valid_until_ms,
          "the certificate has expired; an expired certificate cannot be extended: issue a new one");
  require(changes_only_the_future(record.valid_until_ms, valid_until_ms, now_ms, true),
          "the new end lies in the past; an amendment changes only the future (end it now at the earliest)");
  require(changes_only_the_future(record.valid_from_ms, valid_from_ms, now_ms, false),
          "the start can only move while both the old and the new start lie in the future");
  record.valid_from_ms = valid_from_ms;
  record.valid_until_ms = valid_until_ms;
  append_history(record, record.municipality, reason);
  save(record);
  emit_amended(record, reason);
}

// A later (or earlier, not past) end; the start stays.
inline void extend(Certificate& record, int64_t valid_until_ms, Code reason) {
  amend_window(record, record.valid_from_ms, valid_until_ms, reason);
}

// ---- Zones ---------------------------------------------------------------------------
// One zone code per certificate, for permits that hold in one place
// ("valid here?"); the standard queries verify_in_zone and zone_of read it.

inline constexpr const char* zone_prefix = "zone/";

inline void set_zone(const Hash& id, Zone zone) {
  Writer key;
  key.raw(zone_prefix);
  key.fixed(id);
  storage::set(key.data(), encode_value(zone));
}

// False when the certificate has no zone.
inline bool zone_of(const Hash& id, Zone& zone) {
  Writer key;
  key.raw(zone_prefix);
  key.fixed(id);
  Bytes stored;
  if (!storage::get(key.data(), stored)) return false;
  zone = decode_value<Zone>(stored);
  return true;
}

}  // namespace govchain::cert
