#include "certificate_bundle.h"

#include <chrono>
#include <cstdlib>

#include "client/document_schema.h"
#include "client/local_time.h"
#include "client/verify_link.h"

namespace govchain::cli {

Result<ChosenAnchor> choose_anchor(const Context& context, const std::string& anchor_path,
                                   const client::CertificateFile* certificate, const client::Client* node) {
  for (const std::string* path : {&anchor_path, &context.options.genesis_path}) {
    if (path->empty()) continue;
    auto anchor = client::read_trust_anchor_file(*path);
    if (!anchor.ok()) return anchor.status();
    return ChosenAnchor{std::move(*anchor), true, "pinned by " + *path};
  }
  if (certificate != nullptr && certificate->trust_anchor)
    return ChosenAnchor{*certificate->trust_anchor, false,
                        "named by the certificate file, not pinned (compare its id with the consortium's published "
                        "anchor, or pass --genesis FILE)"};
  if (node != nullptr) {
    auto anchor = client::fetch_trust_anchor(*node);
    if (!anchor.ok()) return anchor.status().with_context("asking the node for its trust anchor");
    return ChosenAnchor{std::move(*anchor), false,
                        "reported by the node itself, not pinned (pass --genesis FILE to pin it)"};
  }
  return error(Code::not_found, "no trust anchor: the certificate names none; pass --genesis FILE or --anchor FILE");
}

std::string portal_url(const Context& context, const std::string& portal) {
  if (!portal.empty()) return portal;
  if (const char* configured = std::getenv("GOVCHAIN_PORTAL"); configured != nullptr && *configured != '\0')
    return configured;
  return context.options.node_url;
}

Status attach_bundle(const Context& context, const client::Client& node, client::CertificateFile& certificate,
                     const std::string& path, const std::string& portal) {
  GOVCHAIN_ASSIGN_OR_RETURN(ChosenAnchor chosen, choose_anchor(context, "", &certificate, &node));
  GOVCHAIN_TRY(client::refresh_certificate_bundle(node, certificate, chosen.anchor));
  certificate.portal_url = portal_url(context, portal);
  return client::update_certificate_file(path, certificate);
}

Status check_before_issue(const client::CertificateFile& certificate,
                          const std::vector<std::pair<std::string, int64_t>>& ends, bool force) {
  GOVCHAIN_TRY(client::check_document(certificate.type, certificate.document_json));
  if (force) return Status();
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  for (const auto& [name, end_ms] : ends)
    if (end_ms != 0 && end_ms <= now_ms)
      return error(Code::invalid_argument, name + " " + client::format_time_local(end_ms) +
                                               " has already passed: the certificate would be invalid at once "
                                               "(give --force to issue it anyway, e.g. to record a past permit)");
  return Status();
}

std::string finish_issuance(const Context& context, const client::Client& node, client::CertificateFile& certificate,
                            const std::string& path, std::string& note) {
  Status attached = attach_bundle(context, node, certificate, path, "");
  if (!attached.ok()) {
    note = "\nThe certificate file has no proof bundle yet (" + attached.to_string() +
           "); add it with `govchain certificate refresh " + path + "` so that it verifies offline.";
    return client::reference_to_text(client::reference_of(certificate));
  }
  note = "\nThe file carries the proof of its record (verifies offline with `govchain verify " + path + " --offline`).";
  return client::verify_link(certificate.portal_url, client::payload_of(certificate, false));
}

}  // namespace govchain::cli
