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

void TokenBucket::refund(uint64_t tokens) {
  const uint64_t bounded = std::min<uint64_t>(tokens, 1ull << 40);
  const int64_t burst_milli = static_cast<int64_t>(rate_per_second_) * milli_per_token;
  balance_milli_ = std::min(burst_milli, balance_milli_ + static_cast<int64_t>(bounded) * milli_per_token);
}

uint64_t TokenBucket::wait_ms(uint64_t now_ms) {
  refill(now_ms);
  if (balance_milli_ >= 0) return 0;
  const uint64_t debt_milli = static_cast<uint64_t>(-balance_milli_);
  return (debt_milli + rate_per_second_ - 1) / rate_per_second_;
}

AddressRateLimiter::AddressRateLimiter(uint64_t rate_per_second, size_t entries_max)
    : rate_per_second_(rate_per_second), entries_max_(entries_max), shared_(rate_per_second, 0) {
  assert(entries_max > 0);
}

// A whole token must be there: a connection is never admitted on credit.
bool AddressRateLimiter::take_from(TokenBucket& bucket, uint64_t now_ms) {
  bucket.spend(1, now_ms);
  if (bucket.wait_ms(now_ms) == 0) return true;
  bucket.refund(1);
  return false;
}

bool AddressRateLimiter::try_take(const std::string& address_key, uint64_t now_ms) {
  auto found = buckets_.find(address_key);
  if (found == buckets_.end() && buckets_.size() >= entries_max_) {
    // An address untouched for a second has a full bucket again: equal to
    // a fresh one, so forgetting it loses nothing.
    std::erase_if(buckets_, [now_ms](const auto& entry) { return now_ms >= entry.second.used_ms + 1000; });
  }
  if (found == buckets_.end() && buckets_.size() < entries_max_) {
    found = buckets_.emplace(address_key, Entry{TokenBucket(rate_per_second_, now_ms), now_ms}).first;
  }
  if (found == buckets_.end()) return take_from(shared_, now_ms);
  found->second.used_ms = now_ms;
  return take_from(found->second.bucket, now_ms);
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
