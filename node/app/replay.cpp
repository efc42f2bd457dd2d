#include "app/replay.h"

#include "chain/block_store.h"
#include "execution/executor.h"
#include "execution/validator_governance.h"
#include "state/state_tree.h"
#include "storage/leveldb_store.h"

namespace govchain::app {

namespace {

class TreeLatest : public execution::StateReader {
 public:
  explicit TreeLatest(const state::StateTree& tree) : tree_(tree) {}
  Result<std::optional<Bytes>> get(ByteView key) const override { return tree_.get_latest(key); }

 private:
  const state::StateTree& tree_;
};

Result<Hash> apply_overlay(state::StateTree& tree, storage::KeyValueStore& store, const Hash& base,
                           const execution::Overlay& overlay) {
  std::vector<state::StateChange> changes;
  for (auto& change : overlay.changes()) changes.push_back({change.key, change.value});
  storage::WriteBatch batch;
  auto root = tree.apply(base, changes, batch);
  if (!root.ok()) return root.status();
  GOVCHAIN_TRY(store.write(batch, false));
  return root;
}

Status check_block(const chain::Block& block, const chain::Block& stored_parent) {
  if (block.header.previous_hash != chain::block_hash(stored_parent.header))
    return error(Code::corruption, "block " + std::to_string(block.header.height) + " does not link to its parent");
  if (block.header.txs_root != chain::txs_root(block.txs))
    return error(Code::corruption, "block " + std::to_string(block.header.height) + " has a wrong transactions root");
  return Status();
}

}  // namespace

Result<ReplayReport> replay_check(const std::filesystem::path& data_dir, const chain::Genesis& genesis,
                                  std::unique_ptr<execution::ContractHost> contracts,
                                  const std::function<void(uint64_t height)>& progress) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, storage::open_leveldb_store(data_dir / "db"));
  chain::BlockStore blocks(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks.latest_height());
  if (!latest.has_value()) return error(Code::not_found, "the data directory holds no blocks yet");
  auto memory = storage::make_memory_store();
  state::StateTree tree(*memory);
  TreeLatest committed(tree);
  execution::Executor executor(genesis.chain_id, genesis.parameters, contracts.get());
  execution::Overlay genesis_overlay(committed);
  GOVCHAIN_TRY(executor.apply_genesis(genesis_overlay, genesis));
  GOVCHAIN_ASSIGN_OR_RETURN(Hash root, apply_overlay(tree, *memory, state::StateTree::empty_root(), genesis_overlay));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Block parent, blocks.block(0));
  if (parent.header.state_root != root)
    return error(Code::corruption, "genesis state root differs: stored " + parent.header.state_root.hex() +
                                       ", replayed " + root.hex());
  ReplayReport report;
  for (uint64_t height = 1; height <= *latest; ++height) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, blocks.block(height));
    GOVCHAIN_TRY(check_block(block, parent));
    GOVCHAIN_ASSIGN_OR_RETURN(std::vector<PublicKey> deciding, execution::read_validators(committed));
    if (block.header.validator_set_hash != chain::validator_set_hash(deciding))
      return error(Code::corruption, "block " + std::to_string(height) + " names another validator set than the state "
                                         "before it holds");
    execution::BlockContext context{genesis.chain_id, height, block.header.time_ms, block.header.proposer};
    execution::Overlay overlay(committed);
    std::vector<chain::Receipt> receipts;
    for (uint32_t index = 0; index < block.txs.size(); ++index) {
      const chain::Tx& tx = block.txs[index];
      auto receipt = executor.execute_tx(overlay, tx, chain::encode_tx(tx).size(), context, index);
      if (!receipt.ok()) return receipt.status().with_context("block " + std::to_string(height) + " transaction " + std::to_string(index));
      receipts.push_back(std::move(*receipt));
    }
    GOVCHAIN_TRY(executor.end_block(overlay, context).status().with_context("block " + std::to_string(height)));
    GOVCHAIN_ASSIGN_OR_RETURN(root, apply_overlay(tree, *memory, root, overlay));
    if (root != block.header.state_root)
      return error(Code::corruption, "block " + std::to_string(height) + ": replayed state root " + root.hex() +
                                         " differs from the stored " + block.header.state_root.hex());
    if (chain::receipts_root(receipts) != block.header.receipts_root)
      return error(Code::corruption, "block " + std::to_string(height) + ": replayed receipts differ from the stored ones");
    report.blocks_checked = height;
    report.txs_replayed += block.txs.size();
    if (progress) progress(height);
    parent = std::move(block);
  }
  report.final_state_root = root;
  return report;
}

Result<ImportReport> import_blocks(Node& node, const std::filesystem::path& source_data_dir) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto source, storage::open_leveldb_store(source_data_dir / "db"));
  chain::BlockStore blocks(*source);
  GOVCHAIN_ASSIGN_OR_RETURN(auto latest, blocks.latest_height());
  if (!latest.has_value()) return error(Code::not_found, source_data_dir.string() + " holds no blocks");
  ImportReport report;
  for (uint64_t height = node.head().height + 1; height <= *latest; ++height) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block block, blocks.block(height));
    GOVCHAIN_ASSIGN_OR_RETURN(chain::CommitCertificate commit, blocks.commit_certificate(height));
    GOVCHAIN_TRY(node.import_block(block, commit));
    report.blocks_imported++;
    report.txs_executed += block.txs.size();
  }
  report.final_state_root = node.head().state_root;
  return report;
}

}  // namespace govchain::app
