// govchain genesis keys --out DIR [--passphrase-file FILE]
// govchain genesis export --keys DIR --municipality ID[:Display Name] --p2p-addr HOST:PORT --out FILE
// govchain genesis assemble --chain-id ID --member FILE ... --out FILE [--contracts DIR] [--genesis-time-ms N]
// govchain genesis show FILE
// govchain genesis verify FILE --hash HASH [--keys DIR --municipality ID | --member FILE]
// govchain genesis node-config --genesis FILE --keys DIR --member FILE ... --out FILE [--data-dir DIR]
//                              [--rpc-addr HOST:PORT] [--p2p-addr HOST:PORT] [--key-passphrase-file FILE]
//
// The genesis ceremony of a production consortium (node/setup/ceremony.h;
// docs/operations.md walks a municipality through it): every member makes
// its encrypted keys on its own machine and exports only their public part;
// a coordinator assembles the genesis from the member files; every member
// checks the genesis hash and its own keys, and writes its node config.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "setup/ceremony.h"
#include "setup/network_layout.h"
#include "setup/setup_files.h"

namespace govchain::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Production keys protect a municipality's vote: a passphrase shorter than
// this is refused.
constexpr size_t ceremony_passphrase_size_min = 12;
constexpr size_t member_file_size_bytes_max = 64 * 1024;
constexpr size_t genesis_file_size_bytes_max = 64 * 1024 * 1024;

// The contracts deployed at genesis: --contracts, else the build's
// (build/contracts next to build/bin) or the package's
// (/usr/share/govchain/contracts next to /usr/bin).
fs::path contracts_folder(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code error_code;
  fs::path program = fs::canonical("/proc/self/exe", error_code).parent_path();
  fs::path build = program.parent_path() / "contracts";
  return fs::is_directory(build) ? build : program.parent_path() / "share" / "govchain" / "contracts";
}

Result<std::vector<setup::MemberPublicPart>> read_member_files(const std::vector<std::string>& paths) {
  std::vector<setup::MemberPublicPart> members;
  for (const auto& path : paths) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string text, setup::read_text_file(path, member_file_size_bytes_max));
    auto member = setup::parse_member_file(text);
    if (!member.ok()) return member.status().with_context(path);
    members.push_back(std::move(*member));
  }
  return members;
}

Result<chain::Genesis> read_genesis(const std::string& path) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, setup::read_text_file(path, genesis_file_size_bytes_max));
  auto genesis = chain::parse_genesis(text);
  if (!genesis.ok()) return genesis.status().with_context(path);
  return genesis;
}

Status refuse_existing(const std::string& path) {
  std::error_code ignored;
  if (fs::exists(path, ignored))
    return error(Code::already_exists, path + " exists; choose another --out or remove it first");
  return Status();
}

// ---- genesis keys ----

int genesis_keys(Context& context, const std::string& out) {
  std::error_code error_code;
  if (fs::exists(out, error_code) && !fs::is_empty(out, error_code))
    return context.fail(error(Code::already_exists, out + " exists and is not empty"), "genesis keys refused",
                        "keys are made once; choose a new folder (an existing member's keys stay where they are)");
  auto passphrase = context.new_passphrase(ceremony_passphrase_size_min);
  if (!passphrase.ok()) return context.fail(passphrase.status(), "choosing the keys' passphrase");
  fs::create_directories(out, error_code);
  if (!error_code) fs::permissions(out, fs::perms::owner_all, error_code);  // 0700: the secrets' folder
  if (error_code) return context.fail(error(Code::io_error, out + ": " + error_code.message()), "creating the folder");
  json machine = {{"dir", out}, {"keys", json::object()}};
  std::string human = "created encrypted key files (scrypt + AES-256-GCM, mode 0600) in " + out + ":\n";
  for (const auto& name : setup::member_key_file_names()) {
    crypto::KeyPair pair = crypto::generate_key_pair();
    auto text = crypto::encode_encrypted_key_file(pair, *passphrase);
    if (!text.ok()) return context.fail(text.status(), "encrypting " + name);
    Status written = client::write_new_key_file((fs::path(out) / name).string(), *text);
    if (!written.ok()) return context.fail(written, "writing " + name);
    machine["keys"][fs::path(name).stem().string()] = pair.public_key.hex();
    human += "  " + name + std::string(name.size() < 28 ? 28 - name.size() : 1, ' ') + pair.public_key.hex() + "\n";
  }
  human +=
      "these files hold secret keys: they never leave this machine (validator.json stays with the node;\n"
      "move admin.json and the office keys to the people who sign with them). Next:\n"
      "  govchain genesis export --keys " +
      out + " --municipality ID:Name --p2p-addr HOST:PORT --out member.json";
  return context.emit(machine, human);
}

