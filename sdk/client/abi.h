// Contract ABIs for portal software (docs/contracts.md section 5): encoding
// a method's arguments from JSON into the canonical codec bytes, decoding its
// return bytes and events back into JSON (section 5.3), on top of the ABI
// model the node uses (node/abi/: the types, parse_abi() with its limits,
// the text rules, the ABI a module carries in its "govchain_abi" section,
// section 5.5, and the comparison with it).
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
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "abi/abi.h"
#include "abi/module_abi.h"
#include "core/bytes.h"
#include "core/status.h"

// The JSON side of the ABI extends namespace govchain::abi, and
// client::abi names the same namespace, so that the model (Abi, parse_abi,
// module_abi, ...) and the functions below are one vocabulary, whichever
// name a caller uses.
namespace govchain::client {
namespace abi = govchain::abi;
}  // namespace govchain::client

namespace govchain::abi {

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

// The data of an event with topic `topic`, decoded with the ABI's event
// struct; Code::not_found when the ABI declares no such event.
Result<nlohmann::json> decode_event(const Abi& abi, std::string_view topic, ByteView data);

// Ok when `declared` describes the module whose ABI is `from_module`
// exactly (node/abi/compare.h); otherwise Code::invalid naming the first
// method (or struct, event) that differs and how, and saying to build the
// ABI from the module.
Status check_matches_module(const Abi& declared, const Abi& from_module);

}  // namespace govchain::abi
