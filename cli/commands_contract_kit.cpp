// govchain contract new NAME [--dir DIR] [--type TYPE] [--description TEXT] [--sdk DIR]
// govchain contract abi FILE.wasm [--out FILE] [--check ABI.json]
//
// The contract developer's kit (docs/new-use-case.md). `contract new` makes a
// folder outside the repository with a contract from the SDK's template (a
// certificate for one zone and a validity window, with issue, amend and
// revoke), its tests on the SDK's mock host, and a Makefile that builds and
// tests it against the contract SDK with one command each (`make`, `make
// test`). `contract abi` prints the ABI a module built with the SDK carries
// (its "govchain_abi" section), writes it to a file, and checks a
// handwritten ABI against it; it works offline.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "client/abi.h"
#include "commands.h"

namespace govchain::cli {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr size_t module_size_bytes_max = 4 * 1024 * 1024;
constexpr size_t template_size_bytes_max = 256 * 1024;

struct NewOptions {
  std::string name;
  std::string directory = ".";
  std::string certificate_type;
  std::string description;
  std::string sdk;
};

struct AbiOptions {
  std::string module_path;
  std::string out_path;
  std::string check_path;
};

// The contract SDK folder: --sdk, env GOVCHAIN_CONTRACT_SDK, or the one this
// govchain was built from.
std::string sdk_folder(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* environment = std::getenv("GOVCHAIN_CONTRACT_SDK"); environment != nullptr && *environment != 0)
    return environment;
  return GOVCHAIN_CONTRACT_SDK_DIR;
}

// A contract name that is also a C++ namespace and no ABI type name.
Status check_contract_name(const std::string& name) {
  static const std::set<std::string> reserved = {
      "govchain", "cert",   "test",   "std",       "code",  "zone",   "name",   "date",    "label",    "string",
      "bytes",    "hash",   "pubkey", "signature", "list",  "bool",   "u32",    "u64",     "i64",      "int",
      "char",     "class",  "struct", "namespace", "new",   "delete", "public", "private", "template", "this",
      "return",   "switch", "case",   "default",   "for",   "while",  "do",     "if",      "else",     "auto",
      "const",    "static", "void",   "true",      "false", "and",    "or",     "not",     "union",    "enum"};
  bool valid = !name.empty() && name.size() <= 32 && name[0] >= 'a' && name[0] <= 'z';
  for (char c : name) valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  if (!valid)
    return error(Code::invalid_argument, "'" + name +
                                             "' cannot name a contract made from the template: use 1..32 of "
                                             "[a-z0-9_], starting with a letter (e.g. seasonal_use)");
  if (reserved.count(name))
    return error(Code::invalid_argument, "'" + name + "' is a word of C++ or of the ABI; choose another name");
  return Status();
}

Status check_template_text(const std::string& what, const std::string& text, size_t size_max) {
  bool valid = !text.empty() && text.size() <= size_max;
  for (char c : text) valid = valid && c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' && c != '|' && c != '@';
  if (!valid)
    return error(Code::invalid_argument,
                 what + " must be 1.." + std::to_string(size_max) + " printable ASCII characters without \" \\ | @");
  return Status();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

Result<std::string> instantiate(const fs::path& template_path, const std::map<std::string, std::string>& values) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, client::read_small_file(template_path.string(), template_size_bytes_max));
  for (const auto& [placeholder, value] : values) text = replace_all(text, placeholder, value);
  return text;
}

Status write_new_file(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return error(Code::io_error, "cannot write " + path.string());
  return Status();
}

// The running govchain, so that the Makefile finds it without PATH.
std::string this_program() {
  std::error_code ignored;
  fs::path self = fs::read_symlink("/proc/self/exe", ignored);
  return self.empty() ? std::string("govchain") : self.string();
}

