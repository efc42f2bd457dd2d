#include "runtime/validate.h"

#include <algorithm>
#include <set>
#include <string>

#include "runtime/decode.h"
#include "runtime/errors.h"
#include "runtime/opcodes.h"
#include "runtime/reader.h"

namespace govchain::runtime {
namespace {

// An operand type on the validation stack; `unknown` stands for any type in
// unreachable code.
using StackType = uint8_t;
constexpr StackType unknown_type = 0;

StackType stack_type(ValueType type) { return static_cast<StackType>(type); }

bool is_numeric(StackType type) {
  return type == stack_type(ValueType::i32) || type == stack_type(ValueType::i64) ||
         type == stack_type(ValueType::f32) || type == stack_type(ValueType::f64);
}

bool is_reference(StackType type) {
  return type == stack_type(ValueType::funcref) || type == stack_type(ValueType::externref);
}

// The types of a block point into the module's types (or the constant
// lists below), so that entering a block copies nothing.
using TypeList = std::vector<ValueType>;

const TypeList& no_types() {
  static const TypeList empty;
  return empty;
}

const TypeList& single_type(ValueType type) {
  static const TypeList lists[] = {{ValueType::i32}, {ValueType::i64},     {ValueType::f32},
                                   {ValueType::f64}, {ValueType::funcref}, {ValueType::externref}};
  switch (type) {
    case ValueType::i32:
      return lists[0];
    case ValueType::i64:
      return lists[1];
    case ValueType::f32:
      return lists[2];
    case ValueType::f64:
      return lists[3];
    case ValueType::funcref:
      return lists[4];
    case ValueType::externref:
      return lists[5];
  }
  return no_types();
}

struct ControlFrame {
  uint16_t opcode = 0;
  const TypeList* start_types = &no_types();
  const TypeList* end_types = &no_types();
  size_t height = 0;
  bool unreachable = false;
};

class FunctionValidator {
 public:
  FunctionValidator(const Module& module, const Limits& limits, const std::set<uint32_t>& declared_functions,
                    uint32_t function_index)
      : module_(module),
        limits_(limits),
        declared_functions_(declared_functions),
        function_index_(function_index),
        body_(module.bodies[function_index - module.imported_function_count]),
        reader_(module.bytes, body_.code_offset, body_.code_end) {}

  Status validate();

 private:
  Status validate_instruction(uint16_t code);
  Status validate_control(uint16_t code);
  Status validate_branch(uint16_t code);
  Status validate_branch_table();
  Status check_top(const TypeList& types) const;
  Status validate_variable(uint16_t code);
  Status validate_memory(uint16_t code);
  Status validate_table(uint16_t code);
  Status validate_bulk_memory(uint16_t code);
  Status validate_reference(uint16_t code);
  Status validate_simple(uint16_t code);
  Status validate_call(uint16_t code);
  Status validate_select(uint16_t code);

  Status fail(std::string_view cause) const {
    return invalid_error(std::string(cause) + " in function " + std::to_string(function_index_), instruction_offset_);
  }
  Status read_failure() const { return reader_.status(); }
  void push(StackType type) { values_.push_back(type); }
  void push(ValueType type) { values_.push_back(stack_type(type)); }
  Status pop(StackType& type);
  Status pop_expect(StackType expected);
  Status pop_expect(ValueType expected) { return pop_expect(stack_type(expected)); }
  Status pop_list(const TypeList& types);
  Status pop_list_slowly(const TypeList& types);
  void push_list(const TypeList& types) {
    const size_t base = values_.size();
    values_.resize(base + types.size());
    for (size_t index = 0; index < types.size(); ++index) values_[base + index] = stack_type(types[index]);
  }
  Status push_control(uint16_t code, const TypeList& start_types, const TypeList& end_types);
  Status pop_control(ControlFrame& frame);
  const TypeList& label_types(const ControlFrame& frame) const {
    return frame.opcode == opcode::loop ? *frame.start_types : *frame.end_types;
  }
  void mark_unreachable() {
    values_.resize(controls_.back().height);
    controls_.back().unreachable = true;
  }
  Status read_block_signature(const TypeList*& params, const TypeList*& results);
  Status read_label(uint32_t& depth);
  Status read_memory_argument(uint32_t natural_size_bytes);
  Status require_memory() const { return module_.memories.empty() ? fail("unknown memory 0") : Status(); }
  Status read_zero_byte();
  Status read_table_index(uint32_t& index);
  Status local_type(uint32_t index, ValueType& type) const;

