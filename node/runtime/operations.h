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

// The accumulator: every instruction that computes a value writes it to
// its slot r and also leaves it in a register, the accumulator, where the
// next instruction may take it instead of loading the slot it was just
// stored to. Forms of an operation say where its operands come from:
//
//   _ss  x op y          slots x and y
//   _si  x op imm        slot x, the 32-bit immediate y (i64 operations
//                        sign-extend it; f32 ones take it as bits)
//   _sf  x op imm        f64 operations: y holds a float, widened
//   _as  acc op y        the accumulator and slot y
//   _ai  acc op imm      the accumulator and immediate y (_af for f64)
//   _sa  x op acc        slot x and the accumulator
//   _is  imm op y        immediate x and slot y
//   _ia  imm op acc      immediate x and the accumulator
//
// Loads and stores take their address from a slot (_s.), the accumulator
// (_a.), or an i32.add folded in: slot x plus immediate y (_sd), the
// accumulator plus immediate y (_ad), slot x plus slot y (_sx), the
// accumulator plus slot y (_ax); the sum wraps at 32 bits as the add does,
// and the memory argument's offset (aux) is added to it without wrapping.
//
// f64 arithmetic (add, sub, mul, div) also has forms fused with the
// f64.load before it or the f64.store after it, so that float code, whose
// values natively stay in registers between memory accesses, needs fewer
// dispatches (docs/runtime.md, "Prepared form"):
//
//   _sm        r = slot x op memory[wrap32(slot y + aux as int16)]: the
//              load of the right operand, when its offset is 0
//   _sa_store  memory[wrap32(slot y) + r] = slot x op facc: the store of the
//              result, which then has no slot of its own
//   _as_store  memory[wrap32(slot x) + r] = facc op slot y
//   _sm_store  memory[wrap32(slot y) + r] = slot x op memory[wrap32(slot y +
//              aux as int16)]: both, when the store's address is the load's
//              address slot (`a[i] += v`)
//
//   _ps        r = (slot x * slot y) op slot aux: the f64.mul of two slots
//              just before, whose product then has no slot of its own
//   _sp        r = slot aux op (slot x * slot y)
//
// facc is the float accumulator. The product is rounded to f64 before the
// second operation, as two plain instructions round it (the library is
// built with -ffp-contract=off, so no fused multiply-add). Each checks its accesses against the
// memory as the load or store it replaces would, and canonicalises NaN in
// consensus mode like the plain operation; the _store forms leave nothing
// in the accumulators.
//
// Constants that no immediate field can hold and that code inside a loop
// reads are kept in the function's constant pool: a few slots between the
// declared locals and the operand stack, written by a load_constants
// instruction when the function is entered.
//
// The result goes to slot r. An operand may come from the accumulator only
// when the instruction just before computed it: no branch lands between
// the two, since branches land on block heads and after calls.

// Integer operations with two operands, by their WebAssembly opcode names:
// forms _ss, _si, _as, _ai.
// clang-format off
#define GOVCHAIN_INTEGER_BINARY(X)                                                                          \
  X(i32_add) X(i32_sub) X(i32_mul) X(i32_div_s) X(i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i32_and_)       \
  X(i32_or_) X(i32_xor_) X(i32_shl) X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr)                    \
  X(i64_add) X(i64_sub) X(i64_mul) X(i64_div_s) X(i64_div_u) X(i64_rem_s) X(i64_rem_u) X(i64_and_)       \
  X(i64_or_) X(i64_xor_) X(i64_shl) X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)                    \
  GOVCHAIN_INTEGER_COMPARE(X)

// Integer comparisons: also binary operations (above), and fused with the
// br_if or if that consumes them: br_<name>_ss, _si, _as and _ai jump by r
// when the comparison holds, charging the target block's gas from aux.
#define GOVCHAIN_INTEGER_COMPARE(X)                                                                         \
  X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s) X(i32_le_u) X(i32_ge_s)  \
  X(i32_ge_u) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) X(i64_gt_s) X(i64_gt_u) X(i64_le_s) X(i64_le_u) \
  X(i64_ge_s) X(i64_ge_u)

