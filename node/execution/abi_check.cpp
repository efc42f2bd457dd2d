// See abi_check.h. The ABI is parsed into a Shape (what matters for checks:
// methods, structs, events, certificate type), from the deploy's JSON and
// from the module's "govchain_abi" section; the two are compared, and calls
// are checked against the Shape of the stored ABI.
#include "execution/abi_check.h"

#include <algorithm>
#include <cstdio>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "codec/codec.h"

namespace govchain::execution {

namespace {

using json = nlohmann::json;

struct Field {
  std::string name;
  std::string type;
  bool operator==(const Field&) const = default;
};
using Fields = std::vector<Field>;

struct Method {
  std::string kind;  // "call" or "query"
  Fields arguments;
  Fields returns;
};

struct Shape {
  std::string certificate_type;
  std::map<std::string, Fields> types;
  std::map<std::string, Method> methods;
  std::map<std::string, std::string> events;  // topic -> struct
};

Status abi_error(const std::string& message) { return error(Code::invalid_argument, "ABI: " + message); }

bool is_abi_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// ---- Types ---------------------------------------------------------------------

size_t fixed_size_bytes(std::string_view type) {
  if (type == "u32") return 4;
  if (type == "u64" || type == "i64") return 8;
  if (type == "bool") return 1;
  if (type == "hash" || type == "pubkey") return 32;
  if (type == "signature") return 64;
  return 0;
}

bool is_text_type(std::string_view type) {
  return type == "string" || type == "bytes" || type == "code" || type == "zone" || type == "name" || type == "date" ||
         type == "label";
}

bool is_list(std::string_view type) { return type.size() > 6 && type.substr(0, 5) == "list<" && type.back() == '>'; }
std::string_view element_of(std::string_view type) { return type.substr(5, type.size() - 6); }

Status check_type(const Shape& shape, std::string_view type, std::set<std::string>& open, size_t depth) {
  if (depth > abi_nesting_depth_max) return abi_error("type '" + std::string(type) + "' nests too deep");
  if (fixed_size_bytes(type) > 0 || is_text_type(type)) return Status();
  if (is_list(type)) return check_type(shape, element_of(type), open, depth + 1);
  auto found = shape.types.find(std::string(type));
  if (found == shape.types.end()) return abi_error("unknown type '" + std::string(type) + "'");
  if (!open.insert(found->first).second) return abi_error("struct '" + found->first + "' contains itself");
  for (const Field& field : found->second) GOVCHAIN_TRY(check_type(shape, field.type, open, depth + 1));
  open.erase(found->first);
  return Status();
}

Status check_all_types(const Shape& shape) {
  std::set<std::string> open;
  for (const auto& [name, fields] : shape.types) GOVCHAIN_TRY(check_type(shape, name, open, 0));
  for (const auto& [name, method] : shape.methods)
    for (const Fields* fields : {&method.arguments, &method.returns})
      for (const Field& field : *fields)
        GOVCHAIN_TRY(check_type(shape, field.type, open, 0).with_context("method '" + name + "'"));
  for (const auto& [topic, type] : shape.events)
    if (!shape.types.count(type)) return abi_error("event '" + topic + "' has the unknown struct '" + type + "'");
  return Status();
}

// ---- The deploy's JSON ----------------------------------------------------------

Result<Fields> fields_of_json(const json& list, const std::string& where) {
  if (!list.is_array()) return abi_error(where + " must be an array");
  if (list.size() > abi_fields_max) return abi_error(where + " has more than 64 entries");
  Fields fields;
  std::set<std::string> names;
  for (const json& entry : list) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() || !entry.contains("type") ||
        !entry["type"].is_string())
      return abi_error(where + ": each entry must be {\"name\": string, \"type\": string}");
    Field field{entry["name"].get<std::string>(), entry["type"].get<std::string>()};
    if (!is_abi_name(field.name) || !names.insert(field.name).second)
      return abi_error(where + ": a name is not 1..64 of [a-z0-9_] or appears twice");
    fields.push_back(std::move(field));
  }
  return fields;
}

