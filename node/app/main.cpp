// govchaind: the govchain node.
//
//   govchaind --config /etc/govchain/govchaind.json     a node of a consortium
//   govchaind --dev --data DIR --rpc-addr 127.0.0.1:PORT   a development chain
//   govchaind --print-config [json] ...                  the effective settings, then exit
//   govchaind --version
//   govchaind backup --config FILE --out DIR             online backup of the running node
//   govchaind restore --config FILE --from DIR           into a stopped node's empty data folder
//
// Every setting comes from one table (node_settings.h): the configuration
// file (--config, or GOVCHAIND_CONFIG), GOVCHAIND_* environment variables
// and one command-line flag per setting, in that order of precedence.
// docs/operations.md describes running a node in production.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/backup.h"
#include "app/contract_host_factory.h"
#include "app/dev_setup.h"
#include "app/logging.h"
#include "app/node.h"
#include "app/node_settings.h"
#include "app/replay.h"
#include "app/signing_guard.h"
#include "core/version.h"
#include "crypto/key_file.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using govchain::Status;
using govchain::app::LoadedSettings;
using govchain::app::SettingsInput;

constexpr size_t config_file_size_bytes_max = 1024 * 1024;

// What the command line asks for besides settings.
struct Modes {
  bool dev = false;
  std::string config_path;
  std::string contracts_dir;
  uint64_t dev_block_interval_ms = govchain::limits::default_block_interval_ms;
  bool check = false;
  std::string import_from;
  std::string print_config;  // "text" or "json" when asked
  bool allow_signing_after_restore = false;
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  std::string backup_out;
  std::string restore_from;
};

// A command-line flag of one setting, and the text it was given.
struct SettingFlag {
  std::string setting;
  std::string text;
  // A list setting's flag may be repeated (--rpc-cors-origin A --rpc-cors-origin B).
  bool list = false;
  std::vector<std::string> texts;
  CLI::Option* option = nullptr;
};

// Set once the log goes to a file: failures are written there too, since
// standard error may go elsewhere. Without a log file, standard error
// alone (the journal under systemd) already has them.
bool logging_to_file = false;

int fail(const std::string& message) {
  std::cerr << "govchaind: " << message << "\n";
  if (logging_to_file) spdlog::critical("{}", message);
  return 1;
}

