#include "block/block_executor.h"

#include "block/header_check.h"
#include "block/state_reader.h"
#include "core/clock.h"

namespace govchain::block {

namespace {

std::vector<Hash> hashes_of(const std::vector<chain::CheckedTx>& txs) {
  std::vector<Hash> hashes;
  hashes.reserve(txs.size());
  for (const auto& tx : txs) hashes.push_back(tx.hash());
  return hashes;
}

// A follower's refusal of a block's transaction names the code only: the
// message of a failed action may be a contract's abort message, which
// reaches logs and peers from here.
Status tx_refused(uint32_t index, const Status& why) {
  if (why.code() == Code::unknown_account)
    return error(Code::invalid, "transaction " + std::to_string(index) + ": " + why.message());
  return error(Code::invalid, "transaction " + std::to_string(index) +
                                  " may not be in a block: " + std::string(code_name(why.code())));
}

Status invalid_block(uint64_t height, const Status& why) {
  return error(Code::invalid, "block " + std::to_string(height) + ": " + why.to_string());
}

}  // namespace

BlockExecutor::BlockExecutor(std::string chain_id, chain::Parameters parameters, const execution::Executor& executor,
                             state::StateTree& tree, TxRule tx_rule)
    : chain_id_(std::move(chain_id)),
      parameters_(std::move(parameters)),
      executor_(executor),
      tree_(tree),
      tx_rule_(std::move(tx_rule)) {}

execution::BlockContext BlockExecutor::context_of(const chain::Header& header) const {
  return {chain_id_, header.height, header.time_ms, header.proposer};
}

// Blocks execute against the tree's flat index of latest values, which is
// the state of the tip only if nothing else was committed meanwhile.
Status BlockExecutor::check_latest_root(const ChainTip& tip) const {
  GOVCHAIN_ASSIGN_OR_RETURN(Hash latest, tree_.latest_root());
  if (latest != tip.head.state_root)
    return error(Code::internal, "the state tree's latest root " + latest.hex() + " is not the tip's " +
                                     tip.head.state_root.hex() + " (a block was committed meanwhile)");
  return Status();
}

Result<ExecutedBlock> BlockExecutor::execute_genesis(const chain::Genesis& genesis) {
  execution::EmptyState empty;
  execution::Overlay overlay(empty);
  GOVCHAIN_TRY(executor_.apply_genesis(overlay, genesis));
  ExecutedBlock executed;
  GOVCHAIN_ASSIGN_OR_RETURN(Hash root, apply_overlay(tree_, state::StateTree::empty_root(), overlay, executed.batch));
  executed.header.chain_id = genesis.chain_id;
  executed.header.height = 0;
  executed.header.time_ms = genesis.genesis_time_ms;
  executed.header.state_root = root;
  executed.header.validator_set_hash = chain::validator_set_hash(chain::validator_keys(genesis));
  executed.block_hash = chain::block_hash(executed.header);
  executed.encoded = chain::encode_block(executed.header, executed.txs);
  return executed;
}

Result<BuiltBlock> BlockExecutor::build(const BlockStart& start, std::vector<chain::CheckedTx> candidates,
                                        const ChainTip& tip) {
  GOVCHAIN_TRY(check_latest_root(tip));
  const uint64_t started_ms = steady_now_ms();
  chain::Header header;
  header.chain_id = chain_id_;
  header.height = tip.head.height + 1;
  header.time_ms = start.time_ms;
  header.previous_hash = tip.head.block_hash;
  header.proposer = start.proposer;
  header.validator_set_hash = tip.next_validators.hash();
  header.last_commit = start.last_commit;
  const execution::BlockContext context = context_of(header);
  TreeState parent_state = TreeState::latest(tree_);
  execution::Overlay overlay(parent_state);
  BuiltBlock built;
  std::vector<chain::CheckedTx> included;
  std::vector<chain::Receipt> receipts;
  included.reserve(candidates.size());
  receipts.reserve(candidates.size());
  uint64_t gas_total = 0;
  uint64_t size_total = 0;
  for (auto& candidate : candidates) {
    // Candidates come in nonce order per sender, so one that does not fit
    // ends the block rather than leaving a gap.
    if (included.size() >= parameters_.block_txs_max ||
        size_total + candidate.size_bytes() > parameters_.block_size_bytes_max ||
        gas_total + candidate.tx().gas_limit > parameters_.gas_per_block_max)
      break;
    auto receipt = run_tx(overlay, candidate, context, static_cast<uint32_t>(included.size()));
    if (!receipt.ok()) {
      built.dropped.emplace_back(std::move(candidate), receipt.status());
      continue;
    }
    gas_total += receipt->gas_used;
    size_total += candidate.size_bytes();
    included.push_back(std::move(candidate));
    receipts.push_back(std::move(*receipt));
  }
  const uint64_t executed_ms = steady_now_ms();
  header.txs_root = chain::merkle_root(hashes_of(included));
  GOVCHAIN_ASSIGN_OR_RETURN(built.block,
                            finish(std::move(header), std::move(included), std::move(receipts), overlay, tip));
  built.block.encoded = chain::encode_block(built.block.header, built.block.txs);
  built.block.execute_ms = executed_ms - started_ms;
  return built;
}

Result<ExecutedBlock> BlockExecutor::execute(ByteView encoded, const ChainTip& tip,
                                             const VerifiedBefore& verified_before) {
  const uint64_t started_ms = steady_now_ms();
  GOVCHAIN_ASSIGN_OR_RETURN(chain::BlockFrame frame, chain::decode_block_frame(encoded));
  const chain::Header claimed = frame.header;
  GOVCHAIN_TRY(check_header(claimed, chain_id_, tip));
  GOVCHAIN_TRY(check_latest_root(tip));
  if (frame.txs.size() > parameters_.block_txs_max)
    return error(Code::invalid, "block " + std::to_string(claimed.height) + " has " + std::to_string(frame.txs.size()) +
                                    " transactions, limit is " + std::to_string(parameters_.block_txs_max));
  auto txs = check_txs(std::move(frame.txs), verified_before);
  if (!txs.ok()) return invalid_block(claimed.height, txs.status());
  if (claimed.txs_root != chain::merkle_root(hashes_of(*txs)))
    return error(Code::invalid, "block " + std::to_string(claimed.height) + " has a wrong transactions root");
  TreeState parent_state = TreeState::latest(tree_);
  execution::Overlay overlay(parent_state);
  auto receipts = run_txs(*txs, context_of(claimed), overlay);
  if (!receipts.ok()) return invalid_block(claimed.height, receipts.status());
  const uint64_t executed_ms = steady_now_ms();
  chain::Header header = claimed;
  GOVCHAIN_ASSIGN_OR_RETURN(ExecutedBlock executed,
                            finish(std::move(header), std::move(*txs), std::move(*receipts), overlay, tip));
  executed.execute_ms = executed_ms - started_ms;
  if (executed.header.state_root != claimed.state_root)
    return error(Code::invalid, "block " + std::to_string(claimed.height) + " claims state root " +
                                    claimed.state_root.hex() + ", executing it gives " +
                                    executed.header.state_root.hex());
  if (executed.header.receipts_root != claimed.receipts_root)
    return error(Code::invalid,
                 "block " + std::to_string(claimed.height) + " claims other receipts than executing it gives");
  // The decoders accept only canonical encodings, so these are the bytes
  // chain::encode_block would write.
  executed.encoded = Bytes(encoded.begin(), encoded.end());
  return executed;
}

Result<std::vector<chain::CheckedTx>> BlockExecutor::check_txs(std::vector<Bytes> encoded_txs,
                                                               const VerifiedBefore& verified_before) const {
  chain::TxCheck rules{.chain_id = chain_id_,
                       .tx_size_bytes_max = parameters_.tx_size_bytes_max,
                       .precheck = {},
                       .verified_before = verified_before};
  std::vector<chain::CheckedTx> txs;
  txs.reserve(encoded_txs.size());
  uint64_t size_total = 0;
  for (size_t index = 0; index < encoded_txs.size(); ++index) {
    size_total += encoded_txs[index].size();
    if (size_total > parameters_.block_size_bytes_max)
      return error(Code::invalid,
                   "block transactions exceed " + std::to_string(parameters_.block_size_bytes_max) + " bytes");
    auto checked = chain::check_tx(std::move(encoded_txs[index]), rules);
    if (!checked.ok()) return checked.status().with_context("transaction " + std::to_string(index));
    txs.push_back(std::move(*checked));
  }
  return txs;
}

Result<std::vector<chain::Receipt>> BlockExecutor::run_txs(const std::vector<chain::CheckedTx>& txs,
                                                           const execution::BlockContext& context,
                                                           execution::Overlay& overlay) const {
  std::vector<chain::Receipt> receipts;
  receipts.reserve(txs.size());
  uint64_t gas_total = 0;
  for (uint32_t index = 0; index < txs.size(); ++index) {
    const chain::CheckedTx& tx = txs[index];
    if (gas_total + tx.tx().gas_limit > parameters_.gas_per_block_max)
      return error(Code::invalid, "block gas limits exceed " + std::to_string(parameters_.gas_per_block_max));
    auto receipt = run_tx(overlay, tx, context, index);
    if (!receipt.ok()) return tx_refused(index, receipt.status());
    gas_total += receipt->gas_used;
    receipts.push_back(std::move(*receipt));
  }
  return receipts;
}

Result<chain::Receipt> BlockExecutor::run_tx(execution::Overlay& overlay, const chain::CheckedTx& tx,
                                             const execution::BlockContext& context, uint32_t index) const {
  if (tx_rule_.before) GOVCHAIN_TRY(tx_rule_.before(overlay, tx, context));
  const size_t checkpoint = overlay.checkpoint();
  auto receipt = executor_.execute_tx(overlay, tx, context, index);
  Status allowed = !receipt.ok() ? receipt.status() : tx_rule_.after ? tx_rule_.after(tx, *receipt) : Status();
  // Nothing of a transaction left out stays: its writes, nonce and gas
  // included.
  if (!allowed.ok()) overlay.revert(checkpoint);
  overlay.forget_undo();
  if (!allowed.ok()) return allowed;
  return receipt;
}

Result<ExecutedBlock> BlockExecutor::finish(chain::Header header, std::vector<chain::CheckedTx> txs,
                                            std::vector<chain::Receipt> receipts, execution::Overlay& overlay,
                                            const ChainTip& tip) {
  const uint64_t started_ms = steady_now_ms();
  ExecutedBlock executed;
  GOVCHAIN_ASSIGN_OR_RETURN(executed.applied_validator_proposals, executor_.end_block(overlay, context_of(header)));
  GOVCHAIN_ASSIGN_OR_RETURN(header.state_root, apply_overlay(tree_, tip.head.state_root, overlay, executed.batch));
  header.receipts_root = chain::receipts_root(receipts);
  executed.header = std::move(header);
  executed.block_hash = chain::block_hash(executed.header);
  executed.txs = std::move(txs);
  executed.receipts = std::move(receipts);
  executed.state_ms = steady_now_ms() - started_ms;
  return executed;
}

}  // namespace govchain::block
