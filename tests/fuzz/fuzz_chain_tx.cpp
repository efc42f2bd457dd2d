// Decodes arbitrary bytes as a transaction; a decoded one must re-encode to
// the same bytes (one encoding per value) and survive the stateless checks.
#include <cstdint>
#include <cstdlib>

#include "chain/tx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  govchain::ByteView input(data, size);
  auto tx = govchain::chain::decode_tx(input);
  if (!tx.ok()) return 0;
  govchain::Bytes encoded = govchain::chain::encode_tx(*tx);
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();
  (void)govchain::chain::check_tx_stateless(*tx, "govchain-dev", size);
  return 0;
}
