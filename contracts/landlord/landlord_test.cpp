// Native tests of the landlord contract, with the identity contract it reads.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

namespace identity {
void issue();
void revoke();
}  // namespace identity
namespace landlord {
void issue();
void consume();
void revoke();
void certificate();
void verify();
void confirmation();
}  // namespace landlord

using namespace test;
using govchain::mock::CallResult;
using govchain::mock::Host;
using govchain::mock::key_pair;

namespace {

struct Fixture {
  Host host;
  govchain::mock::KeyPair identity_office = key_pair("identity-office");
  govchain::mock::KeyPair landlord = key_pair("landlord");
  govchain::mock::KeyPair registration_aachen = key_pair("registration-aachen");
  govchain::mock::KeyPair registration_koeln = key_pair("registration-koeln");
  Hash document = commitment(
      id("salt"),
      R"({"landlord":"Hans Vermieter","tenants":["Erika Mustermann"],"address":"Markt 1, Aachen","event":"move_in","date":"2026-03-01"})");

  Fixture() {
    host.grant(identity_office.public_key, "koeln", "identity_office");
    host.grant(registration_aachen.public_key, "aachen", "registration_office");
    host.grant(registration_koeln.public_key, "koeln", "registration_office");
  }

  CallResult attest(const PublicKey& subject, const std::string& level,
                    const Hash& attestation_id = id("attestation")) {
    return host.call("identity", &identity::issue, identity_office.public_key,
                     Args()
                         .hash(attestation_id)
                         .text("koeln")
                         .hash(subject)
                         .text(level)
                         .hash(id("attributes"))
                         .i64(0)
                         .i64(host.time_ms + 365 * day_ms)
                         .hash(Hash()));
  }
  CallResult issue(const Hash& confirmation_id, const std::string& event = "move_in") {
    return host.call("landlord", &landlord::issue, landlord.public_key,
                     Args().hash(confirmation_id).text("aachen").hash(document).text(event).text("2026-03-01").i64(0));
  }
  CallResult consume(const govchain::mock::KeyPair& office, const Hash& confirmation_id) {
    return host.call("landlord", &landlord::consume, office.public_key, Args().hash(confirmation_id));
  }
  Verdict verify(const Hash& confirmation_id, int64_t at_ms = 0) {
    return read_verdict(
        host.query("landlord", &landlord::verify, Args().hash(confirmation_id).hash(document).i64(at_ms)));
  }
};

}  // namespace

TEST_CASE("a landlord with a substantial attestation confirms a move-in") {
  Fixture f;
  REQUIRE(f.attest(f.landlord.public_key, "substantial").ok);
  auto issued = f.issue(id("c1"));
  REQUIRE_MESSAGE(issued.ok, issued.error);
  CHECK(f.verify(id("c1")).verdict == "valid");
  Result confirmation(f.host.query("landlord", &landlord::confirmation, Args().hash(id("c1"))));
  CHECK(confirmation.text() == "move_in");
  CHECK(confirmation.text() == "2026-03-01");
  CHECK(confirmation.hash() == id("attestation"));
}

TEST_CASE("the landlord needs an attestation of at least substantial, valid now") {
  Fixture f;
  CHECK(error_of(f.issue(id("c1"))).find("identity attestation") != std::string::npos);
  REQUIRE(f.attest(f.landlord.public_key, "basic").ok);
  CHECK(error_of(f.issue(id("c1"))).find("identity attestation") != std::string::npos);
  REQUIRE(f.attest(f.landlord.public_key, "high", id("attestation-2")).ok);
  CHECK(f.issue(id("c1")).ok);
  REQUIRE(
      f.host
          .call("identity", &identity::revoke, f.landlord.public_key, Args().hash(id("attestation-2")).text("key_lost"))
          .ok);
  CHECK(error_of(f.issue(id("c2"))).find("identity attestation") != std::string::npos);
  // A confirmation issued while the attestation was valid stays valid.
  CHECK(f.verify(id("c1")).verdict == "valid");
}

