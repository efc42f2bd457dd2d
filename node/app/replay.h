// Replay check: re-executes every stored block from genesis in a fresh
// in-memory state through the node's one block executor
// (block::BlockExecutor::execute: header, transaction signatures and
// limits, execution, state and receipts roots against the stored header),
// and checks each block's stored certificate against its validator set.
// Operators run it (`govchaind --check`) to prove that a data directory is
// intact after a crash; tests use it after kill -9.
// Opens the data directory read-only in spirit (never writes to it); the
// node must not be running.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "app/node.h"
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

// Block import: feeds the blocks of another node's data directory (stopped,
// same genesis) after `node`'s head to Node::import_block, which executes
// each one on `node`'s own state and refuses it if its roots differ. Reads
// the source directory only. Used to bring up a second node from the blocks
// of a first and compare what both computed (tests/integration/determinism.sh).
struct ImportReport {
  uint64_t blocks_imported = 0;
  uint64_t txs_executed = 0;
  Hash final_state_root;
};

Result<ImportReport> import_blocks(Node& node, const std::filesystem::path& source_data_dir);

}  // namespace govchain::app
