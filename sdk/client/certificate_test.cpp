// unit.client_certificate: certificate files, canonical JSON, commitments,
// QR texts and images, time parsing, and the typed use-case encodings.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "client/certificate.h"

#include <doctest/doctest.h>

#include "client/qr.h"
#include "client/state_layout.h"
#include "client/testing/test_chain.h"
#include "client/use_cases.h"
#include "codec/codec.h"
#include "crypto/hash.h"

using namespace govchain;
using namespace govchain::client;

TEST_CASE("canonical JSON sorts members, drops whitespace and keeps UTF-8") {
  auto canonical =
      canonical_json(" { \"b\" : 1, \"a\" : {\"z\": [true, null, \"x\"], \"y\": -5}, \"c\": \"M\xC3\xBCller\\n\" } ");
  REQUIRE(canonical.ok());
  CHECK(*canonical == "{\"a\":{\"y\":-5,\"z\":[true,null,\"x\"]},\"b\":1,\"c\":\"M\xC3\xBCller\\n\"}");
  CHECK(canonical_json("{\"a\":\"\\u00fc\\u0001\"}").value() == "{\"a\":\"\xC3\xBC\\u0001\"}");
}

TEST_CASE("canonical JSON refuses what has no single form") {
  CHECK(!canonical_json("[1,2]").ok());                     // not an object
  CHECK(!canonical_json("{\"a\":1.5}").ok());               // fraction
  CHECK(!canonical_json("{\"a\":9007199254740993}").ok());  // above 2^53-1
  CHECK(!canonical_json("{\"a\":1,\"a\":2}").ok());         // duplicate name
  CHECK(!canonical_json("{\"a\":\"\xff\"}").ok());          // not UTF-8
  CHECK(!canonical_json("{\"a\":").ok());                   // not JSON
}

TEST_CASE("the commitment is the tagged hash of salt and canonical document") {
  Hash salt;
  for (size_t i = 0; i < 32; ++i) salt.data[i] = static_cast<uint8_t>(i);
  const std::string document = "{\"name\":\"Erika Mustermann\"}";
  Bytes message = salt.bytes();
  message.insert(message.end(), document.begin(), document.end());
  CHECK(compute_commitment(salt, document) == crypto::tagged_hash("govchain/commitment", message));
  CHECK(compute_commitment(salt, document) != compute_commitment(salt, "{\"name\":\"Erika Musterfrau\"}"));
  Hash other_salt = salt;
  other_salt.data[0] ^= 1;
  CHECK(compute_commitment(salt, document) != compute_commitment(other_salt, document));
}

TEST_CASE("a certificate file round-trips and an altered document changes the commitment") {
  auto certificate =
      new_certificate("dog_permit", "dogpermit", "govchain-dev", "dev-city",
                      "{\"keeper\":{\"name\":\"Erika Mustermann\"},\"dog\":{\"chip\":\"276098100123456\"}}");
  REQUIRE(certificate.ok());
  CHECK(!certificate->id.is_zero());
  CHECK(!certificate->salt.is_zero());
  CHECK(certificate->id != certificate->salt);
  std::string text = certificate_to_json(*certificate);
  auto parsed = certificate_from_json(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->id == certificate->id);
  CHECK(parsed->salt == certificate->salt);
  CHECK(parsed->type == "dog_permit");
  CHECK(parsed->contract == "dogpermit");
  CHECK(parsed->chain_id == "govchain-dev");
  CHECK(parsed->issuer_municipality == "dev-city");
  CHECK(parsed->document_json == certificate->document_json);
  CHECK(parsed->commitment() == certificate->commitment());

  std::string altered = text;
  altered.replace(altered.find("Erika"), 5, "Erica");
  auto tampered = certificate_from_json(altered);
  REQUIRE(tampered.ok());
  CHECK(tampered->commitment() != certificate->commitment());

  auto second = new_certificate("dog_permit", "dogpermit", "govchain-dev", "dev-city", "{\"a\":1}");
  REQUIRE(second.ok());
  CHECK(second->id != certificate->id);
  CHECK(second->salt != certificate->salt);
}

