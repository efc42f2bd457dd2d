// The contract ABI model (docs/contracts.md section 5), written once: the
// types and their encoded sizes, the checked text types and their rules, the
// names, the ABI JSON document with its limits, and (in the other headers of
// this folder) the ABI a module carries in its "govchain_abi" section
// (module_abi.h), the comparison of a declared ABI with it (compare.h) and
// the check of a call's argument bytes (argument_bytes.h).
//
// The node's deploy and call checks (node/execution/abi_check.h) and the
// client SDK's JSON encoding and decoding (sdk/client/abi.h) both stand on
// this library, so that what the client encodes is what the node accepts.
// What parse_abi() accepts is part of the chain's rules: a deploy with an
// ABI it refuses is refused on every node, and calls are checked against
// the ABI it parsed; change it only as a rule change.
//
// Types: u32, u64, i64, bool, string, bytes, hash, pubkey, signature, the
// checked texts code, zone, name, date and label (encoded like string, with
// the rules of sdk/contract/govchain/codes.h), list<T> and the ABI's named
// structs. parse_abi() checks that every type a method, struct or event
// names exists, that no struct contains itself (so that encoding, decoding
// and checking always end), that types nest at most nesting_depth_max deep,
// and the size limits below.
//
// Errors are Status values, never exceptions: Code::malformed for an ABI
// that is not one, Code::too_large for one over a limit; messages name the
// method, struct, event or field concerned.
//
// Ownership: an Abi is a plain value that owns its strings. All functions
// are pure and thread-safe; an Abi may be shared between threads once parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.h"
#include "core/status.h"

namespace govchain::abi {

inline constexpr uint32_t abi_version_supported = 1;
// The ABI's JSON text: the chain's bound (core/limits.h), checked at
// admission too and counted in the contract record's budget.
inline constexpr size_t abi_size_bytes_max = limits::abi_size_bytes_max;
inline constexpr size_t methods_max = 128;
inline constexpr size_t types_max = 128;
inline constexpr size_t fields_max = 64;  // per method's arguments, returns, or struct
inline constexpr size_t events_max = 64;
// Deepest nesting of lists and structs that parsing, encoding, decoding and
// checking follow.
inline constexpr size_t nesting_depth_max = 32;
// Method, struct, field names and event topics: 1..64 characters.
inline constexpr size_t name_size_bytes_max = 64;

enum class MethodKind { call, query };
std::string_view method_kind_name(MethodKind kind);

struct Field {
  std::string name;
  std::string type;  // as written in the ABI: "u64", "list<history_entry>", ...
  bool operator==(const Field&) const = default;
};
using Fields = std::vector<Field>;

struct Method {
  std::string name;  // = the wasm export
  MethodKind kind = MethodKind::call;
  Fields arguments;
  Fields returns;
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
  std::string certificate_type;         // empty when the contract issues none
  std::map<std::string, Fields> types;  // named structs
  std::vector<Method> methods;
  std::vector<Event> events;

  // The method named `name`, or nullptr.
  const Method* find_method(std::string_view name) const;
  const Event* find_event(std::string_view topic) const;
};

// ---- Types --------------------------------------------------------------------

// Encoded size of a fixed-size type (u32 4, u64 and i64 8, bool 1, hash and
// pubkey 32, signature 64), or 0 for every other type.
size_t fixed_size_bytes(std::string_view type);
// "list<T>": T is list_element_type(type).
bool is_list_type(std::string_view type);
std::string_view list_element_type(std::string_view type);
// The built-in types that are neither lists nor structs.
bool is_builtin_type(std::string_view type);

// The rule of a checked text type ("code", "zone", "name", "date",
// "label") for people, e.g. "a code: 1..32 of [a-z0-9_], no free text";
// nullptr for any other type. The node says "must be <rule>", the client
// "expected <rule>"; the wording is the contract SDK's (codes.h).
const char* text_rule(std::string_view type);
// Whether `text` satisfies the checked text type `type` (true for others).
bool satisfies_text_rule(std::string_view type, std::string_view text);

// Method, struct and field names: 1..64 of [a-z0-9_].
bool is_abi_name(std::string_view name);
// Event topics: 1..64 of [a-z0-9_.] (the host's limit on topics).
bool is_event_topic(std::string_view topic);

// ---- The ABI document ----------------------------------------------------------

// Parses and checks an ABI document (JSON text); messages start with "ABI: ".
Result<Abi> parse_abi(std::string_view json_text);
// The same for a parsed document; messages without the "ABI: " prefix.
Result<Abi> parse_abi_document(const nlohmann::json& document);

// "name: type, name: type", for listing a method's signature to people.
std::string describe_fields(const Fields& fields);

}  // namespace govchain::abi
