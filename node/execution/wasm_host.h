// WasmContractHost: runs contracts in govchain's WebAssembly engine with the
// host API of docs/contracts.md section 2.
//
// Deploy checks that the module loads (decode, validate, prepare), exports
// its memory, and imports only known host functions with their exact
// signatures; then stores a new version (contract_store.h: the code once by
// hash in chunks, the contract record with owner, ABI and history of code
// hashes, the contract list). Who may deploy or upgrade which contract is
// the executor's decision (consortium_governance.h), made before.
//
// Every call gets a fresh instance in a fresh runtime::Store with NaN
// canonicalisation on, the transaction's remaining gas as its budget, and
// host functions that read and write the transaction's Overlay (so a failed
// call is reverted with it). Gas per host call is in host_gas below.
//
// Loading a module (decode, validate, prepare) is priced by
// runtime::load_gas and charged before the work: by a deploy, and by every
// call, whether or not this node has the module in its cache, so that every
// node charges the same gas; the cache saves time, not gas. Instantiation
// is charged by the runtime itself. A query (query()) may also stop on a
// wall-clock deadline; calls from transactions never do.
//
// Thread-safety: const methods may run concurrently (each call builds its
// own Store and Linker); the module cache is guarded by a mutex.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include "execution/contract_store.h"
#include "execution/contracts.h"
#include "runtime/runtime.h"

namespace govchain::execution {

// Gas charged by the host, before the work; see docs/contracts.md section 7.
namespace host_gas {
inline constexpr uint64_t simple = 10;
inline constexpr uint64_t per_byte_copied = 1;
inline constexpr uint64_t storage_read = 500;
inline constexpr uint64_t storage_write = 20000;
inline constexpr uint64_t storage_write_per_byte = 10;
inline constexpr uint64_t storage_remove = 20000;
inline constexpr uint64_t event = 200;
inline constexpr uint64_t event_per_byte = 2;
inline constexpr uint64_t hash = 50;
inline constexpr uint64_t signature_verify = 40000;
inline constexpr uint64_t role_check = 500;
inline constexpr uint64_t account_registration = 2000;
}  // namespace host_gas

// A query checks its deadline each time it has used this much more gas
// (about 0.1 ms of work on the development machine; docs/runtime.md).
inline constexpr uint64_t query_deadline_check_interval_gas = 200'000;

class WasmContractHost : public ContractHost {
 public:
  explicit WasmContractHost(runtime::Limits limits = contract_limits());
  static runtime::Limits contract_limits();

  Status check_deploy(const chain::ContractDeploy& deploy) const override;
  Status deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context) const override;
  Status deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context, uint64_t gas_limit,
                chain::Receipt& receipt) const override;
  Status call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller, const BlockContext& context,
              uint64_t gas_limit, chain::Receipt& receipt) const override;
  Status query(Overlay& state, const chain::ContractCall& call, const PublicKey& caller, const BlockContext& context,
               uint64_t gas_limit, std::chrono::steady_clock::time_point deadline,
               chain::Receipt& receipt) const override;

 private:
  Status check_module(const chain::ContractDeploy& deploy, std::string_view chain_id) const;
  struct LoadedCode {
    std::shared_ptr<const runtime::Module> module;
    size_t code_size_bytes = 0;
  };
  // The module of `code_hash`, from the cache or loaded; the load's price
  // is charged to `meter` first either way.
  Result<LoadedCode> module_for(const StateReader& state, const Hash& code_hash, runtime::Store& meter) const;
  Status run_call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller, const BlockContext& context,
                  runtime::Store& store, chain::Receipt& receipt) const;
  runtime::Limits limits_;
  mutable std::mutex cache_mutex_;
  mutable std::map<Hash, LoadedCode> cache_;
  mutable std::list<Hash> cache_order_;
};

}  // namespace govchain::execution
