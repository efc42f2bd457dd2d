// unit.client_abi: the ABI JSON mapping of docs/contracts.md section 5 —
// round trips of every type, the section 5.4 test vectors, and the errors
// for bad ABIs, bad arguments and bad return bytes.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "client/abi.h"

using namespace govchain;
using namespace govchain::client;
using json = nlohmann::json;

namespace {

const char* const test_abi_text = R"({
  "abi_version": 1, "contract": "sample", "version": "1.0.0", "description": "every type",
  "types": {
    "period": [{"name": "start_ms", "type": "i64"}, {"name": "labels", "type": "list<string>"}],
    "record": [{"name": "owner", "type": "pubkey"}, {"name": "periods", "type": "list<period>"}]
  },
  "methods": [
    {"name": "every", "kind": "call",
     "arguments": [{"name": "a", "type": "u32"}, {"name": "b", "type": "u64"}, {"name": "c", "type": "i64"},
                   {"name": "d", "type": "bool"}, {"name": "e", "type": "string"}, {"name": "f", "type": "bytes"},
                   {"name": "g", "type": "hash"}, {"name": "h", "type": "pubkey"},
                   {"name": "i", "type": "signature"}, {"name": "j", "type": "list<u64>"},
                   {"name": "k", "type": "record"}],
     "returns": [{"name": "a", "type": "u32"}, {"name": "b", "type": "u64"}, {"name": "c", "type": "i64"},
                 {"name": "d", "type": "bool"}, {"name": "e", "type": "string"}, {"name": "f", "type": "bytes"},
                 {"name": "g", "type": "hash"}, {"name": "h", "type": "pubkey"},
                 {"name": "i", "type": "signature"}, {"name": "j", "type": "list<u64>"},
                 {"name": "k", "type": "record"}]},
    {"name": "nothing", "kind": "query", "arguments": [], "returns": []}
  ]})";

abi::Abi test_abi() {
  auto parsed = abi::parse_abi(std::string_view(test_abi_text));
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  return *parsed;
}

// A method whose single argument and single return have type `type`.
abi::Abi single_type_abi(const std::string& type) {
  json document = json::parse(test_abi_text);
  document["methods"] = json::array({{{"name", "one"},
                                      {"kind", "call"},
                                      {"arguments", {{{"name", "value"}, {"type", type}}}},
                                      {"returns", {{{"name", "value"}, {"type", type}}}}}});
  auto parsed = abi::parse_abi_document(document);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  return *parsed;
}

// Encodes {"value": input}, checks the bytes (hex) and decodes them back to `output`.
void check_round_trip(const std::string& type, const json& input, const std::string& hex, const json& output) {
  CAPTURE(type);
  CAPTURE(input.dump());
  abi::Abi abi = single_type_abi(type);
  const abi::Method& method = abi.methods.front();
  auto encoded = abi::encode_arguments(abi, method, json{{"value", input}});
  REQUIRE_MESSAGE(encoded.ok(), encoded.status().to_string());
  CHECK(to_hex(*encoded) == hex);
  auto decoded = abi::decode_returns(abi, method, *encoded);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().to_string());
  CHECK(decoded->at("value") == output);
}

std::string encode_error(const std::string& type, const json& input) {
  abi::Abi abi = single_type_abi(type);
  auto encoded = abi::encode_arguments(abi, abi.methods.front(), json{{"value", input}});
  REQUIRE(!encoded.ok());
  CHECK(encoded.status().code() == Code::invalid_argument);
  return encoded.status().message();
}

