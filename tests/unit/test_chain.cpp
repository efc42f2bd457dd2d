#include <doctest/doctest.h>

#include "chain/block.h"
#include "chain/block_store.h"
#include "chain/checked_tx.h"
#include "chain/genesis.h"
#include "chain/tx.h"
#include "core/limits.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"

using namespace govchain;

namespace {

chain::Tx signed_grant(const crypto::KeyPair& key, uint64_t nonce, std::string chain_id = "test-chain") {
  chain::Tx tx;
  tx.chain_id = std::move(chain_id);
  tx.sender = key.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 100000;
  tx.action = chain::RoleGrant{"dev-city", "archive", crypto::generate_key_pair().public_key};
  chain::sign_tx(tx, key.secret);
  return tx;
}

}  // namespace

TEST_CASE("transactions round trip through the canonical encoding") {
  auto key = crypto::generate_key_pair();
  std::vector<chain::Action> actions = {
      chain::RoleGrant{"dev-city", "archive", key.public_key},
      chain::RoleRevoke{"dev-city", "identity_office", key.public_key},
      chain::ContractDeploy{"identity", "dev-city", Bytes{0, 'a', 's', 'm'}, "{}"},
      chain::ContractCall{"identity", "attest", Bytes{1, 2, 3}},
  };
  for (const auto& action : actions) {
    chain::Tx tx;
    tx.chain_id = "test-chain";
    tx.sender = key.public_key;
    tx.nonce = 7;
    tx.gas_limit = 1000;
    tx.action = action;
    chain::sign_tx(tx, key.secret);
    Bytes encoded = chain::encode_tx(tx);
    auto decoded = chain::decode_tx(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == tx);
    CHECK(chain::encode_tx(*decoded) == encoded);
    CHECK(chain::check_tx_stateless(*decoded, "test-chain", encoded.size()).ok());
  }
}

TEST_CASE("stateless checks reject wrong chain, bad signature and oversize") {
  auto key = crypto::generate_key_pair();
  chain::Tx tx = signed_grant(key, 0);
  size_t size = chain::encode_tx(tx).size();
  CHECK(chain::check_tx_stateless(tx, "other-chain", size).code() == Code::wrong_chain);
  chain::Tx tampered = tx;
  tampered.nonce = 1;
  CHECK(chain::check_tx_stateless(tampered, "test-chain", size).code() == Code::bad_signature);
  CHECK(chain::check_tx_stateless(tx, "test-chain", 1'000'000).code() == Code::too_large);
  chain::Tx unknown_role = tx;
  std::get<chain::RoleGrant>(unknown_role.action).role = "mayor";
  chain::sign_tx(unknown_role, key.secret);
  CHECK(chain::check_tx_stateless(unknown_role, "test-chain", size).code() == Code::invalid);
}

TEST_CASE("decoder refuses truncation, trailing bytes and unknown kinds") {
  auto key = crypto::generate_key_pair();
  Bytes encoded = chain::encode_tx(signed_grant(key, 0));
  for (size_t cut : {size_t{0}, size_t{1}, encoded.size() / 2, encoded.size() - 1})
    CHECK_FALSE(chain::decode_tx(ByteView(encoded.data(), cut)).ok());
  Bytes trailing = encoded;
  trailing.push_back(0);
  CHECK(chain::decode_tx(trailing).status().code() == Code::malformed);
  Bytes bad_version = encoded;
  bad_version[0] = 9;
  CHECK_FALSE(chain::decode_tx(bad_version).ok());
}

TEST_CASE("blocks and receipts round trip; block hash covers the header") {
  auto key = crypto::generate_key_pair();
  chain::Block block;
  block.header.chain_id = "test-chain";
  block.header.height = 3;
  block.header.time_ms = 1700000000000;
  block.txs = {signed_grant(key, 0), signed_grant(key, 1)};
  block.header.txs_root = chain::txs_root(block.txs);
  block.header.last_commit.signatures.push_back({key.public_key, Signature{}});
  auto decoded = chain::decode_block(chain::encode_block(block));
  REQUIRE(decoded.ok());
  CHECK(*decoded == block);
  Hash hash = chain::block_hash(block.header);
  block.header.state_root.data[0] ^= 1;
  CHECK(chain::block_hash(block.header) != hash);

  chain::Receipt receipt;
  receipt.tx_hash = chain::tx_hash(block.txs[0]);
  receipt.status = Code::unauthorized;
  receipt.message = "not the admin";
  receipt.events.push_back({"identity", "attested", Bytes{1, 2}});
  auto receipt_decoded = chain::decode_receipt(chain::encode_receipt(receipt));
  REQUIRE(receipt_decoded.ok());
  CHECK(*receipt_decoded == receipt);
}

