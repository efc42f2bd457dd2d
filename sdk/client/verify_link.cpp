#include "client/verify_link.h"

#include "client/bundle.h"
#include "codec/codec.h"

namespace govchain::client {

namespace {

constexpr uint8_t flag_bundle = 1;
constexpr size_t name_size_bytes_max = 64;

Status bad_payload(const std::string& message) { return error(Code::malformed, "verification payload: " + message); }

}  // namespace

VerifyPayload payload_of(const CertificateFile& certificate, bool with_bundle) {
  VerifyPayload payload{reference_of(certificate), certificate.type, {}};
  if (with_bundle) payload.bundle = certificate.bundle;
  return payload;
}

Bytes encode_verify_payload(const VerifyPayload& payload) {
  codec::Writer writer;
  writer.u8(verify_payload_version);
  writer.u8(payload.bundle.empty() ? 0 : flag_bundle);
  writer.text(payload.reference.chain_id);
  writer.text(payload.reference.contract);
  writer.text(payload.type);
  writer.fixed(payload.reference.id);
  writer.fixed(payload.reference.commitment);
  if (!payload.bundle.empty()) writer.bytes(payload.bundle);
  return writer.take();
}

Result<VerifyPayload> decode_verify_payload(ByteView bytes) {
  codec::Reader reader(bytes);
  VerifyPayload payload;
  auto decode = [&]() -> Status {
    GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
    if (version != verify_payload_version) return bad_payload("unknown version " + std::to_string(version));
    GOVCHAIN_ASSIGN_OR_RETURN(uint8_t flags, reader.u8());
    if ((flags & ~flag_bundle) != 0) return bad_payload("unknown flags");
    GOVCHAIN_ASSIGN_OR_RETURN(payload.reference.chain_id, reader.text(name_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(payload.reference.contract, reader.text(name_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(payload.type, reader.text(name_size_bytes_max));
    if (payload.reference.chain_id.empty() || payload.reference.contract.empty())
      return bad_payload("no chain id or no contract");
    GOVCHAIN_ASSIGN_OR_RETURN(payload.reference.id, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(payload.reference.commitment, reader.fixed<32>());
    if (flags & flag_bundle) {
      GOVCHAIN_ASSIGN_OR_RETURN(payload.bundle, reader.bytes(bundle_size_bytes_max));
      if (payload.bundle.empty()) return bad_payload("an empty bundle");
    }
    return reader.finish();
  };
  Status decoded = decode();
  if (!decoded.ok()) return decoded.code() == Code::malformed ? decoded : bad_payload(decoded.message());
  return payload;
}

std::string verify_link(std::string_view base_url, const VerifyPayload& payload) {
  const std::string text = base32_encode(encode_verify_payload(payload));
  if (base_url.empty()) return text;
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  return std::string(base_url) + "/verify#" + text;
}

Result<VerifyPayload> verify_payload_from_text(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.starts_with("govchain:")) {
    GOVCHAIN_ASSIGN_OR_RETURN(CertificateReference reference, reference_from_text(text));
    return VerifyPayload{std::move(reference), "", {}};
  }
  if (const size_t hash = text.find('#'); hash != std::string_view::npos) text = text.substr(hash + 1);
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bytes, base32_decode(text));
  return decode_verify_payload(bytes);
}

}  // namespace govchain::client
