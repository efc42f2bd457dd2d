#include "runtime/runtime.h"

#include <new>

#include "runtime/decode.h"
#include "runtime/errors.h"
#include "runtime/prepare.h"
#include "runtime/validate.h"

namespace govchain::runtime {

namespace {

Result<std::shared_ptr<const Module>> load_module_unguarded(ByteView bytes, const Limits& limits,
                                                            const GasSchedule& gas_schedule) {
  GOVCHAIN_ASSIGN_OR_RETURN(Module module, decode_module(bytes, limits));
  GOVCHAIN_TRY(validate_module(module, limits));
  module.gas_schedule = gas_schedule;
  GOVCHAIN_TRY(prepare_module(module, gas_schedule));
  return std::make_shared<const Module>(std::move(module));
}

}  // namespace

Result<std::shared_ptr<const Module>> load_module(ByteView bytes, const Limits& limits,
                                                  const GasSchedule& gas_schedule) {
  try {
    return load_module_unguarded(bytes, limits, gas_schedule);
  } catch (const std::bad_alloc&) {
    return exhaustion_error("out of host memory while loading a module");
  }
}

}  // namespace govchain::runtime
