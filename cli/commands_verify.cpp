// govchain verify CERT [--offline] [--at TIME] [--zone ZONE] [--anchor FILE]
// govchain verify --qr TEXT [--offline] [--at TIME] [--zone ZONE] [--anchor FILE]
// govchain qr CERT [--png FILE] [--svg FILE] [--portal URL] [--with-bundle]
// govchain certificate new --contract NAME --municipality ID --document FILE --out CERT
// govchain certificate refresh CERT [--portal URL]
//
// Verification of any certificate that follows the common lifecycle
// (docs/verification.md): the record is read with a proof bundle — the one
// the file or QR carries (--offline, no network at all), or a fresh one from
// the node in one request — checked against a trust anchor (--anchor,
// --genesis, else the one the file names, else the node's, and the output
// says which), and judged by the client with the contracts' rules; the
// client adds the commitment computed from the file's document and salt.
// Prints VALID or INVALID with the reason, what was checked, as of which
// block and time, and the history; exit code 0 only when valid. Needs no key.
// `certificate new` writes the file of a new certificate for any contract
// with the common lifecycle (fresh id and salt, the contract's certificate
// type from its ABI), so that a new use case can be issued with the generic
// `contract call` and checked with `verify` (docs/new-use-case.md).
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "certificate_bundle.h"
#include "client/bundle_verify.h"
#include "client/certificate.h"
#include "client/contracts.h"
#include "client/local_time.h"
#include "client/qr.h"
#include "client/verify_link.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct VerifyOptions {
  std::string certificate_path, qr_text, at, zone, anchor_path;
  bool offline = false;
};

json history_json(const client::CertificateRecord& record) {
  json history = json::array();
  for (const auto& entry : record.history)
    history.push_back({{"height", entry.height},
                       {"time_ms", entry.time_ms},
                       {"time", client::format_time_local(entry.time_ms)},
                       {"actor", entry.actor.hex()},
                       {"municipality", entry.municipality},
                       {"status", entry.status},
                       {"reason", entry.reason}});
  return history;
}

json proof_json(const client::BundleVerification& report, const ChosenAnchor& anchor) {
  const client::BundleCheck& proof = report.proof;
  return {{"verified", report.proof_verified},
          {"height", proof.height},
          {"block_time_ms", proof.block_time_ms},
          {"block_hash", proof.block_hash.hex()},
          {"state_root", proof.state_root.hex()},
          {"signatures_valid", proof.commit.signatures_valid},
          {"validators_total", proof.commit.validators_total},
          {"validator_changes", proof.validator_changes},
          {"anchor_id", client::trust_anchor_id(anchor.anchor).hex()},
          {"anchor_height", anchor.anchor.height},
          {"anchor_pinned", anchor.pinned},
          {"anchor_source", anchor.source}};
}

json report_json(const client::BundleVerification& report, const client::CertificateReference& reference,
                 const ChosenAnchor& anchor, bool offline) {
  const client::ContractVerdict& answer = report.answer;
  json machine = {{"valid", report.valid},
                  {"verdict", answer.verdict},
                  {"reason", answer.reason},
                  {"explanation", report.explanation},
                  {"checked", client::checked_summary(report)},
                  {"status", answer.status},
                  {"at_time_ms", answer.at_time_ms},
                  {"at_time", client::format_time_local(answer.at_time_ms)},
                  {"checked_document", report.checked_document},
                  {"offline", offline},
                  {"as_of",
                   {{"height", report.proof.height},
                    {"time_ms", report.proof.block_time_ms},
                    {"time", client::format_time_local(report.proof.block_time_ms)}}},
                  {"chain_id", reference.chain_id},
                  {"contract", reference.contract},
                  {"id", reference.id.hex()},
                  {"commitment", reference.commitment.hex()},
                  {"type", answer.type},
                  {"proof", proof_json(report, anchor)}};
  if (!report.zone.empty()) machine["zone"] = report.zone;
  if (!report.conditions.empty()) machine["conditions"] = report.conditions;
  if (report.record) {
    const auto& record = *report.record;
    machine["record"] = {{"issuer", record.issuer.hex()},           {"issuer_municipality", record.issuer_municipality},
                         {"authority", record.authority},           {"issuer_authorized", record.issuer_authorized},
                         {"municipality", record.municipality},     {"valid_from_ms", record.valid_from_ms},
                         {"valid_until_ms", record.valid_until_ms}, {"status", record.status},
                         {"history", history_json(record)}};
  }
  return machine;
}

