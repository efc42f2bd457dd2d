// Shared check of the fuzz targets for decoders: whatever decodes must
// re-encode to exactly the input bytes (one encoding per value); anything
// else aborts, which libFuzzer reports as a crash with the input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "core/bytes.h"

namespace govchain::fuzz {

template <typename Decoded, typename Encode>
void check_round_trip(const Decoded& decoded, Encode encode, const uint8_t* data, size_t size) {
  if (!decoded.ok()) return;
  Bytes encoded = encode(*decoded);
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();
}

}  // namespace govchain::fuzz
