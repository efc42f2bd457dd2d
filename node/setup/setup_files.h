// The files of a chain set-up: plaintext dev key files of a member
// municipality (validator.json, admin.json and one <role>.json per office
// role, all in one folder), the folder of contracts deployed at genesis, and
// small text files written atomically.
//
// Shared by govchaind's --dev set-up and `govchain network`. Dev key files
// are for development networks only: their secret keys are plain hex.
// Functions do file IO; they keep no state and may run on any thread, but
// two calls must not write the same files at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "chain/genesis.h"
#include "core/status.h"
#include "setup/genesis_builder.h"

namespace govchain::setup {

inline constexpr size_t text_file_size_bytes_max_default = 64 * 1024 * 1024;

Result<std::string> read_text_file(const std::filesystem::path& path,
                                   size_t size_bytes_max = text_file_size_bytes_max_default);
// Writes via a temporary file and rename, so a crash leaves old or new.
Status write_text_file(const std::filesystem::path& path, std::string_view text);

// A passphrase from a file: a regular file of at most 4 KiB whose first line
// (one trailing newline dropped) is the passphrase. With `check_mode`, a
// file that every user of the machine may read or change is refused
// (Code::unauthorized, saying how to fix it). An empty passphrase is
// refused. Used for key files by govchaind and the govchain tool.
inline constexpr size_t passphrase_file_size_bytes_max = 4096;
Result<std::string> read_passphrase_file(const std::filesystem::path& path, bool check_mode = true);

// The key file names of a member, without folder: "validator.json",
// "admin.json", then "<role>.json" for each of chain::known_roles().
std::vector<std::string> member_key_file_names();

// Creates `keys_dir` (and parents) and writes fresh dev key files named as
// above. Each file's label is `label_prefix` followed by the file's stem
// ("validator", "admin", "archive", ...). Existing files are overwritten:
// callers check first.
Result<MemberKeys> write_member_dev_keys(const std::filesystem::path& keys_dir, std::string id,
                                         std::string display_name, std::string_view label_prefix);

// Reads the public keys of a member back from `keys_dir` (dev or encrypted
// key files; no passphrase needed). Code::not_found names a missing file.
Result<MemberKeys> read_member_keys(const std::filesystem::path& keys_dir, std::string id, std::string display_name);

// The contracts in `contracts_dir` (NAME.wasm, with NAME.abi.json beside it
// when present): those named in its genesis-contracts.txt (one name per
// line) if that file exists, otherwise every .wasm file; sorted by name.
// The municipality is left empty (build_genesis sets it). An empty path or
// a missing folder gives no contracts.
Result<std::vector<chain::GenesisContract>> read_genesis_contracts(const std::filesystem::path& contracts_dir);

}  // namespace govchain::setup
