// unit.client_bundle: proof bundles, trust anchors, offline certificate
// verification, verification links, Europe/Berlin times and document
// schemas (docs/verification.md).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "client/bundle.h"

#include <doctest/doctest.h>

#include "client/bundle_verify.h"
#include "client/document_schema.h"
#include "client/local_time.h"
#include "client/qr.h"
#include "client/state_layout.h"
#include "client/testing/test_chain.h"
#include "client/verify_link.h"
#include "codec/codec.h"

using namespace govchain;
using namespace govchain::client;

namespace {

constexpr int64_t day_ms = 86'400'000;
constexpr int64_t issued_ms = 1'790'000'000'000;  // 2026-09-21

struct Fixture {
  testing::TestChain chain{"test-chain", 5};
  Hash id = crypto::random_32();
  Hash commitment = crypto::random_32();
  PublicKey office = crypto::generate_key_pair().public_key;

  CertificateRecord record(const std::string& status, int64_t valid_until_ms = 0) const {
    CertificateRecord made;
    made.id = id;
    made.type = "dog_permit";
    made.issuer = office;
    made.issuer_municipality = "soest";
    made.authority = "public_order_office";
    made.issuer_authorized = true;
    made.municipality = "soest";
    made.commitment = commitment;
    made.valid_from_ms = issued_ms;
    made.valid_until_ms = valid_until_ms;
    made.status = status;
    made.history.push_back({1, issued_ms, office, "soest", "active", "issued"});
    if (status != "active")
      made.history.push_back({2, issued_ms + day_ms, office, "soest", status, "keeper_unreliable"});
    return made;
  }

  static Bytes dog_facts(int64_t insurance_until_ms) {
    codec::Writer writer;
    writer.count(1);
    writer.text("muzzle");
    writer.count(1);
    writer.i64(issued_ms);
    writer.i64(insurance_until_ms);
    return writer.take();
  }

  std::vector<Bytes> keys() const { return certificate_bundle_keys("dogpermit", "dog_permit", id); }

  // Issues `record` (and the dog facts) in a block, then one more block.
  Bytes issue(const CertificateRecord& made, int64_t insurance_until_ms = issued_ms + 400 * day_ms) {
    const auto keys = this->keys();
    REQUIRE(chain
                .add_block({{keys[0], testing::encode_stored_certificate_record(made)},
                            {keys[1], dog_facts(insurance_until_ms)}},
                           issued_ms)
                .ok());
    REQUIRE(chain.add_block({{to_bytes("other"), to_bytes("value")}}, issued_ms + 2 * day_ms).ok());
    auto bundle = chain.encoded_bundle(keys);
    REQUIRE(bundle.ok());
    return *bundle;
  }

  CertificateReference reference() const { return {"test-chain", "dogpermit", id, commitment}; }

  BundleVerification check(ByteView bundle, int64_t at_ms, const BundleVerifyOptions& base = {}) const {
    BundleVerifyOptions options = base;
    options.now_ms = at_ms;
    auto result = verify_certificate_bundle(reference(), "dog_permit", bundle, chain.genesis_anchor(), options, true);
    REQUIRE(result.ok());
    return *result;
  }
};

}  // namespace

TEST_CASE("a bundle round-trips through its canonical encoding and verifies") {
  Fixture fixture;
  const Bytes encoded = fixture.issue(fixture.record("active"));
  auto decoded = decode_bundle(encoded, fixture.chain.genesis_anchor());
  REQUIRE(decoded.ok());
  auto again = encode_bundle(*decoded, fixture.chain.genesis_anchor().validators);
  REQUIRE(again.ok());
  CHECK(*again == encoded);
  auto check = verify_bundle(*decoded, fixture.chain.genesis_anchor());
  REQUIRE(check.ok());
  CHECK(check->height == 2);
  CHECK(check->block_time_ms == issued_ms + 2 * day_ms);
  CHECK(check->commit.signatures_valid == 4);
  CHECK(check->commit.validators_total == 5);
  auto text = base32_decode(base32_encode(encoded));
  REQUIRE(text.ok());
  CHECK(*text == encoded);
}

