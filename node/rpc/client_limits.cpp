#include "rpc/client_limits.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace govchain::rpc {

namespace {

constexpr int64_t milli_per_token = 1000;
constexpr uint64_t prune_interval_ms = 1000;

// "2001:db8:1:2::/64" from the first 8 bytes of an IPv6 address.
std::string ipv6_prefix_key(const std::array<unsigned char, 16>& bytes) {
  std::array<unsigned char, 16> prefix{};
  std::copy(bytes.begin(), bytes.begin() + 8, prefix.begin());
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, prefix.data(), text, sizeof(text)) == nullptr) return "ipv6";
  return std::string(text) + "/64";
}

}  // namespace

std::string client_address_key(std::string_view ip_text) {
  // Boost and sockets give "::ffff:1.2.3.4" for IPv4 clients of a dual-stack
  // listener; zone ids ("fe80::1%eth0") are dropped before parsing.
  const std::string text(ip_text.substr(0, std::min(ip_text.find('%'), ip_text.size())));
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return text;
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return std::string(ip_text);
  const bool v4_mapped = std::all_of(bytes.begin(), bytes.begin() + 10, [](unsigned char byte) { return byte == 0; }) &&
                         bytes[10] == 0xff && bytes[11] == 0xff;
  if (v4_mapped) {
    char v4[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, bytes.data() + 12, v4, sizeof(v4)) != nullptr) return v4;
  }
  return ipv6_prefix_key(bytes);
}

// ---- ClientSlot --------------------------------------------------------------

ClientSlot::ClientSlot(ClientSlot&& other) noexcept
    : limits_(other.limits_), budget_(other.budget_), address_key_(std::move(other.address_key_)) {
  other.limits_ = nullptr;
}

ClientSlot& ClientSlot::operator=(ClientSlot&& other) noexcept {
  if (this != &other) {
    release();
    limits_ = other.limits_;
    budget_ = other.budget_;
    address_key_ = std::move(other.address_key_);
    other.limits_ = nullptr;
  }
  return *this;
}

void ClientSlot::release() {
  if (limits_ == nullptr) return;
  limits_->release(budget_, address_key_);
  limits_ = nullptr;
}

// ---- ClientLimits ------------------------------------------------------------

ClientLimits::ClientLimits(ClientLimitsConfig config) : config_(config) {
  overflow_bucket_.balance_milli = static_cast<int64_t>(config_.request_burst_per_address) * milli_per_token;
}

uint64_t& ClientLimits::count_of(Counts& counts, ClientBudget budget) {
  switch (budget) {
    case ClientBudget::subscriber:
      return counts.subscriber;
    case ClientBudget::job:
      return counts.job;
    case ClientBudget::connection:
      break;
  }
  return counts.connection;
}

uint64_t ClientLimits::limit_total(ClientBudget budget) const {
  switch (budget) {
    case ClientBudget::subscriber:
      return config_.subscribers_max;
    case ClientBudget::job:
      return config_.jobs_max;
    case ClientBudget::connection:
      break;
  }
  return config_.connections_max;
}

uint64_t ClientLimits::limit_per_address(ClientBudget budget) const {
  switch (budget) {
    case ClientBudget::subscriber:
      return config_.subscribers_per_address_max;
    case ClientBudget::job:
      return config_.jobs_per_address_max;
    case ClientBudget::connection:
      break;
  }
  return config_.connections_per_address_max;
}

Admission ClientLimits::acquire(ClientBudget budget, const std::string& address_key, ClientSlot* slot,
                                bool may_exceed_total) {
  std::lock_guard lock(mutex_);
  // The address's own bound first: an address at its share is told so (429)
  // even when the whole budget happens to be full as well.
  auto found = held_.find(address_key);
  const uint64_t held = found == held_.end() ? 0 : count_of(found->second, budget);
  if (held >= limit_per_address(budget)) return Admission::over_per_address;
  if (!may_exceed_total && count_of(totals_, budget) >= limit_total(budget)) return Admission::over_total;
  if (found == held_.end()) found = held_.emplace(address_key, Counts{}).first;
  count_of(found->second, budget)++;
  count_of(totals_, budget)++;
  *slot = ClientSlot(this, budget, address_key);
  return Admission::admitted;
}

void ClientLimits::release(ClientBudget budget, const std::string& address_key) {
  std::lock_guard lock(mutex_);
  auto found = held_.find(address_key);
  if (found == held_.end()) return;
  uint64_t& held = count_of(found->second, budget);
  if (held == 0) return;
  held--;
  count_of(totals_, budget)--;
  const Counts& counts = found->second;
  if (counts.connection == 0 && counts.subscriber == 0 && counts.job == 0) held_.erase(found);
}

// Tokens accrue at the configured rate up to the burst; a bucket untouched
// for a second or more is therefore full, and equal to a fresh one.
void ClientLimits::refill(Bucket& bucket, uint64_t now_ms) const {
  if (now_ms <= bucket.updated_ms) return;
  const uint64_t elapsed_ms = std::min<uint64_t>(now_ms - bucket.updated_ms, 3'600'000);
  const int64_t burst_milli = static_cast<int64_t>(config_.request_burst_per_address) * milli_per_token;
  const int64_t added_milli = static_cast<int64_t>(elapsed_ms * config_.requests_per_second_per_address);
  bucket.balance_milli = std::min(burst_milli, bucket.balance_milli + added_milli);
  bucket.updated_ms = now_ms;
}

void ClientLimits::prune_rate_entries(uint64_t now_ms) {
  if (now_ms < pruned_at_ms_ + prune_interval_ms) return;
  pruned_at_ms_ = now_ms;
  const int64_t burst_milli = static_cast<int64_t>(config_.request_burst_per_address) * milli_per_token;
  for (auto entry = buckets_.begin(); entry != buckets_.end();) {
    refill(entry->second, now_ms);
    entry = entry->second.balance_milli >= burst_milli ? buckets_.erase(entry) : std::next(entry);
  }
}

bool ClientLimits::take_request_token(const std::string& address_key, uint64_t now_ms) {
  if (config_.requests_per_second_per_address == 0) return true;
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(address_key);
  if (found == buckets_.end() && buckets_.size() >= config_.rate_entries_max) prune_rate_entries(now_ms);
  Bucket* bucket = &overflow_bucket_;
  if (found != buckets_.end()) {
    bucket = &found->second;
  } else if (buckets_.size() < config_.rate_entries_max) {
    const int64_t burst_milli = static_cast<int64_t>(config_.request_burst_per_address) * milli_per_token;
    bucket = &buckets_.emplace(address_key, Bucket{burst_milli, now_ms}).first->second;
  }
  refill(*bucket, now_ms);
  if (bucket->balance_milli < milli_per_token) return false;
  bucket->balance_milli -= milli_per_token;
  return true;
}

uint64_t ClientLimits::total(ClientBudget budget) const {
  std::lock_guard lock(mutex_);
  Counts copy = totals_;
  return count_of(copy, budget);
}

uint64_t ClientLimits::held_by(ClientBudget budget, const std::string& address_key) const {
  std::lock_guard lock(mutex_);
  auto found = held_.find(address_key);
  if (found == held_.end()) return 0;
  Counts copy = found->second;
  return count_of(copy, budget);
}

size_t ClientLimits::addresses_holding() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

size_t ClientLimits::rate_entries() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace govchain::rpc
