// The `spectest` host module that the WebAssembly spec scripts import:
// print functions, four globals, a funcref table and a memory. Defines them
// into a Linker; the objects belong to the given Store.
#pragma once

#include "runtime/host.h"
#include "runtime/instance.h"

namespace govchain::wasm_spec {

void define_spectest_module(runtime::Store& store, runtime::Linker& linker);

}  // namespace govchain::wasm_spec
