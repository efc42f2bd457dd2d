#include "runtime/interpret.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "runtime/errors.h"
#include "runtime/numeric.h"
#include "runtime/opcodes.h"

static_assert(std::endian::native == std::endian::little, "memory accesses assume a little-endian host");

namespace govchain::runtime {

using numeric::canonical_f32;
using numeric::canonical_f64;
using numeric::f32_of;
using numeric::f64_of;
using numeric::slot_of;

namespace {

constexpr size_t host_arguments_inline_max = 16;

uint64_t copy_gas(uint64_t count_bytes, const GasSchedule& schedule) {
  return (count_bytes + 7) / 8 * schedule.gas_per_8_bytes_copied;
}

uint64_t table_gas(uint64_t element_count, const GasSchedule& schedule) {
  return (element_count + 7) / 8 * schedule.gas_per_8_table_elements;
}

// The interpreter keeps in a register only the gas above the Store's poll
// floor (zero unless an interrupt check is set), so a charge that reaches
// the floor takes this path: the Store charges it, which runs the check
// or reports out of gas, and the register is reloaded. Returns false with
// `status` set when the run must stop.
// Returns the new gas above the floor; `gas` is passed by value so that
// the interpreter's copy can stay in a register.
[[gnu::noinline]] uint64_t charge_slow(Store& store, uint64_t amount, uint64_t gas, Status& status) {
  store.gas_remaining_ = gas + store.poll_floor_;
  status = store.charge_gas(amount);
  return store.gas_remaining_ - store.poll_floor_;
}

Status host_failure(const HostFunction& host, const Status& status) {
  if (status.code() == Code::out_of_gas || status.code() == Code::resource_exhausted) return status;
  if (status.message().starts_with("trap: ")) return Status(Code::trap, status.message());
  return trap_error("host function " + host.debug_name + ": " + status.message());
}

// " in function <index> at instruction <n>", found by searching the
// instance's functions; only on the trap path.
std::string locate(const Instance* instance, const Instruction* pc) {
  if (instance == nullptr || pc == nullptr) return "";
  for (size_t index = 0; index < instance->functions.size(); ++index) {
    const FunctionObject* function = instance->functions[index];
    if (function->code == nullptr || function->instance != instance) continue;
    const std::vector<Instruction>& instructions = function->code->instructions;
    if (pc >= instructions.data() && pc < instructions.data() + instructions.size())
      return " in function " + std::to_string(index) + " at instruction " + std::to_string(pc - instructions.data());
  }
  return "";
}

}  // namespace

Status call_host(Store& store, Instance* caller, const FunctionObject& function, const uint64_t* arguments,
                 uint64_t* results) {
  const HostFunction& host = *function.host;
  const GasSchedule default_schedule;
  const GasSchedule& schedule = caller ? caller->module().gas_schedule : default_schedule;
  GOVCHAIN_TRY(store.charge_gas(schedule.host_call + host.gas_cost));
  const size_t param_count = host.type.params.size();
  const size_t result_count = host.type.results.size();
  std::array<Value, host_arguments_inline_max> inline_arguments, inline_results;
  std::vector<Value> heap_arguments, heap_results;
  std::span<Value> argument_values(inline_arguments.data(), param_count);
  std::span<Value> result_values(inline_results.data(), result_count);
  if (param_count > host_arguments_inline_max) {
    heap_arguments.resize(param_count);
    argument_values = heap_arguments;
  }
  if (result_count > host_arguments_inline_max) {
    heap_results.resize(result_count);
    result_values = heap_results;
  }
  for (size_t index = 0; index < param_count; ++index)
    argument_values[index] = Value{host.type.params[index], arguments[index]};
  for (size_t index = 0; index < result_count; ++index) result_values[index] = Value{host.type.results[index], 0};
  HostContext context(store, caller);
  const Status status = host.callback(context, argument_values, result_values);
  if (!status.ok()) return host_failure(host, status);
  for (size_t index = 0; index < result_count; ++index) {
    if (result_values[index].type != host.type.results[index])
      return trap_error("host function " + host.debug_name + " returned a value of the wrong type");
    results[index] = result_values[index].bits;
  }
  return Status();
}

Status execute(Store& store, const FunctionObject& entry, std::span<const uint64_t> arguments,
               std::span<uint64_t> results) {
  void* dispatch_table[opcode::count];
  for (auto& target : dispatch_table) target = &&op_invalid;
#define GOVCHAIN_DISPATCH_ENTRY(code, name, signature, gas) dispatch_table[code] = &&op_##name;
  GOVCHAIN_WASM_OPCODES(GOVCHAIN_DISPATCH_ENTRY)
#undef GOVCHAIN_DISPATCH_ENTRY
#define GOVCHAIN_FUSED_SLOT(name, form) \
  dispatch_table[opcode::fused_binary_base + opcode::fused_forms * opcode::fusable_##name + opcode::form]
#define GOVCHAIN_DISPATCH_FUSED(name)                                                              \
  GOVCHAIN_FUSED_SLOT(name, form_local_local) = &&op_##name##_local_local;                         \
  GOVCHAIN_FUSED_SLOT(name, form_local_constant) = &&op_##name##_local_constant;                   \
  GOVCHAIN_FUSED_SLOT(name, form_constant) = &&op_##name##_constant;                               \
  GOVCHAIN_FUSED_SLOT(name, form_stack_local) = &&op_##name##_stack_local;                         \
  GOVCHAIN_FUSED_SLOT(name, form_local_local_to_local) = &&op_##name##_local_local_to_local;       \
  GOVCHAIN_FUSED_SLOT(name, form_local_constant_to_local) = &&op_##name##_local_constant_to_local; \
  GOVCHAIN_FUSED_SLOT(name, form_constant_to_local) = &&op_##name##_constant_to_local;             \
  GOVCHAIN_FUSED_SLOT(name, form_stack_local_to_local) = &&op_##name##_stack_local_to_local;       \
  GOVCHAIN_FUSED_SLOT(name, form_stack_stack_to_local) = &&op_##name##_stack_stack_to_local;
  GOVCHAIN_FUSABLE_BINARY(GOVCHAIN_DISPATCH_FUSED)
#undef GOVCHAIN_DISPATCH_FUSED
#undef GOVCHAIN_FUSED_SLOT
#define GOVCHAIN_DISPATCH_FUSED_LOAD(name)                                                     \
  dispatch_table[opcode::fused_load_base + opcode::fusable_load_##name] = &&op_##name##_local; \
  dispatch_table[opcode::fused_load_plus_base + opcode::fusable_load_##name] = &&op_##name##_local_plus;
  GOVCHAIN_FUSABLE_LOAD(GOVCHAIN_DISPATCH_FUSED_LOAD)
#undef GOVCHAIN_DISPATCH_FUSED_LOAD
  dispatch_table[opcode::local_copy] = &&op_local_copy;
  dispatch_table[opcode::local_set_constant] = &&op_local_set_constant;
  dispatch_table[opcode::local_copy_push] = &&op_local_copy_push;

  const Limits& limits = store.limits();
  const bool consensus = store.consensus_mode();
  const size_t base_depth = store.frame_depth;
  const size_t base_stack_used = store.value_stack_used;
  Store::Frame* const frames = store.frames.data();
  size_t depth = base_depth;
  uint64_t* const stack_begin = store.value_stack.get();
  uint64_t* const stack_end = stack_begin + store.value_stack_slots;
  // The gas above the Store's poll floor; the floor itself stays in the Store.
  uint64_t gas = store.gas_remaining_ - store.poll_floor_;
  Status status;
  Instance* instance = nullptr;
  const Instruction* pc = nullptr;
  uint64_t* fp = stack_begin + base_stack_used;
  uint64_t* sp = fp;
  uint8_t* memory_base = nullptr;
  uint64_t memory_size = 0;
  const FunctionObject* callee = &entry;
  uint64_t* const entry_frame = fp;

  if (fp + arguments.size() > stack_end) return exhaustion_error("value stack exhausted");
  std::copy(arguments.begin(), arguments.end(), sp);
  sp += arguments.size();

#define DISPATCH() goto* dispatch_table[pc->opcode]
#define NEXT()  \
  do {          \
    ++pc;       \
    DISPATCH(); \
  } while (0)
#define TRAP(message)                                                 \
  do {                                                                \
    status = trap_error(std::string(message) + locate(instance, pc)); \
    goto finish;                                                      \
  } while (0)
#define RELOAD_MEMORY()                             \
  do {                                              \
    if (instance->memory != nullptr) {              \
      memory_base = instance->memory->bytes.data(); \
      memory_size = instance->memory->bytes.size(); \
    } else {                                        \
      memory_base = nullptr;                        \
      memory_size = 0;                              \
    }                                               \
  } while (0)
#define SYNC_STORE()                                                \
  do {                                                              \
    store.gas_remaining_ = gas + store.poll_floor_;                 \
    store.frame_depth = depth;                                      \
    store.value_stack_used = static_cast<size_t>(sp - stack_begin); \
  } while (0)
#define CHARGE(amount)                                      \
  do {                                                      \
    const uint64_t charge_amount = (amount);                \
    if (charge_amount > gas) [[unlikely]] {                 \
      gas = charge_slow(store, charge_amount, gas, status); \
      if (!status.ok()) goto finish;                        \
    } else {                                                \
      gas -= charge_amount;                                 \
    }                                                       \
  } while (0)

  if (entry.code != nullptr) CHARGE(entry.code->entry_gas);
enter:
  if (callee->host != nullptr) {
    uint64_t* call_arguments = sp - callee->type->params.size();
    SYNC_STORE();
    status = call_host(store, instance, *callee, call_arguments, call_arguments);
    gas = store.gas_remaining_ - store.poll_floor_;
    if (!status.ok()) goto finish;
    sp = call_arguments + callee->type->results.size();
    if (pc == nullptr) goto done;
    RELOAD_MEMORY();
    NEXT();
  }
  {
    const PreparedCode& code = *callee->code;
    // Depth counts every frame of the Store, so host functions that call
    // back into WebAssembly cannot reset it.
    if (depth >= limits.call_depth_max || depth >= store.frames.size()) {
      status = exhaustion_error("call stack exhausted");
      goto finish;
    }
    uint64_t* new_fp = sp - code.param_slots;
    if (new_fp + code.param_slots + code.local_slots + code.operand_slots_max > stack_end) {
      status = exhaustion_error("call stack exhausted (value stack)");
      goto finish;
    }
    // Zeroing the locals is priced per local and paid before it is done:
    // by the caller's block for direct calls (prepare.cpp), by the call
    // instruction for the others, before the first entry for the first.
    frames[depth++] = Store::Frame{pc, fp, instance};
    fp = new_fp;
    std::fill(sp, sp + code.local_slots, uint64_t{0});
    sp += code.local_slots;
    instance = callee->instance;
    RELOAD_MEMORY();
    pc = code.instructions.data();
    DISPATCH();
  }

op_invalid:
  status = Status(Code::internal, "internal: invalid prepared instruction " + std::to_string(pc->opcode));
  goto finish;

op_unreachable:
  TRAP("unreachable");
op_nop:
op_block:
op_loop:
op_end:
op_select_typed:
op_i32_const:
op_i64_const:
op_f32_const:
op_f64_const:
op_ref_null:
  NEXT();

// The hottest charge, written out so that the slow path ends in its own
// dispatch: sharing the continuation with the fast path made the compiler
// move the gas counter between stack slots on every block.
op_charge_gas:
  if (pc->b > gas) [[unlikely]]
    goto charge_gas_slowly;
  gas -= pc->b;
  NEXT();
charge_gas_slowly:
  gas = charge_slow(store, pc->b, gas, status);
  if (!status.ok()) goto finish;
  NEXT();

op_constant:
  *sp++ = pc->b;
  NEXT();

op_br:
op_else_:
  pc += static_cast<int32_t>(pc->a);
  DISPATCH();

op_br_move : {
  const uint32_t arity = static_cast<uint32_t>(pc->b);
  uint64_t* destination = fp + (pc->b >> 32);
  const uint64_t* source = sp - arity;
  for (uint32_t index = 0; index < arity; ++index) destination[index] = source[index];
  sp = destination + arity;
  pc += static_cast<int32_t>(pc->a);
  DISPATCH();
}

op_br_if:
  if (static_cast<uint32_t>(*--sp) != 0) {
    pc += static_cast<int32_t>(pc->a);
    DISPATCH();
  }
  NEXT();

op_br_if_move:
  if (static_cast<uint32_t>(*--sp) != 0) goto op_br_move;
  NEXT();

op_if_:
op_br_unless:
  if (static_cast<uint32_t>(*--sp) == 0) {
    pc += static_cast<int32_t>(pc->a);
    DISPATCH();
  }
  NEXT();

op_br_table : {
  uint32_t index = static_cast<uint32_t>(*--sp);
  if (index > pc->a) index = pc->a;
  pc += 1 + index;
  goto op_br_move;
}
op_br_table_entry:
  goto op_invalid;

op_return_ : {
  const uint32_t result_count = pc->a;
  const uint64_t* source = sp - result_count;
  for (uint32_t index = 0; index < result_count; ++index) fp[index] = source[index];
  sp = fp + result_count;
  const Store::Frame& frame = frames[--depth];
  pc = frame.return_pc;
  fp = frame.frame_pointer;
  instance = frame.instance;
  if (pc == nullptr) goto done;
  RELOAD_MEMORY();
  NEXT();
}

op_call:
  callee = instance->functions[pc->a];
  goto enter;

op_call_imported:
  callee = instance->functions[pc->a];
  if (callee->code != nullptr) CHARGE(callee->code->entry_gas);
  goto enter;

op_call_indirect : {
  const uint32_t index = static_cast<uint32_t>(*--sp);
  const TableObject& table = *instance->tables[pc->b];
  if (index >= table.elements.size()) TRAP("undefined element");
  const uint64_t reference = table.elements[index];
  if (reference == 0) TRAP("uninitialized element");
  callee = reinterpret_cast<const FunctionObject*>(reference);
  if (callee->type_id != instance->type_ids[pc->a]) TRAP("indirect call type mismatch");
  if (callee->code != nullptr) CHARGE(callee->code->entry_gas);
  goto enter;
}

op_drop:
  --sp;
  NEXT();

op_select:
  sp -= 2;
  if (static_cast<uint32_t>(sp[1]) == 0) sp[-1] = sp[0];
  NEXT();

op_local_get:
  *sp++ = fp[pc->a];
  NEXT();
op_local_set:
  fp[pc->a] = *--sp;
  NEXT();
op_local_copy:
  fp[pc->b] = fp[pc->a];
  NEXT();
op_local_set_constant:
  fp[pc->a] = pc->b;
  NEXT();
op_local_copy_push:
  fp[pc->b] = fp[pc->a];
  *sp++ = fp[pc->a];
  NEXT();
op_local_tee:
  fp[pc->a] = sp[-1];
  NEXT();
op_global_get:
  *sp++ = instance->globals[pc->a]->bits;
  NEXT();
op_global_set:
  instance->globals[pc->a]->bits = *--sp;
  NEXT();

op_table_get : {
  const TableObject& table = *instance->tables[pc->a];
  const uint32_t index = static_cast<uint32_t>(sp[-1]);
  if (index >= table.elements.size()) TRAP("out of bounds table access");
  sp[-1] = table.elements[index];
  NEXT();
}
op_table_set : {
  TableObject& table = *instance->tables[pc->a];
  const uint32_t index = static_cast<uint32_t>(sp[-2]);
  if (index >= table.elements.size()) TRAP("out of bounds table access");
  table.elements[index] = sp[-1];
  sp -= 2;
  NEXT();
}
op_table_size:
  *sp++ = instance->tables[pc->a]->elements.size();
  NEXT();
op_table_grow : {
  TableObject& table = *instance->tables[pc->a];
  const uint64_t delta = static_cast<uint32_t>(sp[-1]);
  const uint64_t initial = sp[-2];
  const uint64_t old_size = table.elements.size();
  --sp;
  if (old_size + delta > table.size_max) {
    sp[-1] = static_cast<uint32_t>(-1);
    NEXT();
  }
  CHARGE(table_gas(delta, instance->module().gas_schedule));
  table.elements.resize(old_size + delta, initial);
  sp[-1] = old_size;
  NEXT();
}
op_table_fill : {
  TableObject& table = *instance->tables[pc->a];
  const uint64_t count = static_cast<uint32_t>(sp[-1]);
  const uint64_t value = sp[-2];
  const uint64_t start = static_cast<uint32_t>(sp[-3]);
  sp -= 3;
  if (start + count > table.elements.size()) TRAP("out of bounds table access");
  CHARGE(table_gas(count, instance->module().gas_schedule));
  std::fill_n(table.elements.begin() + static_cast<ptrdiff_t>(start), count, value);
  NEXT();
}
op_table_copy : {
  TableObject& destination_table = *instance->tables[pc->a];
  const TableObject& source_table = *instance->tables[pc->b];
  const uint64_t count = static_cast<uint32_t>(sp[-1]);
  const uint64_t source = static_cast<uint32_t>(sp[-2]);
  const uint64_t destination = static_cast<uint32_t>(sp[-3]);
  sp -= 3;
  if (source + count > source_table.elements.size() || destination + count > destination_table.elements.size())
    TRAP("out of bounds table access");
  CHARGE(table_gas(count, instance->module().gas_schedule));
  std::memmove(destination_table.elements.data() + destination, source_table.elements.data() + source,
               count * sizeof(uint64_t));
  NEXT();
}
op_table_init : {
  TableObject& table = *instance->tables[pc->b];
  const std::vector<uint64_t>& segment = instance->element_segments[pc->a];
  const uint64_t count = static_cast<uint32_t>(sp[-1]);
  const uint64_t source = static_cast<uint32_t>(sp[-2]);
  const uint64_t destination = static_cast<uint32_t>(sp[-3]);
  sp -= 3;
  if (source + count > segment.size() || destination + count > table.elements.size())
    TRAP("out of bounds table access");
  CHARGE(table_gas(count, instance->module().gas_schedule));
  std::copy_n(segment.begin() + static_cast<ptrdiff_t>(source), count,
              table.elements.begin() + static_cast<ptrdiff_t>(destination));
  NEXT();
}
op_elem_drop:
  instance->element_segments[pc->a] = {};
  NEXT();

op_memory_size:
  *sp++ = instance->memory->pages;
  NEXT();
op_memory_grow : {
  MemoryObject& memory = *instance->memory;
  const uint64_t delta = static_cast<uint32_t>(sp[-1]);
  const uint64_t old_pages = memory.pages;
  if (old_pages + delta > memory.pages_max) {
    sp[-1] = static_cast<uint32_t>(-1);
    NEXT();
  }
  CHARGE(delta * instance->module().gas_schedule.memory_page_allocated);
  memory.bytes.resize((old_pages + delta) * page_size_bytes);
  memory.pages = static_cast<uint32_t>(old_pages + delta);
  sp[-1] = old_pages;
  RELOAD_MEMORY();
  NEXT();
}
op_memory_fill : {
  const uint64_t count = static_cast<uint32_t>(sp[-1]);
  const uint8_t value = static_cast<uint8_t>(sp[-2]);
  const uint64_t destination = static_cast<uint32_t>(sp[-3]);
  sp -= 3;
  if (destination + count > memory_size) TRAP("out of bounds memory access");
  CHARGE(copy_gas(count, instance->module().gas_schedule));
  std::memset(memory_base + destination, value, count);
  NEXT();
}
op_memory_copy : {
  const uint64_t count = static_cast<uint32_t>(sp[-1]);
  const uint64_t source = static_cast<uint32_t>(sp[-2]);
  const uint64_t destination = static_cast<uint32_t>(sp[-3]);
  sp -= 3;
  if (source + count > memory_size || destination + count > memory_size) TRAP("out of bounds memory access");
  CHARGE(copy_gas(count, instance->module().gas_schedule));
  std::memmove(memory_base + destination, memory_base + source, count);
  NEXT();
}
op_memory_init : {
  const ByteView segment = instance->data_segments[pc->a];
  const uint64_t count = static_cast<uint32_t>(sp[-1]);
  const uint64_t source = static_cast<uint32_t>(sp[-2]);
  const uint64_t destination = static_cast<uint32_t>(sp[-3]);
  sp -= 3;
  if (source + count > segment.size() || destination + count > memory_size) TRAP("out of bounds memory access");
  CHARGE(copy_gas(count, instance->module().gas_schedule));
  if (count > 0) std::memcpy(memory_base + destination, segment.data() + source, count);
  NEXT();
}
op_data_drop:
  instance->data_segments[pc->a] = {};
  NEXT();

op_ref_is_null:
  sp[-1] = sp[-1] == 0 ? 1 : 0;
  NEXT();
op_ref_func:
  *sp++ = reinterpret_cast<uint64_t>(instance->functions[pc->a]);
  NEXT();

#define LOAD(name, Stored, Result)                                                                    \
  op_##name : {                                                                                       \
    const uint64_t address = static_cast<uint64_t>(static_cast<uint32_t>(sp[-1])) + pc->a;            \
    if (address + sizeof(Stored) > memory_size) TRAP("out of bounds memory access");                  \
    Stored value;                                                                                     \
    std::memcpy(&value, memory_base + address, sizeof(Stored));                                       \
    sp[-1] = static_cast<uint64_t>(static_cast<Result>(value));                                       \
    NEXT();                                                                                           \
  }                                                                                                   \
  op_##name##_local : {                                                                               \
    const uint64_t address = static_cast<uint64_t>(static_cast<uint32_t>(fp[pc->b])) + pc->a;         \
    if (address + sizeof(Stored) > memory_size) TRAP("out of bounds memory access");                  \
    Stored value;                                                                                     \
    std::memcpy(&value, memory_base + address, sizeof(Stored));                                       \
    *sp++ = static_cast<uint64_t>(static_cast<Result>(value));                                        \
    NEXT();                                                                                           \
  }                                                                                                   \
  op_##name##_local_plus : {                                                                          \
    const uint32_t base =                                                                             \
        static_cast<uint32_t>(fp[static_cast<uint32_t>(pc->b)]) + static_cast<uint32_t>(pc->b >> 32); \
    const uint64_t address = static_cast<uint64_t>(base) + pc->a;                                     \
    if (address + sizeof(Stored) > memory_size) TRAP("out of bounds memory access");                  \
    Stored value;                                                                                     \
    std::memcpy(&value, memory_base + address, sizeof(Stored));                                       \
    *sp++ = static_cast<uint64_t>(static_cast<Result>(value));                                        \
    NEXT();                                                                                           \
  }
  LOAD(i32_load, uint32_t, uint32_t)
  LOAD(i64_load, uint64_t, uint64_t)
  LOAD(f32_load, uint32_t, uint32_t)
  LOAD(f64_load, uint64_t, uint64_t)
  LOAD(i32_load8_s, int8_t, uint32_t)
  LOAD(i32_load8_u, uint8_t, uint32_t)
  LOAD(i32_load16_s, int16_t, uint32_t)
  LOAD(i32_load16_u, uint16_t, uint32_t)
  LOAD(i64_load8_s, int8_t, int64_t)
  LOAD(i64_load8_u, uint8_t, uint64_t)
  LOAD(i64_load16_s, int16_t, int64_t)
  LOAD(i64_load16_u, uint16_t, uint64_t)
  LOAD(i64_load32_s, int32_t, int64_t)
  LOAD(i64_load32_u, uint32_t, uint64_t)
#undef LOAD

#define STORE(name, Stored)                                                                \
  op_##name : {                                                                            \
    const uint64_t address = static_cast<uint64_t>(static_cast<uint32_t>(sp[-2])) + pc->a; \
    if (address + sizeof(Stored) > memory_size) TRAP("out of bounds memory access");       \
    const Stored value = static_cast<Stored>(sp[-1]);                                      \
    std::memcpy(memory_base + address, &value, sizeof(Stored));                            \
    sp -= 2;                                                                               \
    NEXT();                                                                                \
  }
  STORE(i32_store, uint32_t)
  STORE(i64_store, uint64_t)
  STORE(f32_store, uint32_t)
  STORE(f64_store, uint64_t)
  STORE(i32_store8, uint8_t)
  STORE(i32_store16, uint16_t)
  STORE(i64_store8, uint8_t)
  STORE(i64_store16, uint16_t)
  STORE(i64_store32, uint32_t)
#undef STORE

#define UNARY(name, Type, expression)               \
  op_##name : {                                     \
    const Type operand = static_cast<Type>(sp[-1]); \
    sp[-1] = static_cast<uint64_t>(expression);     \
    NEXT();                                         \
  }
