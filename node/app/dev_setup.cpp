#include "app/dev_setup.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "chain/tx.h"
#include "crypto/key_file.h"

namespace govchain::app {

namespace fs = std::filesystem;

Result<std::string> read_text_file(const fs::path& path, size_t size_bytes_max) {
  std::error_code error_code;
  auto size = fs::file_size(path, error_code);
  if (error_code) return error(Code::not_found, "cannot read " + path.string() + ": " + error_code.message());
  if (size > size_bytes_max)
    return error(Code::too_large, path.string() + " has " + std::to_string(size) + " bytes, limit is " +
                                      std::to_string(size_bytes_max));
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

static Result<crypto::KeyPair> write_dev_key(const fs::path& keys_dir, const std::string& name) {
  crypto::KeyPair pair = crypto::generate_key_pair();
  GOVCHAIN_TRY(write_text_file(keys_dir / (name + ".json"), crypto::encode_dev_key_file(pair, name)));
  return pair;
}

static Status add_genesis_contracts(chain::Genesis& genesis, const fs::path& contracts_dir) {
  if (contracts_dir.empty() || !fs::is_directory(contracts_dir)) return Status();
  std::vector<fs::path> modules;
  fs::path list = contracts_dir / "genesis-contracts.txt";
  if (fs::exists(list)) {
    auto names = read_text_file(list, 64 * 1024);
    if (!names.ok()) return names.status();
    std::stringstream lines(*names);
    for (std::string name; std::getline(lines, name);)
      if (!name.empty()) modules.push_back(contracts_dir / (name + ".wasm"));
  } else {
    for (const auto& entry : fs::directory_iterator(contracts_dir))
      if (entry.path().extension() == ".wasm") modules.push_back(entry.path());
  }
  std::sort(modules.begin(), modules.end());
  for (const auto& module : modules) {
    auto code = read_text_file(module);
    if (!code.ok()) return code.status();
    chain::GenesisContract contract;
    contract.name = module.stem().string();
    contract.municipality = dev_municipality;
    contract.code = to_bytes(*code);
    fs::path abi = module;
    abi.replace_extension(".abi.json");
    if (fs::exists(abi)) {
      auto abi_text = read_text_file(abi);
      if (!abi_text.ok()) return abi_text.status();
      contract.abi_json = *abi_text;
    }
    genesis.contracts.push_back(std::move(contract));
  }
  return Status();
}

Status ensure_dev_data_dir(const fs::path& data_dir, const fs::path& contracts_dir) {
  if (fs::exists(data_dir / "genesis.json")) return Status();
  std::error_code error_code;
  fs::create_directories(data_dir / "keys", error_code);
  if (error_code) return error(Code::io_error, "cannot create " + (data_dir / "keys").string() + ": " + error_code.message());
  chain::Genesis genesis;
  genesis.chain_id = dev_chain_id;
  genesis.genesis_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  GOVCHAIN_ASSIGN_OR_RETURN(auto validator, write_dev_key(data_dir / "keys", "validator"));
  GOVCHAIN_ASSIGN_OR_RETURN(auto admin, write_dev_key(data_dir / "keys", "admin"));
  genesis.municipalities.push_back({dev_municipality, "Dev City", admin.public_key});
  genesis.validators.push_back({dev_municipality, validator.public_key});
  for (const auto& role : chain::known_roles()) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto office, write_dev_key(data_dir / "keys", role));
    genesis.roles.push_back({dev_municipality, role, office.public_key});
  }
  GOVCHAIN_TRY(add_genesis_contracts(genesis, contracts_dir));
  return write_text_file(data_dir / "genesis.json", chain::genesis_to_json(genesis));
}

}  // namespace govchain::app
