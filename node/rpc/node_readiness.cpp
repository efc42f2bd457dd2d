#include "rpc/node_readiness.h"

#include <algorithm>

namespace govchain::rpc {

ReadinessFacts NodeReadiness::readiness_facts() const {
  ReadinessFacts facts;
  const ChainHead head = service_.head();
  facts.head_height = head.height;
  facts.head_time_ms = head.time_ms;
  facts.block_interval_ms = config_.block_interval_ms;
  const std::vector<PublicKey> validators = service_.validators();
  facts.validators = validators.size();
  const auto is_validator = [&](const PublicKey& key) {
    return std::find(validators.begin(), validators.end(), key) != validators.end();
  };
  if (config_.decides_alone) {
    facts.validators_reachable = facts.validators;
    return facts;
  }
  facts.is_validator = is_validator(config_.node_key);
  facts.validators_reachable = facts.is_validator ? 1 : 0;
  const auto consensus = service_.consensus_info();
  if (!consensus) return facts;
  for (const PeerInfo& peer : consensus->peers) {
    if (peer.connected && peer.public_key != config_.node_key && is_validator(peer.public_key)) {
      facts.validators_reachable++;
    }
  }
  facts.catching_up = consensus->catching_up;
  facts.best_peer_height = consensus->best_peer_height;
  return facts;
}

}  // namespace govchain::rpc