#define BINARY(name, Type, expression)            \
  op_##name : {                                   \
    const Type right = static_cast<Type>(sp[-1]); \
    const Type left = static_cast<Type>(sp[-2]);  \
    --sp;                                         \
    sp[-1] = static_cast<uint64_t>(expression);   \
    NEXT();                                       \
  }
// Each fusable binary instruction, and its fused forms (see opcodes.h).
#define FUSABLE(name, Type, expression)                   \
  BINARY(name, Type, expression)                          \
  op_##name##_local_local : {                             \
    const Type left = static_cast<Type>(fp[pc->a]);       \
    const Type right = static_cast<Type>(fp[pc->b]);      \
    *sp++ = static_cast<uint64_t>(expression);            \
    NEXT();                                               \
  }                                                       \
  op_##name##_local_constant : {                          \
    const Type left = static_cast<Type>(fp[pc->a]);       \
    const Type right = static_cast<Type>(pc->b);          \
    *sp++ = static_cast<uint64_t>(expression);            \
    NEXT();                                               \
  }                                                       \
  op_##name##_constant : {                                \
    const Type left = static_cast<Type>(sp[-1]);          \
    const Type right = static_cast<Type>(pc->b);          \
    sp[-1] = static_cast<uint64_t>(expression);           \
    NEXT();                                               \
  }                                                       \
  op_##name##_stack_local : {                             \
    const Type left = static_cast<Type>(sp[-1]);          \
    const Type right = static_cast<Type>(fp[pc->a]);      \
    sp[-1] = static_cast<uint64_t>(expression);           \
    NEXT();                                               \
  }                                                       \
  op_##name##_local_local_to_local : {                    \
    const Type left = static_cast<Type>(fp[pc->a]);       \
    const Type right = static_cast<Type>(fp[pc->b]);      \
    fp[pc->reserved] = static_cast<uint64_t>(expression); \
    NEXT();                                               \
  }                                                       \
  op_##name##_local_constant_to_local : {                 \
    const Type left = static_cast<Type>(fp[pc->a]);       \
    const Type right = static_cast<Type>(pc->b);          \
    fp[pc->reserved] = static_cast<uint64_t>(expression); \
    NEXT();                                               \
  }                                                       \
  op_##name##_constant_to_local : {                       \
    const Type left = static_cast<Type>(sp[-1]);          \
    const Type right = static_cast<Type>(pc->b);          \
    --sp;                                                 \
    fp[pc->reserved] = static_cast<uint64_t>(expression); \
    NEXT();                                               \
  }                                                       \
  op_##name##_stack_local_to_local : {                    \
    const Type left = static_cast<Type>(sp[-1]);          \
    const Type right = static_cast<Type>(fp[pc->a]);      \
    --sp;                                                 \
    fp[pc->reserved] = static_cast<uint64_t>(expression); \
    NEXT();                                               \
  }                                                       \
  op_##name##_stack_stack_to_local : {                    \
    const Type left = static_cast<Type>(sp[-2]);          \
    const Type right = static_cast<Type>(sp[-1]);         \
    sp -= 2;                                              \
    fp[pc->reserved] = static_cast<uint64_t>(expression); \
    NEXT();                                               \
  }
  UNARY(i32_eqz, uint32_t, operand == 0)
  FUSABLE(i32_eq, uint32_t, left == right)
  FUSABLE(i32_ne, uint32_t, left != right)
  FUSABLE(i32_lt_s, int32_t, left < right)
  FUSABLE(i32_lt_u, uint32_t, left < right)
  FUSABLE(i32_gt_s, int32_t, left > right)
  FUSABLE(i32_gt_u, uint32_t, left > right)
  FUSABLE(i32_le_s, int32_t, left <= right)
  FUSABLE(i32_le_u, uint32_t, left <= right)
  FUSABLE(i32_ge_s, int32_t, left >= right)
  FUSABLE(i32_ge_u, uint32_t, left >= right)
  UNARY(i64_eqz, uint64_t, operand == 0)
  FUSABLE(i64_eq, uint64_t, left == right)
  FUSABLE(i64_ne, uint64_t, left != right)
  FUSABLE(i64_lt_s, int64_t, left < right)
  FUSABLE(i64_lt_u, uint64_t, left < right)
  FUSABLE(i64_gt_s, int64_t, left > right)
  FUSABLE(i64_gt_u, uint64_t, left > right)
  FUSABLE(i64_le_s, int64_t, left <= right)
  FUSABLE(i64_le_u, uint64_t, left <= right)
  FUSABLE(i64_ge_s, int64_t, left >= right)
  FUSABLE(i64_ge_u, uint64_t, left >= right)

  UNARY(i32_clz, uint32_t, static_cast<uint32_t>(std::countl_zero(operand)))
  UNARY(i32_ctz, uint32_t, static_cast<uint32_t>(std::countr_zero(operand)))
  UNARY(i32_popcnt, uint32_t, static_cast<uint32_t>(std::popcount(operand)))
  FUSABLE(i32_add, uint32_t, static_cast<uint32_t>(left + right))
  FUSABLE(i32_sub, uint32_t, static_cast<uint32_t>(left - right))
  FUSABLE(i32_mul, uint32_t, static_cast<uint32_t>(left * right))
  FUSABLE(i32_and_, uint32_t, left & right)
  FUSABLE(i32_or_, uint32_t, left | right)
  FUSABLE(i32_xor_, uint32_t, left ^ right)
  FUSABLE(i32_shl, uint32_t, static_cast<uint32_t>(left << (right & 31)))
  FUSABLE(i32_shr_s, uint32_t, static_cast<uint32_t>(static_cast<int32_t>(left) >> (right & 31)))
  FUSABLE(i32_shr_u, uint32_t, left >> (right & 31))
  FUSABLE(i32_rotl, uint32_t, std::rotl(left, static_cast<int>(right & 31)))
  FUSABLE(i32_rotr, uint32_t, std::rotr(left, static_cast<int>(right & 31)))
  UNARY(i64_clz, uint64_t, static_cast<uint64_t>(std::countl_zero(operand)))
  UNARY(i64_ctz, uint64_t, static_cast<uint64_t>(std::countr_zero(operand)))
  UNARY(i64_popcnt, uint64_t, static_cast<uint64_t>(std::popcount(operand)))
  FUSABLE(i64_add, uint64_t, left + right)
  FUSABLE(i64_sub, uint64_t, left - right)
  FUSABLE(i64_mul, uint64_t, left * right)
  FUSABLE(i64_and_, uint64_t, left & right)
  FUSABLE(i64_or_, uint64_t, left | right)
  FUSABLE(i64_xor_, uint64_t, left ^ right)
  FUSABLE(i64_shl, uint64_t, left << (right & 63))
  FUSABLE(i64_shr_s, uint64_t, static_cast<uint64_t>(static_cast<int64_t>(left) >> (right & 63)))
  FUSABLE(i64_shr_u, uint64_t, left >> (right & 63))
  FUSABLE(i64_rotl, uint64_t, std::rotl(left, static_cast<int>(right & 63)))
  FUSABLE(i64_rotr, uint64_t, std::rotr(left, static_cast<int>(right & 63)))

