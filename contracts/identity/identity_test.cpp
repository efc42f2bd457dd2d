// Native tests of the identity contract against the mock host.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "govchain/test_support.h"

namespace identity {
void issue();
void revoke();
void rotate_key();
void certificate();
void verify();
void attestation();
void level_of();
void key_history();
}  // namespace identity

using namespace test;
using govchain::mock::Host;
using govchain::mock::key_pair;

namespace {

struct Fixture {
  Host host;
  govchain::mock::KeyPair office = key_pair("identity-office");
  govchain::mock::KeyPair holder = key_pair("holder");
  govchain::mock::KeyPair stranger = key_pair("stranger");
  Hash salt = id("salt");
  Hash attributes = commitment(salt, R"({"family_name":"Mustermann","given_name":"Erika"})");

  Fixture() { host.grant(office.public_key, "aachen", "identity_office"); }

  govchain::mock::CallResult issue(const Hash& attestation_id, const PublicKey& subject, const std::string& level,
                                   const Hash& previous = Hash()) {
    return host.call("identity", &identity::issue, office.public_key,
                     Args()
                         .hash(attestation_id)
                         .text("aachen")
                         .hash(subject)
                         .text(level)
                         .hash(attributes)
                         .i64(host.time_ms)
                         .i64(host.time_ms + 365 * day_ms)
                         .hash(previous));
  }
  Verdict verify(const Hash& attestation_id, int64_t at_ms = 0) {
    return read_verdict(
        host.query("identity", &identity::verify, Args().hash(attestation_id).hash(attributes).i64(at_ms)));
  }
  std::string level_of(const PublicKey& subject, int64_t at_ms = 0) {
    auto result = host.query("identity", &identity::level_of, Args().hash(subject).i64(at_ms));
    REQUIRE(result.ok);
    return Result(result).text();
  }
};

}  // namespace

TEST_CASE("an identity office attests a key at a level") {
  Fixture f;
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "substantial").ok);
  CHECK(f.verify(id("a1")).verdict == "valid");
  CHECK(f.level_of(f.holder.public_key) == "substantial");
  CHECK(f.level_of(f.stranger.public_key) == "none");
  Result attestation(f.host.query("identity", &identity::attestation, Args().hash(id("a1"))));
  CHECK(attestation.hash() == f.holder.public_key);
  CHECK(attestation.text() == "substantial");
}

TEST_CASE("only an identity office of the named municipality may attest") {
  Fixture f;
  auto result = f.host.call("identity", &identity::issue, f.stranger.public_key,
                            Args()
                                .hash(id("a1"))
                                .text("aachen")
                                .hash(f.holder.public_key)
                                .text("high")
                                .hash(f.attributes)
                                .i64(0)
                                .i64(f.host.time_ms + day_ms)
                                .hash(Hash()));
  CHECK(error_of(result).find("role") != std::string::npos);
  CHECK(f.verify(id("a1")).verdict == "unknown_id");
}

TEST_CASE("attestation arguments are checked") {
  Fixture f;
  CHECK(error_of(f.issue(id("a1"), f.holder.public_key, "very_high")).find("level") != std::string::npos);
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "basic").ok);
  CHECK(error_of(f.issue(id("a1"), f.holder.public_key, "basic")).find("already used") != std::string::npos);
  CHECK(error_of(f.issue(id("a2"), PublicKey(), "basic")).find("subject") != std::string::npos);
}

TEST_CASE("an attestation expires") {
  Fixture f;
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "high").ok);
  f.host.next_block(366 * day_ms);
  CHECK(f.verify(id("a1")).verdict == "expired");
  CHECK(f.level_of(f.holder.public_key) == "none");
}

TEST_CASE("the holder or the office revokes; a stranger cannot") {
  Fixture f;
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "high").ok);
  REQUIRE(f.issue(id("a2"), f.stranger.public_key, "high").ok);
  f.host.next_block();
  CHECK_FALSE(
      f.host.call("identity", &identity::revoke, f.stranger.public_key, Args().hash(id("a1")).text("key_lost")).ok);
  CHECK(f.host.call("identity", &identity::revoke, f.holder.public_key, Args().hash(id("a1")).text("key_lost")).ok);
  CHECK(f.host.call("identity", &identity::revoke, f.office.public_key, Args().hash(id("a2")).text("fraud")).ok);
  Verdict verdict = f.verify(id("a1"));
  CHECK(verdict.verdict == "revoked");
  CHECK(verdict.reason == "key_lost");
  CHECK(f.verify(id("a2")).reason == "fraud");
  CHECK(error_of(f.host.call("identity", &identity::revoke, f.holder.public_key, Args().hash(id("a1")).text("again")))
            .find("only an active") != std::string::npos);
  // Reason codes are codes, never free text.
  REQUIRE(f.issue(id("a3"), f.holder.public_key, "basic").ok);
  CHECK_FALSE(
      f.host.call("identity", &identity::revoke, f.holder.public_key, Args().hash(id("a3")).text("Lost by Erika")).ok);
}

