// The block library: one block executor for builders and followers, the
// header check, the chain tip, the state reader, and admission.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "block/admission.h"
#include "block/block_executor.h"
#include "block/chain_tip.h"
#include "block/header_check.h"
#include "block/state_reader.h"
#include "block/tx_rules.h"
#include "consensus/certificate.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"
#include "execution/executor.h"
#include "storage/store.h"

using namespace govchain;

namespace {

constexpr std::string_view chain_id = "block-test";

crypto::KeyPair key(const std::string& seed) { return *crypto::key_pair_from_secret(crypto::sha256(to_bytes(seed))); }

chain::Tx grant_tx(const crypto::KeyPair& sender, uint64_t nonce, std::string municipality = "dev-city") {
  chain::Tx tx;
  tx.chain_id = std::string(chain_id);
  tx.sender = sender.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 1'000'000;
  tx.action = chain::RoleGrant{std::move(municipality), "archive", key("account-" + std::to_string(nonce)).public_key};
  chain::sign_tx(tx, sender.secret);
  return tx;
}

chain::CheckedTx checked(const chain::Tx& tx) {
  auto result = chain::check_tx(tx, {.chain_id = chain_id, .tx_size_bytes_max = limits::tx_size_bytes_max});
  REQUIRE_MESSAGE(result.ok(), result.status().to_string());
  return *result;
}

// One node's chain in memory: a genesis with one municipality and one
// validator, the block executor on a fresh tree, and the tip it is at.
struct Chain {
  crypto::KeyPair admin = key("admin");
  crypto::KeyPair validator = key("validator");
  std::unique_ptr<consensus::Signer> signer = consensus::make_schnorr_signer(validator.secret);
  chain::Genesis genesis;
  std::unique_ptr<storage::KeyValueStore> store = storage::make_memory_store();
  state::StateTree tree{*store};
  std::unique_ptr<execution::Executor> executor;
  std::unique_ptr<block::BlockExecutor> blocks;
  block::ChainTip tip;
  chain::CommitCertificate head_commit;  // of tip.head

  // The chain's rule (block/tx_rules.h) unless a test passes another one.
  explicit Chain(block::TxRule rule = block::chain_tx_rule()) {
    genesis.chain_id = std::string(chain_id);
    genesis.genesis_time_ms = 1'000;
    genesis.municipalities.push_back({"dev-city", "Dev City", admin.public_key});
    genesis.validators.push_back({"dev-city", validator.public_key});
    executor = std::make_unique<execution::Executor>(genesis.chain_id, genesis.parameters);
    blocks = std::make_unique<block::BlockExecutor>(genesis.chain_id, genesis.parameters, *executor, tree, rule);
    auto made = blocks->execute_genesis(genesis);
    REQUIRE_MESSAGE(made.ok(), made.status().to_string());
    REQUIRE(store->write(made->batch, false).ok());
    tip = *block::genesis_tip(made->header, block::TreeState::latest(tree));
    head_commit = {0, 0, made->block_hash, {}};
  }

  block::BlockStart start() const { return {tip.head.time_ms + 1, validator.public_key, head_commit}; }

  block::BuiltBlock build(std::vector<chain::CheckedTx> candidates) {
    auto built = blocks->build(start(), std::move(candidates), tip);
    REQUIRE_MESSAGE(built.ok(), built.status().to_string());
    return std::move(*built);
  }

  void commit(block::ExecutedBlock& executed) {
    REQUIRE(store->write(executed.batch, false).ok());
    tip = *block::advance_tip(tip, executed.header, block::TreeState::latest(tree));
    head_commit = consensus::sign_commit_certificate(chain_id, executed.header.height, executed.block_hash, *signer);
  }
};

}  // namespace

