// The ABI a module carries in its custom section "govchain_abi" (written by
// the contract SDK's declarations, sdk/contract/govchain/abi.h), turned into
// the JSON ABI of docs/contracts.md section 5, and the comparison of a given
// ABI with it. Part of abi.h.
//
// The section holds NUL-terminated entries, "|"-separated:
//   contract|<name>|<version>|<certificate type>|<description>
//   struct|<name>|<field>:<type>,...
//   method|<name>|call or query|<argument>:<type>,...|<return>:<type>,... or @<struct>
//   event|<topic>|<struct>
// Field lists may end with a comma; "@<struct>" means the struct's fields.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "client/abi.h"

namespace govchain::client::abi {

using json = nlohmann::json;

namespace {

constexpr size_t section_size_bytes_max = 64 * 1024;

// ---- Reading the custom section ----------------------------------------------

class ModuleReader {
 public:
  explicit ModuleReader(ByteView bytes) : bytes_(bytes) {}

  bool at_end() const { return position_ >= bytes_.size(); }
  size_t position() const { return position_; }

  bool read_byte(uint8_t& value) {
    if (at_end()) return false;
    value = bytes_[position_++];
    return true;
  }
  // An unsigned LEB128 of at most 32 bits.
  bool read_u32(uint32_t& value) {
    value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      uint8_t byte = 0;
      if (!read_byte(byte)) return false;
      if (shift == 28 && (byte & 0x70) != 0) return false;
      value |= static_cast<uint32_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool skip(size_t count) {
    if (count > bytes_.size() - position_) return false;
    position_ += count;
    return true;
  }
  ByteView view(size_t start, size_t end) const { return bytes_.subspan(start, end - start); }

 private:
  ByteView bytes_;
  size_t position_ = 0;
};

// The concatenated payloads of every custom section named "govchain_abi";
// nullopt when there is none.
Result<std::optional<std::string>> read_abi_section(ByteView module) {
  ModuleReader reader(module);
  const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  for (uint8_t expected : header) {
    uint8_t byte = 0;
    if (!reader.read_byte(byte) || byte != expected)
      return error(Code::malformed, "not a WebAssembly module (version 1)");
  }
  std::optional<std::string> section;
  while (!reader.at_end()) {
    uint8_t id = 0;
    uint32_t size = 0;
    if (!reader.read_byte(id) || !reader.read_u32(size)) return error(Code::malformed, "truncated section header");
    const size_t start = reader.position();
    if (!reader.skip(size)) return error(Code::malformed, "a section runs past the end of the module");
    if (id != 0) continue;
    ModuleReader payload(reader.view(start, start + size));
    uint32_t name_size = 0;
    if (!payload.read_u32(name_size) || !payload.skip(name_size))
      return error(Code::malformed, "a custom section has a broken name");
    ByteView name = reader.view(start, start + size).subspan(payload.position() - name_size, name_size);
    if (std::string(name.begin(), name.end()) != module_section_name) continue;
    ByteView content = reader.view(start + payload.position(), start + size);
    if (!section) section.emplace();
    if (section->size() + content.size() > section_size_bytes_max)
      return error(Code::too_large, "the module's ABI section is larger than 64 KiB");
    section->append(content.begin(), content.end());
  }
  return section;
}

// ---- Entries -------------------------------------------------------------------

std::vector<std::string> split(std::string_view text, char separator, size_t parts_max) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() + 1 < parts_max) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) break;
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.emplace_back(text.substr(start));
  return parts;
}

std::string without_spaces(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n') out += c;
  return out;
}

// "a:u64,b:list<code>," as JSON fields [{"name": "a", "type": "u64"}, ...].
Result<json> field_list(std::string_view text, const std::string& where) {
  json fields = json::array();
  for (const std::string& item : split(without_spaces(text), ',', SIZE_MAX)) {
    if (item.empty()) continue;
    size_t colon = item.find(':');
    if (colon == std::string::npos) return error(Code::malformed, where + ": field '" + item + "' is not name:type");
    fields.push_back({{"name", item.substr(0, colon)}, {"type", item.substr(colon + 1)}});
  }
  return fields;
}

struct SectionContent {
  json header;                                        // contract, version, certificate_type, description
  std::map<std::string, json> types;                  // name -> fields
  std::vector<std::pair<std::string, json>> methods;  // in order; returns may be "@struct"
  std::vector<std::string> method_returns_struct;     // per method: the struct, or ""
  json events = json::array();
};

// Adds `value` under `key` once; the same key again must carry the same value
// (the standard declarations may appear twice).
Status add_unique(std::map<std::string, json>& entries, const std::string& key, json value, const char* what) {
  auto [found, inserted] = entries.emplace(key, value);
  if (!inserted && found->second != value)
    return error(Code::malformed, std::string("the module declares ") + what + " '" + key + "' twice, differently");
  return Status();
}

