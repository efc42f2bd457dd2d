#include <doctest/doctest.h>

#include <memory>

#include "chain/checked_tx.h"
#include "core/limits.h"
#include "crypto/schnorr.h"
#include "mempool/mempool.h"

using namespace govchain;

namespace {

// A signed transaction of exactly `size_bytes` bytes (a contract call whose
// arguments pad it), checked once as admission would.
chain::CheckedTx make_tx(const crypto::KeyPair& key, uint64_t nonce, size_t size_bytes = 200) {
  chain::Tx tx;
  tx.chain_id = "test-chain";
  tx.sender = key.public_key;
  tx.nonce = nonce;
  tx.gas_limit = 1'000'000;
  tx.action = chain::ContractCall{"pad", "pad", {}};
  size_t unpadded = chain::encode_tx(tx).size();
  REQUIRE(size_bytes >= unpadded);
  std::get<chain::ContractCall>(tx.action).arguments = Bytes(size_bytes - unpadded, 7);
  chain::sign_tx(tx, key.secret);
  auto checked = chain::check_tx(tx, {.chain_id = "test-chain", .tx_size_bytes_max = limits::tx_size_bytes_max});
  REQUIRE(checked.ok());
  REQUIRE(checked->size_bytes() == size_bytes);
  return *checked;
}

// A chain with one municipality: its admin, its validator, a role holder;
// and a pool with a clock the test moves.
struct PoolFixture {
  crypto::KeyPair admin = crypto::generate_key_pair();
  crypto::KeyPair validator = crypto::generate_key_pair();
  crypto::KeyPair office = crypto::generate_key_pair();
  crypto::KeyPair other_office = crypto::generate_key_pair();
  execution::Executor executor{"test-chain", chain::Parameters{}};
  execution::EmptyState empty;
  execution::Overlay state{empty};
  int64_t now_ms = 1'800'000'000'000;
  std::unique_ptr<mempool::Mempool> pool;

  explicit PoolFixture(mempool::MempoolLimits limits) {
    chain::Genesis genesis;
    genesis.chain_id = "test-chain";
    genesis.municipalities.push_back({"dev-city", "Dev City", admin.public_key});
    genesis.municipalities.push_back({"other-town", "Other Town", crypto::generate_key_pair().public_key});
    genesis.validators.push_back({"dev-city", validator.public_key});
    genesis.roles.push_back({"dev-city", "archive", office.public_key});
    genesis.roles.push_back({"other-town", "archive", other_office.public_key});
    REQUIRE(executor.apply_genesis(state, genesis).ok());
    pool = std::make_unique<mempool::Mempool>(executor, limits, [this] { return now_ms; });
  }

  Status add(const crypto::KeyPair& key, uint64_t nonce, size_t size_bytes = 200) {
    return pool->add(make_tx(key, nonce, size_bytes), state);
  }
};

mempool::MempoolLimits small_pool(size_t txs_max, size_t size_bytes_max = 1 << 20) {
  mempool::MempoolLimits limits;
  limits.txs_max = txs_max;
  limits.size_bytes_max = size_bytes_max;
  return limits;
}

}  // namespace

TEST_CASE("mempool orders per sender and refuses duplicates and stale nonces") {
  execution::Executor executor("test-chain", chain::Parameters{});
  mempool::Mempool pool(executor, {1 << 20, 100});
  execution::EmptyState state;
  auto key = crypto::generate_key_pair();
  chain::CheckedTx second = make_tx(key, 1);
  chain::CheckedTx first = make_tx(key, 0);
  CHECK(pool.add(second, state).ok());
  CHECK(pool.select(10, 1 << 20, state).empty());  // nonce 0 missing
  CHECK(pool.add(first, state).ok());
  auto selected = pool.select(10, 1 << 20, state);
  REQUIRE(selected.size() == 2);
  CHECK(selected[0].tx().nonce == 0);
  CHECK(selected[1].tx().nonce == 1);
  CHECK(pool.add(first, state).code() == Code::already_exists);
  CHECK(pool.add(make_tx(key, 1000), state).code() == Code::nonce_too_high);
  std::vector<chain::CheckedTx> committed{first, second};
  pool.remove_committed(committed, state);
  CHECK(pool.size() == 0);
  CHECK(pool.size_bytes() == 0);
}

TEST_CASE("mempool is bounded") {
  PoolFixture fixture(small_pool(3));
  for (int i = 0; i < 3; ++i) CHECK(fixture.add(fixture.admin, static_cast<uint64_t>(i)).ok());
  // The admin's own next transactions fill the pool; nothing outweighs it.
  CHECK(fixture.add(fixture.admin, 3).code() == Code::resource_exhausted);
  CHECK(fixture.pool->size() == 3);
}