TEST_CASE("certificate files with missing or bad fields are refused") {
  CHECK(!certificate_from_json("{}").ok());
  CHECK(!certificate_from_json("not json").ok());
  auto certificate = new_certificate("dog_permit", "dogpermit", "govchain-dev", "dev-city", "{\"a\":1}");
  REQUIRE(certificate.ok());
  std::string text = certificate_to_json(*certificate);
  std::string bad_salt = text;
  bad_salt.replace(bad_salt.find(certificate->salt.hex()), 2, "zz");
  CHECK(certificate_from_json(bad_salt).status().code() == Code::malformed);
}

TEST_CASE("QR text round-trips and refuses malformed texts") {
  auto certificate = new_certificate("street_music_permit", "streetmusic", "govchain-dev", "dev-city", "{\"a\":1}");
  REQUIRE(certificate.ok());
  std::string text = reference_to_text(reference_of(*certificate));
  CHECK(text.rfind("govchain:1:govchain-dev:streetmusic:", 0) == 0);
  auto parsed = reference_from_text(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->id == certificate->id);
  CHECK(parsed->commitment == certificate->commitment());
  CHECK(parsed->chain_id == "govchain-dev");
  CHECK(parsed->contract == "streetmusic");
  CHECK(!reference_from_text("govchain:2:c:x:" + certificate->id.hex() + ":" + certificate->id.hex()).ok());
  CHECK(!reference_from_text("govchain:1:c:x:" + certificate->id.hex()).ok());
  CHECK(!reference_from_text(text + ":extra").ok());
  CHECK(!reference_from_text("govchain:1:c:x:abcd:" + certificate->id.hex()).ok());
}

TEST_CASE("QR images: PNG signature and size, SVG text") {
  auto matrix = qr_encode("govchain:1:govchain-dev:dogpermit:" + std::string(64, 'a') + ":" + std::string(64, 'b'));
  REQUIRE(matrix.ok());
  CHECK(matrix->width >= 21);
  Bytes png = qr_to_png(*matrix);
  REQUIRE(png.size() > 33);
  CHECK(png[0] == 0x89);
  CHECK(png[1] == 'P');
  const uint32_t width_pixels =
      (uint32_t(png[16]) << 24) | (uint32_t(png[17]) << 16) | (uint32_t(png[18]) << 8) | png[19];
  CHECK(width_pixels == static_cast<uint32_t>((matrix->width + 8) * 8));
  std::string svg = qr_to_svg(*matrix);
  CHECK(svg.find("<svg") != std::string::npos);
  CHECK(svg.find("h1v1h-1z") != std::string::npos);
}

TEST_CASE("time arguments: ISO 8601 and milliseconds") {
  CHECK(parse_time_ms("0").value() == 0);
  CHECK(parse_time_ms("1767225600000").value() == 1767225600000);
  // A date alone is the start of that day in Europe/Berlin (UTC+01:00 in winter).
  CHECK(parse_time_ms("2026-01-01").value() == 1767225600000 - 3600000);
  CHECK(parse_time_ms("2026-01-01T01:00").value() == 1767225600000);
  CHECK(parse_time_ms("2026-01-01T00:00:00Z").value() == 1767225600000);
  CHECK(parse_time_ms("2026-01-01T01:00+01:00").value() == 1767225600000);
  CHECK(parse_time_ms("2026-01-01T00:00:01.250Z").value() == 1767225601250);
  CHECK(!parse_time_ms("yesterday").ok());
  CHECK(!parse_time_ms("2026-13-01").ok());
  CHECK(format_time_utc(1767225601250) == "2026-01-01T00:00:01.250Z");
}

TEST_CASE("decoding the contract's verification answer") {
  codec::Writer writer;
  writer.text("revoked");
  writer.text("complaints");
  writer.text("revoked");
  writer.i64(5);
  writer.text("street_music_permit");
  writer.text("dev-city");
  writer.fixed(PublicKey());
  writer.text("dev-city");
  writer.i64(1);
  writer.i64(9);
  auto answer = decode_contract_verdict(writer.data());
  REQUIRE(answer.ok());
  CHECK(answer->verdict == "revoked");
  CHECK(explain_verdict(*answer) == "revoked (reason code complaints)");
  Bytes trailing = writer.data();
  trailing.push_back(0);
  CHECK(!decode_contract_verdict(trailing).ok());
}

