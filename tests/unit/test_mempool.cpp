#include <doctest/doctest.h>

#include "crypto/schnorr.h"
#include "mempool/mempool.h"

using namespace govchain;

namespace {

chain::Tx make_tx(const crypto::KeyPair& key, uint64_t nonce) {
  chain::Tx tx;
  tx.chain_id = "test-chain";
  tx.sender = key.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 1'000'000;
  tx.action = chain::RoleGrant{"dev-city", "archive", crypto::generate_key_pair().public_key};
  chain::sign_tx(tx, key.secret);
  return tx;
}

}  // namespace

TEST_CASE("mempool orders per sender and refuses duplicates and stale nonces") {
  execution::Executor executor("test-chain", chain::Parameters{});
  mempool::Mempool pool(executor, {1 << 20, 100});
  execution::EmptyState state;
  auto key = crypto::generate_key_pair();
  chain::Tx second = make_tx(key, 1);
  chain::Tx first = make_tx(key, 0);
  CHECK(pool.add(second, chain::tx_hash(second), 200, state).ok());
  CHECK(pool.select(10, 1 << 20, state).empty());  // nonce 0 missing
  CHECK(pool.add(first, chain::tx_hash(first), 200, state).ok());
  auto selected = pool.select(10, 1 << 20, state);
  REQUIRE(selected.size() == 2);
  CHECK(selected[0].tx.nonce == 0);
  CHECK(selected[1].tx.nonce == 1);
  CHECK(pool.add(first, chain::tx_hash(first), 200, state).code() == Code::already_exists);
  chain::Tx far = make_tx(key, 1000);
  CHECK(pool.add(far, chain::tx_hash(far), 200, state).code() == Code::nonce_too_high);
  pool.remove_committed({first, second}, state);
  CHECK(pool.size() == 0);
  CHECK(pool.size_bytes() == 0);
}

TEST_CASE("mempool is bounded") {
  execution::Executor executor("test-chain", chain::Parameters{});
  mempool::Mempool pool(executor, {1 << 20, 3});
  execution::EmptyState state;
  for (int i = 0; i < 3; ++i) {
    auto key = crypto::generate_key_pair();
    chain::Tx tx = make_tx(key, 0);
    CHECK(pool.add(tx, chain::tx_hash(tx), 100, state).ok());
  }
  auto key = crypto::generate_key_pair();
  chain::Tx tx = make_tx(key, 0);
  CHECK(pool.add(tx, chain::tx_hash(tx), 100, state).code() == Code::resource_exhausted);
}