TEST_CASE("mempool expiry: waiting transactions first, every transaction at last") {
  mempool::MempoolLimits limits = small_pool(100);
  limits.future_ttl_ms = 60'000;
  limits.pending_ttl_ms = 600'000;
  PoolFixture fixture(limits);
  auto key = crypto::generate_key_pair();
  REQUIRE(fixture.add(key, 0).ok());
  REQUIRE(fixture.add(key, 5).ok());  // waits for nonces 1..4
  fixture.now_ms += 59'999;
  fixture.pool->remove_committed({}, fixture.state);
  CHECK(fixture.pool->size() == 2);
  fixture.now_ms += 1;
  fixture.pool->remove_committed({}, fixture.state);
  CHECK(fixture.pool->size() == 1);  // the future nonce is gone, nonce 0 stays
  CHECK(fixture.pool->expired_count() == 1);
  fixture.now_ms += 600'000;
  CHECK(fixture.pool->select(10, 1 << 20, fixture.state).empty());
  CHECK(fixture.pool->size() == 0);
  CHECK(fixture.pool->expired_count() == 2);
  CHECK(fixture.add(key, 0).ok());  // and may be sent again
}

TEST_CASE("a transaction that closes a gap makes the waiting ones runnable") {
  mempool::MempoolLimits limits = small_pool(100);
  limits.future_ttl_ms = 60'000;
  PoolFixture fixture(limits);
  auto key = crypto::generate_key_pair();
  REQUIRE(fixture.add(key, 1).ok());
  REQUIRE(fixture.add(key, 2).ok());
  fixture.now_ms += 30'000;
  REQUIRE(fixture.add(key, 0).ok());
  fixture.now_ms += 40'000;  // past the future ttl of nonces 1 and 2, which no longer wait
  CHECK(fixture.pool->select(10, 1 << 20, fixture.state).size() == 3);
}

TEST_CASE("mempool quota per account, in transactions and bytes") {
  mempool::MempoolLimits limits = small_pool(1000);
  limits.account_txs_max = 4;
  limits.account_size_bytes_max = 1000;
  PoolFixture fixture(limits);
  auto key = crypto::generate_key_pair();
  for (uint64_t nonce = 0; nonce < 4; ++nonce) REQUIRE(fixture.add(key, nonce).ok());
  Status full = fixture.add(key, 4);
  CHECK(full.code() == Code::resource_exhausted);
  CHECK(full.message().find("this account") != std::string::npos);
  auto other = crypto::generate_key_pair();
  CHECK(fixture.add(other, 0, 900).ok());
  CHECK(fixture.add(other, 1, 200).code() == Code::resource_exhausted);

  SUBCASE("a runnable transaction replaces the account's own waiting one") {
    auto gapped = crypto::generate_key_pair();
    for (uint64_t nonce = 1; nonce < 5; ++nonce) REQUIRE(fixture.add(gapped, nonce).ok());
    CHECK(fixture.add(gapped, 0).ok());  // evicts its own nonce 4
    CHECK(fixture.pool->pending_next_nonce(gapped.public_key, 0) == 4);
  }
}

TEST_CASE("40 fresh keys cannot fill the pool; an admin's transaction still gets in") {
  // The attack: fresh keys sending 64 future nonces each filled 256 MB and
  // every later transaction was refused until a restart.
  PoolFixture fixture(small_pool(2000, 4 << 20));
  size_t accepted = 0;
  for (int key_index = 0; key_index < 40; ++key_index) {
    auto key = crypto::generate_key_pair();
    for (uint64_t nonce = 1; nonce <= 64; ++nonce)
      if (fixture.add(key, nonce, 1000).ok()) ++accepted;
  }
  // Unknown keys share a quarter of the pool at most.
  CHECK(accepted == 500);
  CHECK(fixture.pool->group_usage("unknown").txs == 500);
  CHECK(fixture.add(fixture.admin, 0).ok());
  CHECK(fixture.add(fixture.validator, 0).ok());
  CHECK(fixture.add(fixture.office, 0).ok());
  // A fresh key with its next nonce evicts a waiting transaction of another.
  auto fresh = crypto::generate_key_pair();
  CHECK(fixture.add(fresh, 0, 1000).ok());
  CHECK(fixture.pool->evicted_count() == 1);
  CHECK(fixture.pool->select(100, 1 << 20, fixture.state).size() == 4);
  // And the waiting ones expire.
  fixture.now_ms += 60'000;
  fixture.pool->remove_committed({}, fixture.state);
  CHECK(fixture.pool->size() == 4);
}

