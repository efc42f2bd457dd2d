// The WebAssembly runtime's front door. Include this header to load modules;
// see runtime/instance.h to instantiate and run them and runtime/host.h to
// give them host functions.
//
//   Result<std::shared_ptr<const Module>> module = load_module(bytes, limits, gas);
//   Store store(limits);
//   Linker linker;
//   linker.define_function("env", "log", {{ValueType::i32, ValueType::i32}, {}}, 100, callback);
//   Result<Instance*> instance = store.instantiate(*module, linker);
//   store.set_gas_limit(1'000'000);
//   Result<std::vector<Value>> results = (*instance)->invoke("run", {});
//
// Pipeline: decode (runtime/decode.h) -> validate (runtime/validate.h) ->
// prepare (runtime/prepare.h) here, then instantiate (runtime/instance.h)
// and interpret (runtime/interpret.h). Thread safety: load_module is a pure
// function; the returned Module is immutable and may be shared.
#pragma once

#include <memory>

#include "core/bytes.h"
#include "core/status.h"
#include "runtime/host.h"
#include "runtime/instance.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

// Decodes, validates and prepares `bytes`. Errors: Code::malformed,
// Code::invalid (both name the bound when a Limits count is exceeded),
// Code::resource_exhausted (module larger than the limit, a table or memory
// whose initial size exceeds it). Time and memory are linear in the size of
// `bytes`, with factors bounded by `limits`.
Result<std::shared_ptr<const Module>> load_module(ByteView bytes, const Limits& limits = {},
                                                  const GasSchedule& gas_schedule = {});

// The gas that loading `size_bytes` of module code costs (decode, validate
// and prepare): GasSchedule::module_loaded plus gas_per_code_byte_loaded
// per byte. load_module does not charge it, having no meter; an embedder
// that meters loading (a deploy, a call whose module may not be cached)
// charges this first and loads only if the gas covers it.
uint64_t load_gas(uint64_t size_bytes, const GasSchedule& gas_schedule = {});

// What Store::instantiate charges for `module` before it allocates: a base,
// each type, import, function, global, export and segment, every element
// of the defined tables' initial sizes and of the element segments, the
// defined memory's initial pages and the bytes of active data segments.
// load_module stores it in Module::instantiation_gas.
uint64_t instantiation_gas(const Module& module, const GasSchedule& gas_schedule);

}  // namespace govchain::runtime