// Integer operations whose operands cannot be swapped and that also take a
// constant or the accumulator on the left: forms _sa, _is, _ia.
#define GOVCHAIN_IMMEDIATE_LEFT(X)                                                                  \
  X(i32_sub) X(i32_shl) X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr) X(i64_sub) X(i64_shl) \
  X(i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)

// Float operations with two operands: forms _ss, _as, _sa, and _si, _ai
// (f32) or _sf, _af (f64).
#define GOVCHAIN_F32_BINARY(X)                                                                              \
  X(f32_add) X(f32_sub) X(f32_mul) X(f32_div) X(f32_min) X(f32_max) X(f32_copysign) X(f32_eq) X(f32_ne)   \
  X(f32_lt) X(f32_gt) X(f32_le) X(f32_ge)
#define GOVCHAIN_F64_BINARY(X)                                                                              \
  X(f64_add) X(f64_sub) X(f64_mul) X(f64_div) X(f64_min) X(f64_max) X(f64_copysign) X(f64_eq) X(f64_ne)   \
  X(f64_lt) X(f64_gt) X(f64_le) X(f64_ge)
#define GOVCHAIN_F64_FUSED(X) X(f64_add) X(f64_sub) X(f64_mul) X(f64_div)

// Operations with one operand: r = op x, and _a: r = op acc.
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

// Loads, r = memory[address]: _ss (slot x, offset y), _as (the
// accumulator, offset y), _sd, _ad, _sx, _ax (see above). Stores: _ss
// (memory[x + r] = y: address slot x, value slot y, offset r), _sa (value
// in the accumulator), _as (address in it), and _sd, _ad, _sx, _ax storing
// slot r.
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
  X(load_constants)    /* aux slots from r on = the immediates of the aux instructions after it */      \
  X(charge)            /* imm: gas of the basic block this instruction heads */                           \
  X(br)                /* jump by r; x: gas of the target block (0: the target charges itself) */         \
  X(br_if)             /* if slot x (i32) != 0: jump by r, y: gas as br */                                \
  X(br_if_a)           /* br_if on the accumulator */                                                     \
  X(br_unless)         /* if slot x (i32) == 0: jump by r, y: gas as br */                                \
  X(br_unless_a)       /* br_unless on the accumulator */                                                 \
  X(br_table)          /* index slot x, r labels, the entries follow; aux values from slots y.. */        \
  X(br_table_entry)    /* jump by r, to slots from x on; y: gas as br */                                  \
  X(return_void)                                                                                          \
  X(return_value)      /* the result from slot x */                                                       \
  X(return_acc)        /* the result from the accumulator */                                              \
  X(return_constant)   /* the result is imm */                                                            \
  X(return_values)     /* y results from slots x.. */                                                     \
  X(call)              /* new frame at slot r; imm: the callee's PreparedCode, same module */             \
  X(call_imported)     /* new frame at slot r; x: function index (host or another instance) */            \
  X(call_indirect)     /* new frame at slot r; x: element index slot, y: type index, aux: table */        \
  X(unreachable)                                                                                          \
  X(copy)              /* r = x */                                                                        \
  X(copy_pair)         /* r = x, then y = slot aux: two copies in a row (prepare joins them) */          \
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

// Where the operands of a two-operand instruction come from (see above).
// From sm on: the fused f64 forms (see above).
enum class Form : uint8_t { ss, si, as, ai, sa, is, ia, sd, ad, sx, ax, sm, sa_store, as_store, sm_store, ps, sp };
inline constexpr size_t form_count = 17;

