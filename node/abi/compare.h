// Whether a declared ABI describes a module: the comparison of an ABI (the
// deploy's, or a file) with the one the module carries (module_abi.h).
//
// Ok when `declared` has exactly the module's methods with the same kinds,
// arguments (names, types, order) and returns, the same structs, events and
// certificate type; the contract name, version and description may differ.
// Otherwise Code::invalid naming the first method (or struct, event) that
// differs and how, e.g. "method 'revoke': the ABI lists the arguments
// (reason: code, id: hash), the module decodes (id: hash, reason: code)".
// Callers add what to do about it: the node refuses the deploy, the CLI
// says to build the ABI from the module. Pure and thread-safe.
#pragma once

#include "abi/abi.h"

namespace govchain::abi {

Status compare_with_module(const Abi& declared, const Abi& from_module);

}  // namespace govchain::abi
