// Native tests of the dangerous-dog permit contract.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

namespace dogpermit {
void issue();
void suspend();
void reinstate();
void revoke();
void renew_insurance();
void transfer();
void certificate();
void verify();
void permit();
}  // namespace dogpermit

using namespace test;
using govchain::mock::CallResult;
using govchain::mock::Host;
using govchain::mock::key_pair;
using govchain::mock::KeyPair;

namespace {

struct Fixture {
  Host host;
  KeyPair aachen = key_pair("public-order-aachen");
  KeyPair koeln = key_pair("public-order-koeln");
  KeyPair stranger = key_pair("stranger");
  Hash document =
      commitment(id("salt"), R"({"keeper":"Erika Mustermann","chip":"276098100123456","breed":"Bullterrier"})");
  int64_t insurance_until_ms;

  Fixture() {
    host.grant(aachen.public_key, "aachen", "public_order_office");
    host.grant(koeln.public_key, "koeln", "public_order_office");
    insurance_until_ms = host.time_ms + 30 * day_ms;
    REQUIRE(issue(id("p1")).ok);
  }

  CallResult issue(const Hash& permit_id) {
    return host.call("dogpermit", &dogpermit::issue, aachen.public_key,
                     Args()
                         .hash(permit_id)
                         .text("aachen")
                         .hash(document)
                         .i64(host.time_ms)
                         .i64(host.time_ms + 3 * 365 * day_ms)
                         .i64(insurance_until_ms)
                         .texts({"muzzle", "lead"}));
  }
  CallResult change(govchain::mock::Method method, const KeyPair& office, const std::string& reason) {
    return host.call("dogpermit", method, office.public_key, Args().hash(id("p1")).text(reason));
  }
  Verdict verify(int64_t at_ms = 0) {
    return read_verdict(host.query("dogpermit", &dogpermit::verify, Args().hash(id("p1")).hash(document).i64(at_ms)));
  }
};

}  // namespace

TEST_CASE("a public order office issues a permit with conditions") {
  Fixture f;
  CHECK(f.verify().verdict == "valid");
  Result permit(f.host.query("dogpermit", &dogpermit::permit, Args().hash(id("p1"))));
  REQUIRE(permit.count() == 2);
  CHECK(permit.text() == "muzzle");
  CHECK(permit.text() == "lead");
  REQUIRE(permit.count() == 1);
  permit.i64();
  CHECK(permit.i64() == f.insurance_until_ms);
  auto by_stranger = f.host.call("dogpermit", &dogpermit::issue, f.stranger.public_key,
                                 Args().hash(id("p2")).text("aachen").hash(f.document).i64(0).i64(0).i64(1).texts({}));
  CHECK(error_of(by_stranger).find("role") != std::string::npos);
}

TEST_CASE("conditions must be codes") {
  Fixture f;
  auto result = f.host.call(
      "dogpermit", &dogpermit::issue, f.aachen.public_key,
      Args().hash(id("p2")).text("aachen").hash(f.document).i64(0).i64(0).i64(1).texts({"Maulkorb für Rex"}));
  CHECK(error_of(result).find("conditions") != std::string::npos);
}

TEST_CASE("suspend, reinstate and revoke with reason codes") {
  Fixture f;
  f.host.next_block();
  CHECK_FALSE(f.change(&dogpermit::suspend, f.stranger, "insurance_lapsed").ok);
  REQUIRE(f.change(&dogpermit::suspend, f.aachen, "insurance_lapsed").ok);
  Verdict suspended = f.verify();
  CHECK(suspended.verdict == "suspended");
  CHECK(suspended.reason == "insurance_lapsed");
  CHECK_FALSE(f.change(&dogpermit::suspend, f.aachen, "again").ok);
  f.host.next_block();
  REQUIRE(f.change(&dogpermit::reinstate, f.aachen, "insurance_renewed").ok);
  CHECK(f.verify().verdict == "valid");
  f.host.next_block();
  REQUIRE(f.change(&dogpermit::revoke, f.aachen, "keeper_unreliable").ok);
  CHECK(f.verify().verdict == "revoked");
  CHECK(f.verify().reason == "keeper_unreliable");
  CHECK_FALSE(f.change(&dogpermit::reinstate, f.aachen, "mistake").ok);
}

