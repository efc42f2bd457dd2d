#include "p2p/log_throttle.h"

namespace govchain::p2p {

uint64_t LogThrottle::note(std::string_view category, uint64_t now_ms) { return note(category, now_ms, {}); }

uint64_t LogThrottle::note(std::string_view category, uint64_t now_ms, std::string description) {
  std::lock_guard lock(mutex_);
  auto found = states_.find(category);
  if (found == states_.end()) found = states_.emplace(std::string(category), State{}).first;
  State& state = found->second;
  if (!state.logged_once || now_ms >= state.last_line_ms + interval_ms_) {
    const uint64_t events = state.held_back + 1;
    state.logged_once = true;
    state.last_line_ms = now_ms;
    state.held_back = 0;
    state.example.clear();
    return events;
  }
  state.held_back++;
  state.example = std::move(description);
  return 0;
}

std::vector<LogThrottle::Pending> LogThrottle::flush(uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<Pending> due;
  for (auto& [category, state] : states_) {
    if (state.held_back == 0 || now_ms < state.last_line_ms + interval_ms_) continue;
    due.push_back(Pending{category, state.held_back, std::move(state.example)});
    state.last_line_ms = now_ms;
    state.held_back = 0;
    state.example.clear();
  }
  return due;
}

}  // namespace govchain::p2p