TEST_CASE("a block built by one node executes to the same block on another") {
  Chain proposer;
  Chain follower;
  REQUIRE(proposer.tip.head == follower.tip.head);
  std::vector<chain::CheckedTx> candidates = {checked(grant_tx(proposer.admin, 0)),
                                              checked(grant_tx(proposer.admin, 1))};
  block::BuiltBlock built = proposer.build(candidates);
  CHECK(built.dropped.empty());
  block::ExecutedBlock& block = built.block;
  REQUIRE(block.txs.size() == 2);
  CHECK(block.receipts.at(1).status == Code::ok);
  CHECK(block.encoded == chain::encode_block(block.header, block.txs));
  CHECK(block.header.txs_root == chain::merkle_root({candidates[0].hash(), candidates[1].hash()}));

  auto executed = follower.blocks->execute(block.encoded, follower.tip);
  REQUIRE_MESSAGE(executed.ok(), executed.status().to_string());
  CHECK(executed->block_hash == block.block_hash);
  CHECK(executed->header == block.header);
  CHECK(executed->receipts == block.receipts);
  CHECK(executed->encoded == block.encoded);
  proposer.commit(block);
  follower.commit(*executed);
  CHECK(proposer.tip.head == follower.tip.head);

  // The next block carries the certificate of this one, which the header
  // check verifies against the set that signed it.
  block::BuiltBlock second = proposer.build({checked(grant_tx(proposer.admin, 2))});
  auto second_executed = follower.blocks->execute(second.block.encoded, follower.tip);
  CHECK_MESSAGE(second_executed.ok(), second_executed.status().to_string());
}

TEST_CASE("the builder drops a transaction that may not be in a block and goes on") {
  Chain chain;
  // Nonce 5 does not follow nonce 0: execution refuses it. A stranger's key
  // is unknown to the chain. A grant in a municipality that does not exist
  // fails: a failed action is never in a block either.
  chain::CheckedTx failing = checked(grant_tx(chain.admin, 1, "nowhere"));
  block::BuiltBlock built =
      chain.build({checked(grant_tx(chain.admin, 0)), checked(grant_tx(chain.admin, 5)),
                   checked(grant_tx(key("other"), 0, "other-town")), failing, checked(grant_tx(chain.admin, 1))});
  REQUIRE(built.block.txs.size() == 2);
  CHECK(built.block.txs[1].tx().nonce == 1);
  CHECK(built.block.txs[1].hash() != failing.hash());
  for (const auto& receipt : built.block.receipts) CHECK(receipt.status == Code::ok);
  REQUIRE(built.dropped.size() == 3);
  CHECK(built.dropped[0].first.tx().nonce == 5);
  CHECK(built.dropped[0].second.code() == Code::nonce_too_high);
  CHECK(built.dropped[1].second.code() == Code::unknown_account);
  CHECK(built.dropped[1].second.message().find("grant this key a role") != std::string::npos);
  CHECK(built.dropped[2].first.hash() == failing.hash());
  CHECK(built.dropped[2].second.code() != Code::ok);
}