namespace {
govchain::Signature rotation_signature(const govchain::mock::KeyPair& new_key, const Hash& old_id, const Hash& new_id) {
  ByteString message(old_id.bytes, old_id.bytes + 32);
  message.insert(message.end(), new_id.bytes, new_id.bytes + 32);
  message.insert(message.end(), new_key.public_key.bytes, new_key.public_key.bytes + 32);
  std::string tag = "govchain/identity/rotate";
  return govchain::mock::sign(new_key, govchain::mock::tagged_hash(ByteString(tag.begin(), tag.end()), message));
}
}  // namespace

TEST_CASE("key rotation: the holder moves to a new key; the history shows which key was valid when") {
  Fixture f;
  auto new_key = key_pair("holder-new");
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "substantial").ok);
  int64_t before_rotation_ms = f.host.time_ms;
  f.host.next_block(day_ms);
  int64_t rotation_ms = f.host.time_ms;

  auto wrong = f.host.call("identity", &identity::rotate_key, f.holder.public_key,
                           Args()
                               .hash(id("a1"))
                               .hash(id("a2"))
                               .hash(new_key.public_key)
                               .signature(rotation_signature(f.stranger, id("a1"), id("a2"))));
  CHECK(error_of(wrong).find("signature") != std::string::npos);
  auto by_stranger = f.host.call("identity", &identity::rotate_key, f.stranger.public_key,
                                 Args()
                                     .hash(id("a1"))
                                     .hash(id("a2"))
                                     .hash(new_key.public_key)
                                     .signature(rotation_signature(new_key, id("a1"), id("a2"))));
  CHECK(error_of(by_stranger).find("holder") != std::string::npos);
  auto rotated = f.host.call("identity", &identity::rotate_key, f.holder.public_key,
                             Args()
                                 .hash(id("a1"))
                                 .hash(id("a2"))
                                 .hash(new_key.public_key)
                                 .signature(rotation_signature(new_key, id("a1"), id("a2"))));
  REQUIRE_MESSAGE(rotated.ok, rotated.error);

  CHECK(f.level_of(f.holder.public_key) == "none");
  CHECK(f.level_of(new_key.public_key) == "substantial");
  CHECK(f.level_of(f.holder.public_key, before_rotation_ms) == "substantial");
  CHECK(f.verify(id("a1")).reason == "key_rotated");
  CHECK(f.verify(id("a1"), before_rotation_ms).verdict == "valid");
  CHECK(f.verify(id("a2")).verdict == "valid");
  CHECK(f.verify(id("a2"), before_rotation_ms).verdict == "not_yet_valid");

  Result history(f.host.query("identity", &identity::key_history, Args().hash(id("a2"))));
  REQUIRE(history.count() == 2);
  CHECK(history.hash() == id("a1"));
  CHECK(history.hash() == f.holder.public_key);
  CHECK(history.text() == "substantial");
  CHECK(history.text() == "revoked");
  history.i64();
  CHECK(history.i64() == rotation_ms);
  history.i64();
  CHECK(history.hash() == id("a2"));
  CHECK(history.hash() == new_key.public_key);
}

TEST_CASE("after a lost key the office re-issues, linking the earlier attestation") {
  Fixture f;
  auto new_key = key_pair("holder-new");
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "high").ok);
  REQUIRE(f.host.call("identity", &identity::revoke, f.office.public_key, Args().hash(id("a1")).text("key_lost")).ok);
  REQUIRE(f.issue(id("a2"), new_key.public_key, "high", id("a1")).ok);
  CHECK(error_of(f.issue(id("a3"), new_key.public_key, "high", id("a1"))).find("already replaced") !=
        std::string::npos);
  Result history(f.host.query("identity", &identity::key_history, Args().hash(id("a1"))));
  CHECK(history.count() == 2);
}

TEST_CASE("the certificate query returns the record with its history") {
  Fixture f;
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "basic").ok);
  f.host.next_block();
  REQUIRE(f.host.call("identity", &identity::revoke, f.holder.public_key, Args().hash(id("a1")).text("key_lost")).ok);
  auto result = f.host.query("identity", &identity::certificate, Args().hash(id("a1")));
  REQUIRE(result.ok);
  Result reader(result);
  govchain::cert::Certificate record;
  govchain::decode(reader.reader(), record);
  reader.finish();
  CHECK(record.type == "identity_attestation");
  CHECK(record.issuer == f.office.public_key);
  CHECK(record.authority == "identity_office");
  CHECK(record.issuer_authorized);
  CHECK(record.status == govchain::cert::Status::revoked);
  REQUIRE(record.history.size == 2);
  CHECK(record.history[0].reason == "issued");
  CHECK(record.history[1].actor == f.holder.public_key);
  CHECK(record.history[1].height == 2);
  CHECK(error_of(f.host.query("identity", &identity::certificate, Args().hash(id("nope")))) == "unknown certificate");
}

TEST_CASE("no personal data reaches the chain") {
  Fixture f;
  REQUIRE(f.issue(id("a1"), f.holder.public_key, "basic").ok);
  std::string everything = all_storage(f.host);
  CHECK(everything.find("Mustermann") == std::string::npos);
  CHECK(everything.find("Erika") == std::string::npos);
}
