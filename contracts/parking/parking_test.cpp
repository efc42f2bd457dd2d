// Tests of parking on the SDK's mock host: natively, with no node and no wasm.
// `make test` builds and runs them.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

namespace parking {
void issue();
void amend();
void revoke();
void verify();
void verify_in_zone();
void zone_of();
}  // namespace parking

using namespace test;

namespace {

// The office, its permit and the holder's document: the document's
// personal data go into the commitment only.
struct Fixture {
  govchain::mock::Host host;
  govchain::mock::KeyPair office = govchain::mock::key_pair("public-order-office");
  Hash permit = id("permit 1");
  Hash document = commitment(id("salt 1"), R"({"holder":"Erika Mustermann","plate":"GE-AB 123"})");
  int64_t from_ms = host.time_ms;
  int64_t until_ms = host.time_ms + 30 * day_ms;

  Fixture() { host.grant(office.public_key, "dev-city", "public_order_office"); }

  govchain::mock::CallResult issue(const std::string& zone) {
    return host.call("parking", &parking::issue, office.public_key,
                     Args().hash(permit).text("dev-city").hash(document).text(zone).i64(from_ms).i64(until_ms));
  }
  Verdict verify(int64_t at_ms) {
    return read_verdict(host.query("parking", &parking::verify, Args().hash(permit).hash(document).i64(at_ms)));
  }
  Verdict verify_in_zone(int64_t at_ms, const std::string& zone) {
    return read_verdict(
        host.query("parking", &parking::verify_in_zone, Args().hash(permit).hash(document).i64(at_ms).text(zone)));
  }
};

}  // namespace

TEST_CASE("an office issues; anyone verifies, in and outside the zone") {
  Fixture chain;
  REQUIRE(chain.issue("AC-ALTSTADT-03").ok);
  CHECK(chain.verify(0).verdict == "valid");
  CHECK(chain.verify_in_zone(0, "AC-ALTSTADT-03").verdict == "valid");
  Verdict elsewhere = chain.verify_in_zone(0, "AC-MARKT-01");
  CHECK(elsewhere.verdict == "wrong_zone");
  CHECK(elsewhere.reason == "AC-ALTSTADT-03");
  CHECK(chain.verify(chain.until_ms).verdict == "expired");
  Result zone(chain.host.query("parking", &parking::zone_of, Args().hash(chain.permit)));
  CHECK(zone.text() == "AC-ALTSTADT-03");
  CHECK(all_storage(chain.host).find("Mustermann") == std::string::npos);
}

TEST_CASE("only an office of the municipality issues, amends and revokes") {
  Fixture chain;
  auto stranger = govchain::mock::key_pair("stranger");
  auto refused = chain.host.call("parking", &parking::issue, stranger.public_key,
                                 Args()
                                     .hash(chain.permit)
                                     .text("dev-city")
                                     .hash(chain.document)
                                     .text("markt")
                                     .i64(chain.from_ms)
                                     .i64(chain.until_ms));
  CHECK(error_of(refused) == "caller does not hold the required role in this municipality");
  REQUIRE(chain.issue("markt").ok);
  auto revoke =
      chain.host.call("parking", &parking::revoke, stranger.public_key, Args().hash(chain.permit).text("misuse"));
  CHECK(error_of(revoke) == "caller does not hold the required role in this municipality");
}

TEST_CASE("an extension changes the future; earlier answers stay") {
  Fixture chain;
  REQUIRE(chain.issue("markt").ok);
  int64_t issued_ms = chain.host.time_ms;
  chain.host.next_block(10 * day_ms);
  int64_t extended_until_ms = chain.until_ms + 30 * day_ms;
  auto extended = chain.host.call("parking", &parking::amend, chain.office.public_key,
                                  Args().hash(chain.permit).i64(chain.from_ms).i64(extended_until_ms).text("extended"));
  REQUIRE_MESSAGE(extended.ok, extended.error);
  CHECK(extended.events.at(0).topic == "certificate.amended");
  CHECK(chain.verify(chain.until_ms + day_ms).verdict == "valid");
  CHECK(chain.verify(issued_ms).verdict == "valid");
  CHECK(chain.verify(extended_until_ms).verdict == "expired");
  auto past = chain.host.call("parking", &parking::amend, chain.office.public_key,
                              Args().hash(chain.permit).i64(chain.from_ms).i64(issued_ms + day_ms).text("shortened"));
  CHECK(error_of(past).find("changes only the future") != std::string::npos);
}

TEST_CASE("revoked: invalid from then on, valid before; reasons are codes") {
  Fixture chain;
  REQUIRE(chain.issue("markt").ok);
  int64_t issued_ms = chain.host.time_ms;
  chain.host.next_block();
  auto free_text = chain.host.call("parking", &parking::revoke, chain.office.public_key,
                                   Args().hash(chain.permit).text("Erika Mustermann, born 1964"));
  CHECK(error_of(free_text) == "argument 'reason' must be a code: 1..32 of [a-z0-9_], no free text");
  REQUIRE(
      chain.host.call("parking", &parking::revoke, chain.office.public_key, Args().hash(chain.permit).text("misuse"))
          .ok);
  Verdict revoked = chain.verify(0);
  CHECK(revoked.verdict == "revoked");
  CHECK(revoked.reason == "misuse");
  CHECK(chain.verify(issued_ms).verdict == "valid");
}
