// govchain contract deploy FILE.wasm --name NAME [--abi FILE] [--municipality ID]
// govchain contract call NAME METHOD --args JSON [--abi FILE]
// govchain contract query NAME METHOD --args JSON [--abi FILE] [--caller KEY]
// govchain contract list
// govchain contract show NAME
// (contract new and contract abi: commands_contract_kit.cpp)
//
// Arguments are JSON encoded by the contract's ABI (docs/contracts.md 5.3),
// fetched from the node unless --abi gives a local file; integer values
// named *_ms, as arguments or inside structs and lists, also take times as
// text (ISO 8601, Europe/Berlin without an offset, client::with_times_as_ms).
// Events in the receipt are shown decoded with the
// ABI. A deploy sends the ABI the module carries (built by the contract SDK)
// unless an ABI file is given, and refuses an ABI file that does not
// describe the module. The contract list and ABIs are what the node says;
// they are not proven.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "chain/genesis.h"
#include "client/contracts.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

constexpr size_t module_size_bytes_max = 4 * 1024 * 1024;
constexpr size_t abi_size_bytes_max = client::abi::abi_size_bytes_max;

struct DeployOptions {
  std::string module_path;
  std::string name;
  std::string abi_path;
  std::string municipality;
};

struct MethodOptions {
  std::string contract;
  std::string method;
  std::string arguments_json = "{}";
  std::string abi_path;
  std::string caller;
};

// The ABI to encode with: a local file when given, else the node's.
Result<client::abi::Abi> load_abi(const client::Client& node, const std::string& contract, const std::string& path) {
  if (path.empty()) return client::fetch_abi(node, contract);
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, client::read_small_file(path, abi_size_bytes_max));
  auto parsed = client::abi::parse_abi(text);
  if (!parsed.ok()) return parsed.status().with_context(path);
  return parsed;
}

Result<json> parse_arguments(const std::string& text) {
  json arguments = json::parse(text, nullptr, false);
  if (arguments.is_discarded())
    return error(Code::invalid_argument,
                 "--args is not valid JSON; give an object such as "
                 "'{\"id\": \"<64 hex>\", \"reason\": \"misuse\"}'");
  return arguments;
}

// Municipalities whose admin is `admin`, from the genesis file (--genesis,
// or genesis.json one folder above the key file, as in a dev data folder).
std::vector<std::string> administered_in_genesis(const Context& context, const PublicKey& admin) {
  std::vector<std::string> paths;
  if (!context.options.genesis_path.empty()) paths.push_back(context.options.genesis_path);
  std::error_code ignored;
  auto beside_key =
      std::filesystem::absolute(context.options.key_path, ignored).parent_path().parent_path() / "genesis.json";
  if (std::filesystem::exists(beside_key, ignored)) paths.push_back(beside_key.string());
  std::vector<std::string> ids;
  for (const auto& path : paths) {
    auto text = client::read_small_file(path, 64 * 1024 * 1024);
    if (!text.ok()) continue;
    auto genesis = chain::parse_genesis(*text);
    if (!genesis.ok()) continue;
    for (const auto& municipality : genesis->municipalities)
      if (municipality.admin == admin && std::find(ids.begin(), ids.end(), municipality.id) == ids.end())
        ids.push_back(municipality.id);
  }
  return ids;
}

// An upgrade keeps the contract's municipality; a new contract takes the
// single municipality the key administers.
Result<std::string> deploy_municipality(const Context& context, const client::Client& node,
                                        const DeployOptions& options, const PublicKey& admin) {
  if (!options.municipality.empty()) return options.municipality;
  auto existing = client::contract_info(node, options.name);
  if (existing.ok()) return existing->municipality;
  if (existing.status().code() != Code::not_found) return existing.status();
  std::vector<std::string> ids = administered_in_genesis(context, admin);
  if (ids.size() == 1) return ids.front();
  return error(Code::invalid_argument, ids.empty() ? "cannot tell which municipality deploys '" + options.name +
                                                         "'; pass --municipality ID (or --genesis FILE)"
                                                   : "the key is the admin of several municipalities; choose one "
                                                     "with --municipality ID");
}

