// Street-music permit (docs/domain.md section 3).
//
// A public_order_office issues a permit for a zone and a time window
// (valid_from_ms .. valid_until_ms, both required) with condition codes such
// as "no_amplifier" or "max_30_minutes_per_spot". It is valid only inside its
// window, and the office may revoke it (complaints). verify_in_zone answers
// the officer's question "valid here and now?".
#include "govchain/govchain.h"

namespace streetmusic {

using namespace govchain;

namespace {

constexpr const char* certificate_type = "street_music_permit";
constexpr const char* office_role = "public_order_office";
constexpr uint32_t conditions_max = 16;
constexpr int64_t window_ms_max = 366LL * 24 * 3600 * 1000;

struct Permit {
  String zone;                // a zone code of the municipality, e.g. "markt"
  Vector<String> conditions;  // condition codes
};

}  // namespace
}  // namespace streetmusic

namespace govchain {
inline void encode(Writer& writer, const streetmusic::Permit& permit) {
  writer.text(permit.zone);
  encode(writer, permit.conditions);
}
inline void decode(Reader& reader, streetmusic::Permit& permit) {
  permit.zone = reader.text();
  decode(reader, permit.conditions);
}
}  // namespace govchain

namespace streetmusic {

namespace {
const Map<Hash, Permit> permits("music/");
}  // namespace

// issue(id, municipality, commitment, zone, valid_from_ms, valid_until_ms,
//       conditions): by a public_order_office.
GOVCHAIN_METHOD(issue) {
  Reader arguments = govchain::arguments();
  cert::Issue request;
  request.id = arguments.fixed();
  request.municipality = arguments.text();
  request.commitment = arguments.fixed();
  Permit permit;
  permit.zone = arguments.text();
  request.valid_from_ms = arguments.i64();
  request.valid_until_ms = arguments.i64();
  decode(arguments, permit.conditions);
  arguments.finish();
  require_name(permit.zone, "zone must be a name: 1..64 of [a-z0-9_.-]");
  require_codes(permit.conditions, conditions_max, "conditions must be at most 16 codes of [a-z0-9_]");
  require(request.valid_until_ms > request.valid_from_ms, "a street-music permit needs a time window");
  require(request.valid_until_ms - request.valid_from_ms <= window_ms_max, "time window longer than a year");
  request.type = certificate_type;
  cert::issue_as_office(request, office_role);
  permits.set(request.id, permit);
}

// revoke(id, reason): by the issuing municipality's public_order_office.
GOVCHAIN_METHOD(revoke) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  String reason = arguments.text();
  arguments.finish();
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  cert::revoke(record, reason);
}

GOVCHAIN_METHOD(certificate) { cert::answer_certificate(); }
GOVCHAIN_METHOD(verify) { cert::answer_verify(); }

// verify_in_zone(id, commitment, at_time_ms, zone) -> verification: as
// verify, and a valid permit for another zone gives verdict "wrong_zone".
GOVCHAIN_METHOD(verify_in_zone) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  Hash commitment = arguments.fixed();
  int64_t at_ms = cert::resolve_time(arguments.i64());
  String zone = arguments.text();
  arguments.finish();
  cert::Certificate record;
  bool found = cert::find(id, record);
  cert::Verification verification = cert::verify(found ? &record : nullptr, commitment, at_ms);
  Permit permit;
  if (verification.verdict == "valid" && permits.get(id, permit) && permit.zone != zone) {
    verification.verdict = "wrong_zone";
    verification.reason = permit.zone;
  }
  Writer out;
  cert::write_verification(out, verification, found ? &record : nullptr);
  return_value(out);
}

// permit(id) -> zone, conditions
GOVCHAIN_METHOD(permit) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  encode(out, permits.at(id, "unknown certificate"));
  return_value(out);
}

}  // namespace streetmusic