TEST_CASE("a transaction with the sender's next nonce finds room among runnable ones of heavier accounts") {
  mempool::MempoolLimits limits = small_pool(100);
  limits.unknown_share_percent = 100;
  limits.reserved_share_percent = 0;
  PoolFixture fixture(limits);
  auto heavy = crypto::generate_key_pair();
  for (uint64_t nonce = 0; nonce < 60; ++nonce) REQUIRE(fixture.add(heavy, nonce).ok());
  std::vector<crypto::KeyPair> light;
  for (int i = 0; i < 40; ++i) {
    light.push_back(crypto::generate_key_pair());
    REQUIRE(fixture.add(light.back(), 0).ok());
  }
  CHECK(fixture.pool->size() == 100);
  auto newcomer = crypto::generate_key_pair();
  CHECK(fixture.add(newcomer, 0).ok());  // the heavy account's newest goes
  CHECK(fixture.pool->pending_next_nonce(heavy.public_key, 0) == 59);
  CHECK(fixture.add(heavy, 59).code() == Code::resource_exhausted);  // nobody outweighs it
  CHECK(fixture.add(light[0], 1).ok());
}

TEST_CASE("the reserved share is for validators and admins; each municipality has its share") {
  mempool::MempoolLimits limits = small_pool(100);
  limits.municipality_share_percent = 45;
  limits.reserved_share_percent = 10;
  PoolFixture fixture(limits);
  for (uint64_t nonce = 0; nonce < 45; ++nonce) REQUIRE(fixture.add(fixture.office, nonce).ok());
  Status municipality_full = fixture.add(fixture.office, 45);
  CHECK(municipality_full.code() == Code::resource_exhausted);
  CHECK(municipality_full.message().find("municipality:dev-city") != std::string::npos);
  CHECK(fixture.pool->group_usage("municipality:dev-city").txs == 45);
  for (uint64_t nonce = 0; nonce < 45; ++nonce) REQUIRE(fixture.add(fixture.other_office, nonce).ok());
  // 90 of 100: the rest is reserved. A newcomer's next nonce takes the
  // newest transaction of a heavier account, so the pool stays at 90 for them.
  auto newcomer = crypto::generate_key_pair();
  CHECK(fixture.add(newcomer, 0).ok());
  CHECK(fixture.pool->size() == 90);
  CHECK(fixture.pool->evicted_count() == 1);
  for (uint64_t nonce = 0; nonce < 10; ++nonce) CHECK(fixture.add(fixture.admin, nonce).ok());
  CHECK(fixture.pool->size() == 100);
  CHECK(fixture.pool->evicted_count() == 1);
  // A full pool still takes the admin's next transaction and the validator's.
  CHECK(fixture.add(fixture.admin, 10).ok());
  CHECK(fixture.add(fixture.validator, 0).ok());
  CHECK(fixture.pool->size() == 100);
  CHECK(fixture.pool->group_usage("privileged").txs == 12);
}

TEST_CASE("a waiting transaction never evicts, and a refused admission evicts nothing") {
  mempool::MempoolLimits limits = small_pool(10, 2000);
  limits.unknown_share_percent = 100;
  limits.reserved_share_percent = 0;
  // Sizes are real encoded sizes (make_tx pads a transaction to them), so
  // the smallest here is 200 bytes.
  PoolFixture fixture(limits);
  std::vector<crypto::KeyPair> keys;
  for (int i = 0; i < 10; ++i) {
    keys.push_back(crypto::generate_key_pair());
    REQUIRE(fixture.add(keys.back(), 1, 200).ok());  // all waiting
  }
  auto late = crypto::generate_key_pair();
  CHECK(fixture.add(late, 3, 200).code() == Code::resource_exhausted);
  CHECK(fixture.pool->evicted_count() == 0);
  // A runnable transaction larger than everything evictable is refused, and
  // what it tried to evict is put back.
  CHECK(fixture.add(late, 0, 40'000).code() == Code::resource_exhausted);
  CHECK(fixture.pool->size() == 10);
  CHECK(fixture.pool->evicted_count() == 0);
  CHECK(fixture.add(late, 0, 500).ok());  // evicts three waiting ones
  CHECK(fixture.pool->evicted_count() == 3);
  CHECK(fixture.pool->size_bytes() == 7 * 200 + 500);
}
