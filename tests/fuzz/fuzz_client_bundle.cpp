// Decodes arbitrary bytes as a proof bundle (from a fixed trust anchor) and
// as a verification payload, and verifies whatever decodes. Decoding must
// accept only canonical encodings (re-encoding gives the input back), and
// nothing may crash or throw, whatever the bytes (docs/verification.md).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/bundle.h"
#include "client/bundle_verify.h"
#include "client/verify_link.h"
#include "round_trip.h"

using namespace govchain;
using namespace govchain::client;

namespace {

// Five fixed keys (any 32 bytes serve as a key table; signatures by them
// will not verify, which is the point).
TrustAnchor fixed_anchor() {
  TrustAnchor anchor{"fuzz-chain", 1, {}};
  for (uint8_t index = 1; index <= 5; ++index) {
    PublicKey key;
    key.data.fill(index);
    anchor.validators.push_back(key);
  }
  return anchor;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TrustAnchor anchor = fixed_anchor();
  const ByteView input(data, size);
  auto bundle = decode_bundle(input, anchor);
  fuzz::check_round_trip(
      bundle, [](const ProofBundle& decoded) { return *encode_bundle(decoded, anchor.validators); }, data, size);
  if (bundle.ok()) (void)verify_bundle(*bundle, anchor);
  const CertificateReference reference{"fuzz-chain", "dogpermit", Hash{}, Hash{}};
  (void)verify_certificate_bundle(reference, "dog_permit", input, anchor, {0, 1, "", {}}, true);
  auto payload = decode_verify_payload(input);
  fuzz::check_round_trip(
      payload, [](const VerifyPayload& decoded) { return encode_verify_payload(decoded); }, data, size);
  (void)verify_payload_from_text(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
