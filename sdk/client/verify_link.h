// What a certificate's QR code carries (docs/verification.md, section 7):
// a link to a verification page, "https://<portal or node>/verify#<payload>",
// with the payload in the URL fragment, which browsers never send to a
// server. The payload names the certificate (chain, contract, type, id and
// the commitment to check) and may carry its proof bundle, so that the page
// can decide without any node.
//
// Payload bytes (canonical codec): u8 version 1 · u8 flags (bit 0: a bundle
// follows; other bits zero) · text chain_id · text contract · text type ·
// hash id · hash commitment · [bytes bundle]. Text: base32 (bundle.h).
// The bare reference "govchain:1:<chain>:<contract>:<id>:<commitment>" of
// earlier files is still read.
//
// Plain values and pure functions; thread-safe. Nothing throws.
#pragma once

#include <string>
#include <string_view>

#include "client/certificate.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client {

inline constexpr uint8_t verify_payload_version = 1;

struct VerifyPayload {
  CertificateReference reference;
  std::string type;  // may be empty (unknown)
  Bytes bundle;      // empty: none (the page asks a node)
};

// The payload of a certificate file, with its bundle when `with_bundle`.
VerifyPayload payload_of(const CertificateFile& certificate, bool with_bundle);

Bytes encode_verify_payload(const VerifyPayload& payload);
Result<VerifyPayload> decode_verify_payload(ByteView bytes);

// "<base_url>/verify#<base32 payload>"; a trailing "/" of base_url is
// dropped. Empty base_url: the payload text alone.
std::string verify_link(std::string_view base_url, const VerifyPayload& payload);

// Reads what a QR scanner or a person pastes: a verification link, a bare
// payload text, or the reference text "govchain:1:..." (no type, no bundle).
Result<VerifyPayload> verify_payload_from_text(std::string_view text);

}  // namespace govchain::client