TEST_CASE("the chain's rule leaves failed and unknown senders' transactions out and refuses blocks with them") {
  // docs/decisions/failed-calls-stay-off-chain.md
  chain::CheckedTx good = checked(grant_tx(key("admin"), 0));
  chain::CheckedTx failing = checked(grant_tx(key("admin"), 1, "nowhere"));  // no such municipality
  chain::CheckedTx after = checked(grant_tx(key("admin"), 1));
  chain::CheckedTx stranger = checked(grant_tx(key("stranger"), 0));  // a key the chain does not know

  Chain strict;
  block::BuiltBlock built = strict.build({good, failing, stranger, after});
  REQUIRE(built.block.txs.size() == 2);
  CHECK(built.block.txs[1].hash() == after.hash());
  REQUIRE(built.dropped.size() == 2);
  CHECK(built.dropped[0].first.hash() == failing.hash());
  CHECK(built.dropped[1].second.code() == Code::unknown_account);
  // Everything the dropped transaction wrote is undone, its nonce and gas
  // too: the block's state is that of the two others alone.
  Chain lenient{block::TxRule{}};
  block::BuiltBlock two = lenient.build({good, after});
  CHECK(built.block.header.state_root == two.block.header.state_root);
  CHECK(built.block.header.receipts_root == two.block.header.receipts_root);

  // A proposer without the rule (a Byzantine one) includes the failed call
  // or the stranger's transaction; a follower with the rule refuses the
  // block, and its reason names the code only, never the message.
  block::BuiltBlock with_failure = lenient.build({good, failing});
  REQUIRE(with_failure.block.txs.size() == 2);
  REQUIRE(with_failure.block.receipts[1].status != Code::ok);
  Chain follower;
  auto refused = follower.blocks->execute(with_failure.block.encoded, follower.tip);
  CHECK(refused.status().code() == Code::invalid);
  CHECK(refused.status().message().find("transaction 1 may not be in a block") != std::string::npos);
  CHECK(refused.status().message().find(with_failure.block.receipts[1].message) == std::string::npos);

  Chain lenient_again{block::TxRule{}};
  block::BuiltBlock with_stranger = lenient_again.build({stranger});
  REQUIRE(with_stranger.block.txs.size() == 1);
  auto refused_stranger = follower.blocks->execute(with_stranger.block.encoded, follower.tip);
  CHECK(refused_stranger.status().code() == Code::invalid);
  CHECK(refused_stranger.status().message().find("does not know account") != std::string::npos);

  // The honest block executes on the follower to the same roots.
  auto accepted = follower.blocks->execute(built.block.encoded, follower.tip);
  REQUIRE_MESSAGE(accepted.ok(), accepted.status().to_string());
  CHECK(accepted->block_hash == built.block.block_hash);
}

TEST_CASE("a sender becomes known within a block once an admin granted it a role") {
  Chain chain;
  // The grant gives "account-0" a role; its own transaction after the grant
  // is judged on the block's state so far, so it may follow in the block.
  const crypto::KeyPair granted = key("account-0");
  block::BuiltBlock built = chain.build({checked(grant_tx(chain.admin, 0)), checked(grant_tx(granted, 0))});
  CHECK(built.block.txs.size() == 1);  // its own grant fails (not an admin): dropped
  REQUIRE(built.dropped.size() == 1);
  CHECK(built.dropped[0].second.code() == Code::unauthorized);
}

TEST_CASE("a follower refuses a block that breaks a rule") {
  Chain proposer;
  Chain follower;
  block::BuiltBlock built = proposer.build({checked(grant_tx(proposer.admin, 0))});
  auto refuse = [&](const chain::Header& header, const std::vector<chain::CheckedTx>& txs) {
    return follower.blocks->execute(chain::encode_block(header, txs), follower.tip).status();
  };
  const chain::Header& good = built.block.header;
  const std::vector<chain::CheckedTx>& txs = built.block.txs;

  chain::Header wrong_root = good;
  wrong_root.state_root = crypto::sha256(to_bytes("another state"));
  Status root = refuse(wrong_root, txs);
  CHECK(root.code() == Code::invalid);
  CHECK(root.message().find("state root") != std::string::npos);

  chain::Header wrong_receipts = good;
  wrong_receipts.receipts_root = Hash{};
  CHECK(refuse(wrong_receipts, txs).code() == Code::invalid);

  chain::Header wrong_txs_root = good;
  wrong_txs_root.txs_root = Hash{};
  CHECK(refuse(wrong_txs_root, txs).message().find("transactions root") != std::string::npos);

  // A transaction whose signature does not verify, unless this node
  // verified exactly it before.
  chain::Tx forged = grant_tx(proposer.admin, 0);
  forged.gas_limit += 1;
  chain::Header forged_header = good;
  forged_header.txs_root = chain::merkle_root({chain::tx_hash(forged)});
  Bytes forged_block = chain::encode_block(chain::Block{forged_header, {forged}});
  Status unsigned_refused = follower.blocks->execute(forged_block, follower.tip).status();
  CHECK(unsigned_refused.code() == Code::invalid);
  CHECK(unsigned_refused.message().find("signature") != std::string::npos);
  // Skipping the signature for a transaction verified before gets past it
  // to the next check (this forged one then fails to reproduce the roots).
  auto known = [&](const Hash& hash, const Signature&) { return hash == chain::tx_hash(forged); };
  Status next_refusal = follower.blocks->execute(forged_block, follower.tip, known).status();
  CHECK(next_refusal.message().find("signature") == std::string::npos);

  CHECK(follower.blocks->execute(Bytes{1, 2, 3}, follower.tip).status().code() != Code::ok);
}