std::string window_text(const client::CertificateRecord& record) {
  const std::string from = record.valid_from_ms == 0 ? std::string("from issuance")
                                                     : "from " + client::format_time_local(record.valid_from_ms);
  return from + " until " +
         (record.valid_until_ms == 0 ? std::string("(no end)") : client::format_time_local(record.valid_until_ms));
}

std::string proof_text(const client::BundleVerification& report, const ChosenAnchor& anchor, bool offline) {
  if (!report.proof_verified) return "  the record could not be proven\n";
  const client::BundleCheck& proof = report.proof;
  std::ostringstream text;
  text << "  as of block " << proof.height << ", time " << client::format_time_local(proof.block_time_ms)
       << " (Europe/Berlin)" << (offline ? ": the status may have changed since; verify online for a newer one" : "")
       << "\n";
  text << "  record proven against state root " << proof.state_root.hex() << " of block " << proof.block_hash.hex()
       << ", signed by " << proof.commit.signatures_valid << "/" << proof.commit.validators_total << " validators ("
       << proof.validator_changes << " validator set changes since the trust anchor)\n";
  text << "  trust anchor " << client::trust_anchor_id(anchor.anchor).hex() << " (chain " << anchor.anchor.chain_id
       << ", height " << anchor.anchor.height << "): " << anchor.source << "\n";
  return text.str();
}