namespace op {

// clang-format off
enum Operation : uint16_t {
#define GOVCHAIN_NAME(name) name,
#define GOVCHAIN_ACC_NAME(name) name, name##_a,
#define GOVCHAIN_LOAD_NAMES(name) name##_ss, name##_as, name##_sd, name##_ad, name##_sx, name##_ax,
#define GOVCHAIN_STORE_NAMES(name) GOVCHAIN_LOAD_NAMES(name) name##_sa,
#define GOVCHAIN_BINARY_NAMES(name) name##_ss, name##_si, name##_as, name##_ai,
#define GOVCHAIN_IMMEDIATE_LEFT_NAMES(name) name##_sa, name##_is, name##_ia,
#define GOVCHAIN_BRANCH_NAMES(name) br_##name##_ss, br_##name##_si, br_##name##_as, br_##name##_ai,
#define GOVCHAIN_F32_NAMES(name) name##_ss, name##_si, name##_as, name##_ai, name##_sa,
#define GOVCHAIN_F64_NAMES(name) name##_ss, name##_sf, name##_as, name##_af, name##_sa,
#define GOVCHAIN_F64_FUSED_NAMES(name) \
  name##_sm, name##_sa_store, name##_as_store, name##_sm_store, name##_ps, name##_sp,
  GOVCHAIN_OTHER_OPERATIONS(GOVCHAIN_NAME)
  GOVCHAIN_INTEGER_BINARY(GOVCHAIN_BINARY_NAMES)
  GOVCHAIN_IMMEDIATE_LEFT(GOVCHAIN_IMMEDIATE_LEFT_NAMES)
  GOVCHAIN_INTEGER_COMPARE(GOVCHAIN_BRANCH_NAMES)
  GOVCHAIN_F32_BINARY(GOVCHAIN_F32_NAMES)
  GOVCHAIN_F64_BINARY(GOVCHAIN_F64_NAMES)
  GOVCHAIN_F64_FUSED(GOVCHAIN_F64_FUSED_NAMES)
  GOVCHAIN_UNARY(GOVCHAIN_ACC_NAME)
  GOVCHAIN_LOADS(GOVCHAIN_LOAD_NAMES)
  GOVCHAIN_STORES(GOVCHAIN_STORE_NAMES)
#undef GOVCHAIN_NAME
#undef GOVCHAIN_ACC_NAME
#undef GOVCHAIN_LOAD_NAMES
#undef GOVCHAIN_STORE_NAMES
#undef GOVCHAIN_BINARY_NAMES
#undef GOVCHAIN_IMMEDIATE_LEFT_NAMES
#undef GOVCHAIN_BRANCH_NAMES
#undef GOVCHAIN_F32_NAMES
#undef GOVCHAIN_F64_NAMES
#undef GOVCHAIN_F64_FUSED_NAMES
  count
};
// clang-format on

}  // namespace op

// The operations that implement one WebAssembly opcode, 0 (op::invalid)
// where there is none. Indexed by the opcode numbers of opcodes.h.
struct OperationForms {
  // By Form. One operand (unary): Form::ss is the slot form and Form::as
  // the accumulator one. Loads and stores: their address forms.
  std::array<uint16_t, form_count> forms{};
  std::array<uint16_t, 4> branch{};  // br_<compare> by Form ss, si, as, ai
  uint16_t negated = 0;              // the opcode of the opposite integer comparison
  uint16_t swapped = 0;              // the opcode comparing the operands the other way round
  bool commutative = false;          // integer operations whose operands may be swapped

  uint16_t of(Form form) const { return forms[static_cast<size_t>(form)]; }
  uint16_t branch_of(Form form) const {
    return static_cast<size_t>(form) < branch.size() ? branch[static_cast<size_t>(form)] : 0;
  }
};

const OperationForms& operation_forms(uint16_t opcode);

// The operation's name ("i32_add_ss"), for debugging output and tests.
const char* operation_name(uint16_t operation);

}  // namespace govchain::runtime
