// NodeReadiness: the readiness facts (health.h) of a node, read from its
// NodeService: the head, the validator set that decides the next height,
// and, on a BFT node, the consensus state and the peers with an open p2p
// session.
//
// Ownership: holds a reference to the NodeService, which must outlive it
// (the node owns both its HTTP server and this provider, and stops the
// server first). Thread-safety: as thread-safe as the NodeService, which
// must be (api.h).
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "rpc/api.h"
#include "rpc/health.h"

namespace govchain::rpc {

struct NodeReadinessConfig {
  // This node's key, so that a validator counts itself as reachable.
  PublicKey node_key;
  // The longest normal time between blocks (a BFT node's empty-block
  // interval); 0 for a node that makes blocks only on demand.
  uint64_t block_interval_ms = 0;
  // A single-validator node decides alone and is its whole quorum. A BFT
  // node without consensus state yet (while it starts) reaches only itself.
  bool decides_alone = false;
};

class NodeReadiness final : public ReadinessProvider {
 public:
  NodeReadiness(const NodeService& service, NodeReadinessConfig config) : service_(service), config_(config) {}
  ReadinessFacts readiness_facts() const override;

 private:
  const NodeService& service_;
  const NodeReadinessConfig config_;
};

}  // namespace govchain::rpc
