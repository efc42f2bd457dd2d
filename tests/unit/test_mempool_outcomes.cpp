// mempool::TxOutcomes: outcomes of dropped transactions, bounded and in
// memory, and the refusal of accounts whose transactions are dropped too
// often (docs/decisions/failed-calls-stay-off-chain.md).
#include <doctest/doctest.h>

#include <string>

#include "crypto/hash.h"
#include "mempool/outcomes.h"

using namespace govchain;

namespace {

Hash hash_of(int number) { return crypto::sha256(to_bytes("tx-" + std::to_string(number))); }

PublicKey account(uint8_t number) {
  PublicKey key;
  key.data[0] = number;
  return key;
}

}  // namespace

TEST_CASE("a dropped transaction's reason is kept, its message cut, the oldest outcomes forgotten") {
  mempool::TxOutcomes outcomes({.outcomes_max = 3, .message_size_bytes_max = 8, .drops_per_window_max = 100});
  CHECK_FALSE(outcomes.dropped(hash_of(0)).has_value());
  outcomes.record_dropped(hash_of(0), account(1), error(Code::aborted, "a message longer than eight bytes"));
  auto reason = outcomes.dropped(hash_of(0));
  REQUIRE(reason.has_value());
  CHECK(reason->code() == Code::aborted);
  CHECK(reason->message() == "a messag");
  for (int number = 1; number <= 3; ++number)
    outcomes.record_dropped(hash_of(number), account(1), error(Code::trap, "t"));
  CHECK_FALSE(outcomes.dropped(hash_of(0)).has_value());
  CHECK(outcomes.dropped(hash_of(3)).has_value());
  CHECK(outcomes.dropped_count() == 4);
}

TEST_CASE("an account with too many drops in the window is refused for a while, others are not") {
  uint64_t now_ms = 1'000'000;
  mempool::TxOutcomes outcomes(
      {.drops_per_window_max = 3, .drop_window_ms = 10'000, .penalty_ms = 30'000, .accounts_max = 2},
      [&] { return now_ms; });
  // Drops spread wider than the window never add up.
  for (int number = 0; number < 6; ++number) {
    outcomes.record_dropped(hash_of(number), account(1), error(Code::aborted, "no"));
    now_ms += 6'000;
  }
  CHECK(outcomes.check_sender(account(1)).ok());
  // Three within the window: refused, with when to come back.
  for (int number = 10; number < 13; ++number)
    outcomes.record_dropped(hash_of(number), account(1), error(Code::aborted, "no"));
  Status refused = outcomes.check_sender(account(1));
  CHECK(refused.code() == Code::resource_exhausted);
  CHECK(refused.message().find("again in 30 s") != std::string::npos);
  CHECK(outcomes.check_sender(account(2)).ok());
  now_ms += 29'000;
  CHECK_FALSE(outcomes.check_sender(account(1)).ok());
  now_ms += 1'000;
  CHECK(outcomes.check_sender(account(1)).ok());

  // At most accounts_max accounts are tracked: the least recently seen
  // goes first.
  for (int number = 20; number < 23; ++number)
    outcomes.record_dropped(hash_of(number), account(2), error(Code::aborted, "no"));
  now_ms += 1;
  outcomes.record_dropped(hash_of(30), account(3), error(Code::aborted, "no"));  // forgets account 1
  CHECK(outcomes.check_sender(account(2)).code() == Code::resource_exhausted);
  now_ms += 1;
  outcomes.record_dropped(hash_of(31), account(4), error(Code::aborted, "no"));  // forgets account 2
  CHECK(outcomes.check_sender(account(2)).ok());
}
