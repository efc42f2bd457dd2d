// bundle_vectors: test vectors for proof bundles, commitments and
// verification links, shared by the C++ client and the JavaScript verifier
// (docs/verification.md, "Test vectors").
//
//   bundle_vectors make OUT.json    writes fresh vectors from a chain in memory
//   bundle_vectors check IN.json    checks vectors (from either side): every
//                                   bundle gives its expected verdict, every
//                                   document its canonical form and commitment,
//                                   every link its reference; exit 1 otherwise
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/bundle_verify.h"
#include "client/state_layout.h"
#include "client/testing/test_chain.h"
#include "client/verify_link.h"
#include "codec/codec.h"

using namespace govchain;
using namespace govchain::client;
using json = nlohmann::json;

namespace {

constexpr int64_t day_ms = 86'400'000;
constexpr int64_t issued_ms = 1'796'083'200'000;  // 2026-12-01 00:00 UTC

struct Scenario {
  std::string name, contract, type, status, zone_asked;
  int64_t valid_until_ms = 0, insurance_until_ms = issued_ms + 400 * day_ms;
  bool change_validators = false, record_absent = false, other_commitment = false;
};

Scenario scenario_of(std::string name, std::string type, std::string status) {
  Scenario scenario;
  scenario.name = std::move(name);
  scenario.contract = type == "dog_permit" ? "dogpermit" : "streetmusic";
  scenario.type = std::move(type);
  scenario.status = std::move(status);
  return scenario;
}

CertificateRecord record_of(const Scenario& scenario, const Hash& id, const Hash& commitment, const PublicKey& office) {
  CertificateRecord record;
  record.id = id;
  record.type = scenario.type;
  record.issuer = office;
  record.issuer_municipality = "soest";
  record.authority = "public_order_office";
  record.issuer_authorized = true;
  record.municipality = "soest";
  record.commitment = commitment;
  record.valid_from_ms = issued_ms;
  record.valid_until_ms = scenario.valid_until_ms;
  record.status = scenario.status;
  record.history.push_back({1, issued_ms, office, "soest", "active", "issued"});
  if (scenario.status != "active")
    record.history.push_back({2, issued_ms + day_ms, office, "soest", scenario.status, "insurance_lapsed"});
  return record;
}

Bytes facts_of(const Scenario& scenario) {
  codec::Writer writer;
  if (scenario.type == "street_music_permit") {
    writer.text("markt");
    writer.count(1);
    writer.text("no_amplifier");
    return writer.take();
  }
  writer.count(2);
  writer.text("muzzle");
  writer.text("lead");
  writer.count(1);
  writer.i64(issued_ms);
  writer.i64(scenario.insurance_until_ms);
  return writer.take();
}

json anchor_json(const TrustAnchor& anchor) { return json::parse(trust_anchor_to_json(anchor)); }

json reference_json(const CertificateReference& reference) {
  return {{"chain_id", reference.chain_id},
          {"contract", reference.contract},
          {"id", reference.id.hex()},
          {"commitment", reference.commitment.hex()}};
}

// One chain per scenario, so that each vector stands alone.
json make_scenario(const Scenario& scenario, json& anchors) {
  testing::TestChain chain("govchain-vectors", 5);
  if (scenario.change_validators) {
    std::vector<crypto::KeyPair> next = chain.validators();
    next.erase(next.begin());
    next.push_back(crypto::generate_key_pair());
    next.push_back(crypto::generate_key_pair());
    if (!chain.change_validators(next, issued_ms - 2 * day_ms).ok()) std::abort();
  }
  const Hash id = crypto::random_32();
  const Hash commitment = crypto::random_32();
  const auto keys = certificate_bundle_keys(scenario.contract, scenario.type, id);
  std::vector<state::StateChange> changes;
  if (!scenario.record_absent) {
    changes.push_back({keys[0], testing::encode_stored_certificate_record(
                                    record_of(scenario, id, commitment, crypto::generate_key_pair().public_key))});
    changes.push_back({keys[1], facts_of(scenario)});
  }
  changes.push_back({to_bytes("x/filler"), to_bytes("filler")});
  if (!chain.add_block(changes, issued_ms).ok() || !chain.add_block({}, issued_ms + 2 * day_ms).ok()) std::abort();
  auto bundle = chain.encoded_bundle(keys);
  if (!bundle.ok()) std::abort();
  const CertificateReference reference{"govchain-vectors", scenario.contract, id,
                                       scenario.other_commitment ? crypto::random_32() : commitment};
  anchors.push_back(anchor_json(chain.genesis_anchor()));
  return {{"name", scenario.name},
          {"anchor_index", anchors.size() - 1},
          {"bundle", base32_encode(*bundle)},
          {"reference", reference_json(reference)},
          {"type", scenario.type},
          {"at_time_ms", issued_ms + 3 * day_ms},
          {"zone", scenario.zone_asked},
          {"pinned", json::array()}};
}

json expect(const BundleVerification& result) {
  return {{"verdict", result.answer.verdict},
          {"reason", result.answer.verdict == "bundle_invalid" ? "" : result.answer.reason},
          {"height", result.proof_verified ? result.proof.height : 0},
          {"block_time_ms", result.proof_verified ? result.proof.block_time_ms : 0}};
}

Result<TrustAnchor> anchor_at(const json& vectors, const json& vector) {
  return trust_anchor_from_json(vectors["anchors"].at(vector["anchor_index"].get<size_t>()).dump());
}

Result<BundleVerification> run(const json& vectors, const json& vector) {
  GOVCHAIN_ASSIGN_OR_RETURN(TrustAnchor anchor, anchor_at(vectors, vector));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bundle, base32_decode(vector["bundle"].get<std::string>()));
  const json& reference = vector["reference"];
  GOVCHAIN_ASSIGN_OR_RETURN(Hash id, Hash::from_hex_string(reference["id"].get<std::string>()));
  GOVCHAIN_ASSIGN_OR_RETURN(Hash commitment, Hash::from_hex_string(reference["commitment"].get<std::string>()));
  BundleVerifyOptions options;
  options.now_ms = vector["at_time_ms"].get<int64_t>();
  options.zone = vector["zone"].get<std::string>();
  for (const json& pinned : vector["pinned"]) {
    GOVCHAIN_ASSIGN_OR_RETURN(TrustAnchor pinned_anchor, trust_anchor_from_json(pinned.dump()));
    options.pinned_anchors.push_back(pinned_anchor);
  }
  return verify_certificate_bundle({reference["chain_id"], reference["contract"], id, commitment},
                                   vector["type"].get<std::string>(), bundle, anchor, options, true);
}

