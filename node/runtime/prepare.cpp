#include "runtime/prepare.h"

#include <array>
#include <cassert>

#include "runtime/decode.h"
#include "runtime/opcodes.h"
#include "runtime/reader.h"

namespace govchain::runtime {
namespace {

constexpr uint32_t no_fixup = UINT32_MAX;

struct Label {
  uint16_t opcode = 0;
  uint32_t height = 0;  // frame-relative slot count at block entry, parameters excluded
  uint32_t param_count = 0;
  uint32_t result_count = 0;
  uint32_t loop_start = 0;         // instruction index a loop branches back to
  uint32_t else_fixup = no_fixup;  // br_unless of an if, patched at else or end
  std::vector<uint32_t> fixups;    // forward branches patched at end
  bool unreachable = false;        // the rest of this block is dead
  bool dead = false;               // the whole block is dead (entered from dead code)
};

bool read_immediates(Reader& reader, const Module& module, uint16_t code, Immediates& immediates) {
  switch (code) {
    case opcode::block:
    case opcode::loop:
    case opcode::if_: {
      BlockType block_type;
      if (!read_block_type(reader, block_type)) return false;
      immediates.block_params = block_param_count(module, block_type);
      immediates.block_results = block_result_count(module, block_type);
      return true;
    }
    case opcode::br:
    case opcode::br_if:
    case opcode::call:
    case opcode::local_get:
    case opcode::local_set:
    case opcode::local_tee:
    case opcode::global_get:
    case opcode::global_set:
    case opcode::table_get:
    case opcode::table_set:
    case opcode::ref_func:
    case opcode::data_drop:
    case opcode::elem_drop:
    case opcode::table_grow:
    case opcode::table_size:
    case opcode::table_fill:
      return reader.read_u32(immediates.index);
    case opcode::br_table: {
      uint32_t count;
      if (!reader.read_u32(count)) return false;
      immediates.labels.resize(static_cast<size_t>(count) + 1);
      for (auto& label : immediates.labels)
        if (!reader.read_u32(label)) return false;
      return true;
    }
    case opcode::call_indirect:
    case opcode::table_init:
    case opcode::table_copy:
      return reader.read_u32(immediates.index) && reader.read_u32(immediates.second_index);
    case opcode::select_typed: {
      uint32_t count;
      uint8_t type;
      return reader.read_u32(count) && reader.read_byte(type);
    }
    case opcode::memory_size:
    case opcode::memory_grow:
    case opcode::memory_fill: {
      uint8_t zero;
      return reader.read_byte(zero);
    }
    case opcode::memory_copy: {
      uint8_t zero;
      return reader.read_byte(zero) && reader.read_byte(zero);
    }
    case opcode::memory_init: {
      uint8_t zero;
      return reader.read_u32(immediates.index) && reader.read_byte(zero);
    }
    case opcode::i32_const: {
      int32_t value;
      if (!reader.read_s32(value)) return false;
      immediates.value = static_cast<uint32_t>(value);
      return true;
    }
    case opcode::i64_const: {
      int64_t value;
      if (!reader.read_s64(value)) return false;
      immediates.value = static_cast<uint64_t>(value);
      return true;
    }
    case opcode::f32_const: {
      uint32_t bits;
      if (!reader.read_f32_bits(bits)) return false;
      immediates.value = bits;
      return true;
    }
    case opcode::f64_const:
      return reader.read_f64_bits(immediates.value);
    case opcode::ref_null: {
      uint8_t type;
      return reader.read_byte(type);
    }
  }
  if (code >= opcode::i32_load && code <= opcode::i64_store32) {
    uint32_t alignment_log2;
    return reader.read_u32(alignment_log2) && reader.read_u32(immediates.index);
  }
  return true;
}

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

class FunctionPreparer {
 public:
  FunctionPreparer(const Module& module, const GasSchedule& schedule, const GasByOpcode& gas_by_opcode,
                   uint32_t function_index)
      : module_(module),
        schedule_(schedule),
        gas_by_opcode_(gas_by_opcode),
        type_(module.function_type(function_index)),
        body_(module.bodies[function_index - module.imported_function_count]),
        reader_(module.bytes, body_.code_offset, body_.code_end) {}

  Status prepare(PreparedCode& code);