std::string decode_error(const std::string& type, const std::string& hex) {
  abi::Abi abi = single_type_abi(type);
  auto decoded = abi::decode_returns(abi, abi.methods.front(), *from_hex(hex));
  REQUIRE(!decoded.ok());
  CHECK(decoded.status().code() == Code::malformed);
  return decoded.status().message();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The ABI file the build wrote from the contract's module.
std::string read_contract_abi(const std::string& name) {
  std::ifstream file(std::string(GOVCHAIN_CONTRACTS_DIR) + "/" + name + ".abi.json");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const std::string id_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const std::string commitment_hex = std::string(64, 'a');

}  // namespace

TEST_CASE("integers round trip, with large values as decimal strings") {
  check_round_trip("u32", 0, "00000000", 0);
  check_round_trip("u32", 4294967295u, "ffffffff", 4294967295u);
  check_round_trip("u32", "17", "00000011", 17);
  check_round_trip("u64", 1767225600000, "0000019b76daa800", 1767225600000);
  check_round_trip("u64", 9007199254740991u, "001fffffffffffff", 9007199254740991u);
  check_round_trip("u64", 9007199254740992u, "0020000000000000", "9007199254740992");
  check_round_trip("u64", "18446744073709551615", "ffffffffffffffff", "18446744073709551615");
  check_round_trip("i64", -1, "ffffffffffffffff", -1);
  check_round_trip("i64", "-9223372036854775808", "8000000000000000", "-9223372036854775808");
  check_round_trip("i64", "9223372036854775807", "7fffffffffffffff", "9223372036854775807");
  check_round_trip("i64", -9007199254740991, "ffe0000000000001", -9007199254740991);
}

TEST_CASE("bool, string, bytes and fixed-size byte types round trip") {
  check_round_trip("bool", true, "01", true);
  check_round_trip("bool", false, "00", false);
  check_round_trip("string", "", "00000000", "");
  check_round_trip("string", "altstadt", "00000008616c747374616474", "altstadt");
  check_round_trip("string", "Straße", "0000000753747261c39f65", "Straße");
  check_round_trip("bytes", "", "00000000", "");
  check_round_trip("bytes", "00FFab", "0000000300ffab", "00ffab");
  check_round_trip("hash", id_hex, id_hex, id_hex);
  check_round_trip("pubkey", commitment_hex, commitment_hex, commitment_hex);
  const std::string signature_hex = id_hex + id_hex;
  check_round_trip("signature", signature_hex, signature_hex, signature_hex);
}

TEST_CASE("lists and structs round trip") {
  check_round_trip("list<u64>", json::array(), "00000000", json::array());
  check_round_trip("list<string>", json::array({"muzzle", "lead"}), "00000002000000066d757a7a6c65000000046c656164",
                   json::array({"muzzle", "lead"}));
  check_round_trip("list<list<bool>>", json::array({json::array({true}), json::array()}),
                   "00000002000000010100000000", json::array({json::array({true}), json::array()}));
  json period = {{"start_ms", 5}, {"labels", json::array({"x"})}};
  check_round_trip("period", period, "00000000000000050000000100000001" "78", period);
  json record = {{"owner", id_hex}, {"periods", json::array({period, period})}};
  auto expected_hex = id_hex + "00000002" + std::string("000000000000000500000001000000017") + "8" +
                      "000000000000000500000001000000017" + "8";
  check_round_trip("record", record, expected_hex, record);
}

TEST_CASE("a method with every type round trips as one object, and as an array") {
  abi::Abi abi = test_abi();
  const abi::Method& method = *abi.find_method("every");
  json arguments = {{"a", 7},
                    {"b", "12345678901234567890"},
                    {"c", -42},
                    {"d", true},
                    {"e", "zone"},
                    {"f", "beef"},
                    {"g", id_hex},
                    {"h", commitment_hex},
                    {"i", id_hex + commitment_hex},
                    {"j", json::array({1, 2, 3})},
                    {"k", {{"owner", id_hex}, {"periods", json::array()}}}};
  auto encoded = abi::encode_arguments(abi, method, arguments);
  REQUIRE_MESSAGE(encoded.ok(), encoded.status().to_string());
  auto decoded = abi::decode_returns(abi, method, *encoded);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().to_string());
  CHECK(*decoded == arguments);
  json as_array = json::array();
  for (const auto& field : method.arguments) as_array.push_back(arguments[field.name]);
  auto encoded_from_array = abi::encode_arguments(abi, method, as_array);
  REQUIRE(encoded_from_array.ok());
  CHECK(*encoded_from_array == *encoded);
  const abi::Method& nothing = *abi.find_method("nothing");
  CHECK(abi::encode_arguments(abi, nothing, json::object())->empty());
  CHECK(abi::encode_arguments(abi, nothing, json())->empty());
  CHECK(abi::decode_returns(abi, nothing, {})->empty());
  CHECK(nothing.kind == abi::MethodKind::query);
}

