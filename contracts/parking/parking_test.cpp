// Native tests of the parking exemption contract: the tutorial of
// docs/new-use-case.md runs them in `make test`, so it cannot rot.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "../test_support.h"

namespace parking {
void issue();
void revoke();
void certificate();
void verify();
void zone();
}  // namespace parking

using namespace test;
using govchain::mock::Host;
using govchain::mock::key_pair;

TEST_CASE("a Gelsenkirchen office issues a parking exemption; anyone verifies it; the office revokes it") {
  Host host;
  auto office = key_pair("public-order-gelsenkirchen");
  host.grant(office.public_key, "gelsenkirchen", "public_order_office");
  Hash salt = id("fresh random salt");
  Hash document = commitment(salt, R"({"holder":"Erika Mustermann","plate":"GE-AB 123","zone":"altstadt"})");
  int64_t from_ms = host.time_ms;
  int64_t until_ms = from_ms + 90 * day_ms;

  auto issued = host.call(
      "parking", &parking::issue, office.public_key,
      Args().hash(id("permit")).text("gelsenkirchen").hash(document).text("altstadt").i64(from_ms).i64(until_ms));
  REQUIRE_MESSAGE(issued.ok, issued.error);
  REQUIRE(issued.events.size() == 1);
  CHECK(issued.events[0].topic == "certificate.active");

  auto verify = [&](const Hash& commitment_value, int64_t at_ms) {
    return read_verdict(
        host.query("parking", &parking::verify, Args().hash(id("permit")).hash(commitment_value).i64(at_ms)));
  };
  CHECK(verify(document, 0).verdict == "valid");
  CHECK(verify(document, until_ms).verdict == "expired");
  CHECK(verify(commitment(salt, R"({"holder":"Erika Mustermann","plate":"GE-XY 999","zone":"altstadt"})"), 0).verdict ==
        "commitment_mismatch");
  CHECK(Result(host.query("parking", &parking::zone, Args().hash(id("permit")))).text() == "altstadt");

  auto stranger = key_pair("stranger");
  CHECK_FALSE(
      host.call(
              "parking", &parking::issue, stranger.public_key,
              Args().hash(id("other")).text("gelsenkirchen").hash(document).text("altstadt").i64(from_ms).i64(until_ms))
          .ok);
  CHECK_FALSE(host.call("parking", &parking::revoke, stranger.public_key, Args().hash(id("permit")).text("misuse")).ok);

  host.next_block();
  REQUIRE(host.call("parking", &parking::revoke, office.public_key, Args().hash(id("permit")).text("misuse")).ok);
  Verdict revoked = verify(document, 0);
  CHECK(revoked.verdict == "revoked");
  CHECK(revoked.reason == "misuse");
  CHECK(all_storage(host).find("GE-AB") == std::string::npos);
}

TEST_CASE("the argument test vector of docs/contracts.md 5.4 is what the contract reads") {
  Host host;
  auto office = key_pair("public-order-gelsenkirchen");
  host.grant(office.public_key, "gelsenkirchen", "public_order_office");
  std::string hex =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
      "0000000d67656c73656e6b69726368656e"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "00000008616c747374616474"
      "0000019b76daa800"
      "0000019d46570000";
  ByteString vector;
  for (size_t i = 0; i < hex.size(); i += 2) vector.push_back(uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
  REQUIRE(vector.size() == 109);
  Hash expected_id;
  for (uint8_t i = 0; i < 32; ++i) expected_id.bytes[i] = i;
  Hash expected_commitment;
  for (auto& byte : expected_commitment.bytes) byte = 0xaa;
  ByteString built = Args()
                         .hash(expected_id)
                         .text("gelsenkirchen")
                         .hash(expected_commitment)
                         .text("altstadt")
                         .i64(1767225600000)
                         .i64(1775001600000);
  CHECK(built == vector);
  auto issued = host.call("parking", &parking::issue, office.public_key, vector);
  REQUIRE_MESSAGE(issued.ok, issued.error);
  CHECK(Result(host.query("parking", &parking::zone, Args().hash(expected_id))).text() == "altstadt");
}