#define DIVISION(name, Type, Unsigned, is_signed, is_remainder)                                              \
  op_##name : {                                                                                              \
    const Type right = static_cast<Type>(static_cast<Unsigned>(sp[-1]));                                     \
    const Type left = static_cast<Type>(static_cast<Unsigned>(sp[-2]));                                      \
    if (right == 0) TRAP("integer divide by zero");                                                          \
    Type result;                                                                                             \
    if (is_signed && right == static_cast<Type>(-1)) {                                                       \
      if (!is_remainder && left == std::numeric_limits<Type>::min()) TRAP("integer overflow");               \
      result = is_remainder ? 0 : static_cast<Type>(static_cast<Unsigned>(0) - static_cast<Unsigned>(left)); \
    } else {                                                                                                 \
      result = is_remainder ? left % right : left / right;                                                   \
    }                                                                                                        \
    --sp;                                                                                                    \
    sp[-1] = static_cast<uint64_t>(static_cast<Unsigned>(result));                                           \
    NEXT();                                                                                                  \
  }
  DIVISION(i32_div_s, int32_t, uint32_t, true, false)
  DIVISION(i32_div_u, uint32_t, uint32_t, false, false)
  DIVISION(i32_rem_s, int32_t, uint32_t, true, true)
  DIVISION(i32_rem_u, uint32_t, uint32_t, false, true)
  DIVISION(i64_div_s, int64_t, uint64_t, true, false)
  DIVISION(i64_div_u, uint64_t, uint64_t, false, false)
  DIVISION(i64_rem_s, int64_t, uint64_t, true, true)
  DIVISION(i64_rem_u, uint64_t, uint64_t, false, true)