// ---- genesis export ----

struct ExportOptions {
  std::string keys_dir;
  std::string municipality;  // ID[:Display Name]
  std::string p2p_address;
  std::string out;
};

int genesis_export(Context& context, const ExportOptions& options) {
  auto member_argument = setup::parse_member_argument(options.municipality);
  if (!member_argument.ok()) return context.fail(member_argument.status(), "genesis export: --municipality");
  auto keys = setup::read_member_keys(options.keys_dir, member_argument->first, member_argument->second);
  if (!keys.ok()) return context.fail(keys.status(), "reading the public keys in " + options.keys_dir);
  setup::MemberPublicPart member{std::move(*keys), options.p2p_address};
  std::string text = setup::member_file_to_json(member);
  // The file is checked as the coordinator will read it.
  auto checked = setup::parse_member_file(text);
  if (!checked.ok()) return context.fail(checked.status(), "genesis export");
  Status fresh = refuse_existing(options.out);
  if (!fresh.ok()) return context.fail(fresh, "genesis export refused");
  Status written = setup::write_text_file(options.out, text);
  if (!written.ok()) return context.fail(written, "writing " + options.out);
  return context.emit(json::parse(text), "wrote the public part of " + member.keys.id + "'s keys to " + options.out +
                                             " (public keys and p2p address only)\nsend it to the coordinator; "
                                             "node key " +
                                             member.keys.validator.hex());
}

// ---- genesis assemble ----

struct AssembleOptions {
  std::string chain_id;
  std::vector<std::string> member_files;
  std::string out;
  std::string contracts_dir;
  int64_t genesis_time_ms = 0;  // 0: now
};

std::string members_table(const chain::Genesis& genesis) {
  std::string text;
  for (const auto& validator : genesis.validators)
    text += "  " + validator.municipality + "  node key " + validator.public_key.hex() + "\n";
  return text;
}

int genesis_assemble(Context& context, const AssembleOptions& options) {
  auto members = read_member_files(options.member_files);
  if (!members.ok()) return context.fail(members.status(), "reading the member files");
  fs::path contracts_dir = contracts_folder(options.contracts_dir);
  if (!fs::is_directory(contracts_dir))
    return context.fail(error(Code::not_found, contracts_dir.string() + " is not a folder"),
                        "reading the genesis contracts",
                        "pass --contracts DIR (the package's are in "
                        "/usr/share/govchain/contracts)");
  auto contracts = setup::read_genesis_contracts(contracts_dir);
  if (!contracts.ok()) return context.fail(contracts.status(), "reading the genesis contracts");
  int64_t time_ms = options.genesis_time_ms;
  if (time_ms == 0)
    time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
  size_t contract_count = contracts->size();
  auto genesis = setup::assemble_genesis(options.chain_id, time_ms, *members, std::move(*contracts));
  if (!genesis.ok()) return context.fail(genesis.status(), "assembling the genesis");
  Status fresh = refuse_existing(options.out);
  if (!fresh.ok()) return context.fail(fresh, "genesis assemble refused");
  Status written = setup::write_text_file(options.out, chain::genesis_to_json(*genesis));
  if (!written.ok()) return context.fail(written, "writing " + options.out);
  const std::string hash = chain::genesis_hash(*genesis).hex();
  json machine = {{"genesis", options.out},
                  {"genesis_hash", hash},
                  {"chain_id", genesis->chain_id},
                  {"genesis_time_ms", genesis->genesis_time_ms},
                  {"members", genesis->validators.size()},
                  {"contracts", contract_count}};
  return context.emit(machine, "wrote genesis " + options.out + " of chain " + genesis->chain_id + " with " +
                                   std::to_string(genesis->validators.size()) + " members and " +
                                   std::to_string(contract_count) + " contracts from " + contracts_dir.string() +
                                   ":\n" + members_table(*genesis) + "genesis hash: " + hash +
                                   "\nsend the genesis and all member files to every member, and read the hash to "
                                   "each of them on another channel (telephone) for `govchain genesis verify`");
}

