// unit.client_use_cases: the use-case actions are encoded through the
// contracts' ABIs (the ones the built modules carry), codes are checked
// before anything is sent, times in *_ms arguments are read as ISO 8601,
// events decode with the ABI, and a handwritten ABI that disagrees with its
// module is refused naming the method.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "client/use_cases.h"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include "client/contracts.h"
#include "codec/codec.h"
#include "crypto/hash.h"

using namespace govchain;
using namespace govchain::client;
using json = nlohmann::json;

namespace {

Bytes read_module(const std::string& name) {
  std::ifstream file(std::string(GOVCHAIN_CONTRACTS_DIR) + "/" + name + ".wasm", std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "missing " << name << ".wasm");
  return Bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

abi::Abi contract_abi(const std::string& name) {
  auto parsed = abi::module_abi(read_module(name));
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  return *parsed;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("use-case actions encode the ABI argument order") {
  DogPermitRequest request;
  request.municipality = "aachen";
  request.insurance_valid_until_ms = 1798761600000;
  request.conditions = {"muzzle", "lead"};
  request.permit_json = "{\"keeper\":\"x\"}";
  auto certificate = prepare_dog_permit("govchain-dev", request);
  REQUIRE(certificate.ok());
  for (size_t i = 0; i < 32; ++i) certificate->id.data[i] = static_cast<uint8_t>(i);
  auto action = dog_permit_issue_action(contract_abi("dogpermit"), *certificate, request);
  REQUIRE_MESSAGE(action.ok(), action.status().to_string());
  const auto& call = std::get<chain::ContractCall>(*action);
  CHECK(call.contract == "dogpermit");
  CHECK(call.method == "issue");
  // docs/contracts.md 5.4 with this certificate's commitment in place of aa..aa.
  std::string expected =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
      "0000000661616368656e" +
      certificate->commitment().hex() +
      "00000000000000000000000000000000000001a2ce8bd400"
      "00000002000000066d757a7a6c65000000046c656164";
  CHECK(to_hex(call.arguments) == expected);

  auto revoke = reason_action(contract_abi("streetmusic"), "streetmusic", "revoke", certificate->id, "complaints");
  REQUIRE(revoke.ok());
  codec::Reader reader(std::get<chain::ContractCall>(*revoke).arguments);
  CHECK(reader.fixed<32>().value() == certificate->id);
  CHECK(reader.text(64).value() == "complaints");
  CHECK(reader.finish().ok());
}

TEST_CASE("free text where a code belongs is refused before anything is sent") {
  abi::Abi dogpermit = contract_abi("dogpermit");
  auto revoke = reason_action(dogpermit, "dogpermit", "revoke", Hash(), "Erika Mustermann, 12.08.1964, Hauptstr. 1");
  REQUIRE(!revoke.ok());
  CHECK(revoke.status().code() == Code::invalid_argument);
  CHECK(contains(revoke.status().message(), "argument 'reason' (code): expected a code: 1..32 of [a-z0-9_]"));

  StreetMusicPermitRequest request;
  request.municipality = "aachen";
  request.zone = "AC-ALTSTADT-03";
  request.valid_from_ms = 1767225600000;
  request.valid_until_ms = 1767232800000;
  request.conditions = {"no_amplifier"};
  request.musician_json = "{\"name\":\"x\"}";
  auto certificate = prepare_street_music_permit("govchain-dev", request);
  REQUIRE(certificate.ok());
  abi::Abi streetmusic = contract_abi("streetmusic");
  CHECK(street_music_issue_action(streetmusic, *certificate, request).ok());
  request.zone = "Altstadt, vor dem Haus von Frau M.";
  auto free_zone = street_music_issue_action(streetmusic, *certificate, request);
  REQUIRE(!free_zone.ok());
  CHECK(contains(free_zone.status().message(), "argument 'zone' (zone)"));
  request.zone = "markt";
  request.conditions = {"No Amplifier"};
  auto free_condition = street_music_issue_action(streetmusic, *certificate, request);
  REQUIRE(!free_condition.ok());
  CHECK(contains(free_condition.status().message(), "argument 'conditions[0]' (code)"));
}

TEST_CASE("key rotation keeps document and salt, and signs the contract's message") {
  IdentityAttestationRequest request;
  request.municipality = "dev-city";
  request.level = "substantial";
  request.attributes_json = "{\"family_name\":\"Mustermann\"}";
  auto certificate = prepare_identity_attestation("govchain-dev", request);
  REQUIRE(certificate.ok());
  CertificateFile rotated = prepare_key_rotation(*certificate);
  CHECK(rotated.id != certificate->id);
  CHECK(rotated.commitment() == certificate->commitment());
  crypto::KeyPair new_key = crypto::generate_key_pair();
  auto action = identity_rotate_action(contract_abi("identity"), certificate->id, rotated.id, new_key);
  REQUIRE(action.ok());
  codec::Reader reader(std::get<chain::ContractCall>(*action).arguments);
  CHECK(reader.fixed<32>().value() == certificate->id);
  CHECK(reader.fixed<32>().value() == rotated.id);
  CHECK(reader.fixed<32>().value() == new_key.public_key);
  Signature signature = reader.fixed<64>().value();
  CHECK(crypto::verify(new_key.public_key,
                       identity_rotation_message(certificate->id, rotated.id, new_key.public_key).view(), signature));
}

TEST_CASE("times given as text in *_ms arguments become milliseconds") {
  abi::Abi parking = contract_abi("parking");
  const abi::Method& amend = *parking.find_method("amend");
  auto timed = with_times_as_ms(parking, amend,
                                {{"id", std::string(64, '0')},
                                 {"valid_from_ms", "2026-01-01T00:00:00Z"},
                                 {"valid_until_ms", 1775001600000},
                                 {"reason", "extended"}});
  REQUIRE_MESSAGE(timed.ok(), timed.status().to_string());
  CHECK(timed->at("valid_from_ms") == 1767225600000);
  CHECK(timed->at("valid_until_ms") == 1775001600000);
  CHECK(timed->at("reason") == "extended");
  auto unchanged = with_times_as_ms(parking, amend, {{"valid_from_ms", "1767225600000"}});
  REQUIRE(unchanged.ok());
  CHECK(unchanged->at("valid_from_ms") == "1767225600000");
  auto bad = with_times_as_ms(parking, amend, {{"valid_until_ms", "next tuesday"}});
  REQUIRE(!bad.ok());
  CHECK(contains(bad.status().message(), "argument 'valid_until_ms' of 'amend'"));
}

TEST_CASE("times given as text become milliseconds inside structs and lists too") {
  auto plan = abi::parse_abi(R"({"abi_version": 1,
    "types": {"window": [{"name": "from_ms", "type": "i64"}, {"name": "until_ms", "type": "u64"},
                         {"name": "label_ms", "type": "string"}, {"name": "count", "type": "u64"}],
              "season": [{"name": "windows", "type": "list<window>"}, {"name": "opened_ms", "type": "i64"}]},
    "methods": [{"name": "plan", "arguments": [{"name": "season", "type": "season"},
                                               {"name": "checkpoints_ms", "type": "list<i64>"},
                                               {"name": "day", "type": "date"}]}]})");
  REQUIRE_MESSAGE(plan.ok(), plan.status().to_string());
  const abi::Method& method = *plan->find_method("plan");
  json arguments = {
      {"season",
       {{"windows",
         {{{"from_ms", "2026-01-01T00:00:00Z"}, {"until_ms", "2026-07-01"}, {"label_ms", "2026-01-01"}, {"count", "7"}},
          {{"from_ms", 5}, {"until_ms", "1767225600000"}, {"label_ms", "x"}, {"count", 1}}}},
        {"opened_ms", "2026-03-01T12:00"}}},
      {"checkpoints_ms", {"2026-01-01T00:00:00Z", 10, "2026-01-01T01:00:00+01:00"}},
      {"day", "2026-01-01"}};
  auto timed = with_times_as_ms(*plan, method, arguments);
  REQUIRE_MESSAGE(timed.ok(), timed.status().to_string());
  const json& first = timed->at("season").at("windows").at(0);
  CHECK(first.at("from_ms") == 1767225600000);
  // A date alone is the start of that day in Berlin (UTC+2 in July).
  CHECK(first.at("until_ms") == 1782856800000);
  CHECK(first.at("label_ms") == "2026-01-01");  // a string field keeps its text
  CHECK(first.at("count") == "7");              // not named *_ms
  const json& second = timed->at("season").at("windows").at(1);
  CHECK(second.at("from_ms") == 5);
  CHECK(second.at("until_ms") == "1767225600000");  // decimal strings stay
  // Europe/Berlin without an offset: 12:00 in March is 11:00 UTC.
  CHECK(timed->at("season").at("opened_ms") == 1772362800000);
  CHECK(timed->at("checkpoints_ms") == json::array({1767225600000, 10, 1767225600000}));
  CHECK(timed->at("day") == "2026-01-01");
  auto encoded = abi::encode_arguments(*plan, method, *timed);
  CHECK_MESSAGE(encoded.ok(), encoded.status().to_string());

  // The same in ABI order (an array of arguments).
  auto ordered = with_times_as_ms(*plan, method, json::array({arguments["season"], json::array(), "2026-01-01"}));
  REQUIRE(ordered.ok());
  CHECK(ordered->at(0).at("opened_ms") == 1772362800000);

  arguments["season"]["windows"][1]["from_ms"] = "next tuesday";
  auto bad = with_times_as_ms(*plan, method, arguments);
  REQUIRE(!bad.ok());
  CHECK(contains(bad.status().message(), "argument 'season.windows[1].from_ms' of 'plan'"));
  arguments["season"]["windows"][1]["from_ms"] = 5;
  arguments["checkpoints_ms"][1] = "soon";
  auto bad_element = with_times_as_ms(*plan, method, arguments);
  REQUIRE(!bad_element.ok());
  CHECK(contains(bad_element.status().message(), "argument 'checkpoints_ms[1]' of 'plan'"));
}

namespace {

// The data of a certificate.revoked event of parking: id, type,
// municipality, status, reason.
Bytes revoked_event_data() {
  codec::Writer data;
  data.fixed(crypto::sha256(std::string("id")));
  data.text("parking_exemption");
  data.text("dev-city");
  data.text("revoked");
  data.text("misuse");
  return data.take();
}

}  // namespace

TEST_CASE("events of the standard certificate transitions decode with the ABI") {
  abi::Abi parking = contract_abi("parking");
  chain::Event event{"parking", "certificate.revoked", revoked_event_data()};
  json described = describe_event(&parking, event);
  REQUIRE(described.contains("data"));
  CHECK(described["data"]["reason"] == "misuse");
  CHECK(described["data"]["type"] == "parking_exemption");
  chain::Event unknown{"parking", "something.else", Bytes{1, 2}};
  CHECK(describe_event(&parking, unknown)["data_hex"] == "0102");
  CHECK(describe_event(nullptr, event).contains("data_hex"));
}

TEST_CASE("ContractAbis adds decoded data beside data_hex, asking the node once per contract") {
  // Port 1 on the loopback refuses at once: every fetch from the node fails.
  ClientOptions options;
  options.node_url = "http://127.0.0.1:1";
  options.request_timeout_ms = 2000;
  auto node = Client::connect(options);
  REQUIRE(node.ok());
  ContractAbis abis(*node);
  abis.add("dev-city.parking", contract_abi("parking"));
  const std::string data_hex = to_hex(revoked_event_data());
  json event = {{"contract", "dev-city.parking"}, {"topic", "certificate.revoked"}, {"data_hex", data_hex}};
  json decoded = abis.with_decoded_data(event);
  CHECK(decoded["data"]["reason"] == "misuse");
  CHECK(decoded["data_hex"] == data_hex);
  // Undeclared topic, data that does not decode, a contract the node does not
  // answer for, an event of the system, a malformed entry: unchanged.
  json undeclared = {{"contract", "dev-city.parking"}, {"topic", "other"}, {"data_hex", data_hex}};
  CHECK(abis.with_decoded_data(undeclared) == undeclared);
  json short_data = {{"contract", "dev-city.parking"}, {"topic", "certificate.revoked"}, {"data_hex", "00"}};
  CHECK(abis.with_decoded_data(short_data) == short_data);
  json unknown = {{"contract", "elsewhere"}, {"topic", "certificate.revoked"}, {"data_hex", data_hex}};
  CHECK(abis.with_decoded_data(unknown) == unknown);
  CHECK(abis.find("elsewhere") == nullptr);  // asked once, remembered as none
  json system = {{"contract", ""}, {"topic", "validator_proposed"}, {"data_hex", "00"}};
  CHECK(abis.with_decoded_data(system) == system);
  CHECK(abis.with_decoded_data(json{{"contract", 5}}) == json{{"contract", 5}});
  json receipt = {{"status", "ok"}, {"events", json::array({event, system})}};
  json receipt_decoded = abis.with_decoded_events(receipt);
  CHECK(receipt_decoded["events"][0]["data"]["status"] == "revoked");
  CHECK_FALSE(receipt_decoded["events"][1].contains("data"));
}

TEST_CASE("the ABI comes from the module; a handwritten one must agree, or the method is named") {
  for (const char* name : {"identity", "landlord", "dogpermit", "streetmusic", "archive", "parking"}) {
    CAPTURE(name);
    abi::Abi from_module = contract_abi(name);
    CHECK(from_module.contract == name);
    CHECK(from_module.find_method("certificate") != nullptr);
    CHECK(from_module.find_method("verify") != nullptr);
    CHECK(from_module.find_event("certificate.active") != nullptr);
    CHECK(abi::check_matches_module(from_module, from_module).ok());
  }
  auto document = abi::module_abi_document(read_module("parking"));
  REQUIRE(document.ok());
  json swapped = *document;
  for (auto& method : swapped["methods"])
    if (method["name"] == "revoke") std::swap(method["arguments"][0], method["arguments"][1]);
  auto mismatch = abi::check_matches_module(*abi::parse_abi_document(swapped), contract_abi("parking"));
  REQUIRE(!mismatch.ok());
  CHECK(mismatch.code() == Code::invalid);
  CHECK(contains(mismatch.message(),
                 "method 'revoke': the ABI lists the arguments (reason: code, id: hash), the "
                 "module decodes (id: hash, reason: code)"));
  json extra = *document;
  extra["methods"].push_back({{"name", "renew"}, {"kind", "call"}, {"arguments", json::array()}});
  CHECK(contains(abi::check_matches_module(*abi::parse_abi_document(extra), contract_abi("parking")).message(),
                 "method 'renew' is in the ABI but the module does not export it"));
  json typed_string = *document;
  for (auto& method : typed_string["methods"])
    if (method["name"] == "revoke") method["arguments"][1]["type"] = "string";
  CHECK(contains(abi::check_matches_module(*abi::parse_abi_document(typed_string), contract_abi("parking")).message(),
                 "method 'revoke'"));
  auto no_section = abi::module_abi(Bytes{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
  REQUIRE(!no_section.ok());
  CHECK(no_section.status().code() == Code::not_found);
}