TEST_CASE("a bundle keeps only the smallest quorum of each commit, and still verifies") {
  testing::TestChain chain("test-chain", 5);
  const Bytes key = to_bytes("key");
  REQUIRE(chain.add_block({{key, to_bytes("one")}}, issued_ms, 5).ok());
  REQUIRE(chain.add_block({{key, to_bytes("two")}}, issued_ms + day_ms, 5).ok());
  auto bundle = chain.bundle({key});
  REQUIRE(bundle.ok());
  REQUIRE(bundle->block.commit.signatures.size() == 5);
  auto whole = encode_bundle(*bundle, chain.genesis_anchor().validators);
  REQUIRE(whole.ok());
  keep_smallest_quorums(*bundle, chain.genesis_anchor());
  CHECK(bundle->block.commit.signatures.size() == 4);
  // The previous block's commit is hashed into this header: it stays whole.
  CHECK(bundle->block.header.last_commit.signatures.size() == 5);
  auto trimmed = encode_bundle(*bundle, chain.genesis_anchor().validators);
  REQUIRE(trimmed.ok());
  CHECK(trimmed->size() + 66 == whole->size());
  auto check = verify_bundle(*bundle, chain.genesis_anchor());
  REQUIRE(check.ok());
  CHECK(check->commit.signatures_valid == 4);
}

// docs/decisions/bundle-size.md: a bundle of a version this verifier does
// not read is refused naming its version, and the verdict says why.
TEST_CASE("a bundle of another format version is refused naming the version") {
  Fixture fixture;
  Bytes encoded = fixture.issue(fixture.record("active"));
  REQUIRE(encoded.front() == bundle_format_version);
  encoded.front() = 2;
  auto head = peek_bundle(encoded);
  REQUIRE_FALSE(head.ok());
  CHECK(head.status().code() == Code::malformed);
  CHECK(head.status().message().find("unknown format version 2 (this verifier reads version 1)") != std::string::npos);
  const BundleVerification result = fixture.check(encoded, issued_ms + 3 * day_ms);
  CHECK(result.answer.verdict == "bundle_invalid");
  CHECK(result.answer.reason.find("format version 2") != std::string::npos);
}

TEST_CASE("the verdicts of the lifecycle come from the proven record") {
  Fixture valid;
  CHECK(valid.check(valid.issue(valid.record("active")), issued_ms + 3 * day_ms).answer.verdict == "valid");
  Fixture suspended;
  auto result = suspended.check(suspended.issue(suspended.record("suspended")), issued_ms + 3 * day_ms);
  CHECK(result.answer.verdict == "suspended");
  CHECK(result.answer.reason == "keeper_unreliable");
  Fixture revoked;
  CHECK(revoked.check(revoked.issue(revoked.record("revoked")), issued_ms + 3 * day_ms).answer.verdict == "revoked");
  Fixture expired;
  CHECK(expired.check(expired.issue(expired.record("active", issued_ms + day_ms)), issued_ms + 3 * day_ms)
            .answer.verdict == "expired");
  Fixture insurance;
  result = insurance.check(insurance.issue(insurance.record("active"), issued_ms + day_ms), issued_ms + 3 * day_ms);
  CHECK(result.answer.verdict == "expired");
  CHECK(result.answer.reason == "insurance_expired");
  // A payload that claims another type cannot skip the dog permit's rule.
  Fixture claimed;
  const Bytes claimed_bundle = claimed.issue(claimed.record("active"), issued_ms + day_ms);
  auto lied = verify_certificate_bundle(claimed.reference(), "archive_batch", claimed_bundle,
                                        claimed.chain.genesis_anchor(), {0, issued_ms + 3 * day_ms, "", {}}, false);
  REQUIRE(lied.ok());
  CHECK(lied->answer.reason == "insurance_expired");
  Fixture before;
  CHECK(before.check(before.issue(before.record("active")), issued_ms - day_ms).answer.verdict == "not_yet_valid");
}