#undef DIVISION

#define F32_RESULT(expression) canonical_f32(consensus, expression)
#define F64_RESULT(expression) canonical_f64(consensus, expression)
#define FLOAT_UNARY(name, Float, of, expression) \
  op_##name : {                                  \
    const Float operand = of(sp[-1]);            \
    sp[-1] = expression;                         \
    NEXT();                                      \
  }
#define FLOAT_BINARY(name, Float, of, expression) \
  op_##name : {                                   \
    const Float right = of(sp[-1]);               \
    const Float left = of(sp[-2]);                \
    --sp;                                         \
    sp[-1] = expression;                          \
    NEXT();                                       \
  }
  FLOAT_BINARY(f32_eq, float, f32_of, left == right)
  FLOAT_BINARY(f32_ne, float, f32_of, left != right)
  FLOAT_BINARY(f32_lt, float, f32_of, left < right)
  FLOAT_BINARY(f32_gt, float, f32_of, left > right)
  FLOAT_BINARY(f32_le, float, f32_of, left <= right)
  FLOAT_BINARY(f32_ge, float, f32_of, left >= right)
  FLOAT_BINARY(f64_eq, double, f64_of, left == right)
  FLOAT_BINARY(f64_ne, double, f64_of, left != right)
  FLOAT_BINARY(f64_lt, double, f64_of, left < right)
  FLOAT_BINARY(f64_gt, double, f64_of, left > right)
  FLOAT_BINARY(f64_le, double, f64_of, left <= right)
  FLOAT_BINARY(f64_ge, double, f64_of, left >= right)

