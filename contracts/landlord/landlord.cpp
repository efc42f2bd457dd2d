// Wohnungsgeberbestätigung, the landlord confirmation of §19 BMG (docs/domain.md
// section 1).
//
// The landlord (any account holding an identity attestation of at least
// level substantial, read from the identity contract) confirms a move-in or
// move-out with its date, for a dwelling in a member municipality. The
// tenant gets the certificate file. The registration office of the
// dwelling's municipality verifies it and marks it consumed: single use. The
// landlord may revoke it until then. Because a false confirmation is an
// offence (§54 BMG), the record names the issuing key and the attestation
// that made it attributable.
#include "identity/identity_layout.h"

namespace landlord {

using namespace govchain;

GOVCHAIN_CONTRACT("landlord", "1.1.0", "landlord_confirmation",
                  "Landlord confirmation of a move-in or move-out (Wohnungsgeberbestaetigung, par. 19 BMG).");

namespace {
constexpr const char* registration_role = "registration_office";
constexpr identity::Level minimum_level = identity::Level::substantial;
}  // namespace

// The confirmation's facts on the chain ("move/" || id), as `confirmation`
// answers them: the event, its date and the landlord's attestation.
GOVCHAIN_STRUCT(confirmation_facts, (code, event), (date, event_date), (hash, attestation_id));

namespace {
const Map<Hash, confirmation_facts> confirmations("move/");
}  // namespace

GOVCHAIN_CERTIFICATE_QUERIES()

// By the landlord; `municipality` is the dwelling's, event is move_in or
// move_out, valid_until_ms 0: no end.
GOVCHAIN_CALL(issue, (hash, id), (name, municipality), (hash, commitment), (code, event), (date, event_date),
              (i64, valid_until_ms)) {
  require(event == "move_in" || event == "move_out", "event must be move_in or move_out");
  confirmation_facts confirmation{event, event_date, Hash()};
  identity::Level level = identity::level_held_by(caller(), block_time_ms(), confirmation.attestation_id);
  require(level >= minimum_level, "the landlord needs a valid identity attestation of level substantial or high");
  cert::Issue request{id, certificate_type, municipality, commitment, block_time_ms(), valid_until_ms};
  cert::issue(request, "identity:substantial");
  confirmations.set(id, confirmation);
}

// The registration office of the dwelling's municipality registers the
// move; a second consumption is refused.
GOVCHAIN_CALL(consume, (hash, id)) {
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, registration_role);
  cert::consume(record, "registered");
}

// By the landlord who issued it, before consumption.
GOVCHAIN_CALL(revoke, (hash, id), (code, reason)) {
  cert::Certificate record = cert::load(id);
  cert::require_issuer(record);
  require(record.status != cert::Status::consumed, "already consumed by the registration office");
  cert::revoke(record, reason);
}

GOVCHAIN_QUERY(confirmation, confirmation_facts, (hash, id)) { return confirmations.at(id, "unknown certificate"); }

}  // namespace landlord
