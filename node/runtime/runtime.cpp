#include "runtime/runtime.h"

#include <new>

#include "runtime/decode.h"
#include "runtime/errors.h"
#include "runtime/prepare.h"
#include "runtime/validate.h"

namespace govchain::runtime {

namespace {

// The module is prepared where it will live: its call instructions keep
// the addresses of their callees' prepared code.
Result<std::shared_ptr<const Module>> load_module_unguarded(ByteView bytes, const Limits& limits,
                                                            const GasSchedule& gas_schedule) {
  GOVCHAIN_ASSIGN_OR_RETURN(Module decoded, decode_module(bytes, limits));
  auto module = std::make_shared<Module>(std::move(decoded));
  GOVCHAIN_TRY(validate_module(*module, limits));
  module->gas_schedule = gas_schedule;
  GOVCHAIN_TRY(prepare_module(*module, limits, gas_schedule));
  module->instantiation_gas = instantiation_gas(*module, gas_schedule);
  // Export names are unique (validated), so every one gets its index.
  for (uint32_t index = 0; index < module->exports.size(); ++index)
    module->export_indices.emplace(module->exports[index].name, index);
  return std::shared_ptr<const Module>(std::move(module));
}

uint64_t ceiling_eighths(uint64_t count) { return (count + 7) / 8; }

}  // namespace

uint64_t load_gas(uint64_t size_bytes, const GasSchedule& gas_schedule) {
  return gas_schedule.module_loaded + size_bytes * gas_schedule.gas_per_code_byte_loaded;
}

uint64_t instantiation_gas(const Module& module, const GasSchedule& gas_schedule) {
  const uint64_t items = module.types.size() + module.imports.size() + module.bodies.size() + module.globals.size() +
                         module.exports.size() + module.element_segments.size() + module.data_segments.size();
  uint64_t table_elements = 0;
  for (size_t index = module.imported_table_count; index < module.tables.size(); ++index)
    table_elements += module.tables[index].bounds.minimum;
  for (const ElementSegment& segment : module.element_segments) table_elements += segment.items.size();
  uint64_t memory_pages = 0;
  if (module.memories.size() > module.imported_memory_count) memory_pages = module.memories.back().bounds.minimum;
  uint64_t data_bytes = 0;
  for (const DataSegment& segment : module.data_segments)
    if (segment.mode == SegmentMode::active) data_bytes += segment.bytes.size();
  return gas_schedule.instantiation + items * gas_schedule.instantiation_per_item +
         ceiling_eighths(table_elements) * gas_schedule.gas_per_8_table_elements +
         memory_pages * gas_schedule.memory_page_allocated +
         ceiling_eighths(data_bytes) * gas_schedule.gas_per_8_bytes_copied;
}

Result<std::shared_ptr<const Module>> load_module(ByteView bytes, const Limits& limits,
                                                  const GasSchedule& gas_schedule) {
  try {
    return load_module_unguarded(bytes, limits, gas_schedule);
  } catch (const std::bad_alloc&) {
    return exhaustion_error("out of host memory while loading a module");
  }
}

}  // namespace govchain::runtime
