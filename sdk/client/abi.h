// Contract ABIs (docs/contracts.md section 5): parsing an ABI file, encoding a
// method's arguments from JSON into the canonical codec bytes, and decoding
// its return bytes back into JSON (section 5.3).
//
// Types: u32, u64, i64, bool, string, bytes, hash, pubkey, signature,
// list<T> and the ABI's named structs. parse_abi() checks that every type a
// method or struct names exists and that no struct contains itself, so that
// encoding and decoding always end.
//
// Errors are Status values, never exceptions: Code::malformed for an ABI or
// for return bytes that do not decode, Code::invalid_argument for JSON
// arguments that do not fit, each naming the argument (with its path inside
// structs and lists, e.g. "history[2].height"), the expected type and what
// was given. Code::not_found for an unknown method.
//
// Ownership: an Abi is a plain value that owns its strings. All functions are
// pure and thread-safe; an Abi may be shared between threads once parsed.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client::abi {

inline constexpr uint32_t abi_version_supported = 1;
// Deepest nesting of lists and structs that encoding and decoding follow.
inline constexpr size_t nesting_depth_max = 32;

enum class MethodKind { call, query };
std::string_view method_kind_name(MethodKind kind);

struct Field {
  std::string name;
  std::string type;  // as written in the ABI: "u64", "list<history_entry>", ...
};

struct Method {
  std::string name;  // = the wasm export
  MethodKind kind = MethodKind::call;
  std::vector<Field> arguments;
  std::vector<Field> returns;
};

struct Abi {
  uint32_t abi_version = abi_version_supported;
  std::string contract;
  std::string version;
  std::string description;
  std::string certificate_type;  // empty when the contract issues none
  std::map<std::string, std::vector<Field>> types;  // named structs
  std::vector<Method> methods;

  // The method named `name`, or nullptr.
  const Method* find_method(std::string_view name) const;
};

// Parses and checks an ABI document (JSON text).
Result<Abi> parse_abi(std::string_view json_text);
Result<Abi> parse_abi_document(const nlohmann::json& document);

// The method `name` of `abi`, or Code::not_found listing the methods.
Result<const Method*> method_of(const Abi& abi, std::string_view name);

// Encodes `arguments`: a JSON object with exactly the method's argument
// names, or a JSON array with the arguments in ABI order.
Result<Bytes> encode_arguments(const Abi& abi, const Method& method, const nlohmann::json& arguments);
// Decodes return bytes into an object {"<return name>": value, ...};
// refuses short input and trailing bytes.
Result<nlohmann::json> decode_returns(const Abi& abi, const Method& method, ByteView bytes);

// One value of type `type` (as written in an ABI); `path` names it in errors.
Status encode_value(const Abi& abi, std::string_view type, const nlohmann::json& value, const std::string& path,
                    Bytes& out);
Result<nlohmann::json> decode_value(const Abi& abi, std::string_view type, ByteView bytes);

// "name: type, name: type", for listing a method's signature to people.
std::string describe_fields(const std::vector<Field>& fields);

}  // namespace govchain::client::abi