op_f32_abs:
  sp[-1] = static_cast<uint32_t>(sp[-1]) & 0x7FFFFFFFu;
  NEXT();
op_f32_neg:
  sp[-1] = static_cast<uint32_t>(sp[-1]) ^ 0x80000000u;
  NEXT();
op_f32_copysign:
  --sp;
  sp[-1] = (static_cast<uint32_t>(sp[-1]) & 0x7FFFFFFFu) | (static_cast<uint32_t>(sp[0]) & 0x80000000u);
  NEXT();
op_f64_abs:
  sp[-1] &= 0x7FFFFFFFFFFFFFFFull;
  NEXT();
op_f64_neg:
  sp[-1] ^= 0x8000000000000000ull;
  NEXT();
op_f64_copysign:
  --sp;
  sp[-1] = (sp[-1] & 0x7FFFFFFFFFFFFFFFull) | (sp[0] & 0x8000000000000000ull);
  NEXT();

  FLOAT_UNARY(f32_ceil, float, f32_of, F32_RESULT(std::ceil(operand)))
  FLOAT_UNARY(f32_floor, float, f32_of, F32_RESULT(std::floor(operand)))
  FLOAT_UNARY(f32_trunc, float, f32_of, F32_RESULT(std::trunc(operand)))
  FLOAT_UNARY(f32_nearest, float, f32_of, F32_RESULT(numeric::wasm_nearest(operand)))
  FLOAT_UNARY(f32_sqrt, float, f32_of, F32_RESULT(std::sqrt(operand)))
  FLOAT_BINARY(f32_add, float, f32_of, F32_RESULT(left + right))
  FLOAT_BINARY(f32_sub, float, f32_of, F32_RESULT(left - right))
  FLOAT_BINARY(f32_mul, float, f32_of, F32_RESULT(left * right))
  FLOAT_BINARY(f32_div, float, f32_of, F32_RESULT(left / right))
  FLOAT_BINARY(f32_min, float, f32_of, F32_RESULT(numeric::wasm_min(left, right)))
  FLOAT_BINARY(f32_max, float, f32_of, F32_RESULT(numeric::wasm_max(left, right)))
  FLOAT_UNARY(f64_ceil, double, f64_of, F64_RESULT(std::ceil(operand)))
  FLOAT_UNARY(f64_floor, double, f64_of, F64_RESULT(std::floor(operand)))
  FLOAT_UNARY(f64_trunc, double, f64_of, F64_RESULT(std::trunc(operand)))
  FLOAT_UNARY(f64_nearest, double, f64_of, F64_RESULT(numeric::wasm_nearest(operand)))
  FLOAT_UNARY(f64_sqrt, double, f64_of, F64_RESULT(std::sqrt(operand)))
  FLOAT_BINARY(f64_add, double, f64_of, F64_RESULT(left + right))
  FLOAT_BINARY(f64_sub, double, f64_of, F64_RESULT(left - right))
  FLOAT_BINARY(f64_mul, double, f64_of, F64_RESULT(left * right))
  FLOAT_BINARY(f64_div, double, f64_of, F64_RESULT(left / right))
  FLOAT_BINARY(f64_min, double, f64_of, F64_RESULT(numeric::wasm_min(left, right)))
  FLOAT_BINARY(f64_max, double, f64_of, F64_RESULT(numeric::wasm_max(left, right)))