// Tampered variants of the first (valid) vector: each must be refused.
void add_tampered(json& vectors) {
  const json valid = vectors["bundles"][0];
  Bytes bundle = *base32_decode(valid["bundle"].get<std::string>());
  auto variant = [&](const std::string& name, Bytes bytes) {
    json tampered = valid;
    tampered["name"] = name;
    tampered["bundle"] = base32_encode(bytes);
    vectors["bundles"].push_back(tampered);
  };
  Bytes signature = bundle;
  signature[signature.size() / 2] ^= 0x40;
  variant("tampered: one byte in the middle flipped", signature);
  Bytes last = bundle;
  last.back() ^= 0x01;
  variant("tampered: last byte of the state proof flipped", last);
  Bytes longer = bundle;
  longer.push_back(0);
  variant("tampered: a trailing byte", longer);
  auto anchor = anchor_at(vectors, valid);
  auto decoded = decode_bundle(bundle, *anchor);
  decoded->entries[0].value->back() ^= 0x01;
  variant("tampered: the record value changed, proof unchanged", *encode_bundle(*decoded, anchor->validators));
  json untrusted = valid;
  untrusted["name"] = "untrusted anchor: the verifier pins another one";
  untrusted["pinned"] = json::array({vectors["anchors"][1]});
  vectors["bundles"].push_back(untrusted);
}

json documents() {
  const char* texts[] = {
      R"({"b": 1, "a": {"z": [true, null], "y": -5}})",
      R"({"name": "Jürgen Müßig", "ort": "Köln", "emoji": "\ud83d\udc15", "slash": "a/b", "ctl": "\u0001\u001f\t"})",
      R"({"€": 1, "a": 2, "Z": 3, "é": 4, "~": 5})",
      R"({"big": 9007199254740991, "small": -9007199254740991, "zero": -0})",
      R"({"dup": 1, "dup": 2})",
      R"({"fraction": 1.5})",
      R"({"huge": 9007199254740992})",
      R"([1, 2])",
      R"({"lone": "\ud800"})",
  };
  json list = json::array();
  const Hash salt = crypto::random_32();
  for (const char* text : texts) {
    auto canonical = canonical_json(text);
    json entry = {{"document_text", text}, {"salt", salt.hex()}};
    if (canonical.ok()) {
      entry["canonical"] = *canonical;
      entry["commitment"] = compute_commitment(salt, *canonical).hex();
    } else {
      entry["error"] = true;
    }
    list.push_back(entry);
  }
  return list;
}