TEST_CASE("a block over the genesis limits is refused before its transactions run") {
  Chain chain;
  chain::Genesis small = chain.genesis;
  small.parameters.block_txs_max = 1;
  block::BlockExecutor strict(small.chain_id, small.parameters, *chain.executor, chain.tree);
  block::BuiltBlock built = chain.build({checked(grant_tx(chain.admin, 0)), checked(grant_tx(chain.admin, 1))});
  REQUIRE(built.block.txs.size() == 2);
  Status refused = strict.execute(built.block.encoded, chain.tip).status();
  CHECK(refused.code() == Code::invalid);
  CHECK(refused.message().find("transactions, limit is 1") != std::string::npos);
  // The builder keeps to the same limit.
  block::BuiltBlock one =
      strict.build(chain.start(), {checked(grant_tx(chain.admin, 0)), checked(grant_tx(chain.admin, 1))}, chain.tip)
          .value();
  CHECK(one.block.txs.size() == 1);
}

TEST_CASE("blocks execute only on the state of their tip") {
  Chain chain;
  block::BuiltBlock first = chain.build({checked(grant_tx(chain.admin, 0))});
  block::ChainTip stale = chain.tip;
  chain.commit(first.block);
  auto refused = chain.blocks->build(chain.start(), {}, stale);
  CHECK(refused.status().code() == Code::internal);
}

TEST_CASE("the header check takes its inputs explicitly") {
  Chain chain;
  block::BuiltBlock first = chain.build({});
  chain.commit(first.block);
  block::BuiltBlock second = chain.build({});
  const chain::Header& good = second.block.header;
  const block::ChainTip& tip = chain.tip;
  CHECK(block::check_header(good, chain_id, tip).ok());
  CHECK(block::check_header(good, "other-chain", tip).code() == Code::invalid);
  auto with = [&](auto change) {
    chain::Header header = good;
    change(header);
    return block::check_header(header, chain_id, tip);
  };
  CHECK(with([](chain::Header& h) { h.height += 1; }).message().find("does not follow") != std::string::npos);
  CHECK(with([](chain::Header& h) { h.previous_hash = Hash{}; }).message().find("link") != std::string::npos);
  CHECK(with([&](chain::Header& h) { h.time_ms = tip.head.time_ms; }).message().find("time") != std::string::npos);
  CHECK(with([](chain::Header& h) { h.proposer = key("nobody").public_key; }).message().find("proposer") !=
        std::string::npos);
  CHECK(with([](chain::Header& h) { h.validator_set_hash = Hash{}; }).message().find("validator set") !=
        std::string::npos);
  CHECK(with([](chain::Header& h) { h.last_commit.height += 1; }).message().find("another block") != std::string::npos);
  // The parent's certificate must verify against the set that signed it.
  CHECK(with([](chain::Header& h) { h.last_commit.signatures.clear(); }).message().find("certificate") !=
        std::string::npos);
  CHECK(with([](chain::Header& h) { h.last_commit.signatures.at(0).signature.data[3] ^= 1; }).code() == Code::invalid);
  block::ChainTip other_signers = tip;
  other_signers.head_signers = *consensus::ValidatorSet::create({key("someone else").public_key});
  CHECK_FALSE(block::check_header(good, chain_id, other_signers).ok());
}

