// BlockExecutor: the one block state transition of govchain. It builds a
// block from chosen transactions (the proposer, the dev node), executes a
// block someone else made (a validator judging a proposal, a node catching
// up or importing, `govchaind --check` re-executing a stored chain), and
// executes the genesis — all with the same header check, limits,
// transaction execution, end-of-block work and roots.
//
// Every input is explicit: the tip the block goes on (block/chain_tip.h),
// the transactions or the block's bytes, and which signatures the caller
// verified before. It executes against the tree's latest written state and
// puts the state changes into the ExecutedBlock's batch, writing nothing;
// the caller commits the batch (chain::BlockStore::commit) or drops it.
//
// Ownership: references the execution::Executor and the state tree, which
// must outlive it. Thread-safety: build(), execute() and execute_genesis()
// apply to the tree and must be serialised by the caller, and no block may
// be committed while one runs (the node's block production does both).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "block/chain_tip.h"
#include "block/tx_rules.h"
#include "chain/block.h"
#include "chain/checked_tx.h"
#include "chain/genesis.h"
#include "execution/executor.h"
#include "state/state_tree.h"
#include "storage/store.h"

namespace govchain::block {

// A block executed on top of a tip, not yet committed.
struct ExecutedBlock {
  chain::Header header;
  std::vector<chain::CheckedTx> txs;
  Hash block_hash;  // chain::block_hash(header)
  Bytes encoded;    // chain::encode_block(header, txs): what is proposed and stored
  std::vector<chain::Receipt> receipts;
  storage::WriteBatch batch;  // the state changes; committing writes it
  // Validator set changes that took effect at the end of the block.
  std::vector<uint64_t> applied_validator_proposals;
  // Milliseconds spent executing transactions and updating the state tree
  // and roots (for debug logs; never part of the block).
  uint64_t execute_ms = 0;
  uint64_t state_ms = 0;
};

// What the proposer decides besides the transactions.
struct BlockStart {
  int64_t time_ms = 0;  // after the tip's time
  PublicKey proposer;
  chain::CommitCertificate last_commit;  // certifies the tip's head
};

struct BuiltBlock {
  ExecutedBlock block;
  // Candidates left out because they may not be in a block (execution
  // refused them, or the transaction rule did: an unknown sender, a failed
  // action), with the reason: the caller drops them from its mempool and
  // tells their submitters. The reason's message may hold a contract's
  // abort message: never log it.
  std::vector<std::pair<chain::CheckedTx, Status>> dropped;
};

// Whether this node verified the signature of exactly this transaction
// before (chain::TxCheck::verified_before).
using VerifiedBefore = std::function<bool(const Hash& hash, const Signature& signature)>;

class BlockExecutor {
 public:
  // `tx_rule` is the chain's rule (block/tx_rules.h) unless a test passes
  // another one (an empty TxRule allows every transaction that executes, to
  // make blocks that break the chain's rule).
  BlockExecutor(std::string chain_id, chain::Parameters parameters, const execution::Executor& executor,
                state::StateTree& tree, TxRule tx_rule = chain_tx_rule());

  // Block 0: the genesis applied to the empty state.
  Result<ExecutedBlock> execute_genesis(const chain::Genesis& genesis);

  // A block for tip.head.height + 1 from `candidates`, in their order, as
  // many as the block's limits (count, bytes, gas) allow; a candidate that
  // may not be in a block (execution refuses it, or the transaction rule
  // does) is dropped with all its writes undone and the next one tried.
  Result<BuiltBlock> build(const BlockStart& start, std::vector<chain::CheckedTx> candidates, const ChainTip& tip);

  // Executes the block with the canonical encoding `encoded` on top of
  // `tip` and checks every rule a block must keep: the header
  // (check_header), the limits of the genesis parameters, each
  // transaction's stateless checks (the signature unless `verified_before`
  // says so), the transactions root, execution, the transaction rule, and
  // the state and receipts roots the header claims. Code::invalid (or
  // malformed, for bytes that do not decode) with the reason otherwise.
  Result<ExecutedBlock> execute(ByteView encoded, const ChainTip& tip, const VerifiedBefore& verified_before = {});

  const std::string& chain_id() const { return chain_id_; }
  const chain::Parameters& parameters() const { return parameters_; }

 private:
  Result<std::vector<chain::CheckedTx>> check_txs(std::vector<Bytes> encoded_txs,
                                                  const VerifiedBefore& verified_before) const;
  // Applies the rule's `before` part, executes `tx` and applies its
  // `after` part; undoes every write of a transaction that breaks either.
  Result<chain::Receipt> run_tx(execution::Overlay& overlay, const chain::CheckedTx& tx,
                                const execution::BlockContext& context, uint32_t index) const;
  Result<std::vector<chain::Receipt>> run_txs(const std::vector<chain::CheckedTx>& txs,
                                              const execution::BlockContext& context,
                                              execution::Overlay& overlay) const;
  // Runs the end-of-block work, applies the overlay to the tree at the
  // tip's root, and fills in the roots and the hash.
  Result<ExecutedBlock> finish(chain::Header header, std::vector<chain::CheckedTx> txs,
                               std::vector<chain::Receipt> receipts, execution::Overlay& overlay, const ChainTip& tip);
  Status check_latest_root(const ChainTip& tip) const;
  execution::BlockContext context_of(const chain::Header& header) const;

  std::string chain_id_;
  chain::Parameters parameters_;
  const execution::Executor& executor_;
  state::StateTree& tree_;
  TxRule tx_rule_;
};

}  // namespace govchain::block
