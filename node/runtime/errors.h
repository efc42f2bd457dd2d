// Errors of the runtime, grouped by pipeline stage as the WebAssembly spec
// groups them. Each maps to a core Code and names its stage first in the
// message, so that "malformed: ..." and "trap: ..." stay visible in logs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace govchain::runtime {

// The binary does not decode (decode stage). Code::malformed.
Status malformed_error(std::string_view cause, size_t offset);
// The module decodes but is not well-typed (validate stage). Code::invalid.
Status invalid_error(std::string_view cause, size_t offset);
// Imports cannot be satisfied (instantiate stage). Code::unlinkable.
Status unlinkable_error(std::string_view cause);
// Execution trapped (interpret stage, or a start function). Code::trap.
Status trap_error(std::string_view cause);
// A resource bound was hit: call depth, value stack, module size, memory.
// Code::resource_exhausted.
Status exhaustion_error(std::string_view cause);
// Gas ran out. Code::out_of_gas.
Status out_of_gas_error(uint64_t gas_limit);

}  // namespace govchain::runtime
