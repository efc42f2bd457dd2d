// See module_abi.h.
#include "abi/module_abi.h"

#include <map>
#include <set>
#include <vector>

namespace govchain::abi {

using json = nlohmann::json;

namespace {

// ---- The module's sections ---------------------------------------------------------

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

// The content of custom section `payload` when its name is govchain_abi.
Result<std::optional<ByteView>> abi_content(ByteView payload) {
  ModuleReader reader(payload);
  uint32_t name_size = 0;
  if (!reader.read_u32(name_size) || !reader.skip(name_size))
    return error(Code::malformed, "a custom section has a broken name");
  ByteView name = payload.subspan(reader.position() - name_size, name_size);
  if (std::string_view(reinterpret_cast<const char*>(name.data()), name.size()) != module_section_name)
    return std::optional<ByteView>();
  return std::optional<ByteView>(payload.subspan(reader.position()));
}

// ---- Entries -------------------------------------------------------------------------

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

// A method as read: its JSON (returns empty when they name a struct) and
// the struct "@<struct>" names, to expand once all structs are known.
struct SectionMethod {
  json document;
  std::string returns_struct;
  bool operator==(const SectionMethod&) const = default;
};

struct SectionContent {
  json header;                        // contract, version, certificate_type, description
  std::map<std::string, json> types;  // name -> fields
  std::vector<std::string> method_order;
  std::map<std::string, SectionMethod> methods;
  std::vector<std::string> topic_order;
  std::map<std::string, std::string> events;  // topic -> struct
};

// Adds `value` under `key` once; the same key again must carry the same
// value. Returns whether it was new.
template <typename Value>
Result<bool> add_once(std::map<std::string, Value>& entries, const std::string& key, Value value,
                      const std::string& what) {
  auto [found, inserted] = entries.emplace(key, value);
  if (!inserted && !(found->second == value))
    return error(Code::malformed, "the module declares " + what + " twice, differently");
  return inserted;
}

Status read_method(const std::vector<std::string>& parts, SectionContent& content) {
  if (parts.size() != 5) return error(Code::malformed, "method entry without 5 fields");
  const std::string where = "method '" + parts[1] + "'";
  GOVCHAIN_ASSIGN_OR_RETURN(json arguments, field_list(parts[3], where));
  SectionMethod method{{{"name", parts[1]}, {"kind", parts[2]}, {"arguments", arguments}, {"returns", json::array()}},
                       ""};
  if (!parts[4].empty() && parts[4][0] == '@') {
    method.returns_struct = parts[4].substr(1);
  } else {
    GOVCHAIN_ASSIGN_OR_RETURN(method.document["returns"], field_list(parts[4], where));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(bool added, add_once(content.methods, parts[1], std::move(method), where));
  if (added) content.method_order.push_back(parts[1]);
  return Status();
}

Status read_entry(std::string_view entry, SectionContent& content) {
  std::vector<std::string> parts = split(entry, '|', 5);
  const std::string& kind = parts[0];
  if (kind == "contract") {
    if (parts.size() != 5) return error(Code::malformed, "contract entry without 5 fields");
    json header = {
        {"contract", parts[1]}, {"version", parts[2]}, {"description", parts[4]}, {"certificate_type", parts[3]}};
    if (!content.header.is_null() && content.header != header)
      return error(Code::malformed, "the module has two GOVCHAIN_CONTRACT declarations");
    content.header = std::move(header);
    return Status();
  }
  if (kind == "struct") {
    if (parts.size() != 3) return error(Code::malformed, "struct entry without 3 fields");
    const std::string where = "struct '" + parts[1] + "'";
    GOVCHAIN_ASSIGN_OR_RETURN(json fields, field_list(parts[2], where));
    return add_once(content.types, parts[1], std::move(fields), where).status();
  }
  if (kind == "method") return read_method(parts, content);
  if (kind == "event") {
    if (parts.size() != 3) return error(Code::malformed, "event entry without 3 fields");
    GOVCHAIN_ASSIGN_OR_RETURN(bool added, add_once(content.events, parts[1], parts[2], "event '" + parts[1] + "'"));
    if (added) content.topic_order.push_back(parts[1]);
    return Status();
  }
  return error(Code::malformed, "unknown ABI entry kind '" + kind + "' (a newer contract SDK?)");
}

Result<json> methods_document(const SectionContent& content) {
  json methods = json::array();
  for (const std::string& name : content.method_order) {
    const SectionMethod& method = content.methods.at(name);
    json document = method.document;
    if (!method.returns_struct.empty()) {
      auto found = content.types.find(method.returns_struct);
      if (found == content.types.end())
        return error(Code::malformed,
                     "method '" + name + "' returns the undeclared struct '" + method.returns_struct + "'");
      document["returns"] = found->second;
    }
    methods.push_back(std::move(document));
  }
  return methods;
}

}  // namespace

Result<std::optional<std::string>> read_module_section(ByteView module) {
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
    GOVCHAIN_ASSIGN_OR_RETURN(std::optional<ByteView> content, abi_content(reader.view(start, start + size)));
    if (!content) continue;
    if (!section) section.emplace();
    if (section->size() + content->size() > section_size_bytes_max)
      return error(Code::too_large, "the module's ABI section is larger than 64 KiB");
    section->append(content->begin(), content->end());
  }
  return section;
}

Result<json> document_of_section(const std::string& section) {
  SectionContent content;
  for (const std::string& entry : split(section, '\0', SIZE_MAX))
    if (!entry.empty()) GOVCHAIN_TRY(read_entry(entry, content));
  if (content.header.is_null())
    return error(Code::malformed, "the module's ABI section has no contract entry (GOVCHAIN_CONTRACT is missing)");
  json document = json::object();
  document["abi_version"] = abi_version_supported;
  for (const auto& [key, value] : content.header.items()) document[key] = value;
  if (document["certificate_type"] == "") document.erase("certificate_type");
  json types = json::object();
  for (const auto& [name, fields] : content.types) types[name] = fields;
  document["types"] = types;
  GOVCHAIN_ASSIGN_OR_RETURN(document["methods"], methods_document(content));
  if (!content.topic_order.empty()) {
    json events = json::array();
    for (const std::string& topic : content.topic_order)
      events.push_back({{"topic", topic}, {"type", content.events.at(topic)}});
    document["events"] = events;
  }
  return document;
}

Result<json> module_abi_document(ByteView module) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<std::string> section, read_module_section(module));
  if (!section)
    return error(Code::not_found,
                 "the module has no \"govchain_abi\" section: it was not built with the contract "
                 "SDK's declarations (GOVCHAIN_CONTRACT, GOVCHAIN_CALL, ...)");
  try {
    return document_of_section(*section);
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
  // dump() refuses text that is not UTF-8 (a description in another
  // encoding) by throwing; that becomes a refusal here.
  std::string text;
  try {
    text = document.dump(2) + "\n";
  } catch (const json::exception& failure) {
    return error(Code::malformed, std::string("the module's ABI section: ") + failure.what());
  }
  if (text.size() > abi_size_bytes_max)
    return error(Code::too_large, "the module's ABI has " + std::to_string(text.size()) + " bytes; at most " +
                                      std::to_string(abi_size_bytes_max) + " are allowed");
  return text;
}

}  // namespace govchain::abi
