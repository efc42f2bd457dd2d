// See abi.h. The ABI model, parser and rules are the abi library's
// (node/abi/); here is what portal software needs on top: JSON arguments
// encoded into the canonical bytes, and return values and events decoded
// back into JSON.
#include "client/abi.h"

#include <limits>

#include "abi/compare.h"
#include "codec/codec.h"

namespace govchain::abi {

using json = nlohmann::json;

namespace {

// Largest integer a JSON number carries exactly in every JavaScript reader.
constexpr uint64_t json_safe_integer_max = (uint64_t{1} << 53) - 1;
constexpr size_t shown_value_size_max = 48;

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
    GOVCHAIN_TRY(
        encode_any(abi, element_type, value[index], path + "[" + std::to_string(index) + "]", writer, depth + 1));
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
      return error(Code::invalid_argument,
                   "argument '" + path + "' (" + name + "): missing field '" + field.name + "' (" + field.type + ")");
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
    return error(Code::invalid_argument,
                 "argument '" + path + "' nests deeper than " + std::to_string(nesting_depth_max) + " levels");
  if (is_builtin_type(type)) return encode_primitive(type, value, path, writer);
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
  if (magnitude <= json_safe_integer_max) return negative ? json(-static_cast<int64_t>(magnitude)) : json(magnitude);
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
  if (is_builtin_type(type)) return decode_primitive(type, reader);
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
      return error(Code::invalid_argument, "method '" + method.name + "' has no argument '" + key + "'; it takes (" +
                                               describe_fields(method.arguments) + ")");
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
    return error(Code::invalid_argument,
                 "method '" + method.name + "' takes " + std::to_string(method.arguments.size()) + " arguments (" +
                     describe_fields(method.arguments) + "), got " + std::to_string(arguments.size()));
  for (size_t index = 0; index < arguments.size(); ++index) {
    const Field& field = method.arguments[index];
    GOVCHAIN_TRY(encode_any(abi, field.type, arguments[index], field.name, writer, 0));
  }
  return Status();
}

}  // namespace

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
                                               "ABI order), got " +
                                               describe_given(arguments));
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

Result<json> decode_event(const Abi& abi, std::string_view topic, ByteView data) {
  const Event* event = abi.find_event(topic);
  if (event == nullptr)
    return error(Code::not_found, "the ABI of '" + abi.contract + "' declares no event '" + std::string(topic) + "'");
  auto decoded = decode_value(abi, event->type, data);
  if (!decoded.ok()) return decoded.status().with_context("event '" + std::string(topic) + "'");
  return decoded;
}

Status check_matches_module(const Abi& declared, const Abi& from_module) {
  Status compared = compare_with_module(declared, from_module);
  if (compared.ok()) return compared;
  return error(Code::invalid, compared.message() +
                                  "; build the ABI from the module (`govchain contract abi FILE.wasm`) instead "
                                  "of writing it by hand");
}

}  // namespace govchain::abi
