// Dev chain set-up: on first start of `govchaind --dev --data DIR`, writes
// DIR/genesis.json and plaintext dev keys in DIR/keys/ (validator, admin and
// one per office role), with one municipality "dev-city". Later starts reuse
// what is there. The genesis and key files are built by node/setup, which
// `govchain network` shares. Does file IO; call from the app only.
#pragma once

#include <filesystem>

#include "chain/genesis.h"
#include "core/limits.h"
#include "core/status.h"

namespace govchain::app {

inline constexpr const char* dev_chain_id = "govchain-dev";
inline constexpr const char* dev_municipality = "dev-city";

// Creates the dev genesis and keys if DIR/genesis.json does not exist yet.
// `contracts_dir` (may be empty) holds NAME.wasm + NAME.abi.json files that
// are deployed at genesis: those named in its genesis-contracts.txt (one
// name per line) if that file exists, otherwise all of them.
// `block_interval_ms` goes into a new genesis (the pause between blocks
// while transactions wait); an existing genesis is left as it is.
Status ensure_dev_data_dir(const std::filesystem::path& data_dir, const std::filesystem::path& contracts_dir,
                           uint64_t block_interval_ms = limits::default_block_interval_ms);

// Both forward to node/setup (setup_files.h).
Result<std::string> read_text_file(const std::filesystem::path& path, size_t size_bytes_max = 64 * 1024 * 1024);
// Writes via a temporary file and rename, so a crash leaves old or new.
Status write_text_file(const std::filesystem::path& path, std::string_view text);

}  // namespace govchain::app
