// libFuzzer target: decode and validate arbitrary bytes as a WebAssembly
// module. Must never crash, hang or allocate without bound; a module that
// loads must also prepare.
#include <cstddef>
#include <cstdint>

#include "runtime/runtime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  govchain::runtime::Limits limits;
  limits.module_size_bytes_max = 1024 * 1024;
  auto module = govchain::runtime::load_module(govchain::ByteView(data, size), limits);
  if (module.ok()) {
    // Every defined function got prepared code ending in a return.
    for (const auto& body : (*module)->bodies)
      if (body.prepared.instructions.empty()) __builtin_trap();
  }
  return 0;
}
