// unit.abi: the contract ABI model (node/abi/) that the node's deploy and
// call checks and the client SDK share: parsing with its limits, the text
// rules, the module's "govchain_abi" section, the comparison with it, and
// the check of a call's argument bytes.
#include <doctest/doctest.h>

#include <string>

#include "abi/abi.h"
#include "abi/argument_bytes.h"
#include "abi/compare.h"
#include "abi/module_abi.h"
#include "codec/codec.h"

namespace govchain::abi {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A WebAssembly module with nothing but custom sections named
// "govchain_abi", one per entry of `payloads`.
Bytes module_with_sections(const std::vector<std::string>& payloads) {
  Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (const std::string& payload : payloads) {
    const std::string name = module_section_name;
    module.push_back(0);
    // The section's size as unsigned LEB128.
    for (size_t size = 1 + name.size() + payload.size();; size >>= 7) {
      module.push_back(static_cast<uint8_t>((size & 0x7f) | (size >= 0x80 ? 0x80 : 0)));
      if (size < 0x80) break;
    }
    module.push_back(static_cast<uint8_t>(name.size()));
    module.insert(module.end(), name.begin(), name.end());
    module.insert(module.end(), payload.begin(), payload.end());
  }
  return module;
}

std::string entry(const std::string& text) { return text + std::string(1, '\0'); }

const char* const permit_abi = R"({"abi_version": 1, "contract": "permit", "certificate_type": "permit",
  "types": {"window": [{"name": "from_ms", "type": "i64"}, {"name": "zones", "type": "list<zone>"}]},
  "methods": [{"name": "issue", "arguments": [{"name": "id", "type": "hash"}, {"name": "reason", "type": "code"},
                                              {"name": "window", "type": "window"}]},
              {"name": "status", "kind": "query", "arguments": [{"name": "id", "type": "hash"}],
               "returns": [{"name": "from_ms", "type": "i64"}, {"name": "zones", "type": "list<zone>"}]}],
  "events": [{"topic": "permit.issued", "type": "window"}]})";

const std::string permit_section = entry("contract|permit|1.0.0|permit|A permit") +
                                   entry("struct|window|from_ms:i64, zones:list<zone>,") +
                                   entry("method|issue|call|id:hash,reason:code,window:window|") +
                                   entry("method|status|query|id:hash|@window") + entry("event|permit.issued|window");

}  // namespace

TEST_CASE("parse_abi: the document, its limits, and version 1 written as any JSON number") {
  auto parsed = parse_abi(permit_abi);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().to_string());
  CHECK(parsed->certificate_type == "permit");
  CHECK(parsed->find_method("status")->kind == MethodKind::query);
  CHECK(parsed->find_event("permit.issued")->type == "window");
  // The node has always compared the number, so 1.0 is version 1.
  CHECK(parse_abi(R"({"abi_version": 1.0, "methods": []})").ok());
  CHECK_FALSE(parse_abi(R"({"abi_version": "1", "methods": []})").ok());
  CHECK_FALSE(parse_abi(R"({"abi_version": 2, "methods": []})").ok());

  auto refuse = [](const std::string& text, const std::string& part, Code code = Code::malformed) {
    auto result = parse_abi(text);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == code);
    CHECK_MESSAGE(contains(result.status().message(), part), result.status().message());
  };
  refuse("[]", "must be a JSON object");
  refuse(R"({"abi_version": 1})", "\"methods\" must be an array");
  refuse(R"({"abi_version": 1, "methods": [{"name": "a", "kind": 1}]})", "type must be string");
  refuse(R"({"abi_version": 1, "methods": [{"name": "A"}]})", "method name 'A'");
  refuse(R"({"abi_version": 1, "methods": [{"name": "a"}, {"name": "a"}]})", "defined twice");
  refuse(R"({"abi_version": 1, "types": {"code": [{"name": "a", "type": "u32"}]}, "methods": []})", "built-in type");
  refuse(R"({"abi_version": 1, "types": {"s": []}, "methods": []})", "has no fields");
  refuse(R"({"abi_version": 1, "types": {"s": [{"name": "n", "type": "list<s>"}]}, "methods": []})",
         "struct 's' contains itself");
  refuse(R"({"abi_version": 1, "methods": [{"name": "a", "arguments": [{"name": "x", "type": "u128"}]}]})",
         "unknown type 'u128'");
  refuse(R"({"abi_version": 1, "methods": [], "events": [{"topic": "Bad", "type": "s"}]})", "event topic 'Bad'");
  refuse(R"({"abi_version": 1, "methods": [], "events": [{"topic": "e", "type": "u64"}]})", "not a struct");

  std::string many = R"({"abi_version": 1, "methods": [)";
  for (size_t index = 0; index <= methods_max; ++index)
    many += (index ? "," : "") + std::string(R"({"name": "m)") + std::to_string(index) + "\"}";
  refuse(many + "]}", "more than 128 methods", Code::too_large);
  std::string deep = "u32";
  for (size_t level = 0; level <= nesting_depth_max; ++level) deep = "list<" + deep + ">";
  refuse(R"({"abi_version": 1, "methods": [{"name": "a", "arguments": [{"name": "x", "type": ")" + deep + "\"}]}]}",
         "nests deeper than 32");
  refuse(std::string(abi_size_bytes_max + 1, ' '), "at most 32768", Code::too_large);
}