std::string report_text(const client::BundleVerification& report, const client::CertificateReference& reference,
                        const ChosenAnchor& anchor, bool offline) {
  std::ostringstream text;
  text << (report.valid ? "VALID" : "INVALID (" + report.answer.verdict + ")") << ": " << report.explanation << ".\n";
  text << "  checked: " << client::checked_summary(report) << (offline ? " (offline, no node asked)" : "") << "\n";
  text << "  certificate " << reference.id.hex() << " in contract " << reference.contract << " on chain "
       << reference.chain_id << ", asked about " << client::format_time_local(report.answer.at_time_ms) << "\n";
  text << proof_text(report, anchor, offline);
  if (!report.record) return text.str();
  const auto& record = *report.record;
  text << "  type " << record.type << ", issued by " << record.issuer.hex() << " for " << record.issuer_municipality
       << " (authority " << record.authority << ", checked at issuance: " << (record.issuer_authorized ? "yes" : "no")
       << ")\n";
  text << "  controlling municipality " << record.municipality << ", valid " << window_text(record)
       << ", status at that time " << report.answer.status << "\n";
  if (!report.zone.empty()) text << "  zone " << report.zone << "\n";
  text << "history (block, time, status after, reason code, actor, municipality):\n";
  for (const auto& entry : record.history)
    text << "  " << entry.height << "  " << client::format_time_local(entry.time_ms) << "  " << entry.status << "  "
         << entry.reason << "  " << entry.actor.hex() << "  " << entry.municipality << "\n";
  return text.str();
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What is verified: the reference, its type, the bundle it carries and
// the certificate file (for its anchor), from a file or a QR text.
struct Subject {
  client::VerifyPayload payload;
  std::optional<client::CertificateFile> file;
};

Result<Subject> read_subject(const VerifyOptions& options) {
  if (options.certificate_path.empty() == options.qr_text.empty())
    return error(Code::invalid_argument, "give either a certificate file or --qr TEXT");
  Subject subject;
  if (!options.qr_text.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(subject.payload, client::verify_payload_from_text(options.qr_text));
    return subject;
  }
  GOVCHAIN_ASSIGN_OR_RETURN(client::CertificateFile file, client::read_certificate_file(options.certificate_path));
  subject.payload = client::payload_of(file, true);
  subject.file = std::move(file);
  return subject;
}

Result<client::BundleVerifyOptions> verify_options_of(const VerifyOptions& options, const ChosenAnchor& anchor) {
  client::BundleVerifyOptions verify_options;
  verify_options.zone = options.zone;
  verify_options.now_ms = now_ms();
  if (anchor.pinned) verify_options.pinned_anchors.push_back(anchor.anchor);
  if (!options.at.empty()) {
    auto at = client::parse_time_ms(options.at);
    if (!at.ok()) return at.status().with_context("--at");
    verify_options.at_time_ms = *at;
  }
  return verify_options;
}

int verify(Context& context, const VerifyOptions& options) {
  auto subject = read_subject(options);
  if (!subject.ok()) return context.fail(subject.status(), "verify: reading the certificate");
  const client::CertificateFile* file = subject->file ? &*subject->file : nullptr;
  std::optional<client::Client> node;
  if (!options.offline) {
    auto connected = context.client();
    if (!connected.ok()) return context.fail(connected.status(), "verify: connecting");
    node = std::move(*connected);
  }
  auto anchor = choose_anchor(context, options.anchor_path, file, node ? &*node : nullptr);
  if (!anchor.ok()) return context.fail(anchor.status(), "verify: choosing the trust anchor");
  auto verify_options = verify_options_of(options, *anchor);
  if (!verify_options.ok()) return context.fail(verify_options.status(), "verify");
  const client::VerifyPayload& payload = subject->payload;
  const bool checked_document = file != nullptr;
  Result<client::BundleVerification> report = error(Code::internal, "not verified");
  if (options.offline) {
    if (payload.bundle.empty())
      return context.fail(error(Code::not_found,
                                "the certificate carries no proof bundle, so it cannot be checked "
                                "offline"),
                          "verify --offline",
                          "while a node is reachable, run `govchain certificate refresh CERT` (or verify online)");
    report = client::verify_certificate_bundle(payload.reference, payload.type, payload.bundle, anchor->anchor,
                                               *verify_options, checked_document);
  } else {
    report = client::verify_certificate_online(*node, payload.reference, payload.type, anchor->anchor, *verify_options,
                                               checked_document);
  }
  if (!report.ok()) return context.fail(report.status(), "verify");
  context.emit(report_json(*report, payload.reference, *anchor, options.offline),
               report_text(*report, payload.reference, *anchor, options.offline));
  return report->valid ? exit_ok : exit_failure;
}

struct QrOptions {
  std::string certificate_path, png_path, svg_path, portal;
  bool with_bundle = false;
};

int write_qr(Context& context, const QrOptions& options) {
  auto certificate = client::read_certificate_file(options.certificate_path);
  if (!certificate.ok()) return context.fail(certificate.status(), "qr: reading the certificate file");
  if (options.with_bundle && certificate->bundle.empty())
    return context.fail(error(Code::not_found, "the certificate carries no proof bundle"), "qr --with-bundle",
                        "run `govchain certificate refresh CERT` first");
  const std::string base = certificate->portal_url.empty() || !options.portal.empty()
                               ? portal_url(context, options.portal)
                               : certificate->portal_url;
  const std::string text = client::verify_link(base, client::payload_of(*certificate, options.with_bundle));
  std::string human =
      "QR link (opens the verification page; " +
      std::string(options.with_bundle ? "carries the proof, so no node is needed" : "the page asks a node") +
      "; no personal data): " + text;
  for (const auto& path : {options.png_path, options.svg_path}) {
    if (path.empty()) continue;
    Status written = client::write_qr_file(path, text);
    if (!written.ok()) return context.fail(written, "qr: writing the image");
    human += "\nwrote " + path;
  }
  json machine = {
      {"qr", text}, {"png", options.png_path}, {"svg", options.svg_path}, {"with_bundle", options.with_bundle}};
  return context.emit(machine, human + "\n");
}

int refresh(Context& context, const std::string& path, const std::string& portal) {
  auto certificate = client::read_certificate_file(path);
  if (!certificate.ok()) return context.fail(certificate.status(), "certificate refresh: reading the file");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "certificate refresh: connecting");
  Status attached = attach_bundle(context, *node, *certificate, path, portal);
  if (!attached.ok()) return context.fail(attached, "certificate refresh");
  auto decoded = client::decode_bundle(certificate->bundle, *certificate->trust_anchor);
  const uint64_t height = decoded.ok() ? decoded->block.header.height : 0;
  json machine = {{"certificate_file", path}, {"height", height}, {"bundle_size_bytes", certificate->bundle.size()}};
  return context.emit(machine, "refreshed the proof bundle of " + path + ": the record as of block " +
                                   std::to_string(height) + " (" + std::to_string(certificate->bundle.size()) +
                                   " bytes); `govchain verify " + path + " --offline` now needs no node\n");
}