// The ABI text to store: --abi, else NAME.abi.json beside the module, else
// the ABI the module carries; a file must describe the module exactly when
// the module carries an ABI (the node refuses it otherwise, too).
Result<std::string> deploy_abi_text(const DeployOptions& options, ByteView code) {
  std::string path = options.abi_path;
  if (path.empty()) {
    std::filesystem::path beside = std::filesystem::path(options.module_path).replace_extension(".abi.json");
    std::error_code ignored;
    if (std::filesystem::exists(beside, ignored)) path = beside.string();
  }
  auto carried = client::abi::module_abi_text(code);
  if (!carried.ok() && carried.status().code() != Code::not_found) return carried.status();
  // Sent compact: the node counts the bytes against its ABI limit.
  if (path.empty()) return carried.ok() ? json::parse(*carried).dump() : std::string();
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, client::read_small_file(path, abi_size_bytes_max));
  auto parsed = client::abi::parse_abi(text);
  if (!parsed.ok()) return parsed.status().with_context(path);
  if (carried.ok()) {
    GOVCHAIN_ASSIGN_OR_RETURN(client::abi::Abi from_module, client::abi::parse_abi(*carried));
    GOVCHAIN_TRY(client::abi::check_matches_module(*parsed, from_module)
                     .with_context(path + " does not describe " + options.module_path));
  }
  return json::parse(text).dump();
}

// The receipt's events, decoded with `abi` where it declares them.
json events_json(const client::abi::Abi* abi, const chain::Receipt& receipt) {
  json events = json::array();
  for (const auto& event : receipt.events) events.push_back(client::describe_event(abi, event));
  return events;
}

std::string events_text(const json& events) {
  std::string text;
  for (const auto& event : events)
    text += "\nevent " + event.at("contract").get<std::string>() + " " + event.at("topic").get<std::string>() + " " +
            (event.contains("data") ? event.at("data").dump() : event.at("data_hex").get<std::string>());
  return text;
}

// Prints a failed receipt (with --json on stdout) and returns exit_failure.
int fail_receipt(const Context& context, const json& machine, const chain::Receipt& receipt, const std::string& doing) {
  if (context.options.json) context.emit(machine, "");
  return context.fail(error(receipt.status, receipt.message.empty() ? "(no message)" : receipt.message), doing);
}

int deploy(Context& context, const DeployOptions& options) {
  auto code = client::read_small_file(options.module_path, module_size_bytes_max);
  if (!code.ok()) return context.fail(code.status(), "reading the module " + options.module_path);
  auto abi_text = deploy_abi_text(options, to_bytes(*code));
  if (!abi_text.ok()) return context.fail(abi_text.status(), "reading the ABI");
  auto key = context.signing_key();
  if (!key.ok()) return context.fail(key.status(), "loading the signing key");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto municipality = deploy_municipality(context, *node, options, key->key_pair.public_key);
  if (!municipality.ok()) return context.fail(municipality.status(), "choosing the municipality");
  auto action = client::contract_deploy_action(options.name, *municipality, to_bytes(*code), *abi_text);
  if (!action.ok()) return context.fail(action.status(), "building the deploy");
  if (context.options.dry_run) return context.send_transaction(*key, std::move(*action), "contract deploy");
  auto result = client::deploy_contract(*node, key->key_pair, to_bytes(*code), options.name, *municipality, *abi_text,
                                        {context.options.gas, context.options.wait_ms});
  if (!result.ok()) return context.fail(result.status(), "deploying " + options.name);
  json machine = {{"name", options.name},
                  {"municipality", *municipality},
                  {"tx_hash", result->tx_hash->hex()},
                  {"receipt", receipt_json(result->receipt)}};
  if (result->receipt.status != Code::ok)
    return fail_receipt(context, machine, result->receipt,
                        "deploy of '" + options.name + "' in " + *municipality + " was refused by the chain");
  auto info = client::contract_info(*node, options.name);
  if (!info.ok()) return context.fail(info.status(), "reading the deployed contract");
  machine["code_hash"] = info->code_hash.hex();
  machine["versions"] = info->versions;
  std::ostringstream human;
  human << (info->versions > 1 ? "upgraded " : "deployed ") << options.name << " (municipality " << *municipality
        << ") in block " << result->receipt.height << ", tx " << result->tx_hash->hex() << ", gas used "
        << result->receipt.gas_used << "\ncode hash: " << info->code_hash.hex() << "\nversions:  " << info->versions;
  if (abi_text->empty()) human << "\n(no ABI stored: call and query will need --abi FILE)";
  return context.emit(machine, human.str());
}

