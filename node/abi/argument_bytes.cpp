// See argument_bytes.h.
#include "abi/argument_bytes.h"

#include "codec/codec.h"

namespace govchain::abi {

namespace {

// Walks one value of `type`; a refusal says what is wrong, never the value.
// Texts and lists are bounded by the bytes that remain, so a forged length
// or count cannot make the walk read or loop past the input.
Status check_value(const Abi& abi, std::string_view type, codec::Reader& reader, size_t depth) {
  if (depth > nesting_depth_max) return error(Code::invalid_argument, "nests too deep");
  Status decoded;
  if (size_t size = fixed_size_bytes(type); size > 0) {
    decoded = type == "bool" ? reader.boolean().status() : reader.raw(size).status();
  } else if (type == "string" || type == "bytes" || text_rule(type) != nullptr) {
    auto text = reader.text(reader.remaining());
    if (text.ok() && !satisfies_text_rule(type, *text))
      return error(Code::invalid_argument, std::string("must be ") + text_rule(type));
    decoded = text.status();
  } else if (is_list_type(type)) {
    auto count = reader.count(reader.remaining(), 1);
    for (size_t index = 0; count.ok() && index < *count; ++index)
      GOVCHAIN_TRY(check_value(abi, list_element_type(type), reader, depth + 1));
    decoded = count.status();
  } else if (auto found = abi.types.find(std::string(type)); found != abi.types.end()) {
    for (const Field& field : found->second) GOVCHAIN_TRY(check_value(abi, field.type, reader, depth + 1));
  } else {
    // parse_abi() refuses unknown types, so this is a broken precondition.
    return error(Code::invalid_argument, "has a type the ABI does not define");
  }
  if (!decoded.ok()) return error(Code::invalid_argument, "does not decode: " + decoded.message());
  return Status();
}

}  // namespace

Status check_argument_bytes(const Abi& abi, const Method& method, ByteView arguments) {
  codec::Reader reader(arguments);
  for (const Field& field : method.arguments) {
    Status checked = check_value(abi, field.type, reader, 0);
    if (!checked.ok())
      return error(Code::invalid_argument, "argument '" + field.name + "' (" + field.type + ") " + checked.message());
  }
  if (reader.remaining() != 0)
    return error(Code::invalid_argument, std::to_string(reader.remaining()) + " bytes after the last argument");
  return Status();
}

}  // namespace govchain::abi
