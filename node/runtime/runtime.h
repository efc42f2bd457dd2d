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
// Code::invalid, Code::resource_exhausted (module larger than the limit).
Result<std::shared_ptr<const Module>> load_module(ByteView bytes, const Limits& limits = {},
                                                  const GasSchedule& gas_schedule = {});

}  // namespace govchain::runtime
