#include <doctest/doctest.h>

#include "crypto/schnorr.h"
#include "mempool/mempool.h"

using namespace govchain;

namespace {

chain::CheckedTx make_tx(const crypto::KeyPair& key, uint64_t nonce) {
  chain::Tx tx;
  tx.chain_id = "test-chain";
  tx.sender = key.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 1'000'000;
  tx.action = chain::RoleGrant{"dev-city", "archive", crypto::generate_key_pair().public_key};
  chain::sign_tx(tx, key.secret);
  auto checked = chain::check_tx(tx, {.chain_id = "test-chain", .tx_size_bytes_max = limits::tx_size_bytes_max});
  REQUIRE(checked.ok());
  return *checked;
}

}  // namespace

// Nonce windows and gas are admission's rules (test_block.cpp); the pool
// keeps order, uniqueness and its bounds.
TEST_CASE("mempool orders per sender and refuses duplicates") {
  mempool::Mempool pool({1 << 20, 100});
  execution::EmptyState state;
  auto key = crypto::generate_key_pair();
  chain::CheckedTx second = make_tx(key, 1);
  chain::CheckedTx first = make_tx(key, 0);
  CHECK(pool.add(second).ok());
  CHECK(pool.select(10, 1 << 20, state).empty());  // nonce 0 missing
  CHECK(pool.add(first).ok());
  auto selected = pool.select(10, 1 << 20, state);
  REQUIRE(selected.size() == 2);
  CHECK(selected[0].tx().nonce == 0);
  CHECK(selected[1].tx().nonce == 1);
  CHECK(pool.size_bytes() == first.size_bytes() + second.size_bytes());
  CHECK(pool.add(first).code() == Code::already_exists);
  CHECK(pool.add(make_tx(key, 0)).code() == Code::already_exists);  // another transaction with a taken nonce
  std::vector<chain::CheckedTx> committed{first, second};
  pool.remove_committed(committed, state);
  CHECK(pool.size() == 0);
  CHECK(pool.size_bytes() == 0);
}

TEST_CASE("mempool is bounded") {
  mempool::Mempool pool({1 << 20, 3});
  for (int i = 0; i < 3; ++i) CHECK(pool.add(make_tx(crypto::generate_key_pair(), 0)).ok());
  CHECK(pool.add(make_tx(crypto::generate_key_pair(), 0)).code() == Code::resource_exhausted);
}