std::vector<std::pair<std::string, std::string>> process_environment() {
  std::vector<std::pair<std::string, std::string>> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t equals = text.find('=');
    if (equals != std::string_view::npos)
      variables.emplace_back(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return variables;
}

void add_mode_options(CLI::App& cli, Modes& modes) {
  cli.add_option("--config", modes.config_path, "the configuration file (JSON; also env GOVCHAIND_CONFIG)")
      ->group("Modes");
  cli.add_flag("--dev", modes.dev,
               "run a single-validator development chain (creates plaintext dev keys and a genesis in --data-dir)")
      ->group("Modes");
  cli.add_option("--contracts", modes.contracts_dir,
                 "dev mode: folder of NAME.wasm + NAME.abi.json deployed at genesis (default: the build's or the "
                 "package's contracts)")
      ->group("Modes");
  cli.add_option("--dev-block-interval-ms", modes.dev_block_interval_ms,
                 "dev mode: the pause between blocks written into a NEW dev chain's genesis (an existing chain "
                 "keeps its own; benchmarks use a short one)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{60'000}))
      ->group("Modes");
  cli.add_flag("--check", modes.check,
               "re-execute every stored block from genesis with every check a received block gets (header, "
               "signatures, limits, state and receipts roots, certificate), then exit (node must be stopped)")
      ->group("Modes");
  cli.add_option("--import-from", modes.import_from,
                 "execute the blocks of a stopped node's data directory (same genesis) on this node's own state, "
                 "refusing any block whose state or receipts root differs, then exit")
      ->group("Modes");
  cli.add_option("--print-config", modes.print_config,
                 "print every setting's effective value and where it came from (text, or json), then exit")
      ->expected(0, 1)
      ->check(CLI::IsMember({"text", "json"}))
      ->group("Modes");
  // A flag of this start only, never a setting: left in a configuration
  // file it would silence the guard for good.
  cli.add_flag(govchain::app::allow_signing_flag, modes.allow_signing_after_restore,
               "start a validator although its last signed vote is ahead of its data folder (a restored backup); "
               "safe only when no other copy of this validator runs, and the data folder kept its consensus WAL and "
               "signing state or the network is past that height (docs/operations.md)")
      ->group("Modes");
  modes.backup = cli.add_subcommand("backup",
                                    "ask the running node (on its admin_socket) for a consistent backup of its data, "
                                    "written to the folder --out; private keys are never included");
  modes.backup->add_option("--out", modes.backup_out, "the backup folder to create")->required();
  modes.backup->fallthrough();
  modes.restore = cli.add_subcommand(
      "restore", "restore a backup into this node's data folder (node stopped, no db folder in data_dir)");
  modes.restore->add_option("--from", modes.restore_from, "the backup folder")->required();
  modes.restore->fallthrough();
  cli.set_version_flag("--version", "govchaind " + std::string(govchain::version_text()), "print the version and exit");
}

// One flag per setting (and the older names some have), in the group
// "Settings"; the help names the file key and the environment variable.
std::vector<SettingFlag> add_setting_options(CLI::App& cli) {
  std::vector<SettingFlag> flags;
  auto descriptions = govchain::app::describe_node_settings();
  flags.reserve(descriptions.size());
  for (const auto& setting : descriptions) {
    std::string names = govchain::app::flag_name(setting.name);
    for (const auto& legacy : setting.legacy_flags) names += "," + legacy;
    std::string help = setting.help + (setting.range.empty() ? "" : " [" + setting.range + "]") + " (file key " +
                       setting.name + ", env " + govchain::app::environment_name(setting.name) + ")";
    SettingFlag& flag = flags.emplace_back(SettingFlag{setting.name, "", setting.kind == "text list", {}, nullptr});
    flag.option = flag.list ? cli.add_option(names, flag.texts, help) : cli.add_option(names, flag.text, help);
    flag.option->group("Settings")
        ->type_name(setting.kind == "number" ? "N"
                    : setting.kind == "flag" ? "true|false"
                                             : "TEXT");
  }
  return flags;
}

govchain::Result<LoadedSettings> load_settings(Modes& modes, const std::vector<SettingFlag>& flags,
                                               const std::vector<std::pair<std::string, std::string>>& environment) {
  SettingsInput input;
  if (modes.config_path.empty())
    if (const char* path = std::getenv(govchain::app::config_environment_variable)) modes.config_path = path;
  if (!modes.config_path.empty()) {
    input.config_path = modes.config_path;
    GOVCHAIN_ASSIGN_OR_RETURN(input.config_text,
                              govchain::app::read_text_file(modes.config_path, config_file_size_bytes_max));
  }
  input.environment = environment;
  std::error_code ignored;
  input.working_dir = fs::current_path(ignored);
  if (modes.dev) input.command_line.push_back({"dev_keys", "true", "--dev"});
  for (const auto& flag : flags) {
    if (flag.option->count() == 0) continue;
    std::string text = flag.text;
    if (flag.list) {
      // Each occurrence is one entry; "none" alone is the empty list.
      text.clear();
      for (const auto& entry : flag.texts) text += (text.empty() ? "" : ",") + entry;
    }
    input.command_line.push_back({flag.setting, text, govchain::app::flag_name(flag.setting)});
  }
  // The API's usual port, which the CLI's --node defaults to.
  govchain::app::NodeSettings defaults;
  defaults.node.http.listen_address = "127.0.0.1:26657";
  return govchain::app::load_node_settings(input, std::move(defaults));
}

// build/bin/govchaind -> build/contracts, where `make` puts the contracts;
// /usr/bin/govchaind -> /usr/share/govchain/contracts, where the package does.
std::string default_contracts_dir(const char* program) {
  std::error_code error_code;
  auto executable = fs::canonical("/proc/self/exe", error_code);
  if (error_code) executable = fs::absolute(program);
  for (const auto& candidate : {executable.parent_path().parent_path() / "contracts",
                                executable.parent_path().parent_path() / "share" / "govchain" / "contracts"})
    if (fs::is_directory(candidate)) return candidate.string();
  return {};
}

int run_check(const govchain::app::NodeConfig& config) {
  fs::path genesis_path = config.genesis_path.empty() ? config.data_dir / "genesis.json" : config.genesis_path;
  auto text = govchain::app::read_text_file(genesis_path);
  if (!text.ok()) return fail(text.status().to_string());
  auto genesis = govchain::chain::parse_genesis(*text);
  if (!genesis.ok()) return fail(genesis.status().to_string());
  auto report =
      govchain::app::replay_check(config.data_dir, *genesis, govchain::app::make_contract_host(), [](uint64_t height) {
        if (height % 1000 == 0) std::cerr << "checked block " << height << "\n";
      });
  if (!report.ok()) return fail("check FAILED: " + report.status().to_string());
  std::cout << "check passed: " << report->blocks_checked << " blocks and " << report->txs_replayed
            << " transactions re-executed; state root " << report->final_state_root.hex() << " matches" << std::endl;
  return 0;
}

int run_import(const govchain::app::NodeConfig& config, const std::string& source_dir) {
  auto node = govchain::app::Node::open(config, govchain::app::make_contract_host());
  if (!node.ok()) return fail(node.status().to_string());
  auto report = govchain::app::import_blocks(**node, source_dir);
  if (!report.ok()) return fail("import FAILED: " + report.status().to_string());
  std::cout << "imported " << report->blocks_imported << " blocks from " << source_dir << ", executed "
            << report->txs_executed << " transactions here; state root " << report->final_state_root.hex() << std::endl;
  return 0;
}

void print_progress(const std::string& line) { std::cerr << "govchaind: " << line << std::endl; }

int run_backup(const Modes& modes, const govchain::app::NodeConfig& config) {
  auto report =
      govchain::app::write_backup(config.admin_socket_path, modes.backup_out, config.genesis_path, print_progress);
  if (!report.ok()) return fail("backup FAILED: " + report.status().to_string());
  std::cout << "backup of chain " << report->head.chain_id << " at height " << report->head.height << " (block "
            << report->head.block_hash.hex() << "): " << report->entries << " entries, " << report->size_bytes
            << " bytes in " << modes.backup_out << "; private keys are not included" << std::endl;
  return 0;
}

int run_restore(const Modes& modes, const govchain::app::NodeConfig& config) {
  auto report =
      govchain::app::restore_backup(modes.restore_from, {config.data_dir, config.genesis_path}, print_progress);
  if (!report.ok()) return fail("restore FAILED: " + report.status().to_string());
  std::cout << "restored chain " << report->head.chain_id << " at height " << report->head.height << " (block "
            << report->head.block_hash.hex() << ", " << report->entries << " entries) into " << config.data_dir.string()
            << "; the node catches up from its peers when it starts" << std::endl;
  return 0;
}

int print_config(const Modes& modes, const LoadedSettings& loaded,
                 const std::vector<std::pair<std::string, std::string>>& environment) {
  auto passphrase = govchain::app::find_key_passphrase(loaded.settings, environment);
  if (!passphrase.ok()) return fail(passphrase.status().to_string());
  if (modes.print_config == "json") {
    std::cout << govchain::app::settings_json(loaded);
  } else {
    std::cout << "# govchaind " << govchain::version_text() << ": effective settings (value, then its source)\n"
              << govchain::app::settings_table(loaded) << "# validator key passphrase: " << passphrase->source << "\n";
  }
  return 0;
}

// The validator key's passphrase into `config`; an encrypted key without
// one is refused here, with the ways to give it.
Status load_passphrase(govchain::app::NodeSettings& settings,
                       const std::vector<std::pair<std::string, std::string>>& environment) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto found, govchain::app::find_key_passphrase(settings, environment));
  if (found.from_environment)
    spdlog::warn(
        "the validator key passphrase comes from GOVCHAIN_KEY_PASSPHRASE, which other processes of this "
        "user can read in /proc/{}/environ; use validator_key_passphrase_file or the systemd credential {}",
        ::getpid(), govchain::app::passphrase_credential_name);
  settings.node.key_passphrase = std::move(found.passphrase);
  auto key_text = govchain::app::read_text_file(settings.node.validator_key_path, 64 * 1024);
  if (key_text.ok() && !govchain::crypto::is_dev_key_file(*key_text) && settings.node.key_passphrase.empty())
    return govchain::error(govchain::Code::invalid_argument,
                           "the validator key " + settings.node.validator_key_path.string() +
                               " is encrypted and no passphrase was found: set validator_key_passphrase_file, or "
                               "give the systemd credential " +
                               govchain::app::passphrase_credential_name +
                               " (LoadCredential= in the unit; docs/operations.md)");
  return Status();
}

