#include "p2p/seen_cache.h"

#include <cassert>

#include "crypto/hash.h"

namespace govchain::p2p {

Hash gossip_message_hash(MessageType type, ByteView payload) {
  crypto::TaggedHasher hasher("govchain/p2p-gossip");
  const uint8_t type_byte = type;
  hasher.update(ByteView(&type_byte, 1));
  hasher.update(payload);
  return hasher.finish();
}

SeenCache::SeenCache(size_t entries_max) : entries_max_(entries_max) { assert(entries_max > 0); }

bool SeenCache::insert(const Hash& hash) {
  if (!members_.insert(hash).second) return false;
  order_.push_back(hash);
  if (order_.size() > entries_max_) {
    members_.erase(order_.front());
    order_.pop_front();
  }
  assert(order_.size() == members_.size() && order_.size() <= entries_max_);
  return true;
}

bool SeenCache::contains(const Hash& hash) const { return members_.count(hash) != 0; }

}  // namespace govchain::p2p
