// The command groups of `govchain`. Each group lives in its own
// commands_<group>.cpp and is registered by one line in main.cpp.
#pragma once

#include "context.h"

namespace govchain::cli {

void register_keys_commands(CLI::App& app, Context& context);      // keys new, keys show
void register_chain_commands(CLI::App& app, Context& context);     // status, block, tx status, events
void register_role_commands(CLI::App& app, Context& context);      // role grant/revoke, roles
void register_archive_commands(CLI::App& app, Context& context);   // archive anchor/verify/export/check/reanchor
void register_contract_commands(CLI::App& app, Context& context);  // contract deploy/call/query/list/show/new/abi
void register_contract_kit_commands(CLI::App& contract, Context& context);  // contract new/abi (under `contract`)
void register_wasm_commands(CLI::App& app, Context& context);               // wasm run
void register_identity_commands(CLI::App& app, Context& context);           // identity attest/revoke/rotate
void register_landlord_commands(CLI::App& app, Context& context);           // landlord confirm/consume/revoke
void register_dogpermit_commands(CLI::App& app, Context& context);    // dogpermit issue/suspend/reinstate/revoke/...
void register_streetmusic_commands(CLI::App& app, Context& context);  // streetmusic issue/revoke
void register_verify_commands(CLI::App& app, Context& context);       // verify, qr, certificate new
void register_genesis_commands(CLI::App& app, Context& context);      // genesis keys/export/assemble/verify/...
void register_network_commands(CLI::App& app, Context& context);      // network new/up/down/status/add-member
void register_validator_commands(CLI::App& app, Context& context);    // validator list/show/propose-*/vote
void register_consortium_commands(CLI::App& app, Context& context);   // consortium list/show/propose-*/vote

}  // namespace govchain::cli
