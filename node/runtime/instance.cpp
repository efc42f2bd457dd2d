#include "runtime/instance.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "runtime/errors.h"
#include "runtime/interpret.h"

namespace govchain::runtime {
namespace {

bool bounds_match(uint64_t actual_minimum, const std::optional<uint32_t>& actual_maximum, const SizeBounds& wanted) {
  if (actual_minimum < wanted.minimum) return false;
  if (!wanted.maximum) return true;
  return actual_maximum && *actual_maximum <= *wanted.maximum;
}

std::string import_name(const Import& import) { return import.module_name + "." + import.field_name; }

}  // namespace

Store::Store(Limits limits) : limits_(limits) {
  value_stack_slots = limits_.value_stack_slots_max;
  value_stack.reset(new uint64_t[value_stack_slots]);
  frames.resize(static_cast<size_t>(limits_.call_depth_max) + 1);
}

Store::~Store() = default;

void Store::set_gas_limit(uint64_t gas) {
  gas_limit_ = gas;
  gas_remaining_ = gas;
  reset_poll_floor();
}

void Store::set_interrupt(uint64_t interval_gas, std::function<bool()> should_stop) {
  interrupt_interval_gas_ = std::max<uint64_t>(interval_gas, 1);
  should_stop_ = std::move(should_stop);
  reset_poll_floor();
}

void Store::reset_poll_floor() {
  if (!should_stop_) {
    poll_floor_ = 0;
    return;
  }
  poll_floor_ = gas_remaining_ > interrupt_interval_gas_ ? gas_remaining_ - interrupt_interval_gas_ : 0;
}

Status Store::poll_interrupt() {
  if (should_stop_ && should_stop_())
    return Status(Code::timeout, "interrupted: the embedder stopped the run after " + std::to_string(gas_used()) +
                                     " gas (a time budget, for example)");
  reset_poll_floor();
  return Status();
}

Status Store::charge_gas(uint64_t gas) {
  if (gas > gas_remaining_) {
    gas_remaining_ = 0;
    poll_floor_ = 0;
    return out_of_gas_error(gas_limit_);
  }
  gas_remaining_ -= gas;
  if (gas_remaining_ < poll_floor_) return poll_interrupt();
  return Status();
}

// Types are interned by value so that call_indirect can compare ids; the
// map keeps that logarithmic in the Store's types, where a linear search
// made instantiating a module of many types quadratic.
uint32_t Store::type_id(const FunctionType& type) {
  auto found = type_ids_.find(type);
  if (found != type_ids_.end()) return found->second;
  types_.push_back(std::make_unique<FunctionType>(type));
  const uint32_t id = static_cast<uint32_t>(types_.size() - 1);
  type_ids_.emplace(type, id);
  return id;
}

FunctionObject* Store::host_function_object(std::shared_ptr<const HostFunction> host) {
  auto found = host_functions_.find(host.get());
  if (found != host_functions_.end()) return found->second;
  auto function = std::make_unique<FunctionObject>();
  function->type = &host->type;
  function->type_id = type_id(host->type);
  function->host = host.get();
  FunctionObject* raw = function.get();
  functions_.push_back(std::move(function));
  host_functions_[host.get()] = raw;
  host_definitions_.push_back(std::move(host));
  return raw;
}

MemoryObject* Store::create_memory(const MemoryType& type) {
  auto memory = std::make_unique<MemoryObject>();
  memory->pages = type.bounds.minimum;
  memory->declared_maximum = type.bounds.maximum;
  memory->pages_max = std::min<uint32_t>(type.bounds.maximum.value_or(65536), limits_.memory_pages_max);
  memory->bytes.resize(static_cast<size_t>(memory->pages) * page_size_bytes);
  memories_.push_back(std::move(memory));
  return memories_.back().get();
}

TableObject* Store::create_table(const TableType& type, uint64_t initial_reference) {
  auto table = std::make_unique<TableObject>();
  table->element_type = type.element_type;
  table->declared_maximum = type.bounds.maximum;
  table->size_max = std::min<uint32_t>(type.bounds.maximum.value_or(UINT32_MAX), limits_.table_elements_max);
  table->elements.assign(type.bounds.minimum, initial_reference);
  tables_.push_back(std::move(table));
  return tables_.back().get();
}

GlobalObject* Store::create_global(const GlobalType& type, uint64_t bits) {
  globals_.push_back(std::make_unique<GlobalObject>(GlobalObject{type, bits}));
  return globals_.back().get();
}

Status Store::resolve_import(Instance& instance, const Import& import, const Extern& value) {
  const std::string name = import_name(import);
  if (value.kind != import.kind) return unlinkable_error("incompatible import type for " + name + ": kind differs");
  const Module& module = *instance.module_;
  switch (import.kind) {
    case ExternalKind::function:
      if (*value.function->type != module.types[import.type_index])
        return unlinkable_error("incompatible import type for " + name + ": expected " +
                                function_type_to_string(module.types[import.type_index]) + ", got " +
                                function_type_to_string(*value.function->type));
      instance.functions.push_back(value.function);
      return Status();
    case ExternalKind::table:
      if (value.table->element_type != import.table.element_type ||
          !bounds_match(value.table->elements.size(), value.table->declared_maximum, import.table.bounds))
        return unlinkable_error("incompatible import type for " + name + ": table type or size");
      instance.tables.push_back(value.table);
      return Status();
    case ExternalKind::memory:
      if (!bounds_match(value.memory->pages, value.memory->declared_maximum, import.memory.bounds))
        return unlinkable_error("incompatible import type for " + name + ": memory size");
      instance.memory = value.memory;
      return Status();
    case ExternalKind::global:
      if (value.global->type.type != import.global.type || value.global->type.is_mutable != import.global.is_mutable)
        return unlinkable_error("incompatible import type for " + name + ": global type");
      instance.globals.push_back(value.global);
      return Status();
  }
  return unlinkable_error("unknown import kind");
}

Status Store::resolve_imports(Instance& instance, const Linker& linker) {
  for (const Import& import : instance.module_->imports) {
    Extern value;
    bool found = false;
    if (import.kind == ExternalKind::function) {
      if (auto host = linker.find_host_function(import.module_name, import.field_name)) {
        value = Extern{ExternalKind::function, host_function_object(std::move(host))};
        found = true;
      }
    }
    if (!found) {
      if (const Extern* defined = linker.find_extern(import.module_name, import.field_name)) {
        value = *defined;
        found = true;
      } else if (Instance* source = linker.find_instance(import.module_name)) {
        if (auto exported = source->find_export(import.field_name)) {
          value = *exported;
          found = true;
        }
      }
    }
    if (!found) return unlinkable_error("unknown import " + import_name(import));
    GOVCHAIN_TRY(resolve_import(instance, import, value));
  }
  return Status();
}

Result<uint64_t> Store::evaluate(const Instance& instance, const ConstantExpression& expression) const {
  switch (expression.kind) {
    case ConstantExpression::Kind::constant:
      return expression.bits;
    case ConstantExpression::Kind::global_get:
      return instance.globals[expression.index]->bits;
    case ConstantExpression::Kind::ref_null:
      return uint64_t{0};
    case ConstantExpression::Kind::ref_func:
      return reinterpret_cast<uint64_t>(instance.functions[expression.index]);
  }
  return Status(Code::internal, "internal: unknown constant expression");
}

Status Store::create_definitions(Instance& instance) {
  const Module& module = *instance.module_;
  for (size_t index = 0; index < module.bodies.size(); ++index) {
    auto function = std::make_unique<FunctionObject>();
    const uint32_t type_index = module.function_type_indices[module.imported_function_count + index];
    function->type = &module.types[type_index];
    function->type_id = instance.type_ids[type_index];
    function->instance = &instance;
    function->code = &module.bodies[index].prepared;
    instance.functions.push_back(function.get());
    functions_.push_back(std::move(function));
  }
  for (size_t index = module.imported_table_count; index < module.tables.size(); ++index) {
    if (module.tables[index].bounds.minimum > limits_.table_elements_max)
      return exhaustion_error("table of " + std::to_string(module.tables[index].bounds.minimum) +
                              " elements exceeds the limit");
    instance.tables.push_back(create_table(module.tables[index], 0));
  }
  if (module.memories.size() > module.imported_memory_count) {
    if (module.memories.back().bounds.minimum > limits_.memory_pages_max)
      return exhaustion_error("memory of " + std::to_string(module.memories.back().bounds.minimum) +
                              " pages exceeds the limit of " + std::to_string(limits_.memory_pages_max));
    instance.memory = create_memory(module.memories.back());
  }
  for (const Global& global : module.globals) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t bits, evaluate(instance, global.initializer));
    instance.globals.push_back(create_global(global.type, bits));
  }
  return Status();
}

