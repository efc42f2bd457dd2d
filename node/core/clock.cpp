#include "core/clock.h"

#include <chrono>

namespace govchain {

int64_t SystemClock::wall_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t SystemClock::steady_ms() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace govchain