TEST_CASE("the test vectors of docs/contracts.md 5.4 with the contracts' ABIs") {
  auto parking = abi::parse_abi(read_contract_abi("parking"));
  REQUIRE_MESSAGE(parking.ok(), parking.status().to_string());
  json issue = {{"id", id_hex},         {"municipality", "gelsenkirchen"}, {"commitment", commitment_hex},
                {"zone", "altstadt"}, {"valid_from_ms", 1767225600000},  {"valid_until_ms", 1775001600000}};
  auto encoded = abi::encode_arguments(*parking, *parking->find_method("issue"), issue);
  REQUIRE(encoded.ok());
  CHECK(encoded->size() == 109);
  CHECK(to_hex(*encoded) == id_hex + "0000000d67656c73656e6b69726368656e" + commitment_hex +
                                "00000008616c747374616474" + "0000019b76daa800" + "0000019d46570000");
  auto dogpermit = abi::parse_abi(read_contract_abi("dogpermit"));
  REQUIRE_MESSAGE(dogpermit.ok(), dogpermit.status().to_string());
  json dog = {{"id", id_hex},      {"municipality", "aachen"},           {"commitment", commitment_hex},
              {"valid_from_ms", 0}, {"valid_until_ms", 0},               {"insurance_valid_until_ms", 1798761600000},
              {"conditions", json::array({"muzzle", "lead"})}};
  auto dog_encoded = abi::encode_arguments(*dogpermit, *dogpermit->find_method("issue"), dog);
  REQUIRE_MESSAGE(dog_encoded.ok(), dog_encoded.status().to_string());
  CHECK(to_hex(*dog_encoded) == id_hex + "0000000661616368656e" + commitment_hex + "0000000000000000" +
                                    "0000000000000000" + "000001a2ce8bd400" +
                                    "00000002000000066d757a7a6c65000000046c656164");
  for (const char* name : {"identity", "landlord", "streetmusic", "archive"}) {
    CAPTURE(name);
    auto parsed = abi::parse_abi(read_contract_abi(name));
    CHECK_MESSAGE(parsed.ok(), parsed.status().to_string());
  }
}