TEST_CASE("an altered document, a tampered bundle and a foreign anchor are refused") {
  Fixture fixture;
  const Bytes bundle = fixture.issue(fixture.record("active"));
  const int64_t now = issued_ms + 3 * day_ms;
  Fixture altered = std::move(fixture);
  altered.commitment = crypto::random_32();
  auto mismatch = altered.check(bundle, now);
  CHECK(mismatch.answer.verdict == "commitment_mismatch");
  CHECK(checked_summary(mismatch) == "status commitment_mismatch; the document does not match");
  altered.commitment = altered.record("active").commitment;
  size_t refused = 0;
  // Every single flipped byte past the head either fails to decode or fails
  // verification: nothing in a bundle is unauthenticated.
  for (size_t index = 50; index < bundle.size(); index += 7) {
    Bytes tampered = bundle;
    tampered[index] ^= 0x01;
    auto result =
        verify_certificate_bundle({"test-chain", "dogpermit", altered.id, mismatch.record->commitment}, "dog_permit",
                                  tampered, altered.chain.genesis_anchor(), {0, now, "", {}}, true);
    REQUIRE(result.ok());
    if (!result->valid) ++refused;
  }
  CHECK(refused == (bundle.size() - 50 + 6) / 7);
  testing::TestChain other("test-chain", 5);
  auto foreign = verify_certificate_bundle(altered.reference(), "dog_permit", bundle, other.genesis_anchor(),
                                           {0, now, "", {}}, true);
  REQUIRE(foreign.ok());
  CHECK(foreign->answer.verdict == "bundle_invalid");
  auto untrusted = verify_certificate_bundle(altered.reference(), "dog_permit", bundle, altered.chain.genesis_anchor(),
                                             {0, now, "", {other.genesis_anchor()}}, true);
  REQUIRE(untrusted.ok());
  CHECK(untrusted->answer.verdict == "untrusted_anchor");
  Bytes longer = bundle;
  longer.push_back(0);
  CHECK(decode_bundle(longer, altered.chain.genesis_anchor()).status().code() == Code::malformed);
}

TEST_CASE("a bundle follows validator set changes from the anchor and cannot hide one") {
  Fixture fixture;
  std::vector<crypto::KeyPair> next = fixture.chain.validators();
  next.push_back(crypto::generate_key_pair());
  next.erase(next.begin());
  REQUIRE(fixture.chain.change_validators(next, issued_ms - 2 * day_ms).ok());
  REQUIRE(fixture.chain.add_block({}, issued_ms - day_ms).ok());
  const Bytes encoded = fixture.issue(fixture.record("active"));
  auto decoded = decode_bundle(encoded, fixture.chain.genesis_anchor());
  REQUIRE(decoded.ok());
  CHECK(decoded->changes.size() == 1);
  CHECK(verify_bundle(*decoded, fixture.chain.genesis_anchor()).ok());
  ProofBundle hidden = *decoded;
  hidden.changes.clear();
  // Without the change the block names another set than the anchor's.
  CHECK(!encode_bundle(hidden, fixture.chain.genesis_anchor().validators).ok());
  hidden.block.header.validator_set_hash = chain::validator_set_hash(fixture.chain.genesis_anchor().validators);
  CHECK(verify_bundle(hidden, fixture.chain.genesis_anchor()).status().code() == Code::invalid);
}