Status Store::initialize_segments(Instance& instance) {
  const Module& module = *instance.module_;
  for (const ElementSegment& segment : module.element_segments) {
    std::vector<uint64_t> items;
    items.reserve(segment.items.size());
    for (const ConstantExpression& item : segment.items) {
      GOVCHAIN_ASSIGN_OR_RETURN(uint64_t bits, evaluate(instance, item));
      items.push_back(bits);
    }
    instance.element_segments.push_back(std::move(items));
  }
  for (const DataSegment& segment : module.data_segments) instance.data_segments.emplace_back(segment.bytes);
  for (size_t index = 0; index < module.element_segments.size(); ++index) {
    const ElementSegment& segment = module.element_segments[index];
    if (segment.mode == SegmentMode::active) {
      GOVCHAIN_ASSIGN_OR_RETURN(uint64_t offset_bits, evaluate(instance, segment.offset));
      const uint64_t offset = static_cast<uint32_t>(offset_bits);
      TableObject& table = *instance.tables[segment.table_index];
      std::vector<uint64_t>& items = instance.element_segments[index];
      if (offset + items.size() > table.elements.size()) return trap_error("out of bounds table access");
      std::copy(items.begin(), items.end(), table.elements.begin() + static_cast<ptrdiff_t>(offset));
    }
    if (segment.mode != SegmentMode::passive) instance.element_segments[index].clear();
  }
  for (size_t index = 0; index < module.data_segments.size(); ++index) {
    const DataSegment& segment = module.data_segments[index];
    if (segment.mode != SegmentMode::active) continue;
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t offset_bits, evaluate(instance, segment.offset));
    const uint64_t offset = static_cast<uint32_t>(offset_bits);
    MemoryObject& memory = *instance.memory;
    if (offset + segment.bytes.size() > memory.bytes.size()) return trap_error("out of bounds memory access");
    if (!segment.bytes.empty()) std::memcpy(memory.bytes.data() + offset, segment.bytes.data(), segment.bytes.size());
    instance.data_segments[index] = {};
  }
  return Status();
}

