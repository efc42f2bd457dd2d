// See abi.h. The parser reads the header, the structs, the methods and the
// events, then checks every type that any of them names.
#include "abi/abi.h"

#include <algorithm>
#include <set>

namespace govchain::abi {

using json = nlohmann::json;

namespace {

bool is_lower_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alphanumeric(char c) { return is_lower_alphanumeric(c) || (c >= 'A' && c <= 'Z'); }

bool all_of_text(std::string_view text, size_t size_max, bool (*allowed)(char)) {
  return !text.empty() && text.size() <= size_max && std::all_of(text.begin(), text.end(), allowed);
}

// YYYY-MM-DD with a month 1..12 and a day 1..31; the calendar is the
// contract's business (2026-02-30 passes, as in codes.h).
bool is_date_text(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return false;
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  int day = (text[8] - '0') * 10 + (text[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// ---- Checking the types an ABI names ----------------------------------------------

Status check_type(const Abi& abi, std::string_view type, std::set<std::string>& open_structs, size_t depth) {
  if (depth > nesting_depth_max)
    return error(Code::malformed,
                 "type '" + std::string(type) + "' nests deeper than " + std::to_string(nesting_depth_max) + " levels");
  if (is_builtin_type(type)) return Status();
  if (is_list_type(type)) return check_type(abi, list_element_type(type), open_structs, depth + 1);
  auto found = abi.types.find(std::string(type));
  if (found == abi.types.end())
    return error(Code::malformed, "unknown type '" + std::string(type) +
                                      "' (neither a built-in type, list<T>, nor a struct of \"types\")");
  if (!open_structs.insert(found->first).second)
    return error(Code::malformed, "struct '" + found->first + "' contains itself");
  for (const auto& field : found->second)
    GOVCHAIN_TRY(check_type(abi, field.type, open_structs, depth + 1).with_context("struct '" + found->first + "'"));
  open_structs.erase(found->first);
  return Status();
}

Status check_all_types(const Abi& abi) {
  std::set<std::string> open_structs;
  for (const auto& [name, fields] : abi.types) GOVCHAIN_TRY(check_type(abi, name, open_structs, 0));
  for (const auto& method : abi.methods) {
    for (const auto& field : method.arguments)
      GOVCHAIN_TRY(check_type(abi, field.type, open_structs, 0)
                       .with_context("method '" + method.name + "' argument '" + field.name + "'"));
    for (const auto& field : method.returns)
      GOVCHAIN_TRY(check_type(abi, field.type, open_structs, 0)
                       .with_context("method '" + method.name + "' return '" + field.name + "'"));
  }
  return Status();
}

// ---- The document's parts -----------------------------------------------------------

Result<Fields> parse_fields(const json& list, const std::string& where) {
  if (!list.is_array()) return error(Code::malformed, where + " must be an array of {\"name\", \"type\"}");
  if (list.size() > fields_max)
    return error(Code::too_large, where + ": more than " + std::to_string(fields_max) + " entries");
  Fields fields;
  std::set<std::string> names;
  for (const auto& entry : list) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() || !entry.contains("type") ||
        !entry["type"].is_string())
      return error(Code::malformed, where + ": each entry must be {\"name\": string, \"type\": string}");
    Field field{entry["name"].get<std::string>(), entry["type"].get<std::string>()};
    if (!is_abi_name(field.name))
      return error(Code::malformed, where + ": name '" + field.name + "' is not 1..64 of [a-z0-9_]");
    if (!names.insert(field.name).second) return error(Code::malformed, where + ": name '" + field.name + "' twice");
    fields.push_back(std::move(field));
  }
  return fields;
}

Result<Method> parse_method(const json& entry) {
  if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string())
    return error(Code::malformed, "each method must be an object with a string \"name\"");
  Method method;
  method.name = entry["name"].get<std::string>();
  if (!is_abi_name(method.name))
    return error(Code::malformed, "method name '" + method.name + "' is not 1..64 of [a-z0-9_]");
  const std::string where = "method '" + method.name + "'";
  std::string kind = entry.value("kind", std::string("call"));
  if (kind != "call" && kind != "query")
    return error(Code::malformed, where + ": kind must be \"call\" or \"query\", not '" + kind + "'");
  method.kind = kind == "query" ? MethodKind::query : MethodKind::call;
  GOVCHAIN_ASSIGN_OR_RETURN(method.arguments,
                            parse_fields(entry.value("arguments", json::array()), where + " arguments"));
  GOVCHAIN_ASSIGN_OR_RETURN(method.returns, parse_fields(entry.value("returns", json::array()), where + " returns"));
  return method;
}

std::string optional_text(const json& document, const char* key) {
  if (!document.contains(key) || !document[key].is_string()) return "";
  return document[key].get<std::string>();
}

// Any JSON number equal to 1 (1, 1.0) is version 1: the node has always
// compared the value, and what it accepts is a rule of the chain.
Status parse_header(const json& document, Abi& abi) {
  if (!document.is_object()) return error(Code::malformed, "an ABI must be a JSON object");
  if (!document.contains("abi_version") || document["abi_version"] != abi_version_supported)
    return error(Code::malformed, "\"abi_version\" must be " + std::to_string(abi_version_supported));
  abi.contract = optional_text(document, "contract");
  abi.version = optional_text(document, "version");
  abi.description = optional_text(document, "description");
  abi.certificate_type = optional_text(document, "certificate_type");
  return Status();
}

Status parse_structs(const json& document, Abi& abi) {
  if (!document.contains("types")) return Status();
  if (!document["types"].is_object()) return error(Code::malformed, "\"types\" must be an object of structs");
  if (document["types"].size() > types_max)
    return error(Code::too_large, "more than " + std::to_string(types_max) + " types");
  for (const auto& [name, fields] : document["types"].items()) {
    if (!is_abi_name(name) || is_builtin_type(name))
      return error(Code::malformed, "struct name '" + name + "' is not 1..64 of [a-z0-9_] or is a built-in type");
    GOVCHAIN_ASSIGN_OR_RETURN(abi.types[name], parse_fields(fields, "struct '" + name + "'"));
    if (abi.types[name].empty()) return error(Code::malformed, "struct '" + name + "' has no fields");
  }
  return Status();
}

Status parse_methods(const json& document, Abi& abi) {
  if (!document.contains("methods") || !document["methods"].is_array())
    return error(Code::malformed, "\"methods\" must be an array");
  if (document["methods"].size() > methods_max)
    return error(Code::too_large, "more than " + std::to_string(methods_max) + " methods");
  std::set<std::string> names;
  for (const auto& entry : document["methods"]) {
    GOVCHAIN_ASSIGN_OR_RETURN(Method method, parse_method(entry));
    if (!names.insert(method.name).second)
      return error(Code::malformed, "method '" + method.name + "' is defined twice");
    abi.methods.push_back(std::move(method));
  }
  return Status();
}

// "events": [{"topic": "certificate.active", "type": "<struct>"}, ...].
Status parse_events(const json& document, Abi& abi) {
  if (!document.contains("events")) return Status();
  const json& list = document["events"];
  if (!list.is_array()) return error(Code::malformed, "\"events\" must be an array of {\"topic\", \"type\"}");
  if (list.size() > events_max) return error(Code::too_large, "more than " + std::to_string(events_max) + " events");
  for (const auto& entry : list) {
    if (!entry.is_object() || !entry.contains("topic") || !entry["topic"].is_string() || !entry.contains("type") ||
        !entry["type"].is_string())
      return error(Code::malformed, "each event must be {\"topic\": string, \"type\": string}");
    Event event{entry["topic"].get<std::string>(), entry["type"].get<std::string>()};
    if (!is_event_topic(event.topic))
      return error(Code::malformed, "event topic '" + event.topic + "' is not 1..64 of [a-z0-9_.]");
    if (abi.find_event(event.topic) != nullptr)
      return error(Code::malformed, "event '" + event.topic + "' is declared twice");
    if (!abi.types.count(event.type))
      return error(Code::malformed,
                   "event '" + event.topic + "': its type '" + event.type + "' is not a struct of \"types\"");
    abi.events.push_back(std::move(event));
  }
  return Status();
}

}  // namespace

std::string_view method_kind_name(MethodKind kind) { return kind == MethodKind::query ? "query" : "call"; }

const Method* Abi::find_method(std::string_view name) const {
  for (const auto& method : methods)
    if (method.name == name) return &method;
  return nullptr;
}

const Event* Abi::find_event(std::string_view topic) const {
  for (const auto& event : events)
    if (event.topic == topic) return &event;
  return nullptr;
}

size_t fixed_size_bytes(std::string_view type) {
  if (type == "u32") return 4;
  if (type == "u64" || type == "i64") return 8;
  if (type == "bool") return 1;
  if (type == "hash" || type == "pubkey") return 32;
  if (type == "signature") return 64;
  return 0;
}

bool is_list_type(std::string_view type) {
  return type.size() > 6 && type.substr(0, 5) == "list<" && type.back() == '>';
}

std::string_view list_element_type(std::string_view type) { return type.substr(5, type.size() - 6); }

bool is_builtin_type(std::string_view type) {
  return fixed_size_bytes(type) > 0 || type == "string" || type == "bytes" || text_rule(type) != nullptr;
}

// The rules and their wording are the contract SDK's (codes.h), which
// checks the same texts inside the contract.
const char* text_rule(std::string_view type) {
  if (type == "code") return "a code: 1..32 of [a-z0-9_], no free text";
  if (type == "zone") return "a zone code: 1..64 of [A-Za-z0-9._-], starting with a letter or digit";
  if (type == "name") return "a name: 1..64 of [a-z0-9_.-]";
  if (type == "date") return "a date YYYY-MM-DD";
  if (type == "label") return "a label: 1..128 printable ASCII characters";
  return nullptr;
}

bool satisfies_text_rule(std::string_view type, std::string_view text) {
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

bool is_abi_name(std::string_view name) {
  return all_of_text(name, name_size_bytes_max, [](char c) { return is_lower_alphanumeric(c) || c == '_'; });
}

bool is_event_topic(std::string_view topic) {
  return all_of_text(topic, name_size_bytes_max,
                     [](char c) { return is_lower_alphanumeric(c) || c == '_' || c == '.'; });
}

Result<Abi> parse_abi_document(const json& document) {
  try {
    Abi abi;
    GOVCHAIN_TRY(parse_header(document, abi));
    GOVCHAIN_TRY(parse_structs(document, abi));
    GOVCHAIN_TRY(parse_methods(document, abi));
    GOVCHAIN_TRY(parse_events(document, abi));
    GOVCHAIN_TRY(check_all_types(abi));
    return abi;
  } catch (const json::exception& failure) {
    // A value of the wrong JSON type where value() reads one ("kind": 1).
    return error(Code::malformed, failure.what());
  }
}

Result<Abi> parse_abi(std::string_view json_text) {
  if (json_text.size() > abi_size_bytes_max)
    return error(Code::too_large, "ABI: it has " + std::to_string(json_text.size()) + " bytes; at most " +
                                      std::to_string(abi_size_bytes_max) + " are allowed");
  json document = json::parse(json_text, nullptr, false);
  if (document.is_discarded()) return error(Code::malformed, "ABI: not valid JSON");
  auto abi = parse_abi_document(document);
  if (!abi.ok()) return abi.status().with_context("ABI");
  return abi;
}

std::string describe_fields(const Fields& fields) {
  std::string text;
  for (const auto& field : fields) text += (text.empty() ? "" : ", ") + field.name + ": " + field.type;
  return text;
}

}  // namespace govchain::abi