TEST_CASE("merkle root depends on order and content") {
  Hash a = crypto::sha256(std::string_view("a"));
  Hash b = crypto::sha256(std::string_view("b"));
  Hash c = crypto::sha256(std::string_view("c"));
  CHECK(chain::merkle_root({}) == Hash{});
  CHECK(chain::merkle_root({a, b}) != chain::merkle_root({b, a}));
  CHECK(chain::merkle_root({a, b, c}) != chain::merkle_root({a, b}));
}

TEST_CASE("genesis parses, round trips and refuses mistakes") {
  auto admin = crypto::generate_key_pair();
  auto validator = crypto::generate_key_pair();
  chain::Genesis genesis;
  genesis.chain_id = "test-chain";
  genesis.genesis_time_ms = 1;
  genesis.municipalities.push_back({"dev-city", "Dev City", admin.public_key});
  genesis.validators.push_back({"dev-city", validator.public_key});
  genesis.roles.push_back({"dev-city", "archive", admin.public_key});
  auto parsed = chain::parse_genesis(chain::genesis_to_json(genesis));
  REQUIRE(parsed.ok());
  CHECK(*parsed == genesis);
  CHECK_FALSE(chain::parse_genesis("{").ok());
  CHECK_FALSE(chain::parse_genesis("[]").ok());
  chain::Genesis bad_role = genesis;
  bad_role.roles[0].role = "mayor";
  CHECK_FALSE(chain::parse_genesis(chain::genesis_to_json(bad_role)).ok());
  chain::Genesis unknown_city = genesis;
  unknown_city.validators[0].municipality = "atlantis";
  CHECK_FALSE(chain::parse_genesis(chain::genesis_to_json(unknown_city)).ok());
}

TEST_CASE("block store commits block, certificate and receipts together") {
  auto store = storage::make_memory_store();
  chain::BlockStore blocks(*store);
  CHECK_FALSE(blocks.latest_height()->has_value());
  auto key = crypto::generate_key_pair();
  chain::Block block;
  block.header.chain_id = "test-chain";
  block.header.height = 1;
  block.txs = {signed_grant(key, 0)};
  chain::Receipt receipt;
  receipt.tx_hash = chain::tx_hash(block.txs[0]);
  receipt.height = 1;
  chain::CommitCertificate commit;
  commit.height = 1;
  commit.block_hash = chain::block_hash(block.header);
  storage::WriteBatch batch;
  batch.put(to_bytes("s/v/example"), to_bytes("state"));
  REQUIRE(blocks.commit(1, chain::encode_block(block), commit, {receipt}, batch).ok());
  CHECK(**blocks.latest_height() == 1);
  CHECK(*blocks.block(1) == block);
  CHECK(*blocks.encoded_block(1) == chain::encode_block(block));
  CHECK(*blocks.commit_certificate(1) == commit);
  CHECK(blocks.receipt(receipt.tx_hash)->height == 1);
  CHECK(blocks.receipt(Hash{}).status().code() == Code::not_found);
  CHECK(**store->get(to_bytes("s/v/example")) == to_bytes("state"));
}

