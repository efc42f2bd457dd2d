#include "runtime/host.h"

#include "runtime/errors.h"
#include "runtime/instance.h"

namespace govchain::runtime {

Status HostContext::charge_gas(uint64_t gas) { return store_.charge_gas(gas); }

uint64_t HostContext::gas_remaining() const { return store_.gas_remaining(); }

std::span<uint8_t> HostContext::memory() {
  if (caller_ == nullptr || caller_->memory == nullptr) return {};
  return std::span<uint8_t>(caller_->memory->bytes);
}

Result<Bytes> HostContext::read_memory(uint64_t address, uint64_t length) const {
  if (caller_ == nullptr) return trap_error("host function called without a calling instance");
  return caller_->read_memory(address, length);
}

Status HostContext::write_memory(uint64_t address, ByteView bytes) {
  if (caller_ == nullptr) return trap_error("host function called without a calling instance");
  return caller_->write_memory(address, bytes);
}

void Linker::define_function(std::string module_name, std::string field_name, FunctionType type, uint64_t gas_cost,
                             HostCallback callback) {
  auto function = std::make_shared<HostFunction>();
  function->debug_name = module_name + "." + field_name;
  function->type = std::move(type);
  function->gas_cost = gas_cost;
  function->callback = std::move(callback);
  functions_[{std::move(module_name), std::move(field_name)}] = std::move(function);
}

void Linker::define(std::string module_name, std::string field_name, Extern value) {
  externs_[{std::move(module_name), std::move(field_name)}] = value;
}

void Linker::register_instance(std::string module_name, Instance& instance) {
  instances_[std::move(module_name)] = &instance;
}

std::shared_ptr<const HostFunction> Linker::find_host_function(const std::string& module_name,
                                                               const std::string& field_name) const {
  auto found = functions_.find({module_name, field_name});
  return found == functions_.end() ? nullptr : found->second;
}

const Extern* Linker::find_extern(const std::string& module_name, const std::string& field_name) const {
  auto found = externs_.find({module_name, field_name});
  return found == externs_.end() ? nullptr : &found->second;
}

Instance* Linker::find_instance(const std::string& module_name) const {
  auto found = instances_.find(module_name);
  return found == instances_.end() ? nullptr : found->second;
}

}  // namespace govchain::runtime