 private:
  Instruction& emit(uint16_t code, uint32_t a = 0, uint64_t b = 0);
  uint32_t position() const { return static_cast<uint32_t>(code_.instructions.size()); }
  void start_gas_block();
  void charge(uint16_t code);
  // Adds to the charge of the current basic block.
  void charge_gas(uint64_t gas) { code_.instructions[gas_instruction_].b += gas; }
  void charge_slots(uint64_t slot_count);
  void set_height(uint32_t height);
  void push_slots(uint32_t count) { set_height(height_ + count); }
  void pop_slots(uint32_t count) {
    assert(height_ >= count);
    height_ -= count;
  }
  bool is_dead() const { return labels_.back().unreachable || labels_.back().dead; }
  void skip_dead(uint16_t code);
  void handle_instruction(uint16_t code, const Immediates& immediates);
  void handle_block(uint16_t code, const Immediates& immediates);
  void handle_else();
  void handle_end();
  void emit_branch(uint16_t plain_opcode, uint16_t move_opcode, uint32_t depth);
  void emit_branch_table(const Immediates& immediates);
  void record_target(Label& label, uint32_t instruction_index);
  void apply_simple_effect(uint16_t code);
  void make_branch_targets_relative();
  bool try_fuse(uint16_t code, uint32_t offset);
  bool try_fuse_local_set(uint32_t local_index);
  void handle_call(uint16_t code, const Immediates& immediates);
  void handle_memory_or_table(uint16_t code, const Immediates& immediates);

