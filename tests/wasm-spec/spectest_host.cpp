#include "spectest_host.h"

#include <bit>

namespace govchain::wasm_spec {

using runtime::ValueType;

namespace {

void define_print(runtime::Linker& linker, const char* name, std::vector<ValueType> params) {
  // The spec harness's print functions do nothing we check; staying silent
  // keeps the runner's output readable.
  linker.define_function("spectest", name, runtime::FunctionType{std::move(params), {}}, 0,
                         [](runtime::HostContext&, std::span<const runtime::Value>, std::span<runtime::Value>) {
                           return Status();
                         });
}

}  // namespace

void define_spectest_module(runtime::Store& store, runtime::Linker& linker) {
  define_print(linker, "print", {});
  define_print(linker, "print_i32", {ValueType::i32});
  define_print(linker, "print_i64", {ValueType::i64});
  define_print(linker, "print_f32", {ValueType::f32});
  define_print(linker, "print_f64", {ValueType::f64});
  define_print(linker, "print_i32_f32", {ValueType::i32, ValueType::f32});
  define_print(linker, "print_f64_f64", {ValueType::f64, ValueType::f64});
  auto global = [&](const char* name, ValueType type, uint64_t bits) {
    runtime::Extern value{runtime::ExternalKind::global};
    value.global = store.create_global(runtime::GlobalType{type, false}, bits);
    linker.define("spectest", name, value);
  };
  global("global_i32", ValueType::i32, 666);
  global("global_i64", ValueType::i64, 666);
  global("global_f32", ValueType::f32, std::bit_cast<uint32_t>(666.6f));
  global("global_f64", ValueType::f64, std::bit_cast<uint64_t>(666.6));
  runtime::Extern table{runtime::ExternalKind::table};
  table.table = store.create_table(runtime::TableType{ValueType::funcref, {10, 20}}, 0);
  linker.define("spectest", "table", table);
  runtime::Extern memory{runtime::ExternalKind::memory};
  memory.memory = store.create_memory(runtime::MemoryType{{1, 2}});
  linker.define("spectest", "memory", memory);
}

}  // namespace govchain::wasm_spec