// ---- genesis show / verify ----

int genesis_show(Context& context, const std::string& path) {
  auto genesis = read_genesis(path);
  if (!genesis.ok()) return context.fail(genesis.status(), "reading the genesis");
  const std::string hash = chain::genesis_hash(*genesis).hex();
  json members = json::array();
  for (const auto& municipality : genesis->municipalities)
    members.push_back({{"id", municipality.id}, {"name", municipality.name}, {"admin", municipality.admin.hex()}});
  json machine = {{"genesis_hash", hash},
                  {"chain_id", genesis->chain_id},
                  {"genesis_time_ms", genesis->genesis_time_ms},
                  {"municipalities", members},
                  {"validators", genesis->validators.size()},
                  {"contracts", genesis->contracts.size()}};
  return context.emit(machine, "genesis " + path + "\nchain id:     " + genesis->chain_id +
                                   "\ngenesis time: " + format_time_ms(genesis->genesis_time_ms) +
                                   "\ngenesis hash: " + hash + "\n" + members_table(*genesis) +
                                   std::to_string(genesis->contracts.size()) + " contracts deployed at genesis");
}

struct VerifyOptions {
  std::string genesis;
  std::string hash;
  std::string keys_dir;
  std::string municipality;
  std::string member_file;
};

int genesis_verify(Context& context, const VerifyOptions& options) {
  auto genesis = read_genesis(options.genesis);
  if (!genesis.ok()) return context.fail(genesis.status(), "reading the genesis");
  const std::string hash = chain::genesis_hash(*genesis).hex();
  std::string expected = options.hash;
  for (char& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (expected != hash)
    return context.fail(error(Code::invalid, options.genesis + " has hash " + hash + ", not " + options.hash),
                        "genesis verify FAILED",
                        "do not start a node with this genesis: ask the coordinator, on another channel, for the "
                        "file and the hash again");
  std::string human = "genesis hash " + hash + " matches (chain " + genesis->chain_id + ", " +
                      std::to_string(genesis->validators.size()) + " members)";
  json machine = {{"genesis_hash", hash}, {"matches", true}, {"chain_id", genesis->chain_id}};
  if (!options.keys_dir.empty() || !options.member_file.empty()) {
    // This member's keys: from its key folder, or from the member file it
    // exported (its own copy, not the one the coordinator sent back).
    Result<setup::MemberKeys> keys = error(Code::internal, "no keys");
    std::string source;
    if (!options.member_file.empty()) {
      auto member = read_member_files({options.member_file});
      keys = member.ok() ? Result<setup::MemberKeys>(member->front().keys) : Result<setup::MemberKeys>(member.status());
      source = options.member_file;
    } else {
      keys = setup::read_member_keys(options.keys_dir, options.municipality, options.municipality);
      source = options.keys_dir;
    }
    if (!keys.ok()) return context.fail(keys.status(), "reading the public keys in " + source);
    Status included = setup::check_member_in_genesis(*genesis, *keys);
    if (!included.ok())
      return context.fail(included, "genesis verify FAILED",
                          "do not start a node with this genesis; tell the coordinator what differs");
    human += "\nthe keys of " + source + " are " + keys->id + "'s in this genesis: node key, admin and " +
             std::to_string(keys->offices.size()) + " office roles";
    machine["member"] = keys->id;
  }
  return context.emit(machine, human);
}

// ---- genesis node-config ----

int genesis_node_config_command(Context& context, const setup::CeremonyNodeConfig& given, const std::string& genesis,
                                const std::string& keys_dir, const std::vector<std::string>& member_files,
                                const std::string& out, bool replace) {
  auto members = read_member_files(member_files);
  if (!members.ok()) return context.fail(members.status(), "reading the member files");
  fs::path validator_key = fs::absolute(fs::path(keys_dir) / "validator.json");
  auto key_text = setup::read_text_file(validator_key, 64 * 1024);
  auto node_key = key_text.ok() ? crypto::key_file_public_key(*key_text) : Result<PublicKey>(key_text.status());
  if (!node_key.ok()) return context.fail(node_key.status(), "reading " + validator_key.string());
  setup::CeremonyNodeConfig paths = given;
  paths.genesis = fs::absolute(genesis).string();
  paths.validator_key = validator_key.string();
  paths.data_dir = fs::absolute(paths.data_dir).string();
  if (!paths.validator_key_passphrase_file.empty())
    paths.validator_key_passphrase_file = fs::absolute(paths.validator_key_passphrase_file).string();
  if (paths.p2p_address.empty())
    for (const auto& member : *members)
      if (member.keys.validator == *node_key)
        paths.p2p_address = "0.0.0.0:" + member.p2p_address.substr(member.p2p_address.rfind(':') + 1);
  auto text = setup::ceremony_node_config(paths, *node_key, *members);
  if (!text.ok()) return context.fail(text.status(), "genesis node-config");
  std::error_code error_code;
  if (replace && fs::exists(out, error_code)) {
    // The packaged default settings are replaced; the old file stays beside.
    fs::copy_file(out, out + ".orig", fs::copy_options::overwrite_existing, error_code);
    if (error_code)
      return context.fail(error(Code::io_error, out + ".orig: " + error_code.message()), "keeping " + out);
  } else if (Status fresh = refuse_existing(out); !fresh.ok()) {
    return context.fail(fresh, "genesis node-config refused",
                        "give --replace to replace it (the old file is kept as " + out + ".orig)");
  }
  Status written = setup::write_text_file(out, *text);
  if (!written.ok()) return context.fail(written, "writing " + out);
  return context.emit(json::parse(*text), "wrote " + out + " (" + std::to_string(members->size() - 1) +
                                              " peers); check it with: govchaind --config " + out + " --print-config");
}

}  // namespace

