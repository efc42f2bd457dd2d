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

namespace {

constexpr const char* certificate_type = "landlord_confirmation";
constexpr const char* registration_role = "registration_office";
constexpr identity::Level minimum_level = identity::Level::substantial;

struct Confirmation {
  String event;         // "move_in" or "move_out"
  String event_date;    // "YYYY-MM-DD"
  Hash attestation_id;  // the landlord's identity attestation at issuance
};

}  // namespace
}  // namespace landlord

namespace govchain {
inline void encode(Writer& writer, const landlord::Confirmation& confirmation) {
  writer.text(confirmation.event);
  writer.text(confirmation.event_date);
  writer.fixed(confirmation.attestation_id);
}
inline void decode(Reader& reader, landlord::Confirmation& confirmation) {
  confirmation.event = reader.text();
  confirmation.event_date = reader.text();
  confirmation.attestation_id = reader.fixed();
}
}  // namespace govchain

namespace landlord {

namespace {
const Map<Hash, Confirmation> confirmations("move/");
}  // namespace

// issue(id, municipality, commitment, event, event_date, valid_until_ms):
// by the landlord; municipality is the dwelling's. valid_until_ms 0: no end.
GOVCHAIN_METHOD(issue) {
  Reader arguments = govchain::arguments();
  cert::Issue request;
  request.id = arguments.fixed();
  request.municipality = arguments.text();
  request.commitment = arguments.fixed();
  Confirmation confirmation;
  confirmation.event = arguments.text();
  confirmation.event_date = arguments.text();
  request.valid_until_ms = arguments.i64();
  arguments.finish();
  require(confirmation.event == "move_in" || confirmation.event == "move_out", "event must be move_in or move_out");
  require(is_date(confirmation.event_date), "event_date must be YYYY-MM-DD");
  identity::Level level = identity::level_held_by(caller(), block_time_ms(), confirmation.attestation_id);
  require(level >= minimum_level, "the landlord needs a valid identity attestation of level substantial or high");
  request.type = certificate_type;
  request.valid_from_ms = block_time_ms();
  cert::issue(request, "identity:substantial");
  confirmations.set(request.id, confirmation);
}

// consume(id): the registration office of the dwelling's municipality
// registers the move; a second consumption is refused.
GOVCHAIN_METHOD(consume) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, registration_role);
  cert::consume(record, "registered");
}

// revoke(id, reason): by the landlord who issued it, before consumption.
GOVCHAIN_METHOD(revoke) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  String reason = arguments.text();
  arguments.finish();
  cert::Certificate record = cert::load(id);
  cert::require_issuer(record);
  require(record.status != cert::Status::consumed, "already consumed by the registration office");
  cert::revoke(record, reason);
}

GOVCHAIN_METHOD(certificate) { cert::answer_certificate(); }
GOVCHAIN_METHOD(verify) { cert::answer_verify(); }

// confirmation(id) -> event, event_date, attestation_id
GOVCHAIN_METHOD(confirmation) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  encode(out, confirmations.at(id, "unknown certificate"));
  return_value(out);
}

}  // namespace landlord
