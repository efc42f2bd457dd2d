// Instantiate stage and the objects a running module works on.
//
// A Store owns everything instances create: functions, memories, tables,
// globals, and the instances themselves, plus the value stack, call frames
// and gas meter that executions use. All of it is freed with the Store.
// Objects of one Store may be shared between its instances (imports), never
// between Stores. A Store and everything in it is single-threaded: use one
// Store per execution context (per transaction, say); Modules are shared.
//
// No function here throws; every failure is a Status with a stage prefix:
// "unlinkable: ...", "trap: ...", "exhaustion: ...".
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "runtime/host.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

constexpr uint64_t page_size_bytes = 65536;

struct MemoryObject {
  Bytes bytes;
  uint32_t pages = 0;
  uint32_t pages_max = 0;  // declared maximum capped by Limits::memory_pages_max
  std::optional<uint32_t> declared_maximum;
};

struct TableObject {
  ValueType element_type = ValueType::funcref;
  std::vector<uint64_t> elements;  // references; 0 is null
  uint32_t size_max = 0;           // declared maximum capped by Limits::table_elements_max
  std::optional<uint32_t> declared_maximum;
};

struct GlobalObject {
  GlobalType type;
  uint64_t bits = 0;
};

// A function of some instance, or a host function. A funcref value is the
// address of one of these.
struct FunctionObject {
  const FunctionType* type = nullptr;
  uint32_t type_id = 0;                // equal ids <=> equal types, within one Store
  Instance* instance = nullptr;        // null for host functions
  const PreparedCode* code = nullptr;  // null for host functions
  const HostFunction* host = nullptr;
};

// Orders function types, for the Store's map from type to type id.
struct FunctionTypeOrder {
  bool operator()(const FunctionType& left, const FunctionType& right) const {
    if (left.params != right.params) return left.params < right.params;
    return left.results < right.results;
  }
};

class Instance {
 public:
  // Calls the exported function `name`. Arguments must match its parameter
  // types. Gas comes from the Store's meter.
  Result<std::vector<Value>> invoke(std::string_view name, std::span<const Value> arguments);
  Result<Value> get_global(std::string_view name) const;
  Status set_global(std::string_view name, const Value& value);
  Result<Bytes> read_memory(uint64_t address, uint64_t length) const;
  Status write_memory(uint64_t address, ByteView bytes);
  std::optional<Extern> find_export(std::string_view name) const;
  const Module& module() const { return *module_; }
  Store& store() const { return *store_; }

  // State the interpreter reads directly. Indexed by the module's index spaces.
  std::vector<FunctionObject*> functions;
  std::vector<TableObject*> tables;
  MemoryObject* memory = nullptr;
  std::vector<GlobalObject*> globals;
  std::vector<uint32_t> type_ids;                       // store type id of each module type
  std::vector<std::vector<uint64_t>> element_segments;  // emptied by elem.drop
  std::vector<ByteView> data_segments;                  // emptied by data.drop

 private:
  friend class Store;
  std::shared_ptr<const Module> module_;
  Store* store_ = nullptr;
};

class Store {
 public:
  explicit Store(Limits limits = {});
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // Instantiates `module`: resolves imports through `linker`, creates its
  // memory, tables and globals, applies element and data segments, and runs
  // the start function. On failure the returned Status says which step; side
  // effects on imported objects made before a trap remain, as the spec says.
  Result<Instance*> instantiate(std::shared_ptr<const Module> module, const Linker& linker);

  // Objects for an embedder to define as imports (the spectest module).
  MemoryObject* create_memory(const MemoryType& type);
  TableObject* create_table(const TableType& type, uint64_t initial_reference);
  GlobalObject* create_global(const GlobalType& type, uint64_t bits);

