#include "crypto/hash.h"

#include <crypto++/sha.h>

#include <map>

namespace govchain::crypto {

Hash sha256(ByteView message) {
  Hash out;
  CryptoPP::SHA256().CalculateDigest(out.begin_mut(), message.data(), message.size());
  return out;
}

Hash sha256(std::string_view message) {
  return sha256(ByteView(reinterpret_cast<const uint8_t*>(message.data()), message.size()));
}

// The tag prefix SHA256(tag)||SHA256(tag) depends only on the tag; the hasher
// state after absorbing it is cached per tag (64 bytes = one SHA-256 block).
// The cache is per thread, so hashing threads never wait on each other; it
// holds one entry per tag, and govchain uses a fixed handful of tags.
static const CryptoPP::SHA256& prefixed_state(std::string_view tag) {
  thread_local std::map<std::string, CryptoPP::SHA256, std::less<>> cache;
  auto found = cache.find(tag);
  if (found != cache.end()) return found->second;
  Hash tag_hash = sha256(tag);
  CryptoPP::SHA256 state;
  state.Update(tag_hash.data.data(), 32);
  state.Update(tag_hash.data.data(), 32);
  return cache.emplace(std::string(tag), state).first->second;
}

struct TaggedHasher::State {
  CryptoPP::SHA256 sha;
};

TaggedHasher::TaggedHasher(std::string_view tag) : state_(new State{prefixed_state(tag)}) {}
TaggedHasher::~TaggedHasher() { delete state_; }
void TaggedHasher::update(ByteView part) { state_->sha.Update(part.data(), part.size()); }
Hash TaggedHasher::finish() {
  Hash out;
  state_->sha.Final(out.begin_mut());
  return out;
}

Hash tagged_hash(std::string_view tag, ByteView message) {
  CryptoPP::SHA256 state = prefixed_state(tag);
  state.Update(message.data(), message.size());
  Hash out;
  state.Final(out.begin_mut());
  return out;
}

}  // namespace govchain::crypto