int call_method(Context& context, const MethodOptions& options) {
  auto arguments = parse_arguments(options.arguments_json);
  if (!arguments.ok()) return context.fail(arguments.status(), "reading --args");
  auto key = context.signing_key();
  if (!key.ok()) return context.fail(key.status(), "loading the signing key");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto abi = load_abi(*node, options.contract, options.abi_path);
  if (!abi.ok()) return context.fail(abi.status(), "reading the ABI of " + options.contract);
  const std::string what = options.contract + "." + options.method;
  auto found = client::abi::method_of(*abi, options.method);
  if (!found.ok()) return context.fail(found.status(), "encoding the arguments");
  if ((*found)->kind == client::abi::MethodKind::query)
    std::cerr << "govchain: warning: " << what << " is a query; `contract query` runs it without a transaction\n";
  auto timed = client::with_times_as_ms(*abi, **found, *arguments);
  if (!timed.ok()) return context.fail(timed.status(), "reading --args");
  if (context.options.dry_run) {
    auto encoded = client::abi::encode_arguments(*abi, **found, *timed);
    if (!encoded.ok()) return context.fail(encoded.status(), "encoding the arguments");
    return context.send_transaction(
        *key, client::contract_call_action(options.contract, options.method, std::move(*encoded)), "contract call");
  }
  auto result = client::call_contract_with_abi(*node, key->key_pair, *abi, options.contract, options.method, *timed,
                                               {context.options.gas, context.options.wait_ms});
  if (!result.ok()) return context.fail(result.status(), "calling " + what);
  json events = events_json(&*abi, result->receipt);
  client::ContractAbis abis(*node);
  abis.add(options.contract, *abi);
  json machine = {{"contract", options.contract},
                  {"method", options.method},
                  {"tx_hash", result->tx_hash->hex()},
                  {"nonce", result->nonce},
                  {"receipt", receipt_json(result->receipt, &abis)},
                  {"events", events},
                  {"returns", result->returns ? *result->returns : json(nullptr)}};
  if (result->receipt.status != Code::ok)
    return fail_receipt(
        context, machine, result->receipt,
        what + " (tx " + result->tx_hash->hex() + ", block " + std::to_string(result->receipt.height) + ") failed");
  std::string human = what + ": committed in block " + std::to_string(result->receipt.height) + ", tx " +
                      result->tx_hash->hex() + ", gas used " + std::to_string(result->receipt.gas_used) +
                      ", status ok\nreturns: " + result->returns->dump() + events_text(events);
  return context.emit(machine, human);
}

int query_method(Context& context, const MethodOptions& options) {
  auto arguments = parse_arguments(options.arguments_json);
  if (!arguments.ok()) return context.fail(arguments.status(), "reading --args");
  std::optional<PublicKey> caller;
  if (!options.caller.empty()) {
    auto account = parse_account(options.caller);
    if (!account.ok()) return context.fail(account.status(), "reading --caller");
    caller = *account;
  }
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto abi = load_abi(*node, options.contract, options.abi_path);
  if (!abi.ok()) return context.fail(abi.status(), "reading the ABI of " + options.contract);
  const std::string what = options.contract + "." + options.method;
  auto found = client::abi::method_of(*abi, options.method);
  if (!found.ok()) return context.fail(found.status(), "encoding the arguments");
  auto timed = client::with_times_as_ms(*abi, **found, *arguments);
  if (!timed.ok()) return context.fail(timed.status(), "reading --args");
  auto result = client::query_contract_with_abi(*node, *abi, options.contract, options.method, *timed, caller);
  if (!result.ok()) return context.fail(result.status(), "querying " + what);
  json events = events_json(&*abi, result->receipt);
  client::ContractAbis abis(*node);
  abis.add(options.contract, *abi);
  json machine = {{"contract", options.contract},
                  {"method", options.method},
                  {"receipt", receipt_json(result->receipt, &abis)},
                  {"events", events},
                  {"returns", result->returns ? *result->returns : json(nullptr)}};
  if (result->receipt.status != Code::ok) return fail_receipt(context, machine, result->receipt, "query " + what);
  std::string human = result->returns->dump(2) + "\n(query " + what + " at height " +
                      std::to_string(result->receipt.height) + ", gas used " +
                      std::to_string(result->receipt.gas_used) + "; not proven)" + events_text(events);
  return context.emit(machine, human);
}