Result<fs::path> make_contract_folder(const NewOptions& options) {
  GOVCHAIN_TRY(check_contract_name(options.name));
  const std::string type = options.certificate_type.empty() ? options.name + "_permit" : options.certificate_type;
  GOVCHAIN_TRY(check_template_text("--type", type, 32));
  if (type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
    return error(Code::invalid_argument, "--type must be a code: 1..32 of [a-z0-9_]");
  const std::string description = options.description.empty()
                                      ? options.name + ": a permit for one zone and a validity window."
                                      : options.description;
  GOVCHAIN_TRY(check_template_text("--description", description, 200));
  std::error_code failure;
  const fs::path sdk = fs::absolute(sdk_folder(options.sdk), failure);
  if (!fs::exists(sdk / "contract.mk", failure) || !fs::exists(sdk / "template" / "contract.cpp.in", failure))
    return error(Code::not_found, sdk.string() +
                                      " is not the govchain contract SDK (no contract.mk and template/); "
                                      "pass --sdk DIR or set GOVCHAIN_CONTRACT_SDK");
  const fs::path folder = fs::absolute(fs::path(options.directory) / options.name, failure);
  if (fs::exists(folder, failure)) return error(Code::already_exists, folder.string() + " exists; nothing written");
  const std::map<std::string, std::string> values = {{"@NAME@", options.name},
                                                     {"@TYPE@", type},
                                                     {"@DESCRIPTION@", description},
                                                     {"@SDK@", sdk.string()},
                                                     {"@GOVCHAIN@", this_program()}};
  const std::pair<const char*, std::string> files[] = {{"contract.cpp.in", options.name + ".cpp"},
                                                       {"contract_test.cpp.in", options.name + "_test.cpp"},
                                                       {"Makefile.in", "Makefile"},
                                                       {"gitignore.in", ".gitignore"}};
  std::map<std::string, std::string> texts;
  for (const auto& [source, target] : files) {
    GOVCHAIN_ASSIGN_OR_RETURN(texts[target], instantiate(sdk / "template" / source, values));
  }
  if (!fs::create_directories(folder, failure))
    return error(Code::io_error, "cannot create " + folder.string() + ": " + failure.message());
  for (const auto& [target, text] : texts) GOVCHAIN_TRY(write_new_file(folder / target, text));
  return folder;
}

int new_contract(Context& context, const NewOptions& options) {
  auto folder = make_contract_folder(options);
  if (!folder.ok()) return context.fail(folder.status(), "making the contract folder");
  const std::string name = options.name;
  json machine = {{"name", name}, {"folder", folder->string()}};
  std::string human = "wrote " + folder->string() + "/ with " + name + ".cpp (the contract), " + name +
                      "_test.cpp (its tests on the mock host) and a Makefile.\nNext:\n  cd " + folder->string() +
                      "\n  make          # build/" + name + ".wasm and build/" + name + ".abi.json\n" +
                      "  make test     # the tests\n  govchain --key ADMIN_KEY contract deploy build/" + name +
                      ".wasm --name MUNICIPALITY." + name + "\n(docs/new-use-case.md walks through it)";
  return context.emit(machine, human);
}

Result<client::abi::Abi> read_abi_file(const std::string& path) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, client::read_small_file(path, client::abi::abi_size_bytes_max));
  auto parsed = client::abi::parse_abi(text);
  if (!parsed.ok()) return parsed.status().with_context(path);
  return parsed;
}

int module_abi(Context& context, const AbiOptions& options) {
  auto code = client::read_small_file(options.module_path, module_size_bytes_max);
  if (!code.ok()) return context.fail(code.status(), "reading the module " + options.module_path);
  auto text = client::abi::module_abi_text(to_bytes(*code));
  if (!text.ok()) return context.fail(text.status(), "reading the ABI of " + options.module_path);
  auto abi = client::abi::parse_abi(*text);
  if (!abi.ok()) return context.fail(abi.status(), "reading the ABI of " + options.module_path);
  if (!options.check_path.empty()) {
    auto declared = read_abi_file(options.check_path);
    if (!declared.ok()) return context.fail(declared.status(), "reading " + options.check_path);
    Status matches = client::abi::check_matches_module(*declared, *abi);
    if (!matches.ok())
      return context.fail(matches, options.check_path + " does not describe " + options.module_path,
                          "generate the ABI from the module (`govchain contract abi FILE.wasm --out FILE`) and "
                          "delete the handwritten one, or fix the declaration in the contract's code");
  }
  if (options.out_path.empty()) {
    if (context.options.json) return context.emit(json::parse(*text), "");
    std::cout << *text;
    return exit_ok;
  }
  Status written = write_new_file(options.out_path, *text);
  if (!written.ok()) return context.fail(written, "writing " + options.out_path);
  return context.emit({{"module", options.module_path}, {"abi", options.out_path}, {"methods", abi->methods.size()}},
                      "wrote " + options.out_path + " (" + std::to_string(abi->methods.size()) + " methods of " +
                          abi->contract + " " + abi->version + ")");
}

}  // namespace

void register_contract_kit_commands(CLI::App& contract, Context& context) {
  CLI::App* new_command = contract.add_subcommand(
      "new", "make a folder with a new contract from the SDK's template, its tests and a Makefile");
  auto new_options = std::make_shared<NewOptions>();
  new_command->add_option("NAME", new_options->name, "contract name, 1..32 of [a-z0-9_]")->required();
  new_command->add_option("--dir", new_options->directory, "folder to make NAME/ in")->capture_default_str();
  new_command->add_option("--type", new_options->certificate_type, "certificate type (default NAME_permit)");
  new_command->add_option("--description", new_options->description, "one line for people, in the ABI");
  new_command->add_option("--sdk", new_options->sdk,
                          "the contract SDK folder (default: env GOVCHAIN_CONTRACT_SDK, else the one govchain was "
                          "built from)");
  new_command->callback(context.action([&context, new_options] { return new_contract(context, *new_options); }));

  CLI::App* abi_command = contract.add_subcommand(
      "abi", "print the ABI a module built with the contract SDK carries, write it, or check an ABI file against it");
  auto abi_options = std::make_shared<AbiOptions>();
  abi_command->add_option("FILE", abi_options->module_path, "the WebAssembly module (.wasm)")->required();
  abi_command->add_option("--out", abi_options->out_path, "write the ABI to this file instead of printing it");
  abi_command->add_option("--check", abi_options->check_path,
                          "fail unless this ABI file describes the module exactly (methods, argument order, types)");
  abi_command->callback(context.action([&context, abi_options] { return module_abi(context, *abi_options); }));
}

}  // namespace govchain::cli
