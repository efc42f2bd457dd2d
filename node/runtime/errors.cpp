#include "runtime/errors.h"

namespace govchain::runtime {

Status malformed_error(std::string_view cause, size_t offset) {
  return Status(Code::malformed, "malformed: " + std::string(cause) + " at byte offset " + std::to_string(offset));
}

Status invalid_error(std::string_view cause, size_t offset) {
  return Status(Code::invalid, "invalid: " + std::string(cause) + " at byte offset " + std::to_string(offset));
}

Status unlinkable_error(std::string_view cause) {
  return Status(Code::unlinkable, "unlinkable: " + std::string(cause));
}

Status trap_error(std::string_view cause) { return Status(Code::trap, "trap: " + std::string(cause)); }

Status exhaustion_error(std::string_view cause) {
  return Status(Code::resource_exhausted, "exhaustion: " + std::string(cause));
}

Status out_of_gas_error(uint64_t gas_limit) {
  return Status(Code::out_of_gas, "exhaustion: out of gas (limit " + std::to_string(gas_limit) + ")");
}

}  // namespace govchain::runtime