  // Gas: set a budget before executing; gas_used() counts since then. A new
  // Store has an unlimited budget (UINT64_MAX). Instantiation is charged
  // too (Module::instantiation_gas), before it allocates.
  void set_gas_limit(uint64_t gas);
  uint64_t gas_limit() const { return gas_limit_; }
  uint64_t gas_remaining() const { return gas_remaining_; }
  uint64_t gas_used() const { return gas_limit_ - gas_remaining_; }
  // Fails with Code::out_of_gas (remaining set to 0), or Code::timeout when
  // the interrupt check below stops the run.
  Status charge_gas(uint64_t gas);

  // An interrupt for runs whose results need not agree between nodes (read
  // queries): every time another `interval_gas` of gas has been charged,
  // `should_stop` is called, and if it answers true the run ends with
  // Code::timeout ("interrupted: ..."). It is called from the executing
  // thread; it may read a clock or an atomic flag that another thread sets.
  // Checking costs nothing between checks (the interpreter compares gas
  // with a floor it compares anyway). Never set it where results must be
  // deterministic, such as block execution: whether it fires depends on
  // time. An empty function removes it. Call before set_gas_limit.
  void set_interrupt(uint64_t interval_gas, std::function<bool()> should_stop);

  // Consensus mode replaces every NaN produced by float arithmetic with the
  // canonical NaN, so every node computes the same bits. Off by default.
  void set_consensus_mode(bool enabled) { consensus_mode_ = enabled; }
  bool consensus_mode() const { return consensus_mode_; }
  const Limits& limits() const { return limits_; }

  // Calls `function` with typed arguments (checked against its type).
  Result<std::vector<Value>> call(FunctionObject& function, std::span<const Value> arguments);

  // Execution state used by the interpreter (runtime/interpret.cpp).
  struct Frame;
  std::unique_ptr<uint64_t[]> value_stack;  // allocated, not touched, up front
  size_t value_stack_slots = 0;
  size_t value_stack_used = 0;
  std::vector<Frame> frames;
  size_t frame_depth = 0;
  uint64_t gas_remaining_ = UINT64_MAX;
  // The remaining gas at which the interrupt check runs next; 0 without one.
  // Invariant: poll_floor_ <= gas_remaining_.
  uint64_t poll_floor_ = 0;

 private:
  Result<Instance*> instantiate_unguarded(std::shared_ptr<const Module> module, const Linker& linker);
  Result<std::vector<Value>> call_unguarded(FunctionObject& function, std::span<const Value> arguments);
  FunctionObject* host_function_object(std::shared_ptr<const HostFunction> host);
  uint32_t type_id(const FunctionType& type);
  Status resolve_imports(Instance& instance, const Linker& linker);
  Status resolve_import(Instance& instance, const Import& import, const Extern& value);
  Status create_definitions(Instance& instance);
  Result<uint64_t> evaluate(const Instance& instance, const ConstantExpression& expression) const;
  Status initialize_segments(Instance& instance);
  Status poll_interrupt();
  void reset_poll_floor();

  Limits limits_;
  uint64_t gas_limit_ = UINT64_MAX;
  uint64_t interrupt_interval_gas_ = 0;
  std::function<bool()> should_stop_;
  bool consensus_mode_ = false;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<std::unique_ptr<FunctionObject>> functions_;
  std::vector<std::unique_ptr<MemoryObject>> memories_;
  std::vector<std::unique_ptr<TableObject>> tables_;
  std::vector<std::unique_ptr<GlobalObject>> globals_;
  std::vector<std::unique_ptr<FunctionType>> types_;
  std::map<FunctionType, uint32_t, FunctionTypeOrder> type_ids_;
  std::unordered_map<const HostFunction*, FunctionObject*> host_functions_;
  std::vector<std::shared_ptr<const HostFunction>> host_definitions_;
};

struct Store::Frame {
  const Instruction* return_pc = nullptr;
  uint64_t* frame_pointer = nullptr;
  Instance* instance = nullptr;
};

}  // namespace govchain::runtime
