// ClientLimits: how much of the HTTP edge one client address may hold, and
// how much all clients together may hold.
//
// Three budgets are counted per address and in total:
//   - connection: open HTTP connections (from accept until close or until
//     the connection becomes a WebSocket subscriber);
//   - subscriber: WebSocket subscribers, a budget of their own, so that idle
//     subscribers can never take the slots of HTTP requests;
//   - job: requests queued for or running on the worker pool (the pool's own
//     queue bounds the total; the per-address bound keeps one address from
//     filling it).
// Requests are also rate limited per address by a token bucket
// (`requests_per_second_per_address`, burst `request_burst_per_address`).
//
// A client address is its IPv4 address, or the /64 prefix of its IPv6
// address (one site usually gets a whole /64, so counting single IPv6
// addresses would let one host take every slot); client_address_key() makes
// that key from the text of an IP address.
//
// Ownership: ClientLimits owns only counters. A ClientSlot holds one unit of
// one budget and gives it back when destroyed; the ClientLimits must outlive
// every slot taken from it.
//
// Thread-safety: every member function of ClientLimits is thread-safe (one
// mutex; every operation is O(1) except the occasional pruning of idle rate
// entries, which is O(entries) and runs at most once per second). A
// ClientSlot is a move-only value used by one thread at a time.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace govchain::rpc {

// "203.0.113.7" for IPv4 (also when written as IPv4-mapped IPv6
// "::ffff:203.0.113.7"), "2001:db8:1:2::/64" for IPv6, and the text itself
// for anything that is not an IP address (for example "" in handle_raw()).
std::string client_address_key(std::string_view ip_text);

enum class ClientBudget { connection, subscriber, job };

enum class Admission {
  admitted,
  over_total,        // all clients together hold the whole budget
  over_per_address,  // this address holds its share
};

struct ClientLimitsConfig {
  uint64_t connections_max = 256;
  uint64_t connections_per_address_max = 32;
  uint64_t subscribers_max = 1024;
  uint64_t subscribers_per_address_max = 32;
  uint64_t jobs_max = UINT64_MAX;  // the worker pool's queue is the real bound
  uint64_t jobs_per_address_max = 16;
  // 0 turns the request rate limit off.
  uint64_t requests_per_second_per_address = 1000;
  uint64_t request_burst_per_address = 1000;
  // Addresses whose rate is tracked at once; when more are active within a
  // second, the newest share one bucket (see take_request_token()).
  uint64_t rate_entries_max = 4096;
};

class ClientLimits;

// One unit of one budget, given back on destruction (or release()).
class ClientSlot {
 public:
  ClientSlot() = default;
  ~ClientSlot() { release(); }
  ClientSlot(ClientSlot&& other) noexcept;
  ClientSlot& operator=(ClientSlot&& other) noexcept;
  ClientSlot(const ClientSlot&) = delete;
  ClientSlot& operator=(const ClientSlot&) = delete;

  bool held() const { return limits_ != nullptr; }
  const std::string& address_key() const { return address_key_; }
  void release();

 private:
  friend class ClientLimits;
  ClientSlot(ClientLimits* limits, ClientBudget budget, std::string address_key)
      : limits_(limits), budget_(budget), address_key_(std::move(address_key)) {}

  ClientLimits* limits_ = nullptr;
  ClientBudget budget_ = ClientBudget::connection;
  std::string address_key_;
};

class ClientLimits {
 public:
  explicit ClientLimits(ClientLimitsConfig config);

  // Takes one unit of `budget` for `address_key` into `*slot` (which must
  // not hold one) and returns admitted, or leaves `*slot` empty and says
  // which bound was reached. With `may_exceed_total` only the address's
  // bound applies: for a caller that has just made another holder give its
  // unit back (an evicted idle connection), so the total overshoots only
  // until that one is gone.
  Admission acquire(ClientBudget budget, const std::string& address_key, ClientSlot* slot,
                    bool may_exceed_total = false);

  // Spends one request token of `address_key` at `now_ms` (any monotonic
  // milliseconds). False when the address is over its rate. When more than
  // rate_entries_max addresses were active within the last second, further
  // new addresses share one overflow bucket until the entries go idle, so
  // memory stays bounded while many addresses send at once.
  bool take_request_token(const std::string& address_key, uint64_t now_ms);

  uint64_t total(ClientBudget budget) const;
  uint64_t held_by(ClientBudget budget, const std::string& address_key) const;
  // Addresses with at least one slot, and addresses with a rate entry.
  size_t addresses_holding() const;
  size_t rate_entries() const;

  const ClientLimitsConfig& config() const { return config_; }

 private:
  friend class ClientSlot;
  struct Counts {
    uint64_t connection = 0;
    uint64_t subscriber = 0;
    uint64_t job = 0;
  };
  struct Bucket {
    int64_t balance_milli = 0;  // thousandths of a request token
    uint64_t updated_ms = 0;
  };

  void release(ClientBudget budget, const std::string& address_key);
  static uint64_t& count_of(Counts& counts, ClientBudget budget);
  uint64_t limit_total(ClientBudget budget) const;
  uint64_t limit_per_address(ClientBudget budget) const;
  void refill(Bucket& bucket, uint64_t now_ms) const;
  void prune_rate_entries(uint64_t now_ms);

  const ClientLimitsConfig config_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Counts> held_;
  Counts totals_;
  std::unordered_map<std::string, Bucket> buckets_;
  Bucket overflow_bucket_;
  uint64_t pruned_at_ms_ = 0;
};

}  // namespace govchain::rpc
