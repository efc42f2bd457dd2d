// Clock: the one seam through which govchain's node reads time, in the
// manner of LevelDB's Env. SystemClock reads the machine's clocks;
// ManualClock is set by tests, which then decide what "now" is.
//
// Two clocks, for two purposes: wall time (milliseconds since the Unix
// epoch) is what a proposer stamps on a block and what judges compare a
// proposal's time with; steady time (milliseconds since an arbitrary
// start, never going back) measures intervals and timeouts.
//
// Execution never reads a clock: a block's time comes from its header, so
// that every node computes the same state (docs/architecture.md section 3).
// scripts/check-deps keeps this header out of consensus, runtime,
// execution, state and chain.
//
// Thread-safety: both implementations may be read from any thread;
// ManualClock's setters too.
#pragma once

#include <atomic>
#include <cstdint>

namespace govchain {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t wall_ms() const = 0;
  virtual uint64_t steady_ms() const = 0;
};

// The machine's clocks (std::chrono::system_clock and steady_clock).
class SystemClock final : public Clock {
 public:
  int64_t wall_ms() const override;
  uint64_t steady_ms() const override;
};

// The process's system clock; lives as long as the program.
const Clock& system_clock();

// The steady clock of the machine, for timing code that has no Clock
// handed to it (debug timings).
inline uint64_t steady_now_ms() { return system_clock().steady_ms(); }

// A clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  ManualClock(int64_t wall_ms, uint64_t steady_ms) : wall_ms_(wall_ms), steady_ms_(steady_ms) {}
  int64_t wall_ms() const override { return wall_ms_.load(); }
  uint64_t steady_ms() const override { return steady_ms_.load(); }
  void set_wall_ms(int64_t value) { wall_ms_.store(value); }
  // Moves both clocks forward by `milliseconds`.
  void advance_ms(uint64_t milliseconds) {
    steady_ms_.fetch_add(milliseconds);
    wall_ms_.fetch_add(static_cast<int64_t>(milliseconds));
  }

 private:
  std::atomic<int64_t> wall_ms_;
  std::atomic<uint64_t> steady_ms_;
};

}  // namespace govchain