  const Module& module_;
  const Limits& limits_;
  const std::set<uint32_t>& declared_functions_;
  uint32_t function_index_;
  const FunctionBody& body_;
  Reader reader_;
  size_t instruction_offset_ = 0;
  std::vector<StackType> values_;
  std::vector<ControlFrame> controls_;
  // br_table scratch, reused: its labels, and per depth the generation of
  // the last br_table that checked it.
  std::vector<uint32_t> label_depths_;
  std::vector<uint32_t> depth_checked_;
  uint32_t branch_table_generation_ = 0;
};

Status FunctionValidator::pop(StackType& type) {
  const ControlFrame& frame = controls_.back();
  if (values_.size() == frame.height) {
    if (frame.unreachable) {
      type = unknown_type;
      return Status();
    }
    return fail("type mismatch: operand stack underflow");
  }
  type = values_.back();
  values_.pop_back();
  return Status();
}

Status FunctionValidator::pop_expect(StackType expected) {
  StackType actual;
  GOVCHAIN_TRY(pop(actual));
  if (actual != expected && actual != unknown_type && expected != unknown_type)
    return fail("type mismatch: expected " + std::string(value_type_name(static_cast<ValueType>(expected))) + ", got " +
                std::string(value_type_name(static_cast<ValueType>(actual))));
  return Status();
}

// Operands of the expected types above the block's height are checked and
// removed in place; anything else (unreachable code, a mismatch to report)
// takes the one-by-one path.
Status FunctionValidator::pop_list(const TypeList& types) {
  const size_t count = types.size();
  if (values_.size() - controls_.back().height >= count) {
    const StackType* operands = values_.data() + values_.size() - count;
    bool match = true;
    for (size_t index = 0; index < count; ++index)
      match &= operands[index] == stack_type(types[index]) || operands[index] == unknown_type;
    if (match) {
      values_.resize(values_.size() - count);
      return Status();
    }
  }
  return pop_list_slowly(types);
}

Status FunctionValidator::pop_list_slowly(const TypeList& types) {
  for (size_t index = types.size(); index > 0; --index) GOVCHAIN_TRY(pop_expect(types[index - 1]));
  return Status();
}

Status FunctionValidator::push_control(uint16_t code, const TypeList& start_types, const TypeList& end_types) {
  if (controls_.size() >= limits_.control_nesting_max) return fail("blocks nested too deeply");
  const size_t height = values_.size();
  controls_.push_back(ControlFrame{code, &start_types, &end_types, height, false});
  push_list(start_types);
  return Status();
}

Status FunctionValidator::pop_control(ControlFrame& frame) {
  if (controls_.empty()) return fail("unexpected end");
  GOVCHAIN_TRY(pop_list(*controls_.back().end_types));
  if (values_.size() != controls_.back().height) return fail("type mismatch: values remain at the end of a block");
  frame = controls_.back();
  controls_.pop_back();
  return Status();
}

Status FunctionValidator::read_block_signature(const TypeList*& params, const TypeList*& results) {
  BlockType block_type;
  if (!read_block_type(reader_, block_type)) return read_failure();
  params = &no_types();
  results = &no_types();
  switch (block_type.kind) {
    case BlockType::Kind::empty:
      break;
    case BlockType::Kind::value:
      results = &single_type(block_type.value);
      break;
    case BlockType::Kind::type_index:
      if (block_type.type_index >= module_.types.size()) return fail("unknown type");
      params = &module_.types[block_type.type_index].params;
      results = &module_.types[block_type.type_index].results;
      break;
  }
  return Status();
}

Status FunctionValidator::read_label(uint32_t& depth) {
  if (!reader_.read_u32(depth)) return read_failure();
  if (depth >= controls_.size()) return fail("unknown label");
  return Status();
}

Status FunctionValidator::read_zero_byte() {
  uint8_t byte;
  if (!reader_.read_byte(byte)) return read_failure();
  if (byte != 0) return malformed_error("zero byte expected", reader_.position() - 1);
  return Status();
}

Status FunctionValidator::read_table_index(uint32_t& index) {
  if (!reader_.read_u32(index)) return read_failure();
  if (index >= module_.tables.size()) return fail("unknown table " + std::to_string(index));
  return Status();
}

Status FunctionValidator::local_type(uint32_t index, ValueType& type) const {
  const FunctionType& function_type = module_.function_type(function_index_);
  if (index < function_type.params.size()) {
    type = function_type.params[index];
    return Status();
  }
  index -= static_cast<uint32_t>(function_type.params.size());
  if (index >= body_.local_count) return fail("unknown local");
  // The first run that ends after `index`.
  const auto group = std::upper_bound(body_.local_groups.begin(), body_.local_groups.end(), index,
                                      [](uint32_t wanted, const LocalGroup& run) { return wanted < run.end; });
  type = group->type;
  return Status();
}

Status FunctionValidator::validate() {
  const FunctionType& type = module_.function_type(function_index_);
  if (type.params.size() + body_.local_count > limits_.locals_per_function_max)
    return fail(limit_text("locals", type.params.size() + body_.local_count, limits_.locals_per_function_max,
                           "locals_per_function_max"));
  GOVCHAIN_TRY(push_control(opcode::block, no_types(), type.results));
  while (!controls_.empty()) {
    instruction_offset_ = reader_.position();
    uint16_t code;
    if (!read_opcode(reader_, code)) return read_failure();
    GOVCHAIN_TRY(validate_instruction(code));
    if (values_.size() > limits_.value_stack_slots_max) return fail("operand stack too high");
  }
  if (!reader_.at_end()) return malformed_error("section size mismatch: code after the final end", reader_.position());
  return Status();
}

Status FunctionValidator::validate_instruction(uint16_t code) {
  switch (code) {
    case opcode::unreachable:
    case opcode::nop:
    case opcode::block:
    case opcode::loop:
    case opcode::if_:
    case opcode::else_:
    case opcode::end:
      return validate_control(code);
    case opcode::br:
    case opcode::br_if:
    case opcode::br_table:
    case opcode::return_:
      return validate_branch(code);
    case opcode::call:
    case opcode::call_indirect:
      return validate_call(code);
    case opcode::drop: {
      StackType ignored;
      return pop(ignored);
    }
    case opcode::select:
    case opcode::select_typed:
      return validate_select(code);
    case opcode::local_get:
    case opcode::local_set:
    case opcode::local_tee:
    case opcode::global_get:
    case opcode::global_set:
      return validate_variable(code);
    case opcode::table_get:
    case opcode::table_set:
    case opcode::table_init:
    case opcode::elem_drop:
    case opcode::table_copy:
    case opcode::table_grow:
    case opcode::table_size:
    case opcode::table_fill:
      return validate_table(code);
    case opcode::memory_size:
    case opcode::memory_grow:
    case opcode::memory_init:
    case opcode::data_drop:
    case opcode::memory_copy:
    case opcode::memory_fill:
      return validate_bulk_memory(code);
    case opcode::ref_null:
    case opcode::ref_is_null:
    case opcode::ref_func:
      return validate_reference(code);
    case opcode::i32_const: {
      int32_t value;
      if (!reader_.read_s32(value)) return read_failure();
      push(ValueType::i32);
      return Status();
    }
    case opcode::i64_const: {
      int64_t value;
      if (!reader_.read_s64(value)) return read_failure();
      push(ValueType::i64);
      return Status();
    }
    case opcode::f32_const: {
      uint32_t bits;
      if (!reader_.read_f32_bits(bits)) return read_failure();
      push(ValueType::f32);
      return Status();
    }
    case opcode::f64_const: {
      uint64_t bits;
      if (!reader_.read_f64_bits(bits)) return read_failure();
      push(ValueType::f64);
      return Status();
    }
  }
  if (code >= opcode::i32_load && code <= opcode::i64_store32) return validate_memory(code);
  return validate_simple(code);
}

Status FunctionValidator::validate_control(uint16_t code) {
  switch (code) {
    case opcode::unreachable:
      mark_unreachable();
      return Status();
    case opcode::nop:
      return Status();
    case opcode::block:
    case opcode::loop:
    case opcode::if_: {
      const TypeList* params = nullptr;
      const TypeList* results = nullptr;
      GOVCHAIN_TRY(read_block_signature(params, results));
      if (code == opcode::if_) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      GOVCHAIN_TRY(pop_list(*params));
      return push_control(code, *params, *results);
    }
    case opcode::else_: {
      if (controls_.back().opcode != opcode::if_) return fail("else without if");
      ControlFrame frame;
      GOVCHAIN_TRY(pop_control(frame));
      return push_control(opcode::else_, *frame.start_types, *frame.end_types);
    }
    case opcode::end: {
      ControlFrame frame;
      GOVCHAIN_TRY(pop_control(frame));
      // An if without else must leave its parameters as its results.
      if (frame.opcode == opcode::if_ && *frame.start_types != *frame.end_types)
        return fail("type mismatch: if without else must not change the operand types");
      push_list(*frame.end_types);
      return Status();
    }
  }
  return fail("unknown control instruction");
}

Status FunctionValidator::validate_branch(uint16_t code) {
  switch (code) {
    case opcode::br: {
      uint32_t depth;
      GOVCHAIN_TRY(read_label(depth));
      GOVCHAIN_TRY(pop_list(label_types(controls_[controls_.size() - 1 - depth])));
      mark_unreachable();
      return Status();
    }
    case opcode::br_if: {
      uint32_t depth;
      GOVCHAIN_TRY(read_label(depth));
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      const auto& types = label_types(controls_[controls_.size() - 1 - depth]);
      GOVCHAIN_TRY(pop_list(types));
      push_list(types);
      return Status();
    }
    case opcode::br_table:
      return validate_branch_table();
    case opcode::return_:
      GOVCHAIN_TRY(pop_list(*controls_.front().end_types));
      mark_unreachable();
      return Status();
  }
  return fail("unknown branch instruction");
}

// Checks the operands against every label's types, as the spec's algorithm
// does, but each distinct target once: the operand stack does not change
// between labels, so a repeated target would give the same answer. The work
// is linear in the labels plus the arity times the distinct targets (at
// most the nesting depth), never labels times arity.
Status FunctionValidator::validate_branch_table() {
  uint32_t count;
  if (!reader_.read_count(count, 1, limits_.br_table_labels_max, "br_table labels", "br_table_labels_max"))
    return read_failure();
  label_depths_.resize(count);
  for (auto& depth : label_depths_)
    if (!reader_.read_u32(depth)) return read_failure();
  uint32_t default_depth;
  GOVCHAIN_TRY(read_label(default_depth));
  GOVCHAIN_TRY(pop_expect(ValueType::i32));
  const auto& default_types = label_types(controls_[controls_.size() - 1 - default_depth]);
  ++branch_table_generation_;
  depth_checked_.resize(controls_.size(), 0);
  for (uint32_t depth : label_depths_) {
    if (depth >= controls_.size()) return fail("unknown label");
    if (depth_checked_[depth] == branch_table_generation_) continue;
    depth_checked_[depth] = branch_table_generation_;
    const auto& types = label_types(controls_[controls_.size() - 1 - depth]);
    if (types.size() != default_types.size()) return fail("type mismatch: br_table labels differ in arity");
    GOVCHAIN_TRY(check_top(types));
  }
  GOVCHAIN_TRY(pop_list(default_types));
  mark_unreachable();
  return Status();
}

// Whether the top of the operand stack matches `types` without popping;
// below the current block's height, unreachable code matches anything.
Status FunctionValidator::check_top(const TypeList& types) const {
  const ControlFrame& frame = controls_.back();
  const size_t available = values_.size() - frame.height;
  for (size_t index = 0; index < types.size(); ++index) {
    const size_t from_top = types.size() - index;  // 1 for the last type
    if (from_top > available) {
      if (frame.unreachable) continue;
      return fail("type mismatch: operand stack underflow");
    }
    const StackType actual = values_[values_.size() - from_top];
    if (actual != stack_type(types[index]) && actual != unknown_type) return fail("type mismatch in br_table");
  }
  return Status();
}

Status FunctionValidator::validate_call(uint16_t code) {
  if (code == opcode::call) {
    uint32_t function_index;
    if (!reader_.read_u32(function_index)) return read_failure();
    if (function_index >= module_.function_type_indices.size())
      return fail("unknown function " + std::to_string(function_index));
    const FunctionType& type = module_.function_type(function_index);
    GOVCHAIN_TRY(pop_list(type.params));
    push_list(type.results);
    return Status();
  }
  uint32_t type_index, table_index;
  if (!reader_.read_u32(type_index)) return read_failure();
  GOVCHAIN_TRY(read_table_index(table_index));
  if (type_index >= module_.types.size()) return fail("unknown type");
  if (module_.tables[table_index].element_type != ValueType::funcref)
    return fail("type mismatch: table is not funcref");
  GOVCHAIN_TRY(pop_expect(ValueType::i32));
  GOVCHAIN_TRY(pop_list(module_.types[type_index].params));
  push_list(module_.types[type_index].results);
  return Status();
}

Status FunctionValidator::validate_select(uint16_t code) {
  if (code == opcode::select_typed) {
    uint32_t count;
    if (!reader_.read_u32(count)) return read_failure();
    if (count != 1) return fail("invalid result arity");
    ValueType type;
    if (!read_value_type(reader_, type)) return read_failure();
    GOVCHAIN_TRY(pop_expect(ValueType::i32));
    GOVCHAIN_TRY(pop_expect(type));
    GOVCHAIN_TRY(pop_expect(type));
    push(type);
    return Status();
  }
  GOVCHAIN_TRY(pop_expect(ValueType::i32));
  StackType first, second;
  GOVCHAIN_TRY(pop(first));
  GOVCHAIN_TRY(pop(second));
  if ((first != unknown_type && !is_numeric(first)) || (second != unknown_type && !is_numeric(second)))
    return fail("type mismatch: select without a type needs numeric operands");
  if (first != second && first != unknown_type && second != unknown_type)
    return fail("type mismatch: select operands differ");
  push(first == unknown_type ? second : first);
  return Status();
}

Status FunctionValidator::validate_variable(uint16_t code) {
  uint32_t index;
  if (!reader_.read_u32(index)) return read_failure();
  if (code == opcode::global_get || code == opcode::global_set) {
    if (index >= module_.global_types.size()) return fail("unknown global " + std::to_string(index));
    const GlobalType& global = module_.global_types[index];
    if (code == opcode::global_get) {
      push(global.type);
      return Status();
    }
    if (!global.is_mutable) return fail("global is immutable");
    return pop_expect(global.type);
  }
  ValueType type;
  GOVCHAIN_TRY(local_type(index, type));
  if (code == opcode::local_get) {
    push(type);
    return Status();
  }
  GOVCHAIN_TRY(pop_expect(type));
  if (code == opcode::local_tee) push(type);
  return Status();
}

uint32_t natural_size_bytes(uint16_t code) {
  switch (code) {
    case opcode::i32_load8_s:
    case opcode::i32_load8_u:
    case opcode::i64_load8_s:
    case opcode::i64_load8_u:
    case opcode::i32_store8:
    case opcode::i64_store8:
      return 1;
    case opcode::i32_load16_s:
    case opcode::i32_load16_u:
    case opcode::i64_load16_s:
    case opcode::i64_load16_u:
    case opcode::i32_store16:
    case opcode::i64_store16:
      return 2;
    case opcode::i32_load:
    case opcode::f32_load:
    case opcode::i64_load32_s:
    case opcode::i64_load32_u:
    case opcode::i32_store:
    case opcode::f32_store:
    case opcode::i64_store32:
      return 4;
  }
  return 8;
}

Status FunctionValidator::read_memory_argument(uint32_t natural_size) {
  uint32_t alignment_log2, offset;
  if (!reader_.read_u32(alignment_log2) || !reader_.read_u32(offset)) return read_failure();
  GOVCHAIN_TRY(require_memory());
  if (alignment_log2 >= 32 || (1u << alignment_log2) > natural_size)
    return fail("alignment must not be larger than natural");
  return Status();
}

Status FunctionValidator::validate_memory(uint16_t code) {
  GOVCHAIN_TRY(read_memory_argument(natural_size_bytes(code)));
  return validate_simple(code);
}

Status FunctionValidator::validate_bulk_memory(uint16_t code) {
  switch (code) {
    case opcode::memory_size:
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      push(ValueType::i32);
      return Status();
    case opcode::memory_grow:
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      push(ValueType::i32);
      return Status();
    case opcode::memory_copy:
      GOVCHAIN_TRY(read_zero_byte());
      [[fallthrough]];
    case opcode::memory_fill:
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      return Status();
    case opcode::memory_init:
    case opcode::data_drop: {
      uint32_t segment_index;
      if (!reader_.read_u32(segment_index)) return read_failure();
      if (!module_.data_count) return malformed_error("data count section required", instruction_offset_);
      if (segment_index >= *module_.data_count) return fail("unknown data segment " + std::to_string(segment_index));
      if (code == opcode::data_drop) return Status();
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      return Status();
    }
  }
  return fail("unknown memory instruction");
}

Status FunctionValidator::validate_table(uint16_t code) {
  uint32_t table_index = 0;
  switch (code) {
    case opcode::table_get:
    case opcode::table_set:
    case opcode::table_grow:
    case opcode::table_size:
    case opcode::table_fill: {
      GOVCHAIN_TRY(read_table_index(table_index));
      const ValueType element = module_.tables[table_index].element_type;
      if (code == opcode::table_get) {
        GOVCHAIN_TRY(pop_expect(ValueType::i32));
        push(element);
      } else if (code == opcode::table_set) {
        GOVCHAIN_TRY(pop_expect(element));
        GOVCHAIN_TRY(pop_expect(ValueType::i32));
      } else if (code == opcode::table_grow) {
        GOVCHAIN_TRY(pop_expect(ValueType::i32));
        GOVCHAIN_TRY(pop_expect(element));
        push(ValueType::i32);
      } else if (code == opcode::table_size) {
        push(ValueType::i32);
      } else {
        GOVCHAIN_TRY(pop_expect(ValueType::i32));
        GOVCHAIN_TRY(pop_expect(element));
        GOVCHAIN_TRY(pop_expect(ValueType::i32));
      }
      return Status();
    }
    case opcode::elem_drop:
    case opcode::table_init: {
      uint32_t segment_index;
      if (!reader_.read_u32(segment_index)) return read_failure();
      if (segment_index >= module_.element_segments.size())
        return fail("unknown elem segment " + std::to_string(segment_index));
      if (code == opcode::elem_drop) return Status();
      GOVCHAIN_TRY(read_table_index(table_index));
      if (module_.tables[table_index].element_type != module_.element_segments[segment_index].element_type)
        return fail("type mismatch: element segment and table types differ");
      for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      return Status();
    }
    case opcode::table_copy: {
      uint32_t destination, source;
      GOVCHAIN_TRY(read_table_index(destination));
      GOVCHAIN_TRY(read_table_index(source));
      if (module_.tables[destination].element_type != module_.tables[source].element_type)
        return fail("type mismatch: tables of different element types");
      for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      return Status();
    }
  }
  return fail("unknown table instruction");
}

Status FunctionValidator::validate_reference(uint16_t code) {
  switch (code) {
    case opcode::ref_null: {
      uint8_t byte;
      if (!reader_.read_byte(byte)) return read_failure();
      if (byte != 0x70 && byte != 0x6F) return malformed_error("malformed reference type", reader_.position() - 1);
      push(static_cast<StackType>(byte));
      return Status();
    }
    case opcode::ref_is_null: {
      StackType type;
      GOVCHAIN_TRY(pop(type));
      if (type != unknown_type && !is_reference(type)) return fail("type mismatch: ref.is_null needs a reference");
      push(ValueType::i32);
      return Status();
    }
    case opcode::ref_func: {
      uint32_t function_index;
      if (!reader_.read_u32(function_index)) return read_failure();
      if (function_index >= module_.function_type_indices.size())
        return fail("unknown function " + std::to_string(function_index));
      if (!declared_functions_.contains(function_index)) return fail("undeclared function reference");
      push(ValueType::funcref);
      return Status();
    }
  }
  return fail("unknown reference instruction");
}

Status FunctionValidator::validate_simple(uint16_t code) {
  const OpcodeInfo& info = opcode_info(code);
  if (!info.is_simple) return fail("unexpected instruction " + std::string(info.name));
  // The common case, operands of the expected types above the block's
  // height, is checked in place; anything else takes the general path.
  const size_t count = info.operand_count;
  if (values_.size() - controls_.back().height >= count) {
    const StackType* operands = values_.data() + values_.size() - count;
    bool match = true;
    for (size_t index = 0; index < count; ++index)
      match &= operands[index] == info.operand_types[index] || operands[index] == unknown_type;
    if (match) {
      values_.resize(values_.size() - count);
      if (info.result_count == 1) push(static_cast<StackType>(info.result_type));
      return Status();
    }
  }
  for (size_t index = info.operand_count; index > 0; --index)
    GOVCHAIN_TRY(pop_expect(static_cast<StackType>(info.operand_types[index - 1])));
  if (info.result_count == 1) push(static_cast<StackType>(info.result_type));
  return Status();
}

// Module-level rules.
class ModuleValidator {
 public:
  ModuleValidator(const Module& module, const Limits& limits) : module_(module), limits_(limits) {}
  Status validate();

