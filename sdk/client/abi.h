// Contract ABIs (docs/contracts.md section 5): parsing an ABI file, encoding a
// method's arguments from JSON into the canonical codec bytes, decoding its
// return bytes and events back into JSON (section 5.3), and reading the ABI
// a module built with the contract SDK carries in its custom section
// "govchain_abi" (section 5.5), to write it out or to check a given ABI
// against it.
//
// Types: u32, u64, i64, bool, string, bytes, hash, pubkey, signature, the
// checked texts code, zone, name, date and label (encoded like string, see
// sdk/contract/govchain/codes.h), list<T> and the ABI's named structs.
// parse_abi() checks that every type a method, struct or event names exists,
// that no struct contains itself (so that encoding and decoding always end)
// and the size limits below.
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

#include "chain/tx.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client::abi {

inline constexpr uint32_t abi_version_supported = 1;
// Deepest nesting of lists and structs that encoding and decoding follow.
inline constexpr size_t nesting_depth_max = 32;
// Limits of an ABI; the node checks the same ones at deploy
// (node/execution/abi_check.h); the size is the chain's
// (chain::abi_size_bytes_max).
inline constexpr size_t abi_size_bytes_max = chain::abi_size_bytes_max;
inline constexpr size_t methods_max = 128;
inline constexpr size_t types_max = 128;
inline constexpr size_t fields_max = 64;
inline constexpr size_t events_max = 64;
// The custom section in which the contract SDK writes a module's ABI.
inline constexpr const char* module_section_name = "govchain_abi";

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

// An event a contract may emit: its topic and the struct its data encodes.
struct Event {
  std::string topic;  // e.g. "certificate.active"
  std::string type;   // a struct of "types"
};

struct Abi {
  uint32_t abi_version = abi_version_supported;
  std::string contract;
  std::string version;
  std::string description;
  std::string certificate_type;  // empty when the contract issues none
  std::map<std::string, std::vector<Field>> types;  // named structs
  std::vector<Method> methods;
  std::vector<Event> events;

  // The method named `name`, or nullptr.
  const Method* find_method(std::string_view name) const;
  const Event* find_event(std::string_view topic) const;
};

// The rule of a checked text type ("code", "zone", "name", "date",
// "label") for people, or nullptr for any other type.
const char* text_rule(std::string_view type);
// Whether `text` satisfies the checked text type `type` (true for others).
bool satisfies_text_rule(std::string_view type, std::string_view text);

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

// The data of an event with topic `topic`, decoded with the ABI's event
// struct; Code::not_found when the ABI declares no such event.
Result<nlohmann::json> decode_event(const Abi& abi, std::string_view topic, ByteView data);

// ---- The ABI a module carries (contract SDK declarations, abi.h) -------------

// The ABI JSON document built from the module's "govchain_abi" section.
// Code::not_found when the module has none (not built with the SDK's
// declarations); Code::malformed when the module or the section is broken.
Result<nlohmann::json> module_abi_document(ByteView module);
// The same, parsed and checked.
Result<Abi> module_abi(ByteView module);
// The JSON text of the module's ABI, as `govchain contract abi` writes it.
Result<std::string> module_abi_text(ByteView module);

// Ok when `declared` describes the module whose ABI is `from_module`
// exactly: the same methods with the same kinds, arguments (names, types,
// order) and returns, the same structs, events and certificate type (name,
// version and description may differ). Otherwise Code::invalid, naming the
// first method (or struct, event) that differs and how.
Status check_matches_module(const Abi& declared, const Abi& from_module);

}  // namespace govchain::client::abi
