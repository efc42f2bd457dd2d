#include "client/trust_anchor.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "client/keys.h"
#include "codec/codec.h"
#include "crypto/hash.h"

namespace govchain::client {

namespace {

using json = nlohmann::json;

constexpr std::string_view trust_anchor_tag = "govchain/trust-anchor";

Status anchor_fault(const std::string& message) { return error(Code::invalid_argument, "trust anchor: " + message); }

Result<TrustAnchor> anchor_from_object(const json& object) {
  if (!object.is_object() || !object.contains("format") || !object["format"].is_string() ||
      object["format"].get<std::string>() != trust_anchor_format)
    return error(Code::malformed, "not a govchain trust anchor (\"format\" is not \"govchain-trust-anchor\")");
  if (!object.contains("version") || object["version"] != trust_anchor_format_version)
    return error(Code::malformed, "trust anchor of an unknown version (this verifier reads version 1)");
  TrustAnchor anchor;
  if (!object.contains("chain_id") || !object["chain_id"].is_string() || !object.contains("height") ||
      !object["height"].is_number_unsigned() || !object.contains("validators") || !object["validators"].is_array())
    return error(Code::malformed, "trust anchor: chain_id (text), height (number) and validators (list) are required");
  anchor.chain_id = object["chain_id"].get<std::string>();
  anchor.height = object["height"].get<uint64_t>();
  if (object["validators"].size() > trust_anchor_validators_max)
    return error(Code::malformed, "trust anchor: more than 1024 validators");
  for (const json& key : object["validators"]) {
    if (!key.is_string()) return error(Code::malformed, "trust anchor: a validator key is not a hex text");
    auto parsed = PublicKey::from_hex_string(key.get<std::string>());
    if (!parsed.ok()) return parsed.status().with_context("trust anchor validator");
    anchor.validators.push_back(*parsed);
  }
  std::sort(anchor.validators.begin(), anchor.validators.end());
  GOVCHAIN_TRY(check_trust_anchor(anchor));
  if (object.contains("id")) {
    if (!object["id"].is_string() || object["id"].get<std::string>() != trust_anchor_id(anchor).hex())
      return error(Code::malformed, "trust anchor: its \"id\" is not the hash of its contents (altered file?)");
  }
  return anchor;
}

}  // namespace

Bytes encode_trust_anchor(const TrustAnchor& anchor) {
  codec::Writer writer;
  writer.u8(static_cast<uint8_t>(trust_anchor_format_version));
  writer.text(anchor.chain_id);
  writer.u64(anchor.height);
  writer.count(anchor.validators.size());
  for (const PublicKey& key : anchor.validators) writer.fixed(key);
  return writer.take();
}

Hash trust_anchor_id(const TrustAnchor& anchor) {
  return crypto::tagged_hash(trust_anchor_tag, encode_trust_anchor(anchor));
}

TrustAnchor trust_anchor_of(const chain::Genesis& genesis) {
  return TrustAnchor{genesis.chain_id, 1, chain::validator_keys(genesis)};
}

Status check_trust_anchor(const TrustAnchor& anchor) {
  if (anchor.chain_id.empty() || anchor.chain_id.size() > 64) return anchor_fault("the chain id must have 1..64 bytes");
  if (anchor.height == 0) return anchor_fault("the height must be at least 1 (the first block)");
  if (anchor.validators.empty() || anchor.validators.size() > trust_anchor_validators_max)
    return anchor_fault("it must name 1..1024 validators");
  for (size_t i = 1; i < anchor.validators.size(); ++i)
    if (!(anchor.validators[i - 1] < anchor.validators[i]))
      return anchor_fault("the validators must be sorted and distinct");
  return Status();
}

std::string trust_anchor_to_json(const TrustAnchor& anchor) {
  json keys = json::array();
  for (const PublicKey& key : anchor.validators) keys.push_back(key.hex());
  json object = {{"format", trust_anchor_format}, {"version", trust_anchor_format_version},
                 {"chain_id", anchor.chain_id},   {"height", anchor.height},
                 {"validators", std::move(keys)}, {"id", trust_anchor_id(anchor).hex()}};
  return object.dump(2) + "\n";
}

Result<TrustAnchor> trust_anchor_from_json(std::string_view text) {
  json object = json::parse(text.begin(), text.end(), nullptr, false);
  if (object.is_discarded()) return error(Code::malformed, "trust anchor: not valid JSON");
  return anchor_from_object(object);
}

Result<TrustAnchor> read_trust_anchor_file(const std::string& path) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::string text, read_small_file(path, trust_anchor_file_size_bytes_max));
  json object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return error(Code::malformed, path + ": not valid JSON");
  if (object.is_object() && !object.contains("format")) {
    auto genesis = chain::parse_genesis(text);
    if (!genesis.ok()) return genesis.status().with_context(path + " (read as a genesis file)");
    return trust_anchor_of(*genesis);
  }
  auto anchor = anchor_from_object(object);
  if (!anchor.ok()) return anchor.status().with_context(path);
  return anchor;
}

}  // namespace govchain::client