TEST_CASE("argument errors name the argument, the expected type and what was given") {
  CHECK(contains(encode_error("u32", 4294967296u), "argument 'value' (u32): expected an integer 0..4294967295"));
  CHECK(contains(encode_error("u32", -1), "got number -1"));
  CHECK(contains(encode_error("u64", 1.5), "got number 1.5"));
  CHECK(contains(encode_error("u64", "18446744073709551616"), "(u64)"));
  CHECK(contains(encode_error("u64", "12a"), "got string \"12a\""));
  CHECK(contains(encode_error("u64", ""), "(u64)"));
  CHECK(contains(encode_error("i64", "9223372036854775808"), "signed 64-bit"));
  CHECK(contains(encode_error("i64", "-9223372036854775809"), "signed 64-bit"));
  CHECK(contains(encode_error("i64", true), "got boolean true"));
  CHECK(contains(encode_error("bool", 1), "expected true or false, got number 1"));
  CHECK(contains(encode_error("string", 5), "expected a JSON string, got number 5"));
  CHECK(contains(encode_error("bytes", "abc"), "hex string"));
  CHECK(contains(encode_error("bytes", "0x00"), "no 0x"));
  CHECK(contains(encode_error("hash", "00"), "expected 64 hex digits, got string \"00\""));
  CHECK(contains(encode_error("pubkey", id_hex + "00"), "expected 64 hex digits"));
  CHECK(contains(encode_error("signature", id_hex), "expected 128 hex digits"));
  CHECK(contains(encode_error("list<u64>", json::object()), "expected a JSON array"));
  CHECK(contains(encode_error("list<u64>", json::array({1, "x"})), "argument 'value[1]' (u64)"));
  CHECK(contains(encode_error("period", json::array()), "a JSON object with the fields start_ms: i64"));
  CHECK(contains(encode_error("period", {{"start_ms", 1}}), "missing field 'labels' (list<string>)"));
  CHECK(contains(encode_error("period", {{"start_ms", 1}, {"labels", json::array()}, {"x", 1}}),
                 "unknown field 'x'"));
  CHECK(contains(encode_error("record", {{"owner", id_hex}, {"periods", {{{"start_ms", "z"}, {"labels", {}}}}}}),
                 "argument 'value.periods[0].start_ms' (i64)"));
}

TEST_CASE("missing, extra and misplaced arguments are refused") {
  abi::Abi abi = test_abi();
  const abi::Method& method = *abi.find_method("every");
  auto missing = abi::encode_arguments(abi, method, json{{"a", 1}});
  REQUIRE(!missing.ok());
  CHECK(contains(missing.status().message(), "missing argument 'b' (u64)"));
  const abi::Method& nothing = *abi.find_method("nothing");
  auto extra = abi::encode_arguments(abi, nothing, json{{"zone", "x"}});
  REQUIRE(!extra.ok());
  CHECK(contains(extra.status().message(), "has no argument 'zone'"));
  auto short_array = abi::encode_arguments(abi, method, json::array({1, 2}));
  REQUIRE(!short_array.ok());
  CHECK(contains(short_array.status().message(), "takes 11 arguments"));
  auto scalar = abi::encode_arguments(abi, method, json(5));
  REQUIRE(!scalar.ok());
  CHECK(contains(scalar.status().message(), "must be a JSON object"));
  auto unknown = abi::method_of(abi, "issue");
  REQUIRE(!unknown.ok());
  CHECK(unknown.status().code() == Code::not_found);
  CHECK(contains(unknown.status().message(), "its methods are: every, nothing"));
}

TEST_CASE("return bytes that are not the one encoding are refused") {
  CHECK(contains(decode_error("u64", "00"), "value"));
  CHECK(!decode_error("u32", "0000000000").empty());  // a trailing byte
  CHECK(contains(decode_error("u32", "0000000000"), "trailing"));
  CHECK(!decode_error("bool", "02").empty());
  CHECK(!decode_error("string", "00000005616263").empty());  // length beyond the input
  CHECK(contains(decode_error("string", "00000001ff"), "UTF-8"));
  CHECK(contains(decode_error("string", "00000002c0af"), "UTF-8"));  // overlong
  CHECK(!decode_error("hash", id_hex.substr(0, 62)).empty());
  CHECK(!decode_error("list<u64>", "ffffffff").empty());  // count beyond the input
  CHECK(contains(decode_error("list<u64>", "00000002" "0000000000000001" "00"), "[1]"));
  auto value = abi::decode_value(single_type_abi("u32"), "u32", *from_hex("0000002a"));
  REQUIRE(value.ok());
  CHECK(*value == 42);
}