void register_genesis_commands(CLI::App& app, Context& context) {
  CLI::App* genesis = app.add_subcommand(
      "genesis", "the genesis ceremony of a consortium: member keys, public parts, assembly, verification");
  genesis->require_subcommand(1);

  auto keys_out = std::make_shared<std::string>();
  CLI::App* keys = genesis->add_subcommand("keys",
                                           "make a member's encrypted keys (node, admin, offices) in a new "
                                           "folder; passphrase from --passphrase-file or the terminal");
  keys->add_option("--out", *keys_out, "the folder to create (mode 0700)")->required();
  keys->callback(context.action([&context, keys_out] { return genesis_keys(context, *keys_out); }));

  auto export_options = std::make_shared<ExportOptions>();
  CLI::App* exported = genesis->add_subcommand("export", "write the public part of a member's keys (a member file)");
  exported->add_option("--keys", export_options->keys_dir, "the member's key folder")->required();
  exported->add_option("--municipality", export_options->municipality, "ID or ID:Display Name")->required();
  exported->add_option("--p2p-addr", export_options->p2p_address, "host:port the other validators dial")->required();
  exported->add_option("--out", export_options->out, "the member file to write")->required();
  exported->callback(context.action([&context, export_options] { return genesis_export(context, *export_options); }));

  auto assemble_options = std::make_shared<AssembleOptions>();
  CLI::App* assemble = genesis->add_subcommand("assemble", "build the genesis from the members' files (coordinator)");
  assemble->add_option("--chain-id", assemble_options->chain_id, "the chain id (letters, digits, - _ .)")->required();
  assemble->add_option("--member", assemble_options->member_files, "a member file (repeat, in order)")->required();
  assemble->add_option("--out", assemble_options->out, "the genesis file to write")->required();
  assemble->add_option("--contracts", assemble_options->contracts_dir,
                       "contracts deployed at genesis (default: the build's or the package's)");
  assemble->add_option("--genesis-time-ms", assemble_options->genesis_time_ms,
                       "genesis time in ms since 1970 (default: now)");
  assemble->callback(
      context.action([&context, assemble_options] { return genesis_assemble(context, *assemble_options); }));

  auto show_path = std::make_shared<std::string>();
  CLI::App* show = genesis->add_subcommand("show", "show a genesis file's hash, chain id and members");
  show->add_option("FILE", *show_path, "the genesis file")->required();
  show->callback(context.action([&context, show_path] { return genesis_show(context, *show_path); }));

  auto verify_options = std::make_shared<VerifyOptions>();
  CLI::App* verify = genesis->add_subcommand(
      "verify", "check a genesis against the hash the coordinator read out, and that it holds this member's keys");
  verify->add_option("FILE", verify_options->genesis, "the genesis file")->required();
  verify->add_option("--hash", verify_options->hash, "the genesis hash (64 hex digits)")->required();
  auto* keys_option = verify->add_option("--keys", verify_options->keys_dir, "this member's key folder");
  verify->add_option("--municipality", verify_options->municipality, "this member's id")->needs(keys_option);
  keys_option->needs(verify->get_option("--municipality"));
  verify
      ->add_option("--member", verify_options->member_file,
                   "this member's own member file, as exported (instead of --keys)")
      ->excludes(keys_option);
  verify->callback(context.action([&context, verify_options] { return genesis_verify(context, *verify_options); }));

  struct NodeConfigOptions {
    setup::CeremonyNodeConfig paths{"/var/lib/govchain", "", "", "", "127.0.0.1:26657", ""};
    std::string genesis, keys_dir, out;
    std::vector<std::string> member_files;
    bool replace = false;
  };
  auto config = std::make_shared<NodeConfigOptions>();
  CLI::App* node_config = genesis->add_subcommand("node-config", "write this member's node configuration");
  node_config->add_option("--genesis", config->genesis, "the verified genesis file")->required();
  node_config->add_option("--keys", config->keys_dir, "this member's key folder (validator.json)")->required();
  node_config->add_option("--member", config->member_files, "every member file (repeat)")->required();
  node_config->add_option("--out", config->out, "the configuration file to write")->required();
  node_config->add_option("--data-dir", config->paths.data_dir, "the node's database folder")->capture_default_str();
  node_config->add_option("--rpc-addr", config->paths.rpc_address, "HTTP API listen address")->capture_default_str();
  node_config->add_option("--p2p-addr", config->paths.p2p_address,
                          "p2p listen address (default: 0.0.0.0 and the port of this member's file)");
  node_config->add_option("--key-passphrase-file", config->paths.validator_key_passphrase_file,
                          "passphrase file of the validator key (leave out with a systemd credential)");
  node_config->add_flag("--replace", config->replace,
                        "replace an existing file (such as the packaged /etc/govchain/govchaind.json), keeping it as "
                        "FILE.orig");
  node_config->callback(context.action([&context, config] {
    return genesis_node_config_command(context, config->paths, config->genesis, config->keys_dir, config->member_files,
                                       config->out, config->replace);
  }));
}

}  // namespace govchain::cli