struct NewCertificateOptions {
  std::string contract, municipality, document_path, out_path;
};

constexpr size_t document_size_bytes_max = 1024 * 1024;

// The chain id to write into the file: --chain-id, or the node's.
Result<std::string> certificate_chain_id(const Context& context, const client::Client& node) {
  if (!context.options.chain_id.empty()) return context.options.chain_id;
  GOVCHAIN_ASSIGN_OR_RETURN(client::NodeStatus status, node.status());
  return status.chain_id;
}

int new_certificate_file(Context& context, const NewCertificateOptions& options) {
  auto document = client::read_small_file(options.document_path, document_size_bytes_max);
  if (!document.ok()) return context.fail(document.status(), "certificate new: reading the document");
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "certificate new: connecting");
  auto abi = client::fetch_abi(*node, options.contract);
  if (!abi.ok()) return context.fail(abi.status(), "certificate new: reading the contract's ABI");
  if (abi->certificate_type.empty())
    return context.fail(error(Code::invalid_argument, "contract '" + options.contract +
                                                          "' names no certificate_type in its ABI: it issues none"),
                        "certificate new");
  auto chain_id = certificate_chain_id(context, *node);
  if (!chain_id.ok()) return context.fail(chain_id.status(), "certificate new: asking the node for its chain id");
  auto certificate =
      client::new_certificate(abi->certificate_type, options.contract, *chain_id, options.municipality, *document);
  if (!certificate.ok()) return context.fail(certificate.status(), "certificate new: reading the document");
  Status written = client::write_certificate_file(options.out_path, *certificate);
  if (!written.ok()) return context.fail(written, "certificate new: writing the certificate file");
  const std::string id = certificate->id.hex(), commitment = certificate->commitment().hex();
  json machine = {{"certificate_file", options.out_path},
                  {"type", certificate->type},
                  {"contract", certificate->contract},
                  {"chain_id", certificate->chain_id},
                  {"id", id},
                  {"commitment", commitment}};
  std::string human = "wrote certificate file " + options.out_path + " (type " + certificate->type + ", contract " +
                      certificate->contract + ", chain " + certificate->chain_id + ")\nid:         " + id +
                      "\ncommitment: " + commitment +
                      "\nnot on the chain yet: the issuing office sends id and commitment with `govchain contract "
                      "call " +
                      certificate->contract + " issue`; the document stays in the file";
  return context.emit(machine, human);
}

CLI::App* register_certificate_new(CLI::App& app, Context& context) {
  auto options = std::make_shared<NewCertificateOptions>();
  CLI::App* certificate = app.add_subcommand("certificate", "certificate files for any certificate contract");
  certificate->require_subcommand(1);
  CLI::App* create = certificate->add_subcommand(
      "new", "write a new certificate file (fresh id and salt) whose id and commitment a contract call then issues");
  create->add_option("--contract", options->contract, "the certificate contract, e.g. parking")->required();
  create->add_option("--municipality", options->municipality, "the issuing municipality")->required();
  create->add_option("--document", options->document_path, "the document: a JSON object (stays off the chain)")
      ->required();
  create->add_option("--out", options->out_path, "the certificate file to write (never overwritten)")->required();
  create->callback(context.action([&context, options] { return new_certificate_file(context, *options); }));
  return certificate;
}