TEST_CASE("verification links carry the reference and optionally the bundle") {
  Fixture fixture;
  const Bytes bundle = fixture.issue(fixture.record("active"));
  VerifyPayload payload{fixture.reference(), "dog_permit", bundle};
  const std::string link = verify_link("https://portal.example/", payload);
  CHECK(link.rfind("https://portal.example/verify#", 0) == 0);
  auto back = verify_payload_from_text(link);
  REQUIRE(back.ok());
  CHECK(back->reference.id == fixture.id);
  CHECK(back->type == "dog_permit");
  CHECK(back->bundle == bundle);
  auto legacy = verify_payload_from_text(reference_to_text(fixture.reference()));
  REQUIRE(legacy.ok());
  CHECK(legacy->bundle.empty());
  CHECK(!verify_payload_from_text("https://portal.example/verify#NOT-BASE32!").ok());
  // A link that carries a dog permit's bundle on a large chain (2.5 KB, as
  // verify_bench measures) still fits one QR code.
  payload.bundle = crypto::random_bytes(2521);
  auto code = qr_encode(verify_link("https://portal.example", payload));
  REQUIRE(code.ok());
  CHECK(code->width <= 177);
}

TEST_CASE("times without an offset are Europe/Berlin, dates alone mean whole days there") {
  CHECK(*parse_time_ms("2026-12-07T14:00") == *parse_time_ms("2026-12-07T13:00Z"));
  CHECK(*parse_time_ms("2026-07-07T14:00") == *parse_time_ms("2026-07-07T12:00Z"));
  CHECK(*parse_time_ms("2026-12-07T14:00+01:00") == *parse_time_ms("2026-12-07T13:00Z"));
  CHECK(*parse_time_ms("2026-12-07") == *parse_time_ms("2026-12-06T23:00Z"));
  CHECK(*parse_end_time_ms("2027-12-31") == *parse_time_ms("2027-12-31T23:00Z"));
  CHECK(*parse_end_time_ms("2027-07-31") == *parse_time_ms("2027-07-31T22:00Z"));
  CHECK(*parse_time_ms("1790000000000") == 1790000000000);
  CHECK(parse_time_ms("2026-03-29T02:30").status().code() == Code::invalid_argument);  // skipped hour
  CHECK(parse_time_ms("2026-10-25T02:30").status().code() == Code::invalid_argument);  // repeated hour
  CHECK(parse_time_ms("2026-10-25T02:30+01:00").ok());
  CHECK(!parse_time_ms("2026-12-07T25:00").ok());
  CHECK(!parse_time_ms("2026-12-07+01:00").ok());
  CHECK(format_time_local(*parse_time_ms("2026-12-07T13:30Z")) == "2026-12-07 14:30:00 +01:00");
  CHECK(format_time_local(*parse_time_ms("2026-07-07T13:30Z")) == "2026-07-07 15:30:00 +02:00");
}

TEST_CASE("documents are checked against their schema before issuing, naming the field") {
  const std::string good =
      R"({"conditions":["muzzle"],"permit":{"keeper":{"name":"A","date_of_birth":"1985-05-05","address":"B"},)"
      R"("dog":{"name":"Rex","chip_number":"276098100123456","breed":"Bullterrier"},)"
      R"("insurance":{"company":"C","policy_number":"P-1"}}})";
  CHECK(check_document("dog_permit", good).ok());
  Status empty = check_document("dog_permit", R"({"conditions":[],"permit":{}})");
  CHECK(empty.code() == Code::invalid_argument);
  CHECK(empty.message().find("permit") != std::string::npos);
  CHECK(empty.message().find("keeper") != std::string::npos);
  std::string misspelled = good;
  misspelled.replace(misspelled.find("chip_number"), 11, "chip_numer");
  Status wrong = check_document("dog_permit", misspelled);
  CHECK(wrong.code() == Code::invalid_argument);
  CHECK(wrong.message().find("chip_numer") != std::string::npos);
  CHECK(check_document("parking_exemption", "{}").ok());  // no schema: canonical form only
  for (const auto& type : document_schema_types()) CHECK(document_schema(type).has_value());
}
