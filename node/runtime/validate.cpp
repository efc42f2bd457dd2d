#include "runtime/validate.h"

#include <set>
#include <string>

#include "runtime/errors.h"

namespace govchain::runtime {
namespace {

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

  const Module& module_;
  const Limits& limits_;
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

Status ModuleValidator::validate() {
  GOVCHAIN_TRY(validate_types_and_imports());
  GOVCHAIN_TRY(validate_globals());
  GOVCHAIN_TRY(validate_exports());
  return validate_segments();
}

}  // namespace

Status validate_module(const Module& module, const Limits& limits) {
  ModuleValidator validator(module, limits);
  return validator.validate();
}

std::vector<bool> declared_function_references(const Module& module) {
  std::vector<bool> declared(module.function_type_indices.size(), false);
  const auto declare = [&declared](uint32_t index) {
    if (index < declared.size()) declared[index] = true;
  };
  for (const Global& global : module.globals)
    if (global.initializer.kind == ConstantExpression::Kind::ref_func) declare(global.initializer.index);
  for (const ElementSegment& segment : module.element_segments)
    for (const ConstantExpression& item : segment.items)
      if (item.kind == ConstantExpression::Kind::ref_func) declare(item.index);
  for (const Export& entry : module.exports)
    if (entry.kind == ExternalKind::function) declare(entry.index);
  return declared;
}

}  // namespace govchain::runtime
