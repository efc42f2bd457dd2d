// Identity attestations (docs/domain.md section 4).
//
// An identity_office attests that a public key belongs to a person or company
// it identified, at a level (basic, substantial, high), with a commitment to
// the identity attributes and an expiry. The holder or the office revokes;
// the holder rotates to a new key (proving possession of both keys), and the
// attestations of one identity form a chain through previous_id / next_id, so
// the history shows which key was valid when. Other contracts read the
// layout of identity_layout.h to require a minimum level.
#include "identity_layout.h"

namespace identity {

GOVCHAIN_CONTRACT("identity", "1.1.0", "identity_attestation",
                  "Identity attestations: which key belongs to an identified person or company, at an eIDAS level.");

namespace {
constexpr const char* office_role = "identity_office";
constexpr const char* rotation_tag = "govchain/identity/rotate";
constexpr uint32_t key_chain_length_max = 32;
}  // namespace

// The answers of the use-case queries.
GOVCHAIN_STRUCT(attestation_facts, (pubkey, subject), (code, level), (hash, previous_id), (hash, next_id));
GOVCHAIN_STRUCT(level_answer, (code, level), (hash, attestation_id));
GOVCHAIN_STRUCT(key_period, (hash, id), (pubkey, subject), (code, level), (code, status), (i64, valid_from_ms),
                (i64, ended_ms), (i64, valid_until_ms));
GOVCHAIN_STRUCT(key_history_answer, (list<key_period>, periods));

namespace {

Attestation load_attestation(const Hash& id) { return attestations.at(id, "unknown attestation"); }

// Links `previous_id` -> `id` when the new attestation replaces an older one.
void link_previous(const Hash& previous_id, const Hash& id) {
  if (previous_id.is_zero()) return;
  Attestation previous = load_attestation(previous_id);
  require(previous.next_id.is_zero(), "previous attestation was already replaced");
  previous.next_id = id;
  attestations.set(previous_id, previous);
}

// The chain knows an attested key until its attestation expires
// (docs/decisions/known-accounts.md).
void store_attestation(const Hash& id, const PublicKey& subject, Level level, const Hash& previous_id,
                       int64_t valid_until_ms) {
  require(!subject.is_zero(), "subject key must not be zero");
  Attestation attestation;
  attestation.subject = subject;
  attestation.level = level;
  attestation.previous_id = previous_id;
  attestations.set(id, attestation);
  latest_by_key.set(subject, id);
  link_previous(previous_id, id);
  register_account(subject, valid_until_ms);
}

// A revoked attestation no longer vouches for its key, unless the key has
// a newer attestation.
void unregister_if_latest(const Hash& id, const PublicKey& subject) {
  Hash latest;
  if (latest_by_key.get(subject, latest) && latest == id) unregister_account(subject);
}

// What the holder's new key signs: it proves possession of the new key and
// binds it to this very rotation.
Hash rotation_message(const Hash& old_id, const Hash& new_id, const PublicKey& new_subject) {
  Writer message;
  message.fixed(old_id);
  message.fixed(new_id);
  message.fixed(new_subject);
  return tagged_hash(rotation_tag, message.data());
}

// The first attestation of the chain `id` belongs to.
Hash chain_start(Hash id) {
  for (uint32_t step = 0; step < key_chain_length_max; ++step) {
    Attestation attestation = load_attestation(id);
    if (attestation.previous_id.is_zero()) break;
    id = attestation.previous_id;
  }
  return id;
}

// When the attestation stopped being active for good (revoked, consumed), or 0.
int64_t ended_time_ms(const cert::Certificate& record) {
  for (const cert::HistoryEntry& entry : record.history)
    if (entry.status == cert::Status::revoked || entry.status == cert::Status::consumed) return entry.time_ms;
  return 0;
}

}  // namespace

GOVCHAIN_CERTIFICATE_QUERIES()

// By an identity_office of `municipality`; level is basic, substantial or
// high; previous_id (zero: none) continues a key chain after a lost key.
GOVCHAIN_CALL(issue, (hash, id), (name, municipality), (pubkey, subject), (code, level), (hash, commitment),
              (i64, valid_from_ms), (i64, valid_until_ms), (hash, previous_id)) {
  Level parsed = parse_level(level);
  require(parsed != Level::none, "level must be basic, substantial or high");
  require(valid_until_ms != 0, "an attestation needs an expiry (valid_until_ms)");
  cert::Issue request{id, certificate_type, municipality, commitment, valid_from_ms, valid_until_ms};
  cert::issue_as_office(request, office_role);
  store_attestation(id, subject, parsed, previous_id, valid_until_ms);
}

// By the holder (the attested key) or an identity_office of the controlling
// municipality, e.g. reason "key_lost".
GOVCHAIN_CALL(revoke, (hash, id), (code, reason)) {
  cert::Certificate record = cert::load(id);
  Attestation attestation = load_attestation(id);
  if (caller() != attestation.subject) cert::require_controlling_office(record, office_role);
  cert::revoke(record, reason);
  unregister_if_latest(id, attestation.subject);
}

// By the holder of an attestation valid now; `signature` is the new key's
// BIP340 signature of tagged_hash("govchain/identity/rotate", id || new_id ||
// new_subject). The old attestation is revoked ("key_rotated"); the new one
// inherits level, commitment, municipality and expiry, and starts now.
GOVCHAIN_CALL(rotate_key, (hash, id), (hash, new_id), (pubkey, new_subject), (signature, signature)) {
  cert::Certificate old_record = cert::load(id);
  Attestation old_attestation = load_attestation(id);
  require(caller() == old_attestation.subject, "only the holder of the attestation may rotate its key");
  require(cert::verify(&old_record, old_record.commitment, block_time_ms()).verdict == "valid",
          "only a valid attestation can be rotated");
  require(new_subject != old_attestation.subject, "the new key must differ from the old one");
  require(schnorr_verify(new_subject, rotation_message(id, new_id, new_subject).view(), signature),
          "signature of the new key does not verify");
  require(old_record.valid_until_ms > block_time_ms(), "attestation expired");
  cert::revoke(old_record, "key_rotated");
  unregister_if_latest(id, old_attestation.subject);
  cert::Issue request{new_id,          certificate_type,         old_record.municipality, old_record.commitment,
                      block_time_ms(), old_record.valid_until_ms};
  cert::issue(request, "key_rotation");
  store_attestation(new_id, new_subject, old_attestation.level, id, old_record.valid_until_ms);
}

GOVCHAIN_QUERY(attestation, attestation_facts, (hash, id)) {
  Attestation attestation = load_attestation(id);
  return attestation_facts{attestation.subject, level_name(attestation.level), attestation.previous_id,
                           attestation.next_id};
}

// The level the key holds through its latest attestation ("none" and a zero
// id if none).
GOVCHAIN_QUERY(level_of, level_answer, (pubkey, subject), (i64, at_time_ms)) {
  int64_t at_ms = cert::resolve_time(at_time_ms);
  Hash id;
  Level level = Level::none;
  cert::Certificate record;
  Attestation attestation;
  if (latest_by_key.get(subject, id) && cert::find(id, record) && attestations.get(id, attestation) &&
      cert::verify(&record, record.commitment, at_ms).verdict == "valid")
    level = attestation.level;
  if (level == Level::none) id = Hash();
  return level_answer{level_name(level), id};
}

// Every attestation of the identity `id` belongs to, oldest first: which key
// was valid when.
GOVCHAIN_QUERY(key_history, key_history_answer, (hash, id)) {
  key_history_answer answer;
  Hash next = chain_start(id);
  for (uint32_t count = 0; count < key_chain_length_max && !next.is_zero(); ++count) {
    cert::Certificate record = cert::load(next);
    Attestation attestation = load_attestation(next);
    answer.periods.push_back(key_period{next, attestation.subject, level_name(attestation.level),
                                        cert::status_name(record.status), record.valid_from_ms, ended_time_ms(record),
                                        record.valid_until_ms});
    next = attestation.next_id;
  }
  return answer;
}

}  // namespace identity
