// The routes verifiers use (docs/api.md, "Verification"; docs/verification.md):
//
//   GET /v1/bundle?key=HEX[&key=HEX...][&from_height=N]
//       the parts of a proof bundle in one answer: the values of 1..16 state
//       keys with their proofs, all against the state root of the latest
//       block, that block's header and commit certificate, and every
//       validator set change activated after height N (default 1, the
//       genesis) with the new set's proof and the certified header of the
//       block before it. The client assembles and checks the bundle itself
//       (client::fetch_bundle); the node signs nothing and is not trusted.
//   GET /v1/trust-anchor
//       the trust anchor of this node's genesis (chain id, height 1, the
//       genesis validators), in the format of client::trust_anchor_to_json
//       without its "id", which a verifier computes itself.
//   GET /verify
//       the verification page (web/), a static HTML file read once when the
//       routes are registered: from $GOVCHAIN_VERIFY_PAGE, else from
//       <directory of the executable>/../web/verify.html (the build tree's
//       build/web/verify.html). Without the file the route answers 404 with
//       a hint. The page sends nothing personal to any server: what it
//       verifies is in the URL fragment or in a file opened locally.
//
// CORS: these are GET routes, so the server answers cross-origin requests
// as configured for every read route (HttpServerConfig::cors_allowed_origins).
//
// Thread-safety: the handlers only read the NodeService (thread-safe) and
// the page text, which is immutable after registration.
#pragma once

#include "rpc/api.h"

namespace govchain::rpc {

struct VerificationRouteLimits {
  size_t keys_per_bundle_max = 16;
  size_t validator_changes_max = 256;
  size_t proposals_scanned_max = 100000;
  size_t page_size_bytes_max = 8 * 1024 * 1024;
};

// Registers GET /v1/bundle, GET /v1/trust-anchor and GET /verify on
// `server`. `service` must outlive the server.
Status register_verification_routes(HttpServer& server, const NodeService& service,
                                    VerificationRouteLimits limits = {});

}  // namespace govchain::rpc
