// Pure helpers behind the per-peer limits: the inbound rate limiter and the
// reconnection backoff. They take time and randomness as arguments, so tests
// need neither clocks nor sockets. Single-threaded values; functions pure.
#pragma once

#include <cstdint>

namespace govchain::p2p {

// A token bucket with a burst of one second's worth of tokens. Spending may
// drive the balance negative (one large frame is still read whole); the
// reader then waits wait_ms() before reading again.
class TokenBucket {
 public:
  // Precondition: rate_per_second > 0.
  TokenBucket(uint64_t rate_per_second, uint64_t now_ms);

  void spend(uint64_t tokens, uint64_t now_ms);
  // Milliseconds until the balance is back at zero; 0 when not in debt.
  uint64_t wait_ms(uint64_t now_ms);

 private:
  void refill(uint64_t now_ms);
  uint64_t rate_per_second_;
  // Balance in thousandths of a token, so that refills stay exact per ms.
  int64_t balance_milli_;
  uint64_t updated_ms_;
};

// Delay before reconnection attempt `attempt` (0 for the first retry):
// min(delay_ms_max, delay_ms_min * 2^attempt), then drawn uniformly from
// [delay/2, delay] using `random` (any 64-bit value) as the jitter source.
uint64_t reconnect_delay_ms(uint64_t attempt, uint64_t delay_ms_min, uint64_t delay_ms_max, uint64_t random);

}  // namespace govchain::p2p
