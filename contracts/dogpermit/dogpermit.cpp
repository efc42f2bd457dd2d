// Dangerous-dog permit under the Landeshundegesetz NRW (docs/domain.md section 2).
//
// A public_order_office issues the permit (commitment over keeper, chip
// number, breed; on chain only condition codes such as "muzzle" and the
// insurance end date). The controlling office suspends (e.g.
// "insurance_lapsed"), reinstates, revokes, and records renewed insurance.
// When the keeper moves, the public_order_office of the new municipality
// takes the permit over, proving that it saw the permit file by presenting
// its commitment; from then on only the new office may change it.
//
// Insurance: a permit verifies as "expired" with reason "insurance_expired"
// at any time not covered by the insurance recorded for that time, even
// while its status is active. Each renewal appends an insurance period, so
// "was it valid at T" uses the insurance known at T.
#include "govchain/govchain.h"

namespace dogpermit {

using namespace govchain;

GOVCHAIN_CONTRACT("dogpermit", "1.1.0", "dog_permit",
                  "Dangerous-dog permit (Landeshundegesetz NRW), with insurance periods and transfer on a move.");

namespace {
constexpr const char* office_role = "public_order_office";
constexpr uint32_t conditions_max = 16;
constexpr uint32_t insurance_periods_max = 64;
}  // namespace

// From `recorded_ms` on, the insurance is known to run until `valid_until_ms`.
GOVCHAIN_STRUCT(insurance_period, (i64, recorded_ms), (i64, valid_until_ms));
// The permit's facts on the chain ("dog/" || id), as `permit` answers them.
GOVCHAIN_STRUCT(dog_permit_facts, (list<code>, conditions), (list<insurance_period>, insurance));

namespace {

const Map<Hash, dog_permit_facts> permits("dog/");

// The insurance end known at `at_ms` (the latest period recorded by then;
// before the first record, the first one).
int64_t insurance_until_at(const dog_permit_facts& permit, int64_t at_ms) {
  int64_t until_ms = permit.insurance[0].valid_until_ms;
  for (const insurance_period& period : permit.insurance)
    if (period.recorded_ms <= at_ms) until_ms = period.valid_until_ms;
  return until_ms;
}

void check_insurance(const cert::Certificate& record, cert::Verification& verification) {
  dog_permit_facts permit = permits.at(record.id, "unknown permit");
  if (verification.at_time_ms >= insurance_until_at(permit, verification.at_time_ms)) {
    verification.verdict = "expired";
    verification.reason = "insurance_expired";
  }
}

void add_insurance(dog_permit_facts& permit, int64_t valid_until_ms) {
  require(valid_until_ms > 0, "insurance_valid_until_ms must be positive");
  require(permit.insurance.size < insurance_periods_max, "too many insurance records");
  permit.insurance.push_back(insurance_period{block_time_ms(), valid_until_ms});
}

// The permit for a change by the controlling public order office.
cert::Certificate load_for_office(const Hash& id) {
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  return record;
}

}  // namespace

// The standard queries; `verify` also checks the insurance.
GOVCHAIN_CERTIFICATE_QUERIES(&check_insurance)

// By a public_order_office of `municipality`.
GOVCHAIN_CALL(issue, (hash, id), (name, municipality), (hash, commitment), (i64, valid_from_ms), (i64, valid_until_ms),
              (i64, insurance_valid_until_ms), (list<code>, conditions)) {
  require_codes(conditions, conditions_max, "conditions must be at most 16 codes of [a-z0-9_]");
  dog_permit_facts permit;
  permit.conditions = conditions;
  add_insurance(permit, insurance_valid_until_ms);
  cert::Issue request{id, certificate_type, municipality, commitment, valid_from_ms, valid_until_ms};
  cert::issue_as_office(request, office_role);
  permits.set(id, permit);
}

// E.g. reason "insurance_lapsed".
GOVCHAIN_CALL(suspend, (hash, id), (code, reason)) {
  cert::Certificate record = load_for_office(id);
  cert::suspend(record, reason);
}

// E.g. reason "insurance_renewed".
GOVCHAIN_CALL(reinstate, (hash, id), (code, reason)) {
  cert::Certificate record = load_for_office(id);
  cert::reinstate(record, reason);
}

// E.g. reason "keeper_unreliable".
GOVCHAIN_CALL(revoke, (hash, id), (code, reason)) {
  cert::Certificate record = load_for_office(id);
  cert::revoke(record, reason);
}

// The keeper showed new insurance; the history says "insurance_renewed".
GOVCHAIN_CALL(renew_insurance, (hash, id), (i64, insurance_valid_until_ms)) {
  cert::Certificate record = load_for_office(id);
  require(record.status != cert::Status::revoked, "permit revoked");
  dog_permit_facts permit = permits.at(id, "unknown permit");
  add_insurance(permit, insurance_valid_until_ms);
  permits.set(id, permit);
  cert::note(record, "insurance_renewed");
}

// The public_order_office of the keeper's new municipality takes the permit
// over; the commitment proves that it saw the permit file.
GOVCHAIN_CALL(transfer, (hash, id), (name, municipality), (hash, commitment)) {
  cert::Certificate record = cert::load(id);
  cert::require_role(municipality, office_role);
  require(record.commitment == commitment, "commitment does not match the permit");
  cert::transfer(record, municipality, "keeper_moved");
}

GOVCHAIN_QUERY(permit, dog_permit_facts, (hash, id)) { return permits.at(id, "unknown certificate"); }

}  // namespace dogpermit