Result<Instance*> Store::instantiate(std::shared_ptr<const Module> module, const Linker& linker) {
  try {
    return instantiate_unguarded(std::move(module), linker);
  } catch (const std::bad_alloc&) {
    return exhaustion_error("out of host memory while instantiating");
  }
}

Result<Instance*> Store::instantiate_unguarded(std::shared_ptr<const Module> module, const Linker& linker) {
  // Everything below allocates or copies in proportion to the module's
  // declarations; their price is paid first.
  GOVCHAIN_TRY(charge_gas(module->instantiation_gas));
  auto owned = std::make_unique<Instance>();
  Instance& instance = *owned;
  instance.module_ = std::move(module);
  instance.store_ = this;
  for (const FunctionType& type : instance.module_->types) instance.type_ids.push_back(type_id(type));
  GOVCHAIN_TRY(resolve_imports(instance, linker));
  GOVCHAIN_TRY(create_definitions(instance));
  // Kept even if a segment traps below: tables it wrote may point at its functions.
  instances_.push_back(std::move(owned));
  GOVCHAIN_TRY(initialize_segments(instance));
  if (instance.module_->start_function) {
    auto results = call(*instance.functions[*instance.module_->start_function], {});
    if (!results.ok()) return results.status();
  }
  return &instance;
}

// Nothing in the runtime throws, but an allocation can fail and a host
// callback might break its contract; neither may cross the API.
Result<std::vector<Value>> Store::call(FunctionObject& function, std::span<const Value> arguments) {
  const size_t frame_depth_before = frame_depth;
  const size_t value_stack_used_before = value_stack_used;
  try {
    return call_unguarded(function, arguments);
  } catch (const std::bad_alloc&) {
    frame_depth = frame_depth_before;
    value_stack_used = value_stack_used_before;
    return exhaustion_error("out of host memory");
  } catch (const std::exception& exception) {
    frame_depth = frame_depth_before;
    value_stack_used = value_stack_used_before;
    return Status(Code::internal, std::string("internal: exception during a call: ") + exception.what());
  }
}

