#include <doctest/doctest.h>

#include "chain/block.h"
#include "chain/block_store.h"
#include "chain/genesis.h"
#include "chain/tx.h"
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
  REQUIRE(blocks.commit(block, commit, {receipt}, batch).ok());
  CHECK(**blocks.latest_height() == 1);
  CHECK(*blocks.block(1) == block);
  CHECK(*blocks.commit_certificate(1) == commit);
  CHECK(blocks.receipt(receipt.tx_hash)->height == 1);
  CHECK(blocks.receipt(Hash{}).status().code() == Code::not_found);
  CHECK(**store->get(to_bytes("s/v/example")) == to_bytes("state"));
}
