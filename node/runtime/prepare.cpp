#include "runtime/prepare.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>

#include "runtime/decode.h"
#include "runtime/errors.h"
#include "runtime/opcodes.h"
#include "runtime/operations.h"
#include "runtime/reader.h"
#include "runtime/validate.h"

namespace govchain::runtime {
namespace {

// An operand type on the validation stack; `unknown_type` stands for any
// type in unreachable code.
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

constexpr uint32_t none = UINT32_MAX;

// How many operands at the top of the stack may still be a local or a
// constant rather than a value in their own slot. Bounding it keeps every
// local.set's search for operands that read its local constant-time; the
// operands below are copied to their slots when they leave the window.
constexpr size_t deferral_window = 8;

// Where an operand's value is while the code is prepared: in the slot of
// its stack height (computed by an instruction already emitted), still in a
// local (a local.get not yet copied), or a constant not yet written.
enum class Place : uint8_t { slot, local, constant };

struct Operand {
  StackType type = unknown_type;
  Place place = Place::slot;
  uint32_t local = 0;
  uint64_t bits = 0;
  uint32_t serial = 0;  // tells operands pushed at one height apart; 0 for those popped in unreachable code
};

// The constant pool: wide constants that instructions inside loops read,
// kept in slots reserved between the declared locals and the operand
// stack, so that no call (whose callee's frame starts at the caller's
// arguments, above them) overwrites them. A load_constants instruction
// writes them when the function is entered. The reservation is fixed, so a
// constant's slot is known when it is first used; it is small, so that the
// copy on entry, which no gas price names, stays a small part of what a
// call costs (`call` pays 10 gas; eight slot copies take a few ns).
constexpr uint32_t pool_entries_max = 8;

// The most instructions a body reserves room for before it is compiled.
constexpr size_t code_reserved_max = 65536;

// The operations that leave their f64 result in the float accumulator
// (operations.h), and those that read an operand from it.
bool sets_float_accumulator(uint16_t code) {
  switch (code) {
    case opcode::f64_load:
    case opcode::f64_add:
    case opcode::f64_sub:
    case opcode::f64_mul:
    case opcode::f64_div:
    case opcode::f64_min:
    case opcode::f64_max:
    case opcode::f64_sqrt:
      return true;
    default:
      return false;
  }
}

bool reads_float_accumulator(uint16_t code) {
  return (code >= opcode::f64_eq && code <= opcode::f64_ge) || (code >= opcode::f64_ceil && code <= opcode::f64_sqrt) ||
         (code >= opcode::f64_add && code <= opcode::f64_copysign) || code == opcode::f32_demote_f64;
}

struct ControlFrame {
  uint16_t opcode = 0;
  const TypeList* start_types = &no_types();
  const TypeList* end_types = &no_types();
  size_t height = 0;            // operands below the frame, its parameters excluded
  bool unreachable = false;     // the rest of the frame cannot run
  bool dead = false;            // entered from unreachable code: nothing is emitted inside
  uint32_t loop_head = 0;       // the instruction branches to a loop go to
  uint32_t else_branch = none;  // the branch of an if that skips to else or end
  uint32_t fixups = none;       // forward branches to here, chained through their r
};

// The price of zeroing `local_count` locals when a function is entered.
uint64_t entry_gas(uint32_t local_count, const GasSchedule& schedule) {
  return (static_cast<uint64_t>(local_count) + 7) / 8 * schedule.gas_per_8_locals_zeroed;
}

// The gas of each opcode of the binary format under one schedule, looked up
// once per module rather than once per instruction.
using GasByOpcode = std::array<uint64_t, 256>;

GasByOpcode gas_by_opcode(const GasSchedule& schedule) {
  GasByOpcode table{};
  for (uint16_t code = 0; code < table.size(); ++code)
    table[code] = gas_of_class(opcode_info(code).gas_class, schedule);
  return table;
}

bool is_charged(uint16_t code) {
  return code != opcode::nop && code != opcode::block && code != opcode::loop && code != opcode::end &&
         code != opcode::else_;
}

bool is_compare_branch(uint16_t operation) { return operation >= op::br_i32_eq_ss && operation <= op::br_i64_ge_u_si; }

// The 32-bit immediate that stands for constant `bits` as the right
// operand of an instruction on `type`, if there is one: i32 and f32 bits as
// they are, i64 values that sign-extend from 32 bits, f64 values that a
// float holds exactly (widened again when used).
bool immediate_of(StackType type, uint64_t bits, uint32_t& immediate) {
  switch (static_cast<ValueType>(type)) {
    case ValueType::i32:
    case ValueType::f32:
      immediate = static_cast<uint32_t>(bits);
      return true;
    case ValueType::i64:
      immediate = static_cast<uint32_t>(bits);
      return static_cast<int64_t>(bits) == static_cast<int32_t>(immediate);
    case ValueType::f64: {
      const float narrow = static_cast<float>(std::bit_cast<double>(bits));
      immediate = std::bit_cast<uint32_t>(narrow);
      return std::bit_cast<uint64_t>(static_cast<double>(narrow)) == bits;
    }
    default:
      return false;
  }
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

class FunctionCompiler {
 public:
  FunctionCompiler(const Module& module, const Limits& limits, const GasSchedule& schedule)
      : module_(module),
        limits_(limits),
        schedule_(schedule),
        gas_by_opcode_(gas_by_opcode(schedule)),
        declared_functions_(declared_function_references(module)),
        reader_(module.bytes, 0, 0) {}

  Status compile(uint32_t function_index, PreparedCode& prepared);

 private:
  // Validation: the spec's operand and control stacks.
  Status fail(std::string_view cause) const {
    return invalid_error(std::string(cause) + " in function " + std::to_string(function_index_), instruction_offset_);
  }
  Status read_failure() const { return reader_.status(); }
  Status pop(Operand& operand);
  Status pop_expect(StackType expected, Operand& operand);
  Status pop_expect(StackType expected) {
    Operand ignored;
    return pop_expect(expected, ignored);
  }
  Status pop_expect(ValueType expected, Operand& operand) { return pop_expect(stack_type(expected), operand); }
  Status pop_expect(ValueType expected) { return pop_expect(stack_type(expected)); }
  Status pop_list(const TypeList& types);
  Status pop_list_slowly(const TypeList& types);
  bool pop_arguments_in_place(const TypeList& types);
  Status pop_list_saving(const TypeList& types);
  void push(StackType type) {
    values_.push_back(Operand{type, Place::slot, 0, 0, next_serial_++});
    note_height();
  }
  void push(ValueType type) { push(stack_type(type)); }
  void push_list(const TypeList& types);
  Status push_control(uint16_t code, const TypeList& start_types, const TypeList& end_types);
  Status pop_control(ControlFrame& frame);
  const TypeList& label_types(const ControlFrame& frame) const {
    return frame.opcode == opcode::loop ? *frame.start_types : *frame.end_types;
  }
  void mark_unreachable() {
    values_.resize(controls_.back().height);
    controls_.back().unreachable = true;
  }
  bool is_dead() const { return controls_.back().unreachable || controls_.back().dead; }
  Status read_block_signature(const TypeList*& params, const TypeList*& results);
  Status read_label(uint32_t& depth);
  Status read_memory_argument(uint32_t natural_size, uint32_t& offset);
  Status require_memory() const { return module_.memories.empty() ? fail("unknown memory 0") : Status(); }
  Status read_zero_byte();
  Status read_table_index(uint32_t& index);
  Status local_type(uint32_t index, ValueType& type) const;
  Status check_top(const TypeList& types) const;

  // One instruction, validated and translated.
  Status compile_instruction(uint16_t code);
  Status compile_block(uint16_t code);
  Status compile_else();
  Status compile_end();
  void finish_function(const ControlFrame& frame);
  Status compile_branch(uint16_t code);
  Status compile_br_if(uint32_t depth);
  Status compile_branch_table();
  Status compile_call(uint16_t code);
  Status compile_select(uint16_t code);
  Status compile_variable(uint16_t code);
  Status compile_local_set(uint32_t index, ValueType type, bool tee);
  Status compile_constant(uint16_t code);
  Status compile_memory_access(uint16_t code);
  Status compile_bulk_memory(uint16_t code);
  Status compile_table(uint16_t code);
  Status compile_table_access(uint16_t code, uint32_t table_index);
  Status compile_reference(uint16_t code);
  Status compile_simple(uint16_t code);
  Status pop_simple_operands(const OpcodeInfo& info, Operand* operands);
  void emit_unary(uint16_t code, const Operand& operand, size_t index);
  void emit_binary(uint16_t code, const Operand& left, const Operand& right, size_t index);
  bool emit_constant_left(uint16_t code, const OperationForms& forms, const Operand& right, size_t right_index,
                          uint32_t immediate, uint32_t result);

  // Code generation.
  uint32_t slot_of_height(size_t height) const { return frame_base_ + static_cast<uint32_t>(height); }
  uint32_t emit(uint16_t operation, uint32_t r = 0, uint32_t x = 0, uint32_t y = 0, uint16_t aux = 0);
  uint32_t emit_immediate(uint16_t operation, uint32_t r, uint64_t immediate);
  void emit_copy(uint32_t destination, uint32_t source);
  void note_height() {
    if (live_) height_max_ = std::max(height_max_, values_.size());
  }
  void push_deferred(StackType type, Place place, uint32_t local, uint64_t bits);
  void materialize(size_t index);
  void settle(size_t kept, size_t new_size);
  void settle_all();
  uint32_t source_slot(const Operand& operand, size_t index);
  void finish_pool();
  bool fuse_address(uint16_t code, uint32_t offset, size_t base, const uint32_t* value);
  bool fuse_load_operand(uint16_t code, const Operand& left, const Operand& right, size_t base);
  bool fuse_product_operand(uint16_t code, const Operand& left, const Operand& right, size_t base);
  bool fuse_result_store(uint16_t code, const Operand& address, const Operand& value, uint32_t offset, size_t base);
  void emit_move(const Operand& operand, size_t index, uint32_t destination);
  // Records that `instruction`, an operation of `code` in `form`, computes
  // the operand pushed next; its value is then in the accumulator too.
  void produced(uint32_t instruction, uint16_t code, Form form) {
    producer_ = instruction;
    producer_code_ = code;
    producer_form_ = form;
    producer_serial_ = next_serial_;
    accumulator_serial_ = next_serial_;
    accumulator_instruction_ = instruction;
    accumulator_float_ = sets_float_accumulator(code);
  }
  // Whether `operand` was computed by the last instruction emitted, which
  // may then be rewritten to store elsewhere or to branch.
  bool produced_by_last(const Operand& operand) const {
    return operand.place == Place::slot && operand.serial != 0 && operand.serial == producer_serial_ &&
           producer_ + 1 == code_.size();
  }
  // Whether `operand`'s value is in the accumulator: its instruction was the
  // last to compute a value, and no block head or call came after it. A
  // local.tee of that value leaves it there too (compile_local_set): until
  // the local is set again, which first copies the operand to its own slot,
  // the local holds what the accumulator holds.
  bool in_accumulator(const Operand& operand) const {
    return operand.place != Place::constant && operand.serial != 0 && operand.serial == accumulator_serial_;
  }
  // Whether `operand` is in the accumulator and no instruction was emitted
  // after the one that computed it (local.get and constants emit none), so
  // that this instruction may still be rewritten to compute more.
  bool computed_by_last(const Operand& operand) const {
    return operand.place == Place::slot && in_accumulator(operand) && accumulator_instruction_ + 1 == code_.size();
  }
  // Whether an operation of `code` can take `operand` from the accumulator
  // it reads: the f64 operations that read the float accumulator only when
  // the instruction before left the value there.
  bool accumulator_holds(uint16_t code, const Operand& operand) const {
    return in_accumulator(operand) && (accumulator_float_ || !reads_float_accumulator(code));
  }
  uint32_t produce(uint16_t code, Form form, uint32_t r, uint32_t x, uint32_t y) {
    const uint16_t operation = operation_forms(code).of(form);
    const uint32_t instruction = emit(operation, r, x, y);
    produced(instruction, code, form);
    return instruction;
  }
  uint32_t emit_conditional_branch(const Operand& condition, size_t index, bool when_true);
  void emit_return(const Operand* results, size_t count, size_t base);
  void emit_carry(const Operand* operands, size_t count, size_t base, uint32_t destination);
  void emit_return_from_slots(size_t count);
  uint32_t label_destination(size_t depth) const;
  void emit_jump(uint32_t instruction, size_t depth);
  void start_gas_block();
  void add_gas(uint64_t gas) {
    Instruction& charge = code_[gas_instruction_];
    charge.set_immediate(charge.immediate() + gas);
  }
  void charge_slots(uint64_t slot_count) { add_gas((slot_count + 1) / 2 * schedule_.gas_per_2_slots_copied); }
  void resolve(uint32_t chain, uint32_t target);
  void finish_branches(uint32_t shift);

  const Module& module_;
  const Limits& limits_;
  const GasSchedule& schedule_;
  const GasByOpcode gas_by_opcode_;
  const std::vector<bool> declared_functions_;

  // State of the function being compiled; the buffers are reused.
  uint32_t function_index_ = 0;
  const FunctionType* type_ = nullptr;
  const FunctionBody* body_ = nullptr;
  Reader reader_;
  size_t instruction_offset_ = 0;
  std::vector<Operand> values_;
  std::vector<ControlFrame> controls_;
  std::vector<Operand> saved_;  // operands popped by a branch, a call or a return
  // br_table scratch: its labels, and per depth the generation of the last
  // br_table that checked it.
  std::vector<uint32_t> label_depths_;
  std::vector<uint32_t> depth_checked_;
  uint32_t branch_table_generation_ = 0;
  std::vector<Instruction> code_;
  std::vector<uint64_t> pool_;  // the function's constants, at most pool_entries_max
  uint32_t pool_base_ = 0;      // the slot of the pool's first entry
  uint32_t loop_depth_ = 0;     // loops around the instruction being compiled
  bool live_ = true;            // the current instruction can run, so it emits code
  uint32_t frame_base_ = 0;
  size_t height_max_ = 0;
  uint32_t gas_instruction_ = none;
  uint32_t next_serial_ = 1;
  // The results the last call pushed: their types, the serial of the first
  // and the stack height after them.
  const TypeList* last_results_ = nullptr;
  uint32_t last_results_serial_ = 0;
  size_t last_results_height_ = 0;
  uint32_t producer_ = none;                 // the last instruction that computed an operand
  uint32_t producer_serial_ = 0;             // that operand
  uint16_t producer_code_ = 0;               // its opcode of the binary format
  Form producer_form_ = Form::ss;            // and form
  uint32_t accumulator_serial_ = 0;          // the operand whose value is in the accumulator, if any
  uint32_t accumulator_instruction_ = none;  // the instruction that computed it
  bool accumulator_float_ = false;           // and whether it is in the float accumulator too
};

// ---------------------------------------------------------------------------
// Validation primitives.

Status FunctionCompiler::pop(Operand& operand) {
  const ControlFrame& frame = controls_.back();
  if (values_.size() == frame.height) {
    if (frame.unreachable) {
      operand = Operand{};
      return Status();
    }
    return fail("type mismatch: operand stack underflow");
  }
  operand = values_.back();
  values_.pop_back();
  return Status();
}

Status FunctionCompiler::pop_expect(StackType expected, Operand& operand) {
  GOVCHAIN_TRY(pop(operand));
  const StackType actual = operand.type;
  if (actual != expected && actual != unknown_type && expected != unknown_type)
    return fail("type mismatch: expected " + std::string(value_type_name(static_cast<ValueType>(expected))) + ", got " +
                std::string(value_type_name(static_cast<ValueType>(actual))));
  return Status();
}

// Operands of the expected types above the block's height are checked and
// removed in place; anything else (unreachable code, a mismatch to report)
// takes the one-by-one path.
Status FunctionCompiler::pop_list(const TypeList& types) {
  const size_t count = types.size();
  if (values_.size() - controls_.back().height >= count) {
    const Operand* operands = values_.data() + values_.size() - count;
    bool match = true;
    for (size_t index = 0; index < count; ++index)
      match &= operands[index].type == stack_type(types[index]) || operands[index].type == unknown_type;
    if (match) {
      values_.resize(values_.size() - count);
      return Status();
    }
  }
  return pop_list_slowly(types);
}

Status FunctionCompiler::pop_list_slowly(const TypeList& types) {
  for (size_t index = types.size(); index > 0; --index) GOVCHAIN_TRY(pop_expect(stack_type(types[index - 1])));
  return Status();
}

// pop_list, keeping the popped operands (where their values are) in saved_
// for the code that moves them.
// Pops a call's arguments when each has its type and is in its own slot
// already, as a call's results are: then the call moves nothing. The
// common case of a call, and the whole work of a run of calls of the
// largest arity, in one pass.
bool FunctionCompiler::pop_arguments_in_place(const TypeList& types) {
  const size_t count = types.size();
  if (values_.size() - controls_.back().height < count) return false;
  const Operand* operands = values_.data() + values_.size() - count;
  // The results of the last call, still on top and untouched (a value
  // pushed since would carry a later serial), are in place and of the
  // callee's result types: a run of calls checks each type once.
  if (last_results_ != nullptr && count > 0 && values_.size() == last_results_height_ &&
      operands[0].serial == last_results_serial_ && operands[count - 1].serial == last_results_serial_ + count - 1 &&
      (last_results_ == &types || std::memcmp(last_results_->data(), types.data(), count) == 0)) {
    values_.resize(values_.size() - count);
    return true;
  }
  bool in_place = true;
  for (size_t index = 0; index < count; ++index)
    in_place &= operands[index].type == stack_type(types[index]) && operands[index].place == Place::slot;
  if (in_place) values_.resize(values_.size() - count);
  return in_place;
}

Status FunctionCompiler::pop_list_saving(const TypeList& types) {
  const size_t available = std::min(types.size(), values_.size() - controls_.back().height);
  saved_.assign(values_.end() - static_cast<ptrdiff_t>(available), values_.end());
  return pop_list(types);
}

void FunctionCompiler::push_list(const TypeList& types) {
  const size_t base = values_.size();
  const size_t count = types.size();
  values_.resize(base + count);
  Operand* pushed = values_.data() + base;
  for (size_t index = 0; index < count; ++index) {
    pushed[index].type = stack_type(types[index]);
    pushed[index].serial = next_serial_++;
  }
  note_height();
}

Status FunctionCompiler::push_control(uint16_t code, const TypeList& start_types, const TypeList& end_types) {
  if (controls_.size() >= limits_.control_nesting_max) return fail("blocks nested too deeply");
  ControlFrame frame;
  frame.opcode = code;
  frame.start_types = &start_types;
  frame.end_types = &end_types;
  frame.height = values_.size();
  controls_.push_back(frame);
  if (code == opcode::loop) ++loop_depth_;
  push_list(start_types);
  return Status();
}

Status FunctionCompiler::pop_control(ControlFrame& frame) {
  if (controls_.empty()) return fail("unexpected end");
  GOVCHAIN_TRY(pop_list(*controls_.back().end_types));
  if (values_.size() != controls_.back().height) return fail("type mismatch: values remain at the end of a block");
  frame = controls_.back();
  controls_.pop_back();
  if (frame.opcode == opcode::loop) --loop_depth_;
  return Status();
}

Status FunctionCompiler::read_block_signature(const TypeList*& params, const TypeList*& results) {
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

Status FunctionCompiler::read_label(uint32_t& depth) {
  if (!reader_.read_u32(depth)) return read_failure();
  if (depth >= controls_.size()) return fail("unknown label");
  return Status();
}

Status FunctionCompiler::read_zero_byte() {
  uint8_t byte;
  if (!reader_.read_byte(byte)) return read_failure();
  if (byte != 0) return malformed_error("zero byte expected", reader_.position() - 1);
  return Status();
}

Status FunctionCompiler::read_table_index(uint32_t& index) {
  if (!reader_.read_u32(index)) return read_failure();
  if (index >= module_.tables.size()) return fail("unknown table " + std::to_string(index));
  return Status();
}

Status FunctionCompiler::read_memory_argument(uint32_t natural_size, uint32_t& offset) {
  uint32_t alignment_log2;
  if (!reader_.read_u32(alignment_log2) || !reader_.read_u32(offset)) return read_failure();
  GOVCHAIN_TRY(require_memory());
  if (alignment_log2 >= 32 || (1u << alignment_log2) > natural_size)
    return fail("alignment must not be larger than natural");
  return Status();
}

Status FunctionCompiler::local_type(uint32_t index, ValueType& type) const {
  if (index < type_->params.size()) {
    type = type_->params[index];
    return Status();
  }
  index -= static_cast<uint32_t>(type_->params.size());
  if (index >= body_->local_count) return fail("unknown local");
  // The first run that ends after `index`.
  const auto group = std::upper_bound(body_->local_groups.begin(), body_->local_groups.end(), index,
                                      [](uint32_t wanted, const LocalGroup& run) { return wanted < run.end; });
  type = group->type;
  return Status();
}

// Whether the top of the operand stack matches `types` without popping;
// below the current block's height, unreachable code matches anything.
Status FunctionCompiler::check_top(const TypeList& types) const {
  const ControlFrame& frame = controls_.back();
  const size_t available = values_.size() - frame.height;
  for (size_t index = 0; index < types.size(); ++index) {
    const size_t from_top = types.size() - index;  // 1 for the last type
    if (from_top > available) {
      if (frame.unreachable) continue;
      return fail("type mismatch: operand stack underflow");
    }
    const StackType actual = values_[values_.size() - from_top].type;
    if (actual != stack_type(types[index]) && actual != unknown_type) return fail("type mismatch in br_table");
  }
  return Status();
}

// ---------------------------------------------------------------------------
// Code generation primitives.

uint32_t FunctionCompiler::emit(uint16_t operation, uint32_t r, uint32_t x, uint32_t y, uint16_t aux) {
  code_.push_back(Instruction{operation, aux, r, x, y});
  return static_cast<uint32_t>(code_.size() - 1);
}

// A copy right after a copy joins it (copy_pair): one dispatch for two, as
// the moves of a loop's rotated locals come. No branch can land between
// them: branches land on charges, on the function's final return and after
// calls, never on an instruction that follows a copy.
void FunctionCompiler::emit_copy(uint32_t destination, uint32_t source) {
  if (!code_.empty() && code_.back().operation == op::copy && source <= UINT16_MAX) {
    Instruction& first = code_.back();
    first.operation = op::copy_pair;
    first.y = destination;
    first.aux = static_cast<uint16_t>(source);
    return;
  }
  emit(op::copy, destination, source);
}

uint32_t FunctionCompiler::emit_immediate(uint16_t operation, uint32_t r, uint64_t immediate) {
  Instruction instruction{operation, 0, r, 0, 0};
  instruction.set_immediate(immediate);
  code_.push_back(instruction);
  return static_cast<uint32_t>(code_.size() - 1);
}

// Writes the operand at stack `index` to its own slot if it is still a
// local or a constant.
void FunctionCompiler::materialize(size_t index) {
  Operand& operand = values_[index];
  if (operand.place == Place::slot) return;
  const uint32_t slot = slot_of_height(index);
  if (operand.place == Place::local)
    emit_copy(slot, operand.local);
  else
    emit_immediate(op::constant, slot, operand.bits);
  operand.place = Place::slot;
}

// Before code that leaves `new_size` operands, of which the bottom `kept`
// are on the stack now: operands that would end up more than the window
// below the top go to their slots.
void FunctionCompiler::settle(size_t kept, size_t new_size) {
  if (new_size <= deferral_window) return;
  const size_t limit = std::min(kept, new_size - deferral_window);
  const size_t start = kept > deferral_window ? kept - deferral_window : 0;
  for (size_t index = start; index < limit; ++index) materialize(index);
}

// Every operand to its slot: before a block head, whose branches join paths
// that must agree on where each value is.
void FunctionCompiler::settle_all() {
  const size_t size = values_.size();
  for (size_t index = size > deferral_window ? size - deferral_window : 0; index < size; ++index) materialize(index);
}

void FunctionCompiler::push_deferred(StackType type, Place place, uint32_t local, uint64_t bits) {
  values_.push_back(Operand{type, place, local, bits, next_serial_++});
  note_height();
  if (values_.size() > deferral_window) materialize(values_.size() - 1 - deferral_window);
}

// The slot an instruction reads for `operand`, popped from stack `index`:
// its own, its local's, or its constant's in the pool. A constant met
// inside a loop takes a pool entry while there are free ones; any other is
// written to the operand's slot first, by an instruction of its own.
uint32_t FunctionCompiler::source_slot(const Operand& operand, size_t index) {
  switch (operand.place) {
    case Place::slot:
      return slot_of_height(index);
    case Place::local:
      return operand.local;
    case Place::constant:
      break;
  }
  for (size_t entry = 0; entry < pool_.size(); ++entry)
    if (pool_[entry] == operand.bits) return pool_base_ + static_cast<uint32_t>(entry);
  if (loop_depth_ > 0 && pool_.size() < pool_entries_max) {
    pool_.push_back(operand.bits);
    return pool_base_ + static_cast<uint32_t>(pool_.size() - 1);
  }
  emit_immediate(op::constant, slot_of_height(index), operand.bits);
  return slot_of_height(index);
}

// Copies the operand at stack `index` to slot `destination`, unless it is
// there already. Moves made in ascending order never overwrite a later
// source: destinations lie at or below their sources.
void FunctionCompiler::emit_move(const Operand& operand, size_t index, uint32_t destination) {
  switch (operand.place) {
    case Place::slot:
      if (slot_of_height(index) != destination) emit_copy(destination, slot_of_height(index));
      return;
    case Place::local:
      emit_copy(destination, operand.local);
      return;
    case Place::constant:
      emit_immediate(op::constant, destination, operand.bits);
      return;
  }
}

void FunctionCompiler::start_gas_block() {
  // Consecutive block heads share one charge.
  if (gas_instruction_ != none && gas_instruction_ + 1 == code_.size()) return;
  gas_instruction_ = emit(op::charge);
  producer_ = none;
  // A block head is a branch target: the accumulator may hold anything.
  accumulator_serial_ = 0;
}

// Points every branch of a fixup chain at `target` (absolute for now).
void FunctionCompiler::resolve(uint32_t chain, uint32_t target) {
  while (chain != none) {
    const uint32_t next = code_[chain].r;
    code_[chain].r = target;
    chain = next;
  }
}

// The slot of the first value a branch to the label `depth` carries.
uint32_t FunctionCompiler::label_destination(size_t depth) const {
  const ControlFrame& frame = controls_[controls_.size() - 1 - depth];
  return slot_of_height(depth == controls_.size() - 1 ? 0 : frame.height);
}

// Makes `instruction` branch to the label `depth`: back to a loop's head,
// or forward, patched when the label's end is reached.
void FunctionCompiler::emit_jump(uint32_t instruction, size_t depth) {
  ControlFrame& frame = controls_[controls_.size() - 1 - depth];
  if (frame.opcode == opcode::loop) {
    code_[instruction].r = frame.loop_head;
    return;
  }
  code_[instruction].r = frame.fixups;
  frame.fixups = instruction;
}

// A function with a constant pool starts with a load_constants that
// writes it, followed by one instruction per constant holding its bits.
void FunctionCompiler::finish_pool() {
  if (pool_.empty()) return;
  std::vector<Instruction> head(pool_.size() + 1);
  head[0] = Instruction{op::load_constants, static_cast<uint16_t>(pool_.size()), pool_base_, 0, 0};
  for (size_t entry = 0; entry < pool_.size(); ++entry) head[entry + 1].set_immediate(pool_[entry]);
  code_.insert(code_.begin(), head.begin(), head.end());
}

// Branch offsets become relative, and a branch whose target is a block's
// charge takes over the charge and lands after it, so that a taken branch
// costs one dispatch. The gas charged, and when, stays the same. Targets
// recorded before `shift` instructions were put in front move with them.
void FunctionCompiler::finish_branches(uint32_t shift) {
  for (size_t index = 0; index < code_.size(); ++index) {
    Instruction& instruction = code_[index];
    const uint16_t operation = instruction.operation;
    uint32_t* gas_field = nullptr;
    uint64_t gas_field_max = UINT32_MAX;
    if (operation == op::br) {
      gas_field = &instruction.x;
    } else if (operation == op::br_if || operation == op::br_unless || operation == op::br_if_a ||
               operation == op::br_unless_a || operation == op::br_table_entry) {
      gas_field = &instruction.y;
    } else if (!is_compare_branch(operation)) {
      continue;
    }
    uint32_t target = instruction.r + shift;
    const Instruction& landing = code_[target];
    if (landing.operation == op::charge) {
      const uint64_t gas = landing.immediate();
      if (gas_field != nullptr && gas <= gas_field_max) {
        *gas_field = static_cast<uint32_t>(gas);
        ++target;
      } else if (gas_field == nullptr && gas <= UINT16_MAX) {
        instruction.aux = static_cast<uint16_t>(gas);
        ++target;
      }
    }
    instruction.r = static_cast<uint32_t>(static_cast<int32_t>(target) - static_cast<int32_t>(index));
  }
}

// ---------------------------------------------------------------------------
// The function and its instructions.

Status FunctionCompiler::compile(uint32_t function_index, PreparedCode& prepared) {
  function_index_ = function_index;
  type_ = &module_.function_type(function_index);
  body_ = &module_.bodies[function_index - module_.imported_function_count];
  reader_ = Reader(module_.bytes, body_->code_offset, body_->code_end);
  instruction_offset_ = body_->code_offset;
  if (type_->params.size() + body_->local_count > limits_.locals_per_function_max)
    return fail(limit_text("locals", type_->params.size() + body_->local_count, limits_.locals_per_function_max,
                           "locals_per_function_max"));
  values_.clear();
  controls_.clear();
  code_.clear();
  // Most bodies emit fewer instructions than they have bytes; reserving
  // that many (up to 1 MiB of instructions) saves the vector's regrowth in
  // a long body without letting a large module reserve much more.
  code_.reserve(std::min<size_t>(body_->code_end - body_->code_offset, code_reserved_max));
  pool_.clear();
  loop_depth_ = 0;
  last_results_ = nullptr;
  live_ = true;
  pool_base_ = static_cast<uint32_t>(type_->params.size()) + body_->local_count;
  frame_base_ = pool_base_ + pool_entries_max;
  height_max_ = 0;
  gas_instruction_ = none;
  producer_ = none;
  GOVCHAIN_TRY(push_control(opcode::block, no_types(), type_->results));
  start_gas_block();
  while (!controls_.empty()) {
    instruction_offset_ = reader_.position();
    uint16_t code;
    if (!read_opcode(reader_, code)) return read_failure();
    live_ = !is_dead();
    if (live_ && is_charged(code)) add_gas(gas_by_opcode_[code]);
    GOVCHAIN_TRY(compile_instruction(code));
    if (values_.size() > limits_.value_stack_slots_max) return fail("operand stack too high");
  }
  if (!reader_.at_end()) return malformed_error("section size mismatch: code after the final end", reader_.position());
  prepared.param_slots = static_cast<uint32_t>(type_->params.size());
  prepared.local_slots = body_->local_count;
  prepared.operand_slots_max = static_cast<uint32_t>(height_max_);
  prepared.frame_slots = frame_base_ + prepared.operand_slots_max;
  prepared.entry_gas = entry_gas(body_->local_count, schedule_);
  const uint32_t head_size = pool_.empty() ? 0 : static_cast<uint32_t>(pool_.size()) + 1;
  finish_pool();
  finish_branches(head_size);
  prepared.instructions.assign(code_.begin(), code_.end());
  return Status();
}

Status FunctionCompiler::compile_instruction(uint16_t code) {
  switch (code) {
    case opcode::unreachable:
      if (live_) emit(op::unreachable);
      mark_unreachable();
      return Status();
    case opcode::nop:
      return Status();
    case opcode::block:
    case opcode::loop:
    case opcode::if_:
      return compile_block(code);
    case opcode::else_:
      return compile_else();
    case opcode::end:
      return compile_end();
    case opcode::br:
    case opcode::br_if:
    case opcode::br_table:
    case opcode::return_:
      return compile_branch(code);
    case opcode::call:
    case opcode::call_indirect:
      return compile_call(code);
    case opcode::drop: {
      Operand ignored;
      producer_ = none;
      return pop(ignored);
    }
    case opcode::select:
    case opcode::select_typed:
      return compile_select(code);
    case opcode::local_get:
    case opcode::local_set:
    case opcode::local_tee:
    case opcode::global_get:
    case opcode::global_set:
      return compile_variable(code);
    case opcode::table_get:
    case opcode::table_set:
    case opcode::table_init:
    case opcode::elem_drop:
    case opcode::table_copy:
    case opcode::table_grow:
    case opcode::table_size:
    case opcode::table_fill:
      return compile_table(code);
    case opcode::memory_size:
    case opcode::memory_grow:
    case opcode::memory_init:
    case opcode::data_drop:
    case opcode::memory_copy:
    case opcode::memory_fill:
      return compile_bulk_memory(code);
    case opcode::ref_null:
    case opcode::ref_is_null:
    case opcode::ref_func:
      return compile_reference(code);
    case opcode::i32_const:
    case opcode::i64_const:
    case opcode::f32_const:
    case opcode::f64_const:
      return compile_constant(code);
  }
  if (code >= opcode::i32_load && code <= opcode::i64_store32) return compile_memory_access(code);
  return compile_simple(code);
}

// ---------------------------------------------------------------------------
// Control: blocks, branches, calls.

Status FunctionCompiler::compile_block(uint16_t code) {
  const TypeList* params = nullptr;
  const TypeList* results = nullptr;
  GOVCHAIN_TRY(read_block_signature(params, results));
  Operand condition;
  if (code == opcode::if_) GOVCHAIN_TRY(pop_expect(ValueType::i32, condition));
  const size_t condition_index = values_.size();
  uint32_t else_branch = none;
  if (live_) {
    // A block head joins paths: every value below it sits in its slot.
    settle_all();
    if (code == opcode::if_) else_branch = emit_conditional_branch(condition, condition_index, false);
  }
  producer_ = none;
  GOVCHAIN_TRY(pop_list(*params));
  GOVCHAIN_TRY(push_control(code, *params, *results));
  ControlFrame& frame = controls_.back();
  frame.dead = !live_;
  if (!live_) return Status();
  frame.else_branch = else_branch;
  start_gas_block();
  frame.loop_head = gas_instruction_;
  return Status();
}

Status FunctionCompiler::compile_else() {
  if (controls_.back().opcode != opcode::if_) return fail("else without if");
  const ControlFrame before = controls_.back();
  const bool emitting = !before.dead;
  if (emitting && !before.unreachable) settle_all();
  ControlFrame frame;
  GOVCHAIN_TRY(pop_control(frame));
  producer_ = none;
  uint32_t fixups = frame.fixups;
  if (emitting) {
    if (!frame.unreachable) {
      const uint32_t jump = emit(op::br, fixups);
      fixups = jump;
    }
    gas_instruction_ = none;
    start_gas_block();
    resolve(frame.else_branch, gas_instruction_);
  }
  live_ = emitting;
  GOVCHAIN_TRY(push_control(opcode::else_, *frame.start_types, *frame.end_types));
  controls_.back().dead = frame.dead;
  controls_.back().fixups = fixups;
  return Status();
}

Status FunctionCompiler::compile_end() {
  const ControlFrame& top = controls_.back();
  const bool emitting = !top.dead;
  const bool function_end = controls_.size() == 1;
  if (emitting && !top.unreachable) {
    if (function_end && top.fixups == none)
      saved_.assign(values_.end() - static_cast<ptrdiff_t>(std::min(values_.size(), top.end_types->size())),
                    values_.end());
    else
      settle_all();
  }
  ControlFrame frame;
  GOVCHAIN_TRY(pop_control(frame));
  // An if without else must leave its parameters as its results.
  if (frame.opcode == opcode::if_ && *frame.start_types != *frame.end_types)
    return fail("type mismatch: if without else must not change the operand types");
  producer_ = none;
  if (controls_.empty()) {
    if (emitting) finish_function(frame);
    return Status();
  }
  live_ = emitting;
  push_list(*frame.end_types);
  if (!emitting) return Status();
  start_gas_block();
  resolve(frame.fixups, gas_instruction_);
  resolve(frame.else_branch, gas_instruction_);
  return Status();
}

// The function's own end: return its results. Branches that land here paid
// for the move themselves and left the results in the first operand slots;
// falling through pays here.
void FunctionCompiler::finish_function(const ControlFrame& frame) {
  const size_t result_count = frame.end_types->size();
  if (!frame.unreachable) charge_slots(result_count);
  const uint32_t end_position = static_cast<uint32_t>(code_.size());
  if (frame.unreachable || frame.fixups != none)
    emit_return_from_slots(result_count);
  else
    emit_return(saved_.data(), result_count, 0);
  resolve(frame.fixups, end_position);
}

// Puts `count` operands, popped from stack heights base.., in the slots
// from `destination` on for a branch: each goes to its own slot first, so
// that one instruction moves them all, whatever their number.
void FunctionCompiler::emit_carry(const Operand* operands, size_t count, size_t base, uint32_t destination) {
  if (count == 0) return;
  if (count == 1) {
    emit_move(operands[0], base, destination);
    return;
  }
  for (size_t index = 0; index < count; ++index) emit_move(operands[index], base + index, slot_of_height(base + index));
  if (slot_of_height(base) != destination)
    emit(op::copy_values, destination, slot_of_height(base), static_cast<uint32_t>(count));
}

void FunctionCompiler::emit_return_from_slots(size_t count) {
  if (count == 0)
    emit(op::return_void);
  else if (count == 1)
    emit(op::return_value, 0, slot_of_height(0));
  else
    emit(op::return_values, 0, slot_of_height(0), static_cast<uint32_t>(count));
}

// Returns `count` results, the operands that were at stack heights base..
void FunctionCompiler::emit_return(const Operand* results, size_t count, size_t base) {
  if (count == 0) {
    emit(op::return_void);
    return;
  }
  if (count == 1) {
    if (results[0].place == Place::constant)
      emit_immediate(op::return_constant, 0, results[0].bits);
    else if (in_accumulator(results[0]))
      emit(op::return_acc);
    else
      emit(op::return_value, 0, results[0].place == Place::local ? results[0].local : slot_of_height(base));
    return;
  }
  for (size_t index = 0; index < count; ++index) emit_move(results[index], base + index, slot_of_height(base + index));
  emit(op::return_values, 0, slot_of_height(base), static_cast<uint32_t>(count));
}

// A branch on `condition` (popped from stack `index`) taken when it is
// nonzero (`when_true`) or zero. An integer comparison or eqz computed by
// the instruction just before is fused into the branch.
uint32_t FunctionCompiler::emit_conditional_branch(const Operand& condition, size_t index, bool when_true) {
  if (produced_by_last(condition)) {
    Instruction& last = code_.back();
    const OperationForms& forms = operation_forms(producer_code_);
    const bool is_eqz = producer_code_ == opcode::i32_eqz || producer_code_ == opcode::i64_eqz;
    if (is_eqz) {
      // eqz(v) is v == 0: from a slot (Form::ss) or the accumulator.
      const bool wide = producer_code_ == opcode::i64_eqz;
      const uint16_t compare =
          when_true ? (wide ? opcode::i64_eq : opcode::i32_eq) : (wide ? opcode::i64_ne : opcode::i32_ne);
      const Form form = producer_form_ == Form::as ? Form::ai : Form::si;
      last = Instruction{operation_forms(compare).branch_of(form), 0, none, last.x, 0};
      producer_ = none;
      return static_cast<uint32_t>(code_.size() - 1);
    }
    const OperationForms& chosen = when_true ? forms : operation_forms(forms.negated);
    if (forms.branch_of(producer_form_) != 0 && chosen.branch_of(producer_form_) != 0) {
      last.operation = chosen.branch_of(producer_form_);
      last.r = none;
      producer_ = none;
      return static_cast<uint32_t>(code_.size() - 1);
    }
  }
  if (in_accumulator(condition)) return emit(when_true ? op::br_if_a : op::br_unless_a, none);
  return emit(when_true ? op::br_if : op::br_unless, none, source_slot(condition, index));
}

Status FunctionCompiler::compile_branch(uint16_t code) {
  switch (code) {
    case opcode::br: {
      uint32_t depth;
      GOVCHAIN_TRY(read_label(depth));
      const TypeList& types = label_types(controls_[controls_.size() - 1 - depth]);
      GOVCHAIN_TRY(pop_list_saving(types));
      producer_ = none;
      if (live_) {
        // The target's values are moved, or (for the function's own label)
        // returned; priced whether or not the branch is taken.
        charge_slots(types.size());
        const size_t base = values_.size();
        if (depth == controls_.size() - 1) {
          emit_return(saved_.data(), types.size(), base);
        } else {
          emit_carry(saved_.data(), types.size(), base, label_destination(depth));
          emit_jump(emit(op::br), depth);
        }
      }
      mark_unreachable();
      return Status();
    }
    case opcode::br_if: {
      uint32_t depth;
      GOVCHAIN_TRY(read_label(depth));
      return compile_br_if(depth);
    }
    case opcode::br_table:
      return compile_branch_table();
    case opcode::return_: {
      GOVCHAIN_TRY(pop_list_saving(*controls_.front().end_types));
      producer_ = none;
      if (live_) {
        charge_slots(type_->results.size());
        emit_return(saved_.data(), type_->results.size(), values_.size());
      }
      mark_unreachable();
      return Status();
    }
  }
  return fail("unknown branch instruction");
}

Status FunctionCompiler::compile_br_if(uint32_t depth) {
  Operand condition;
  GOVCHAIN_TRY(pop_expect(ValueType::i32, condition));
  const size_t condition_index = values_.size();
  const TypeList& types = label_types(controls_[controls_.size() - 1 - depth]);
  GOVCHAIN_TRY(pop_list_saving(types));
  const size_t base = values_.size();
  if (!live_) {
    push_list(types);
    return Status();
  }
  // The values go to their own slots (on both paths); a branch to a label
  // whose values sit elsewhere copies them on its own path.
  for (size_t index = 0; index < types.size(); ++index) {
    values_.push_back(saved_[index]);
    materialize(base + index);
  }
  charge_slots(types.size());
  const uint32_t destination = label_destination(depth);
  if (types.empty() || slot_of_height(base) == destination) {
    emit_jump(emit_conditional_branch(condition, condition_index, true), depth);
    start_gas_block();
    return Status();
  }
  const uint32_t skip = emit_conditional_branch(condition, condition_index, false);
  emit(op::copy_values, destination, slot_of_height(base), static_cast<uint32_t>(types.size()));
  emit_jump(emit(op::br), depth);
  start_gas_block();
  code_[skip].r = gas_instruction_;
  return Status();
}

// Checks the operands against every label's types, as the spec's algorithm
// does, but each distinct target once: the operand stack does not change
// between labels, so a repeated target would give the same answer. The work
// is linear in the labels plus the arity times the distinct targets (at
// most the nesting depth), never labels times arity.
Status FunctionCompiler::compile_branch_table() {
  uint32_t count;
  if (!reader_.read_count(count, 1, limits_.br_table_labels_max, "br_table labels", "br_table_labels_max"))
    return read_failure();
  label_depths_.resize(count);
  for (auto& depth : label_depths_)
    if (!reader_.read_u32(depth)) return read_failure();
  uint32_t default_depth;
  GOVCHAIN_TRY(read_label(default_depth));
  Operand index_operand;
  GOVCHAIN_TRY(pop_expect(ValueType::i32, index_operand));
  const size_t index_height = values_.size();
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
  const size_t arity = default_types.size();
  if (live_) {
    // All labels have the default's arity; one of them is taken.
    charge_slots(arity);
    if (arity > UINT16_MAX) return fail("br_table carries too many values");
    const size_t base = values_.size() - arity;
    for (size_t index = base; index < values_.size(); ++index) materialize(index);
    const uint32_t index_slot = source_slot(index_operand, index_height);
    emit(op::br_table, count, index_slot, slot_of_height(base), static_cast<uint16_t>(arity));
    for (size_t position = 0; position <= count; ++position) {
      const uint32_t depth = position < count ? label_depths_[position] : default_depth;
      emit_jump(emit(op::br_table_entry, 0, label_destination(depth)), depth);
    }
  }
  producer_ = none;
  GOVCHAIN_TRY(pop_list(default_types));
  mark_unreachable();
  return Status();
}

Status FunctionCompiler::compile_call(uint16_t code) {
  const FunctionType* callee = nullptr;
  uint32_t function_index = 0;
  uint32_t type_index = 0;
  uint32_t table_index = 0;
  Operand element;
  if (code == opcode::call) {
    if (!reader_.read_u32(function_index)) return read_failure();
    if (function_index >= module_.function_type_indices.size())
      return fail("unknown function " + std::to_string(function_index));
    callee = &module_.function_type(function_index);
  } else {
    if (!reader_.read_u32(type_index)) return read_failure();
    GOVCHAIN_TRY(read_table_index(table_index));
    if (type_index >= module_.types.size()) return fail("unknown type");
    if (module_.tables[table_index].element_type != ValueType::funcref)
      return fail("type mismatch: table is not funcref");
    GOVCHAIN_TRY(pop_expect(ValueType::i32, element));
    callee = &module_.types[type_index];
  }
  const size_t element_height = values_.size();
  const bool in_place = pop_arguments_in_place(callee->params);
  if (!in_place) GOVCHAIN_TRY(pop_list_saving(callee->params));
  producer_ = none;
  if (live_) {
    const size_t base = values_.size();
    const size_t param_count = callee->params.size();
    charge_slots(param_count + callee->results.size());
    settle(base, base + callee->results.size());
    // The arguments become the callee's parameters where they are: its
    // frame starts at the first argument's slot.
    if (!in_place)
      for (size_t index = 0; index < param_count; ++index)
        emit_move(saved_[index], base + index, slot_of_height(base + index));
    const uint32_t frame = slot_of_height(base);
    if (code == opcode::call_indirect) {
      if (table_index > UINT16_MAX) return fail("call_indirect table index too large");
      emit(op::call_indirect, frame, source_slot(element, element_height), type_index,
           static_cast<uint16_t>(table_index));
    } else if (function_index < module_.imported_function_count) {
      emit(op::call_imported, frame, function_index);
    } else {
      // A direct call to a function of this module pays for zeroing the
      // callee's locals here, in the caller's block: the callee is known,
      // and the interpreter's call path stays free of a charge. Calls whose
      // callee is known only at run time (imported, indirect) are charged
      // by the interpreter.
      const FunctionBody& body = module_.bodies[function_index - module_.imported_function_count];
      add_gas(entry_gas(body.local_count, schedule_));
      emit_immediate(op::call, frame, reinterpret_cast<uint64_t>(&body.prepared));
    }
    // The callee's code uses the accumulator.
    accumulator_serial_ = 0;
  }
  const size_t results_base = values_.size();
  push_list(callee->results);
  last_results_ = nullptr;
  if (live_ && !callee->results.empty()) {
    last_results_ = &callee->results;
    last_results_serial_ = values_[results_base].serial;
    last_results_height_ = values_.size();
  }
  return Status();
}

// ---------------------------------------------------------------------------
// Operands, variables, memory and tables.

Status FunctionCompiler::compile_select(uint16_t code) {
  Operand condition, second, first;
  if (code == opcode::select_typed) {
    uint32_t count;
    if (!reader_.read_u32(count)) return read_failure();
    if (count != 1) return fail("invalid result arity");
    ValueType type;
    if (!read_value_type(reader_, type)) return read_failure();
    GOVCHAIN_TRY(pop_expect(ValueType::i32, condition));
    GOVCHAIN_TRY(pop_expect(type, second));
    GOVCHAIN_TRY(pop_expect(type, first));
  } else {
    GOVCHAIN_TRY(pop_expect(ValueType::i32, condition));
    GOVCHAIN_TRY(pop(second));
    GOVCHAIN_TRY(pop(first));
    if ((first.type != unknown_type && !is_numeric(first.type)) ||
        (second.type != unknown_type && !is_numeric(second.type)))
      return fail("type mismatch: select without a type needs numeric operands");
    if (first.type != second.type && first.type != unknown_type && second.type != unknown_type)
      return fail("type mismatch: select operands differ");
  }
  const StackType result = first.type == unknown_type ? second.type : first.type;
  const size_t first_height = values_.size();
  producer_ = none;
  if (live_) {
    // The result's slot holds the first operand; the second replaces it
    // when the condition is zero.
    emit_move(first, first_height, slot_of_height(first_height));
    const uint32_t second_slot = source_slot(second, first_height + 1);
    const uint32_t condition_slot = source_slot(condition, first_height + 2);
    emit(op::select, slot_of_height(first_height), second_slot, condition_slot);
  }
  push(result);
  return Status();
}

Status FunctionCompiler::compile_variable(uint16_t code) {
  uint32_t index;
  if (!reader_.read_u32(index)) return read_failure();
  if (code == opcode::global_get || code == opcode::global_set) {
    if (index >= module_.global_types.size()) return fail("unknown global " + std::to_string(index));
    const GlobalType& global = module_.global_types[index];
    if (code == opcode::global_get) {
      if (live_) {
        settle(values_.size(), values_.size() + 1);
        produced(emit(op::global_get, slot_of_height(values_.size()), index), code, Form::ss);
      }
      push(global.type);
      return Status();
    }
    if (!global.is_mutable) return fail("global is immutable");
    Operand value;
    GOVCHAIN_TRY(pop_expect(global.type, value));
    producer_ = none;
    if (live_) emit(op::global_set, 0, index, source_slot(value, values_.size()));
    return Status();
  }
  ValueType type;
  GOVCHAIN_TRY(local_type(index, type));
  if (code == opcode::local_get) {
    producer_ = none;
    if (!live_) {
      push(type);
      return Status();
    }
    // `local.tee L; local.get L`: the local's value is in the accumulator
    // (compile_local_set), and the operand read next is the new one.
    const bool in_register = !values_.empty() && values_.back().place == Place::local &&
                             values_.back().local == index && in_accumulator(values_.back());
    push_deferred(stack_type(type), Place::local, index, 0);
    if (in_register) accumulator_serial_ = values_.back().serial;
    return Status();
  }
  return compile_local_set(index, type, code == opcode::local_tee);
}

// local.set and local.tee. Operands still reading the local are copied to
// their slots first; then the value is stored, by retargeting the
// instruction that computed it when that was the last one emitted.
Status FunctionCompiler::compile_local_set(uint32_t index, ValueType type, bool tee) {
  Operand value;
  GOVCHAIN_TRY(pop_expect(type, value));
  const size_t height = values_.size();
  if (!live_) {
    if (tee) push(type);
    return Status();
  }
  const bool retarget = produced_by_last(value);
  const size_t emitted_before = code_.size();
  for (size_t position = height > deferral_window ? height - deferral_window : 0; position < height; ++position)
    if (values_[position].place == Place::local && values_[position].local == index) materialize(position);
  if (retarget && code_.size() == emitted_before) {
    code_.back().r = index;
  } else if (value.place != Place::local || value.local != index) {
    emit_move(value, height, index);
  }
  producer_ = none;
  if (tee) {
    const bool in_register = in_accumulator(value);
    push_deferred(stack_type(type), Place::local, index, 0);
    if (in_register) accumulator_serial_ = values_.back().serial;
  }
  return Status();
}

Status FunctionCompiler::compile_constant(uint16_t code) {
  uint64_t bits = 0;
  ValueType type = ValueType::i32;
  switch (code) {
    case opcode::i32_const: {
      int32_t value;
      if (!reader_.read_s32(value)) return read_failure();
      bits = static_cast<uint32_t>(value);
      break;
    }
    case opcode::i64_const: {
      int64_t value;
      if (!reader_.read_s64(value)) return read_failure();
      bits = static_cast<uint64_t>(value);
      type = ValueType::i64;
      break;
    }
    case opcode::f32_const: {
      uint32_t value;
      if (!reader_.read_f32_bits(value)) return read_failure();
      bits = value;
      type = ValueType::f32;
      break;
    }
    default:
      if (!reader_.read_f64_bits(bits)) return read_failure();
      type = ValueType::f64;
      break;
  }
  producer_ = none;
  if (live_)
    push_deferred(stack_type(type), Place::constant, 0, bits);
  else
    push(type);
  return Status();
}

Status FunctionCompiler::compile_memory_access(uint16_t code) {
  uint32_t offset;
  GOVCHAIN_TRY(read_memory_argument(natural_size_bytes(code), offset));
  const OpcodeInfo& info = opcode_info(code);
  Operand operands[2];
  GOVCHAIN_TRY(pop_simple_operands(info, operands));
  const size_t base = values_.size();
  if (live_) {
    const Operand& address = operands[0];
    const OperationForms& forms = operation_forms(code);
    if (info.result_count == 1) {
      if (produced_by_last(address) && fuse_address(code, offset, base, nullptr)) {
        // The load took over the add that computed its address.
      } else if (in_accumulator(address)) {
        produce(code, Form::as, slot_of_height(base), 0, offset);
      } else {
        produce(code, Form::ss, slot_of_height(base), source_slot(address, base), offset);
      }
    } else {
      const Operand& value = operands[1];
      const uint32_t value_source = in_accumulator(value) ? 0 : source_slot(value, base + 1);
      if (produced_by_last(address) && fuse_address(code, offset, base, &value_source)) {
        producer_ = none;
      } else if (fuse_result_store(code, address, value, offset, base)) {
        producer_ = none;
      } else if (in_accumulator(value)) {
        emit(forms.of(Form::sa), offset, source_slot(address, base), 0);
      } else if (in_accumulator(address)) {
        emit(forms.of(Form::as), offset, 0, value_source);
      } else {
        emit(forms.of(Form::ss), offset, source_slot(address, base), value_source);
      }
    }
  }
  if (info.result_count == 1) push(static_cast<StackType>(info.result_type));
  return Status();
}

// Folds the i32.add that the last instruction computed the address with
// into the load or store (forms _sd, _ad, _sx, _ax), when the memory
// argument's offset fits the aux field. A store reads its value from slot
// r, so it needs `value`, which the accumulator (holding the sum) is not.
bool FunctionCompiler::fuse_address(uint16_t code, uint32_t offset, size_t base, const uint32_t* value) {
  if (producer_code_ != opcode::i32_add || offset > UINT16_MAX) return false;
  Form form;
  switch (producer_form_) {
    case Form::si:
      form = Form::sd;
      break;
    case Form::ai:
      form = Form::ad;
      break;
    case Form::ss:
      form = Form::sx;
      break;
    case Form::as:
      form = Form::ax;
      break;
    default:
      return false;
  }
  Instruction& add = code_[producer_];
  add.operation = operation_forms(code).of(form);
  add.aux = static_cast<uint16_t>(offset);
  if (value == nullptr) {
    add.r = slot_of_height(base);
    produced(producer_, code, form);
    return true;
  }
  add.r = *value;
  return true;
}

// Folds the f64.load that the last instruction is into the f64 add, sub,
// mul or div that takes its value as the right operand (form _sm), when
// the load's address is a slot, or a slot plus an add's immediate that
// fits 16 bits, and its offset is 0: then the fused form's address is the
// load's to the bit, wrapping included. A constant left operand is left to
// the plain forms, since giving it a slot may take an instruction.
bool FunctionCompiler::fuse_load_operand(uint16_t code, const Operand& left, const Operand& right, size_t base) {
  const uint16_t fused = operation_forms(code).of(Form::sm);
  if (fused == 0 || producer_code_ != opcode::f64_load || !produced_by_last(right) || left.place == Place::constant)
    return false;
  const Instruction& load = code_[producer_];
  uint16_t displacement = 0;
  if (producer_form_ == Form::ss) {
    if (load.y != 0) return false;  // the memory argument's offset
  } else if (producer_form_ == Form::sd) {
    const int32_t added = static_cast<int32_t>(load.y);
    if (load.aux != 0 || added < INT16_MIN || added > INT16_MAX) return false;
    displacement = static_cast<uint16_t>(static_cast<int16_t>(added));
  } else {
    return false;
  }
  const uint32_t address_slot = load.x;
  code_[producer_] = Instruction{fused, displacement, slot_of_height(base), source_slot(left, base), address_slot};
  produced(producer_, code, Form::sm);
  return true;
}

// Folds the f64.mul of two slots that the last instruction is into the f64
// add, sub, mul or div that takes the product as one operand (forms _ps,
// _sp), when the other operand is in a slot whose number fits the aux field
// (a constant is left to the plain forms, as in fuse_load_operand).
bool FunctionCompiler::fuse_product_operand(uint16_t code, const Operand& left, const Operand& right, size_t base) {
  if (operation_forms(code).of(Form::ps) == 0 || producer_code_ != opcode::f64_mul || producer_form_ != Form::ss)
    return false;
  const bool product_left = computed_by_last(left);
  if (!product_left && !computed_by_last(right)) return false;
  const Operand& other = product_left ? right : left;
  if (other.place == Place::constant) return false;
  const uint32_t other_slot = source_slot(other, product_left ? base + 1 : base);
  if (other_slot > UINT16_MAX) return false;
  const Form form = product_left ? Form::ps : Form::sp;
  Instruction& product = code_[accumulator_instruction_];
  product.operation = operation_forms(code).of(form);
  product.r = slot_of_height(base);
  product.aux = static_cast<uint16_t>(other_slot);
  produced(accumulator_instruction_, code, form);
  return true;
}

// Folds an f64.store of the value that the last instruction, an f64 add,
// sub, mul or div, computed into that instruction (forms _sa_store,
// _as_store, _sm_store); the value then needs no slot. Its address must
// be in a slot or a local (a constant's slot may take an instruction),
// and for _sm_store it must be the slot the fused load read its address
// from, the only field left.
bool FunctionCompiler::fuse_result_store(uint16_t code, const Operand& address, const Operand& value, uint32_t offset,
                                         size_t base) {
  if (code != opcode::f64_store || !produced_by_last(value) || address.place == Place::constant) return false;
  const OperationForms& forms = operation_forms(producer_code_);
  if (forms.of(Form::sm) == 0) return false;
  const uint32_t address_slot = source_slot(address, base);
  Instruction& producer = code_[producer_];
  switch (producer_form_) {
    case Form::sa:
      producer.operation = forms.of(Form::sa_store);
      producer.y = address_slot;
      break;
    case Form::as:
      producer.operation = forms.of(Form::as_store);
      producer.x = address_slot;
      break;
    case Form::sm:
      if (producer.y != address_slot) return false;
      producer.operation = forms.of(Form::sm_store);
      break;
    default:
      return false;
  }
  producer.r = offset;
  return true;
}

Status FunctionCompiler::compile_bulk_memory(uint16_t code) {
  uint32_t segment_index = 0;
  switch (code) {
    case opcode::memory_size:
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      producer_ = none;
      if (live_) {
        settle(values_.size(), values_.size() + 1);
        emit(op::memory_size, slot_of_height(values_.size()));
      }
      push(ValueType::i32);
      return Status();
    case opcode::memory_grow: {
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      Operand delta;
      GOVCHAIN_TRY(pop_expect(ValueType::i32, delta));
      producer_ = none;
      if (live_) emit(op::memory_grow, slot_of_height(values_.size()), source_slot(delta, values_.size()));
      push(ValueType::i32);
      return Status();
    }
    case opcode::memory_copy:
      GOVCHAIN_TRY(read_zero_byte());
      [[fallthrough]];
    case opcode::memory_fill:
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      break;
    case opcode::memory_init:
    case opcode::data_drop: {
      if (!reader_.read_u32(segment_index)) return read_failure();
      if (!module_.data_count) return malformed_error("data count section required", instruction_offset_);
      if (segment_index >= *module_.data_count) return fail("unknown data segment " + std::to_string(segment_index));
      producer_ = none;
      if (code == opcode::data_drop) {
        if (live_) emit(op::data_drop, 0, segment_index);
        return Status();
      }
      GOVCHAIN_TRY(read_zero_byte());
      GOVCHAIN_TRY(require_memory());
      break;
    }
    default:
      return fail("unknown memory instruction");
  }
  // memory.fill, memory.copy and memory.init: three i32 operands, in slots.
  const size_t base = values_.size() >= 3 ? values_.size() - 3 : 0;
  if (live_ && values_.size() >= 3)
    for (size_t index = base; index < base + 3; ++index) materialize(index);
  for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
  producer_ = none;
  if (live_) {
    const uint16_t operation = code == opcode::memory_fill   ? op::memory_fill
                               : code == opcode::memory_copy ? op::memory_copy
                                                             : op::memory_init;
    emit(operation, 0, slot_of_height(base), segment_index);
  }
  return Status();
}

Status FunctionCompiler::compile_table(uint16_t code) {
  uint32_t table_index = 0;
  switch (code) {
    case opcode::table_get:
    case opcode::table_set:
    case opcode::table_grow:
    case opcode::table_size:
    case opcode::table_fill:
      GOVCHAIN_TRY(read_table_index(table_index));
      return compile_table_access(code, table_index);
    case opcode::elem_drop:
    case opcode::table_init: {
      uint32_t segment_index;
      if (!reader_.read_u32(segment_index)) return read_failure();
      if (segment_index >= module_.element_segments.size())
        return fail("unknown elem segment " + std::to_string(segment_index));
      producer_ = none;
      if (code == opcode::elem_drop) {
        if (live_) emit(op::elem_drop, 0, segment_index);
        return Status();
      }
      GOVCHAIN_TRY(read_table_index(table_index));
      if (module_.tables[table_index].element_type != module_.element_segments[segment_index].element_type)
        return fail("type mismatch: element segment and table types differ");
      const size_t base = values_.size() >= 3 ? values_.size() - 3 : 0;
      if (live_ && values_.size() >= 3)
        for (size_t index = base; index < base + 3; ++index) materialize(index);
      for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      if (live_) emit(op::table_init, segment_index, slot_of_height(base), table_index);
      return Status();
    }
    case opcode::table_copy: {
      uint32_t destination, source;
      GOVCHAIN_TRY(read_table_index(destination));
      GOVCHAIN_TRY(read_table_index(source));
      if (module_.tables[destination].element_type != module_.tables[source].element_type)
        return fail("type mismatch: tables of different element types");
      const size_t base = values_.size() >= 3 ? values_.size() - 3 : 0;
      if (live_ && values_.size() >= 3)
        for (size_t index = base; index < base + 3; ++index) materialize(index);
      for (int operand = 0; operand < 3; ++operand) GOVCHAIN_TRY(pop_expect(ValueType::i32));
      producer_ = none;
      if (live_) emit(op::table_copy, source, slot_of_height(base), destination);
      return Status();
    }
  }
  return fail("unknown table instruction");
}

// table.get, table.set, table.grow, table.size and table.fill. Operands
// are materialized in their slots; the instruction names the first.
Status FunctionCompiler::compile_table_access(uint16_t code, uint32_t table_index) {
  const ValueType element = module_.tables[table_index].element_type;
  const size_t operand_count = code == opcode::table_get    ? 1
                               : code == opcode::table_size ? 0
                               : code == opcode::table_fill ? 3
                                                            : 2;
  const size_t base = values_.size() >= operand_count ? values_.size() - operand_count : 0;
  if (live_ && values_.size() >= operand_count + controls_.back().height)
    for (size_t index = base; index < values_.size(); ++index) materialize(index);
  switch (code) {
    case opcode::table_get:
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      break;
    case opcode::table_set:
      GOVCHAIN_TRY(pop_expect(element));
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      break;
    case opcode::table_grow:
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      GOVCHAIN_TRY(pop_expect(element));
      break;
    case opcode::table_fill:
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      GOVCHAIN_TRY(pop_expect(element));
      GOVCHAIN_TRY(pop_expect(ValueType::i32));
      break;
    default:
      break;
  }
  producer_ = none;
  if (live_) {
    if (code == opcode::table_size) settle(values_.size(), values_.size() + 1);
    const uint32_t result = slot_of_height(values_.size());
    switch (code) {
      case opcode::table_get:
        emit(op::table_get, result, slot_of_height(base), table_index);
        break;
      case opcode::table_set:
        emit(op::table_set, 0, slot_of_height(base), table_index);
        break;
      case opcode::table_grow:
        emit(op::table_grow, result, slot_of_height(base), table_index);
        break;
      case opcode::table_size:
        emit(op::table_size, result, table_index);
        break;
      default:
        emit(op::table_fill, 0, slot_of_height(base), table_index);
        break;
    }
  }
  if (code == opcode::table_get) push(element);
  if (code == opcode::table_grow || code == opcode::table_size) push(ValueType::i32);
  return Status();
}

Status FunctionCompiler::compile_reference(uint16_t code) {
  switch (code) {
    case opcode::ref_null: {
      uint8_t byte;
      if (!reader_.read_byte(byte)) return read_failure();
      if (byte != 0x70 && byte != 0x6F) return malformed_error("malformed reference type", reader_.position() - 1);
      producer_ = none;
      if (live_)
        push_deferred(static_cast<StackType>(byte), Place::constant, 0, 0);
      else
        push(static_cast<StackType>(byte));
      return Status();
    }
    case opcode::ref_is_null: {
      Operand reference;
      GOVCHAIN_TRY(pop(reference));
      if (reference.type != unknown_type && !is_reference(reference.type))
        return fail("type mismatch: ref.is_null needs a reference");
      producer_ = none;
      if (live_) emit(op::ref_is_null, slot_of_height(values_.size()), source_slot(reference, values_.size()));
      push(ValueType::i32);
      return Status();
    }
    case opcode::ref_func: {
      uint32_t function_index;
      if (!reader_.read_u32(function_index)) return read_failure();
      if (function_index >= module_.function_type_indices.size())
        return fail("unknown function " + std::to_string(function_index));
      if (!declared_functions_[function_index]) return fail("undeclared function reference");
      producer_ = none;
      if (live_) {
        settle(values_.size(), values_.size() + 1);
        emit(op::ref_func, slot_of_height(values_.size()), function_index);
      }
      push(ValueType::funcref);
      return Status();
    }
  }
  return fail("unknown reference instruction");
}

// ---------------------------------------------------------------------------
// Numeric instructions.

// Pops the operands of a simply typed instruction into `operands` (in
// order). The common case, operands of the expected types above the block's
// height, is checked in place; anything else takes the general path.
Status FunctionCompiler::pop_simple_operands(const OpcodeInfo& info, Operand* operands) {
  const size_t count = info.operand_count;
  if (values_.size() - controls_.back().height >= count) {
    const Operand* top = values_.data() + values_.size() - count;
    bool match = true;
    for (size_t index = 0; index < count; ++index)
      match &= top[index].type == info.operand_types[index] || top[index].type == unknown_type;
    if (match) {
      for (size_t index = 0; index < count; ++index) operands[index] = top[index];
      values_.resize(values_.size() - count);
      return Status();
    }
  }
  for (size_t index = count; index > 0; --index)
    GOVCHAIN_TRY(pop_expect(static_cast<StackType>(info.operand_types[index - 1]), operands[index - 1]));
  return Status();
}

Status FunctionCompiler::compile_simple(uint16_t code) {
  const OpcodeInfo& info = opcode_info(code);
  if (!info.is_simple) return fail("unexpected instruction " + std::string(info.name));
  Operand operands[2];
  GOVCHAIN_TRY(pop_simple_operands(info, operands));
  const size_t base = values_.size();
  const bool fusable = producer_code_ == opcode::f64_load || producer_code_ == opcode::f64_mul;
  if (fusable && live_ && info.operand_count == 2 &&
      (fuse_load_operand(code, operands[0], operands[1], base) ||
       fuse_product_operand(code, operands[0], operands[1], base))) {
    push(static_cast<StackType>(info.result_type));
    return Status();
  }
  producer_ = none;
  if (live_) {
    if (info.operand_count == 1)
      emit_unary(code, operands[0], base);
    else
      emit_binary(code, operands[0], operands[1], base);
  }
  if (info.result_count == 1) push(static_cast<StackType>(info.result_type));
  return Status();
}

void FunctionCompiler::emit_unary(uint16_t code, const Operand& operand, size_t index) {
  if (accumulator_holds(code, operand)) {
    produce(code, Form::as, slot_of_height(index), 0, 0);
    return;
  }
  produce(code, Form::ss, slot_of_height(index), source_slot(operand, index), 0);
}

// A binary operation whose result goes to the left operand's slot. A
// constant operand becomes an immediate where the operation has a form for
// it (or can swap its operands); the value the instruction before computed
// is taken from the accumulator.
void FunctionCompiler::emit_binary(uint16_t code, const Operand& left, const Operand& right, size_t index) {
  const OperationForms& forms = operation_forms(code);
  const uint32_t result = slot_of_height(index);
  const OpcodeInfo& info = opcode_info(code);
  uint32_t immediate;
  if (right.place == Place::constant && left.place != Place::constant &&
      immediate_of(info.operand_types[1], right.bits, immediate)) {
    if (accumulator_holds(code, left) && forms.of(Form::ai) != 0) {
      produce(code, Form::ai, result, 0, immediate);
      return;
    }
    if (forms.of(Form::si) != 0) {
      produce(code, Form::si, result, source_slot(left, index), immediate);
      return;
    }
  }
  if (left.place == Place::constant && right.place != Place::constant &&
      immediate_of(info.operand_types[0], left.bits, immediate) &&
      emit_constant_left(code, forms, right, index + 1, immediate, result))
    return;
  if (accumulator_holds(code, left) && forms.of(Form::as) != 0) {
    produce(code, Form::as, result, 0, source_slot(right, index + 1));
    return;
  }
  if (accumulator_holds(code, right)) {
    if (forms.of(Form::sa) != 0) {
      produce(code, Form::sa, result, source_slot(left, index), 0);
      return;
    }
    const uint16_t swapped = forms.commutative ? code : forms.swapped;
    if (swapped != 0 && operation_forms(swapped).of(Form::as) != 0) {
      produce(swapped, Form::as, result, 0, source_slot(left, index));
      return;
    }
  }
  const uint32_t left_slot = source_slot(left, index);
  produce(code, Form::ss, result, left_slot, source_slot(right, index + 1));
}

// `immediate op right`: by swapping the operands of a commutative
// operation or a comparison, or with the _is and _ia forms.
bool FunctionCompiler::emit_constant_left(uint16_t code, const OperationForms& forms, const Operand& right,
                                          size_t right_index, uint32_t immediate, uint32_t result) {
  const uint16_t swapped = forms.commutative ? code : forms.swapped;
  const bool accumulator = accumulator_holds(code, right);
  if (swapped != 0) {
    const OperationForms& swapped_forms = operation_forms(swapped);
    if (accumulator && swapped_forms.of(Form::ai) != 0) {
      produce(swapped, Form::ai, result, 0, immediate);
      return true;
    }
    if (swapped_forms.of(Form::si) == 0) return false;
    produce(swapped, Form::si, result, source_slot(right, right_index), immediate);
    return true;
  }
  if (accumulator && forms.of(Form::ia) != 0) {
    produce(code, Form::ia, result, immediate, 0);
    return true;
  }
  if (forms.of(Form::is) == 0) return false;
  produce(code, Form::is, result, immediate, source_slot(right, right_index));
  return true;
}

}  // namespace

Status prepare_module(Module& module, const Limits& limits, const GasSchedule& schedule) {
  FunctionCompiler compiler(module, limits, schedule);
  const uint32_t function_count = static_cast<uint32_t>(module.function_type_indices.size());
  for (uint32_t index = module.imported_function_count; index < function_count; ++index)
    GOVCHAIN_TRY(compiler.compile(index, module.bodies[index - module.imported_function_count].prepared));
  return Status();
}

}  // namespace govchain::runtime