Result<std::vector<Value>> Store::call_unguarded(FunctionObject& function, std::span<const Value> arguments) {
  const FunctionType& type = *function.type;
  if (arguments.size() != type.params.size())
    return error(Code::invalid_argument, "expected " + std::to_string(type.params.size()) + " arguments, got " +
                                             std::to_string(arguments.size()));
  std::vector<uint64_t> slots(std::max(type.params.size(), type.results.size()));
  for (size_t index = 0; index < arguments.size(); ++index) {
    if (arguments[index].type != type.params[index])
      return error(Code::invalid_argument, "argument " + std::to_string(index) + " has the wrong type");
    slots[index] = arguments[index].bits;
  }
  if (type.results.size() > limits_.results_max) return exhaustion_error("too many results");
  std::vector<uint64_t> result_slots(type.results.size());
  if (function.host != nullptr) {
    GOVCHAIN_TRY(call_host(*this, nullptr, function, slots.data(), slots.data()));
    std::copy_n(slots.begin(), result_slots.size(), result_slots.begin());
  } else {
    GOVCHAIN_TRY(execute(*this, function, std::span<const uint64_t>(slots.data(), arguments.size()), result_slots));
  }
  std::vector<Value> results(type.results.size());
  for (size_t index = 0; index < results.size(); ++index)
    results[index] = Value{type.results[index], result_slots[index]};
  return results;
}

Result<std::vector<Value>> Instance::invoke(std::string_view name, std::span<const Value> arguments) {
  auto found = find_export(name);
  if (!found || found->kind != ExternalKind::function)
    return error(Code::not_found, "no exported function named " + std::string(name));
  return store_->call(*found->function, arguments);
}

std::optional<Extern> Instance::find_export(std::string_view name) const {
  auto found = module_->export_indices.find(name);
  if (found == module_->export_indices.end()) return std::nullopt;
  const Export& entry = module_->exports[found->second];
  Extern value{entry.kind};
  switch (entry.kind) {
    case ExternalKind::function:
      value.function = functions[entry.index];
      break;
    case ExternalKind::table:
      value.table = tables[entry.index];
      break;
    case ExternalKind::memory:
      value.memory = memory;
      break;
    case ExternalKind::global:
      value.global = globals[entry.index];
      break;
  }
  return value;
}

Result<Value> Instance::get_global(std::string_view name) const {
  auto found = find_export(name);
  if (!found || found->kind != ExternalKind::global)
    return error(Code::not_found, "no exported global named " + std::string(name));
  return Value{found->global->type.type, found->global->bits};
}

Status Instance::set_global(std::string_view name, const Value& value) {
  auto found = find_export(name);
  if (!found || found->kind != ExternalKind::global)
    return error(Code::not_found, "no exported global named " + std::string(name));
  if (!found->global->type.is_mutable)
    return error(Code::invalid_argument, "global " + std::string(name) + " is immutable");
  if (found->global->type.type != value.type)
    return error(Code::invalid_argument, "global " + std::string(name) + " has another type");
  found->global->bits = value.bits;
  return Status();
}

Result<Bytes> Instance::read_memory(uint64_t address, uint64_t length) const {
  if (memory == nullptr || address + length > memory->bytes.size() || address + length < address)
    return trap_error("out of bounds memory access");
  return Bytes(memory->bytes.begin() + static_cast<ptrdiff_t>(address),
               memory->bytes.begin() + static_cast<ptrdiff_t>(address + length));
}

Status Instance::write_memory(uint64_t address, ByteView bytes) {
  if (memory == nullptr || address + bytes.size() > memory->bytes.size() || address + bytes.size() < address)
    return trap_error("out of bounds memory access");
  if (!bytes.empty()) std::memcpy(memory->bytes.data() + address, bytes.data(), bytes.size());
  return Status();
}

}  // namespace govchain::runtime
