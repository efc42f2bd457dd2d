// govchain verify CERT [--at TIME] [--zone ZONE]
// govchain verify --qr TEXT [--at TIME] [--zone ZONE]
// govchain qr CERT [--png FILE] [--svg FILE]
// govchain certificate new --contract NAME --municipality ID --document FILE --out CERT
//
// Verification of any certificate that follows the common lifecycle: the
// contract named in the file (or QR text) answers with its own `verify` and
// `certificate` queries; the client adds the commitment computed from the
// file's document and salt. Prints VALID or INVALID with the reason and the
// certificate's history; exit code 0 only when valid. Needs no key.
// `certificate new` writes the file of a new certificate for any contract
// with the common lifecycle (fresh id and salt, the contract's certificate
// type from its ABI), so that a new use case can be issued with the generic
// `contract call` and checked with `verify` (docs/new-use-case.md).
#include <iostream>
#include <sstream>

#include "client/certificate.h"
#include "client/contracts.h"
#include "client/qr.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct VerifyOptions {
  std::string certificate_path, qr_text, at, zone;
};

json history_json(const client::CertificateRecord& record) {
  json history = json::array();
  for (const auto& entry : record.history)
    history.push_back({{"height", entry.height},
                       {"time_ms", entry.time_ms},
                       {"time", client::format_time_utc(entry.time_ms)},
                       {"actor", entry.actor.hex()},
                       {"municipality", entry.municipality},
                       {"status", entry.status},
                       {"reason", entry.reason}});
  return history;
}

json report_json(const Context& context, const client::VerificationReport& report,
                 const client::CertificateReference& reference) {
  const client::ContractVerdict& answer = report.answer;
  json machine = {{"valid", report.valid},
                  {"verdict", answer.verdict},
                  {"reason", answer.reason},
                  {"explanation", report.explanation},
                  {"status", answer.status},
                  {"at_time_ms", answer.at_time_ms},
                  {"at_time", client::format_time_utc(answer.at_time_ms)},
                  {"checked_document", report.checked_document},
                  {"chain_id", reference.chain_id},
                  {"contract", reference.contract},
                  {"id", reference.id.hex()},
                  {"commitment", reference.commitment.hex()},
                  {"type", answer.type},
                  {"proof", context.proof_json(report.proof)}};
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
  return "from " + client::format_time_utc(record.valid_from_ms) + " until " +
         (record.valid_until_ms == 0 ? std::string("(no end)") : client::format_time_utc(record.valid_until_ms));
}

std::string report_text(const Context& context, const client::VerificationReport& report,
                        const client::CertificateReference& reference) {
  std::ostringstream text;
  text << (report.valid ? "VALID" : "INVALID (" + report.answer.verdict + ")") << ": " << report.explanation << ".\n";
  text << "  certificate " << reference.id.hex() << " in contract " << reference.contract << " on chain "
       << reference.chain_id << ", asked about " << client::format_time_utc(report.answer.at_time_ms) << "\n";
  text << "  "
       << (report.checked_document ? "document and salt of the file checked against the on-chain commitment"
                                   : "status checked by id and commitment only (QR code; the document was not "
                                     "shown)")
       << "\n";
  text << "  the contract's answer agrees with the record read with a state proof ("
       << (report.proof.value ? "present" : "proven absent") << "): " << context.describe_proof(report.proof) << "\n";
  if (!report.record) return text.str();
  const auto& record = *report.record;
  text << "  type " << record.type << ", issued by " << record.issuer.hex() << " for " << record.issuer_municipality
       << " (authority " << record.authority << ", checked at issuance: " << (record.issuer_authorized ? "yes" : "no")
       << ")\n";
  text << "  controlling municipality " << record.municipality << ", valid " << window_text(record) << ", status now "
       << record.status << ", status at that time " << report.answer.status << "\n";
  text << "history (block, time, status after, reason code, actor, municipality):\n";
  for (const auto& entry : record.history)
    text << "  " << entry.height << "  " << client::format_time_utc(entry.time_ms) << "  " << entry.status << "  "
         << entry.reason << "  " << entry.actor.hex() << "  " << entry.municipality << "\n";
  return text.str();
}

