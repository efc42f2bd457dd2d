// Value types, typed values, engine limits and the gas schedule of the
// WebAssembly runtime. Everything here is a plain value: safe to copy and to
// share between threads.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

namespace govchain::runtime {

// Value types of WebAssembly 2.0 without SIMD, with their binary encodings.
enum class ValueType : uint8_t {
  i32 = 0x7F,
  i64 = 0x7E,
  f32 = 0x7D,
  f64 = 0x7C,
  funcref = 0x70,
  externref = 0x6F,
};

bool is_reference_type(ValueType type);
std::string_view value_type_name(ValueType type);

// A typed value as it crosses the API. Numbers are stored as their bit
// patterns, so NaN payloads survive. A reference is 0 when null; a non-null
// externref carries a host handle (see externref()), a non-null funcref an
// engine-internal function identity.
struct Value {
  ValueType type = ValueType::i32;
  uint64_t bits = 0;

  static Value i32(int32_t value) { return {ValueType::i32, static_cast<uint32_t>(value)}; }
  static Value i64(int64_t value) { return {ValueType::i64, static_cast<uint64_t>(value)}; }
  static Value f32(float value) { return {ValueType::f32, std::bit_cast<uint32_t>(value)}; }
  static Value f64(double value) { return {ValueType::f64, std::bit_cast<uint64_t>(value)}; }
  static Value f32_bits(uint32_t bits) { return {ValueType::f32, bits}; }
  static Value f64_bits(uint64_t bits) { return {ValueType::f64, bits}; }
  static Value null(ValueType reference_type) { return {reference_type, 0}; }
  // A non-null external reference to host object `handle` (any value, including 0).
  static Value externref(uint64_t handle) { return {ValueType::externref, handle + 1}; }

  int32_t as_i32() const { return static_cast<int32_t>(static_cast<uint32_t>(bits)); }
  int64_t as_i64() const { return static_cast<int64_t>(bits); }
  float as_f32() const { return std::bit_cast<float>(static_cast<uint32_t>(bits)); }
  double as_f64() const { return std::bit_cast<double>(bits); }
  bool is_null() const { return bits == 0; }
  uint64_t externref_handle() const { return bits - 1; }

  bool operator==(const Value&) const = default;
};

std::string value_to_string(const Value& value);

struct FunctionType {
  std::vector<ValueType> params;
  std::vector<ValueType> results;
  bool operator==(const FunctionType&) const = default;
};

std::string function_type_to_string(const FunctionType& type);

// Bounds that make every module load and every call end in bounded time and
// memory. Counts are checked while decoding, before anything is allocated
// for them; exceeding a load-time bound refuses the module (malformed,
// invalid or resource_exhausted, with a message naming the bound);
// exceeding a run-time bound is a deterministic trap. The defaults suit a
// general embedding (the spec suite runs with them); contract_limits() are
// the node's tighter ones. See docs/runtime.md, "Limits".
struct Limits {
  uint64_t module_size_bytes_max = 4 * 1024 * 1024;
  uint32_t functions_max = 10000;  // imported and defined
  uint32_t types_max = 10000;
  uint32_t type_arity_max = 128;  // parameters, and results, of one function type
  uint32_t imports_max = 1000;
  uint32_t exports_max = 10000;
  uint32_t globals_max = 10000;
  uint32_t tables_max = 100;                 // imported and defined
  uint32_t segments_max = 10000;             // element and data segments each
  uint32_t locals_per_function_max = 50000;  // parameters included
  uint32_t function_size_bytes_max = 1024 * 1024;
  uint32_t control_nesting_max = 1024;   // nested block/loop/if in one function
  uint32_t br_table_labels_max = 65536;  // labels of one br_table
  uint32_t memory_pages_max = 1024;      // 64 KiB each: 64 MiB; initial size and growth
  uint32_t table_elements_max = 100000;  // per table, initial size and growth; per element segment
  uint32_t call_depth_max = 1000;
  uint32_t value_stack_slots_max = 512 * 1024;  // 64-bit slots, locals included
  uint32_t results_max = 1000;                  // values returned by one invocation
};

// The limits under which the node loads and runs contracts: the five
// use-case contracts (26-38 KB; at most 14 types, 14 imports, 48
// functions, 1 table of 2 elements, 2 memory pages, 26 locals in a
// function, br_table of 18 labels, 26 nested blocks, 4 parameters, a
// 3.9 KB function) fit with room to spare. A module is at most what one
// transaction carries (120 KiB of payload).
Limits contract_limits();

// Gas charged per instruction class, and per unit of work whose size is known
// only at run time or load time. Straight-line runs of instructions (basic
// blocks) are charged in full when they are entered; the other charges are
// made before the work they price. Calibrated so that one gas unit costs
// about the same time whatever the work (docs/runtime.md, "Gas schedule").
struct GasSchedule {
  uint64_t instruction = 1;    // constants, locals, arithmetic, comparisons
  uint64_t division = 4;       // integer div/rem, float div and sqrt
  uint64_t memory_access = 2;  // loads and stores
  uint64_t global_access = 2;
  uint64_t branch = 2;  // br, br_if, br_table, if, return
  uint64_t call = 10;
  uint64_t call_indirect = 15;
  uint64_t bulk_operation = 10;  // base of memory/table init, copy, fill, grow
  uint64_t host_call = 50;       // plus the host function's own cost
  // Values moved, per two 64-bit slots (rounded up): the arity of the
  // target of a br, br_if or br_table, the results of a return, and the
  // parameters and results of a call (charged in the block of the
  // instruction, taken or not).
  uint64_t gas_per_2_slots_copied = 1;
  // Locals zeroed when a function is entered, charged before they are.
  uint64_t gas_per_8_locals_zeroed = 1;
  // memory.copy/fill/init, and active data segments at instantiation.
  uint64_t gas_per_8_bytes_copied = 1;
  // Table elements written: table.grow/fill/copy/init, element segments and
  // each table's initial elements at instantiation.
  uint64_t gas_per_8_table_elements = 3;
  // Per 64 KiB page allocated: memory.grow (only if it succeeds) and the
  // initial pages at instantiation.
  uint64_t memory_page_allocated = 5000;
  // Instantiation, charged before anything is allocated: a base (the
  // Store's frames, the instance) and each type, import, function, global,
  // export and segment the instance sets up.
  uint64_t instantiation = 5000;
  uint64_t instantiation_per_item = 40;
  // Loading (decode, validate, prepare), charged by the embedder before it
  // calls load_module (see load_gas() in runtime/runtime.h).
  uint64_t module_loaded = 5000;
  uint64_t gas_per_code_byte_loaded = 15;
};

}  // namespace govchain::runtime
