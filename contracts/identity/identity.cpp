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

namespace {

constexpr const char* office_role = "identity_office";
constexpr const char* rotation_tag = "govchain/identity/rotate";
constexpr uint32_t key_chain_length_max = 32;

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

}  // namespace

// issue(id, municipality, subject, level, commitment, valid_from_ms,
//       valid_until_ms, previous_id): by an identity_office of municipality.
GOVCHAIN_METHOD(issue) {
  Reader arguments = govchain::arguments();
  cert::Issue request;
  request.id = arguments.fixed();
  request.municipality = arguments.text();
  PublicKey subject = arguments.fixed();
  Level level = parse_level(arguments.text());
  request.commitment = arguments.fixed();
  request.valid_from_ms = arguments.i64();
  request.valid_until_ms = arguments.i64();
  Hash previous_id = arguments.fixed();
  arguments.finish();
  require(level != Level::none, "level must be basic, substantial or high");
  require(request.valid_until_ms != 0, "an attestation needs an expiry (valid_until_ms)");
  request.type = certificate_type;
  cert::issue_as_office(request, office_role);
  store_attestation(request.id, subject, level, previous_id, request.valid_until_ms);
}

// revoke(id, reason): by the holder (the attested key) or an identity_office
// of the controlling municipality, e.g. reason "key_lost".
GOVCHAIN_METHOD(revoke) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  String reason = arguments.text();
  arguments.finish();
  cert::Certificate record = cert::load(id);
  Attestation attestation = load_attestation(id);
  if (caller() != attestation.subject) cert::require_controlling_office(record, office_role);
  cert::revoke(record, reason);
  unregister_if_latest(id, attestation.subject);
}

// rotate_key(id, new_id, new_subject, signature): by the holder of an
// attestation valid now; `signature` is the new key's BIP340 signature of
// tagged_hash("govchain/identity/rotate", id || new_id || new_subject).
// The old attestation is revoked ("key_rotated"); the new one inherits
// level, commitment, municipality and expiry, and starts now.
GOVCHAIN_METHOD(rotate_key) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  Hash new_id = arguments.fixed();
  PublicKey new_subject = arguments.fixed();
  Signature signature = arguments.signature();
  arguments.finish();
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
  cert::Issue request;
  request.id = new_id;
  request.type = certificate_type;
  request.municipality = old_record.municipality;
  request.commitment = old_record.commitment;
  request.valid_from_ms = block_time_ms();
  request.valid_until_ms = old_record.valid_until_ms;
  cert::issue(request, "key_rotation");
  store_attestation(new_id, new_subject, old_attestation.level, id, old_record.valid_until_ms);
}

GOVCHAIN_METHOD(certificate) { cert::answer_certificate(); }
GOVCHAIN_METHOD(verify) { cert::answer_verify(); }

// attestation(id) -> subject, level, previous_id, next_id
GOVCHAIN_METHOD(attestation) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  encode(out, load_attestation(id));
  return_value(out);
}

// level_of(subject, at_time_ms) -> level, attestation_id: the level the key
// holds through its latest attestation ("none" and a zero id if none).
GOVCHAIN_METHOD(level_of) {
  Reader arguments = govchain::arguments();
  PublicKey subject = arguments.fixed();
  int64_t at_ms = cert::resolve_time(arguments.i64());
  arguments.finish();
  Hash id;
  Level level = Level::none;
  cert::Certificate record;
  Attestation attestation;
  if (latest_by_key.get(subject, id) && cert::find(id, record) && attestations.get(id, attestation) &&
      cert::verify(&record, record.commitment, at_ms).verdict == "valid")
    level = attestation.level;
  if (level == Level::none) id = Hash();
  Writer out;
  out.text(level_name(level));
  out.fixed(id);
  return_value(out);
}

namespace {

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

// key_history(id) -> list<key_period>: every attestation of the identity
// `id` belongs to, oldest first: id, subject, level, status, from, ended,
// valid_until. Answers "which key was valid when".
GOVCHAIN_METHOD(key_history) {
  Reader arguments = govchain::arguments();
  Hash id = chain_start(arguments.fixed());
  arguments.finish();
  Writer periods;
  uint32_t count = 0;
  for (; count < key_chain_length_max && !id.is_zero(); ++count) {
    cert::Certificate record = cert::load(id);
    Attestation attestation = load_attestation(id);
    periods.fixed(id);
    periods.fixed(attestation.subject);
    periods.text(level_name(attestation.level));
    periods.text(cert::status_name(record.status));
    periods.i64(record.valid_from_ms);
    periods.i64(ended_time_ms(record));
    periods.i64(record.valid_until_ms);
    id = attestation.next_id;
  }
  Writer out;
  out.count(count);
  out.raw(periods.data());
  return_value(out);
}

}  // namespace identity
