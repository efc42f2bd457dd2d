// Prepare stage: turns each validated function body into PreparedCode, the
// form the interpreter runs: a flat array of 16-byte instructions with
// decoded immediates, branch targets resolved to instruction indices, the
// operand-stack moves of each branch precomputed, unreachable code dropped,
// and a charge_gas instruction at the head of every basic block carrying the
// summed cost of that block (GasSchedule). Requires a module that passed
// validate_module(); it asserts rather than re-checks. Thread-safe for
// distinct modules.
#pragma once

#include "core/status.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

// Prepares every defined function of `module` in place.
Status prepare_module(Module& module, const GasSchedule& schedule);

// Reads the immediates of the instruction `code` at the reader's position.
// Shared by prepare; validate checks the same bytes first.
struct Immediates {
  uint32_t index = 0;            // label, function, local, global, table, type, segment, offset
  uint32_t second_index = 0;     // table of call_indirect/table.init, source of table.copy
  uint64_t value = 0;            // constant bits
  std::vector<uint32_t> labels;  // br_table, default label last
  uint32_t block_params = 0;
  uint32_t block_results = 0;
};

}  // namespace govchain::runtime