TEST_CASE("a permit past its insurance verifies as expired until the insurance is renewed") {
  Fixture f;
  int64_t insured_ms = f.host.time_ms;
  f.host.next_block(31 * day_ms);
  Verdict lapsed = f.verify();
  CHECK(lapsed.verdict == "expired");
  CHECK(lapsed.reason == "insurance_expired");
  CHECK(lapsed.status == "active");
  int64_t lapsed_ms = f.host.time_ms;
  f.host.next_block();
  auto renewed = f.host.call("dogpermit", &dogpermit::renew_insurance, f.aachen.public_key,
                             Args().hash(id("p1")).i64(f.host.time_ms + 365 * day_ms));
  REQUIRE_MESSAGE(renewed.ok, renewed.error);
  CHECK(f.verify().verdict == "valid");
  // The past is answered with the insurance known then.
  CHECK(f.verify(lapsed_ms).verdict == "expired");
  CHECK(f.verify(insured_ms).verdict == "valid");
  CHECK_FALSE(
      f.host.call("dogpermit", &dogpermit::renew_insurance, f.koeln.public_key, Args().hash(id("p1")).i64(1)).ok);
}

TEST_CASE("a transfer hands the permit to the new municipality and keeps the history") {
  Fixture f;
  f.host.next_block();
  REQUIRE(f.change(&dogpermit::suspend, f.aachen, "insurance_lapsed").ok);
  f.host.next_block();
  Hash wrong = commitment(id("other-salt"), "{}");
  CHECK(error_of(f.host.call("dogpermit", &dogpermit::transfer, f.koeln.public_key,
                             Args().hash(id("p1")).text("koeln").hash(wrong)))
            .find("commitment") != std::string::npos);
  CHECK(error_of(f.host.call("dogpermit", &dogpermit::transfer, f.koeln.public_key,
                             Args().hash(id("p1")).text("duesseldorf").hash(f.document)))
            .find("role") != std::string::npos);
  REQUIRE(f.host
              .call("dogpermit", &dogpermit::transfer, f.koeln.public_key,
                    Args().hash(id("p1")).text("koeln").hash(f.document))
              .ok);
  // The old office lost the right to change it; the new one has it.
  CHECK(error_of(f.change(&dogpermit::reinstate, f.aachen, "insurance_renewed")).find("role") != std::string::npos);
  REQUIRE(f.change(&dogpermit::reinstate, f.koeln, "insurance_renewed").ok);

  Result reader(f.host.query("dogpermit", &dogpermit::certificate, Args().hash(id("p1"))));
  govchain::cert::Certificate record;
  govchain::decode(reader.reader(), record);
  CHECK(record.municipality == "koeln");
  CHECK(record.issuer_municipality == "aachen");
  CHECK(record.issuer == f.aachen.public_key);
  REQUIRE(record.history.size == 4);
  CHECK(record.history[1].reason == "insurance_lapsed");
  CHECK(record.history[2].reason == "keeper_moved");
  CHECK(record.history[2].municipality == "koeln");
  CHECK(record.history[2].status == govchain::cert::Status::suspended);
  CHECK(record.history[3].actor == f.koeln.public_key);
}

TEST_CASE("no personal data reaches the chain") {
  Fixture f;
  std::string everything = all_storage(f.host);
  for (const char* personal : {"Mustermann", "276098100123456", "Bullterrier"})
    CHECK(everything.find(personal) == std::string::npos);
}

TEST_CASE("the argument test vector of docs/contracts.md 5.4 is what the contract reads") {
  Host host;
  auto office = key_pair("public-order-aachen");
  host.grant(office.public_key, "aachen", "public_order_office");
  std::string hex =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
      "0000000661616368656e"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "0000000000000000"
      "0000000000000000"
      "000001a2ce8bd400"
      "00000002000000066d757a7a6c65000000046c656164";
  ByteString vector;
  for (size_t i = 0; i < hex.size(); i += 2) vector.push_back(uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
  auto issued = host.call("dogpermit", &dogpermit::issue, office.public_key, vector);
  REQUIRE_MESSAGE(issued.ok, issued.error);
  Hash expected_id;
  for (uint8_t i = 0; i < 32; ++i) expected_id.bytes[i] = i;
  Result permit(host.query("dogpermit", &dogpermit::permit, Args().hash(expected_id)));
  REQUIRE(permit.count() == 2);
  CHECK(permit.text() == "muzzle");
  CHECK(permit.text() == "lead");
  REQUIRE(permit.count() == 1);
  permit.i64();
  CHECK(permit.i64() == 1798761600000);
}
