// Replay check: re-executes every stored block from genesis in a fresh
// in-memory state and compares each block's state root and receipts root
// with the stored header. Operators run it (`govchaind --check`) to prove
// that a data directory is intact after a crash; tests use it after kill -9.
// Opens the data directory read-only in spirit (never writes to it); the
// node must not be running.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "chain/genesis.h"
#include "execution/contracts.h"

namespace govchain::app {

struct ReplayReport {
  uint64_t blocks_checked = 0;
  uint64_t txs_replayed = 0;
  Hash final_state_root;
};

Result<ReplayReport> replay_check(const std::filesystem::path& data_dir, const chain::Genesis& genesis,
                                  std::unique_ptr<execution::ContractHost> contracts,
                                  const std::function<void(uint64_t height)>& progress);

}  // namespace govchain::app