#define TRUNCATE(name, Integer, Unsigned, Float, of)               \
  op_##name : {                                                    \
    Integer result;                                                \
    switch (numeric::truncate<Integer>(of(sp[-1]), result)) {      \
      case numeric::Conversion::nan:                               \
        TRAP("invalid conversion to integer");                     \
      case numeric::Conversion::overflow:                          \
        TRAP("integer overflow");                                  \
      case numeric::Conversion::ok:                                \
        break;                                                     \
    }                                                              \
    sp[-1] = static_cast<uint64_t>(static_cast<Unsigned>(result)); \
    NEXT();                                                        \
  }
  TRUNCATE(i32_trunc_f32_s, int32_t, uint32_t, float, f32_of)
  TRUNCATE(i32_trunc_f32_u, uint32_t, uint32_t, float, f32_of)
  TRUNCATE(i32_trunc_f64_s, int32_t, uint32_t, double, f64_of)
  TRUNCATE(i32_trunc_f64_u, uint32_t, uint32_t, double, f64_of)
  TRUNCATE(i64_trunc_f32_s, int64_t, uint64_t, float, f32_of)
  TRUNCATE(i64_trunc_f32_u, uint64_t, uint64_t, float, f32_of)
  TRUNCATE(i64_trunc_f64_s, int64_t, uint64_t, double, f64_of)
  TRUNCATE(i64_trunc_f64_u, uint64_t, uint64_t, double, f64_of)