 private:
  Status validate_types_and_imports();
  Status validate_bounds(const SizeBounds& bounds, uint64_t range_max, std::string_view what, size_t offset) const;
  Status validate_constant(const ConstantExpression& expression, ValueType expected, size_t global_count) const;
  Status validate_globals();
  Status validate_exports();
  Status validate_segments() const;
  void collect_declared_functions();

  const Module& module_;
  const Limits& limits_;
  std::set<uint32_t> declared_functions_;
};

Status ModuleValidator::validate_bounds(const SizeBounds& bounds, uint64_t range_max, std::string_view what,
                                        size_t offset) const {
  if (bounds.minimum > range_max || (bounds.maximum && *bounds.maximum > range_max))
    return invalid_error(std::string(what) + " size must be at most " + std::to_string(range_max), offset);
  if (bounds.maximum && *bounds.maximum < bounds.minimum)
    return invalid_error("size minimum must not be greater than maximum", offset);
  return Status();
}

Status ModuleValidator::validate_types_and_imports() {
  if (module_.function_type_indices.size() > limits_.functions_max) return invalid_error("too many functions", 0);
  for (uint32_t type_index : module_.function_type_indices)
    if (type_index >= module_.types.size()) return invalid_error("unknown type " + std::to_string(type_index), 0);
  for (const TableType& table : module_.tables) GOVCHAIN_TRY(validate_bounds(table.bounds, UINT32_MAX, "table", 0));
  for (const MemoryType& memory : module_.memories) GOVCHAIN_TRY(validate_bounds(memory.bounds, 65536, "memory", 0));
  if (module_.memories.size() > 1) return invalid_error("multiple memories", 0);
  return Status();
}

Status ModuleValidator::validate_constant(const ConstantExpression& expression, ValueType expected,
                                          size_t global_count) const {
  ValueType actual = expression.type;
  switch (expression.kind) {
    case ConstantExpression::Kind::constant:
    case ConstantExpression::Kind::ref_null:
      break;
    case ConstantExpression::Kind::global_get: {
      if (expression.index >= global_count)
        return invalid_error("unknown global " + std::to_string(expression.index), expression.offset);
      const GlobalType& global = module_.global_types[expression.index];
      if (global.is_mutable) return invalid_error("constant expression required: global is mutable", expression.offset);
      actual = global.type;
      break;
    }
    case ConstantExpression::Kind::ref_func:
      if (expression.index >= module_.function_type_indices.size())
        return invalid_error("unknown function " + std::to_string(expression.index), expression.offset);
      actual = ValueType::funcref;
      break;
  }
  if (actual != expected) return invalid_error("type mismatch in constant expression", expression.offset);
  return Status();
}

Status ModuleValidator::validate_globals() {
  for (const Global& global : module_.globals)
    GOVCHAIN_TRY(validate_constant(global.initializer, global.type.type, module_.imported_global_count));
  return Status();
}

Status ModuleValidator::validate_exports() {
  std::set<std::string_view> names;
  for (const Export& entry : module_.exports) {
    if (!names.insert(entry.name).second) return invalid_error("duplicate export name " + entry.name, 0);
    size_t count = 0;
    switch (entry.kind) {
      case ExternalKind::function:
        count = module_.function_type_indices.size();
        break;
      case ExternalKind::table:
        count = module_.tables.size();
        break;
      case ExternalKind::memory:
        count = module_.memories.size();
        break;
      case ExternalKind::global:
        count = module_.global_types.size();
        break;
    }
    if (entry.index >= count)
      return invalid_error("unknown " + std::string(external_kind_name(entry.kind)) + " " + std::to_string(entry.index),
                           0);
  }
  if (module_.start_function) {
    if (*module_.start_function >= module_.function_type_indices.size())
      return invalid_error("unknown function (start)", 0);
    const FunctionType& type = module_.function_type(*module_.start_function);
    if (!type.params.empty() || !type.results.empty())
      return invalid_error("start function must have type [] -> []", 0);
  }
  return Status();
}

Status ModuleValidator::validate_segments() const {
  // Offsets and items may read only imported globals (WebAssembly 2.0).
  const size_t global_count = module_.imported_global_count;
  for (const ElementSegment& segment : module_.element_segments) {
    if (segment.mode == SegmentMode::active) {
      if (segment.table_index >= module_.tables.size())
        return invalid_error("unknown table " + std::to_string(segment.table_index), segment.offset.offset);
      GOVCHAIN_TRY(validate_constant(segment.offset, ValueType::i32, global_count));
      if (module_.tables[segment.table_index].element_type != segment.element_type)
        return invalid_error("type mismatch: element segment and table types differ", segment.offset.offset);
    }
    for (const ConstantExpression& item : segment.items)
      GOVCHAIN_TRY(validate_constant(item, segment.element_type, global_count));
  }
  for (const DataSegment& segment : module_.data_segments) {
    if (segment.mode != SegmentMode::active) continue;
    if (segment.memory_index >= module_.memories.size())
      return invalid_error("unknown memory " + std::to_string(segment.memory_index), segment.offset.offset);
    GOVCHAIN_TRY(validate_constant(segment.offset, ValueType::i32, global_count));
  }
  return Status();
}

void ModuleValidator::collect_declared_functions() {
  for (const Global& global : module_.globals)
    if (global.initializer.kind == ConstantExpression::Kind::ref_func)
      declared_functions_.insert(global.initializer.index);
  for (const ElementSegment& segment : module_.element_segments)
    for (const ConstantExpression& item : segment.items)
      if (item.kind == ConstantExpression::Kind::ref_func) declared_functions_.insert(item.index);
  for (const Export& entry : module_.exports)
    if (entry.kind == ExternalKind::function) declared_functions_.insert(entry.index);
}

Status ModuleValidator::validate() {
  GOVCHAIN_TRY(validate_types_and_imports());
  GOVCHAIN_TRY(validate_globals());
  GOVCHAIN_TRY(validate_exports());
  GOVCHAIN_TRY(validate_segments());
  collect_declared_functions();
  const uint32_t function_count = static_cast<uint32_t>(module_.function_type_indices.size());
  for (uint32_t index = module_.imported_function_count; index < function_count; ++index) {
    FunctionValidator validator(module_, limits_, declared_functions_, index);
    GOVCHAIN_TRY(validator.validate());
  }
  return Status();
}

}  // namespace

Status validate_module(const Module& module, const Limits& limits) {
  ModuleValidator validator(module, limits);
  return validator.validate();
}

}  // namespace govchain::runtime
