// SeenCache: a bounded set of message hashes for gossip deduplication.
//
// Holds at most `entries_max` hashes; inserting one more forgets the oldest.
// The transport keeps one per node (see Transport::gossip()); it is public
// so that its bound and eviction can be tested on their own.
// Not thread-safe: the owner serialises calls (the transport under a mutex).
#pragma once

#include <cstddef>
#include <deque>
#include <unordered_set>

#include "core/bytes.h"
#include "p2p/frame.h"

namespace govchain::p2p {

// tagged_hash("govchain/p2p-gossip", type || payload).
Hash gossip_message_hash(MessageType type, ByteView payload);

class SeenCache {
 public:
  // Precondition: entries_max > 0.
  explicit SeenCache(size_t entries_max);

  // Records `hash`; true when it was not yet in the cache.
  bool insert(const Hash& hash);
  bool contains(const Hash& hash) const;
  size_t size() const { return order_.size(); }

 private:
  size_t entries_max_;
  std::deque<Hash> order_;
  std::unordered_set<Hash, FixedBytesHasher> members_;
};

}  // namespace govchain::p2p
