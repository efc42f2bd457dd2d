#include "app/contract_host_factory.h"

namespace govchain::app {

// The node runs without contracts until the WebAssembly contract host is
// wired in; deploy and call transactions then fail with Code::unavailable.
std::unique_ptr<execution::ContractHost> make_contract_host() { return nullptr; }

}  // namespace govchain::app
