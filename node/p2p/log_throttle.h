// LogThrottle: at most one log line per category and interval, with the
// number of events it stands for.
//
// Refusals of unauthenticated connections are the attacker's to trigger: a
// line for each would let anyone fill the node's disk (250 idle sockets
// produced 47 MB of log in 50 s before this). The transport therefore logs
// the first event of a category at once and then at most one line per
// interval, saying how many events happened since the last line; flush()
// reports what is left when the interval ends without a further event.
//
// Categories are a fixed set of names chosen by the code, never input.
//
// Thread-safety: every member function is thread-safe (one mutex). Time is
// an argument (monotonic milliseconds), so tests need no clock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace govchain::p2p {

class LogThrottle {
 public:
  // Precondition: interval_ms > 0.
  explicit LogThrottle(uint64_t interval_ms) : interval_ms_(interval_ms) {}

  // Counts one event of `category` at `now_ms`. Returns how many events the
  // caller's line should report (this one and those held back since the
  // last line) when a line is due now, or 0 when the event is held back.
  uint64_t note(std::string_view category, uint64_t now_ms);

  struct Pending {
    std::string category;
    uint64_t events = 0;
    std::string example;  // the latest event's description
  };
  // Like note(), and keeps `description` as the example a later summary
  // line quotes.
  uint64_t note(std::string_view category, uint64_t now_ms, std::string description);
  // Categories whose interval has passed with events held back: their
  // counts (and latest example), which are then cleared.
  std::vector<Pending> flush(uint64_t now_ms);

  uint64_t interval_ms() const { return interval_ms_; }

 private:
  struct State {
    uint64_t last_line_ms = 0;
    bool logged_once = false;
    uint64_t held_back = 0;
    std::string example;
  };

  const uint64_t interval_ms_;
  std::mutex mutex_;
  std::map<std::string, State, std::less<>> states_;
};

}  // namespace govchain::p2p