TEST_CASE("block store pruning keeps the newest blocks, drops older ones with their receipts, and says so") {
  auto store = storage::make_memory_store();
  chain::BlockStore blocks(*store);
  blocks.set_blocks_kept(16);
  auto key = crypto::generate_key_pair();
  std::vector<Hash> tx_hashes;
  for (uint64_t height = 0; height <= 100; ++height) {
    chain::Block block;
    block.header.chain_id = "test-chain";
    block.header.height = height;
    block.txs = {signed_grant(key, height)};
    chain::Receipt receipt;
    receipt.tx_hash = chain::tx_hash(block.txs[0]);
    receipt.height = height;
    tx_hashes.push_back(receipt.tx_hash);
    chain::CommitCertificate commit;
    commit.height = height;
    commit.block_hash = chain::block_hash(block.header);
    storage::WriteBatch batch;
    REQUIRE(blocks.commit(height, chain::encode_block(block), commit, {receipt}, batch).ok());
  }
  // The newest 16 (85..100) stay, with their receipts.
  CHECK(*blocks.pruned_below() == 85);
  CHECK(blocks.block(85).ok());
  CHECK(blocks.commit_certificate(100).ok());
  CHECK(blocks.receipt(tx_hashes[85]).ok());
  auto old = blocks.block(84);
  CHECK(old.status().code() == Code::not_found);
  CHECK(old.status().message().find("pruned: this node keeps only its newest 16 blocks") != std::string::npos);
  CHECK(blocks.commit_certificate(0).status().message().find("pruned") != std::string::npos);
  auto receipt = blocks.receipt(tx_hashes[10]);
  CHECK(receipt.status().code() == Code::not_found);
  CHECK(receipt.status().message().find("prunes old blocks") != std::string::npos);
  // Nothing of a pruned block is left in the store.
  CHECK(store->scan(to_bytes("b/r/"), {}, 1000)->size() == 16);
  CHECK(store->scan(to_bytes("b/h/"), {}, 1000)->size() == 16);
  CHECK(store->scan(to_bytes("b/c/"), {}, 1000)->size() == 16);
}

TEST_CASE("pruning turned on for a long chain catches up a bounded number of blocks per commit") {
  auto store = storage::make_memory_store();
  chain::BlockStore blocks(*store);
  chain::CommitCertificate commit;
  for (uint64_t height = 0; height < 200; ++height) {
    chain::Block block;
    block.header.height = height;
    storage::WriteBatch batch;
    REQUIRE(blocks.commit(height, chain::encode_block(block), commit, {}, batch).ok());
  }
  CHECK(*blocks.pruned_below() == 0);
  blocks.set_blocks_kept(16);
  chain::Block block;
  block.header.height = 200;
  storage::WriteBatch batch;
  REQUIRE(blocks.commit(200, chain::encode_block(block), commit, {}, batch).ok());
  CHECK(*blocks.pruned_below() == chain::BlockStore::pruned_per_commit_max);
  CHECK(blocks.block(chain::BlockStore::pruned_per_commit_max).ok());
}

// ---- checked transactions ------------------------------------------------------

namespace {

chain::TxCheck rules_for(std::string_view chain_id) {
  return {.chain_id = chain_id, .tx_size_bytes_max = limits::tx_size_bytes_max, .precheck = {}, .verified_before = {}};
}

}  // namespace

TEST_CASE("a checked transaction carries its bytes, its hash and its size, computed once from the bytes") {
  auto key = crypto::generate_key_pair();
  chain::Tx tx = signed_grant(key, 4);
  Bytes encoded = chain::encode_tx(tx);
  auto checked = chain::check_tx(encoded, rules_for("test-chain"));
  REQUIRE(checked.ok());
  CHECK(checked->tx() == tx);
  CHECK(checked->bytes() == encoded);
  CHECK(checked->size_bytes() == encoded.size());
  CHECK(checked->hash() == chain::tx_hash(tx));
  CHECK(chain::tx_hash_of_encoding(encoded) == chain::tx_hash(tx));
  // Copies share one buffer.
  chain::CheckedTx copy = *checked;
  CHECK(copy.bytes().data() == checked->bytes().data());
}

