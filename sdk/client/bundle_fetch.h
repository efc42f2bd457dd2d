// Getting proof bundles from a node, and verifying certificates online with
// one request (docs/verification.md, section 6).
//
// fetch_bundle() asks GET /v1/bundle for the entries, the latest block, its
// commit certificate and the validator set changes since the anchor, and
// assembles a ProofBundle; it checks nothing itself (verify_bundle does, and
// verify_certificate_online does both). The node is not trusted: a forged
// answer fails verification.
//
// Thread-safety: as Client (every call is independent). Nothing throws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/bundle.h"
#include "client/bundle_verify.h"
#include "client/certificate.h"
#include "client/client.h"
#include "client/trust_anchor.h"

namespace govchain::client {

// The bundle of `keys` (1..16) at the node's latest block, starting from
// `anchor`. Code::invalid when the answer is for another chain or another
// key list; the node's errors keep their codes.
Result<ProofBundle> fetch_bundle(const Client& client, const std::vector<Bytes>& keys, const TrustAnchor& anchor);
// fetch_bundle for a certificate (its record and use-case facts), encoded.
Result<Bytes> fetch_certificate_bundle(const Client& client, const CertificateReference& reference,
                                       std::string_view type, const TrustAnchor& anchor);

// The node's own genesis anchor (GET /v1/trust-anchor): what that node
// claims, so a verifier that uses it says so.
Result<TrustAnchor> fetch_trust_anchor(const Client& client);

// One request for a fresh bundle, then verify_certificate_bundle. When
// `bundle_out` is given it receives the encoded bundle (to store in a file).
Result<BundleVerification> verify_certificate_online(const Client& client, const CertificateReference& reference,
                                                     std::string_view type, const TrustAnchor& anchor,
                                                     const BundleVerifyOptions& options, bool checked_document,
                                                     Bytes* bundle_out = nullptr);

// Replaces the bundle a certificate file carries with a fresh one from
// `client` (verified before it is kept) and sets its trust anchor.
// Code::invalid when the fresh bundle does not verify.
Status refresh_certificate_bundle(const Client& client, CertificateFile& certificate, const TrustAnchor& anchor);

// Verifies certificates with one node over one kept-alive HTTP connection:
// one request per certificate (GET /v1/bundle), for a portal's or a
// benchmark's loop. Owns its connection; not thread-safe (one per thread).
class VerifySession {
 public:
  // Checks the URL; connects on the first request.
  static Result<VerifySession> open(const ClientOptions& options);
  ~VerifySession();
  VerifySession(VerifySession&&) noexcept;
  VerifySession& operator=(VerifySession&&) noexcept;

  Result<ProofBundle> fetch_bundle(const std::vector<Bytes>& keys, const TrustAnchor& anchor);
  // As verify_certificate_online(), on this session's connection.
  Result<BundleVerification> verify_certificate(const CertificateReference& reference, std::string_view type,
                                                const TrustAnchor& anchor, const BundleVerifyOptions& options,
                                                bool checked_document);

 private:
  VerifySession();
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace govchain::client
