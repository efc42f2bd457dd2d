// Validate stage: full type checking of a decoded Module as the WebAssembly
// 2.0 specification defines it (module-level rules and the operand-stack
// algorithm of the spec's appendix for every function body). Fails with
// Code::invalid ("invalid: <cause> at byte offset <n>"), or Code::malformed
// for binary-format errors only found while walking bodies (unknown opcodes,
// bad immediates). Pure function; thread-safe.
#pragma once

#include "core/status.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

Status validate_module(const Module& module, const Limits& limits);

}  // namespace govchain::runtime
