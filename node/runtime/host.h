// The host-function interface: how an embedder (the chain's contract host
// API, the spec-test harness) gives a module functions to import.
//
// A HostFunction is a signature, a fixed gas cost charged before every call,
// and a callback. The callback receives a HostContext through which it may
// read and write the calling instance's memory 0 and charge further gas (for
// example per byte hashed). It returns a Status: ok, or an error that traps
// the whole invocation with that message (Code::trap unless the callback
// chose another code, e.g. out_of_gas). Callbacks must not throw; the
// interpreter does not catch.
//
// Ownership: a Linker owns its HostFunction definitions (shared, immutable
// once defined) and borrows the store objects and instances it names.
// Thread safety: a Linker may be read by several threads once fully defined;
// a HostContext is valid only during its callback, on the calling thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "runtime/module.h"
#include "runtime/types.h"

namespace govchain::runtime {

class Store;
class Instance;
struct MemoryObject;
struct TableObject;
struct GlobalObject;
struct FunctionObject;

class HostContext {
 public:
  HostContext(Store& store, Instance* caller) : store_(store), caller_(caller) {}

  // Charges `gas` more; fails with Code::out_of_gas (return that Status to trap).
  Status charge_gas(uint64_t gas);
  uint64_t gas_remaining() const;
  // Copies `length` bytes at `address` of the caller's memory 0; fails with a
  // trap Status when out of bounds or when the caller has no memory.
  Result<Bytes> read_memory(uint64_t address, uint64_t length) const;
  Status write_memory(uint64_t address, ByteView bytes);
  // The caller's memory 0, or an empty span; invalidated by memory growth.
  std::span<uint8_t> memory();
  Instance* caller() const { return caller_; }
  Store& store() const { return store_; }

 private:
  Store& store_;
  Instance* caller_;
};

using HostCallback =
    std::function<Status(HostContext& context, std::span<const Value> arguments, std::span<Value> results)>;

struct HostFunction {
  std::string debug_name;  // "module.field", for error messages
  FunctionType type;
  uint64_t gas_cost = 0;  // charged before each call, on top of GasSchedule::host_call
  HostCallback callback;
};

// Something an import can resolve to. The pointers belong to a Store.
struct Extern {
  ExternalKind kind = ExternalKind::function;
  FunctionObject* function = nullptr;
  TableObject* table = nullptr;
  MemoryObject* memory = nullptr;
  GlobalObject* global = nullptr;
};

// Resolves imports by module and field name: host functions defined here,
// store objects defined here, and exports of registered instances.
class Linker {
 public:
  void define_function(std::string module_name, std::string field_name, FunctionType type, uint64_t gas_cost,
                       HostCallback callback);
  // A store object (memory, table, global or function); the store must
  // outlive every instantiation that uses this linker.
  void define(std::string module_name, std::string field_name, Extern value);
  // Makes every export of `instance` importable under `module_name`.
  void register_instance(std::string module_name, Instance& instance);

  std::shared_ptr<const HostFunction> find_host_function(const std::string& module_name,
                                                         const std::string& field_name) const;
  const Extern* find_extern(const std::string& module_name, const std::string& field_name) const;
  Instance* find_instance(const std::string& module_name) const;

 private:
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const HostFunction>> functions_;
  std::map<std::pair<std::string, std::string>, Extern> externs_;
  std::map<std::string, Instance*> instances_;
};

}  // namespace govchain::runtime
