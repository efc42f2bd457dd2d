// govchain streetmusic issue --zone ZONE --musician FILE --out CERT
//                            (--date YYYY-MM-DD --window HH:MM-HH:MM [--utc-offset +01:00]
//                             | --valid-from TIME --valid-until TIME)
//                            [--condition CODE]... [--municipality ID]
// govchain streetmusic revoke CERT|ID --reason CODE
//
// Street-music permits (docs/domain.md section 3) by the public_order_office
// (--key): a zone, a time window and condition codes on the chain; the
// musician's details only in the certificate file. `govchain verify CERT
// --zone ZONE` answers "valid here and now?".
#include <iostream>

#include "certificate_bundle.h"
#include "client/local_time.h"
#include "client/use_cases.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct IssueOptions {
  std::string zone, musician_path, out_path, date, window, utc_offset, valid_from, valid_until, municipality;
  std::vector<std::string> conditions;
  bool force = false;
};

// --date and --window "HH:MM-HH:MM" in Europe/Berlin local time (or at
// --utc-offset when given), or --valid-from/--valid-until. The window must
// end after it starts on that day.
Status read_window(const IssueOptions& options, client::StreetMusicPermitRequest& request) {
  if (!options.date.empty() || !options.window.empty()) {
    size_t dash = options.window.find('-');
    if (options.date.empty() || dash == std::string::npos)
      return error(Code::invalid_argument, "give --date YYYY-MM-DD together with --window HH:MM-HH:MM");
    const std::string start = options.date + "T" + options.window.substr(0, dash) + options.utc_offset;
    const std::string end = options.date + "T" + options.window.substr(dash + 1) + options.utc_offset;
    GOVCHAIN_ASSIGN_OR_RETURN(request.valid_from_ms, client::parse_time_ms(start));
    GOVCHAIN_ASSIGN_OR_RETURN(request.valid_until_ms, client::parse_time_ms(end));
    if (request.valid_until_ms <= request.valid_from_ms)
      return error(Code::invalid_argument, "--window must end after it starts on --date (e.g. 14:00-18:00)");
    return Status();
  }
  if (options.valid_from.empty() || options.valid_until.empty())
    return error(Code::invalid_argument,
                 "a street-music permit needs a time window: --date and --window, or --valid-from and --valid-until");
  GOVCHAIN_ASSIGN_OR_RETURN(request.valid_from_ms, client::parse_time_ms(options.valid_from));
  GOVCHAIN_ASSIGN_OR_RETURN(request.valid_until_ms, client::parse_end_time_ms(options.valid_until));
  return Status();
}

Result<client::StreetMusicPermitRequest> issue_request(const Context& context, const Signer& signer,
                                                       const IssueOptions& options) {
  client::StreetMusicPermitRequest request;
  request.zone = options.zone;
  request.conditions = options.conditions;
  GOVCHAIN_TRY(read_window(options, request));
  GOVCHAIN_ASSIGN_OR_RETURN(request.musician_json, client::read_small_file(options.musician_path, 1024 * 1024));
  request.municipality = options.municipality;
  if (request.municipality.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(client::TrustOptions trust, context.trust());
    GOVCHAIN_ASSIGN_OR_RETURN(
        request.municipality,
        client::municipality_of_role(signer.node, signer.key.key_pair.public_key, "public_order_office", trust));
  }
  return request;
}

