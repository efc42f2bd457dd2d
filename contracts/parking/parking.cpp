// Parking exemption permit (Parkausnahmegenehmigung) for one zone and a time window
//
// A certificate for one zone and a validity window: a public_order_office
// issues it, and the office of the controlling municipality amends its
// window (an extension, an Änderungsbescheid) or revokes it. Anyone verifies
// it with the standard queries, also "valid in this zone?". The document
// with the personal data stays in the holder's certificate file; the chain
// gets its commitment, the zone code and the window.
#include "govchain/govchain.h"

namespace parking {

using namespace govchain;

GOVCHAIN_CONTRACT("parking", "1.0.0", "parking_exemption",
                  "Parking exemption permit (Parkausnahmegenehmigung) for one zone and a time window");

namespace {
constexpr const char* office_role = "public_order_office";
}  // namespace

// certificate, verify, verify_in_zone and zone_of, with their ABI.
GOVCHAIN_CERTIFICATE_QUERIES()
GOVCHAIN_ZONE_QUERIES()

// By a public_order_office of `municipality`.
GOVCHAIN_CALL(issue, (hash, id), (name, municipality), (hash, commitment), (zone, zone), (i64, valid_from_ms),
              (i64, valid_until_ms)) {
  require(valid_until_ms != 0, "this permit needs an end (valid_until_ms)");
  cert::Issue request{id, certificate_type, municipality, commitment, valid_from_ms, valid_until_ms};
  cert::issue_as_office(request, office_role);  // checks role and window, stores, emits
  cert::set_zone(id, zone);
  debug("issued", id, "for zone", zone);  // printed by tests and dev chains (make debug)
}

// A new window, e.g. reason "extended"; only the future can change.
GOVCHAIN_CALL(amend, (hash, id), (i64, valid_from_ms), (i64, valid_until_ms), (code, reason)) {
  require(valid_until_ms != 0, "this permit needs an end (valid_until_ms)");
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  cert::amend_window(record, valid_from_ms, valid_until_ms, reason);
}

// E.g. reason "misuse".
GOVCHAIN_CALL(revoke, (hash, id), (code, reason)) {
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  cert::revoke(record, reason);
}

}  // namespace parking