#undef TRUNCATE

#define SATURATE(name, Integer, Unsigned, of)                                                                      \
  op_##name : sp[-1] =                                                                                             \
                  static_cast<uint64_t>(static_cast<Unsigned>(numeric::truncate_saturating<Integer>(of(sp[-1])))); \
  NEXT();
  SATURATE(i32_trunc_sat_f32_s, int32_t, uint32_t, f32_of)
  SATURATE(i32_trunc_sat_f32_u, uint32_t, uint32_t, f32_of)
  SATURATE(i32_trunc_sat_f64_s, int32_t, uint32_t, f64_of)
  SATURATE(i32_trunc_sat_f64_u, uint32_t, uint32_t, f64_of)
  SATURATE(i64_trunc_sat_f32_s, int64_t, uint64_t, f32_of)
  SATURATE(i64_trunc_sat_f32_u, uint64_t, uint64_t, f32_of)
  SATURATE(i64_trunc_sat_f64_s, int64_t, uint64_t, f64_of)
  SATURATE(i64_trunc_sat_f64_u, uint64_t, uint64_t, f64_of)
#undef SATURATE

  UNARY(i32_wrap_i64, uint64_t, static_cast<uint32_t>(operand))
  UNARY(i64_extend_i32_s, uint64_t, static_cast<int64_t>(static_cast<int32_t>(operand)))
  UNARY(i64_extend_i32_u, uint64_t, static_cast<uint32_t>(operand))
  UNARY(i32_extend8_s, uint64_t, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(operand))))
  UNARY(i32_extend16_s, uint64_t, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(operand))))
  UNARY(i64_extend8_s, uint64_t, static_cast<int64_t>(static_cast<int8_t>(operand)))
  UNARY(i64_extend16_s, uint64_t, static_cast<int64_t>(static_cast<int16_t>(operand)))
  UNARY(i64_extend32_s, uint64_t, static_cast<int64_t>(static_cast<int32_t>(operand)))
  UNARY(f32_convert_i32_s, uint64_t, slot_of(static_cast<float>(static_cast<int32_t>(operand))))
  UNARY(f32_convert_i32_u, uint64_t, slot_of(static_cast<float>(static_cast<uint32_t>(operand))))
  UNARY(f32_convert_i64_s, uint64_t, slot_of(static_cast<float>(static_cast<int64_t>(operand))))
  UNARY(f32_convert_i64_u, uint64_t, slot_of(static_cast<float>(operand)))
  UNARY(f64_convert_i32_s, uint64_t, slot_of(static_cast<double>(static_cast<int32_t>(operand))))
  UNARY(f64_convert_i32_u, uint64_t, slot_of(static_cast<double>(static_cast<uint32_t>(operand))))
  UNARY(f64_convert_i64_s, uint64_t, slot_of(static_cast<double>(static_cast<int64_t>(operand))))
  UNARY(f64_convert_i64_u, uint64_t, slot_of(static_cast<double>(operand)))
  FLOAT_UNARY(f32_demote_f64, double, f64_of, F32_RESULT(static_cast<float>(operand)))
  FLOAT_UNARY(f64_promote_f32, float, f32_of, F64_RESULT(static_cast<double>(operand)))
  UNARY(i32_reinterpret_f32, uint64_t, static_cast<uint32_t>(operand))
  UNARY(i64_reinterpret_f64, uint64_t, operand)
  UNARY(f32_reinterpret_i32, uint64_t, static_cast<uint32_t>(operand))
  UNARY(f64_reinterpret_i64, uint64_t, operand)
#undef UNARY
#undef FUSABLE
#undef BINARY
#undef FLOAT_UNARY
#undef FLOAT_BINARY

done:
  std::copy(entry_frame, entry_frame + results.size(), results.begin());
  (void)sp;
finish:
  store.gas_remaining_ = gas + store.poll_floor_;
  store.frame_depth = base_depth;
  store.value_stack_used = base_stack_used;
  return status;
}

}  // namespace govchain::runtime