// The trust anchor deciding `height`, followed from the genesis (--genesis,
// pinned) through every validator set change with proofs
// (Client::validators_at), for the consortium to publish as a checkpoint.
int export_anchor(Context& context, uint64_t height, const std::string& out_path) {
  if (context.options.genesis_path.empty())
    return context.fail(error(Code::invalid_argument, "give --genesis FILE: the checkpoint is followed from it"),
                        "trust-anchor export");
  auto genesis = client::read_trust_anchor_file(context.options.genesis_path);
  if (!genesis.ok()) return context.fail(genesis.status(), "trust-anchor export: reading --genesis");
  client::TrustAnchor anchor = *genesis;
  if (height > 1) {
    auto node = context.client();
    if (!node.ok()) return context.fail(node.status(), "trust-anchor export: connecting");
    auto validators = node->validators_at(height, {genesis->validators, genesis->chain_id});
    if (!validators.ok()) return context.fail(validators.status(), "trust-anchor export: following the validator set");
    std::sort(validators->begin(), validators->end());
    anchor = client::TrustAnchor{genesis->chain_id, height, *validators};
  }
  const std::string text = client::trust_anchor_to_json(anchor);
  if (!out_path.empty()) {
    std::ofstream file(out_path, std::ios::trunc);
    file << text;
    if (!file.good()) return context.fail(error(Code::io_error, "cannot write " + out_path), "trust-anchor export");
  }
  json machine = json::parse(text);
  return context.emit(
      machine, out_path.empty() ? text
                                : "wrote trust anchor " + client::trust_anchor_id(anchor).hex() + " (chain " +
                                      anchor.chain_id + ", from height " + std::to_string(anchor.height) + ", " +
                                      std::to_string(anchor.validators.size()) + " validators) to " + out_path + "\n");
}

}  // namespace

void register_verify_commands(CLI::App& app, Context& context) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* verify_command = app.add_subcommand(
      "verify", "check a certificate file (or a QR text): VALID or INVALID with the reason and its history");
  verify_command->add_option("CERT", options->certificate_path, "certificate file");
  verify_command->add_option("--qr", options->qr_text,
                             "QR text (verification link, payload or govchain:1:...) instead of a file: status only");
  verify_command->add_option("--at", options->at,
                             "answer for this moment (ISO 8601, local time Europe/Berlin unless an offset is given, "
                             "or ms); default: now");
  verify_command->add_option("--zone", options->zone, "street music: the zone the musician plays in");
  verify_command->add_flag("--offline", options->offline,
                           "use only the proof bundle the certificate (or QR) carries; ask no node");
  verify_command->add_option("--anchor", options->anchor_path,
                             "trust anchor file (or genesis file) to pin; default: --genesis, else the certificate's");
  verify_command->callback(context.action([&context, options] { return verify(context, *options); }));

  auto qr_options = std::make_shared<QrOptions>();
  CLI::App* qr =
      app.add_subcommand("qr", "print a certificate's verification link and write it as a PNG or SVG QR code");
  qr->add_option("CERT", qr_options->certificate_path, "certificate file")->required();
  qr->add_option("--png", qr_options->png_path, "write the QR code as a PNG image");
  qr->add_option("--svg", qr_options->svg_path, "write the QR code as an SVG image");
  qr->add_option("--portal", qr_options->portal,
                 "base URL of the verification page (default: the file's, $GOVCHAIN_PORTAL or --node)");
  qr->add_flag("--with-bundle", qr_options->with_bundle, "carry the proof bundle in the code (checks with no node)");
  qr->callback(context.action([&context, qr_options] { return write_qr(context, *qr_options); }));
  CLI::App* certificate = register_certificate_new(app, context);

  auto refresh_path = std::make_shared<std::string>();
  auto refresh_portal = std::make_shared<std::string>();
  CLI::App* refresh_command = certificate->add_subcommand(
      "refresh", "replace a certificate file's proof bundle with a fresh one from the node (the document stays)");
  refresh_command->add_option("CERT", *refresh_path, "certificate file")->required();
  refresh_command->add_option("--portal", *refresh_portal, "base URL of the verification page for its QR link");
  refresh_command->callback(context.action(
      [&context, refresh_path, refresh_portal] { return refresh(context, *refresh_path, *refresh_portal); }));

  auto anchor_height = std::make_shared<uint64_t>(1);
  auto anchor_out = std::make_shared<std::string>();
  CLI::App* anchor_group = app.add_subcommand("trust-anchor", "trust anchors verifiers pin (docs/verification.md)");
  anchor_group->require_subcommand(1);
  CLI::App* export_command = anchor_group->add_subcommand(
      "export", "write the anchor deciding --height, followed from --genesis with proofs (a checkpoint to publish)");
  export_command->add_option("--height", *anchor_height, "first height the anchor decides (default 1: the genesis)");
  export_command->add_option("--out", *anchor_out, "file to write (default: print)");
  export_command->callback(context.action(
      [&context, anchor_height, anchor_out] { return export_anchor(context, *anchor_height, *anchor_out); }));
}

}  // namespace govchain::cli