TEST_CASE("events and dates are checked") {
  Fixture f;
  REQUIRE(f.attest(f.landlord.public_key, "substantial").ok);
  CHECK(error_of(f.issue(id("c1"), "moved")).find("event") != std::string::npos);
  auto bad_date =
      f.host.call("landlord", &landlord::issue, f.landlord.public_key,
                  Args().hash(id("c1")).text("aachen").hash(f.document).text("move_out").text("1.3.2026").i64(0));
  CHECK(error_of(bad_date).find("YYYY-MM-DD") != std::string::npos);
}

TEST_CASE("the dwelling's registration office consumes it once") {
  Fixture f;
  REQUIRE(f.attest(f.landlord.public_key, "substantial").ok);
  REQUIRE(f.issue(id("c1")).ok);
  // Other municipalities' offices can verify but not consume.
  CHECK(read_verdict(f.host.query("landlord", &landlord::verify, Args().hash(id("c1")).hash(f.document).i64(0),
                                  f.registration_koeln.public_key))
            .verdict == "valid");
  CHECK(error_of(f.consume(f.registration_koeln, id("c1"))).find("role") != std::string::npos);
  CHECK_FALSE(f.consume(f.landlord, id("c1")).ok);
  int64_t before_ms = f.host.time_ms;
  f.host.next_block();
  REQUIRE(f.consume(f.registration_aachen, id("c1")).ok);
  Verdict verdict = f.verify(id("c1"));
  CHECK(verdict.verdict == "consumed");
  CHECK(verdict.reason == "registered");
  CHECK(f.verify(id("c1"), before_ms).verdict == "valid");
  CHECK(error_of(f.consume(f.registration_aachen, id("c1"))) == "certificate already consumed");
  CHECK(error_of(f.host.call("landlord", &landlord::revoke, f.landlord.public_key, Args().hash(id("c1")).text("error")))
            .find("consumed") != std::string::npos);
}

TEST_CASE("the landlord revokes before consumption; nobody else may") {
  Fixture f;
  REQUIRE(f.attest(f.landlord.public_key, "substantial").ok);
  REQUIRE(f.issue(id("c1")).ok);
  CHECK_FALSE(
      f.host.call("landlord", &landlord::revoke, f.registration_aachen.public_key, Args().hash(id("c1")).text("error"))
          .ok);
  REQUIRE(
      f.host.call("landlord", &landlord::revoke, f.landlord.public_key, Args().hash(id("c1")).text("wrong_date")).ok);
  Verdict verdict = f.verify(id("c1"));
  CHECK(verdict.verdict == "revoked");
  CHECK(verdict.reason == "wrong_date");
  CHECK_FALSE(f.consume(f.registration_aachen, id("c1")).ok);
}

TEST_CASE("an altered document does not verify") {
  Fixture f;
  REQUIRE(f.attest(f.landlord.public_key, "substantial").ok);
  REQUIRE(f.issue(id("c1")).ok);
  Hash altered = commitment(
      id("salt"),
      R"({"landlord":"Hans Vermieter","tenants":["Erika Mustermann"],"address":"Markt 2, Aachen","event":"move_in","date":"2026-03-01"})");
  CHECK(read_verdict(f.host.query("landlord", &landlord::verify, Args().hash(id("c1")).hash(altered).i64(0))).verdict ==
        "commitment_mismatch");
  CHECK(read_verdict(f.host.query("landlord", &landlord::verify, Args().hash(id("c9")).hash(altered).i64(0))).verdict ==
        "unknown_id");
}

TEST_CASE("no personal data reaches the chain") {
  Fixture f;
  REQUIRE(f.attest(f.landlord.public_key, "substantial").ok);
  REQUIRE(f.issue(id("c1")).ok);
  REQUIRE(f.consume(f.registration_aachen, id("c1")).ok);
  std::string everything = all_storage(f.host);
  for (const char* personal : {"Vermieter", "Mustermann", "Markt"})
    CHECK(everything.find(personal) == std::string::npos);
}