TEST_CASE("the chain tip moves the validator sets along") {
  Chain chain;
  block::BuiltBlock first = chain.build({});
  block::ChainTip before = chain.tip;
  chain.commit(first.block);
  CHECK(chain.tip.head == chain::head_of(first.block.header));
  CHECK(chain.tip.head_signers == before.next_validators);
  CHECK(chain.tip.next_validators.keys() == std::vector<PublicKey>{chain.validator.public_key});
}

TEST_CASE("a pinned state reader keeps its block's state while the latest one moves on") {
  Chain chain;
  Hash genesis_root = chain.tip.head.state_root;
  block::TreeState pinned(chain.tree, genesis_root);
  block::TreeState latest = block::TreeState::latest(chain.tree);
  block::BuiltBlock first = chain.build({checked(grant_tx(chain.admin, 0))});
  chain.commit(first.block);
  CHECK(execution::read_nonce(pinned, chain.admin.public_key).value() == 0);
  CHECK(execution::read_nonce(latest, chain.admin.public_key).value() == 1);
  CHECK(
      execution::read_nonce(block::TreeState(chain.tree, chain.tip.head.state_root), chain.admin.public_key).value() ==
      1);
}

// ---- admission ------------------------------------------------------------------

namespace {

struct Admission {
  Chain chain;
  std::vector<Hash> pending;
  PublicKey refused_sender;
  block::BatchLimits* batch = nullptr;  // when set, admits as one request's array
  Result<chain::CheckedTx> admit(Bytes bytes) {
    block::TreeState committed = block::TreeState::latest(chain.tree);
    block::AdmissionContext context{
        chain_id,
        chain.genesis.parameters,
        *chain.executor,
        committed,
        chain.tip.head.time_ms,
        [this](const PublicKey& sender) {
          return sender == refused_sender ? error(Code::resource_exhausted, "refused for a while") : Status();
        },
        [this](const Hash& hash) { return std::find(pending.begin(), pending.end(), hash) != pending.end(); }};
    if (batch != nullptr) return block::admit_tx(std::move(bytes), batch->with_limits(context));
    return block::admit_tx(std::move(bytes), context);
  }
};

}  // namespace

TEST_CASE("admission returns the checked transaction or the reason code, cheapest checks first") {
  Admission admission;
  const crypto::KeyPair& admin = admission.chain.admin;
  chain::Tx tx = grant_tx(admin, 0);
  auto admitted = admission.admit(chain::encode_tx(tx));
  REQUIRE_MESSAGE(admitted.ok(), admitted.status().to_string());
  CHECK(admitted->hash() == chain::tx_hash(tx));
  CHECK(admitted->bytes() == chain::encode_tx(tx));

  CHECK(admission.admit(Bytes(limits::tx_size_bytes_max + 1, 1)).status().code() == Code::too_large);
  CHECK(admission.admit(Bytes{1, 2, 3}).status().code() == Code::malformed);
  chain::Tx other_chain = tx;
  other_chain.chain_id = "other-chain";
  chain::sign_tx(other_chain, admin.secret);
  CHECK(admission.admit(chain::encode_tx(other_chain)).status().code() == Code::wrong_chain);

  // A pending copy and a used nonce are refused before the signature is
  // looked at: these carry a broken one.
  chain::Tx unsigned_tx = tx;
  unsigned_tx.signature = Signature{};
  admission.pending.push_back(chain::tx_hash(unsigned_tx));
  CHECK(admission.admit(chain::encode_tx(unsigned_tx)).status().code() == Code::already_exists);
  admission.pending.clear();
  block::BuiltBlock built = admission.chain.build({*admitted});
  admission.chain.commit(built.block);
  CHECK(admission.admit(chain::encode_tx(unsigned_tx)).status().code() == Code::nonce_too_low);
  chain::Tx far = grant_tx(admin, 1 + limits::nonce_ahead_max + 1);
  CHECK(admission.admit(chain::encode_tx(far)).status().code() == Code::nonce_too_high);
  chain::Tx no_gas = grant_tx(admin, 1);
  no_gas.gas_limit = 1;
  chain::sign_tx(no_gas, admin.secret);
  CHECK(admission.admit(chain::encode_tx(no_gas)).status().code() == Code::out_of_gas);
  chain::Tx bad_signature = grant_tx(admin, 1);
  bad_signature.signature.data[0] ^= 1;
  CHECK(admission.admit(chain::encode_tx(bad_signature)).status().code() == Code::bad_signature);
  CHECK(admission.admit(chain::encode_tx(grant_tx(admin, 2))).ok());  // a future nonce within the window
}