namespace {

// A permit issued at 1,000 ms (valid 0..10,000) and revoked at 5,000 ms.
CertificateRecord revoked_permit(const CertificateReference& reference) {
  CertificateRecord record;
  record.id = reference.id;
  record.type = "street_music_permit";
  record.issuer_municipality = record.municipality = "dev-city";
  record.authority = "public_order_office";
  record.issuer_authorized = true;
  record.commitment = reference.commitment;
  record.valid_from_ms = 0;
  record.valid_until_ms = 10'000;
  record.status = "revoked";
  record.history = {{1, 1'000, PublicKey(), "dev-city", "active", "issued"},
                    {2, 5'000, PublicKey(), "dev-city", "revoked", "complaints"}};
  return record;
}

VerificationReport answer(const std::string& verdict, int64_t at_time_ms, std::optional<CertificateRecord> record) {
  VerificationReport report;
  report.answer.verdict = verdict;
  report.answer.at_time_ms = at_time_ms;
  report.record = std::move(record);
  report.valid = verdict == "valid";
  return report;
}

}  // namespace

TEST_CASE("the contract's answer is checked against the record proven by the state proof") {
  CertificateReference reference{"govchain-dev", "streetmusic", crypto::sha256("id"), crypto::sha256("commitment")};
  const CertificateRecord record = revoked_permit(reference);
  const Bytes proven = testing::encode_stored_certificate_record(record);
  auto decoded = decode_stored_certificate_record(proven);
  REQUIRE(decoded.ok());
  CHECK(*decoded == record);
  CHECK(certificate_record_key("streetmusic", reference.id) ==
        to_bytes("c/s/streetmusic/cert/" + std::string(reference.id.view().begin(), reference.id.view().end())));

  SUBCASE("honest answers agree with the proof") {
    CHECK(check_answer_against_proof(answer("revoked", 6'000, record), reference, proven).ok());
    CHECK(check_answer_against_proof(answer("valid", 2'000, record), reference, proven).ok());
    CHECK(check_answer_against_proof(answer("expired", 20'000, record), reference, proven).ok());
    CHECK(check_answer_against_proof(answer("unknown_id", 6'000, std::nullopt), reference, std::nullopt).ok());
    CertificateReference altered = reference;
    altered.commitment = crypto::sha256("altered document");
    CHECK(check_answer_against_proof(answer("commitment_mismatch", 6'000, record), altered, proven).ok());
  }
  SUBCASE("a node that calls a revoked certificate valid is caught") {
    Status checked = check_answer_against_proof(answer("valid", 6'000, record), reference, proven);
    CHECK(checked.code() == Code::invalid);
    CHECK(checked.message().find("revoked") != std::string::npos);
  }
  SUBCASE("a node that hides the record, or invents one, is caught") {
    CHECK(check_answer_against_proof(answer("unknown_id", 6'000, std::nullopt), reference, proven).code() ==
          Code::invalid);
    CHECK(check_answer_against_proof(answer("valid", 2'000, record), reference, std::nullopt).code() == Code::invalid);
  }
  SUBCASE("a certificate query that differs from the proven record is caught") {
    CertificateRecord rewritten = record;
    rewritten.history.pop_back();
    rewritten.status = "active";
    CHECK(check_answer_against_proof(answer("revoked", 6'000, rewritten), reference, proven).code() == Code::invalid);
  }
  SUBCASE("commitment verdicts must match the proven commitment") {
    CHECK(check_answer_against_proof(answer("commitment_mismatch", 2'000, record), reference, proven).code() ==
          Code::invalid);
    CertificateReference altered = reference;
    altered.commitment = crypto::sha256("altered document");
    CHECK(check_answer_against_proof(answer("valid", 2'000, record), altered, proven).code() == Code::invalid);
  }
  SUBCASE("a stored record of another format version is refused") {
    Bytes other = proven;
    other[0] = 2;
    CHECK(!decode_stored_certificate_record(other).ok());
  }
}
