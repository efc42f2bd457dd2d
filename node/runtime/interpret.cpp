#include "runtime/interpret.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "runtime/errors.h"
#include "runtime/numeric.h"
#include "runtime/operations.h"

static_assert(std::endian::native == std::endian::little, "memory accesses assume a little-endian host");

// Every handler ends by calling the next one in tail position, which clang
// (and GCC from version 15) can be made to guarantee; without that
// guarantee a long run would grow the C stack.
#if defined(__has_cpp_attribute) && __has_cpp_attribute(clang::musttail)
#define GOVCHAIN_MUSTTAIL [[clang::musttail]]
#elif defined(__has_cpp_attribute) && __has_cpp_attribute(gnu::musttail)
#define GOVCHAIN_MUSTTAIL [[gnu::musttail]]
#else
#error "the interpreter needs guaranteed tail calls: build with clang (or GCC 15 or later)"
#endif

namespace govchain::runtime {

using numeric::f32_of;
using numeric::f64_of;
using numeric::slot_of;

namespace {

constexpr size_t host_arguments_inline_max = 16;

// What a run keeps outside the registers: the state a handler needs less
// often than every instruction, and what it reports when the run ends.
struct Context {
  Store* store = nullptr;
  Instance* instance = nullptr;
  GlobalObject* const* globals = nullptr;  // the instance's globals
  uint64_t memory_size = 0;                // bytes of the instance's memory
  Store::Frame* frames = nullptr;
  Store::Frame* frame_top = nullptr;    // the next free frame
  Store::Frame* frame_limit = nullptr;  // one past the last frame a call may use
  uint64_t* stack_begin = nullptr;
  uint64_t* stack_end = nullptr;
  bool consensus = false;
  // Handed from a handler to the out-of-line one it continues in.
  uint64_t pending_gas = 0;
  const char* trap_message = nullptr;
  const FunctionObject* callee = nullptr;
  Status status;  // why the run stopped early
};

// The handlers: one function per operation, all of this type. The
// arguments live in registers for the whole run: the instruction, the
// frame, the memory, the gas above the Store's poll floor, the context and
// the accumulator (operations.h). Each handler returns what the last one of
// the run returns: the gas left.
using Handler = uint64_t (*)(const Instruction* pc, uint64_t* fp, uint8_t* memory, uint64_t gas, Context* context,
                             uint64_t acc, double float_acc);

struct Dispatch {
  static const std::array<Handler, op::count> table;
};

#define HANDLER(name)                                                                                          \
  uint64_t handle_##name(const Instruction* pc, uint64_t* fp, uint8_t* memory, uint64_t gas, Context* context, \
                         uint64_t acc, double float_acc)
#define DISPATCH() GOVCHAIN_MUSTTAIL return Dispatch::table[pc->operation](pc, fp, memory, gas, context, acc, float_acc)
#define NEXT()  \
  do {          \
    ++pc;       \
    DISPATCH(); \
  } while (0)
#define CONTINUE_IN(name) GOVCHAIN_MUSTTAIL return handle_##name(pc, fp, memory, gas, context, acc, float_acc)
// Charges `amount`; when the gas register cannot pay, the Store charges it
// out of line and the instruction runs again (handlers charge before they
// change anything, so a second run does the same).
#define CHARGE(amount)                       \
  do {                                       \
    const uint64_t charge_amount = (amount); \
    if (charge_amount > gas) [[unlikely]] {  \
      context->pending_gas = charge_amount;  \
      CONTINUE_IN(charge_slowly);            \
    }                                        \
    gas -= charge_amount;                    \
  } while (0)
#define TRAP(message)                  \
  do {                                 \
    context->trap_message = (message); \
    CONTINUE_IN(trap);                 \
  } while (0)
#define JUMP()                         \
  do {                                 \
    pc += static_cast<int32_t>(pc->r); \
    DISPATCH();                        \
  } while (0)

uint64_t copy_gas(uint64_t count_bytes, const GasSchedule& schedule) {
  return (count_bytes + 7) / 8 * schedule.gas_per_8_bytes_copied;
}

uint64_t table_gas(uint64_t element_count, const GasSchedule& schedule) {
  return (element_count + 7) / 8 * schedule.gas_per_8_table_elements;
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

// The current instance's memory into the memory register and the context.
inline uint8_t* memory_of(Context* context) {
  MemoryObject* memory = context->instance->memory;
  if (memory == nullptr) {
    context->memory_size = 0;
    return nullptr;
  }
  context->memory_size = memory->bytes.size();
  return memory->bytes.data();
}

void enter_instance(Context* context, Instance* instance) {
  context->instance = instance;
  context->globals = instance->globals.data();
}

// Loops that stay loops: unrolled, they would need more registers than a
// handler has free, and every call would save and restore some.
#if defined(__clang__)
#define GOVCHAIN_PLAIN_LOOP _Pragma("clang loop unroll(disable) vectorize(disable)")
#else
#define GOVCHAIN_PLAIN_LOOP
#endif

// Runs of more slots than this are zeroed or copied out of line by memset
// or memmove, which move 32 or 64 bytes a cycle where the plain loop moves 8:
// the locals of a function with many, the values of a branch with many.
constexpr uint32_t slots_inline_max = 16;

[[gnu::noinline]] void zero_many_slots(uint64_t* slots, uint32_t count) {
  std::memset(slots, 0, static_cast<size_t>(count) * sizeof(uint64_t));
}

[[gnu::noinline]] void move_many_slots(uint64_t* destination, const uint64_t* source, uint32_t count) {
  std::memmove(destination, source, static_cast<size_t>(count) * sizeof(uint64_t));
}

// Zeroes `count` slots. The stores of the short runs are volatile so that
// the compiler keeps a plain loop instead of calling memset inline, which
// would make every call handler save and restore registers.
inline void zero_slots(uint64_t* slots, uint32_t count) {
  if (count > slots_inline_max) [[unlikely]] {
    zero_many_slots(slots, count);
    return;
  }
  volatile uint64_t* slot = slots;
  volatile uint64_t* const end = slots + count;
  GOVCHAIN_PLAIN_LOOP
  while (slot != end) *slot++ = 0;
}

// Copies `count` slots in ascending order; a long run whose destination
// lies below its source (branch values, results: the only overlaps the
// prepared code has) is the same as a memmove. Short runs go two slots at a
// time where SSE2 is there: each pair is read before it is written, and a
// pair written never lies above the next pair read when the destination is
// below the source, so the order stays that of the plain loop.
inline void copy_slots(uint64_t* destination, const uint64_t* source, uint32_t count) {
  if (count > slots_inline_max && destination <= source) [[unlikely]] {
    move_many_slots(destination, source, count);
    return;
  }
#if defined(__SSE2__)
  if (destination <= source || destination >= source + count) {
    uint32_t index = 0;
    GOVCHAIN_PLAIN_LOOP
    for (; index + 2 <= count; index += 2) {
      const __m128i pair = _mm_loadu_si128(reinterpret_cast<const __m128i*>(source + index));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(destination + index), pair);
      // Keeps the loop a loop: the compiler may not turn it into a call of
      // memmove across this barrier.
      asm volatile("" ::: "memory");
    }
    if (index < count) *reinterpret_cast<volatile uint64_t*>(destination + index) = source[index];
    return;
  }
#endif
  volatile uint64_t* target = destination;
  volatile uint64_t* const end = destination + count;
  GOVCHAIN_PLAIN_LOOP
  while (target != end) *target++ = *source++;
}

inline uint64_t f32_result(const Context* context, float value) {
  if (std::isnan(value)) [[unlikely]]
    return context->consensus ? numeric::canonical_nan_f32_bits : slot_of(value);
  return slot_of(value);
}

inline uint64_t f64_result(const Context* context, double value) {
  if (std::isnan(value)) [[unlikely]]
    return context->consensus ? numeric::canonical_nan_f64_bits : slot_of(value);
  return slot_of(value);
}

// f64_result as a double, for the float accumulator.
inline double f64_value(const Context* context, double value) {
  if (std::isnan(value)) [[unlikely]]
    return context->consensus ? std::bit_cast<double>(numeric::canonical_nan_f64_bits) : value;
  return value;
}

// A 32-bit immediate as an operand of Type: i64 operations sign-extend it.
template <typename Type>
inline Type immediate_operand(uint32_t bits) {
  return static_cast<Type>(static_cast<int64_t>(static_cast<int32_t>(bits)));
}

// ---------------------------------------------------------------------------
// Out-of-line paths: gas the register cannot pay, traps, exhaustion, calls
// that leave the instance, host functions.

[[gnu::noinline]] HANDLER(charge_slowly) {
  Store& store = *context->store;
  const uint64_t amount = context->pending_gas;
  store.gas_remaining_ = gas + store.poll_floor_;
  context->status = store.charge_gas(amount);
  // Modular arithmetic: when the interrupt stops the run, the remaining gas
  // lies below the floor, and finishing adds the floor back.
  gas = store.gas_remaining_ - store.poll_floor_;
  if (!context->status.ok()) return gas;
  gas += amount;  // the instruction runs again and charges it from the register
  DISPATCH();
}

[[gnu::noinline]] HANDLER(trap) {
  (void)fp;
  (void)acc;
  (void)float_acc;
  (void)memory;
  context->status = trap_error(std::string(context->trap_message) + locate(context->instance, pc));
  return gas;
}

[[gnu::noinline]] HANDLER(exhausted) {
  (void)pc;
  (void)acc;
  (void)float_acc;
  (void)fp;
  (void)memory;
  context->status = exhaustion_error(context->trap_message);
  return gas;
}

HANDLER(invalid) {
  (void)fp;
  (void)acc;
  (void)float_acc;
  (void)memory;
  context->status = Status(Code::internal, "internal: invalid prepared instruction " + std::to_string(pc->operation));
  return gas;
}

[[gnu::noinline]] HANDLER(resume_in_instance) {
  memory = memory_of(context);
  NEXT();
}

#define RETURN_TO_CALLER()                                   \
  do {                                                       \
    Store::Frame* frame = --context->frame_top;              \
    pc = frame->return_pc;                                   \
    if (pc == nullptr) return gas;                           \
    fp = frame->frame_pointer;                               \
    if (frame->instance != context->instance) [[unlikely]] { \
      enter_instance(context, frame->instance);              \
      CONTINUE_IN(resume_in_instance);                       \
    }                                                        \
    NEXT();                                                  \
  } while (0)

// A host function's call: the Store is brought up to date (gas, frames,
// the value stack in use up to the arguments) so that the callback may
// charge gas and call back into WebAssembly.
[[gnu::noinline]] HANDLER(call_host_function) {
  Store& store = *context->store;
  uint64_t* arguments = fp + pc->r;
  store.gas_remaining_ = gas + store.poll_floor_;
  store.frame_depth = static_cast<size_t>(context->frame_top - context->frames);
  store.value_stack_used = static_cast<size_t>(arguments - context->stack_begin);
  context->status = call_host(store, context->instance, *context->callee, arguments, arguments);
  gas = store.gas_remaining_ - store.poll_floor_;
  if (!context->status.ok()) return gas;
  memory = memory_of(context);
  NEXT();
}

// Calls of a FunctionObject known only at run time: imported (a host
// function or another instance's) or through a table. They pay for
// zeroing the callee's locals here.
[[gnu::noinline]] HANDLER(enter_function) {
  const FunctionObject* callee = context->callee;
  if (callee->host != nullptr) CONTINUE_IN(call_host_function);
  const PreparedCode& code = *callee->code;
  CHARGE(code.entry_gas);
  uint64_t* frame_pointer = fp + pc->r;
  Store::Frame* frame = context->frame_top;
  if (frame >= context->frame_limit) [[unlikely]] {
    context->trap_message = "call stack exhausted";
    CONTINUE_IN(exhausted);
  }
  if (frame_pointer + code.frame_slots > context->stack_end) [[unlikely]] {
    context->trap_message = "call stack exhausted (value stack)";
    CONTINUE_IN(exhausted);
  }
  *frame = Store::Frame{pc, fp, context->instance};
  context->frame_top = frame + 1;
  zero_slots(frame_pointer + code.param_slots, code.local_slots);
  fp = frame_pointer;
  pc = code.instructions.data();
  if (callee->instance != context->instance) {
    enter_instance(context, callee->instance);
    memory = memory_of(context);
  }
  DISPATCH();
}

// ---------------------------------------------------------------------------
// Control.

// The function's constant pool into its slots, first thing on entry: the
// aux constants are in the instructions that follow, one in each.
HANDLER(load_constants) {
  const uint32_t count = pc->aux;
  volatile uint64_t* slot = fp + pc->r;
  GOVCHAIN_PLAIN_LOOP
  for (uint32_t entry = 1; entry <= count; ++entry) *slot++ = pc[entry].immediate();
  pc += count;
  NEXT();
}

HANDLER(charge) {
  CHARGE(pc->immediate());
  NEXT();
}

HANDLER(unreachable) { TRAP("unreachable"); }

HANDLER(br) {
  CHARGE(pc->x);
  JUMP();
}

HANDLER(br_if) {
  if (static_cast<uint32_t>(fp[pc->x]) != 0) {
    CHARGE(pc->y);
    JUMP();
  }
  NEXT();
}

HANDLER(br_unless) {
  if (static_cast<uint32_t>(fp[pc->x]) == 0) {
    CHARGE(pc->y);
    JUMP();
  }
  NEXT();
}

HANDLER(br_if_a) {
  if (static_cast<uint32_t>(acc) != 0) {
    CHARGE(pc->y);
    JUMP();
  }
  NEXT();
}

HANDLER(br_unless_a) {
  if (static_cast<uint32_t>(acc) == 0) {
    CHARGE(pc->y);
    JUMP();
  }
  NEXT();
}

HANDLER(br_table) {
  uint32_t index = static_cast<uint32_t>(fp[pc->x]);
  if (index > pc->r) index = pc->r;
  const Instruction* entry = pc + 1 + index;
  CHARGE(entry->y);
  if (pc->aux != 0) copy_slots(fp + entry->x, fp + pc->y, pc->aux);
  pc = entry;
  JUMP();
}

HANDLER(br_table_entry) { CONTINUE_IN(invalid); }

HANDLER(return_void) { RETURN_TO_CALLER(); }

HANDLER(return_value) {
  fp[0] = fp[pc->x];
  RETURN_TO_CALLER();
}

HANDLER(return_acc) {
  fp[0] = acc;
  RETURN_TO_CALLER();
}

HANDLER(return_constant) {
  fp[0] = pc->immediate();
  RETURN_TO_CALLER();
}

HANDLER(return_values) {
  copy_slots(fp, fp + pc->x, pc->y);
  RETURN_TO_CALLER();
}

// A direct call within the instance: its gas, the callee's locals
// included, was charged by the caller's block.
HANDLER(call) {
  const PreparedCode* code = reinterpret_cast<const PreparedCode*>(pc->immediate());
  uint64_t* frame_pointer = fp + pc->r;
  Store::Frame* frame = context->frame_top;
  if (frame >= context->frame_limit) [[unlikely]] {
    context->trap_message = "call stack exhausted";
    CONTINUE_IN(exhausted);
  }
  if (frame_pointer + code->frame_slots > context->stack_end) [[unlikely]] {
    context->trap_message = "call stack exhausted (value stack)";
    CONTINUE_IN(exhausted);
  }
  *frame = Store::Frame{pc, fp, context->instance};
  context->frame_top = frame + 1;
  zero_slots(frame_pointer + code->param_slots, code->local_slots);
  fp = frame_pointer;
  pc = code->instructions.data();
  DISPATCH();
}

HANDLER(call_imported) {
  context->callee = context->instance->functions[pc->x];
  CONTINUE_IN(enter_function);
}

HANDLER(call_indirect) {
  const uint32_t index = static_cast<uint32_t>(fp[pc->x]);
  const TableObject& table = *context->instance->tables[pc->aux];
  if (index >= table.elements.size()) TRAP("undefined element");
  const uint64_t reference = table.elements[index];
  if (reference == 0) TRAP("uninitialized element");
  const FunctionObject* callee = reinterpret_cast<const FunctionObject*>(reference);
  if (callee->type_id != context->instance->type_ids[pc->y]) TRAP("indirect call type mismatch");
  context->callee = callee;
  CONTINUE_IN(enter_function);
}

// ---------------------------------------------------------------------------
// Values, variables, references.

HANDLER(copy) {
  fp[pc->r] = fp[pc->x];
  NEXT();
}

// In this order: the second copy may read the slot the first wrote.
HANDLER(copy_pair) {
  fp[pc->r] = fp[pc->x];
  fp[pc->y] = fp[pc->aux];
  NEXT();
}

HANDLER(copy_values) {
  copy_slots(fp + pc->r, fp + pc->x, pc->y);
  NEXT();
}

HANDLER(constant) {
  fp[pc->r] = pc->immediate();
  NEXT();
}

HANDLER(select) {
  if (static_cast<uint32_t>(fp[pc->y]) == 0) fp[pc->r] = fp[pc->x];
  NEXT();
}

HANDLER(global_get) {
  acc = context->globals[pc->x]->bits;
  fp[pc->r] = acc;
  NEXT();
}

HANDLER(global_set) {
  context->globals[pc->x]->bits = fp[pc->y];
  NEXT();
}

HANDLER(ref_func) {
  fp[pc->r] = reinterpret_cast<uint64_t>(context->instance->functions[pc->x]);
  NEXT();
}

HANDLER(ref_is_null) {
  fp[pc->r] = fp[pc->x] == 0 ? 1 : 0;
  NEXT();
}

// ---------------------------------------------------------------------------
// Memory and tables: the bulk operations charge per byte or element before
// they work, after their bounds are checked.

HANDLER(memory_size) {
  fp[pc->r] = context->instance->memory->pages;
  NEXT();
}

[[gnu::noinline]] HANDLER(memory_grow) {
  MemoryObject& grown = *context->instance->memory;
  const uint64_t delta = static_cast<uint32_t>(fp[pc->x]);
  const uint64_t old_pages = grown.pages;
  if (old_pages + delta > grown.pages_max) {
    fp[pc->r] = static_cast<uint32_t>(-1);
    NEXT();
  }
  CHARGE(delta * context->instance->module().gas_schedule.memory_page_allocated);
  grown.bytes.resize((old_pages + delta) * page_size_bytes);
  grown.pages = static_cast<uint32_t>(old_pages + delta);
  fp[pc->r] = old_pages;
  memory = memory_of(context);
  NEXT();
}

[[gnu::noinline]] HANDLER(memory_fill) {
  const uint64_t* operands = fp + pc->x;
  const uint64_t destination = static_cast<uint32_t>(operands[0]);
  const uint8_t value = static_cast<uint8_t>(operands[1]);
  const uint64_t count = static_cast<uint32_t>(operands[2]);
  if (destination + count > context->memory_size) TRAP("out of bounds memory access");
  CHARGE(copy_gas(count, context->instance->module().gas_schedule));
  std::memset(memory + destination, value, count);
  NEXT();
}

[[gnu::noinline]] HANDLER(memory_copy) {
  const uint64_t* operands = fp + pc->x;
  const uint64_t destination = static_cast<uint32_t>(operands[0]);
  const uint64_t source = static_cast<uint32_t>(operands[1]);
  const uint64_t count = static_cast<uint32_t>(operands[2]);
  if (source + count > context->memory_size || destination + count > context->memory_size)
    TRAP("out of bounds memory access");
  CHARGE(copy_gas(count, context->instance->module().gas_schedule));
  std::memmove(memory + destination, memory + source, count);
  NEXT();
}

[[gnu::noinline]] HANDLER(memory_init) {
  const uint64_t* operands = fp + pc->x;
  const ByteView segment = context->instance->data_segments[pc->y];
  const uint64_t destination = static_cast<uint32_t>(operands[0]);
  const uint64_t source = static_cast<uint32_t>(operands[1]);
  const uint64_t count = static_cast<uint32_t>(operands[2]);
  if (source + count > segment.size() || destination + count > context->memory_size)
    TRAP("out of bounds memory access");
  CHARGE(copy_gas(count, context->instance->module().gas_schedule));
  if (count > 0) std::memcpy(memory + destination, segment.data() + source, count);
  NEXT();
}

HANDLER(data_drop) {
  context->instance->data_segments[pc->x] = {};
  NEXT();
}

HANDLER(table_get) {
  const TableObject& table = *context->instance->tables[pc->y];
  const uint32_t index = static_cast<uint32_t>(fp[pc->x]);
  if (index >= table.elements.size()) TRAP("out of bounds table access");
  fp[pc->r] = table.elements[index];
  NEXT();
}

HANDLER(table_set) {
  TableObject& table = *context->instance->tables[pc->y];
  const uint64_t* operands = fp + pc->x;
  const uint32_t index = static_cast<uint32_t>(operands[0]);
  if (index >= table.elements.size()) TRAP("out of bounds table access");
  table.elements[index] = operands[1];
  NEXT();
}

HANDLER(table_size) {
  fp[pc->r] = context->instance->tables[pc->x]->elements.size();
  NEXT();
}

[[gnu::noinline]] HANDLER(table_grow) {
  TableObject& table = *context->instance->tables[pc->y];
  const uint64_t* operands = fp + pc->x;
  const uint64_t initial = operands[0];
  const uint64_t delta = static_cast<uint32_t>(operands[1]);
  const uint64_t old_size = table.elements.size();
  if (old_size + delta > table.size_max) {
    fp[pc->r] = static_cast<uint32_t>(-1);
    NEXT();
  }
  CHARGE(table_gas(delta, context->instance->module().gas_schedule));
  table.elements.resize(old_size + delta, initial);
  fp[pc->r] = old_size;
  NEXT();
}

[[gnu::noinline]] HANDLER(table_fill) {
  TableObject& table = *context->instance->tables[pc->y];
  const uint64_t* operands = fp + pc->x;
  const uint64_t start = static_cast<uint32_t>(operands[0]);
  const uint64_t value = operands[1];
  const uint64_t count = static_cast<uint32_t>(operands[2]);
  if (start + count > table.elements.size()) TRAP("out of bounds table access");
  CHARGE(table_gas(count, context->instance->module().gas_schedule));
  std::fill_n(table.elements.begin() + static_cast<ptrdiff_t>(start), count, value);
  NEXT();
}

[[gnu::noinline]] HANDLER(table_copy) {
  TableObject& destination_table = *context->instance->tables[pc->y];
  const TableObject& source_table = *context->instance->tables[pc->r];
  const uint64_t* operands = fp + pc->x;
  const uint64_t destination = static_cast<uint32_t>(operands[0]);
  const uint64_t source = static_cast<uint32_t>(operands[1]);
  const uint64_t count = static_cast<uint32_t>(operands[2]);
  if (source + count > source_table.elements.size() || destination + count > destination_table.elements.size())
    TRAP("out of bounds table access");
  CHARGE(table_gas(count, context->instance->module().gas_schedule));
  std::memmove(destination_table.elements.data() + destination, source_table.elements.data() + source,
               count * sizeof(uint64_t));
  NEXT();
}

[[gnu::noinline]] HANDLER(table_init) {
  TableObject& table = *context->instance->tables[pc->y];
  const std::vector<uint64_t>& segment = context->instance->element_segments[pc->r];
  const uint64_t* operands = fp + pc->x;
  const uint64_t destination = static_cast<uint32_t>(operands[0]);
  const uint64_t source = static_cast<uint32_t>(operands[1]);
  const uint64_t count = static_cast<uint32_t>(operands[2]);
  if (source + count > segment.size() || destination + count > table.elements.size())
    TRAP("out of bounds table access");
  CHARGE(table_gas(count, context->instance->module().gas_schedule));
  std::copy_n(segment.begin() + static_cast<ptrdiff_t>(source), count,
              table.elements.begin() + static_cast<ptrdiff_t>(destination));
  NEXT();
}

HANDLER(elem_drop) {
  context->instance->element_segments[pc->x] = {};
  NEXT();
}

// Where the operands of each form come from (operations.h).
#define FROM_X(Type) static_cast<Type>(fp[pc->x])
#define FROM_Y(Type) static_cast<Type>(fp[pc->y])
#define FROM_ACC(Type) static_cast<Type>(acc)
#define IMMEDIATE_X(Type) immediate_operand<Type>(pc->x)
#define IMMEDIATE_Y(Type) immediate_operand<Type>(pc->y)
// Every instruction that computes a value leaves it in the accumulator too.
#define PRODUCE(value)                       \
  do {                                       \
    const uint64_t produced_value = (value); \
    fp[pc->r] = produced_value;              \
    acc = produced_value;                    \
    NEXT();                                  \
  } while (0)
// An f64 value is also left in the float accumulator, an XMM register,
// where the f64 operations that follow read it without moving it between
// register files (operations.h says which operations set and read it).
#define PRODUCE_F64(value)                               \
  do {                                                   \
    const double produced_float = (value);               \
    fp[pc->r] = std::bit_cast<uint64_t>(produced_float); \
    acc = std::bit_cast<uint64_t>(produced_float);       \
    float_acc = produced_float;                          \
    NEXT();                                              \
  } while (0)

// Effective addresses of the address forms (operations.h): the i32 sum
// wraps at 32 bits, the offset does not.
#define WRAPPED(sum) static_cast<uint64_t>(static_cast<uint32_t>(sum))
#define ADDRESS_ss(offset) (WRAPPED(fp[pc->x]) + (offset))
#define ADDRESS_as(offset) (WRAPPED(acc) + (offset))
#define ADDRESS_sd(offset) (WRAPPED(fp[pc->x] + pc->y) + pc->aux)
#define ADDRESS_ad(offset) (WRAPPED(acc + pc->y) + pc->aux)
#define ADDRESS_sx(offset) (WRAPPED(fp[pc->x] + fp[pc->y]) + pc->aux)
#define ADDRESS_ax(offset) (WRAPPED(acc + fp[pc->y]) + pc->aux)

#define LOAD_FORM(name, form, Stored, Result, produce)                \
  HANDLER(name##_##form) {                                            \
    const uint64_t address = ADDRESS_##form(pc->y);                   \
    if (address + sizeof(Stored) > context->memory_size) [[unlikely]] \
      TRAP("out of bounds memory access");                            \
    Result value;                                                     \
    if constexpr (sizeof(Stored) == sizeof(Result)) {                 \
      std::memcpy(&value, memory + address, sizeof(Stored));          \
    } else {                                                          \
      Stored stored;                                                  \
      std::memcpy(&stored, memory + address, sizeof(Stored));         \
      value = static_cast<Result>(stored);                            \
    }                                                                 \
    produce(value);                                                   \
  }
#define PRODUCE_INTEGER(value) PRODUCE(static_cast<uint64_t>(value))
#define LOAD_PRODUCING(name, Stored, Result, produce) \
  LOAD_FORM(name, ss, Stored, Result, produce)        \
  LOAD_FORM(name, as, Stored, Result, produce)        \
  LOAD_FORM(name, sd, Stored, Result, produce)        \
  LOAD_FORM(name, ad, Stored, Result, produce)        \
  LOAD_FORM(name, sx, Stored, Result, produce)        \
  LOAD_FORM(name, ax, Stored, Result, produce)
#define LOAD(name, Stored, Result) LOAD_PRODUCING(name, Stored, Result, PRODUCE_INTEGER)
LOAD(i32_load, uint32_t, uint32_t)
LOAD(i64_load, uint64_t, uint64_t)
LOAD(f32_load, uint32_t, uint32_t)
LOAD_PRODUCING(f64_load, double, double, PRODUCE_F64)
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
#undef LOAD_PRODUCING
#undef PRODUCE_INTEGER
#undef LOAD_FORM

#define STORE_FORM(handler, Stored, address, value_source)              \
  HANDLER(handler) {                                                    \
    const uint64_t effective = address;                                 \
    if (effective + sizeof(Stored) > context->memory_size) [[unlikely]] \
      TRAP("out of bounds memory access");                              \
    const Stored value = static_cast<Stored>(value_source);             \
    std::memcpy(memory + effective, &value, sizeof(Stored));            \
    NEXT();                                                             \
  }
#define STORE(name, Stored)                                   \
  STORE_FORM(name##_ss, Stored, ADDRESS_ss(pc->r), fp[pc->y]) \
  STORE_FORM(name##_sa, Stored, ADDRESS_ss(pc->r), acc)       \
  STORE_FORM(name##_as, Stored, ADDRESS_as(pc->r), fp[pc->y]) \
  STORE_FORM(name##_sd, Stored, ADDRESS_sd(0), fp[pc->r])     \
  STORE_FORM(name##_ad, Stored, ADDRESS_ad(0), fp[pc->r])     \
  STORE_FORM(name##_sx, Stored, ADDRESS_sx(0), fp[pc->r])     \
  STORE_FORM(name##_ax, Stored, ADDRESS_ax(0), fp[pc->r])
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
#undef STORE_FORM
#undef ADDRESS_ss
#undef ADDRESS_as
#undef ADDRESS_sd
#undef ADDRESS_ad
#undef ADDRESS_sx
#undef ADDRESS_ax
#undef WRAPPED

// ---------------------------------------------------------------------------
// Numeric operations. Each is defined once by an expression over `left`
// and `right` (or `operand`); the macros make its forms.

#define BINARY_FORM(handler, Type, left_source, right_source, expression) \
  HANDLER(handler) {                                                      \
    const Type left = left_source;                                        \
    const Type right = right_source;                                      \
    PRODUCE(static_cast<uint64_t>(expression));                           \
  }
#define INTEGER_BINARY(name, Type, expression)                              \
  BINARY_FORM(name##_ss, Type, FROM_X(Type), FROM_Y(Type), expression)      \
  BINARY_FORM(name##_si, Type, FROM_X(Type), IMMEDIATE_Y(Type), expression) \
  BINARY_FORM(name##_as, Type, FROM_ACC(Type), FROM_Y(Type), expression)    \
  BINARY_FORM(name##_ai, Type, FROM_ACC(Type), IMMEDIATE_Y(Type), expression)
#define IMMEDIATE_LEFT(name, Type, expression)                              \
  BINARY_FORM(name##_sa, Type, FROM_X(Type), FROM_ACC(Type), expression)    \
  BINARY_FORM(name##_is, Type, IMMEDIATE_X(Type), FROM_Y(Type), expression) \
  BINARY_FORM(name##_ia, Type, IMMEDIATE_X(Type), FROM_ACC(Type), expression)
#define BRANCH_FORM(handler, Type, left_source, right_source, expression) \
  HANDLER(handler) {                                                      \
    const Type left = left_source;                                        \
    const Type right = right_source;                                      \
    if (expression) {                                                     \
      CHARGE(pc->aux);                                                    \
      JUMP();                                                             \
    }                                                                     \
    NEXT();                                                               \
  }
// A comparison: its value forms, and the branches it is fused into.
#define COMPARISON(name, Type, expression)                                       \
  INTEGER_BINARY(name, Type, expression)                                         \
  BRANCH_FORM(br_##name##_ss, Type, FROM_X(Type), FROM_Y(Type), expression)      \
  BRANCH_FORM(br_##name##_si, Type, FROM_X(Type), IMMEDIATE_Y(Type), expression) \
  BRANCH_FORM(br_##name##_as, Type, FROM_ACC(Type), FROM_Y(Type), expression)    \
  BRANCH_FORM(br_##name##_ai, Type, FROM_ACC(Type), IMMEDIATE_Y(Type), expression)

#define SHIFTS_AND_SUBTRACTION(X, prefix, Type, Signed, bits)                                   \
  X(prefix##_sub, Type, left - right)                                                           \
  X(prefix##_shl, Type, left << (right & (bits - 1)))                                           \
  X(prefix##_shr_s, Type, static_cast<Type>(static_cast<Signed>(left) >> (right & (bits - 1)))) \
  X(prefix##_shr_u, Type, left >> (right & (bits - 1)))                                         \
  X(prefix##_rotl, Type, std::rotl(left, static_cast<int>(right & (bits - 1))))                 \
  X(prefix##_rotr, Type, std::rotr(left, static_cast<int>(right & (bits - 1))))
SHIFTS_AND_SUBTRACTION(INTEGER_BINARY, i32, uint32_t, int32_t, 32)
SHIFTS_AND_SUBTRACTION(IMMEDIATE_LEFT, i32, uint32_t, int32_t, 32)
SHIFTS_AND_SUBTRACTION(INTEGER_BINARY, i64, uint64_t, int64_t, 64)
SHIFTS_AND_SUBTRACTION(IMMEDIATE_LEFT, i64, uint64_t, int64_t, 64)
#undef SHIFTS_AND_SUBTRACTION

INTEGER_BINARY(i32_add, uint32_t, left + right)
INTEGER_BINARY(i32_mul, uint32_t, left* right)
INTEGER_BINARY(i32_and_, uint32_t, left& right)
INTEGER_BINARY(i32_or_, uint32_t, left | right)
INTEGER_BINARY(i32_xor_, uint32_t, left ^ right)
INTEGER_BINARY(i64_add, uint64_t, left + right)
INTEGER_BINARY(i64_mul, uint64_t, left* right)
INTEGER_BINARY(i64_and_, uint64_t, left& right)
INTEGER_BINARY(i64_or_, uint64_t, left | right)
INTEGER_BINARY(i64_xor_, uint64_t, left ^ right)

COMPARISON(i32_eq, uint32_t, left == right)
COMPARISON(i32_ne, uint32_t, left != right)
COMPARISON(i32_lt_s, uint32_t, static_cast<int32_t>(left) < static_cast<int32_t>(right))
COMPARISON(i32_lt_u, uint32_t, left < right)
COMPARISON(i32_gt_s, uint32_t, static_cast<int32_t>(left) > static_cast<int32_t>(right))
COMPARISON(i32_gt_u, uint32_t, left > right)
COMPARISON(i32_le_s, uint32_t, static_cast<int32_t>(left) <= static_cast<int32_t>(right))
COMPARISON(i32_le_u, uint32_t, left <= right)
COMPARISON(i32_ge_s, uint32_t, static_cast<int32_t>(left) >= static_cast<int32_t>(right))
COMPARISON(i32_ge_u, uint32_t, left >= right)
COMPARISON(i64_eq, uint64_t, left == right)
COMPARISON(i64_ne, uint64_t, left != right)
COMPARISON(i64_lt_s, uint64_t, static_cast<int64_t>(left) < static_cast<int64_t>(right))
COMPARISON(i64_lt_u, uint64_t, left < right)
COMPARISON(i64_gt_s, uint64_t, static_cast<int64_t>(left) > static_cast<int64_t>(right))
COMPARISON(i64_gt_u, uint64_t, left > right)
COMPARISON(i64_le_s, uint64_t, static_cast<int64_t>(left) <= static_cast<int64_t>(right))
COMPARISON(i64_le_u, uint64_t, left <= right)
COMPARISON(i64_ge_s, uint64_t, static_cast<int64_t>(left) >= static_cast<int64_t>(right))
COMPARISON(i64_ge_u, uint64_t, left >= right)
#undef COMPARISON
#undef BRANCH_FORM
#undef IMMEDIATE_LEFT
#undef INTEGER_BINARY

// Division and remainder trap on a zero divisor and on the one quotient
// that overflows; the trap leaves out of line.
template <typename Type, typename Unsigned, bool is_remainder>
inline bool divide(Unsigned left_bits, Unsigned right_bits, Unsigned& result, const char*& trap_message) {
  const Type left = static_cast<Type>(left_bits);
  const Type right = static_cast<Type>(right_bits);
  if (right == 0) [[unlikely]] {
    trap_message = "integer divide by zero";
    return false;
  }
  if (std::is_signed_v<Type> && right == static_cast<Type>(-1)) [[unlikely]] {
    if (!is_remainder && left == std::numeric_limits<Type>::min()) {
      trap_message = "integer overflow";
      return false;
    }
    result = is_remainder ? 0 : static_cast<Unsigned>(static_cast<Unsigned>(0) - static_cast<Unsigned>(left));
    return true;
  }
  result = static_cast<Unsigned>(is_remainder ? left % right : left / right);
  return true;
}

#define DIVISION_FORM(handler, Type, Unsigned, is_remainder, left_source, right_source)                               \
  HANDLER(handler) {                                                                                                  \
    Unsigned result;                                                                                                  \
    if (!divide<Type, Unsigned, is_remainder>(left_source, right_source, result, context->trap_message)) [[unlikely]] \
      CONTINUE_IN(trap);                                                                                              \
    PRODUCE(static_cast<uint64_t>(result));                                                                           \
  }
#define DIVISION(name, Type, Unsigned, is_remainder)                                              \
  DIVISION_FORM(name##_ss, Type, Unsigned, is_remainder, FROM_X(Unsigned), FROM_Y(Unsigned))      \
  DIVISION_FORM(name##_si, Type, Unsigned, is_remainder, FROM_X(Unsigned), IMMEDIATE_Y(Unsigned)) \
  DIVISION_FORM(name##_as, Type, Unsigned, is_remainder, FROM_ACC(Unsigned), FROM_Y(Unsigned))    \
  DIVISION_FORM(name##_ai, Type, Unsigned, is_remainder, FROM_ACC(Unsigned), IMMEDIATE_Y(Unsigned))
DIVISION(i32_div_s, int32_t, uint32_t, false)
DIVISION(i32_div_u, uint32_t, uint32_t, false)
DIVISION(i32_rem_s, int32_t, uint32_t, true)
DIVISION(i32_rem_u, uint32_t, uint32_t, true)
DIVISION(i64_div_s, int64_t, uint64_t, false)
DIVISION(i64_div_u, uint64_t, uint64_t, false)
DIVISION(i64_rem_s, int64_t, uint64_t, true)
DIVISION(i64_rem_u, uint64_t, uint64_t, true)
#undef DIVISION
#undef DIVISION_FORM

// Float operations: the forms of operations.h; f64 immediates are floats.
#define FLOAT_FORM_PRODUCING(handler, Float, left_source, right_source, expression, produce) \
  HANDLER(handler) {                                                                         \
    const Float left = left_source;                                                          \
    const Float right = right_source;                                                        \
    produce(expression);                                                                     \
  }
#define FLOAT_FORM(handler, Float, left_source, right_source, expression) \
  FLOAT_FORM_PRODUCING(handler, Float, left_source, right_source, expression, PRODUCE)
#define F32_OPERATION(name, expression)                                                    \
  FLOAT_FORM(name##_ss, float, f32_of(fp[pc->x]), f32_of(fp[pc->y]), expression)           \
  FLOAT_FORM(name##_si, float, f32_of(fp[pc->x]), std::bit_cast<float>(pc->y), expression) \
  FLOAT_FORM(name##_as, float, f32_of(acc), f32_of(fp[pc->y]), expression)                 \
  FLOAT_FORM(name##_ai, float, f32_of(acc), std::bit_cast<float>(pc->y), expression)       \
  FLOAT_FORM(name##_sa, float, f32_of(fp[pc->x]), f32_of(acc), expression)
#define F64_IMMEDIATE static_cast<double>(std::bit_cast<float>(pc->y))
// f64 operations read an operand from the accumulator in the float one.
#define F64_FORMS(name, expression, produce)                                                         \
  FLOAT_FORM_PRODUCING(name##_ss, double, f64_of(fp[pc->x]), f64_of(fp[pc->y]), expression, produce) \
  FLOAT_FORM_PRODUCING(name##_sf, double, f64_of(fp[pc->x]), F64_IMMEDIATE, expression, produce)     \
  FLOAT_FORM_PRODUCING(name##_as, double, float_acc, f64_of(fp[pc->y]), expression, produce)         \
  FLOAT_FORM_PRODUCING(name##_af, double, float_acc, F64_IMMEDIATE, expression, produce)             \
  FLOAT_FORM_PRODUCING(name##_sa, double, f64_of(fp[pc->x]), float_acc, expression, produce)
#define F64_OPERATION(name, expression) F64_FORMS(name, expression, PRODUCE)
// Arithmetic leaves its f64 result in the float accumulator too.
#define F64_ARITHMETIC(name, expression) F64_FORMS(name, f64_value(context, expression), PRODUCE_F64)
#define FLOAT_OPERATIONS(X, prefix, result, Bits, sign_bit)        \
  X(prefix##_add, result(context, left + right))                   \
  X(prefix##_sub, result(context, left - right))                   \
  X(prefix##_mul, result(context, left* right))                    \
  X(prefix##_div, result(context, left / right))                   \
  X(prefix##_min, result(context, numeric::wasm_min(left, right))) \
  X(prefix##_max, result(context, numeric::wasm_max(left, right))) \
  F64_COMPARISONS_AND_SIGN(X, prefix, Bits, sign_bit)
#define F64_COMPARISONS_AND_SIGN(X, prefix, Bits, sign_bit)                                                   \
  X(prefix##_copysign,                                                                                        \
    static_cast<uint64_t>((std::bit_cast<Bits>(left) & ~sign_bit) | (std::bit_cast<Bits>(right) & sign_bit))) \
  X(prefix##_eq, static_cast<uint64_t>(left == right))                                                        \
  X(prefix##_ne, static_cast<uint64_t>(left != right))                                                        \
  X(prefix##_lt, static_cast<uint64_t>(left < right))                                                         \
  X(prefix##_gt, static_cast<uint64_t>(left > right))                                                         \
  X(prefix##_le, static_cast<uint64_t>(left <= right))                                                        \
  X(prefix##_ge, static_cast<uint64_t>(left >= right))
FLOAT_OPERATIONS(F32_OPERATION, f32, f32_result, uint32_t, 0x80000000u)
F64_ARITHMETIC(f64_add, left + right)
F64_ARITHMETIC(f64_sub, left - right)
F64_ARITHMETIC(f64_mul, left* right)
F64_ARITHMETIC(f64_div, left / right)
F64_ARITHMETIC(f64_min, numeric::wasm_min(left, right))
F64_ARITHMETIC(f64_max, numeric::wasm_max(left, right))
F64_COMPARISONS_AND_SIGN(F64_OPERATION, f64, uint64_t, 0x8000000000000000ull)

// f64 arithmetic fused with the load of its right operand or the store of
// its result (operations.h). Each access is checked as the load or store it
// replaces checks it, the load before the store, so a trap is the one the
// unfused code meets first; the value stored is canonicalised as the plain
// operation's result is.
#define WRAPPED(sum) static_cast<uint64_t>(static_cast<uint32_t>(sum))
#define MEMORY_OPERAND_ADDRESS \
  WRAPPED(fp[pc->y] + static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(pc->aux))))
#define LOAD_F64_CHECKED(variable, address)                           \
  if ((address) + sizeof(double) > context->memory_size) [[unlikely]] \
    TRAP("out of bounds memory access");                              \
  double variable;                                                    \
  std::memcpy(&variable, memory + (address), sizeof(double))
#define STORE_F64_CHECKED(address, value)                                   \
  do {                                                                      \
    const uint64_t store_address = (address);                               \
    if (store_address + sizeof(double) > context->memory_size) [[unlikely]] \
      TRAP("out of bounds memory access");                                  \
    const double stored = f64_value(context, value);                        \
    std::memcpy(memory + store_address, &stored, sizeof(double));           \
    NEXT();                                                                 \
  } while (0)
#define F64_FUSED(name, operator_)                                                                                   \
  HANDLER(name##_sm) {                                                                                               \
    const uint64_t address = MEMORY_OPERAND_ADDRESS;                                                                 \
    LOAD_F64_CHECKED(right, address);                                                                                \
    PRODUCE_F64(f64_value(context, f64_of(fp[pc->x]) operator_ right));                                              \
  }                                                                                                                  \
  HANDLER(name##_sa_store) { STORE_F64_CHECKED(WRAPPED(fp[pc->y]) + pc->r, f64_of(fp[pc->x]) operator_ float_acc); } \
  HANDLER(name##_as_store) { STORE_F64_CHECKED(WRAPPED(fp[pc->x]) + pc->r, float_acc operator_ f64_of(fp[pc->y])); } \
  HANDLER(name##_sm_store) {                                                                                         \
    const uint64_t address = MEMORY_OPERAND_ADDRESS;                                                                 \
    LOAD_F64_CHECKED(right, address);                                                                                \
    STORE_F64_CHECKED(WRAPPED(fp[pc->y]) + pc->r, f64_of(fp[pc->x]) operator_ right);                                \
  }                                                                                                                  \
  HANDLER(name##_ps) {                                                                                               \
    const double product = f64_of(fp[pc->x]) * f64_of(fp[pc->y]);                                                    \
    PRODUCE_F64(f64_value(context, product operator_ f64_of(fp[pc->aux])));                                          \
  }                                                                                                                  \
  HANDLER(name##_sp) {                                                                                               \
    const double product = f64_of(fp[pc->x]) * f64_of(fp[pc->y]);                                                    \
    PRODUCE_F64(f64_value(context, f64_of(fp[pc->aux]) operator_ product));                                          \
  }
F64_FUSED(f64_add, +)
F64_FUSED(f64_sub, -)
F64_FUSED(f64_mul, *)
F64_FUSED(f64_div, /)
#undef F64_FUSED
#undef STORE_F64_CHECKED
#undef LOAD_F64_CHECKED
#undef MEMORY_OPERAND_ADDRESS
#undef WRAPPED
#undef FLOAT_OPERATIONS
#undef F64_COMPARISONS_AND_SIGN
#undef F64_ARITHMETIC
#undef F64_FORMS
#undef FLOAT_FORM_PRODUCING
#undef F32_OPERATION
#undef F64_OPERATION
#undef F64_IMMEDIATE
#undef FLOAT_FORM

// Operations with one operand: from slot x, and (_a) from the accumulator.
#define UNARY_FORM(handler, Type, source, expression) \
  HANDLER(handler) {                                  \
    const Type operand = static_cast<Type>(source);   \
    PRODUCE(static_cast<uint64_t>(expression));       \
  }
#define UNARY(name, Type, expression)           \
  UNARY_FORM(name, Type, fp[pc->x], expression) \
  UNARY_FORM(name##_a, Type, acc, expression)
#define FLOAT_UNARY_FORM(handler, Float, of, source, expression) \
  HANDLER(handler) {                                             \
    const Float operand = of(source);                            \
    PRODUCE(expression);                                         \
  }
#define FLOAT_UNARY(name, Float, of, expression)           \
  FLOAT_UNARY_FORM(name, Float, of, fp[pc->x], expression) \
  FLOAT_UNARY_FORM(name##_a, Float, of, acc, expression)
UNARY(i32_eqz, uint32_t, operand == 0)
UNARY(i64_eqz, uint64_t, operand == 0)
UNARY(i32_clz, uint32_t, static_cast<uint32_t>(std::countl_zero(operand)))
UNARY(i32_ctz, uint32_t, static_cast<uint32_t>(std::countr_zero(operand)))
UNARY(i32_popcnt, uint32_t, static_cast<uint32_t>(std::popcount(operand)))
UNARY(i64_clz, uint64_t, static_cast<uint64_t>(std::countl_zero(operand)))
UNARY(i64_ctz, uint64_t, static_cast<uint64_t>(std::countr_zero(operand)))
UNARY(i64_popcnt, uint64_t, static_cast<uint64_t>(std::popcount(operand)))
UNARY(f32_abs, uint32_t, operand & 0x7FFFFFFFu)
UNARY(f32_neg, uint32_t, operand ^ 0x80000000u)
UNARY(f64_abs, uint64_t, operand & 0x7FFFFFFFFFFFFFFFull)
UNARY(f64_neg, uint64_t, operand ^ 0x8000000000000000ull)
FLOAT_UNARY(f32_ceil, float, f32_of, f32_result(context, std::ceil(operand)))
FLOAT_UNARY(f32_floor, float, f32_of, f32_result(context, std::floor(operand)))
FLOAT_UNARY(f32_trunc, float, f32_of, f32_result(context, std::trunc(operand)))
FLOAT_UNARY(f32_nearest, float, f32_of, f32_result(context, numeric::wasm_nearest(operand)))
FLOAT_UNARY(f32_sqrt, float, f32_of, f32_result(context, std::sqrt(operand)))
// These take an accumulated operand from the float accumulator; sqrt
// leaves its result there too.
#define F64_UNARY(name, expression, produce)  \
  HANDLER(name) {                             \
    const double operand = f64_of(fp[pc->x]); \
    produce(expression);                      \
  }                                           \
  HANDLER(name##_a) {                         \
    const double operand = float_acc;         \
    produce(expression);                      \
  }
F64_UNARY(f64_ceil, f64_result(context, std::ceil(operand)), PRODUCE)
F64_UNARY(f64_floor, f64_result(context, std::floor(operand)), PRODUCE)
F64_UNARY(f64_trunc, f64_result(context, std::trunc(operand)), PRODUCE)
F64_UNARY(f64_nearest, f64_result(context, numeric::wasm_nearest(operand)), PRODUCE)
F64_UNARY(f64_sqrt, f64_value(context, std::sqrt(operand)), PRODUCE_F64)
F64_UNARY(f32_demote_f64, f32_result(context, static_cast<float>(operand)), PRODUCE)
#undef F64_UNARY
FLOAT_UNARY(f64_promote_f32, float, f32_of, f64_result(context, static_cast<double>(operand)))

#define TRUNCATE_FORM(handler, Integer, Unsigned, of, source)      \
  HANDLER(handler) {                                               \
    Integer result;                                                \
    switch (numeric::truncate<Integer>(of(source), result)) {      \
      case numeric::Conversion::nan:                               \
        TRAP("invalid conversion to integer");                     \
      case numeric::Conversion::overflow:                          \
        TRAP("integer overflow");                                  \
      case numeric::Conversion::ok:                                \
        break;                                                     \
    }                                                              \
    PRODUCE(static_cast<uint64_t>(static_cast<Unsigned>(result))); \
  }
#define TRUNCATE(name, Integer, Unsigned, of)           \
  TRUNCATE_FORM(name, Integer, Unsigned, of, fp[pc->x]) \
  TRUNCATE_FORM(name##_a, Integer, Unsigned, of, acc)
TRUNCATE(i32_trunc_f32_s, int32_t, uint32_t, f32_of)
TRUNCATE(i32_trunc_f32_u, uint32_t, uint32_t, f32_of)
TRUNCATE(i32_trunc_f64_s, int32_t, uint32_t, f64_of)
TRUNCATE(i32_trunc_f64_u, uint32_t, uint32_t, f64_of)
TRUNCATE(i64_trunc_f32_s, int64_t, uint64_t, f32_of)
TRUNCATE(i64_trunc_f32_u, uint64_t, uint64_t, f32_of)
TRUNCATE(i64_trunc_f64_s, int64_t, uint64_t, f64_of)
TRUNCATE(i64_trunc_f64_u, uint64_t, uint64_t, f64_of)
#undef TRUNCATE
#undef TRUNCATE_FORM

#define SATURATE(name, Integer, Unsigned, of) \
  UNARY(name, uint64_t, static_cast<Unsigned>(numeric::truncate_saturating<Integer>(of(operand))))
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
UNARY(i32_reinterpret_f32, uint64_t, static_cast<uint32_t>(operand))
UNARY(i64_reinterpret_f64, uint64_t, operand)
UNARY(f32_reinterpret_i32, uint64_t, static_cast<uint32_t>(operand))
UNARY(f64_reinterpret_i64, uint64_t, operand)
#undef UNARY
#undef UNARY_FORM
#undef FLOAT_UNARY
#undef FLOAT_UNARY_FORM
#undef PRODUCE
#undef FROM_X
#undef FROM_Y
#undef FROM_ACC
#undef IMMEDIATE_X
#undef IMMEDIATE_Y

std::array<Handler, op::count> make_table() {
  std::array<Handler, op::count> table{};
  table.fill(&handle_invalid);
#define GOVCHAIN_ENTRY(name) table[op::name] = &handle_##name;
#define GOVCHAIN_FORM_ENTRY(name, form) table[op::name##_##form] = &handle_##name##_##form;
#define GOVCHAIN_ACC_ENTRIES(name) GOVCHAIN_ENTRY(name) GOVCHAIN_FORM_ENTRY(name, a)
#define GOVCHAIN_LOAD_ENTRIES(name) \
  GOVCHAIN_FORM_ENTRY(name, ss)     \
  GOVCHAIN_FORM_ENTRY(name, as)     \
  GOVCHAIN_FORM_ENTRY(name, sd)     \
  GOVCHAIN_FORM_ENTRY(name, ad) GOVCHAIN_FORM_ENTRY(name, sx) GOVCHAIN_FORM_ENTRY(name, ax)
#define GOVCHAIN_STORE_ENTRIES(name) GOVCHAIN_LOAD_ENTRIES(name) GOVCHAIN_FORM_ENTRY(name, sa)
#define GOVCHAIN_BINARY_ENTRIES(name) \
  GOVCHAIN_FORM_ENTRY(name, ss)       \
  GOVCHAIN_FORM_ENTRY(name, si) GOVCHAIN_FORM_ENTRY(name, as) GOVCHAIN_FORM_ENTRY(name, ai)
#define GOVCHAIN_IMMEDIATE_LEFT_ENTRIES(name) \
  GOVCHAIN_FORM_ENTRY(name, sa) GOVCHAIN_FORM_ENTRY(name, is) GOVCHAIN_FORM_ENTRY(name, ia)
#define GOVCHAIN_BRANCH_ENTRIES(name) GOVCHAIN_BINARY_ENTRIES(br_##name)
#define GOVCHAIN_F32_ENTRIES(name) GOVCHAIN_BINARY_ENTRIES(name) GOVCHAIN_FORM_ENTRY(name, sa)
#define GOVCHAIN_F64_ENTRIES(name) \
  GOVCHAIN_FORM_ENTRY(name, ss)    \
  GOVCHAIN_FORM_ENTRY(name, sf)    \
  GOVCHAIN_FORM_ENTRY(name, as) GOVCHAIN_FORM_ENTRY(name, af) GOVCHAIN_FORM_ENTRY(name, sa)
#define GOVCHAIN_F64_FUSED_ENTRIES(name) \
  GOVCHAIN_FORM_ENTRY(name, sm)          \
  GOVCHAIN_FORM_ENTRY(name, sa_store)    \
  GOVCHAIN_FORM_ENTRY(name, as_store)    \
  GOVCHAIN_FORM_ENTRY(name, sm_store) GOVCHAIN_FORM_ENTRY(name, ps) GOVCHAIN_FORM_ENTRY(name, sp)
  GOVCHAIN_OTHER_OPERATIONS(GOVCHAIN_ENTRY)
  GOVCHAIN_INTEGER_BINARY(GOVCHAIN_BINARY_ENTRIES)
  GOVCHAIN_IMMEDIATE_LEFT(GOVCHAIN_IMMEDIATE_LEFT_ENTRIES)
  GOVCHAIN_INTEGER_COMPARE(GOVCHAIN_BRANCH_ENTRIES)
  GOVCHAIN_F32_BINARY(GOVCHAIN_F32_ENTRIES)
  GOVCHAIN_F64_BINARY(GOVCHAIN_F64_ENTRIES)
  GOVCHAIN_F64_FUSED(GOVCHAIN_F64_FUSED_ENTRIES)
  GOVCHAIN_UNARY(GOVCHAIN_ACC_ENTRIES)
  GOVCHAIN_LOADS(GOVCHAIN_LOAD_ENTRIES)
  GOVCHAIN_STORES(GOVCHAIN_STORE_ENTRIES)
#undef GOVCHAIN_ENTRY
#undef GOVCHAIN_FORM_ENTRY
#undef GOVCHAIN_ACC_ENTRIES
#undef GOVCHAIN_STORE_ENTRIES
#undef GOVCHAIN_LOAD_ENTRIES
#undef GOVCHAIN_BINARY_ENTRIES
#undef GOVCHAIN_IMMEDIATE_LEFT_ENTRIES
#undef GOVCHAIN_BRANCH_ENTRIES
#undef GOVCHAIN_F32_ENTRIES
#undef GOVCHAIN_F64_ENTRIES
#undef GOVCHAIN_F64_FUSED_ENTRIES
  return table;
}

const std::array<Handler, op::count> Dispatch::table = make_table();

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
  const PreparedCode& code = *entry.code;
  const size_t base_depth = store.frame_depth;
  const size_t base_stack_used = store.value_stack_used;
  Context context;
  context.store = &store;
  context.consensus = store.consensus_mode();
  context.frames = store.frames.data();
  context.frame_top = context.frames + base_depth;
  context.frame_limit = context.frames + std::min<size_t>(store.limits().call_depth_max, store.frames.size());
  context.stack_begin = store.value_stack.get();
  context.stack_end = context.stack_begin + store.value_stack_slots;
  uint64_t* fp = context.stack_begin + base_stack_used;
  if (fp + arguments.size() > context.stack_end) return exhaustion_error("value stack exhausted");
  std::copy(arguments.begin(), arguments.end(), fp);
  // Zeroing the locals is priced per local and paid before it is done.
  GOVCHAIN_TRY(store.charge_gas(code.entry_gas));
  // Depth counts every frame of the Store, so host functions that call
  // back into WebAssembly cannot reset it.
  if (context.frame_top >= context.frame_limit) return exhaustion_error("call stack exhausted");
  if (fp + code.frame_slots > context.stack_end) return exhaustion_error("call stack exhausted (value stack)");
  *context.frame_top++ = Store::Frame{nullptr, fp, nullptr};
  zero_slots(fp + code.param_slots, code.local_slots);
  enter_instance(&context, entry.instance);
  uint8_t* memory = memory_of(&context);
  const Instruction* pc = code.instructions.data();
  uint64_t gas = store.gas_remaining_ - store.poll_floor_;
  gas = Dispatch::table[pc->operation](pc, fp, memory, gas, &context, 0, 0.0);
  store.gas_remaining_ = gas + store.poll_floor_;
  store.frame_depth = base_depth;
  store.value_stack_used = base_stack_used;
  if (!context.status.ok()) return context.status;
  std::copy(fp, fp + results.size(), results.begin());
  return Status();
}

}  // namespace govchain::runtime
