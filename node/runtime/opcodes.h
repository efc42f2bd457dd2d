// The instruction set of the binary format: WebAssembly 2.0 opcodes without
// SIMD, numbered as in the binary format, with the 0xFC-prefixed ones folded
// into 0xE0..0xF1. Each entry has its operand signature ("ii_i": two i32 in,
// one i32 out; i=i32, I=i64, f=f32, F=f64; "special" ones are typed by hand)
// and its gas class. What the interpreter runs is another instruction set,
// the prepared form of runtime/operations.h.
#pragma once

#include <array>
#include <cstdint>

#include "runtime/reader.h"
#include "runtime/types.h"

// X(code, name, signature, gas class)
#define GOVCHAIN_WASM_OPCODES(X)                   \
  X(0x00, unreachable, "special", instruction)     \
  X(0x01, nop, "special", instruction)             \
  X(0x02, block, "special", instruction)           \
  X(0x03, loop, "special", instruction)            \
  X(0x04, if_, "special", branch)                  \
  X(0x05, else_, "special", branch)                \
  X(0x0B, end, "special", instruction)             \
  X(0x0C, br, "special", branch)                   \
  X(0x0D, br_if, "special", branch)                \
  X(0x0E, br_table, "special", branch)             \
  X(0x0F, return_, "special", branch)              \
  X(0x10, call, "special", call)                   \
  X(0x11, call_indirect, "special", call_indirect) \
  X(0x1A, drop, "special", instruction)            \
  X(0x1B, select, "special", instruction)          \
  X(0x1C, select_typed, "special", instruction)    \
  X(0x20, local_get, "special", instruction)       \
  X(0x21, local_set, "special", instruction)       \
  X(0x22, local_tee, "special", instruction)       \
  X(0x23, global_get, "special", global_access)    \
  X(0x24, global_set, "special", global_access)    \
  X(0x25, table_get, "special", memory_access)     \
  X(0x26, table_set, "special", memory_access)     \
  X(0x28, i32_load, "i_i", memory_access)          \
  X(0x29, i64_load, "i_I", memory_access)          \
  X(0x2A, f32_load, "i_f", memory_access)          \
  X(0x2B, f64_load, "i_F", memory_access)          \
  X(0x2C, i32_load8_s, "i_i", memory_access)       \
  X(0x2D, i32_load8_u, "i_i", memory_access)       \
  X(0x2E, i32_load16_s, "i_i", memory_access)      \
  X(0x2F, i32_load16_u, "i_i", memory_access)      \
  X(0x30, i64_load8_s, "i_I", memory_access)       \
  X(0x31, i64_load8_u, "i_I", memory_access)       \
  X(0x32, i64_load16_s, "i_I", memory_access)      \
  X(0x33, i64_load16_u, "i_I", memory_access)      \
  X(0x34, i64_load32_s, "i_I", memory_access)      \
  X(0x35, i64_load32_u, "i_I", memory_access)      \
  X(0x36, i32_store, "ii_", memory_access)         \
  X(0x37, i64_store, "iI_", memory_access)         \
  X(0x38, f32_store, "if_", memory_access)         \
  X(0x39, f64_store, "iF_", memory_access)         \
  X(0x3A, i32_store8, "ii_", memory_access)        \
  X(0x3B, i32_store16, "ii_", memory_access)       \
  X(0x3C, i64_store8, "iI_", memory_access)        \
  X(0x3D, i64_store16, "iI_", memory_access)       \
  X(0x3E, i64_store32, "iI_", memory_access)       \
  X(0x3F, memory_size, "special", instruction)     \
  X(0x40, memory_grow, "special", bulk_operation)  \
  X(0x41, i32_const, "special", instruction)       \
  X(0x42, i64_const, "special", instruction)       \
  X(0x43, f32_const, "special", instruction)       \
  X(0x44, f64_const, "special", instruction)       \
  X(0x45, i32_eqz, "i_i", instruction)             \
  X(0x46, i32_eq, "ii_i", instruction)             \
  X(0x47, i32_ne, "ii_i", instruction)             \
  X(0x48, i32_lt_s, "ii_i", instruction)           \
  X(0x49, i32_lt_u, "ii_i", instruction)           \
  X(0x4A, i32_gt_s, "ii_i", instruction)           \
  X(0x4B, i32_gt_u, "ii_i", instruction)           \
  X(0x4C, i32_le_s, "ii_i", instruction)           \
  X(0x4D, i32_le_u, "ii_i", instruction)           \
  X(0x4E, i32_ge_s, "ii_i", instruction)           \
  X(0x4F, i32_ge_u, "ii_i", instruction)           \
  X(0x50, i64_eqz, "I_i", instruction)             \
  X(0x51, i64_eq, "II_i", instruction)             \
  X(0x52, i64_ne, "II_i", instruction)             \
  X(0x53, i64_lt_s, "II_i", instruction)           \
  X(0x54, i64_lt_u, "II_i", instruction)           \
  X(0x55, i64_gt_s, "II_i", instruction)           \
  X(0x56, i64_gt_u, "II_i", instruction)           \
  X(0x57, i64_le_s, "II_i", instruction)           \
  X(0x58, i64_le_u, "II_i", instruction)           \
  X(0x59, i64_ge_s, "II_i", instruction)           \
  X(0x5A, i64_ge_u, "II_i", instruction)           \
  X(0x5B, f32_eq, "ff_i", instruction)             \
  X(0x5C, f32_ne, "ff_i", instruction)             \
  X(0x5D, f32_lt, "ff_i", instruction)             \
  X(0x5E, f32_gt, "ff_i", instruction)             \
  X(0x5F, f32_le, "ff_i", instruction)             \
  X(0x60, f32_ge, "ff_i", instruction)             \
  X(0x61, f64_eq, "FF_i", instruction)             \
  X(0x62, f64_ne, "FF_i", instruction)             \
  X(0x63, f64_lt, "FF_i", instruction)             \
  X(0x64, f64_gt, "FF_i", instruction)             \
  X(0x65, f64_le, "FF_i", instruction)             \
  X(0x66, f64_ge, "FF_i", instruction)             \
  X(0x67, i32_clz, "i_i", instruction)             \
  X(0x68, i32_ctz, "i_i", instruction)             \
  X(0x69, i32_popcnt, "i_i", instruction)          \
  X(0x6A, i32_add, "ii_i", instruction)            \
  X(0x6B, i32_sub, "ii_i", instruction)            \
  X(0x6C, i32_mul, "ii_i", instruction)            \
  X(0x6D, i32_div_s, "ii_i", division)             \
  X(0x6E, i32_div_u, "ii_i", division)             \
  X(0x6F, i32_rem_s, "ii_i", division)             \
  X(0x70, i32_rem_u, "ii_i", division)             \
  X(0x71, i32_and_, "ii_i", instruction)           \
  X(0x72, i32_or_, "ii_i", instruction)            \
  X(0x73, i32_xor_, "ii_i", instruction)           \
  X(0x74, i32_shl, "ii_i", instruction)            \
  X(0x75, i32_shr_s, "ii_i", instruction)          \
  X(0x76, i32_shr_u, "ii_i", instruction)          \
  X(0x77, i32_rotl, "ii_i", instruction)           \
  X(0x78, i32_rotr, "ii_i", instruction)           \
  X(0x79, i64_clz, "I_I", instruction)             \
  X(0x7A, i64_ctz, "I_I", instruction)             \
  X(0x7B, i64_popcnt, "I_I", instruction)          \
  X(0x7C, i64_add, "II_I", instruction)            \
  X(0x7D, i64_sub, "II_I", instruction)            \
  X(0x7E, i64_mul, "II_I", instruction)            \
  X(0x7F, i64_div_s, "II_I", division)             \
  X(0x80, i64_div_u, "II_I", division)             \
  X(0x81, i64_rem_s, "II_I", division)             \
  X(0x82, i64_rem_u, "II_I", division)             \
  X(0x83, i64_and_, "II_I", instruction)           \
  X(0x84, i64_or_, "II_I", instruction)            \
  X(0x85, i64_xor_, "II_I", instruction)           \
  X(0x86, i64_shl, "II_I", instruction)            \
  X(0x87, i64_shr_s, "II_I", instruction)          \
  X(0x88, i64_shr_u, "II_I", instruction)          \
  X(0x89, i64_rotl, "II_I", instruction)           \
  X(0x8A, i64_rotr, "II_I", instruction)           \
  X(0x8B, f32_abs, "f_f", instruction)             \
  X(0x8C, f32_neg, "f_f", instruction)             \
  X(0x8D, f32_ceil, "f_f", instruction)            \
  X(0x8E, f32_floor, "f_f", instruction)           \
  X(0x8F, f32_trunc, "f_f", instruction)           \
  X(0x90, f32_nearest, "f_f", instruction)         \
  X(0x91, f32_sqrt, "f_f", division)               \
  X(0x92, f32_add, "ff_f", instruction)            \
  X(0x93, f32_sub, "ff_f", instruction)            \
  X(0x94, f32_mul, "ff_f", instruction)            \
  X(0x95, f32_div, "ff_f", division)               \
  X(0x96, f32_min, "ff_f", instruction)            \
  X(0x97, f32_max, "ff_f", instruction)            \
  X(0x98, f32_copysign, "ff_f", instruction)       \
  X(0x99, f64_abs, "F_F", instruction)             \
  X(0x9A, f64_neg, "F_F", instruction)             \
  X(0x9B, f64_ceil, "F_F", instruction)            \
  X(0x9C, f64_floor, "F_F", instruction)           \
  X(0x9D, f64_trunc, "F_F", instruction)           \
  X(0x9E, f64_nearest, "F_F", instruction)         \
  X(0x9F, f64_sqrt, "F_F", division)               \
  X(0xA0, f64_add, "FF_F", instruction)            \
  X(0xA1, f64_sub, "FF_F", instruction)            \
  X(0xA2, f64_mul, "FF_F", instruction)            \
  X(0xA3, f64_div, "FF_F", division)               \
  X(0xA4, f64_min, "FF_F", instruction)            \
  X(0xA5, f64_max, "FF_F", instruction)            \
  X(0xA6, f64_copysign, "FF_F", instruction)       \
  X(0xA7, i32_wrap_i64, "I_i", instruction)        \
  X(0xA8, i32_trunc_f32_s, "f_i", instruction)     \
  X(0xA9, i32_trunc_f32_u, "f_i", instruction)     \
  X(0xAA, i32_trunc_f64_s, "F_i", instruction)     \
  X(0xAB, i32_trunc_f64_u, "F_i", instruction)     \
  X(0xAC, i64_extend_i32_s, "i_I", instruction)    \
  X(0xAD, i64_extend_i32_u, "i_I", instruction)    \
  X(0xAE, i64_trunc_f32_s, "f_I", instruction)     \
  X(0xAF, i64_trunc_f32_u, "f_I", instruction)     \
  X(0xB0, i64_trunc_f64_s, "F_I", instruction)     \
  X(0xB1, i64_trunc_f64_u, "F_I", instruction)     \
  X(0xB2, f32_convert_i32_s, "i_f", instruction)   \
  X(0xB3, f32_convert_i32_u, "i_f", instruction)   \
  X(0xB4, f32_convert_i64_s, "I_f", instruction)   \
  X(0xB5, f32_convert_i64_u, "I_f", instruction)   \
  X(0xB6, f32_demote_f64, "F_f", instruction)      \
  X(0xB7, f64_convert_i32_s, "i_F", instruction)   \
  X(0xB8, f64_convert_i32_u, "i_F", instruction)   \
  X(0xB9, f64_convert_i64_s, "I_F", instruction)   \
  X(0xBA, f64_convert_i64_u, "I_F", instruction)   \
  X(0xBB, f64_promote_f32, "f_F", instruction)     \
  X(0xBC, i32_reinterpret_f32, "f_i", instruction) \
  X(0xBD, i64_reinterpret_f64, "F_I", instruction) \
  X(0xBE, f32_reinterpret_i32, "i_f", instruction) \
  X(0xBF, f64_reinterpret_i64, "I_F", instruction) \
  X(0xC0, i32_extend8_s, "i_i", instruction)       \
  X(0xC1, i32_extend16_s, "i_i", instruction)      \
  X(0xC2, i64_extend8_s, "I_I", instruction)       \
  X(0xC3, i64_extend16_s, "I_I", instruction)      \
  X(0xC4, i64_extend32_s, "I_I", instruction)      \
  X(0xD0, ref_null, "special", instruction)        \
  X(0xD1, ref_is_null, "special", instruction)     \
  X(0xD2, ref_func, "special", instruction)        \
  X(0xE0, i32_trunc_sat_f32_s, "f_i", instruction) \
  X(0xE1, i32_trunc_sat_f32_u, "f_i", instruction) \
  X(0xE2, i32_trunc_sat_f64_s, "F_i", instruction) \
  X(0xE3, i32_trunc_sat_f64_u, "F_i", instruction) \
  X(0xE4, i64_trunc_sat_f32_s, "f_I", instruction) \
  X(0xE5, i64_trunc_sat_f32_u, "f_I", instruction) \
  X(0xE6, i64_trunc_sat_f64_s, "F_I", instruction) \
  X(0xE7, i64_trunc_sat_f64_u, "F_I", instruction) \
  X(0xE8, memory_init, "special", bulk_operation)  \
  X(0xE9, data_drop, "special", instruction)       \
  X(0xEA, memory_copy, "special", bulk_operation)  \
  X(0xEB, memory_fill, "special", bulk_operation)  \
  X(0xEC, table_init, "special", bulk_operation)   \
  X(0xED, elem_drop, "special", instruction)       \
  X(0xEE, table_copy, "special", bulk_operation)   \
  X(0xEF, table_grow, "special", bulk_operation)   \
  X(0xF0, table_size, "special", instruction)      \
  X(0xF1, table_fill, "special", bulk_operation)

