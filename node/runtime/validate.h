// Validate stage, module-level rules of the WebAssembly 2.0 specification:
// types, imports, limits of tables and memories, globals and their constant
// expressions, exports, the start function and segments. Fails with
// Code::invalid ("invalid: <cause> at byte offset <n>"). Function bodies are
// type-checked by the prepare stage in the same pass that translates them
// (runtime/prepare.h). Pure functions; thread-safe.
#pragma once

#include <vector>

#include "core/status.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

Status validate_module(const Module& module, const Limits& limits);

// Which functions a ref.func in a body may name: those referenced by a
// global's initializer, an element segment or an export (the spec's C.refs).
std::vector<bool> declared_function_references(const Module& module);

}  // namespace govchain::runtime
