// Pure helpers behind the transport's limits: the inbound rate limiter of a
// session, the rate limiter of new inbound connections per client address,
// and the reconnection backoff. They take time and randomness as arguments,
// so tests need neither clocks nor sockets. Single-threaded values (the
// transport serialises calls under its mutex); functions pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace govchain::p2p {

// A token bucket with a burst of one second's worth of tokens. Spending may
// drive the balance negative (one large frame is still read whole); the
// reader then waits wait_ms() before reading again.
class TokenBucket {
 public:
  // Precondition: rate_per_second > 0.
  TokenBucket(uint64_t rate_per_second, uint64_t now_ms);

  void spend(uint64_t tokens, uint64_t now_ms);
  // Gives back tokens spent by mistake (never above the burst).
  void refund(uint64_t tokens);
  // Milliseconds until the balance is back at zero; 0 when not in debt.
  uint64_t wait_ms(uint64_t now_ms);

 private:
  void refill(uint64_t now_ms);
  uint64_t rate_per_second_;
  // Balance in thousandths of a token, so that refills stay exact per ms.
  int64_t balance_milli_;
  uint64_t updated_ms_;
};

// One token bucket per client address, for new inbound connections: each
// costs the responder an X25519 exchange and a signature once it sends a
// hello, and each holds a handshake slot until it completes. Memory is
// bounded: at most `entries_max` addresses are tracked; buckets that are
// full again (idle for a second) are forgotten when room is needed, and
// while every entry is busy, further new addresses share one bucket.
class AddressRateLimiter {
 public:
  // Preconditions: 0 < rate_per_second < 2^40, entries_max > 0.
  AddressRateLimiter(uint64_t rate_per_second, size_t entries_max);

  // Spends one token of `address_key` at `now_ms`; false when none is left.
  bool try_take(const std::string& address_key, uint64_t now_ms);
  size_t entries() const { return buckets_.size(); }

 private:
  struct Entry {
    TokenBucket bucket;
    uint64_t used_ms;
  };
  bool take_from(TokenBucket& bucket, uint64_t now_ms);

  uint64_t rate_per_second_;
  size_t entries_max_;
  std::unordered_map<std::string, Entry> buckets_;
  TokenBucket shared_;
};

// Delay before reconnection attempt `attempt` (0 for the first retry):
// min(delay_ms_max, delay_ms_min * 2^attempt), then drawn uniformly from
// [delay/2, delay] using `random` (any 64-bit value) as the jitter source.
uint64_t reconnect_delay_ms(uint64_t attempt, uint64_t delay_ms_min, uint64_t delay_ms_max, uint64_t random);

}  // namespace govchain::p2p