namespace govchain::runtime {

enum class GasClass : uint8_t {
  instruction,
  division,
  memory_access,
  global_access,
  branch,
  call,
  call_indirect,
  bulk_operation,
};

namespace opcode {
#define GOVCHAIN_OPCODE_CONSTANT(code, name, signature, gas) inline constexpr uint16_t name = code;
GOVCHAIN_WASM_OPCODES(GOVCHAIN_OPCODE_CONSTANT)
#undef GOVCHAIN_OPCODE_CONSTANT
inline constexpr uint16_t prefix_fc = 0xFC;
inline constexpr uint16_t prefix_fc_base = 0xE0;  // 0xFC n becomes 0xE0 + n
inline constexpr uint32_t prefix_fc_count = 18;
}  // namespace opcode

struct OpcodeInfo {
  const char* name = nullptr;  // nullptr: not an opcode
  const char* signature = nullptr;
  GasClass gas_class = GasClass::instruction;
  // The signature decoded once, for the prepare stage: operand and result
  // value types (binary encodings), or `is_simple` false for the "special"
  // ones.
  bool is_simple = false;
  uint8_t operand_count = 0;
  uint8_t result_count = 0;
  uint8_t operand_types[3] = {};
  uint8_t result_type = 0;
};

// Information on the opcodes of the binary format; other numbers have none.
const OpcodeInfo& opcode_info(uint16_t code);

// 1 for each byte that is an opcode of the binary format by itself (not
// 0xFC, not unassigned), built at compile time.
constexpr std::array<uint8_t, 256> make_plain_opcode_table() {
  std::array<uint8_t, 256> table{};
#define GOVCHAIN_PLAIN_OPCODE(code, name, signature, gas) \
  if ((code) < opcode::prefix_fc_base) table[code] = 1;
  GOVCHAIN_WASM_OPCODES(GOVCHAIN_PLAIN_OPCODE)
#undef GOVCHAIN_PLAIN_OPCODE
  return table;
}
inline constexpr std::array<uint8_t, 256> plain_opcode_table = make_plain_opcode_table();

inline bool is_plain_opcode(uint8_t byte) { return plain_opcode_table[byte] != 0; }

// Reads one opcode, folding the 0xFC prefix; fails on an unknown opcode.
// Plain opcodes, nearly all of them, take the inline path.
bool read_opcode_slow(Reader& reader, uint16_t& code);
inline bool read_opcode(Reader& reader, uint16_t& code) {
  uint8_t byte;
  const size_t start = reader.position();
  if (!reader.read_byte(byte)) return false;
  if (is_plain_opcode(byte)) [[likely]] {
    code = byte;
    return true;
  }
  reader.seek(start);
  return read_opcode_slow(reader, code);
}

uint64_t gas_of_class(GasClass gas_class, const GasSchedule& schedule);

}  // namespace govchain::runtime
