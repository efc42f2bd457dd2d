// libFuzzer target: if the bytes load as a module, instantiate it with stub
// imports (host functions returning zeros, fresh memories, tables and
// globals) and call every exported function that takes no arguments, under a
// small gas budget, tight limits and an interrupt check that stops the
// second export after a few checks (as a query's deadline would). Must never
// crash or hang: every run ends with results, a trap, exhaustion, out of gas
// or an interrupt, and the Store stays usable after each.
#include <cstddef>
#include <cstdint>

#include "runtime/runtime.h"

namespace {

using namespace govchain::runtime;

void define_stub_imports(const Module& module, Store& store, Linker& linker) {
  for (const Import& import : module.imports) {
    Extern value{import.kind};
    switch (import.kind) {
      case ExternalKind::function: {
        if (import.type_index >= module.types.size()) continue;
        linker.define_function(
            import.module_name, import.field_name, module.types[import.type_index], 1,
            [](HostContext&, std::span<const Value>, std::span<Value>) { return govchain::Status(); });
        continue;
      }
      case ExternalKind::table: {
        TableType type = import.table;
        if (type.bounds.minimum > 1000) continue;
        value.table = store.create_table(type, 0);
        break;
      }
      case ExternalKind::memory: {
        MemoryType type = import.memory;
        if (type.bounds.minimum > 16) continue;
        value.memory = store.create_memory(type);
        break;
      }
      case ExternalKind::global:
        value.global = store.create_global(import.global, 0);
        break;
    }
    linker.define(import.module_name, import.field_name, value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Limits limits;
  limits.module_size_bytes_max = 256 * 1024;
  limits.memory_pages_max = 16;
  limits.table_elements_max = 1000;
  limits.call_depth_max = 200;
  limits.value_stack_slots_max = 64 * 1024;
  auto module = load_module(govchain::ByteView(data, size), limits);
  if (!module.ok()) return 0;
  Store store(limits);
  store.set_gas_limit(100000);
  store.set_consensus_mode(true);
  Linker linker;
  define_stub_imports(**module, store, linker);
  auto instance = store.instantiate(*module, linker);
  if (!instance.ok()) return 0;
  int checks = 0;
  int called = 0;
  for (const Export& entry : (*module)->exports) {
    if (entry.kind != ExternalKind::function) continue;
    if (!(*module)->function_type(entry.index).params.empty()) continue;
    if (++called == 2) store.set_interrupt(1000, [&checks] { return ++checks > 3; });
    store.set_gas_limit(100000);
    auto results = (*instance)->invoke(entry.name, {});
    if (!results.ok() && results.status().code() == govchain::Code::timeout && checks <= 3) __builtin_trap();
    if (store.gas_remaining() > 100000) __builtin_trap();
  }
  return 0;
}
