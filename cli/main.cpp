// govchain: the command-line tool for govchain nodes, built on sdk/client.
//
// Adding a command group (contract, wasm, identity, landlord, dogpermit, ...)
//
//   1. Write cli/commands_<group>.cpp with one function
//        void register_<group>_commands(CLI::App& app, Context& context);
//      that adds its subcommands to `app` and gives each a callback made with
//      context.action([&] { ...; return exit code; }). Use context.client(),
//      context.signing_key(), context.trust(), context.send_transaction(),
//      context.emit() and context.fail() (cli/context.h) so that output,
//      --json, errors and exit codes behave like every other command.
//   2. Declare the function in cli/commands.h.
//   3. Add one line to command_groups below. cli/CMakeLists.txt picks up
//      commands_*.cpp by itself.
//
// Global options (before or after the command): --node URL (env
// GOVCHAIN_NODE), --key FILE, --dev-key (or env GOVCHAIN_DEV=1), --json,
// --gas N, --genesis FILE (env GOVCHAIN_GENESIS), --timeout-ms, --wait-ms,
// --dry-run, --chain-id ID.
// Exit codes: 0 success, 1 failure (reason and hint on stderr), 2 usage.
// docs/cli.md documents every command with an example.
#include <exception>
#include <iostream>

#include "commands.h"
#include "core/version.h"

namespace {

struct CommandGroup {
  const char* name;
  govchain::cli::RegisterCommands register_commands;
};

// One line per command group.
constexpr CommandGroup command_groups[] = {
    {"keys", govchain::cli::register_keys_commands},
    {"chain", govchain::cli::register_chain_commands},
    {"roles", govchain::cli::register_role_commands},
    {"archive", govchain::cli::register_archive_commands},
    {"contract", govchain::cli::register_contract_commands},
    {"wasm", govchain::cli::register_wasm_commands},
    {"identity", govchain::cli::register_identity_commands},
    {"landlord", govchain::cli::register_landlord_commands},
    {"dogpermit", govchain::cli::register_dogpermit_commands},
    {"streetmusic", govchain::cli::register_streetmusic_commands},
    {"verify", govchain::cli::register_verify_commands},
    {"network", govchain::cli::register_network_commands},
    {"genesis", govchain::cli::register_genesis_commands},
    {"validator", govchain::cli::register_validator_commands},
    {"consortium", govchain::cli::register_consortium_commands},
};

void add_global_options(CLI::App& app, govchain::cli::GlobalOptions& options) {
  app.add_option("--node", options.node_url, "node API URL")->envname("GOVCHAIN_NODE")->capture_default_str();
  app.add_option("--key", options.key_path, "key file that signs transactions");
  app.add_flag("--dev-key", options.dev_key, "allow plaintext dev key files (also env GOVCHAIN_DEV=1)");
  app.add_flag("--json", options.json, "machine-readable JSON output on stdout");
  app.add_option("--gas", options.gas, "gas limit of transactions")->capture_default_str();
  app.add_option("--genesis", options.genesis_path,
                 "genesis file: the validator set and chain id to verify proofs "
                 "against, and the municipalities")
      ->envname("GOVCHAIN_GENESIS");
  app.add_option("--timeout-ms", options.timeout_ms, "timeout of one request to the node")->capture_default_str();
  app.add_option("--wait-ms", options.wait_ms, "how long to wait for a transaction to be committed")
      ->capture_default_str();
  app.add_flag("--dry-run", options.dry_run, "sign the transaction and print it (hex) instead of sending it");
  app.add_option("--chain-id", options.chain_id, "sign for this chain id instead of the node's (offline signing)");
  app.add_option("--ca-file", options.ca_file,
                 "PEM file of the CA certificates to trust for an https:// --node (default: the system's)")
      ->envname("GOVCHAIN_CA_FILE");
  app.add_option("--passphrase-file", options.passphrase_file,
                 "file holding the passphrase of encrypted key files (instead of asking on the terminal)")
      ->envname("GOVCHAIN_PASSPHRASE_FILE");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    CLI::App app{"govchain: command-line client of a govchain node"};
    app.name("govchain");
    app.require_subcommand(1);
    // Subcommands created after this pass unknown options up to the main app,
    // so global options may also follow the command.
    app.fallthrough();
    govchain::cli::Context context;
    add_global_options(app, context.options);
    app.set_version_flag("--version", "govchain " + std::string(govchain::version_text()),
                         "print the version and exit");
    for (const auto& group : command_groups) group.register_commands(app, context);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& failure) {
      int code = app.exit(failure);
      return code == 0 ? 0 : govchain::cli::exit_usage;
    }
    return context.exit_code;
  } catch (const std::exception& failure) {
    std::cerr << "govchain: error: internal: " << failure.what() << "\n";
    return govchain::cli::exit_failure;
  }
}