int run_node(const govchain::app::NodeConfig& config, const govchain::app::LogSettings& log) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto node = govchain::app::Node::open(config, govchain::app::make_contract_host());
  if (!node.ok()) {
    // A guard refusal gets its own exit code, so that systemd does not
    // restart a node that would be refused again (RestartPreventExitStatus=).
    int code = fail(node.status().to_string());
    return govchain::app::is_signing_guard_refusal(node.status()) ? govchain::app::signing_guard_exit_code : code;
  }
  Status started = (*node)->start();
  if (!started.ok()) return fail(started.to_string());
  spdlog::info("govchaind {}: chain {} at height {}, API on port {}", govchain::version_text(), (*node)->chain_id(),
               (*node)->head().height, (*node)->rpc_port());
  // The line scripts wait for; JSON lines on standard output stay pure.
  if (log.format != "json" || !log.file.empty())
    std::cout << "govchaind: chain " << (*node)->chain_id() << " at height " << (*node)->head().height
              << ", API on http://127.0.0.1:" << (*node)->rpc_port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {} received, stopping", received);
  (*node)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "govchaind: the govchain node. Every setting can be given in the configuration file (--config), as "
      "an environment variable GOVCHAIND_<SETTING> or as a flag; see docs/operations.md."};
  cli.name("govchaind");
  Modes modes;
  add_mode_options(cli, modes);
  std::vector<SettingFlag> flags = add_setting_options(cli);
  CLI11_PARSE(cli, argc, argv);
  if (cli.count("--print-config") > 0 && modes.print_config.empty()) modes.print_config = "text";

  const auto environment = process_environment();
  auto loaded = load_settings(modes, flags, environment);
  if (!loaded.ok()) return fail(loaded.status().to_string());
  if (!modes.print_config.empty()) return print_config(modes, *loaded, environment);
  govchain::app::NodeSettings& settings = loaded->settings;
  if (modes.backup->parsed()) return run_backup(modes, settings.node);
  if (modes.restore->parsed()) return run_restore(modes, settings.node);
  settings.node.allow_signing_after_restore = modes.allow_signing_after_restore;

  Status logging = govchain::app::configure_logging(settings.log);
  if (!logging.ok()) return fail(logging.to_string());
  logging_to_file = !settings.log.file.empty();
  if (modes.dev) {
    if (modes.contracts_dir.empty()) modes.contracts_dir = default_contracts_dir(argv[0]);
    Status prepared =
        govchain::app::ensure_dev_data_dir(settings.node.data_dir, modes.contracts_dir, modes.dev_block_interval_ms);
    if (!prepared.ok()) return fail(prepared.to_string());
  }
  Status passphrase = load_passphrase(settings, environment);
  if (!passphrase.ok()) return fail(passphrase.to_string());

  if (modes.check) return run_check(settings.node);
  if (!modes.import_from.empty()) return run_import(settings.node, modes.import_from);
  return run_node(settings.node, settings.log);
}
