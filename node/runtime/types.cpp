#include "runtime/types.h"

#include <cstdio>

#include "core/limits.h"
#include "runtime/module.h"

namespace govchain::runtime {

bool is_reference_type(ValueType type) { return type == ValueType::funcref || type == ValueType::externref; }

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::i32:
      return "i32";
    case ValueType::i64:
      return "i64";
    case ValueType::f32:
      return "f32";
    case ValueType::f64:
      return "f64";
    case ValueType::funcref:
      return "funcref";
    case ValueType::externref:
      return "externref";
  }
  return "unknown";
}

std::string value_to_string(const Value& value) {
  char buffer[64];
  switch (value.type) {
    case ValueType::i32:
      std::snprintf(buffer, sizeof buffer, "i32:%u", static_cast<uint32_t>(value.bits));
      break;
    case ValueType::i64:
      std::snprintf(buffer, sizeof buffer, "i64:%llu", static_cast<unsigned long long>(value.bits));
      break;
    case ValueType::f32:
      std::snprintf(buffer, sizeof buffer, "f32:%g(0x%08x)", static_cast<double>(value.as_f32()),
                    static_cast<uint32_t>(value.bits));
      break;
    case ValueType::f64:
      std::snprintf(buffer, sizeof buffer, "f64:%g(0x%016llx)", value.as_f64(),
                    static_cast<unsigned long long>(value.bits));
      break;
    case ValueType::funcref:
    case ValueType::externref:
      if (value.is_null()) return std::string(value_type_name(value.type)) + ":null";
      std::snprintf(
          buffer, sizeof buffer, "%s:%llu", value.type == ValueType::funcref ? "funcref" : "externref",
          static_cast<unsigned long long>(value.type == ValueType::externref ? value.externref_handle() : value.bits));
      break;
  }
  return buffer;
}

std::string function_type_to_string(const FunctionType& type) {
  std::string text = "[";
  for (size_t index = 0; index < type.params.size(); ++index)
    text += (index ? " " : "") + std::string(value_type_name(type.params[index]));
  text += "] -> [";
  for (size_t index = 0; index < type.results.size(); ++index)
    text += (index ? " " : "") + std::string(value_type_name(type.results[index]));
  return text + "]";
}

Limits contract_limits() {
  Limits limits;
  // A contract's code arrives in one transaction, so no larger than its payload.
  limits.module_size_bytes_max = govchain::limits::tx_payload_size_bytes_max;
  limits.functions_max = 1024;
  limits.types_max = 256;
  limits.type_arity_max = 16;
  limits.imports_max = 64;
  limits.exports_max = 256;
  limits.globals_max = 256;
  limits.tables_max = 4;
  limits.segments_max = 256;
  limits.locals_per_function_max = 1024;
  limits.function_size_bytes_max = 128 * 1024;
  limits.control_nesting_max = 512;
  limits.br_table_labels_max = 4096;
  limits.memory_pages_max = 256;  // 16 MiB
  limits.table_elements_max = 4096;
  limits.call_depth_max = 500;
  limits.value_stack_slots_max = 256 * 1024;
  limits.results_max = 32;
  return limits;
}

std::string_view external_kind_name(ExternalKind kind) {
  switch (kind) {
    case ExternalKind::function:
      return "function";
    case ExternalKind::table:
      return "table";
    case ExternalKind::memory:
      return "memory";
    case ExternalKind::global:
      return "global";
  }
  return "unknown";
}

}  // namespace govchain::runtime
