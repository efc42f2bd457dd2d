// What the certificate commands share about proof bundles
// (docs/verification.md): which trust anchor a verification starts from,
// and giving a certificate file a fresh bundle (at issuance, and with
// `govchain certificate refresh`).
//
// Single-threaded, like the CLI.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/bundle_fetch.h"
#include "client/certificate.h"
#include "context.h"

namespace govchain::cli {

// A trust anchor and where it came from, for the output.
struct ChosenAnchor {
  client::TrustAnchor anchor;
  bool pinned = false;  // from --anchor or --genesis
  std::string source;   // e.g. "genesis file devchain/genesis.json"
};

// The anchor to verify with, in this order: `anchor_path` (a trust anchor
// or genesis file), --genesis, the anchor the certificate file names, the
// node's own (only when `node` is given). Code::not_found when none is
// available.
Result<ChosenAnchor> choose_anchor(const Context& context, const std::string& anchor_path,
                                   const client::CertificateFile* certificate, const client::Client* node);

// The base URL of verification links: `portal` when given, else
// $GOVCHAIN_PORTAL, else the node URL.
std::string portal_url(const Context& context, const std::string& portal);

// Fetches a fresh bundle for the certificate at `path` (anchor: --genesis,
// else the file's, else the node's), sets the portal and replaces the file.
Status attach_bundle(const Context& context, const client::Client& node, client::CertificateFile& certificate,
                     const std::string& path, const std::string& portal);

// What every issuing command checks before anything is sent: the document
// against its schema (naming the field at fault), and that no end of
// validity in `ends` (name, ms) lies in the past unless `force`.
Status check_before_issue(const client::CertificateFile& certificate,
                          const std::vector<std::pair<std::string, int64_t>>& ends, bool force);

// After the chain accepted an issuance: gives the file at `path` its proof
// bundle and verification link. Returns the QR text to print; when the
// bundle cannot be fetched the file stays valid without one and `note`
// says how to add it later.
std::string finish_issuance(const Context& context, const client::Client& node, client::CertificateFile& certificate,
                            const std::string& path, std::string& note);

}  // namespace govchain::cli