TEST_CASE("text rules: code, zone, name, date, label, in the contract SDK's wording") {
  CHECK(satisfies_text_rule("code", "misuse"));
  CHECK_FALSE(satisfies_text_rule("code", "Erika M."));
  CHECK_FALSE(satisfies_text_rule("code", std::string(33, 'a')));
  CHECK(satisfies_text_rule("zone", "AC-ALTSTADT-03"));
  CHECK_FALSE(satisfies_text_rule("zone", "-A"));
  CHECK(satisfies_text_rule("name", "dev-city.parking"));
  CHECK_FALSE(satisfies_text_rule("name", "Dev"));
  CHECK(satisfies_text_rule("date", "2026-02-30"));
  CHECK_FALSE(satisfies_text_rule("date", "2026-13-01"));
  CHECK(satisfies_text_rule("label", "Parkausweis Zone 3"));
  CHECK_FALSE(satisfies_text_rule("label", "tab\there"));
  CHECK(satisfies_text_rule("string", "anything at all"));
  CHECK(std::string(text_rule("code")) == "a code: 1..32 of [a-z0-9_], no free text");
  CHECK(text_rule("string") == nullptr);
  CHECK(fixed_size_bytes("signature") == 64);
  CHECK(is_list_type("list<code>"));
  CHECK(list_element_type("list<list<u32>>") == "list<u32>");
  CHECK_FALSE(is_builtin_type("window"));
}

TEST_CASE("the module's section reads as the ABI it declares, and a declared ABI is compared with it") {
  auto carried = module_abi(module_with_sections({permit_section}));
  REQUIRE_MESSAGE(carried.ok(), carried.status().to_string());
  auto declared = parse_abi(permit_abi);
  REQUIRE(declared.ok());
  CHECK(compare_with_module(*declared, *carried).ok());
  CHECK(carried->find_method("status")->returns == declared->find_method("status")->returns);

  // Split over two sections, with the standard declarations twice: the same.
  auto split = module_abi(module_with_sections(
      {permit_section.substr(0, 40), permit_section.substr(40) + entry("event|permit.issued|window")}));
  REQUIRE_MESSAGE(split.ok(), split.status().to_string());
  CHECK(compare_with_module(*declared, *split).ok());

  std::string swapped_text = permit_abi;
  const std::string in_order = R"({"name": "id", "type": "hash"}, {"name": "reason", "type": "code"})";
  const std::string reversed = R"({"name": "reason", "type": "code"}, {"name": "id", "type": "hash"})";
  swapped_text.replace(swapped_text.find(in_order), in_order.size(), reversed);
  auto swapped = parse_abi(swapped_text);
  REQUIRE_MESSAGE(swapped.ok(), swapped.status().to_string());
  Status differs = compare_with_module(*swapped, *carried);
  CHECK(differs.code() == Code::invalid);
  CHECK_MESSAGE(contains(differs.message(),
                         "method 'issue': the ABI lists the arguments (reason: code, id: hash, "
                         "window: window), the module decodes (id: hash, reason: code, window: "
                         "window)"),
                differs.message());
  Abi renamed = *declared;
  renamed.certificate_type = "other";
  CHECK(contains(compare_with_module(renamed, *carried).message(), "certificate_type 'other'"));
  Abi extra = *declared;
  extra.methods.push_back({"renew", MethodKind::call, {}, {}});
  CHECK(contains(compare_with_module(extra, *carried).message(), "'renew' is in the ABI but the module does not"));
}

