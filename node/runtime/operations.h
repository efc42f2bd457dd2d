// The instruction set of prepared code: what the prepare stage emits and
// the interpreter runs. It is a register machine over the frame's 64-bit
// slots (docs/runtime.md, "Prepared form"): every instruction names the
// slots it reads and the slot it writes, so a WebAssembly local.get,
// constant or local.set costs no instruction of its own when it can be
// folded into its neighbours.
//
// Slot numbers are relative to the frame pointer: parameters first, then
// the declared locals, then one slot per operand-stack height. Each
// operation below lists its fields (Instruction::r, x, y, aux, or the
// 64-bit immediate in x and y).
#pragma once

#include <array>
#include <cstdint>

#include "runtime/opcodes.h"

// Integer operations with two operands, by their WebAssembly opcode names.
// Forms: _ss (r = x op y, slots), _si (r = x op immediate y; for i64 the
// immediate is sign-extended from 32 bits).
// clang-format off
#define GOVCHAIN_INTEGER_BINARY(X)                                                                          \
  X(i32_add) X(i32_sub) X(i32_mul) X(i32_div_s) X(i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i32_and_)       \
  X(i32_or_) X(i32_xor_) X(i32_shl) X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr)                    \
  X(i64_add) X(i64_sub) X(i64_mul) X(i64_div_s) X(i64_div_u) X(i64_rem_s) X(i64_rem_u) X(i64_and_)       \
  X(i64_or_) X(i64_xor_) X(i64_shl) X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)                    \
  GOVCHAIN_INTEGER_COMPARE(X)

// Integer comparisons: also binary operations (above), and fused with the
// br_if or if that consumes them: br_<name>_ss and br_<name>_si jump by r
// when the comparison of x and y (slot or immediate) holds, charging the
// target block's gas from aux.
#define GOVCHAIN_INTEGER_COMPARE(X)                                                                         \
  X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s) X(i32_le_u) X(i32_ge_s)  \
  X(i32_ge_u) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) X(i64_gt_s) X(i64_gt_u) X(i64_le_s) X(i64_le_u) \
  X(i64_ge_s) X(i64_ge_u)

// Binary operations that also take a constant left operand: _is
// (r = immediate x op slot y).
#define GOVCHAIN_IMMEDIATE_LEFT(X)                                                                  \
  X(i32_sub) X(i32_shl) X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr) X(i64_sub) X(i64_shl) \
  X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)

// Float operations with two operands: _ss forms; the f32 ones also _si
// (the immediate y holds the constant's bits), the f64 ones _sf (y holds a
// constant that is exactly a float, widened when used).
#define GOVCHAIN_F32_BINARY(X)                                                                              \
  X(f32_add) X(f32_sub) X(f32_mul) X(f32_div) X(f32_min) X(f32_max) X(f32_copysign) X(f32_eq) X(f32_ne)   \
  X(f32_lt) X(f32_gt) X(f32_le) X(f32_ge)
#define GOVCHAIN_F64_BINARY(X)                                                                              \
  X(f64_add) X(f64_sub) X(f64_mul) X(f64_div) X(f64_min) X(f64_max) X(f64_copysign) X(f64_eq) X(f64_ne)   \
  X(f64_lt) X(f64_gt) X(f64_le) X(f64_ge)

// Operations with one operand: r = op x.
#define GOVCHAIN_UNARY(X)                                                                                   \
  X(i32_eqz) X(i32_clz) X(i32_ctz) X(i32_popcnt) X(i64_eqz) X(i64_clz) X(i64_ctz) X(i64_popcnt)           \
  X(f32_abs) X(f32_neg) X(f32_ceil) X(f32_floor) X(f32_trunc) X(f32_nearest) X(f32_sqrt)                  \
  X(f64_abs) X(f64_neg) X(f64_ceil) X(f64_floor) X(f64_trunc) X(f64_nearest) X(f64_sqrt)                  \
  X(i32_wrap_i64) X(i32_trunc_f32_s) X(i32_trunc_f32_u) X(i32_trunc_f64_s) X(i32_trunc_f64_u)             \
  X(i64_extend_i32_s) X(i64_extend_i32_u) X(i64_trunc_f32_s) X(i64_trunc_f32_u) X(i64_trunc_f64_s)        \
  X(i64_trunc_f64_u) X(f32_convert_i32_s) X(f32_convert_i32_u) X(f32_convert_i64_s) X(f32_convert_i64_u)  \
  X(f32_demote_f64) X(f64_convert_i32_s) X(f64_convert_i32_u) X(f64_convert_i64_s) X(f64_convert_i64_u)   \
  X(f64_promote_f32) X(i32_reinterpret_f32) X(i64_reinterpret_f64) X(f32_reinterpret_i32)                 \
  X(f64_reinterpret_i64) X(i32_extend8_s) X(i32_extend16_s) X(i64_extend8_s) X(i64_extend16_s)            \
  X(i64_extend32_s) X(i32_trunc_sat_f32_s) X(i32_trunc_sat_f32_u) X(i32_trunc_sat_f64_s)                  \
  X(i32_trunc_sat_f64_u) X(i64_trunc_sat_f32_s) X(i64_trunc_sat_f32_u) X(i64_trunc_sat_f64_s)             \
  X(i64_trunc_sat_f64_u)

// Loads: r = memory[x + y] (x the address slot, y the offset). Stores:
// memory[x + r] = y (x the address slot, y the value slot, r the offset).
#define GOVCHAIN_LOADS(X)                                                                                   \
  X(i32_load) X(i64_load) X(f32_load) X(f64_load) X(i32_load8_s) X(i32_load8_u) X(i32_load16_s)           \
  X(i32_load16_u) X(i64_load8_s) X(i64_load8_u) X(i64_load16_s) X(i64_load16_u) X(i64_load32_s)           \
  X(i64_load32_u)
