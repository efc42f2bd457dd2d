#include "client/abi.h"

#include <limits>
#include <set>

#include "codec/codec.h"

namespace govchain::client::abi {

using json = nlohmann::json;

namespace {

// Largest integer a JSON number carries exactly in every JavaScript reader.
constexpr uint64_t json_safe_integer_max = (uint64_t{1} << 53) - 1;
constexpr size_t shown_value_size_max = 48;

bool is_list_type(std::string_view type) {
  return type.size() > 6 && type.substr(0, 5) == "list<" && type.back() == '>';
}

std::string_view list_element_type(std::string_view type) { return type.substr(5, type.size() - 6); }

// Encoded size of one fixed-size type, or 0 for the variable-size ones.
size_t fixed_size_bytes(std::string_view type) {
  if (type == "u32") return 4;
  if (type == "u64" || type == "i64") return 8;
  if (type == "bool") return 1;
  if (type == "hash" || type == "pubkey") return 32;
  if (type == "signature") return 64;
  return 0;
}

bool is_primitive_type(std::string_view type) {
  return fixed_size_bytes(type) > 0 || type == "string" || type == "bytes" || text_rule(type) != nullptr;
}

bool is_lower_alphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alphanumeric(char c) { return is_lower_alphanumeric(c) || (c >= 'A' && c <= 'Z'); }

bool is_code_text(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  for (char c : text)
    if (!(is_lower_alphanumeric(c) || c == '_')) return false;
  return true;
}

bool is_zone_text(std::string_view text) {
  if (text.empty() || text.size() > 64 || !is_alphanumeric(text[0])) return false;
  for (char c : text)
    if (!(is_alphanumeric(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

bool is_name_text(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  for (char c : text)
    if (!(is_lower_alphanumeric(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

bool is_date_text(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (text[i] < '0' || text[i] > '9') return false;
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  int day = (text[8] - '0') * 10 + (text[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool is_label_text(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool is_abi_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char character : name)
    if (!((character >= 'a' && character <= 'z') || (character >= '0' && character <= '9') || character == '_'))
      return false;
  return true;
}

// What the caller gave, for error messages: JSON type and a short excerpt.
std::string describe_given(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > shown_value_size_max) text = text.substr(0, shown_value_size_max) + "...";
  return std::string(value.type_name()) + " " + text;
}

Status argument_error(const std::string& path, std::string_view type, std::string_view expected, const json& given) {
  return error(Code::invalid_argument, "argument '" + path + "' (" + std::string(type) + "): expected " +
                                           std::string(expected) + ", got " + describe_given(given));
}

// ---- ABI parsing ----------------------------------------------------------

Status check_type(const Abi& abi, std::string_view type, std::set<std::string>& open_structs, size_t depth) {
  if (depth > nesting_depth_max)
    return error(Code::malformed, "type '" + std::string(type) + "' nests deeper than " +
                                      std::to_string(nesting_depth_max) + " levels");
  if (is_primitive_type(type)) return Status();
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

Result<std::vector<Field>> parse_fields(const json& list, const std::string& where) {
  if (!list.is_array()) return error(Code::malformed, where + " must be an array of {\"name\", \"type\"}");
  if (list.size() > fields_max)
    return error(Code::too_large, where + ": more than " + std::to_string(fields_max) + " entries");
  std::vector<Field> fields;
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
  GOVCHAIN_ASSIGN_OR_RETURN(method.arguments, parse_fields(entry.value("arguments", json::array()), where + " arguments"));
  GOVCHAIN_ASSIGN_OR_RETURN(method.returns, parse_fields(entry.value("returns", json::array()), where + " returns"));
  return method;
}

std::string optional_text(const json& document, const char* key) {
  if (!document.contains(key) || !document[key].is_string()) return "";
  return document[key].get<std::string>();
}

Status parse_header(const json& document, Abi& abi) {
  if (!document.is_object()) return error(Code::malformed, "an ABI must be a JSON object");
  if (!document.contains("abi_version") || !document["abi_version"].is_number_unsigned() ||
      document["abi_version"].get<uint64_t>() != abi_version_supported)
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
    if (!is_abi_name(name) || is_primitive_type(name))
      return error(Code::malformed, "struct name '" + name + "' is not 1..64 of [a-z0-9_] or is a built-in type");
    GOVCHAIN_ASSIGN_OR_RETURN(abi.types[name], parse_fields(fields, "struct '" + name + "'"));
    if (abi.types[name].empty()) return error(Code::malformed, "struct '" + name + "' has no fields");
  }
  return Status();
}

// "events": [{"topic": "certificate.active", "type": "<struct>"}, ...]; a
// topic is 1..64 of [a-z0-9_.] (the host's limit on topics).
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
    bool topic_ok = !event.topic.empty() && event.topic.size() <= 64;
    for (char c : event.topic) topic_ok = topic_ok && (is_lower_alphanumeric(c) || c == '_' || c == '.');
    if (!topic_ok) return error(Code::malformed, "event topic '" + event.topic + "' is not 1..64 of [a-z0-9_.]");
    if (abi.find_event(event.topic) != nullptr)
      return error(Code::malformed, "event '" + event.topic + "' is declared twice");
    if (!abi.types.count(event.type))
      return error(Code::malformed,
                   "event '" + event.topic + "': its type '" + event.type + "' is not a struct of \"types\"");
    abi.events.push_back(std::move(event));
  }
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

// ---- Encoding ----------------------------------------------------------------

Result<uint64_t> parse_unsigned(const json& value, uint64_t maximum, const std::string& path, std::string_view type) {
  const std::string expected = "an integer 0.." + std::to_string(maximum) + " (JSON number or decimal string)";
  uint64_t result = 0;
  if (value.is_number_unsigned()) {
    result = value.get<uint64_t>();
  } else if (value.is_number_integer()) {
    if (value.get<int64_t>() < 0) return argument_error(path, type, expected, value);
    result = static_cast<uint64_t>(value.get<int64_t>());
  } else if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
      return argument_error(path, type, expected, value);
    for (char character : text) {
      const auto digit = static_cast<uint64_t>(character - '0');
      if (result > (std::numeric_limits<uint64_t>::max() - digit) / 10)
        return argument_error(path, type, expected, value);
      result = result * 10 + digit;
    }
  } else {
    return argument_error(path, type, expected, value);
  }
  if (result > maximum) return argument_error(path, type, expected, value);
  return result;
}

Result<int64_t> parse_signed(const json& value, const std::string& path, std::string_view type) {
  const std::string expected = "a signed 64-bit integer (JSON number or decimal string)";
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
  if (value.is_number_unsigned()) {
    if (value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return argument_error(path, type, expected, value);
    return static_cast<int64_t>(value.get<uint64_t>());
  }
  if (!value.is_string()) return argument_error(path, type, expected, value);
  std::string text = value.get<std::string>();
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  auto magnitude = parse_unsigned(json(text), uint64_t{1} << 63, path, type);
  if (!magnitude.ok()) return argument_error(path, type, expected, value);
  if (!negative && *magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return argument_error(path, type, expected, value);
  return negative ? static_cast<int64_t>(0 - *magnitude) : static_cast<int64_t>(*magnitude);
}

Result<Bytes> parse_hex(const json& value, size_t size_bytes, const std::string& path, std::string_view type) {
  const std::string expected = size_bytes == 0 ? std::string("a hex string (even length, no 0x)")
                                               : std::to_string(2 * size_bytes) + " hex digits";
  if (!value.is_string()) return argument_error(path, type, expected, value);
  auto bytes = from_hex(value.get_ref<const std::string&>());
  if (!bytes.ok() || (size_bytes > 0 && bytes->size() != size_bytes))
    return argument_error(path, type, expected, value);
  return bytes;
}

Status encode_any(const Abi& abi, std::string_view type, const json& value, const std::string& path,
                  codec::Writer& writer, size_t depth);

Status encode_list(const Abi& abi, std::string_view type, const json& value, const std::string& path,
                   codec::Writer& writer, size_t depth) {
  if (!value.is_array()) return argument_error(path, type, "a JSON array", value);
  if (value.size() > std::numeric_limits<uint32_t>::max())
    return argument_error(path, type, "at most 2^32-1 elements", value);
  writer.count(value.size());
  std::string_view element_type = list_element_type(type);
  for (size_t index = 0; index < value.size(); ++index)
    GOVCHAIN_TRY(encode_any(abi, element_type, value[index], path + "[" + std::to_string(index) + "]", writer,
                            depth + 1));
  return Status();
}

Status encode_struct(const Abi& abi, const std::string& name, const std::vector<Field>& fields, const json& value,
                     const std::string& path, codec::Writer& writer, size_t depth) {
  if (!value.is_object())
    return argument_error(path, name, "a JSON object with the fields " + describe_fields(fields), value);
  for (const auto& [key, ignored] : value.items()) {
    bool known = false;
    for (const auto& field : fields) known = known || field.name == key;
    if (!known)
      return error(Code::invalid_argument, "argument '" + path + "' (" + name + "): unknown field '" + key +
                                               "'; the fields are " + describe_fields(fields));
  }
  for (const auto& field : fields) {
    if (!value.contains(field.name))
      return error(Code::invalid_argument, "argument '" + path + "' (" + name + "): missing field '" + field.name +
                                               "' (" + field.type + ")");
    GOVCHAIN_TRY(encode_any(abi, field.type, value[field.name], path + "." + field.name, writer, depth + 1));
  }
  return Status();
}

Status encode_primitive(std::string_view type, const json& value, const std::string& path, codec::Writer& writer) {
  if (type == "u32") {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t number, parse_unsigned(value, std::numeric_limits<uint32_t>::max(), path, type));
    writer.u32(static_cast<uint32_t>(number));
  } else if (type == "u64") {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t number, parse_unsigned(value, std::numeric_limits<uint64_t>::max(), path, type));
    writer.u64(number);
  } else if (type == "i64") {
    GOVCHAIN_ASSIGN_OR_RETURN(int64_t number, parse_signed(value, path, type));
    writer.i64(number);
  } else if (type == "bool") {
    if (!value.is_boolean()) return argument_error(path, type, "true or false", value);
    writer.boolean(value.get<bool>());
  } else if (type == "string") {
    if (!value.is_string()) return argument_error(path, type, "a JSON string", value);
    writer.text(value.get_ref<const std::string&>());
  } else if (const char* rule = text_rule(type)) {
    if (!value.is_string() || !satisfies_text_rule(type, value.get_ref<const std::string&>()))
      return argument_error(path, type, rule, value);
    writer.text(value.get_ref<const std::string&>());
  } else {
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes bytes, parse_hex(value, fixed_size_bytes(type), path, type));
    if (type == "bytes") {
      writer.bytes(bytes);
    } else {
      writer.raw(bytes);
    }
  }
  return Status();
}

Status encode_any(const Abi& abi, std::string_view type, const json& value, const std::string& path,
                  codec::Writer& writer, size_t depth) {
  if (depth > nesting_depth_max)
    return error(Code::invalid_argument, "argument '" + path + "' nests deeper than " +
                                             std::to_string(nesting_depth_max) + " levels");
  if (is_primitive_type(type)) return encode_primitive(type, value, path, writer);
  if (is_list_type(type)) return encode_list(abi, type, value, path, writer, depth);
  auto found = abi.types.find(std::string(type));
  if (found == abi.types.end())
    return error(Code::invalid_argument, "argument '" + path + "': the ABI has no type '" + std::string(type) + "'");
  return encode_struct(abi, found->first, found->second, value, path, writer, depth);
}

// ---- Decoding ----------------------------------------------------------------

bool is_valid_utf8(std::string_view text) {
  size_t index = 0;
  while (index < text.size()) {
    auto lead = static_cast<uint8_t>(text[index]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || index + length > text.size()) return false;
    uint32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t offset = 1; offset < length; ++offset) {
      auto continuation = static_cast<uint8_t>(text[index + offset]);
      if ((continuation >> 6) != 0x2) return false;
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < smallest[length] || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
      return false;
    index += length;
  }
  return true;
}

json integer_json(uint64_t magnitude, bool negative) {
  if (magnitude <= json_safe_integer_max)
    return negative ? json(-static_cast<int64_t>(magnitude)) : json(magnitude);
  return (negative ? "-" : "") + std::to_string(magnitude);
}

Result<json> decode_any(const Abi& abi, std::string_view type, codec::Reader& reader, size_t depth);

// The codec reports over-long counts as too_large; for return bytes every
// refusal means the same: they are not the one encoding.
Status as_malformed(const Status& status) {
  if (status.ok() || status.code() == Code::malformed) return status;
  return error(Code::malformed, status.message());
}

Result<json> decode_primitive(std::string_view type, codec::Reader& reader) {
  if (type == "u32") {
    GOVCHAIN_ASSIGN_OR_RETURN(uint32_t number, reader.u32());
    return json(number);
  }
  if (type == "u64") {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t number, reader.u64());
    return integer_json(number, false);
  }
  if (type == "i64") {
    GOVCHAIN_ASSIGN_OR_RETURN(int64_t number, reader.i64());
    uint64_t magnitude = number < 0 ? 0 - static_cast<uint64_t>(number) : static_cast<uint64_t>(number);
    return integer_json(magnitude, number < 0);
  }
  if (type == "bool") {
    GOVCHAIN_ASSIGN_OR_RETURN(bool flag, reader.boolean());
    return json(flag);
  }
  if (type == "string") {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string text, reader.text(reader.remaining()));
    if (!is_valid_utf8(text)) return error(Code::malformed, "string is not valid UTF-8");
    return json(std::move(text));
  }
  if (const char* rule = text_rule(type)) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string text, reader.text(reader.remaining()));
    if (!satisfies_text_rule(type, text)) return error(Code::malformed, std::string(type) + " " + rule);
    return json(std::move(text));
  }
  if (type == "bytes") {
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes bytes, reader.bytes(reader.remaining()));
    return json(to_hex(bytes));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(ByteView raw, reader.raw(fixed_size_bytes(type)));
  return json(to_hex(raw));
}

Result<json> decode_list(const Abi& abi, std::string_view type, codec::Reader& reader, size_t depth) {
  // Every element takes at least one byte (structs have fields), which bounds the loop.
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(reader.remaining(), 1));
  json list = json::array();
  std::string_view element_type = list_element_type(type);
  for (size_t index = 0; index < count; ++index) {
    auto element = decode_any(abi, element_type, reader, depth + 1);
    if (!element.ok()) return element.status().with_context("[" + std::to_string(index) + "]");
    list.push_back(std::move(*element));
  }
  return list;
}

Result<json> decode_fields(const Abi& abi, const std::vector<Field>& fields, codec::Reader& reader, size_t depth) {
  json object = json::object();
  for (const auto& field : fields) {
    auto value = decode_any(abi, field.type, reader, depth + 1);
    if (!value.ok()) return value.status().with_context(field.name + " (" + field.type + ")");
    object[field.name] = std::move(*value);
  }
  return object;
}

Result<json> decode_any(const Abi& abi, std::string_view type, codec::Reader& reader, size_t depth) {
  if (depth > nesting_depth_max)
    return error(Code::malformed, "value nests deeper than " + std::to_string(nesting_depth_max) + " levels");
  if (is_primitive_type(type)) return decode_primitive(type, reader);
  if (is_list_type(type)) return decode_list(abi, type, reader, depth);
  auto found = abi.types.find(std::string(type));
  if (found == abi.types.end()) return error(Code::malformed, "the ABI has no type '" + std::string(type) + "'");
  return decode_fields(abi, found->second, reader, depth);
}

Status encode_argument_object(const Abi& abi, const Method& method, const json& arguments, codec::Writer& writer) {
  for (const auto& [key, ignored] : arguments.items()) {
    bool known = false;
    for (const auto& field : method.arguments) known = known || field.name == key;
    if (!known)
      return error(Code::invalid_argument, "method '" + method.name + "' has no argument '" + key +
                                               "'; it takes (" + describe_fields(method.arguments) + ")");
  }
  for (const auto& field : method.arguments) {
    if (!arguments.contains(field.name))
      return error(Code::invalid_argument, "method '" + method.name + "': missing argument '" + field.name + "' (" +
                                               field.type + "); it takes (" + describe_fields(method.arguments) + ")");
    GOVCHAIN_TRY(encode_any(abi, field.type, arguments[field.name], field.name, writer, 0));
  }
  return Status();
}

Status encode_argument_array(const Abi& abi, const Method& method, const json& arguments, codec::Writer& writer) {
  if (arguments.size() != method.arguments.size())
    return error(Code::invalid_argument, "method '" + method.name + "' takes " +
                                             std::to_string(method.arguments.size()) + " arguments (" +
                                             describe_fields(method.arguments) + "), got " +
                                             std::to_string(arguments.size()));
  for (size_t index = 0; index < arguments.size(); ++index) {
    const Field& field = method.arguments[index];
    GOVCHAIN_TRY(encode_any(abi, field.type, arguments[index], field.name, writer, 0));
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

const char* text_rule(std::string_view type) {
  if (type == "code") return "a code: 1..32 of [a-z0-9_] (no free text)";
  if (type == "zone") return "a zone code: 1..64 of [A-Za-z0-9._-], starting with a letter or digit";
  if (type == "name") return "a name: 1..64 of [a-z0-9_.-]";
  if (type == "date") return "a date YYYY-MM-DD";
  if (type == "label") return "a label: 1..128 printable ASCII characters";
  return nullptr;
}

bool satisfies_text_rule(std::string_view type, std::string_view text) {
  if (type == "code") return is_code_text(text);
  if (type == "zone") return is_zone_text(text);
  if (type == "name") return is_name_text(text);
  if (type == "date") return is_date_text(text);
  if (type == "label") return is_label_text(text);
  return true;
}

Result<Abi> parse_abi_document(const json& document) {
  try {
    Abi abi;
    GOVCHAIN_TRY(parse_header(document, abi));
    GOVCHAIN_TRY(parse_structs(document, abi));
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
    GOVCHAIN_TRY(parse_events(document, abi));
    GOVCHAIN_TRY(check_all_types(abi));
    return abi;
  } catch (const json::exception& failure) {
    return error(Code::malformed, std::string("ABI: ") + failure.what());
  }
}

Result<Abi> parse_abi(std::string_view json_text) {
  if (json_text.size() > abi_size_bytes_max)
    return error(Code::too_large, "the ABI has " + std::to_string(json_text.size()) + " bytes; at most " +
                                      std::to_string(abi_size_bytes_max) + " are allowed");
  json document = json::parse(json_text, nullptr, false);
  if (document.is_discarded()) return error(Code::malformed, "the ABI is not valid JSON");
  auto abi = parse_abi_document(document);
  if (!abi.ok()) return abi.status().with_context("ABI");
  return abi;
}

Result<const Method*> method_of(const Abi& abi, std::string_view name) {
  if (const Method* method = abi.find_method(name)) return method;
  std::string names;
  for (const auto& method : abi.methods) names += (names.empty() ? "" : ", ") + method.name;
  return error(Code::not_found, "contract '" + abi.contract + "' has no method '" + std::string(name) +
                                    "' in its ABI; its methods are: " + names);
}

Result<Bytes> encode_arguments(const Abi& abi, const Method& method, const json& arguments) {
  try {
    codec::Writer writer;
    if (arguments.is_null() && method.arguments.empty()) return Bytes{};
    if (arguments.is_object()) {
      GOVCHAIN_TRY(encode_argument_object(abi, method, arguments, writer));
    } else if (arguments.is_array()) {
      GOVCHAIN_TRY(encode_argument_array(abi, method, arguments, writer));
    } else {
      return error(Code::invalid_argument, "the arguments of '" + method.name +
                                               "' must be a JSON object {\"name\": value, ...} (or an array in "
                                               "ABI order), got " + describe_given(arguments));
    }
    return writer.take();
  } catch (const json::exception& failure) {
    return error(Code::invalid_argument, std::string("arguments: ") + failure.what());
  }
}

Result<json> decode_returns(const Abi& abi, const Method& method, ByteView bytes) {
  try {
    codec::Reader reader(bytes);
    auto object = decode_fields(abi, method.returns, reader, 0);
    if (!object.ok()) return as_malformed(object.status()).with_context("return value of '" + method.name + "'");
    Status finished = reader.finish();
    if (!finished.ok()) return finished.with_context("return value of '" + method.name + "'");
    return object;
  } catch (const json::exception& failure) {
    return error(Code::malformed, std::string("return value: ") + failure.what());
  }
}

Status encode_value(const Abi& abi, std::string_view type, const json& value, const std::string& path, Bytes& out) {
  try {
    codec::Writer writer;
    GOVCHAIN_TRY(encode_any(abi, type, value, path, writer, 0));
    const Bytes& encoded = writer.data();
    out.insert(out.end(), encoded.begin(), encoded.end());
    return Status();
  } catch (const json::exception& failure) {
    return error(Code::invalid_argument, "argument '" + path + "': " + failure.what());
  }
}

Result<json> decode_value(const Abi& abi, std::string_view type, ByteView bytes) {
  try {
    codec::Reader reader(bytes);
    auto value = decode_any(abi, type, reader, 0);
    if (!value.ok()) return as_malformed(value.status());
    GOVCHAIN_TRY(reader.finish());
    return value;
  } catch (const json::exception& failure) {
    return error(Code::malformed, failure.what());
  }
}

std::string describe_fields(const std::vector<Field>& fields) {
  std::string text;
  for (const auto& field : fields) text += (text.empty() ? "" : ", ") + field.name + ": " + field.type;
  return text;
}

}  // namespace govchain::client::abi