TEST_CASE("ABIs that break the format are refused") {
  auto refuse = [](const std::string& text, const std::string& part) {
    CAPTURE(text);
    auto parsed = abi::parse_abi(std::string_view(text));
    REQUIRE(!parsed.ok());
    CHECK(parsed.status().code() == Code::malformed);
    CHECK_MESSAGE(contains(parsed.status().message(), part), parsed.status().message());
  };
  refuse("not json", "not valid JSON");
  refuse(R"({"abi_version": 2, "methods": []})", "abi_version");
  refuse(R"({"abi_version": 1})", "\"methods\" must be an array");
  refuse(R"({"abi_version": 1, "methods": [{"name": "m", "arguments": [{"name": "x", "type": "u128"}]}]})",
         "unknown type 'u128'");
  refuse(R"({"abi_version": 1, "methods": [{"name": "m", "arguments": [{"name": "x", "type": "list<>"}]}]})",
         "unknown type");
  refuse(R"({"abi_version": 1, "types": {"loop": [{"name": "next", "type": "list<loop>"}]}, "methods": []})",
         "contains itself");
  refuse(R"({"abi_version": 1, "types": {"empty": []}, "methods": []})", "no fields");
  refuse(R"({"abi_version": 1, "methods": [{"name": "m"}, {"name": "m"}]})", "defined twice");
  refuse(R"({"abi_version": 1, "methods": [{"name": "Bad"}]})", "not 1..64 of [a-z0-9_]");
  refuse(R"({"abi_version": 1, "methods": [{"name": "m", "kind": "write"}]})", "kind must be");
  refuse(R"({"abi_version": 1, "methods": [{"name": "m", "arguments": [{"name": "a", "type": "u32"},
           {"name": "a", "type": "u32"}]}]})", "twice");
  refuse(R"({"abi_version": 1, "methods": [{"name": "m", "returns": [{"name": "a"}]}]})", "each entry");
}

TEST_CASE("code, zone, name, date and label are texts with their rules, checked both ways") {
  check_round_trip("code", "misuse", "000000066d6973757365", "misuse");
  check_round_trip("zone", "AC-ALTSTADT-03", "0000000e41432d414c5453544144542d3033", "AC-ALTSTADT-03");
  check_round_trip("name", "dev-city", "000000086465762d63697479", "dev-city");
  check_round_trip("date", "2026-03-01", "0000000a323032362d30332d3031", "2026-03-01");
  check_round_trip("label", "Bestand 2021", "0000000c42657374616e642032303231", "Bestand 2021");
  CHECK(contains(encode_error("code", "Erika Mustermann"),
                 "argument 'value' (code): expected a code: 1..32 of [a-z0-9_]"));
  CHECK(contains(encode_error("code", ""), "(code)"));
  CHECK(contains(encode_error("code", std::string(33, 'a')), "(code)"));
  CHECK(contains(encode_error("code", 5), "(code)"));
  CHECK(contains(encode_error("zone", "-markt"), "(zone)"));
  CHECK(contains(encode_error("zone", "Markt Platz"), "(zone)"));
  CHECK(contains(encode_error("name", "Dev-City"), "(name)"));
  CHECK(contains(encode_error("date", "01.03.2026"), "(date)"));
  CHECK(contains(encode_error("label", "line\nbreak"), "(label)"));
  CHECK(contains(decode_error("code",
                              "00000002"
                              "4142"),
                 "code"));
  CHECK(contains(decode_error("zone",
                              "00000001"
                              "2d"),
                 "zone"));
}

TEST_CASE("ABIs over the limits are refused") {
  json document = json::parse(test_abi_text);
  json fields = json::array();
  for (int i = 0; i < 65; ++i) fields.push_back({{"name", "f" + std::to_string(i)}, {"type", "u32"}});
  document["methods"].push_back({{"name", "wide"}, {"arguments", fields}});
  auto wide = abi::parse_abi_document(document);
  REQUIRE(!wide.ok());
  CHECK(wide.status().code() == Code::too_large);
  auto huge = abi::parse_abi(std::string(abi::abi_size_bytes_max + 1, ' '));
  REQUIRE(!huge.ok());
  CHECK(huge.status().code() == Code::too_large);
}
