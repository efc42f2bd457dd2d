// Interpret stage: runs prepared code. One handler per operation of the
// 16-byte instructions of PreparedCode (runtime/operations.h), each ending
// in a guaranteed tail call to the next; operands, locals and call frames
// live in the Store's preallocated arrays, so no instruction allocates.
// Traps, call-depth and stack exhaustion and out-of-gas end the run with a
// Status; the Store is left ready for the next call. Single-threaded, like
// the Store it runs in.
#pragma once

#include <span>

#include "core/status.h"
#include "runtime/instance.h"

namespace govchain::runtime {

// Runs `function` (not a host function) with `arguments` already converted
// to slots; writes its results to `results` (sized to its result count).
Status execute(Store& store, const FunctionObject& function, std::span<const uint64_t> arguments,
               std::span<uint64_t> results);

// Calls a host function with slot arguments, charging its gas.
Status call_host(Store& store, Instance* caller, const FunctionObject& function, const uint64_t* arguments,
                 uint64_t* results);

}  // namespace govchain::runtime
