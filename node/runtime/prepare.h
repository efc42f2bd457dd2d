// Prepare stage: type-checks every function body as the WebAssembly 2.0
// specification's validation algorithm does (its appendix) and, in the same
// pass, translates it into PreparedCode, the register form the interpreter
// runs (runtime/operations.h, docs/runtime.md "Prepared form"):
//
// * every operand-stack height has a slot in the frame, and each
//   instruction names the slots it reads and writes; local.get and constants
//   are folded into the instructions that use them, and a local.set into the
//   instruction whose result it stores;
// * integer comparisons are fused with the br_if or if that consumes them;
// * branch targets are resolved to relative instruction offsets, and the
//   values a branch carries are copied to its target's slots;
// * unreachable code is dropped; block, loop, end and nop emit nothing;
// * a charge instruction heads every basic block with the summed gas of
//   the block (GasSchedule), and branches whose target starts with one
//   charge its gas themselves and jump past it.
//
// Fails with Code::invalid ("invalid: <cause> in function <i> at byte
// offset <n>") or Code::malformed for binary errors met in a body. Requires
// a module that passed validate_module(). Time and memory are linear in the
// size of the bodies. Thread-safe for distinct modules.
#pragma once

#include "core/status.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

// Validates and prepares every defined function of `module` in place. A
// call instruction keeps the address of its callee's PreparedCode inside
// `module`, so the module must not move afterwards (load_module prepares
// it where it will live, inside its shared_ptr).
Status prepare_module(Module& module, const Limits& limits, const GasSchedule& schedule);

}  // namespace govchain::runtime