int verify(Context& context, const VerifyOptions& options) {
  if (options.certificate_path.empty() == options.qr_text.empty())
    return context.fail(error(Code::invalid_argument, "give either a certificate file or --qr TEXT"), "verify");
  client::VerifyOptions verify_options;
  verify_options.zone = options.zone;
  auto trust = context.trust();
  if (!trust.ok()) return context.fail(trust.status(), "verify: reading --genesis");
  verify_options.trust = *trust;
  if (!options.at.empty()) {
    auto at = client::parse_time_ms(options.at);
    if (!at.ok()) return context.fail(at.status(), "verify: reading --at");
    verify_options.at_time_ms = *at;
  }
  auto node = context.client();
  if (!node.ok()) return context.fail(node.status(), "verify: connecting");
  Result<client::VerificationReport> report = error(Code::internal, "not verified");
  client::CertificateReference reference;
  if (!options.certificate_path.empty()) {
    auto certificate = client::read_certificate_file(options.certificate_path);
    if (!certificate.ok()) return context.fail(certificate.status(), "verify: reading the certificate file");
    reference = client::reference_of(*certificate);
    report = client::verify_certificate(*node, *certificate, verify_options);
  } else {
    auto parsed = client::reference_from_text(options.qr_text);
    if (!parsed.ok()) return context.fail(parsed.status(), "verify: reading the QR text");
    reference = *parsed;
    report = client::verify_reference(*node, reference, verify_options);
  }
  if (!report.ok()) return context.fail(report.status(), "verify");
  context.emit(report_json(context, *report, reference), report_text(context, *report, reference));
  return report->valid ? exit_ok : exit_failure;
}

int write_qr(Context& context, const std::string& certificate_path, const std::string& png_path,
             const std::string& svg_path) {
  auto certificate = client::read_certificate_file(certificate_path);
  if (!certificate.ok()) return context.fail(certificate.status(), "qr: reading the certificate file");
  const std::string text = client::reference_to_text(client::reference_of(*certificate));
  std::string human = "QR text (status check without the document): " + text;
  for (const auto& path : {png_path, svg_path}) {
    if (path.empty()) continue;
    Status written = client::write_qr_file(path, text);
    if (!written.ok()) return context.fail(written, "qr: writing the image");
    human += "\nwrote " + path;
  }
  json machine = {{"qr", text}, {"png", png_path}, {"svg", svg_path}};
  return context.emit(machine, human);
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

void register_certificate_new(CLI::App& app, Context& context) {
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
}

}  // namespace

void register_verify_commands(CLI::App& app, Context& context) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* verify_command = app.add_subcommand(
      "verify", "check a certificate file (or a QR text): VALID or INVALID with the reason and its history");
  verify_command->add_option("CERT", options->certificate_path, "certificate file");
  verify_command->add_option("--qr", options->qr_text, "QR text govchain:1:... instead of a file (status only)");
  verify_command->add_option("--at", options->at, "answer for this moment (ISO 8601 or ms); default: now");
  verify_command->add_option("--zone", options->zone, "street music: the zone the musician plays in");
  verify_command->callback(context.action([&context, options] { return verify(context, *options); }));

  auto certificate = std::make_shared<std::string>();
  auto png = std::make_shared<std::string>();
  auto svg = std::make_shared<std::string>();
  CLI::App* qr = app.add_subcommand("qr", "print a certificate's QR text and write it as PNG or SVG");
  qr->add_option("CERT", *certificate, "certificate file")->required();
  qr->add_option("--png", *png, "write the QR code as a PNG image");
  qr->add_option("--svg", *svg, "write the QR code as an SVG image");
  qr->callback(
      context.action([&context, certificate, png, svg] { return write_qr(context, *certificate, *png, *svg); }));
  register_certificate_new(app, context);
}

}  // namespace govchain::cli
