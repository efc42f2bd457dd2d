// Decodes arbitrary bytes as a transaction; a decoded one must re-encode to
// the same bytes (one encoding per value) and survive the stateless checks.
// chain::check_tx must agree with the decoder and hash what it decoded: the
// node trusts the bytes and hash of a CheckedTx without encoding again.
#include <cstdint>
#include <cstdlib>

#include "chain/checked_tx.h"
#include "chain/tx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace govchain;
  ByteView input(data, size);
  auto tx = chain::decode_tx(input);
  // No signature check here: the fuzzer cannot sign, and the hash must
  // match whether or not the signature does.
  chain::TxCheck rules{.chain_id = tx.ok() ? std::string_view(tx->chain_id) : std::string_view("govchain-dev"),
                       .tx_size_bytes_max = limits::tx_size_bytes_max,
                       .precheck = {},
                       .verified_before = [](const Hash&, const Signature&) { return true; }};
  auto checked = chain::check_tx(Bytes(input.begin(), input.end()), rules);
  if (!tx.ok()) {
    if (checked.ok()) std::abort();  // the check accepted what does not decode
    return 0;
  }
  Bytes encoded = chain::encode_tx(*tx);
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();
  if (checked.ok() && (checked->hash() != chain::tx_hash(*tx) || checked->tx() != *tx)) std::abort();
  (void)chain::check_tx_stateless(*tx, "govchain-dev", size);
  return 0;
}