Status methods_of_json(const json& list, Shape& shape) {
  if (!list.is_array()) return abi_error("\"methods\" must be an array");
  if (list.size() > abi_methods_max) return abi_error("more than 128 methods");
  for (const json& entry : list) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
      return abi_error("each method needs a string \"name\"");
    const std::string name = entry["name"].get<std::string>();
    const std::string where = "method '" + name + "'";
    Method method;
    method.kind = entry.value("kind", std::string("call"));
    if (!is_abi_name(name) || (method.kind != "call" && method.kind != "query"))
      return abi_error(where + ": the name is not 1..64 of [a-z0-9_] or the kind is not call or query");
    GOVCHAIN_ASSIGN_OR_RETURN(method.arguments, fields_of_json(entry.value("arguments", json::array()), where));
    GOVCHAIN_ASSIGN_OR_RETURN(method.returns, fields_of_json(entry.value("returns", json::array()), where));
    if (!shape.methods.emplace(name, std::move(method)).second) return abi_error(where + " is defined twice");
  }
  return Status();
}

Status structs_and_events_of_json(const json& document, Shape& shape) {
  const json types = document.value("types", json::object());
  if (!types.is_object() || types.size() > abi_types_max)
    return abi_error("\"types\" must be an object of <= 128 structs");
  for (const auto& [name, fields] : types.items()) {
    if (!is_abi_name(name) || fixed_size_bytes(name) > 0 || is_text_type(name))
      return abi_error("struct name '" + name + "' is not 1..64 of [a-z0-9_] or is a built-in type");
    GOVCHAIN_ASSIGN_OR_RETURN(shape.types[name], fields_of_json(fields, "struct '" + name + "'"));
    if (shape.types[name].empty()) return abi_error("struct '" + name + "' has no fields");
  }
  const json events = document.value("events", json::array());
  if (!events.is_array() || events.size() > abi_events_max) return abi_error("\"events\" must be an array of <= 64");
  for (const json& entry : events) {
    if (!entry.is_object() || !entry.contains("topic") || !entry["topic"].is_string() || !entry.contains("type") ||
        !entry["type"].is_string())
      return abi_error("each event must be {\"topic\": string, \"type\": string}");
    const std::string topic = entry["topic"].get<std::string>();
    const bool topic_ok = !topic.empty() && topic.size() <= 64 && std::all_of(topic.begin(), topic.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    });
    if (!topic_ok || !shape.events.emplace(topic, entry["type"].get<std::string>()).second)
      return abi_error("an event topic is not 1..64 of [a-z0-9_.] or is declared twice");
  }
  return Status();
}

Result<Shape> parse_abi_json(std::string_view text) {
  if (text.size() > abi_size_bytes_max)
    return abi_error("larger than " + std::to_string(abi_size_bytes_max / 1024) + " KiB");
  try {
    json document = json::parse(text, nullptr, false);
    if (document.is_discarded() || !document.is_object()) return abi_error("not a JSON object");
    if (!document.contains("abi_version") || document["abi_version"] != 1)
      return abi_error("\"abi_version\" must be 1");
    Shape shape;
    if (document.contains("certificate_type") && document["certificate_type"].is_string())
      shape.certificate_type = document["certificate_type"].get<std::string>();
    GOVCHAIN_TRY(structs_and_events_of_json(document, shape));
    GOVCHAIN_TRY(methods_of_json(document.value("methods", json()), shape));
    GOVCHAIN_TRY(check_all_types(shape));
    return shape;
  } catch (const json::exception& failure) {
    return abi_error(failure.what());
  }
}

// ---- The module's section --------------------------------------------------------

