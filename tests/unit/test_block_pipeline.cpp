// The dev node's pipeline on the block library: block h+1 executes on top of
// block h while h's synced write is still in flight (storage/
// pipelined_store.h), gives the same blocks as writing each block before
// the next, and a crash at any point of it leaves a consistent chain of the
// blocks that were durable, which the same blocks then extend to the same
// state roots.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "block/block_executor.h"
#include "block/chain_tip.h"
#include "block/state_reader.h"
#include "chain/block_store.h"
#include "consensus/certificate.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/executor.h"
#include "gated_store.h"
#include "storage/fault_injecting_store.h"
#include "storage/pipelined_store.h"

using namespace govchain;

namespace {

constexpr std::string_view chain_id = "pipeline-test";

crypto::KeyPair key(const std::string& seed) { return *crypto::key_pair_from_secret(crypto::sha256(to_bytes(seed))); }

chain::CheckedTx grant(const crypto::KeyPair& sender, uint64_t nonce) {
  chain::Tx tx;
  tx.chain_id = std::string(chain_id);
  tx.sender = sender.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 1'000'000;
  tx.action = chain::RoleGrant{"dev-city", "archive", key("account-" + std::to_string(nonce)).public_key};
  chain::sign_tx(tx, sender.secret);
  auto checked = chain::check_tx(tx, {.chain_id = chain_id, .tx_size_bytes_max = limits::tx_size_bytes_max});
  REQUIRE_MESSAGE(checked.ok(), checked.status().to_string());
  return *checked;
}

chain::Genesis test_genesis(const crypto::KeyPair& admin, const crypto::KeyPair& validator) {
  chain::Genesis genesis;
  genesis.chain_id = std::string(chain_id);
  genesis.genesis_time_ms = 1'000;
  genesis.municipalities.push_back({"dev-city", "Dev City", admin.public_key});
  genesis.validators.push_back({"dev-city", validator.public_key});
  return genesis;
}

// One node on `store`: the tree, the block store and the executor, at the
// tip the store holds (its genesis is written first if it has none).
struct Node {
  crypto::KeyPair admin = key("admin");
  crypto::KeyPair validator = key("validator");
  std::unique_ptr<consensus::Signer> signer = consensus::make_schnorr_signer(validator.secret);
  chain::Genesis genesis = test_genesis(admin, validator);
  state::StateTree tree;
  chain::BlockStore blocks;
  execution::Executor executor{genesis.chain_id, genesis.parameters};
  block::BlockExecutor executor_of_blocks{genesis.chain_id, genesis.parameters, executor, tree};
  block::ChainTip tip;
  chain::CommitCertificate head_commit;

  explicit Node(storage::KeyValueStore& store) : tree(store), blocks(store) {
    auto latest = blocks.latest_height();
    REQUIRE(latest.ok());
    if (!latest->has_value()) {
      auto made = executor_of_blocks.execute_genesis(genesis);
      REQUIRE(made.ok());
      chain::CommitCertificate commit = consensus::sign_commit_certificate(chain_id, 0, made->block_hash, *signer);
      REQUIRE(blocks.commit(0, made->encoded, commit, {}, made->batch).ok());
    }
    auto loaded = block::load_tip(blocks, tree);
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().to_string());
    tip = *loaded;
    head_commit = *blocks.commit_certificate(tip.head.height);
  }

  // Builds the next block from `candidates` at a fixed time (so that two
  // nodes build the same block), and hands its batch to `write` (which
  // writes it or queues it), then moves the tip on top of it.
  template <typename Write>
  block::ExecutedBlock build_and_commit(std::vector<chain::CheckedTx> candidates, Write write) {
    block::BlockStart start{tip.head.time_ms + 1, validator.public_key, head_commit};
    auto built = executor_of_blocks.build(start, std::move(candidates), tip);
    REQUIRE_MESSAGE(built.ok(), built.status().to_string());
    block::ExecutedBlock executed = std::move(built->block);
    REQUIRE(built->dropped.empty());
    chain::CommitCertificate commit =
        consensus::sign_commit_certificate(chain_id, executed.header.height, executed.block_hash, *signer);
    block::ExecutedBlock kept = executed;
    REQUIRE(
        blocks.add_to_batch(executed.header.height, executed.encoded, commit, executed.receipts, executed.batch).ok());
    write(std::move(executed.batch));
    tip = *block::advance_tip(tip, kept.header, block::TreeState::latest(tree));
    head_commit = commit;
    return kept;
  }
};

std::vector<chain::CheckedTx> grants(const crypto::KeyPair& sender, uint64_t first_nonce, size_t count) {
  std::vector<chain::CheckedTx> txs;
  for (uint64_t nonce = first_nonce; nonce < first_nonce + count; ++nonce) txs.push_back(grant(sender, nonce));
  return txs;
}

}  // namespace

