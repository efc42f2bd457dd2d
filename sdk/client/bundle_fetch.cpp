#include "client/bundle_fetch.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "client/http_session.h"
#include "client/http_transport.h"
#include "client/state_layout.h"

namespace govchain::client {

namespace {

using json = nlohmann::json;

Result<json> parse_answer(const std::string& target, const detail::HttpAnswer& answer);

// GET `target` on the client's node; a non-2xx answer is the node's error.
Result<json> get_json(const Client& client, const std::string& target) {
  GOVCHAIN_ASSIGN_OR_RETURN(detail::HttpEndpoint endpoint,
                            detail::endpoint_for(client.options().node_url, client.options().tls_ca_file));
  detail::HttpLimits limits{client.options().request_timeout_ms, client.options().response_size_bytes_max};
  GOVCHAIN_ASSIGN_OR_RETURN(detail::HttpAnswer answer, detail::http_exchange(endpoint, "GET", target, "", limits));
  return parse_answer(target, answer);
}

Result<Bytes> hex_member(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_string())
    return error(Code::malformed, std::string("bundle answer: '") + name + "' missing or not hex");
  return from_hex(object[name].get<std::string>());
}

Result<CertifiedBlock> certified_block_of(const json& object) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes header_bytes, hex_member(object, "header_hex"));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes commit_bytes, hex_member(object, "commit_hex"));
  CertifiedBlock block;
  GOVCHAIN_ASSIGN_OR_RETURN(block.header, chain::decode_header(header_bytes));
  GOVCHAIN_ASSIGN_OR_RETURN(block.commit, chain::decode_commit(commit_bytes));
  return block;
}

Result<state::StateProof> proof_of(const json& object) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes proof_bytes, hex_member(object, "proof_hex"));
  return state::decode_proof(proof_bytes);
}

Status read_entries(const json& body, const std::vector<Bytes>& keys, ProofBundle& bundle) {
  if (!body.contains("entries") || !body["entries"].is_array() || body["entries"].size() != keys.size())
    return error(Code::invalid, "the node answered for another number of state keys");
  for (size_t i = 0; i < keys.size(); ++i) {
    const json& item = body["entries"][i];
    BundleEntry entry;
    GOVCHAIN_ASSIGN_OR_RETURN(entry.key, hex_member(item, "key_hex"));
    if (entry.key != keys[i]) return error(Code::invalid, "the node answered for another state key");
    if (!item.contains("value_hex")) return error(Code::malformed, "bundle answer: an entry without 'value_hex'");
    if (!item["value_hex"].is_null()) {
      GOVCHAIN_ASSIGN_OR_RETURN(entry.value, hex_member(item, "value_hex"));
    }
    GOVCHAIN_ASSIGN_OR_RETURN(entry.proof, proof_of(item));
    bundle.entries.push_back(std::move(entry));
  }
  return Status();
}

Status read_changes(const json& body, ProofBundle& bundle) {
  if (!body.contains("validator_changes") || !body["validator_changes"].is_array())
    return error(Code::malformed, "bundle answer: 'validator_changes' missing");
  if (body["validator_changes"].size() > bundle_changes_max)
    return error(Code::too_large, "more validator set changes than a bundle holds; use a later trust anchor");
  for (const json& item : body["validator_changes"]) {
    BundleValidatorChange change;
    if (!item.is_object() || !item.contains("activation_height") || !item["activation_height"].is_number_unsigned())
      return error(Code::malformed, "bundle answer: a change without 'activation_height'");
    change.activation_height = item["activation_height"].get<uint64_t>();
    GOVCHAIN_ASSIGN_OR_RETURN(change.validators_value, hex_member(item, "validators_value_hex"));
    GOVCHAIN_ASSIGN_OR_RETURN(change.proof, proof_of(item));
    if (!item.contains("block")) return error(Code::malformed, "bundle answer: a change without 'block'");
    GOVCHAIN_ASSIGN_OR_RETURN(change.block, certified_block_of(item["block"]));
    bundle.changes.push_back(std::move(change));
  }
  return Status();
}

std::string bundle_target(const std::vector<Bytes>& keys, uint64_t from_height) {
  std::string target = "/v1/bundle?from_height=" + std::to_string(from_height);
  for (const Bytes& key : keys) target += "&key=" + to_hex(key);
  return target;
}

// Assembles the bundle from a GET /v1/bundle answer for `keys`.
Result<ProofBundle> bundle_from_answer(const json& body, const std::vector<Bytes>& keys, const TrustAnchor& anchor) {
  if (!body.contains("chain_id") || !body["chain_id"].is_string())
    return error(Code::malformed, "bundle answer: 'chain_id' missing");
  ProofBundle bundle;
  bundle.chain_id = body["chain_id"].get<std::string>();
  if (bundle.chain_id != anchor.chain_id)
    return error(Code::wrong_chain, "the node serves chain '" + bundle.chain_id + "', the trust anchor is for '" +
                                        anchor.chain_id + "'; ask a node of that chain");
  bundle.anchor_id = trust_anchor_id(anchor);
  bundle.anchor_height = anchor.height;
  GOVCHAIN_TRY(read_changes(body, bundle));
  if (!body.contains("block")) return error(Code::malformed, "bundle answer: 'block' missing");
  GOVCHAIN_ASSIGN_OR_RETURN(bundle.block, certified_block_of(body["block"]));
  GOVCHAIN_TRY(read_entries(body, keys, bundle));
  keep_smallest_quorums(bundle, anchor);
  return bundle;
}

