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

namespace {

constexpr const char* certificate_type = "dog_permit";
constexpr const char* office_role = "public_order_office";
constexpr uint32_t conditions_max = 16;
constexpr uint32_t insurance_periods_max = 64;

// From `recorded_ms` on, the insurance is known to run until `valid_until_ms`.
struct InsurancePeriod {
  int64_t recorded_ms = 0;
  int64_t valid_until_ms = 0;
};

struct Permit {
  Vector<String> conditions;  // condition codes, e.g. "muzzle", "lead"
  Vector<InsurancePeriod> insurance;
};

}  // namespace
}  // namespace dogpermit

namespace govchain {
inline void encode(Writer& writer, const dogpermit::InsurancePeriod& period) {
  writer.i64(period.recorded_ms);
  writer.i64(period.valid_until_ms);
}
inline void decode(Reader& reader, dogpermit::InsurancePeriod& period) {
  period.recorded_ms = reader.i64();
  period.valid_until_ms = reader.i64();
}
inline void encode(Writer& writer, const dogpermit::Permit& permit) {
  encode(writer, permit.conditions);
  encode(writer, permit.insurance);
}
inline void decode(Reader& reader, dogpermit::Permit& permit) {
  decode(reader, permit.conditions);
  decode(reader, permit.insurance);
}
}  // namespace govchain

namespace dogpermit {

namespace {

const Map<Hash, Permit> permits("dog/");

// The insurance end known at `at_ms` (the latest period recorded by then;
// before the first record, the first one).
int64_t insurance_until_at(const Permit& permit, int64_t at_ms) {
  int64_t until_ms = permit.insurance[0].valid_until_ms;
  for (const InsurancePeriod& period : permit.insurance)
    if (period.recorded_ms <= at_ms) until_ms = period.valid_until_ms;
  return until_ms;
}

void check_insurance(const cert::Certificate& record, cert::Verification& verification) {
  Permit permit = permits.at(record.id, "unknown permit");
  if (verification.at_time_ms >= insurance_until_at(permit, verification.at_time_ms)) {
    verification.verdict = "expired";
    verification.reason = "insurance_expired";
  }
}

void add_insurance(Permit& permit, int64_t valid_until_ms) {
  require(valid_until_ms > 0, "insurance_valid_until_ms must be positive");
  require(permit.insurance.size < insurance_periods_max, "too many insurance records");
  InsurancePeriod period;
  period.recorded_ms = block_time_ms();
  period.valid_until_ms = valid_until_ms;
  permit.insurance.push_back(period);
}

// The permit for a change by the controlling public order office.
cert::Certificate load_for_office(const Hash& id) {
  cert::Certificate record = cert::load(id);
  cert::require_controlling_office(record, office_role);
  return record;
}

// Reads (id, reason) for the status changes.
void read_id_and_reason(Hash& id, String& reason) {
  Reader arguments = govchain::arguments();
  id = arguments.fixed();
  reason = arguments.text();
  arguments.finish();
}

}  // namespace

// issue(id, municipality, commitment, valid_from_ms, valid_until_ms,
//       insurance_valid_until_ms, conditions): by a public_order_office.
GOVCHAIN_METHOD(issue) {
  Reader arguments = govchain::arguments();
  cert::Issue request;
  request.id = arguments.fixed();
  request.municipality = arguments.text();
  request.commitment = arguments.fixed();
  request.valid_from_ms = arguments.i64();
  request.valid_until_ms = arguments.i64();
  int64_t insurance_valid_until_ms = arguments.i64();
  Permit permit;
  decode(arguments, permit.conditions);
  arguments.finish();
  require_codes(permit.conditions, conditions_max, "conditions must be at most 16 codes of [a-z0-9_]");
  add_insurance(permit, insurance_valid_until_ms);
  request.type = certificate_type;
  cert::issue_as_office(request, office_role);
  permits.set(request.id, permit);
}

// suspend(id, reason), e.g. reason "insurance_lapsed".
GOVCHAIN_METHOD(suspend) {
  Hash id;
  String reason;
  read_id_and_reason(id, reason);
  cert::Certificate record = load_for_office(id);
  cert::suspend(record, reason);
}

// reinstate(id, reason), e.g. reason "insurance_renewed".
GOVCHAIN_METHOD(reinstate) {
  Hash id;
  String reason;
  read_id_and_reason(id, reason);
  cert::Certificate record = load_for_office(id);
  cert::reinstate(record, reason);
}

// revoke(id, reason), e.g. reason "keeper_unreliable".
GOVCHAIN_METHOD(revoke) {
  Hash id;
  String reason;
  read_id_and_reason(id, reason);
  cert::Certificate record = load_for_office(id);
  cert::revoke(record, reason);
}

// renew_insurance(id, insurance_valid_until_ms): the keeper showed new
// insurance; recorded in the history as "insurance_renewed".
GOVCHAIN_METHOD(renew_insurance) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  int64_t insurance_valid_until_ms = arguments.i64();
  arguments.finish();
  cert::Certificate record = load_for_office(id);
  require(record.status != cert::Status::revoked, "permit revoked");
  Permit permit = permits.at(id, "unknown permit");
  add_insurance(permit, insurance_valid_until_ms);
  permits.set(id, permit);
  cert::note(record, "insurance_renewed");
}

// transfer(id, commitment): the public_order_office of the keeper's new
// municipality (named by the caller's role, passed as `municipality`) takes
// the permit over. The commitment proves the office saw the permit file.
GOVCHAIN_METHOD(transfer) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  String new_municipality = arguments.text();
  Hash commitment = arguments.fixed();
  arguments.finish();
  cert::Certificate record = cert::load(id);
  cert::require_role(new_municipality, office_role);
  require(record.commitment == commitment, "commitment does not match the permit");
  cert::transfer(record, new_municipality, "keeper_moved");
}

GOVCHAIN_METHOD(certificate) { cert::answer_certificate(); }
GOVCHAIN_METHOD(verify) { cert::answer_verify(&check_insurance); }

// permit(id) -> conditions, insurance periods (recorded_ms, valid_until_ms)
GOVCHAIN_METHOD(permit) {
  Reader arguments = govchain::arguments();
  Hash id = arguments.fixed();
  arguments.finish();
  Writer out;
  encode(out, permits.at(id, "unknown certificate"));
  return_value(out);
}

}  // namespace dogpermit
