// Decodes arbitrary bytes as a block, a header, a receipt and a commit
// certificate; whatever decodes must re-encode to the same bytes.
#include <cstdint>
#include <cstdlib>

#include "chain/block.h"
#include "round_trip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using govchain::fuzz::check_round_trip;
  using namespace govchain::chain;
  govchain::ByteView input(data, size);
  check_round_trip(decode_block(input), [](const Block& value) { return encode_block(value); }, data, size);
  check_round_trip(decode_header(input), [](const Header& value) { return encode_header(value); }, data, size);
  check_round_trip(decode_receipt(input), [](const Receipt& value) { return encode_receipt(value); }, data, size);
  check_round_trip(decode_commit(input), [](const CommitCertificate& value) { return encode_commit(value); }, data,
                   size);
  return 0;
}
