#include "sync/catch_up.h"

#include <algorithm>
#include <vector>

namespace govchain::sync {

void CatchUp::on_peer_status(const PublicKey& peer, const StatusMessage& status) { heights_[peer] = status.height; }

void CatchUp::on_peer_gone(const PublicKey& peer) {
  heights_.erase(peer);
  failed_at_height_.erase(peer);
  if (in_flight_ && in_flight_->peer == peer) in_flight_.reset();
}

void CatchUp::on_response(const PublicKey& peer, size_t blocks_received) {
  if (!in_flight_ || in_flight_->peer != peer) return;
  in_flight_.reset();
  if (blocks_received == 0) {
    // The peer claimed blocks it did not send: believe its claim no more.
    heights_.erase(peer);
  }
}

std::optional<CatchUpRequest> CatchUp::next_request(uint64_t local_height, uint64_t now_ms) {
  if (in_flight_) {
    if (now_ms < in_flight_->deadline_ms) return std::nullopt;
    failed_at_height_[in_flight_->peer] = local_height + 1;
    in_flight_.reset();
  }
  std::vector<std::pair<uint64_t, PublicKey>> candidates;
  for (const auto& [peer, height] : heights_) {
    if (height <= local_height) continue;
    auto failed = failed_at_height_.find(peer);
    if (failed != failed_at_height_.end() && failed->second == local_height + 1) continue;
    candidates.emplace_back(height, peer);
  }
  if (candidates.empty()) {
    // Every peer ahead failed once at this height: try them all again.
    failed_at_height_.clear();
    return std::nullopt;
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  size_t best_count = 1;
  while (best_count < candidates.size() && candidates[best_count].first == candidates[0].first) ++best_count;
  const auto& [peer_height, peer] = candidates[rotation_++ % best_count];
  uint64_t missing = peer_height - local_height;
  CatchUpRequest request{peer, {local_height + 1, static_cast<uint32_t>(std::min<uint64_t>(missing, blocks_per_response_max))}};
  in_flight_ = InFlight{peer, now_ms + request_timeout_ms_};
  return request;
}

uint64_t CatchUp::best_peer_height() const {
  uint64_t best = 0;
  for (const auto& [peer, height] : heights_) best = std::max(best, height);
  return best;
}

}  // namespace govchain::sync
