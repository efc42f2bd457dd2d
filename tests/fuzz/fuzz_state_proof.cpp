// Decodes arbitrary bytes as a state proof and verifies it against a fixed
// root, for a present and an absent claim. Decoding must accept only
// canonical encodings (re-encoding gives the input back), and nothing may
// crash, whatever the bytes.
#include <cassert>
#include <cstddef>
#include <cstdint>

#include "crypto/hash.h"
#include "state/proof.h"

using namespace govchain;
using namespace govchain::state;

namespace {

// A root over three leaves, built from the definition in docs/state.md.
Hash fixed_root() {
  Hash leaves[3];
  const char* keys[3] = {"alpha", "beta", "gamma"};
  for (int index = 0; index < 3; ++index)
    leaves[index] = leaf_hash(state_key_hash(to_bytes(keys[index])), crypto::sha256(std::string_view(keys[index])));
  return inner_hash(inner_hash(leaves[0], leaves[1]), leaves[2]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Hash root = fixed_root();
  ByteView input(data, size);
  auto proof = decode_proof(input);
  if (!proof.ok()) return 0;
  Bytes encoded = encode_proof(*proof);
  assert(encoded.size() == size && std::equal(encoded.begin(), encoded.end(), data));
  (void)verify_proof(root, to_bytes("alpha"), to_bytes("alpha"), *proof);
  (void)verify_proof(root, to_bytes("delta"), std::nullopt, *proof);
  (void)verify_proof(Hash{}, to_bytes("delta"), std::nullopt, *proof);
  return 0;
}
