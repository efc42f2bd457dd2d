// Native tests of the street-music permit contract.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

namespace streetmusic {
void issue();
void revoke();
void certificate();
void verify();
void verify_in_zone();
void permit();
}  // namespace streetmusic

using namespace test;
using govchain::mock::CallResult;
using govchain::mock::Host;
using govchain::mock::key_pair;
using govchain::mock::KeyPair;

namespace {

struct Fixture {
  Host host;
  KeyPair office = key_pair("public-order-aachen");
  KeyPair stranger = key_pair("stranger");
  Hash document = commitment(id("salt"), R"({"musician":"Erika Mustermann","instrument":"violin"})");
  int64_t start_ms;
  int64_t end_ms;

  Fixture() {
    host.grant(office.public_key, "aachen", "public_order_office");
    start_ms = host.time_ms + 2 * hour_ms;
    end_ms = start_ms + 2 * hour_ms;
  }
  CallResult issue(const KeyPair& issuer, int64_t from_ms, int64_t until_ms,
                   std::initializer_list<std::string> conditions = {"no_amplifier"}) {
    return host.call(
        "streetmusic", &streetmusic::issue, issuer.public_key,
        Args().hash(id("m1")).text("aachen").hash(document).text("markt").i64(from_ms).i64(until_ms).texts(conditions));
  }
  Verdict verify(int64_t at_ms) {
    return read_verdict(
        host.query("streetmusic", &streetmusic::verify, Args().hash(id("m1")).hash(document).i64(at_ms)));
  }
  Verdict verify_in_zone(int64_t at_ms, const std::string& zone) {
    return read_verdict(host.query("streetmusic", &streetmusic::verify_in_zone,
                                   Args().hash(id("m1")).hash(document).i64(at_ms).text(zone)));
  }
};

}  // namespace

TEST_CASE("a permit is valid only inside its time window") {
  Fixture f;
  REQUIRE(f.issue(f.office, f.start_ms, f.end_ms).ok);
  CHECK(f.verify(0).verdict == "not_yet_valid");
  CHECK(f.verify(f.start_ms - 1).verdict == "not_yet_valid");
  CHECK(f.verify(f.start_ms).verdict == "valid");
  CHECK(f.verify(f.end_ms - 1).verdict == "valid");
  CHECK(f.verify(f.end_ms).verdict == "expired");
  f.host.next_block(3 * hour_ms);
  CHECK(f.verify(0).verdict == "valid");
}

TEST_CASE("verify_in_zone answers 'valid here and now?'") {
  Fixture f;
  REQUIRE(f.issue(f.office, f.start_ms, f.end_ms).ok);
  CHECK(f.verify_in_zone(f.start_ms, "markt").verdict == "valid");
  Verdict elsewhere = f.verify_in_zone(f.start_ms, "dom");
  CHECK(elsewhere.verdict == "wrong_zone");
  CHECK(elsewhere.reason == "markt");
  CHECK(f.verify_in_zone(f.end_ms, "markt").verdict == "expired");
  Result permit(f.host.query("streetmusic", &streetmusic::permit, Args().hash(id("m1"))));
  CHECK(permit.text() == "markt");
  CHECK(permit.count() == 1);
  CHECK(permit.text() == "no_amplifier");
}

TEST_CASE("issuance is checked") {
  Fixture f;
  CHECK(error_of(f.issue(f.stranger, f.start_ms, f.end_ms)).find("role") != std::string::npos);
  CHECK(error_of(f.issue(f.office, f.start_ms, 0)).find("time window") != std::string::npos);
  CHECK(error_of(f.issue(f.office, f.start_ms, f.end_ms, {"No Amp!"})).find("conditions") != std::string::npos);
}

TEST_CASE("the office revokes after complaints") {
  Fixture f;
  REQUIRE(f.issue(f.office, f.start_ms, f.end_ms).ok);
  f.host.next_block(2 * hour_ms + 1000);
  int64_t playing_ms = f.host.time_ms;
  f.host.next_block();
  CHECK_FALSE(
      f.host.call("streetmusic", &streetmusic::revoke, f.stranger.public_key, Args().hash(id("m1")).text("complaints"))
          .ok);
  REQUIRE(
      f.host.call("streetmusic", &streetmusic::revoke, f.office.public_key, Args().hash(id("m1")).text("complaints"))
          .ok);
  Verdict verdict = f.verify(0);
  CHECK(verdict.verdict == "revoked");
  CHECK(verdict.reason == "complaints");
  CHECK(f.verify(playing_ms).verdict == "valid");
}
