// The storage layout of the identity contract, shared with contracts that
// read it through storage_get_of (landlord). Changing it breaks them.
//
//   "cert/"   || id      -> certificate record (govchain/certificate.h)
//   "attest/" || id      -> Attestation (subject key, level, key chain links)
//   "key/"    || subject -> id of the latest attestation of that key (32 bytes)
#pragma once

#include "govchain/govchain.h"

namespace identity {

using namespace govchain;

inline constexpr const char* contract_name = "identity";

// eIDAS assurance levels, ordered.
enum class Level : uint8_t { none = 0, basic = 1, substantial = 2, high = 3 };

inline Level parse_level(String name) {
  if (name == "basic") return Level::basic;
  if (name == "substantial") return Level::substantial;
  if (name == "high") return Level::high;
  return Level::none;
}

inline Code level_name(Level level) {
  switch (level) {
    case Level::basic:
      return "basic";
    case Level::substantial:
      return "substantial";
    case Level::high:
      return "high";
    case Level::none:
      break;
  }
  return "none";
}

struct Attestation {
  PublicKey subject;  // the attested key
  Level level = Level::none;
  Hash previous_id;  // the attestation this one replaced (key rotation or re-issue); zero: none
  Hash next_id;      // the attestation that replaced this one; zero: none
};

inline const Map<Hash, Attestation> attestations("attest/");
inline const Map<PublicKey, Hash> latest_by_key("key/");

}  // namespace identity

namespace govchain {
inline void encode(Writer& writer, const identity::Attestation& attestation) {
  writer.fixed(attestation.subject);
  writer.text(identity::level_name(attestation.level));
  writer.fixed(attestation.previous_id);
  writer.fixed(attestation.next_id);
}
inline void decode(Reader& reader, identity::Attestation& attestation) {
  attestation.subject = reader.fixed();
  attestation.level = identity::parse_level(reader.text());
  require(attestation.level != identity::Level::none, "malformed attestation: unknown level");
  attestation.previous_id = reader.fixed();
  attestation.next_id = reader.fixed();
}
}  // namespace govchain

namespace identity {

// The level `subject` holds at `at_ms` through its latest attestation in the
// identity contract, as seen by ANOTHER contract (read-only, storage_get_of):
// Level::none unless that attestation is valid then (active, in its window).
inline Level level_held_by(const PublicKey& subject, int64_t at_ms, Hash& attestation_id) {
  if (!latest_by_key.get_of(contract_name, subject, attestation_id)) return Level::none;
  cert::Certificate record;
  Attestation attestation;
  if (!cert::find_of(contract_name, attestation_id, record)) return Level::none;
  if (!attestations.get_of(contract_name, attestation_id, attestation)) return Level::none;
  if (attestation.subject != subject) return Level::none;
  if (cert::verify(&record, record.commitment, at_ms).verdict != "valid") return Level::none;
  return attestation.level;
}

}  // namespace identity
