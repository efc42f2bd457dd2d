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
inline constexpr uint64_t storage_write = 2000;
inline constexpr uint64_t storage_write_per_byte = 10;
inline constexpr uint64_t storage_remove = 1000;
inline constexpr uint64_t event = 200;
inline constexpr uint64_t event_per_byte = 2;
inline constexpr uint64_t hash = 50;
inline constexpr uint64_t signature_verify = 5000;
inline constexpr uint64_t role_check = 500;
inline constexpr uint64_t account_registration = 2000;
inline constexpr uint64_t instantiate_per_code_byte = 1;  // charged before a call runs
}  // namespace host_gas

class WasmContractHost : public ContractHost {
 public:
  explicit WasmContractHost(runtime::Limits limits = contract_limits());
  static runtime::Limits contract_limits();

  Status check_deploy(const chain::ContractDeploy& deploy) const override;
  Status deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context) const override;
  Status call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller, const BlockContext& context,
              uint64_t gas_limit, chain::Receipt& receipt) const override;

 private:
  Status check_module(const chain::ContractDeploy& deploy, std::string_view chain_id) const;
  struct LoadedCode {
    std::shared_ptr<const runtime::Module> module;
    size_t code_size_bytes = 0;
  };
  Result<LoadedCode> module_for(const StateReader& state, const Hash& code_hash) const;
  runtime::Limits limits_;
  mutable std::mutex cache_mutex_;
  mutable std::map<Hash, LoadedCode> cache_;
  mutable std::list<Hash> cache_order_;
};

}  // namespace govchain::execution
