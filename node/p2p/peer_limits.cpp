#include "p2p/peer_limits.h"

#include <algorithm>
#include <cassert>

namespace govchain::p2p {

namespace {
constexpr int64_t milli_per_token = 1000;
}

TokenBucket::TokenBucket(uint64_t rate_per_second, uint64_t now_ms)
    : rate_per_second_(rate_per_second),
      balance_milli_(static_cast<int64_t>(rate_per_second) * milli_per_token),
      updated_ms_(now_ms) {
  assert(rate_per_second > 0 && rate_per_second < (1ull << 40));
}

// Tokens accrue at rate_per_second, i.e. rate_per_second thousandths per ms,
// up to a burst of one second's worth.
void TokenBucket::refill(uint64_t now_ms) {
  if (now_ms <= updated_ms_) return;
  const uint64_t elapsed_ms = std::min<uint64_t>(now_ms - updated_ms_, 1000);
  const int64_t burst_milli = static_cast<int64_t>(rate_per_second_) * milli_per_token;
  balance_milli_ = std::min(burst_milli, balance_milli_ + static_cast<int64_t>(elapsed_ms * rate_per_second_));
  updated_ms_ = now_ms;
}

void TokenBucket::spend(uint64_t tokens, uint64_t now_ms) {
  refill(now_ms);
  // Bounded so that one enormous spend cannot overflow the balance.
  const uint64_t bounded = std::min<uint64_t>(tokens, 1ull << 40);
  balance_milli_ -= static_cast<int64_t>(bounded) * milli_per_token;
}

uint64_t TokenBucket::wait_ms(uint64_t now_ms) {
  refill(now_ms);
  if (balance_milli_ >= 0) return 0;
  const uint64_t debt_milli = static_cast<uint64_t>(-balance_milli_);
  return (debt_milli + rate_per_second_ - 1) / rate_per_second_;
}

uint64_t reconnect_delay_ms(uint64_t attempt, uint64_t delay_ms_min, uint64_t delay_ms_max, uint64_t random) {
  uint64_t delay_ms = std::max<uint64_t>(delay_ms_min, 1);
  const uint64_t cap_ms = std::max(delay_ms_max, delay_ms);
  // At most 64 doublings reach any cap; the loop never runs `attempt` times.
  for (uint64_t step = 0; step < attempt && delay_ms < cap_ms; ++step)
    delay_ms = delay_ms > cap_ms / 2 ? cap_ms : delay_ms * 2;
  const uint64_t half_ms = delay_ms / 2;
  return half_ms + random % (delay_ms - half_ms + 1);
}

}  // namespace govchain::p2p