#define GOVCHAIN_STORES(X)                                                                                  \
  X(i32_store) X(i64_store) X(f32_store) X(f64_store) X(i32_store8) X(i32_store16) X(i64_store8)          \
  X(i64_store16) X(i64_store32)

// Everything else, with its fields.
#define GOVCHAIN_OTHER_OPERATIONS(X)                                                                        \
  X(invalid)           /* never emitted */                                                                \
  X(charge)            /* imm: gas of the basic block this instruction heads */                           \
  X(br)                /* jump by r; x: gas of the target block (0: the target charges itself) */         \
  X(br_if)             /* if slot x (i32) != 0: jump by r, y: gas as br */                                \
  X(br_unless)         /* if slot x (i32) == 0: jump by r, y: gas as br */                                \
  X(br_table)          /* index slot x, r labels, the entries follow; aux values from slots y.. */        \
  X(br_table_entry)    /* jump by r, to slots from x on; y: gas as br */                                  \
  X(return_void)                                                                                          \
  X(return_value)      /* the result from slot x */                                                       \
  X(return_constant)   /* the result is imm */                                                            \
  X(return_values)     /* y results from slots x.. */                                                     \
  X(call)              /* new frame at slot r; imm: the callee's PreparedCode, same module */             \
  X(call_imported)     /* new frame at slot r; x: function index (host or another instance) */            \
  X(call_indirect)     /* new frame at slot r; x: element index slot, y: type index, aux: table */        \
  X(unreachable)                                                                                          \
  X(copy)              /* r = x */                                                                        \
  X(copy_values)       /* y slots from x on to r on, in ascending order */                                \
  X(constant)          /* r = imm */                                                                      \
  X(select)            /* if slot y (i32) == 0: r = x (r holds the first operand already) */              \
  X(global_get)        /* r = global x */                                                                 \
  X(global_set)        /* global x = y */                                                                 \
  X(ref_func)          /* r = function x */                                                               \
  X(ref_is_null)       /* r = x == 0 */                                                                   \
  X(memory_size)       /* r */                                                                            \
  X(memory_grow)       /* r = grow by x */                                                                \
  X(memory_fill)       /* operands in slots x, x+1, x+2 */                                                \
  X(memory_copy)       /* operands in slots x.. */                                                        \
  X(memory_init)       /* operands in slots x..; y: data segment */                                       \
  X(data_drop)         /* x: data segment */                                                              \
  X(table_get)         /* r = table y [slot x] */                                                         \
  X(table_set)         /* table y [slot x] = slot x+1 */                                                  \
  X(table_size)        /* r = size of table x */                                                          \
  X(table_grow)        /* r = grow table y, operands in slots x, x+1 */                                   \
  X(table_fill)        /* table y, operands in slots x.. */                                               \
  X(table_copy)        /* to table y from table r, operands in slots x.. */                               \
  X(table_init)        /* table y from element segment r, operands in slots x.. */                        \
  X(elem_drop)         /* x: element segment */
// clang-format on

namespace govchain::runtime {
namespace op {

enum Operation : uint16_t {
#define GOVCHAIN_NAME(name) name,
#define GOVCHAIN_BINARY_NAMES(name) name##_ss, name##_si,
#define GOVCHAIN_IMMEDIATE_LEFT_NAME(name) name##_is,
#define GOVCHAIN_BRANCH_NAMES(name) br_##name##_ss, br_##name##_si,
#define GOVCHAIN_F64_NAMES(name) name##_ss, name##_sf,
  GOVCHAIN_OTHER_OPERATIONS(GOVCHAIN_NAME) GOVCHAIN_INTEGER_BINARY(GOVCHAIN_BINARY_NAMES)
      GOVCHAIN_IMMEDIATE_LEFT(GOVCHAIN_IMMEDIATE_LEFT_NAME) GOVCHAIN_INTEGER_COMPARE(GOVCHAIN_BRANCH_NAMES)
          GOVCHAIN_F32_BINARY(GOVCHAIN_BINARY_NAMES) GOVCHAIN_F64_BINARY(GOVCHAIN_F64_NAMES)
              GOVCHAIN_UNARY(GOVCHAIN_NAME) GOVCHAIN_LOADS(GOVCHAIN_NAME) GOVCHAIN_STORES(GOVCHAIN_NAME)
#undef GOVCHAIN_NAME
#undef GOVCHAIN_BINARY_NAMES
#undef GOVCHAIN_IMMEDIATE_LEFT_NAME
#undef GOVCHAIN_BRANCH_NAMES
#undef GOVCHAIN_F64_NAMES
                  count
};

}  // namespace op

// The operations that implement one WebAssembly opcode, 0 (op::invalid)
// where there is none. Indexed by the opcode numbers of opcodes.h.
struct OperationForms {
  uint16_t slots = 0;             // _ss, or the unary, load or store operation
  uint16_t immediate = 0;         // _si (_sf for f64)
  uint16_t immediate_left = 0;    // _is
  uint16_t branch_slots = 0;      // br_<compare>_ss
  uint16_t branch_immediate = 0;  // br_<compare>_si
  uint16_t negated = 0;           // the opcode of the opposite integer comparison
  uint16_t swapped = 0;           // the opcode comparing the operands the other way round
  bool commutative = false;       // integer operations whose operands may be swapped
};

const OperationForms& operation_forms(uint16_t opcode);

// The operation's name ("i32_add_ss"), for debugging output and tests.
const char* operation_name(uint16_t operation);

}  // namespace govchain::runtime
