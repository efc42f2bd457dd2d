// ContractHost: deploys and calls WebAssembly contracts for the executor.
//
// Deploy checks the module and stores a new version of the named contract
// (contract_store.h: code by hash, the record's history, the contract list);
// deploying an existing name again upgrades it. Who may deploy what is
// decided before, by the executor (consortium_governance.h). Calls run the
// named contract's exported method under a gas limit with the host API of
// docs/contracts.md.
// Implementations hold no per-call state and are safe to share between
// threads that use separate overlays.
#pragma once

#include <chrono>

#include "chain/block.h"
#include "execution/executor.h"
#include "execution/overlay.h"

namespace govchain::execution {

class ContractHost {
 public:
  virtual ~ContractHost() = default;
  // The checks of deploy() that need no state: the module loads and uses
  // only the host API. Used when a shared contract is proposed, so that a
  // proposal that could never be applied is refused at once.
  virtual Status check_deploy(const chain::ContractDeploy& deploy) const = 0;
  // Deploys without a gas budget: for the genesis, whose contracts are trusted.
  virtual Status deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context) const = 0;
  // Deploys from a transaction: the cost of loading the code is charged
  // against `gas_limit` (adding to receipt.gas_used) before the code is
  // loaded; Code::out_of_gas when the gas cannot cover it.
  virtual Status deploy(Overlay& state, const chain::ContractDeploy& deploy, const BlockContext& context,
                        uint64_t gas_limit, chain::Receipt& receipt) const = 0;
  // Adds the gas used to receipt.gas_used, fills return data and events.
  virtual Status call(Overlay& state, const chain::ContractCall& call, const PublicKey& caller,
                      const BlockContext& context, uint64_t gas_limit, chain::Receipt& receipt) const = 0;
  // A read-only call for a query (Executor::query): call(), stopped with
  // Code::timeout once `deadline` has passed. Only queries have a deadline:
  // whether it fires depends on the machine, so block execution never sets
  // one.
  virtual Status query(Overlay& state, const chain::ContractCall& call, const PublicKey& caller,
                       const BlockContext& context, uint64_t gas_limit, std::chrono::steady_clock::time_point deadline,
                       chain::Receipt& receipt) const = 0;
};

}  // namespace govchain::execution
