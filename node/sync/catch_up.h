// CatchUp: decides which committed blocks a node that fell behind asks its
// peers for. Pure bookkeeping, no IO: the app feeds it the heights its peers
// announce (StatusMessage) and asks it, whenever convenient, for the next
// request to send; the app sends it, and hands the response's blocks to
// consensus (Machine::on_decided_block), which checks each certificate.
//
// One request is in flight at a time. A request that gets no answer within
// `request_timeout_ms`, or an empty answer, moves on to another peer that
// claims the height. Peers are tried in order of the heights they claim,
// highest first, and round-robin among equals.
//
// Not thread-safe: owned and used by the app's consensus thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/bytes.h"
#include "sync/protocol.h"

namespace govchain::sync {

struct CatchUpRequest {
  PublicKey peer;
  BlockRequest request;
};

class CatchUp {
 public:
  explicit CatchUp(uint64_t request_timeout_ms = 3000) : request_timeout_ms_(request_timeout_ms) {}

  // A peer announced its latest committed height.
  void on_peer_status(const PublicKey& peer, const StatusMessage& status);
  // A peer disconnected: forget its height (and an outstanding request).
  void on_peer_gone(const PublicKey& peer);
  // A response from `peer` arrived (empty or not); the in-flight slot frees.
  void on_response(const PublicKey& peer, size_t blocks_received);

  // The request to send now, if the node (committed up to `local_height`)
  // is behind a peer and no request is in flight (or the one in flight
  // timed out at `now_ms`).
  std::optional<CatchUpRequest> next_request(uint64_t local_height, uint64_t now_ms);

  // The highest height any peer announced (0 when none).
  uint64_t best_peer_height() const;
  bool behind(uint64_t local_height) const { return best_peer_height() > local_height; }
  size_t peer_count() const { return heights_.size(); }
  const std::map<PublicKey, uint64_t>& peer_heights() const { return heights_; }

 private:
  struct InFlight {
    PublicKey peer;
    uint64_t deadline_ms = 0;
  };

  uint64_t request_timeout_ms_;
  std::map<PublicKey, uint64_t> heights_;
  std::optional<InFlight> in_flight_;
  // Peers that failed the last request for a height are skipped for it.
  std::map<PublicKey, uint64_t> failed_at_height_;
  uint64_t rotation_ = 0;
};

}  // namespace govchain::sync