TEST_CASE("a section that is not well formed is refused, naming what is wrong") {
  auto refuse = [](const std::vector<std::string>& payloads, const std::string& part, Code code = Code::malformed) {
    auto result = module_abi_document(module_with_sections(payloads));
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == code);
    CHECK_MESSAGE(contains(result.status().message(), part), result.status().message());
  };
  refuse({entry("struct|window|from_ms:i64")}, "no contract entry");
  refuse({permit_section + entry("struct|window|from_ms:u64")}, "struct 'window' twice, differently");
  refuse({permit_section + entry("method|issue|query||")}, "method 'issue' twice, differently");
  refuse({permit_section + entry("event|permit.issued|other")}, "event 'permit.issued' twice, differently");
  refuse({permit_section + entry("contract|permit|2.0.0|permit|A permit")}, "two GOVCHAIN_CONTRACT");
  refuse({permit_section + entry("struct|s|from_ms")}, "is not name:type");
  refuse({permit_section + entry("method|m|call||@missing")}, "undeclared struct 'missing'");
  refuse({permit_section + entry("table|x|y")}, "unknown ABI entry kind 'table'");
  refuse({std::string(section_size_bytes_max / 2 + 1, 'a'), std::string(section_size_bytes_max / 2, 'a')},
         "larger than 64 KiB", Code::too_large);
  CHECK(module_abi_document(module_with_sections({})).status().code() == Code::not_found);
  CHECK(read_module_section(Bytes{0, 'a', 's'}).status().code() == Code::malformed);
  Bytes truncated = module_with_sections({permit_section});
  truncated.pop_back();
  CHECK(read_module_section(truncated).status().code() == Code::malformed);
}

TEST_CASE("argument bytes: exactly one encoding, text rules kept, nothing after the last argument") {
  auto parsed = parse_abi(permit_abi);
  REQUIRE(parsed.ok());
  const Method& issue = *parsed->find_method("issue");
  auto arguments = [](const std::string& reason, uint32_t zones_count, const std::string& zone) {
    codec::Writer writer;
    writer.raw(Bytes(32, 7));
    writer.text(reason);
    writer.i64(1767225600000);
    writer.count(zones_count);
    if (!zone.empty()) writer.text(zone);
    return writer.take();
  };
  CHECK(check_argument_bytes(*parsed, issue, arguments("misuse", 1, "GE-ALTSTADT-03")).ok());
  Status free_text = check_argument_bytes(*parsed, issue, arguments("Erika M.", 1, "GE-ALTSTADT-03"));
  CHECK(free_text.code() == Code::invalid_argument);
  CHECK(free_text.message() == "argument 'reason' (code) must be a code: 1..32 of [a-z0-9_], no free text");
  CHECK_FALSE(contains(free_text.message(), "Erika"));
  CHECK(contains(check_argument_bytes(*parsed, issue, arguments("misuse", 1, "-bad")).message(),
                 "argument 'window' (window) must be a zone code"));
  // A forged count claims more zones than bytes follow.
  CHECK(contains(check_argument_bytes(*parsed, issue, arguments("misuse", 0xffffffff, "")).message(),
                 "argument 'window' (window) does not decode"));
  Bytes trailing = arguments("misuse", 0, "");
  trailing.push_back(0);
  CHECK(check_argument_bytes(*parsed, issue, trailing).message() == "1 bytes after the last argument");
  CHECK(contains(check_argument_bytes(*parsed, issue, Bytes(31, 0)).message(), "argument 'id' (hash) does not decode"));
}

}  // namespace govchain::abi
