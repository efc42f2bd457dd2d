#include "setup/setup_files.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "chain/tx.h"
#include "crypto/key_file.h"

namespace govchain::setup {

namespace fs = std::filesystem;

Result<std::string> read_text_file(const fs::path& path, size_t size_bytes_max) {
  std::error_code error_code;
  auto size = fs::file_size(path, error_code);
  if (error_code) return error(Code::not_found, "cannot read " + path.string() + ": " + error_code.message());
  if (size > size_bytes_max)
    return error(Code::too_large,
                 path.string() + " has " + std::to_string(size) + " bytes, limit is " + std::to_string(size_bytes_max));
  std::ifstream file(path, std::ios::binary);
  if (!file) return error(Code::io_error, "cannot open " + path.string());
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

Status write_text_file(const fs::path& path, std::string_view text) {
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return error(Code::io_error, "cannot write " + temporary.string());
    file << text;
    file.flush();
    if (!file) return error(Code::io_error, "cannot write " + temporary.string());
  }
  std::error_code error_code;
  fs::rename(temporary, path, error_code);
  if (error_code) return error(Code::io_error, "cannot rename into " + path.string() + ": " + error_code.message());
  return Status();
}

Result<std::string> read_passphrase_file(const fs::path& path, bool check_mode) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return error(Code::not_found, "cannot read the passphrase file " + path.string() + ": it does not exist");
  if (!S_ISREG(info.st_mode)) return error(Code::invalid_argument, path.string() + " is not a regular file");
  if (check_mode && (info.st_mode & S_IRWXO) != 0)
    return error(Code::unauthorized, "the passphrase file " + path.string() +
                                         " may be read or changed by every user of this machine; run chmod 600 " +
                                         path.string() + " (or 640 with the group govchain)");
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, read_text_file(path, passphrase_file_size_bytes_max));
  if (size_t newline = text.find('\n'); newline != std::string::npos) {
    if (text.find_first_not_of("\r\n", newline) != std::string::npos)
      return error(Code::invalid_argument, "the passphrase file " + path.string() +
                                               " has more than one line; it must hold the passphrase alone");
    text.resize(newline);
  }
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) return error(Code::invalid_argument, "the passphrase file " + path.string() + " is empty");
  return text;
}

std::vector<std::string> member_key_file_names() {
  std::vector<std::string> names = {"validator.json", "admin.json"};
  for (const auto& role : chain::known_roles()) names.push_back(role + ".json");
  return names;
}

static Result<PublicKey> write_dev_key(const fs::path& keys_dir, const std::string& name,
                                       std::string_view label_prefix) {
  crypto::KeyPair pair = crypto::generate_key_pair();
  std::string label = std::string(label_prefix) + name;
  GOVCHAIN_TRY(write_text_file(keys_dir / (name + ".json"), crypto::encode_dev_key_file(pair, label)));
  return pair.public_key;
}

Result<MemberKeys> write_member_dev_keys(const fs::path& keys_dir, std::string id, std::string display_name,
                                         std::string_view label_prefix) {
  std::error_code error_code;
  fs::create_directories(keys_dir, error_code);
  if (error_code) return error(Code::io_error, "cannot create " + keys_dir.string() + ": " + error_code.message());
  MemberKeys keys{std::move(id), std::move(display_name), {}, {}, {}};
  GOVCHAIN_ASSIGN_OR_RETURN(keys.validator, write_dev_key(keys_dir, "validator", label_prefix));
  GOVCHAIN_ASSIGN_OR_RETURN(keys.admin, write_dev_key(keys_dir, "admin", label_prefix));
  for (const auto& role : chain::known_roles()) {
    GOVCHAIN_ASSIGN_OR_RETURN(PublicKey office, write_dev_key(keys_dir, role, label_prefix));
    keys.offices.emplace_back(role, office);
  }
  return keys;
}

static Result<PublicKey> read_public_key(const fs::path& path) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, read_text_file(path, 64 * 1024));
  auto key = crypto::key_file_public_key(text);
  if (!key.ok()) return key.status().with_context(path.string());
  return key;
}

Result<MemberKeys> read_member_keys(const fs::path& keys_dir, std::string id, std::string display_name) {
  MemberKeys keys{std::move(id), std::move(display_name), {}, {}, {}};
  GOVCHAIN_ASSIGN_OR_RETURN(keys.validator, read_public_key(keys_dir / "validator.json"));
  GOVCHAIN_ASSIGN_OR_RETURN(keys.admin, read_public_key(keys_dir / "admin.json"));
  for (const auto& role : chain::known_roles()) {
    GOVCHAIN_ASSIGN_OR_RETURN(PublicKey office, read_public_key(keys_dir / (role + ".json")));
    keys.offices.emplace_back(role, office);
  }
  return keys;
}

static Result<std::vector<fs::path>> genesis_contract_modules(const fs::path& contracts_dir) {
  std::vector<fs::path> modules;
  fs::path list = contracts_dir / "genesis-contracts.txt";
  if (fs::exists(list)) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string names, read_text_file(list, 64 * 1024));
    std::stringstream lines(names);
    for (std::string name; std::getline(lines, name);)
      if (!name.empty()) modules.push_back(contracts_dir / (name + ".wasm"));
  } else {
    std::error_code error_code;
    for (const auto& entry : fs::directory_iterator(contracts_dir, error_code))
      if (entry.path().extension() == ".wasm") modules.push_back(entry.path());
    if (error_code) return error(Code::io_error, "cannot list " + contracts_dir.string() + ": " + error_code.message());
  }
  std::sort(modules.begin(), modules.end());
  return modules;
}

Result<std::vector<chain::GenesisContract>> read_genesis_contracts(const fs::path& contracts_dir) {
  std::vector<chain::GenesisContract> contracts;
  if (contracts_dir.empty() || !fs::is_directory(contracts_dir)) return contracts;
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<fs::path> modules, genesis_contract_modules(contracts_dir));
  for (const auto& module : modules) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string code, read_text_file(module));
    chain::GenesisContract contract;
    contract.name = module.stem().string();
    contract.code = to_bytes(code);
    fs::path abi = module;
    abi.replace_extension(".abi.json");
    if (fs::exists(abi)) {
      GOVCHAIN_ASSIGN_OR_RETURN(contract.abi_json, read_text_file(abi));
    }
    contracts.push_back(std::move(contract));
  }
  return contracts;
}

}  // namespace govchain::setup
