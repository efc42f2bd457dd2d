// The ABI a module carries: the contract SDK's declarations
// (sdk/contract/govchain/abi.h) write it into the module's custom section
// "govchain_abi"; this reads it back as the ABI JSON document of abi.h.
//
// The section holds NUL-terminated entries, "|"-separated:
//   contract|<name>|<version>|<certificate type>|<description>
//   struct|<name>|<field>:<type>,...
//   method|<name>|call or query|<argument>:<type>,...|<return>:<type>,... or @<struct>
//   event|<topic>|<struct>
// Field lists may end with a comma and may hold spaces; "@<struct>" means the
// struct's fields. Several "govchain_abi" sections are read as one, in
// order. An entry may appear twice only identically (the standard
// certificate declarations may be included twice); exactly one contract
// entry must be there.
//
// Used by the node at deploy (execution/abi_check.h: a module that carries
// an ABI is deployed only with that ABI) and by the client SDK and the CLI
// (`govchain contract abi`, `contract deploy`, `contract new --check`).
// Errors: Code::not_found for a module without the section,
// Code::malformed for a broken module or section, Code::too_large for a
// section over section_size_bytes_max. Pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "abi/abi.h"
#include "core/bytes.h"

namespace govchain::abi {

// The custom section in which the contract SDK writes a module's ABI.
inline constexpr const char* module_section_name = "govchain_abi";
inline constexpr size_t section_size_bytes_max = 64 * 1024;

// The concatenated payloads of every "govchain_abi" section of `module`
// (a WebAssembly binary, version 1); nullopt when it has none. Only the
// section framing is read, so a module need not be valid otherwise.
Result<std::optional<std::string>> read_module_section(ByteView module);

// The ABI JSON document that the section text describes.
Result<nlohmann::json> document_of_section(const std::string& section);

// The ABI JSON document of `module`'s section (Code::not_found without one).
Result<nlohmann::json> module_abi_document(ByteView module);
// The same, parsed and checked by parse_abi_document().
Result<Abi> module_abi(ByteView module);
// The JSON text of the module's ABI, indented, as `govchain contract abi`
// writes it; Code::too_large beyond abi_size_bytes_max.
Result<std::string> module_abi_text(ByteView module);

}  // namespace govchain::abi
