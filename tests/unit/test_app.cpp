// Node::import_block: a second node executes the blocks of a first one on
// its own state and refuses a block whose roots it does not reproduce.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "app/contract_host_factory.h"
#include "app/dev_setup.h"
#include "app/node.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "crypto/schnorr.h"

using namespace govchain;
namespace fs = std::filesystem;

namespace {

// A temporary folder, removed with everything in it when the test ends.
struct TemporaryFolder {
  fs::path path;
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "govchain-unit-app.XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

crypto::KeyPair read_key(const fs::path& path) {
  auto text = app::read_text_file(path);
  REQUIRE(text.ok());
  auto key = crypto::decode_key_file(*text, "", {.allow_dev_plaintext = true});
  REQUIRE(key.ok());
  return *key;
}

std::unique_ptr<app::Node> open_node(const fs::path& data_dir) {
  app::NodeConfig config;
  config.data_dir = data_dir;
  config.dev = true;
  auto node = app::Node::open(config, app::make_contract_host());
  REQUIRE_MESSAGE(node.ok(), node.status().to_string());
  return std::move(*node);
}

// A second data directory with the first one's genesis and keys only.
void copy_genesis_and_keys(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy_file(from / "genesis.json", to / "genesis.json");
  fs::copy(from / "keys", to / "keys", fs::copy_options::recursive);
}

// Node A commits block 1 with one role grant by the dev admin.
void produce_one_block(app::Node& node, const fs::path& data_dir) {
  crypto::KeyPair admin = read_key(data_dir / "keys" / "admin.json");
  chain::Tx tx;
  tx.chain_id = app::dev_chain_id;
  tx.sender = admin.public_key;
  tx.nonce = 0;
  tx.gas_limit = 1'000'000;
  tx.action = chain::RoleGrant{app::dev_municipality, "archive", crypto::generate_key_pair().public_key};
  chain::sign_tx(tx, admin.secret);
  REQUIRE(node.submit(tx, chain::tx_hash(tx), chain::encode_tx(tx).size()).ok());
  REQUIRE(node.produce_block().ok());
  REQUIRE(node.head().height == 1);
}

}  // namespace

TEST_CASE("a second node imports a block by executing it, and refuses one whose state root it does not reproduce") {
  TemporaryFolder folder;
  fs::path data_a = folder.path / "a";
  REQUIRE(app::ensure_dev_data_dir(data_a, "").ok());
  auto node_a = open_node(data_a);
  produce_one_block(*node_a, data_a);
  auto block = node_a->block(1);
  auto commit = node_a->commit(1);
  REQUIRE(block.ok());
  REQUIRE(commit.ok());

  copy_genesis_and_keys(data_a, folder.path / "b");
  auto node_b = open_node(folder.path / "b");
  Status imported = node_b->import_block(*block, *commit);
  REQUIRE_MESSAGE(imported.ok(), imported.to_string());
  CHECK(node_b->head().height == 1);
  CHECK(node_b->head().state_root == node_a->head().state_root);
  CHECK(node_b->head().block_hash == node_a->head().block_hash);
  CHECK(node_b->receipt(chain::tx_hash(block->txs.at(0))).value() ==
        node_a->receipt(chain::tx_hash(block->txs.at(0))).value());
  CHECK(node_b->import_block(*block, *commit).code() == Code::invalid);  // not the next block any more

  copy_genesis_and_keys(data_a, folder.path / "c");
  auto node_c = open_node(folder.path / "c");
  chain::Block forged = *block;
  forged.header.state_root = crypto::sha256(std::string("another state"));
  CHECK(node_c->import_block(forged, *commit).code() == Code::invalid);  // the certificate is for the real block

  // Signed by the validator itself, so only execution can tell.
  crypto::KeyPair validator = read_key(data_a / "keys" / "validator.json");
  chain::CommitCertificate forged_commit = *commit;
  forged_commit.block_hash = chain::block_hash(forged.header);
  Hash sign_hash = chain::commit_sign_hash(app::dev_chain_id, 1, forged_commit.round, forged_commit.block_hash,
                                           validator.public_key);
  forged_commit.signatures = {{validator.public_key, crypto::sign(validator.secret, sign_hash.view())}};
  Status refused = node_c->import_block(forged, forged_commit);
  CHECK(refused.code() == Code::corruption);
  CHECK(refused.message().find("state root") != std::string::npos);
  CHECK(node_c->head().height == 0);

  chain::CommitCertificate unsigned_commit = *commit;
  unsigned_commit.signatures.clear();
  CHECK(node_c->import_block(*block, unsigned_commit).code() == Code::invalid);  // no quorum of signatures
  Status accepted = node_c->import_block(*block, *commit);
  CHECK_MESSAGE(accepted.ok(), accepted.to_string());
}