Result<json> parse_answer(const std::string& target, const detail::HttpAnswer& answer) {
  if (answer.status < 200 || answer.status >= 300) return parse_error_json(answer.status, answer.body);
  json body = json::parse(answer.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return error(Code::malformed, "GET " + target + ": not a JSON object");
  return body;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<ProofBundle> fetch_bundle(const Client& client, const std::vector<Bytes>& keys, const TrustAnchor& anchor) {
  if (keys.empty() || keys.size() > bundle_entries_max)
    return error(Code::invalid_argument, "a bundle holds 1..16 state keys");
  GOVCHAIN_ASSIGN_OR_RETURN(json body, get_json(client, bundle_target(keys, anchor.height)));
  return bundle_from_answer(body, keys, anchor);
}

Result<Bytes> fetch_certificate_bundle(const Client& client, const CertificateReference& reference,
                                       std::string_view type, const TrustAnchor& anchor) {
  if (reference.chain_id != anchor.chain_id)
    return error(Code::wrong_chain, "the certificate is for chain '" + reference.chain_id +
                                        "', the trust anchor for '" + anchor.chain_id + "'");
  GOVCHAIN_ASSIGN_OR_RETURN(
      ProofBundle bundle,
      fetch_bundle(client, certificate_bundle_keys(reference.contract, type, reference.id), anchor));
  auto encoded = encode_bundle(bundle, anchor.validators);
  if (!encoded.ok()) return encoded.status().with_context("the node's bundle");
  return encoded;
}

Result<TrustAnchor> fetch_trust_anchor(const Client& client) {
  GOVCHAIN_ASSIGN_OR_RETURN(json body, get_json(client, "/v1/trust-anchor"));
  return trust_anchor_from_json(body.dump());
}

Result<BundleVerification> verify_certificate_online(const Client& client, const CertificateReference& reference,
                                                     std::string_view type, const TrustAnchor& anchor,
                                                     const BundleVerifyOptions& options, bool checked_document,
                                                     Bytes* bundle_out) {
  std::string known_type(type);
  if (known_type.empty()) {
    // A bare QR reference names no type; the record does, and the type
    // decides whether the bundle must hold the contract's facts too.
    GOVCHAIN_ASSIGN_OR_RETURN(ProofBundle record_only,
                              fetch_bundle(client, {certificate_record_key(reference.contract, reference.id)}, anchor));
    if (record_only.entries.front().value) {
      auto record = decode_stored_certificate_record(*record_only.entries.front().value);
      if (record.ok()) known_type = record->type;
    }
  }
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bundle, fetch_certificate_bundle(client, reference, known_type, anchor));
  BundleVerifyOptions resolved = options;
  if (resolved.now_ms == 0) resolved.now_ms = now_ms();
  auto verification = verify_certificate_bundle(reference, known_type, bundle, anchor, resolved, checked_document);
  if (verification.ok() && bundle_out != nullptr) *bundle_out = std::move(bundle);
  return verification;
}

Status refresh_certificate_bundle(const Client& client, CertificateFile& certificate, const TrustAnchor& anchor) {
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes bundle,
                            fetch_certificate_bundle(client, reference_of(certificate), certificate.type, anchor));
  GOVCHAIN_ASSIGN_OR_RETURN(ProofBundle decoded, decode_bundle(bundle, anchor));
  auto checked = verify_bundle(decoded, anchor);
  if (!checked.ok()) return checked.status().with_context("the node's fresh bundle does not verify");
  certificate.bundle = std::move(bundle);
  certificate.trust_anchor = anchor;
  return Status();
}

}  // namespace govchain::client

namespace govchain::client {

struct VerifySession::Connection {
  detail::HttpSession http;
  detail::HttpLimits limits;
};

Result<VerifySession> VerifySession::open(const ClientOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(detail::HttpEndpoint endpoint, detail::endpoint_for(options.node_url, options.tls_ca_file));
  VerifySession session;
  session.connection_ = std::make_unique<Connection>(
      Connection{detail::HttpSession(std::move(endpoint)),
                 detail::HttpLimits{options.request_timeout_ms, options.response_size_bytes_max}});
  return session;
}

VerifySession::VerifySession() = default;
VerifySession::~VerifySession() = default;
VerifySession::VerifySession(VerifySession&&) noexcept = default;
VerifySession& VerifySession::operator=(VerifySession&&) noexcept = default;

Result<ProofBundle> VerifySession::fetch_bundle(const std::vector<Bytes>& keys, const TrustAnchor& anchor) {
  if (keys.empty() || keys.size() > bundle_entries_max)
    return error(Code::invalid_argument, "a bundle holds 1..16 state keys");
  const std::string target = bundle_target(keys, anchor.height);
  GOVCHAIN_ASSIGN_OR_RETURN(detail::HttpAnswer answer,
                            connection_->http.exchange("GET", target, "", connection_->limits));
  GOVCHAIN_ASSIGN_OR_RETURN(json body, parse_answer(target, answer));
  return bundle_from_answer(body, keys, anchor);
}

Result<BundleVerification> VerifySession::verify_certificate(const CertificateReference& reference,
                                                             std::string_view type, const TrustAnchor& anchor,
                                                             const BundleVerifyOptions& options,
                                                             bool checked_document) {
  if (reference.chain_id != anchor.chain_id)
    return error(Code::wrong_chain, "the certificate is for chain '" + reference.chain_id +
                                        "', the trust anchor for '" + anchor.chain_id + "'");
  GOVCHAIN_ASSIGN_OR_RETURN(ProofBundle bundle,
                            fetch_bundle(certificate_bundle_keys(reference.contract, type, reference.id), anchor));
  GOVCHAIN_ASSIGN_OR_RETURN(Bytes encoded, encode_bundle(bundle, anchor.validators));
  BundleVerifyOptions resolved = options;
  if (resolved.now_ms == 0) resolved.now_ms = now_ms();
  return verify_certificate_bundle(reference, type, encoded, anchor, resolved, checked_document);
}

}  // namespace govchain::client