int issue(Context& context, const IssueOptions& options) {
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "streetmusic issue");
  auto request = issue_request(context, *signer, options);
  if (!request.ok()) return context.fail(request.status(), "streetmusic issue: reading the input");
  auto status = signer->node.status();
  if (!status.ok()) return context.fail(status.status(), "streetmusic issue: asking the node");
  auto certificate = client::prepare_street_music_permit(status->chain_id, *request);
  if (!certificate.ok()) return context.fail(certificate.status(), "streetmusic issue: the musician file");
  Status checked = check_before_issue(*certificate, {{"the window's end", request->valid_until_ms}}, options.force);
  if (!checked.ok()) return context.fail(checked, "streetmusic issue: nothing was sent");
  auto receipt = client::issue_to_file(signer->node, signer->key.key_pair, *certificate,
                                       client::street_music_issue_action(signer->node, *certificate, *request),
                                       options.out_path, signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "streetmusic issue refused");
  std::string bundle_note;
  const std::string qr = finish_issuance(context, signer->node, *certificate, options.out_path, bundle_note);
  json machine = {{"action", "streetmusic.issue"},
                  {"id", certificate->id.hex()},
                  {"municipality", request->municipality},
                  {"zone", request->zone},
                  {"valid_from_ms", request->valid_from_ms},
                  {"valid_until_ms", request->valid_until_ms},
                  {"conditions", request->conditions},
                  {"certificate_file", options.out_path},
                  {"qr", qr},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  std::string conditions;
  for (const auto& condition : request->conditions) conditions += (conditions.empty() ? "" : ", ") + condition;
  return context.emit(machine, "Street-music permit " + certificate->id.hex() + " issued by " + request->municipality +
                                   " in block " + std::to_string(receipt->height) + ": zone " + request->zone +
                                   ", from " + client::format_time_local(request->valid_from_ms) + " until " +
                                   client::format_time_local(request->valid_until_ms) +
                                   (conditions.empty() ? "" : ", conditions: " + conditions) +
                                   ".\nGive the certificate file " + options.out_path +
                                   " (or its QR code) to the musician." + bundle_note + "\nQR text: " + qr + "\n");
}

int revoke(Context& context, const std::string& certificate_text, const std::string& reason) {
  return send_reason_change(context, {client::contract_names::streetmusic, "revoke", certificate_text, reason,
                                      "Street-music permit", "revoked", " Officers checking it now see INVALID."});
}

void add_issue(CLI::App& streetmusic, Context& context) {
  auto options = std::make_shared<IssueOptions>();
  CLI::App* command = streetmusic.add_subcommand("issue", "issue a street-music permit (public_order_office)");
  command->add_option("--zone", options->zone, "zone code, e.g. markt or AC-ALTSTADT-03")->required();
  command->add_option("--musician", options->musician_path, "JSON file: the musician (docs/certificates.md)")
      ->required();
  command->add_option("--out", options->out_path, "where to write the certificate file for the musician")->required();
  command->add_option("--date", options->date, "day of the permit, YYYY-MM-DD (with --window)");
  command->add_option("--window", options->window, "time window on --date, HH:MM-HH:MM, local time in Europe/Berlin");
  command->add_option("--utc-offset", options->utc_offset,
                      "give --window's times at this offset instead of Europe/Berlin local time, e.g. +01:00");
  command->add_option("--valid-from", options->valid_from,
                      "start (ISO 8601, local time unless an offset is given, or ms), instead of --date/--window");
  command->add_option("--valid-until", options->valid_until,
                      "end (as --valid-from; a date alone: the end of that day), instead of --date/--window");
  command->add_flag("--force", options->force, "issue even when the window has already ended");
  command->add_option("--condition", options->conditions, "condition code, repeatable (no_amplifier, ...)");
  command->add_option("--municipality", options->municipality, "default: where --key holds public_order_office");
  command->callback(context.action([&context, options] { return issue(context, *options); }));
}

}  // namespace

void register_streetmusic_commands(CLI::App& app, Context& context) {
  CLI::App* streetmusic =
      app.add_subcommand("streetmusic", "street-music permits for a zone and time (docs/domain.md 3)");
  streetmusic->require_subcommand(1);
  add_issue(*streetmusic, context);
  auto certificate = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  CLI::App* revoke_command = streetmusic->add_subcommand("revoke", "revoke a permit, e.g. after complaints");
  revoke_command->add_option("CERT", *certificate, "certificate file or id (64 hex digits)")->required();
  revoke_command->add_option("--reason", *reason, "reason code, e.g. complaints")->required();
  revoke_command->callback(
      context.action([&context, certificate, reason] { return revoke(context, *certificate, *reason); }));
}

}  // namespace govchain::cli