int list(Context& context) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto contracts = client::list_contracts(*node);
  if (!contracts.ok()) return context.fail(contracts.status(), "listing the contracts");
  json machine = json::array();
  std::ostringstream human;
  human << "contracts: " << contracts->size();
  for (const auto& contract : *contracts) {
    machine.push_back(json::parse(contract.raw_json));
    human << "\n  " << contract.name << "  municipality " << contract.municipality << "  versions " << contract.versions
          << "  code " << contract.code_hash.hex();
  }
  return context.emit(json{{"contracts", machine}}, human.str());
}

int show(Context& context, const std::string& name) {
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "connecting");
  auto info = client::contract_info(*node, name);
  if (!info.ok()) return context.fail(info.status(), "reading contract " + name);
  std::ostringstream human;
  human << "contract " << info->name << " (municipality " << info->municipality << ")\n"
        << "code hash: " << info->code_hash.hex() << "\nversions:  " << info->versions;
  for (const auto& version : info->history)
    human << "\n  " << version.code_hash.hex() << "  block " << version.height << "  "
          << format_time_ms(version.time_ms);
  if (!info->abi_json) {
    human << "\nno ABI stored";
  } else {
    auto abi = client::abi::parse_abi(*info->abi_json);
    if (!abi.ok()) return context.fail(abi.status(), "reading the ABI of " + name);
    human << "\nABI " << abi->contract << " " << abi->version << ": " << abi->description << "\nmethods:";
    for (const auto& method : abi->methods) {
      human << "\n  " << client::abi::method_kind_name(method.kind) << "  " << method.name << "("
            << client::abi::describe_fields(method.arguments) << ")";
      if (!method.returns.empty()) human << " -> " << client::abi::describe_fields(method.returns);
    }
    if (!abi->events.empty()) human << "\nevents:";
    for (const auto& event : abi->events)
      human << "\n  " << event.topic << " (" << client::abi::describe_fields(abi->types.at(event.type)) << ")";
  }
  return context.emit(json::parse(info->raw_json), human.str());
}

void add_method_command(CLI::App& contract, Context& context, const char* name, const char* description, bool query) {
  CLI::App* command = contract.add_subcommand(name, description);
  auto options = std::make_shared<MethodOptions>();
  command->add_option("NAME", options->contract, "contract name")->required();
  command->add_option("METHOD", options->method, "method name (see `contract show NAME`)")->required();
  command
      ->add_option("--args", options->arguments_json,
                   "arguments as a JSON object {\"name\": value, ...} (or an array in ABI order); *_ms values "
                   "(also in structs and lists) take times such as \"2026-03-01T12:00\" (Europe/Berlin)")
      ->capture_default_str();
  command->add_option("--abi", options->abi_path, "encode with this ABI file instead of the node's");
  if (query) command->add_option("--caller", options->caller, "caller the contract sees: public key or key file");
  command->callback(context.action(
      [&context, options, query] { return query ? query_method(context, *options) : call_method(context, *options); }));
}

}  // namespace

void register_contract_commands(CLI::App& app, Context& context) {
  CLI::App* contract = app.add_subcommand("contract", "deploy, call, query, list and show contracts; new, abi");
  contract->require_subcommand(1);

  CLI::App* deploy_command =
      contract->add_subcommand("deploy", "deploy or upgrade a contract (signed by the municipality admin's --key)");
  auto deploy_options = std::make_shared<DeployOptions>();
  deploy_command->add_option("FILE", deploy_options->module_path, "the WebAssembly module (.wasm)")->required();
  deploy_command->add_option("--name", deploy_options->name, "contract name")->required();
  deploy_command->add_option("--abi", deploy_options->abi_path, "ABI file; default: FILE's NAME.abi.json beside it");
  deploy_command->add_option("--municipality", deploy_options->municipality,
                             "municipality id; default: the contract's (upgrade) or the key's");
  deploy_command->callback(context.action([&context, deploy_options] { return deploy(context, *deploy_options); }));

  add_method_command(*contract, context, "call", "call a method in a transaction (signed by --key)", false);
  add_method_command(*contract, context, "query", "run a method read-only on the latest state", true);

  contract->add_subcommand("list", "list the deployed contracts")->callback(context.action([&context] {
    return list(context);
  }));
  CLI::App* show_command = contract->add_subcommand("show", "show a contract's ABI methods and code history");
  auto name = std::make_shared<std::string>();
  show_command->add_option("NAME", *name, "contract name")->required();
  show_command->callback(context.action([&context, name] { return show(context, *name); }));
  register_contract_kit_commands(*contract, context);
}

}  // namespace govchain::cli
