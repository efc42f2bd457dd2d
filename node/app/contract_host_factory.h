// The contract host the node runs contracts with (see execution/contracts.h).
#pragma once

#include <memory>

#include "execution/contracts.h"

namespace govchain::app {

// The WebAssembly contract host (execution/wasm_host.h).
std::unique_ptr<execution::ContractHost> make_contract_host();

}  // namespace govchain::app
