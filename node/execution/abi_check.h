// The node's checks of contract ABIs (docs/contracts.md sections 5.5 and 8):
// at deploy, that a module and its ABI agree and fit the limits; at every
// call, that the argument bytes decode as the ABI says, so that free text
// never reaches a contract where a code belongs; and the debug_print host
// function, which only dev chains offer.
//
// check_contract_deploy() is called once from WasmContractHost's stateless
// deploy checks (so also when a shared contract is proposed), after the
// module loaded (decode, validate, prepare) and imports only the host API.
// It refuses, naming the method (or struct, event) concerned:
//  - an ABI that is not valid JSON of abi_version 1, or is over the limits
//    of node/abi/abi.h, or names an unknown type, or a struct that contains
//    itself;
//  - an ABI method that is not an exported function of type () -> ();
//  - for a module that carries its ABI (the custom section "govchain_abi"
//    the contract SDK writes): an ABI that does not describe it exactly
//    (methods, kinds, arguments in order with their types, returns, structs,
//    events, certificate type), and a deploy with no ABI at all; a section
//    that is not well formed (node/abi/module_abi.h: an entry declared twice
//    differently, no contract entry) is refused whatever the ABI says;
//  - a module that imports debug_print, except on the dev chain (an empty
//    chain id, where it is not known, counts as another chain).
// check_call_arguments() is called once from WasmContractHost::call before
// the module is instantiated: when the ABI stored for the contract names the
// method, its arguments must be exactly one encoding of the method's
// argument types, each code, zone, name, date and label text fitting its
// rule (sdk/contract/govchain/codes.h). Refusals are Code::invalid_argument
// and never repeat the refused value (it may be personal data).
//
// The ABI model itself (types, parser and limits, text rules, the module's
// section, the comparison, the argument-bytes walk) is the abi library's
// (node/abi/); this file holds only the node's policy on top of it: which
// checks run at deploy and per call, the messages of refusals, the
// debug_print rule and the cache of parsed ABIs.
//
// Everything here is deterministic and depends only on its inputs (and the
// chain id). Parsed ABIs are cached by their text (bounded); the functions
// are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "chain/block.h"
#include "core/status.h"
#include "execution/executor.h"
#include "runtime/runtime.h"

namespace govchain::execution {

// The chain id of `govchaind --dev`; debug_print works only there.
inline constexpr const char* dev_chain_id = "govchain-dev";
inline constexpr size_t debug_text_size_bytes_max = 1024;

Status check_contract_deploy(const runtime::Module& module, const chain::ContractDeploy& deploy,
                             std::string_view chain_id);

Status check_call_arguments(std::string_view abi_json, const chain::ContractCall& call);

// Defines the import govchain.debug_print(text i32, length i32): on the dev
// chain it writes "contract <name> debug: <text>" to the node's standard
// error; elsewhere a module importing it is never deployed. Gas as for a
// host call plus one per byte, on every chain alike.
void define_debug_print(runtime::Linker& linker, const std::string& contract, const BlockContext& context);

}  // namespace govchain::execution