Status read_method(const std::vector<std::string>& parts, SectionContent& content, std::set<std::string>& seen) {
  if (parts.size() != 5) return error(Code::malformed, "method entry without 5 fields");
  const std::string where = "method '" + parts[1] + "'";
  GOVCHAIN_ASSIGN_OR_RETURN(json arguments, field_list(parts[3], where));
  json method = {{"name", parts[1]}, {"kind", parts[2]}, {"arguments", arguments}, {"returns", json::array()}};
  std::string returns_struct;
  if (!parts[4].empty() && parts[4][0] == '@') {
    returns_struct = without_spaces(parts[4].substr(1));
  } else {
    GOVCHAIN_ASSIGN_OR_RETURN(method["returns"], field_list(parts[4], where));
  }
  if (!seen.insert(parts[1]).second) {
    for (size_t i = 0; i < content.methods.size(); ++i)
      if (content.methods[i].first == parts[1] &&
          (content.methods[i].second != method || content.method_returns_struct[i] != returns_struct))
        return error(Code::malformed, "the module declares " + where + " twice, differently");
    return Status();
  }
  content.methods.emplace_back(parts[1], std::move(method));
  content.method_returns_struct.push_back(returns_struct);
  return Status();
}

Status read_entry(std::string_view entry, SectionContent& content, std::set<std::string>& methods_seen,
                  std::set<std::string>& topics_seen) {
  const std::string kind = split(entry, '|', 2).front();
  if (kind == "contract") {
    std::vector<std::string> parts = split(entry, '|', 5);
    if (parts.size() != 5) return error(Code::malformed, "contract entry without 5 fields");
    json header = {
        {"contract", parts[1]}, {"version", parts[2]}, {"description", parts[4]}, {"certificate_type", parts[3]}};
    if (!content.header.is_null() && content.header != header)
      return error(Code::malformed, "the module has two GOVCHAIN_CONTRACT declarations");
    content.header = std::move(header);
    return Status();
  }
  std::vector<std::string> parts = split(entry, '|', 5);
  if (kind == "struct") {
    if (parts.size() != 3) return error(Code::malformed, "struct entry without 3 fields");
    GOVCHAIN_ASSIGN_OR_RETURN(json fields, field_list(parts[2], "struct '" + parts[1] + "'"));
    return add_unique(content.types, parts[1], std::move(fields), "struct");
  }
  if (kind == "method") return read_method(parts, content, methods_seen);
  if (kind == "event") {
    if (parts.size() != 3) return error(Code::malformed, "event entry without 3 fields");
    if (topics_seen.insert(parts[1]).second) content.events.push_back({{"topic", parts[1]}, {"type", parts[2]}});
    return Status();
  }
  return error(Code::malformed, "unknown ABI entry kind '" + kind + "' (a newer contract SDK?)");
}

Result<json> document_from_section(const std::string& section) {
  SectionContent content;
  std::set<std::string> methods_seen, topics_seen;
  for (const std::string& entry : split(section, '\0', SIZE_MAX)) {
    if (entry.empty()) continue;
    GOVCHAIN_TRY(read_entry(entry, content, methods_seen, topics_seen));
  }
  if (content.header.is_null())
    return error(Code::malformed, "the module's ABI section has no contract entry (GOVCHAIN_CONTRACT is missing)");
  json document = json::object();
  document["abi_version"] = abi_version_supported;
  for (const auto& [key, value] : content.header.items()) document[key] = value;
  if (document["certificate_type"] == "") document.erase("certificate_type");
  json types = json::object();
  for (const auto& [name, fields] : content.types) types[name] = fields;
  document["types"] = types;
  json methods = json::array();
  for (size_t i = 0; i < content.methods.size(); ++i) {
    json method = content.methods[i].second;
    const std::string& returns_struct = content.method_returns_struct[i];
    if (!returns_struct.empty()) {
      auto found = content.types.find(returns_struct);
      if (found == content.types.end())
        return error(Code::malformed, "method '" + content.methods[i].first + "' returns the undeclared struct '" +
                                          returns_struct + "'");
      method["returns"] = found->second;
    }
    methods.push_back(std::move(method));
  }
  document["methods"] = methods;
  if (!content.events.empty()) document["events"] = content.events;
  return document;
}

// ---- Comparing ------------------------------------------------------------------

std::string fields_text(const std::vector<Field>& fields) { return "(" + describe_fields(fields) + ")"; }

Status differs(const std::string& what) {
  return error(Code::invalid, what +
                                  "; build the ABI from the module (`govchain contract abi FILE.wasm`) instead "
                                  "of writing it by hand");
}