TEST_CASE("admission refuses a sender the chain does not know, before its signature is checked") {
  Admission admission;
  chain::Tx stranger = grant_tx(key("stranger"), 0);
  Status refused = admission.admit(chain::encode_tx(stranger)).status();
  CHECK(refused.code() == Code::unknown_account);
  CHECK(refused.message().find("grant this key a role") != std::string::npos);
  CHECK(refused.message().find("identity office") != std::string::npos);
  stranger.signature.data[0] ^= 1;
  CHECK(admission.admit(chain::encode_tx(stranger)).status().code() == Code::unknown_account);

  // Once an admin granted the key a role and the grant committed, it may
  // submit.
  const crypto::KeyPair newcomer = key("account-0");
  CHECK(admission.admit(chain::encode_tx(grant_tx(newcomer, 0))).status().code() == Code::unknown_account);
  block::BuiltBlock built = admission.chain.build({checked(grant_tx(admission.chain.admin, 0))});
  REQUIRE(built.block.txs.size() == 1);
  admission.chain.commit(built.block);
  CHECK(admission.admit(chain::encode_tx(grant_tx(newcomer, 0))).ok());

  // The node's own refusal of a sender comes next.
  admission.refused_sender = newcomer.public_key;
  CHECK(admission.admit(chain::encode_tx(grant_tx(newcomer, 0))).status().code() == Code::resource_exhausted);
}

TEST_CASE("one request's array: no transaction twice and at most a sender's open nonces, before any signature") {
  Admission admission;
  const crypto::KeyPair& admin = admission.chain.admin;
  block::BatchLimits batch(3);
  admission.batch = &batch;
  chain::Tx first = grant_tx(admin, 0);
  REQUIRE(admission.admit(chain::encode_tx(first)).ok());
  // The same transaction again in the same request, even with a broken
  // signature: refused as a copy, no signature checked.
  CHECK(admission.admit(chain::encode_tx(first)).status().code() == Code::already_exists);
  chain::Tx broken_copy = grant_tx(admin, 1);
  broken_copy.signature.data[0] ^= 1;
  CHECK(admission.admit(chain::encode_tx(broken_copy)).status().code() == Code::bad_signature);
  CHECK(admission.admit(chain::encode_tx(grant_tx(admin, 2))).ok());
  // The sender's fourth transaction of this request is refused before its
  // (broken) signature is looked at.
  chain::Tx fourth = grant_tx(admin, 3);
  fourth.signature.data[0] ^= 1;
  Status refused = admission.admit(chain::encode_tx(fourth)).status();
  CHECK(refused.code() == Code::resource_exhausted);
  CHECK(refused.message().find("in one request") != std::string::npos);
  // The node's own checks still come first, and a new request starts afresh.
  block::BatchLimits next(3);
  admission.batch = &next;
  CHECK(admission.admit(chain::encode_tx(grant_tx(admin, 3))).ok());
  admission.pending.push_back(chain::tx_hash(grant_tx(admin, 4)));
  CHECK(admission.admit(chain::encode_tx(grant_tx(admin, 4))).status().code() == Code::already_exists);
}
