// WasmContractHost: runs contracts in govchain's WebAssembly engine with the
// host API of docs/contracts.md section 2.
//
// Deploy checks that the module loads (decode, validate, prepare), exports
// its memory, and imports only known host functions with their exact
// signatures; then stores the code once by hash ("c/code/" + hash) and the
// contract record ("c/meta/" + name: municipality, ABI, history of code
// hashes). Deploying an existing name again is an upgrade: allowed only for
// the municipality that deployed it, and appended to the history.
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
inline constexpr uint64_t instantiate_per_code_byte = 1;  // charged before a call runs
}  // namespace host_gas

struct ContractRecord {
  std::string municipality;
  std::string abi_json;
  struct Version {
    Hash code_hash;
    uint64_t height = 0;
    int64_t time_ms = 0;
  };
  std::vector<Version> history;  // oldest first; the last is the live code
};

Bytes encode_contract_record(const ContractRecord& record);
Result<ContractRecord> decode_contract_record(ByteView bytes);
Result<std::vector<std::string>> decode_contract_list(ByteView bytes);

class WasmContractHost : public ContractHost {
 public:
  explicit WasmContractHost(runtime::Limits limits = contract_limits());
  static runtime::Limits contract_limits();

  Status deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context) const override;
  Status call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller, const BlockContext& context,
              uint64_t gas_limit, chain::Receipt& receipt) const override;

 private:
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
