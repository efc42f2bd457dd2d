// Parking exemption permit (Parkausnahmegenehmigung), the sixth use case:
// the example of docs/new-use-case.md, written only with the contract SDK.
//
// A public_order_office issues a permit for a parking zone and a validity
// window; it may revoke it. The licence plate, the holder and the reason for
// the exemption stay in the certificate file: the chain holds the commitment.
#include "govchain/govchain.h"

namespace parking {

using namespace govchain;

namespace {

constexpr const char* certificate_type = "parking_exemption";
constexpr const char* office_role = "public_order_office";

// Extra on-chain facts of this use case: codes only, never personal data.
const Map<Hash, String> zones("zone/");

}  // namespace

// issue(id, municipality, commitment, zone, valid_from_ms, valid_until_ms)
GOVCHAIN_METHOD(issue) {
  Reader arguments = govchain::arguments();
  cert::Issue request;
  request.id = arguments.fixed();
  request.municipality = arguments.text();
  request.commitment = arguments.fixed();
  String zone = arguments.text();
  request.valid_from_ms = arguments.i64();
  request.valid_until_ms = arguments.i64();
  arguments.finish();
  require_name(zone, "zone must be a name: 1..64 of [a-z0-9_.-]");
  require(request.valid_until_ms != 0, "a parking exemption needs an end (valid_until_ms)");
  request.type = certificate_type;
  cert::issue_as_office(request, office_role);  // checks the role, stores, emits
  zones.set(request.id, zone);
}

// revoke(id, reason): by a public_order_office of the issuing municipality.
GOVCHAIN_METHOD(revoke) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  String reason = arguments.text();
  arguments.finish();
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  cert::revoke(record, reason);
}

// The two standard queries every certificate contract has.
GOVCHAIN_METHOD(certificate) { cert::answer_certificate(); }
GOVCHAIN_METHOD(verify) { cert::answer_verify(); }

// zone(id) -> zone
GOVCHAIN_METHOD(zone) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  out.text(zones.at(id, "unknown certificate"));
  return_value(out);
}

}  // namespace parking