int make(const std::string& path) {
  json vectors = {{"format", "govchain-verification-vectors"},
                  {"version", 1},
                  {"producer", "c++"},
                  {"anchors", json::array()},
                  {"bundles", json::array()}};
  std::vector<Scenario> scenarios = {scenario_of("dog permit: valid", "dog_permit", "active"),
                                     scenario_of("dog permit: suspended", "dog_permit", "suspended"),
                                     scenario_of("dog permit: revoked", "dog_permit", "revoked"),
                                     scenario_of("dog permit: expired", "dog_permit", "active"),
                                     scenario_of("dog permit: insurance ended", "dog_permit", "active"),
                                     scenario_of("dog permit: altered document", "dog_permit", "active"),
                                     scenario_of("unknown id: record proven absent", "dog_permit", "active"),
                                     scenario_of("street music: another zone", "street_music_permit", "active"),
                                     scenario_of("street music: its zone", "street_music_permit", "active"),
                                     scenario_of("after a validator set change", "dog_permit", "active")};
  scenarios[3].valid_until_ms = issued_ms + day_ms;
  scenarios[4].insurance_until_ms = issued_ms + day_ms;
  scenarios[5].other_commitment = true;
  scenarios[6].record_absent = true;
  scenarios[7].zone_asked = "bahnhof";
  scenarios[8].zone_asked = "markt";
  scenarios[9].change_validators = true;
  for (const auto& scenario : scenarios) vectors["bundles"].push_back(make_scenario(scenario, vectors["anchors"]));
  add_tampered(vectors);
  for (json& vector : vectors["bundles"]) {
    auto result = run(vectors, vector);
    if (!result.ok()) {
      std::cerr << vector["name"] << ": " << result.status().to_string() << "\n";
      return 1;
    }
    vector["expect"] = expect(*result);
  }
  vectors["documents"] = documents();
  const json& first = vectors["bundles"][0];
  VerifyPayload payload{{first["reference"]["chain_id"], first["reference"]["contract"],
                         *Hash::from_hex_string(first["reference"]["id"].get<std::string>()),
                         *Hash::from_hex_string(first["reference"]["commitment"].get<std::string>())},
                        "dog_permit",
                        *base32_decode(first["bundle"].get<std::string>())};
  vectors["links"] = json::array({{{"text", verify_link("https://portal.example", payload)},
                                   {"reference", first["reference"]},
                                   {"type", "dog_permit"},
                                   {"has_bundle", true}}});
  std::ofstream(path) << vectors.dump(1) << "\n";
  std::cout << "wrote " << vectors["bundles"].size() << " bundle vectors to " << path << "\n";
  return 0;
}

int check_bundles(const json& vectors) {
  int failures = 0;
  for (const json& vector : vectors["bundles"]) {
    auto result = run(vectors, vector);
    const json got = result.ok() ? expect(*result) : json{{"error", result.status().to_string()}};
    json want = vector["expect"];
    if (got != want) {
      std::cerr << "FAIL " << vector["name"] << ": expected " << want.dump() << ", got " << got.dump() << "\n";
      ++failures;
    }
  }
  return failures;
}

int check_documents(const json& vectors) {
  int failures = 0;
  for (const json& entry : vectors["documents"]) {
    auto canonical = canonical_json(entry["document_text"].get<std::string>());
    const bool want_error = entry.contains("error");
    bool agree = canonical.ok() != want_error;
    if (agree && canonical.ok()) {
      const Hash salt = *Hash::from_hex_string(entry["salt"].get<std::string>());
      agree = *canonical == entry["canonical"].get<std::string>() &&
              compute_commitment(salt, *canonical).hex() == entry["commitment"].get<std::string>();
    }
    if (!agree) {
      std::cerr << "FAIL document " << entry["document_text"] << "\n";
      ++failures;
    }
  }
  return failures;
}

int check_links(const json& vectors) {
  int failures = 0;
  for (const json& entry : vectors["links"]) {
    auto payload = verify_payload_from_text(entry["text"].get<std::string>());
    if (!payload.ok() || reference_json(payload->reference) != entry["reference"] ||
        payload->type != entry["type"].get<std::string>() ||
        payload->bundle.empty() == entry["has_bundle"].get<bool>()) {
      std::cerr << "FAIL link " << entry["text"].get<std::string>().substr(0, 60) << "\n";
      ++failures;
    }
  }
  return failures;
}

int check(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  json vectors = json::parse(text.str(), nullptr, false);
  if (vectors.is_discarded() || !vectors.is_object() || vectors["format"] != "govchain-verification-vectors") {
    std::cerr << path << ": not a vectors file\n";
    return 1;
  }
  const int failures = check_bundles(vectors) + check_documents(vectors) + check_links(vectors);
  const size_t total = vectors["bundles"].size() + vectors["documents"].size() + vectors["links"].size();
  std::cout << (total - failures) << " passed, " << failures << " failed (" << vectors["producer"].get<std::string>()
            << " vectors in " << path << ")\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3 && std::string(argv[1]) == "make") return make(argv[2]);
    if (argc == 3 && std::string(argv[1]) == "check") return check(argv[2]);
  } catch (const std::exception& failure) {
    // A vectors file without the expected fields: a test failure, not a crash.
    std::cerr << "bundle_vectors: " << failure.what() << "\n";
    return 1;
  }
  std::cerr << "usage: bundle_vectors make OUT.json | check IN.json\n";
  return 2;
}
