#include "app/contract_host_factory.h"

#include "execution/wasm_host.h"

namespace govchain::app {

std::unique_ptr<execution::ContractHost> make_contract_host() {
  return std::make_unique<execution::WasmContractHost>();
}

}  // namespace govchain::app
