#include "app/replay.h"

#include "block/block_executor.h"
#include "block/state_reader.h"
#include "chain/block_store.h"
#include "consensus/certificate.h"
#include "execution/executor.h"
#include "state/state_tree.h"
#include "storage/leveldb_store.h"

namespace govchain::app {

namespace {

Status corrupted(uint64_t height, const Status& why) {
  return error(Code::corruption, "block " + std::to_string(height) + ": " + why.message());
}

// Checks the stored genesis block against the one the genesis file makes,
// and writes the latter's state.
Result<block::ChainTip> replay_genesis(block::BlockExecutor& executor, const chain::BlockStore& blocks,
                                       storage::KeyValueStore& memory, const state::StateTree& tree,
                                       const chain::Genesis& genesis) {
  GOVCHAIN_ASSIGN_OR_RETURN(block::ExecutedBlock replayed, executor.execute_genesis(genesis));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Block stored, blocks.block(0));
  if (stored.header.state_root != replayed.header.state_root)
    return error(Code::corruption, "genesis state root differs: stored " + stored.header.state_root.hex() +
                                       ", replayed " + replayed.header.state_root.hex());
  if (chain::block_hash(stored.header) != replayed.block_hash)
    return error(Code::corruption, "the stored genesis block is not the one the genesis file makes");
  GOVCHAIN_TRY(memory.write(replayed.batch, false));
  return block::genesis_tip(replayed.header, block::TreeState::latest(tree));
}

}  // namespace

Result<ReplayReport> replay_check(const std::filesystem::path& data_dir, const chain::Genesis& genesis,
                                  std::unique_ptr<execution::ContractHost> contracts,
                                  const std::function<void(uint64_t height)>& progress) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, storage::open_leveldb_store(data_dir / "db"));
  chain::BlockStore blocks(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks.latest_height());
  if (!latest.has_value()) return error(Code::not_found, "the data directory holds no blocks yet");
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t pruned_below, blocks.pruned_below());
  if (pruned_below > 0)
    return error(Code::invalid, "this data directory pruned its blocks before height " + std::to_string(pruned_below) +
                                    " (prune_blocks_keep), so its chain cannot be re-executed from the genesis; run "
                                    "--check on a node that keeps every block");
  GOVCHAIN_ASSIGN_OR_RETURN(auto sync_base, blocks.sync_base());
  if (sync_base)
    return error(Code::invalid, "this data directory joined by state sync at height " +
                                    std::to_string(sync_base->height) +
                                    " and holds no block before it, so its chain cannot be re-executed from the "
                                    "genesis; its state was checked against the root of a certified block when it "
                                    "synced. Run --check on a node that executed every block");
  auto memory = storage::make_memory_store();
  state::StateTree tree(*memory);
  execution::Executor executor(genesis.chain_id, genesis.parameters, contracts.get());
  block::BlockExecutor block_executor(genesis.chain_id, genesis.parameters, executor, tree);
  GOVCHAIN_ASSIGN_OR_RETURN(block::ChainTip tip, replay_genesis(block_executor, blocks, *memory, tree, genesis));
  ReplayReport report;
  for (uint64_t height = 1; height <= *latest; ++height) {
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes encoded, blocks.encoded_block(height));
    GOVCHAIN_ASSIGN_OR_RETURN(chain::CommitCertificate commit, blocks.commit_certificate(height));
    // The same checks as for a block a node receives: header, signatures,
    // limits, execution, roots; then the certificate stored beside it.
    auto executed = block_executor.execute(encoded, tip);
    if (!executed.ok()) return corrupted(height, executed.status());
    Status certified = consensus::verify_commit_certificate(commit, genesis.chain_id, height, executed->block_hash,
                                                            tip.next_validators);
    if (!certified.ok()) return corrupted(height, certified.with_context("its stored certificate"));
    GOVCHAIN_TRY(memory->write(executed->batch, false));
    GOVCHAIN_ASSIGN_OR_RETURN(tip, block::advance_tip(tip, executed->header, block::TreeState::latest(tree)));
    report.blocks_checked = height;
    report.txs_replayed += executed->txs.size();
    if (progress) progress(height);
  }
  report.final_state_root = tip.head.state_root;
  return report;
}

Result<ImportReport> import_blocks(Node& node, const std::filesystem::path& source_data_dir) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto source, storage::open_leveldb_store(source_data_dir / "db"));
  chain::BlockStore blocks(*source);
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks.latest_height());
  if (!latest.has_value()) return error(Code::not_found, source_data_dir.string() + " holds no blocks");
  ImportReport report;
  for (uint64_t height = node.head().height + 1; height <= *latest; ++height) {
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes encoded, blocks.encoded_block(height));
    GOVCHAIN_ASSIGN_OR_RETURN(chain::CommitCertificate commit, blocks.commit_certificate(height));
    GOVCHAIN_ASSIGN_OR_RETURN(size_t tx_count, node.import_block(encoded, commit));
    report.blocks_imported++;
    report.txs_executed += tx_count;
  }
  report.final_state_root = node.head().state_root;
  return report;
}

}  // namespace govchain::app