TEST_CASE("check_tx refuses in order: size before decoding, then decoding, fields, precheck, signature") {
  auto key = crypto::generate_key_pair();
  chain::Tx tx = signed_grant(key, 0);
  Bytes encoded = chain::encode_tx(tx);
  chain::TxCheck small = rules_for("test-chain");
  small.tx_size_bytes_max = encoded.size() - 1;
  CHECK(chain::check_tx(encoded, small).status().code() == Code::too_large);
  CHECK(chain::check_tx(Bytes(10, 0xff), rules_for("test-chain")).status().code() == Code::malformed);
  CHECK(chain::check_tx(encoded, rules_for("other-chain")).status().code() == Code::wrong_chain);

  // The precheck sees the decoded transaction and its hash, after the
  // fields and before the signature.
  chain::Tx tampered = tx;
  tampered.nonce = 9;  // the signature no longer matches
  chain::TxCheck refusing = rules_for("test-chain");
  Hash seen;
  refusing.precheck = [&](const chain::Tx& decoded, const Hash& hash) {
    seen = hash;
    return decoded.nonce == 9 ? error(Code::nonce_too_high, "precheck") : Status();
  };
  CHECK(chain::check_tx(chain::encode_tx(tampered), refusing).status().code() == Code::nonce_too_high);
  CHECK(seen == chain::tx_hash(tampered));
  CHECK(chain::check_tx(chain::encode_tx(tampered), rules_for("test-chain")).status().code() == Code::bad_signature);

  // A signature verified before is not verified again; nothing else is
  // skipped.
  chain::TxCheck known = rules_for("test-chain");
  known.verified_before = [](const Hash&, const Signature&) { return true; };
  CHECK(chain::check_tx(chain::encode_tx(tampered), known).ok());
  CHECK(chain::check_tx(chain::encode_tx(tampered), {.chain_id = "other-chain",
                                                     .tx_size_bytes_max = limits::tx_size_bytes_max,
                                                     .precheck = {},
                                                     .verified_before = known.verified_before})
            .status()
            .code() == Code::wrong_chain);
}

TEST_CASE("a block encodes the same from checked transactions, and its frame keeps each transaction's bytes") {
  auto key = crypto::generate_key_pair();
  chain::Block block;
  block.header.chain_id = "test-chain";
  block.header.height = 5;
  block.txs = {signed_grant(key, 0), signed_grant(key, 1)};
  block.header.txs_root = chain::txs_root(block.txs);
  std::vector<chain::CheckedTx> checked;
  for (const auto& tx : block.txs) checked.push_back(*chain::check_tx(tx, rules_for("test-chain")));
  Bytes encoded = chain::encode_block(block);
  CHECK(chain::encode_block(block.header, checked) == encoded);
  auto frame = chain::decode_block_frame(encoded);
  REQUIRE(frame.ok());
  CHECK(frame->header == block.header);
  REQUIRE(frame->txs.size() == 2);
  CHECK(frame->txs[1] == chain::encode_tx(block.txs[1]));
  CHECK(*chain::decode_block_header(encoded) == block.header);
  Bytes trailing = encoded;
  trailing.push_back(0);
  CHECK_FALSE(chain::decode_block(trailing).ok());
  CHECK_FALSE(chain::decode_block_frame(trailing).ok());
  CHECK(chain::decode_block_frame(Bytes(limits::block_size_bytes_max + 1, 0)).status().code() == Code::too_large);
  CHECK(chain::head_of(block.header).block_hash == chain::block_hash(block.header));
}

TEST_CASE("genesis parameters default from core/limits.h and stay within its hard bounds") {
  chain::Parameters defaults;
  CHECK(defaults.block_txs_max == limits::default_block_txs_max);
  CHECK(defaults.block_size_bytes_max == limits::default_block_size_bytes_max);
  CHECK(defaults.gas_per_tx_max == limits::default_gas_per_tx_max);
  CHECK(defaults.block_txs_max <= limits::block_txs_max);
  CHECK(defaults.block_size_bytes_max <= limits::block_txs_size_bytes_max);
  CHECK(defaults.tx_size_bytes_max <= limits::tx_size_bytes_max);

  auto admin = crypto::generate_key_pair();
  chain::Genesis genesis;
  genesis.chain_id = "test-chain";
  genesis.municipalities.push_back({"dev-city", "Dev City", admin.public_key});
  genesis.validators.push_back({"dev-city", admin.public_key});
  REQUIRE(chain::parse_genesis(chain::genesis_to_json(genesis)).ok());
  chain::Genesis big_blocks = genesis;
  big_blocks.parameters.block_size_bytes_max = limits::block_txs_size_bytes_max + 1;  // would not decode
  CHECK(chain::parse_genesis(chain::genesis_to_json(big_blocks)).status().code() == Code::invalid);
  chain::Genesis many_txs = genesis;
  many_txs.parameters.block_txs_max = limits::block_txs_max + 1;
  CHECK(chain::parse_genesis(chain::genesis_to_json(many_txs)).status().code() == Code::invalid);
  chain::Genesis big_txs = genesis;
  big_txs.parameters.tx_size_bytes_max = limits::tx_size_bytes_max + 1;
  CHECK(chain::parse_genesis(chain::genesis_to_json(big_txs)).status().code() == Code::invalid);
}