  const Module& module_;
  const GasSchedule& schedule_;
  const GasByOpcode& gas_by_opcode_;
  const FunctionType& type_;
  const FunctionBody& body_;
  Reader reader_;
  PreparedCode code_;
  std::vector<Label> labels_;
  uint32_t height_ = 0;
  uint32_t height_max_ = 0;
  uint32_t gas_instruction_ = 0;
};

Instruction& FunctionPreparer::emit(uint16_t code, uint32_t a, uint64_t b) {
  code_.instructions.push_back(Instruction{code, 0, a, b});
  return code_.instructions.back();
}

void FunctionPreparer::start_gas_block() {
  // Consecutive block heads share one charge.
  if (!code_.instructions.empty() && code_.instructions.back().opcode == opcode::charge_gas &&
      gas_instruction_ == position() - 1)
    return;
  gas_instruction_ = position();
  emit(opcode::charge_gas);
}

void FunctionPreparer::charge(uint16_t code) { charge_gas(gas_by_opcode_[code]); }

void FunctionPreparer::charge_slots(uint64_t slot_count) {
  charge_gas((slot_count + 1) / 2 * schedule_.gas_per_2_slots_copied);
}

void FunctionPreparer::set_height(uint32_t height) {
  height_ = height;
  if (height_ > height_max_) height_max_ = height_;
}

Status FunctionPreparer::prepare(PreparedCode& code) {
  code_.param_slots = static_cast<uint32_t>(type_.params.size());
  code_.local_slots = body_.local_count;
  code_.entry_gas = entry_gas(code_.local_slots, schedule_);
  const uint32_t frame_base = code_.param_slots + code_.local_slots;
  set_height(frame_base);
  Label function_label;
  function_label.opcode = opcode::block;
  function_label.height = frame_base;
  function_label.result_count = static_cast<uint32_t>(type_.results.size());
  labels_.push_back(function_label);
  start_gas_block();
  while (!labels_.empty()) {
    uint16_t code_value;
    Immediates immediates;
    if (!read_opcode(reader_, code_value) || !read_immediates(reader_, module_, code_value, immediates))
      return reader_.status();
    if (is_dead()) {
      skip_dead(code_value);
      continue;
    }
    if (code_value != opcode::nop && code_value != opcode::block && code_value != opcode::loop &&
        code_value != opcode::end && code_value != opcode::else_)
      charge(code_value);
    handle_instruction(code_value, immediates);
  }
  code_.operand_slots_max = height_max_ - frame_base;
  make_branch_targets_relative();
  code = std::move(code_);
  return Status();
}

void FunctionPreparer::skip_dead(uint16_t code) {
  if (code == opcode::block || code == opcode::loop || code == opcode::if_) {
    Label label;
    label.opcode = code;
    label.dead = true;
    labels_.push_back(label);
  } else if (code == opcode::else_) {
    if (labels_.back().dead) return;
    handle_else();
  } else if (code == opcode::end) {
    if (labels_.back().dead) {
      labels_.pop_back();
      return;
    }
    handle_end();
  }
}

void FunctionPreparer::record_target(Label& label, uint32_t instruction_index) {
  if (label.opcode == opcode::loop) {
    code_.instructions[instruction_index].a = label.loop_start;
  } else {
    label.fixups.push_back(instruction_index);
  }
}

void FunctionPreparer::emit_branch(uint16_t plain_opcode, uint16_t move_opcode, uint32_t depth) {
  Label& label = labels_[labels_.size() - 1 - depth];
  const uint32_t arity = label.opcode == opcode::loop ? label.param_count : label.result_count;
  // The target's values are moved, or (for the function's own label)
  // returned; priced whether or not the branch is taken.
  charge_slots(arity);
  if (depth == labels_.size() - 1 && plain_opcode == opcode::br) {
    emit(opcode::return_, arity);
    return;
  }
  const bool needs_move = height_ - arity != label.height && depth != labels_.size() - 1;
  uint16_t chosen = needs_move ? move_opcode : plain_opcode;
  // i32.eqz; br_if becomes one branch-unless, when the eqz is inside this block.
  if (chosen == opcode::br_if && position() > gas_instruction_ + 1 &&
      code_.instructions.back().opcode == opcode::i32_eqz) {
    code_.instructions.pop_back();
    chosen = opcode::br_unless;
  }
  emit(chosen, 0, (static_cast<uint64_t>(label.height) << 32) | arity);
  record_target(label, position() - 1);
}

void FunctionPreparer::emit_branch_table(const Immediates& immediates) {
  pop_slots(1);
  // All labels have the default's arity; one of them is taken.
  const Label& default_label = labels_[labels_.size() - 1 - immediates.labels.back()];
  charge_slots(default_label.opcode == opcode::loop ? default_label.param_count : default_label.result_count);
  emit(opcode::br_table, static_cast<uint32_t>(immediates.labels.size() - 1));
  for (uint32_t depth : immediates.labels) {
    Label& label = labels_[labels_.size() - 1 - depth];
    const uint32_t arity = label.opcode == opcode::loop ? label.param_count : label.result_count;
    // A branch to the function's own label lands on its final return, which
    // takes the results from the top of the stack: no move needed.
    const uint32_t target_height = depth == labels_.size() - 1 ? height_ - arity : label.height;
    emit(opcode::br_table_entry, 0, (static_cast<uint64_t>(target_height) << 32) | arity);
    record_target(label, position() - 1);
  }
}

void FunctionPreparer::handle_block(uint16_t code, const Immediates& immediates) {
  if (code == opcode::if_) pop_slots(1);
  Label label;
  label.opcode = code;
  label.param_count = immediates.block_params;
  label.result_count = immediates.block_results;
  label.height = height_ - immediates.block_params;
  if (code == opcode::if_) {
    label.else_fixup = position();
    emit(opcode::br_unless);
  }
  start_gas_block();
  label.loop_start = gas_instruction_;
  labels_.push_back(std::move(label));
}

void FunctionPreparer::handle_else() {
  Label& label = labels_.back();
  if (!label.unreachable) {
    emit(opcode::br);
    label.fixups.push_back(position() - 1);
  }
  code_.instructions[label.else_fixup].a = position();
  label.else_fixup = no_fixup;
  label.unreachable = false;
  set_height(label.height + label.param_count);
  gas_instruction_ = UINT32_MAX;
  start_gas_block();
}

void FunctionPreparer::handle_end() {
  Label label = std::move(labels_.back());
  labels_.pop_back();
  if (labels_.empty()) {
    // The function's own end: return its results. Branches that land here
    // paid for the move themselves; falling through pays here.
    if (!label.unreachable) charge_slots(label.result_count);
    const uint32_t end_position = position();
    for (uint32_t fixup : label.fixups) code_.instructions[fixup].a = end_position;
    emit(opcode::return_, label.result_count);
    return;
  }
  // Branches land on the charge of the block that follows; when nothing was
  // emitted since the last block head, that head serves.
  start_gas_block();
  const uint32_t end_position = gas_instruction_;
  for (uint32_t fixup : label.fixups) code_.instructions[fixup].a = end_position;
  if (label.else_fixup != no_fixup) code_.instructions[label.else_fixup].a = end_position;
  set_height(label.height + label.result_count);
}

// A direct call to a function of this module pays for zeroing the callee's
// locals here, in the caller's block: the callee is known, and the
// interpreter's call path stays free of a charge. Calls whose callee is known
// only at run time (imported, indirect) are charged by the interpreter.
void FunctionPreparer::handle_call(uint16_t code, const Immediates& immediates) {
  const FunctionType& callee =
      code == opcode::call ? module_.function_type(immediates.index) : module_.types[immediates.index];
  if (code == opcode::call_indirect) pop_slots(1);
  charge_slots(callee.params.size() + callee.results.size());
  pop_slots(static_cast<uint32_t>(callee.params.size()));
  push_slots(static_cast<uint32_t>(callee.results.size()));
  uint16_t emitted = code;
  if (code == opcode::call) {
    if (immediates.index < module_.imported_function_count)
      emitted = opcode::call_imported;
    else
      charge_gas(entry_gas(module_.bodies[immediates.index - module_.imported_function_count].local_count, schedule_));
  }
  emit(emitted, immediates.index, immediates.second_index);
}

void FunctionPreparer::handle_memory_or_table(uint16_t code, const Immediates& immediates) {
  switch (code) {
    case opcode::memory_size:
    case opcode::table_size:
      push_slots(1);
      break;
    case opcode::memory_grow:
    case opcode::table_get:
      break;
    case opcode::table_set:
      pop_slots(2);
      break;
    case opcode::table_grow:
      pop_slots(1);
      break;
    case opcode::memory_init:
    case opcode::memory_copy:
    case opcode::memory_fill:
    case opcode::table_init:
    case opcode::table_copy:
    case opcode::table_fill:
      pop_slots(3);
      break;
    default:
      break;
  }
  emit(code, immediates.index, immediates.second_index);
}

// Folds a local.set into the instruction that produced its operand. The
// producer keeps its position, so a return address pointing at it (after a
// call) still runs it whole.
bool FunctionPreparer::try_fuse_local_set(uint32_t local_index) {
  if (code_.instructions.empty() || local_index > UINT16_MAX) return false;
  Instruction& last = code_.instructions.back();
  if (last.opcode == opcode::charge_gas) return false;
  if (last.opcode == opcode::local_get) {
    last = Instruction{opcode::local_copy, 0, last.a, local_index};
    return true;
  }
  if (last.opcode == opcode::constant) {
    last = Instruction{opcode::local_set_constant, 0, local_index, last.b};
    return true;
  }
  const auto to_local = [&](uint16_t opcode_value) {
    last.opcode = opcode_value;
    last.reserved = static_cast<uint16_t>(local_index);
    return true;
  };
  if (const int binary = fusable_binary_index(last.opcode); binary >= 0)
    return to_local(static_cast<uint16_t>(opcode::fused_binary_base + opcode::fused_forms * binary +
                                          opcode::form_stack_stack_to_local));
  if (last.opcode >= opcode::fused_binary_base && last.opcode < opcode::fused_load_base) {
    const uint16_t form = (last.opcode - opcode::fused_binary_base) % opcode::fused_forms;
    if (form <= opcode::form_stack_local) return to_local(static_cast<uint16_t>(last.opcode + 4));
  }
  return false;
}

// The interpreter jumps with `pc += offset`, so it needs no code base.
void FunctionPreparer::make_branch_targets_relative() {
  for (uint32_t index = 0; index < code_.instructions.size(); ++index) {
    Instruction& instruction = code_.instructions[index];
    switch (instruction.opcode) {
      case opcode::br:
      case opcode::br_if:
      case opcode::br_move:
      case opcode::br_if_move:
      case opcode::br_unless:
      case opcode::br_table_entry:
        instruction.a = static_cast<uint32_t>(static_cast<int32_t>(instruction.a) - static_cast<int32_t>(index));
        break;
      default:
        break;
    }
  }
}

void FunctionPreparer::apply_simple_effect(uint16_t code) {
  const OpcodeInfo& info = opcode_info(code);
  assert(info.is_simple);
  pop_slots(info.operand_count);
  push_slots(info.result_count);
}

void FunctionPreparer::handle_instruction(uint16_t code, const Immediates& immediates) {
  switch (code) {
    case opcode::unreachable:
      emit(code);
      labels_.back().unreachable = true;
      return;
    case opcode::nop:
      return;
    case opcode::block:
    case opcode::loop:
    case opcode::if_:
      return handle_block(code, immediates);
    case opcode::else_:
      return handle_else();
    case opcode::end:
      return handle_end();
    case opcode::br:
      emit_branch(opcode::br, opcode::br_move, immediates.index);
      labels_.back().unreachable = true;
      return;
    case opcode::br_if:
      pop_slots(1);
      emit_branch(opcode::br_if, opcode::br_if_move, immediates.index);
      start_gas_block();
      return;
    case opcode::br_table:
      emit_branch_table(immediates);
      labels_.back().unreachable = true;
      return;
    case opcode::return_:
      charge_slots(type_.results.size());
      emit(opcode::return_, static_cast<uint32_t>(type_.results.size()));
      labels_.back().unreachable = true;
      return;
    case opcode::call:
    case opcode::call_indirect:
      return handle_call(code, immediates);
    case opcode::drop:
      pop_slots(1);
      emit(code);
      return;
    case opcode::select:
    case opcode::select_typed:
      pop_slots(2);
      emit(opcode::select);
      return;
    case opcode::local_get:
      push_slots(1);
      emit(code, immediates.index);
      return;
    case opcode::local_set:
      pop_slots(1);
      if (!try_fuse_local_set(immediates.index)) emit(code, immediates.index);
      return;
    case opcode::local_tee:
      if (!code_.instructions.empty() && code_.instructions.back().opcode == opcode::local_get) {
        Instruction& last = code_.instructions.back();
        last = Instruction{opcode::local_copy_push, 0, last.a, immediates.index};
        return;
      }
      emit(code, immediates.index);
      return;
    case opcode::global_get:
      push_slots(1);
      emit(code, immediates.index);
      return;
    case opcode::global_set:
      pop_slots(1);
      emit(code, immediates.index);
      return;
    case opcode::i32_const:
    case opcode::i64_const:
    case opcode::f32_const:
    case opcode::f64_const:
    case opcode::ref_null:
      push_slots(1);
      emit(opcode::constant, 0, immediates.value);
      return;
    case opcode::ref_is_null:
      emit(code);
      return;
    case opcode::ref_func:
      push_slots(1);
      emit(code, immediates.index);
      return;
    case opcode::data_drop:
    case opcode::elem_drop:
      emit(code, immediates.index);
      return;
    case opcode::memory_size:
    case opcode::memory_grow:
    case opcode::memory_init:
    case opcode::memory_copy:
    case opcode::memory_fill:
    case opcode::table_get:
    case opcode::table_set:
    case opcode::table_init:
    case opcode::table_copy:
    case opcode::table_grow:
    case opcode::table_size:
    case opcode::table_fill:
      return handle_memory_or_table(code, immediates);
  }
  apply_simple_effect(code);
  if (try_fuse(code, immediates.index)) return;
  emit(code, immediates.index);
}

// Folds the local.get and constant instructions just emitted into a fused
// form of `code`. Safe because branch targets and return addresses never
// point into such a run: they point at charge_gas heads or past calls.
bool FunctionPreparer::try_fuse(uint16_t code, uint32_t offset) {
  std::vector<Instruction>& instructions = code_.instructions;
  const size_t size = instructions.size();
  if (size == 0) return false;
  Instruction& last = instructions[size - 1];
  if (const int load = fusable_load_index(code); load >= 0) {
    if (last.opcode == opcode::local_get) {
      last = Instruction{static_cast<uint16_t>(opcode::fused_load_base + load), 0, offset, last.a};
      return true;
    }
    const uint16_t add_local_constant = static_cast<uint16_t>(
        opcode::fused_binary_base + opcode::fused_forms * opcode::fusable_i32_add + opcode::form_local_constant);
    if (last.opcode == add_local_constant) {
      last = Instruction{static_cast<uint16_t>(opcode::fused_load_plus_base + load), 0, offset,
                         static_cast<uint64_t>(last.a) | (static_cast<uint64_t>(static_cast<uint32_t>(last.b)) << 32)};
      return true;
    }
    return false;
  }
  const int binary = fusable_binary_index(code);
  if (binary < 0) return false;
  const uint16_t base = static_cast<uint16_t>(opcode::fused_binary_base + opcode::fused_forms * binary);
  if (size >= 2 && instructions[size - 2].opcode == opcode::local_get &&
      (last.opcode == opcode::constant || last.opcode == opcode::local_get)) {
    Instruction& first = instructions[size - 2];
    const bool is_constant = last.opcode == opcode::constant;
    first = Instruction{
        static_cast<uint16_t>(base + (is_constant ? opcode::form_local_constant : opcode::form_local_local)), 0,
        first.a, is_constant ? last.b : last.a};
    instructions.pop_back();
    return true;
  }
  if (last.opcode == opcode::constant) {
    last = Instruction{static_cast<uint16_t>(base + opcode::form_constant), 0, 0, last.b};
    return true;
  }
  if (last.opcode == opcode::local_get) {
    last = Instruction{static_cast<uint16_t>(base + opcode::form_stack_local), 0, last.a, 0};
    return true;
  }
  return false;
}

}  // namespace

Status prepare_module(Module& module, const GasSchedule& schedule) {
  const GasByOpcode gas = gas_by_opcode(schedule);
  const uint32_t function_count = static_cast<uint32_t>(module.function_type_indices.size());
  for (uint32_t index = module.imported_function_count; index < function_count; ++index) {
    FunctionPreparer preparer(module, schedule, gas, index);
    GOVCHAIN_TRY(preparer.prepare(module.bodies[index - module.imported_function_count].prepared));
  }
  return Status();
}

}  // namespace govchain::runtime
