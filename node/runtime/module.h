// The decoded form of a WebAssembly module, as the decode stage produces it,
// and the prepared code that the prepare stage adds. A Module is immutable
// once load_module() returns it; it may then be shared between threads and
// instantiated any number of times (each instance gets its own state).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "runtime/types.h"

namespace govchain::runtime {

enum class ExternalKind : uint8_t { function = 0, table = 1, memory = 2, global = 3 };

std::string_view external_kind_name(ExternalKind kind);

struct SizeBounds {
  uint32_t minimum = 0;
  std::optional<uint32_t> maximum;
};

struct TableType {
  ValueType element_type = ValueType::funcref;
  SizeBounds bounds;
};

struct MemoryType {
  SizeBounds bounds;  // in 64 KiB pages
};

struct GlobalType {
  ValueType type = ValueType::i32;
  bool is_mutable = false;
};

// A constant expression of WebAssembly 2.0: exactly one instruction.
struct ConstantExpression {
  enum class Kind : uint8_t { constant, global_get, ref_null, ref_func };
  Kind kind = Kind::constant;
  ValueType type = ValueType::i32;  // of `constant` and `ref_null`
  uint64_t bits = 0;                // of `constant`
  uint32_t index = 0;               // of `global_get` and `ref_func`
  size_t offset = 0;                // in the module bytes, for error messages
};

struct Import {
  std::string module_name;
  std::string field_name;
  ExternalKind kind = ExternalKind::function;
  uint32_t type_index = 0;  // of a function
  TableType table;
  MemoryType memory;
  GlobalType global;
};

struct Export {
  std::string name;
  ExternalKind kind = ExternalKind::function;
  uint32_t index = 0;
};

struct Global {
  GlobalType type;
  ConstantExpression initializer;
};

enum class SegmentMode : uint8_t { active, passive, declarative };

struct ElementSegment {
  SegmentMode mode = SegmentMode::active;
  uint32_t table_index = 0;
  ConstantExpression offset;
  ValueType element_type = ValueType::funcref;
  std::vector<ConstantExpression> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::active;
  uint32_t memory_index = 0;
  ConstantExpression offset;
  Bytes bytes;
};

// One instruction of the prepared form (runtime/operations.h): the
// operation, and up to four fields whose meaning depends on it: slots of the
// frame (relative to its first parameter), a branch offset, a gas amount,
// an index, or a 64-bit immediate held in x and y.
struct Instruction {
  uint16_t operation = 0;
  uint16_t aux = 0;
  uint32_t r = 0;
  uint32_t x = 0;
  uint32_t y = 0;

  uint64_t immediate() const { return static_cast<uint64_t>(x) | static_cast<uint64_t>(y) << 32; }
  void set_immediate(uint64_t value) {
    x = static_cast<uint32_t>(value);
    y = static_cast<uint32_t>(value >> 32);
  }
};
static_assert(sizeof(Instruction) == 16);

// A function body after the prepare stage: a flat instruction array with
// resolved branch targets, and the frame it needs. The frame holds the
// parameters, then the declared locals, then the constant pool's slots
// (operations.h), then one slot per operand-stack height; calls put the
// callee's frame on top of the caller's arguments.
struct PreparedCode {
  std::vector<Instruction> instructions;
  uint32_t param_slots = 0;
  uint32_t local_slots = 0;        // declared locals, parameters excluded
  uint32_t operand_slots_max = 0;  // highest operand stack use
  uint32_t frame_slots = 0;        // param_slots + local_slots + the constant pool's + operand_slots_max
  uint64_t entry_gas = 0;          // for zeroing the locals, charged on entry before they are zeroed
};

// A run of declared locals of one type: the locals before index `end`
// (parameters excluded) and after the previous group's end. Kept as runs,
// so that a declaration of many locals in a few bytes allocates nothing per
// local.
struct LocalGroup {
  uint32_t end = 0;
  ValueType type = ValueType::i32;
};

struct FunctionBody {
  std::vector<LocalGroup> local_groups;  // declared locals, parameters excluded; empty runs dropped
  uint32_t local_count = 0;              // declared locals, parameters excluded
  size_t code_offset = 0;                // of the first instruction, in the module bytes
  size_t code_end = 0;                   // one past the final `end`
  PreparedCode prepared;
};

struct Module {
  Bytes bytes;  // the binary, kept for function bodies and error offsets
  std::vector<FunctionType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> function_type_indices;  // imported functions first
  std::vector<TableType> tables;                // imported tables first
  std::vector<MemoryType> memories;             // imported memories first
  std::vector<GlobalType> global_types;         // imported globals first
  std::vector<Global> globals;                  // defined globals only
  std::vector<Export> exports;
  std::optional<uint32_t> start_function;
  std::vector<ElementSegment> element_segments;
  std::vector<DataSegment> data_segments;
  std::optional<uint32_t> data_count;
  std::vector<FunctionBody> bodies;  // defined functions only
  uint32_t imported_function_count = 0;
  uint32_t imported_table_count = 0;
  uint32_t imported_memory_count = 0;
  uint32_t imported_global_count = 0;
  GasSchedule gas_schedule;  // the one prepare baked into the code
  // What Store::instantiate charges before it allocates anything
  // (instantiation_gas() in runtime/runtime.h), computed once at load.
  uint64_t instantiation_gas = 0;
  // Export index by name, built at load so that instances need no copy.
  std::map<std::string, uint32_t, std::less<>> export_indices;

  const FunctionType& function_type(uint32_t function_index) const {
    return types[function_type_indices[function_index]];
  }
};

}  // namespace govchain::runtime