TEST_CASE("blocks executed while the previous block's write is in flight equal blocks written one by one") {
  auto reference_store = storage::make_memory_store();
  Node reference(*reference_store);
  storage::FaultInjectingStore disk;
  testing::GatedStore gate(disk);
  storage::PipelinedStore pipelined(gate, 2);
  Node node(pipelined);
  REQUIRE(node.tip.head == reference.tip.head);

  gate.shut();
  std::vector<Hash> durable_blocks;
  std::mutex durable_mutex;
  for (uint64_t height = 1; height <= 3; ++height) {
    auto txs = grants(node.admin, (height - 1) * 20, 20);
    block::ExecutedBlock expected = reference.build_and_commit(
        txs, [&](storage::WriteBatch batch) { REQUIRE(reference_store->write(batch, true).ok()); });
    block::ExecutedBlock executed = node.build_and_commit(txs, [&](storage::WriteBatch batch) {
      Hash hash = expected.block_hash;
      REQUIRE(pipelined
                  .write_in_background(std::move(batch),
                                       [&, hash](const Status& written) {
                                         REQUIRE(written.ok());
                                         std::lock_guard lock(durable_mutex);
                                         durable_blocks.push_back(hash);
                                       })
                  .ok());
    });
    CHECK(executed.block_hash == expected.block_hash);
    CHECK(executed.header.state_root == expected.header.state_root);
    CHECK(executed.receipts == expected.receipts);
    // Block 1's write is held at the gate while blocks 2 and 3 execute.
    if (height == 1) gate.wait_for_writes_started(1);
    if (height <= 2) CHECK(*chain::BlockStore(disk).latest_height() == std::optional<uint64_t>(0));
    if (height == 2) gate.open();
  }
  REQUIRE(pipelined.drain().ok());
  CHECK(durable_blocks.size() == 3);
  // A fresh node on the disk resumes at block 3 with its state root.
  Node reopened(disk);
  CHECK(reopened.tip.head == reference.tip.head);
}

TEST_CASE("a crash while block h's write is in flight and h+1 executes resumes at the last durable block") {
  storage::FaultInjectingStore disk;
  testing::GatedStore gate(disk);
  std::vector<block::ExecutedBlock> made;
  std::vector<Status> outcomes(4);
  {
    storage::PipelinedStore pipelined(gate, 2);
    Node node(pipelined);
    auto queue = [&](size_t index) {
      return [&, index](storage::WriteBatch batch) {
        REQUIRE(
            pipelined
                .write_in_background(std::move(batch), [&, index](const Status& written) { outcomes[index] = written; })
                .ok());
      };
    };
    made.push_back(node.build_and_commit(grants(node.admin, 0, 10), queue(1)));
    REQUIRE(pipelined.drain().ok());  // block 1 is durable
    gate.shut();
    made.push_back(node.build_and_commit(grants(node.admin, 10, 10), queue(2)));
    gate.wait_for_writes_started(2);  // genesis went through write(); block 2 is at the gate
    made.push_back(node.build_and_commit(grants(node.admin, 20, 10), queue(3)));
    // The power fails with block 2's write in flight and block 3 queued.
    gate.power_loss();
    CHECK(pipelined.drain().code() == Code::io_error);
  }
  disk.drop_unsynced_writes();
  CHECK(outcomes[1].ok());
  CHECK(outcomes[2].code() == Code::io_error);
  CHECK(outcomes[3].code() == Code::io_error);

  // The disk holds blocks 0 and 1 whole, with the state of block 1.
  Node restarted(disk);
  CHECK(restarted.tip.head == chain::head_of(made[0].header));
  CHECK(*restarted.tree.latest_root() == made[0].header.state_root);
  CHECK(restarted.blocks.receipt(made[1].txs.front().hash()).status().code() == Code::not_found);
  // The lost blocks, executed again on the restarted node (as a follower
  // would from their bytes), give the same state roots.
  for (size_t index = 1; index < made.size(); ++index) {
    auto executed = restarted.executor_of_blocks.execute(made[index].encoded, restarted.tip);
    REQUIRE_MESSAGE(executed.ok(), executed.status().to_string());
    CHECK(executed->header.state_root == made[index].header.state_root);
    chain::CommitCertificate commit =
        consensus::sign_commit_certificate(chain_id, executed->header.height, executed->block_hash, *restarted.signer);
    REQUIRE(
        restarted.blocks.commit(executed->header.height, executed->encoded, commit, executed->receipts, executed->batch)
            .ok());
    restarted.tip = *block::advance_tip(restarted.tip, executed->header, block::TreeState::latest(restarted.tree));
  }
  CHECK(restarted.tip.head == chain::head_of(made.back().header));
}