// Reads an unsigned LEB128 of at most 32 bits at `position`.
bool read_leb_u32(ByteView bytes, size_t& position, uint32_t& value) {
  value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (position >= bytes.size()) return false;
    uint8_t byte = bytes[position++];
    if (shift == 28 && (byte & 0x70) != 0) return false;
    value |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// The concatenated "govchain_abi" custom sections; nullopt when there is none.
// The module was decoded by the runtime before, so only sizes are rechecked.
Result<std::optional<std::string>> abi_section(ByteView code) {
  std::optional<std::string> section;
  size_t position = 8;
  while (position < code.size()) {
    const uint8_t id = code[position++];
    uint32_t size = 0;
    if (!read_leb_u32(code, position, size) || size > code.size() - position)
      return error(Code::malformed, "module section out of bounds");
    const size_t end = position + size;
    size_t name_start = position;
    uint32_t name_size = 0;
    if (id == 0 && read_leb_u32(code, name_start, name_size) && name_size <= end - name_start &&
        std::string_view(reinterpret_cast<const char*>(code.data() + name_start), name_size) == "govchain_abi") {
      if (!section) section.emplace();
      section->append(code.begin() + static_cast<std::ptrdiff_t>(name_start + name_size),
                      code.begin() + static_cast<std::ptrdiff_t>(end));
      if (section->size() > abi_section_size_bytes_max) return abi_error("the module's ABI section exceeds 64 KiB");
    }
    position = end;
  }
  return section;
}

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

Fields fields_of_entry(std::string_view text) {
  std::string compact;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n') compact += c;
  Fields fields;
  for (const std::string& item : split(compact, ',', SIZE_MAX)) {
    size_t colon = item.find(':');
    if (!item.empty())
      fields.push_back({item.substr(0, colon), colon == std::string::npos ? "" : item.substr(colon + 1)});
  }
  return fields;
}

// One entry of the section (see sdk/client/abi_module.cpp for the format);
// `returns_structs` collects "@struct" returns to expand afterwards.
Status read_section_entry(std::string_view entry, Shape& shape, std::map<std::string, std::string>& returns_structs) {
  std::vector<std::string> parts = split(entry, '|', 5);
  const std::string& kind = parts[0];
  if (kind == "contract" && parts.size() == 5) {
    shape.certificate_type = parts[3];
  } else if (kind == "struct" && parts.size() == 3) {
    shape.types[parts[1]] = fields_of_entry(parts[2]);
  } else if (kind == "event" && parts.size() == 3) {
    shape.events[parts[1]] = parts[2];
  } else if (kind == "method" && parts.size() == 5) {
    Method method{parts[2], fields_of_entry(parts[3]), {}};
    if (!parts[4].empty() && parts[4][0] == '@')
      returns_structs[parts[1]] = parts[4].substr(1);
    else
      method.returns = fields_of_entry(parts[4]);
    shape.methods[parts[1]] = std::move(method);
  } else {
    return abi_error("the module's ABI section has an entry of unknown form ('" + kind + "')");
  }
  return Status();
}

Result<Shape> shape_of_section(const std::string& section) {
  Shape shape;
  std::map<std::string, std::string> returns_structs;
  for (const std::string& entry : split(section, '\0', SIZE_MAX))
    if (!entry.empty()) GOVCHAIN_TRY(read_section_entry(entry, shape, returns_structs));
  for (const auto& [method, type] : returns_structs) {
    auto found = shape.types.find(type);
    if (found == shape.types.end())
      return abi_error("method '" + method + "' returns the unknown struct '" + type + "'");
    shape.methods[method].returns = found->second;
  }
  return shape;
}

// ---- Comparing ---------------------------------------------------------------------

std::string describe(const Fields& fields) {
  std::string text;
  for (const Field& field : fields) text += (text.empty() ? "" : ", ") + field.name + ": " + field.type;
  return "(" + text + ")";
}

Status mismatch(const std::string& what) {
  return error(Code::invalid_argument, "the ABI does not describe the module: " + what +
                                           " (send the ABI the module carries: `govchain contract abi FILE.wasm`)");
}

Status compare_method(const std::string& name, const Method& declared, const Method& actual) {
  const std::string where = "method '" + name + "'";
  if (declared.kind != actual.kind)
    return mismatch(where + " is a " + declared.kind + " in the ABI but a " + actual.kind + " in the module");
  if (declared.arguments != actual.arguments)
    return mismatch(where + ": the ABI lists the arguments " + describe(declared.arguments) + ", the module decodes " +
                    describe(actual.arguments));
  if (declared.returns != actual.returns)
    return mismatch(where + ": the ABI lists the returns " + describe(declared.returns) + ", the module returns " +
                    describe(actual.returns));
  return Status();
}

Status compare_shapes(const Shape& declared, const Shape& actual) {
  for (const auto& [name, method] : declared.methods) {
    auto found = actual.methods.find(name);
    if (found == actual.methods.end()) return mismatch("method '" + name + "' is not declared by the module");
    GOVCHAIN_TRY(compare_method(name, method, found->second));
  }
  for (const auto& [name, method] : actual.methods)
    if (!declared.methods.count(name)) return mismatch("method '" + name + "' of the module is missing from the ABI");
  if (declared.types != actual.types) {
    for (const auto& [name, fields] : actual.types) {
      auto found = declared.types.find(name);
      if (found == declared.types.end() || found->second != fields)
        return mismatch("struct '" + name + "' differs (the module has " + describe(fields) + ")");
    }
    return mismatch("the ABI has structs the module does not declare");
  }
  if (declared.events != actual.events) return mismatch("the events differ");
  if (declared.certificate_type != actual.certificate_type)
    return mismatch("the certificate type is '" + declared.certificate_type + "' in the ABI but '" +
                    actual.certificate_type + "' in the module");
  return Status();
}

Status check_exports(const runtime::Module& module, const Shape& shape) {
  for (const auto& entry : shape.methods) {
    const std::string& name = entry.first;
    auto exported = std::find_if(module.exports.begin(), module.exports.end(), [&](const runtime::Export& candidate) {
      return candidate.name == name && candidate.kind == runtime::ExternalKind::function;
    });
    if (exported == module.exports.end())
      return error(Code::invalid_argument, "ABI method '" + name + "' is not a function the module exports");
    if (!(module.function_type(exported->index) == runtime::FunctionType{}))
      return error(Code::invalid_argument, "ABI method '" + name +
                                               "' is exported with parameters or results; "
                                               "contract methods take and return nothing");
  }
  return Status();
}

bool imports_debug_print(const runtime::Module& module) {
  return std::any_of(module.imports.begin(), module.imports.end(), [](const runtime::Import& entry) {
    return entry.module_name == "govchain" && entry.field_name == "debug_print";
  });
}

// ---- Call arguments --------------------------------------------------------------------

bool satisfies(std::string_view type, std::string_view text);

const char* rule_of(std::string_view type);

// Walks one value of `type`; a refusal says what is wrong, never the value.
Status check_value(const Shape& shape, std::string_view type, codec::Reader& reader, size_t depth) {
  if (depth > abi_nesting_depth_max) return error(Code::invalid_argument, "nests too deep");
  Status decoded;
  if (size_t size = fixed_size_bytes(type); size > 0) {
    decoded = type == "bool" ? reader.boolean().status() : reader.raw(size).status();
  } else if (is_text_type(type)) {
    auto text = reader.text(reader.remaining());
    if (text.ok() && !satisfies(type, *text)) return error(Code::invalid_argument, rule_of(type));
    decoded = text.status();
  } else if (is_list(type)) {
    auto count = reader.count(reader.remaining(), 1);
    for (size_t index = 0; count.ok() && index < *count; ++index)
      GOVCHAIN_TRY(check_value(shape, element_of(type), reader, depth + 1));
    decoded = count.status();
  } else if (auto found = shape.types.find(std::string(type)); found != shape.types.end()) {
    for (const Field& field : found->second) GOVCHAIN_TRY(check_value(shape, field.type, reader, depth + 1));
  }
  if (!decoded.ok()) return error(Code::invalid_argument, "does not decode: " + decoded.message());
  return Status();
}

bool is_lower_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alphanumeric(char c) { return is_lower_alphanumeric(c) || (c >= 'A' && c <= 'Z'); }

bool all_of_text(std::string_view text, size_t size_max, bool (*allowed)(char)) {
  return !text.empty() && text.size() <= size_max && std::all_of(text.begin(), text.end(), allowed);
}

bool is_date_text(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return false;
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  int day = (text[8] - '0') * 10 + (text[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// The rules of sdk/contract/govchain/codes.h.
bool satisfies(std::string_view type, std::string_view text) {
  if (type == "code") return all_of_text(text, 32, [](char c) { return is_lower_alphanumeric(c) || c == '_'; });
  if (type == "name")
    return all_of_text(text, 64, [](char c) { return is_lower_alphanumeric(c) || c == '_' || c == '-' || c == '.'; });
  if (type == "zone")
    return !text.empty() && is_alphanumeric(text[0]) &&
           all_of_text(text, 64, [](char c) { return is_alphanumeric(c) || c == '_' || c == '-' || c == '.'; });
  if (type == "label") return all_of_text(text, 128, [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (type == "date") return is_date_text(text);
  return true;
}

const char* rule_of(std::string_view type) {
  if (type == "code") return "must be a code: 1..32 of [a-z0-9_], no free text";
  if (type == "name") return "must be a name: 1..64 of [a-z0-9_.-]";
  if (type == "zone") return "must be a zone code: 1..64 of [A-Za-z0-9._-], starting with a letter or digit";
  if (type == "label") return "must be a label: 1..128 printable ASCII characters";
  if (type == "date") return "must be a date YYYY-MM-DD";
  return "is not valid";
}

// Parsed ABIs by their text: calls parse each stored ABI once.
Result<std::shared_ptr<const Shape>> cached_shape(std::string_view abi_json) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Shape>, std::less<>> cache;
  static std::list<std::string> order;
  constexpr size_t entries_max = 64;
  {
    std::lock_guard lock(mutex);
    auto found = cache.find(abi_json);
    if (found != cache.end()) return found->second;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(Shape shape, parse_abi_json(abi_json));
  auto shared = std::make_shared<const Shape>(std::move(shape));
  std::lock_guard lock(mutex);
  if (cache.size() >= entries_max) {
    cache.erase(order.front());
    order.pop_front();
  }
  if (cache.emplace(std::string(abi_json), shared).second) order.emplace_back(abi_json);
  return shared;
}

}  // namespace

Status check_contract_deploy(const runtime::Module& module, const chain::ContractDeploy& deploy,
                             std::string_view chain_id) {
  if (imports_debug_print(module) && chain_id != dev_chain_id)
    return error(Code::invalid_argument,
                 "the module imports debug_print, which only the dev chain offers; build it "
                 "without -DGOVCHAIN_DEBUG");
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<std::string> section, abi_section(module.bytes));
  if (deploy.abi_json.empty()) {
    if (section) return error(Code::invalid_argument, "the module carries its ABI; deploy it with that ABI");
    return Status();
  }
  GOVCHAIN_ASSIGN_OR_RETURN(Shape declared, parse_abi_json(deploy.abi_json));
  GOVCHAIN_TRY(check_exports(module, declared));
  if (!section) return Status();
  GOVCHAIN_ASSIGN_OR_RETURN(Shape carried, shape_of_section(*section));
  return compare_shapes(declared, carried);
}

Status check_call_arguments(std::string_view abi_json, const chain::ContractCall& call) {
  if (abi_json.empty()) return Status();
  GOVCHAIN_ASSIGN_OR_RETURN(std::shared_ptr<const Shape> shape, cached_shape(abi_json));
  const std::string where = call.contract + "." + call.method;
  // A method the ABI does not name has no argument types to check; the
  // host's lookup of the export answers for it (for a module built with the
  // SDK, the exports are the ABI's methods, checked at deploy).
  auto method = shape->methods.find(call.method);
  if (method == shape->methods.end()) return Status();
  codec::Reader reader(call.arguments);
  for (const Field& field : method->second.arguments) {
    Status checked = check_value(*shape, field.type, reader, 0);
    if (!checked.ok())
      return error(Code::invalid_argument, where + ": argument '" + field.name + "' (" + field.type + ") " +
                                               checked.message() + "; the contract did not run");
  }
  if (reader.remaining() != 0)
    return error(Code::invalid_argument, where + ": " + std::to_string(reader.remaining()) +
                                             " bytes after the last argument; the contract did not run");
  return Status();
}

void define_debug_print(runtime::Linker& linker, const std::string& contract, const BlockContext& context) {
  const bool print = context.chain_id == dev_chain_id;
  linker.define_function(
      "govchain", "debug_print", {{runtime::ValueType::i32, runtime::ValueType::i32}, {}}, 10,
      [contract, print](runtime::HostContext& host, std::span<const runtime::Value> in, std::span<runtime::Value>) {
        const int32_t length = in[1].as_i32();
        if (length < 0 || length > static_cast<int32_t>(debug_text_size_bytes_max))
          return error(Code::trap, "debug text longer than 1 KiB");
        GOVCHAIN_TRY(host.charge_gas(static_cast<uint64_t>(length)));
        GOVCHAIN_ASSIGN_OR_RETURN(
            Bytes text, host.read_memory(static_cast<uint32_t>(in[0].as_i32()), static_cast<uint32_t>(length)));
        if (!print) return Status();
        std::string line(text.begin(), text.end());
        for (char& c : line)
          if (c < 0x20 || c > 0x7e) c = '?';
        std::fprintf(stderr, "contract %s debug: %s\n", contract.c_str(), line.c_str());
        return Status();
      });
}

}  // namespace govchain::execution