Status compare_method(const Method& declared, const Method& actual) {
  const std::string where = "method '" + declared.name + "'";
  if (declared.kind != actual.kind)
    return differs(where + ": the ABI says kind '" + std::string(method_kind_name(declared.kind)) +
                   "', the module declares '" + std::string(method_kind_name(actual.kind)) + "'");
  if (declared.arguments.size() != actual.arguments.size() ||
      !std::equal(declared.arguments.begin(), declared.arguments.end(), actual.arguments.begin(),
                  [](const Field& a, const Field& b) { return a.name == b.name && a.type == b.type; }))
    return differs(where + ": the ABI lists the arguments " + fields_text(declared.arguments) +
                   ", the module decodes " + fields_text(actual.arguments));
  if (declared.returns.size() != actual.returns.size() ||
      !std::equal(declared.returns.begin(), declared.returns.end(), actual.returns.begin(),
                  [](const Field& a, const Field& b) { return a.name == b.name && a.type == b.type; }))
    return differs(where + ": the ABI lists the returns " + fields_text(declared.returns) + ", the module returns " +
                   fields_text(actual.returns));
  return Status();
}

Status compare_types(const Abi& declared, const Abi& actual) {
  for (const auto& [name, fields] : declared.types) {
    auto found = actual.types.find(name);
    if (found == actual.types.end()) return differs("struct '" + name + "' is in the ABI but not in the module");
    if (describe_fields(found->second) != describe_fields(fields))
      return differs("struct '" + name + "': the ABI lists " + fields_text(fields) + ", the module " +
                     fields_text(found->second));
  }
  for (const auto& [name, fields] : actual.types)
    if (!declared.types.count(name)) return differs("struct '" + name + "' of the module is missing from the ABI");
  return Status();
}

Status compare_events(const Abi& declared, const Abi& actual) {
  for (const auto& event : declared.events) {
    const Event* found = actual.find_event(event.topic);
    if (found == nullptr) return differs("event '" + event.topic + "' is in the ABI but not in the module");
    if (found->type != event.type)
      return differs("event '" + event.topic + "': the ABI says type '" + event.type + "', the module '" + found->type +
                     "'");
  }
  for (const auto& event : actual.events)
    if (declared.find_event(event.topic) == nullptr)
      return differs("event '" + event.topic + "' of the module is missing from the ABI");
  return Status();
}

}  // namespace

Result<json> module_abi_document(ByteView module) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<std::string> section, read_abi_section(module));
  if (!section)
    return error(Code::not_found,
                 "the module has no \"govchain_abi\" section: it was not built with the contract "
                 "SDK's declarations (GOVCHAIN_CONTRACT, GOVCHAIN_CALL, ...)");
  try {
    return document_from_section(*section);
  } catch (const json::exception& failure) {
    return error(Code::malformed, std::string("the module's ABI section: ") + failure.what());
  }
}

Result<Abi> module_abi(ByteView module) {
  GOVCHAIN_ASSIGN_OR_RETURN(json document, module_abi_document(module));
  auto parsed = parse_abi_document(document);
  if (!parsed.ok()) return parsed.status().with_context("the module's ABI section");
  return parsed;
}

Result<std::string> module_abi_text(ByteView module) {
  GOVCHAIN_ASSIGN_OR_RETURN(json document, module_abi_document(module));
  auto parsed = parse_abi_document(document);
  if (!parsed.ok()) return parsed.status().with_context("the module's ABI section");
  std::string text = document.dump(2) + "\n";
  if (text.size() > abi_size_bytes_max)
    return error(Code::too_large, "the module's ABI has " + std::to_string(text.size()) + " bytes; at most " +
                                      std::to_string(abi_size_bytes_max) + " are allowed");
  return text;
}

Status check_matches_module(const Abi& declared, const Abi& from_module) {
  for (const auto& method : declared.methods) {
    const Method* actual = from_module.find_method(method.name);
    if (actual == nullptr)
      return differs("method '" + method.name + "' is in the ABI but the module does not export it");
    GOVCHAIN_TRY(compare_method(method, *actual));
  }
  for (const auto& method : from_module.methods)
    if (declared.find_method(method.name) == nullptr)
      return differs("method '" + method.name + "' of the module is missing from the ABI");
  GOVCHAIN_TRY(compare_types(declared, from_module));
  GOVCHAIN_TRY(compare_events(declared, from_module));
  if (declared.certificate_type != from_module.certificate_type)
    return differs("the ABI says certificate_type '" + declared.certificate_type + "', the module '" +
                   from_module.certificate_type + "'");
  return Status();
}

Result<json> decode_event(const Abi& abi, std::string_view topic, ByteView data) {
  const Event* event = abi.find_event(topic);
  if (event == nullptr)
    return error(Code::not_found, "the ABI of '" + abi.contract + "' declares no event '" + std::string(topic) + "'");
  auto decoded = decode_value(abi, event->type, data);
  if (!decoded.ok()) return decoded.status().with_context("event '" + std::string(topic) + "'");
  return decoded;
}

}  // namespace govchain::client::abi
