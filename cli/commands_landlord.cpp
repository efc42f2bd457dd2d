// govchain landlord confirm --event move-in|move-out --date YYYY-MM-DD --dwelling FILE --out CERT
//                           [--municipality ID] [--valid-until TIME]
// govchain landlord consume CERT|ID            (registration office)
// govchain landlord revoke CERT|ID --reason CODE  (the landlord, before consumption)
//
// The Wohnungsgeberbestaetigung of §19 BMG (docs/domain.md section 1). The landlord
// signs with --key and needs an identity attestation of level substantial or
// high; the tenant gets the certificate file; the registration office of the
// dwelling's municipality consumes it once.
#include <iostream>

#include "certificate_bundle.h"
#include "client/use_cases.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct ConfirmOptions {
  std::string event, date, dwelling_path, out_path, municipality, valid_until;
};

// "move-in" and "move_in" both name the event; the contract wants move_in.
std::string event_code(std::string event) {
  for (char& character : event)
    if (character == '-') character = '_';
  return event;
}

// The dwelling's municipality: --municipality, else the dwelling file's
// "municipality" member.
Result<std::string> dwelling_municipality(const ConfirmOptions& options, const std::string& dwelling_json) {
  if (!options.municipality.empty()) return options.municipality;
  auto dwelling = json::parse(dwelling_json, nullptr, false);
  if (dwelling.is_object() && dwelling.contains("municipality") && dwelling["municipality"].is_string())
    return dwelling["municipality"].get<std::string>();
  return error(Code::invalid_argument,
               "give the dwelling's municipality with --municipality ID or as \"municipality\" in the dwelling file");
}

Result<client::LandlordConfirmationRequest> confirm_request(const ConfirmOptions& options) {
  client::LandlordConfirmationRequest request;
  request.event = event_code(options.event);
  request.event_date = options.date;
  GOVCHAIN_ASSIGN_OR_RETURN(request.dwelling_json, client::read_small_file(options.dwelling_path, 1024 * 1024));
  GOVCHAIN_ASSIGN_OR_RETURN(request.municipality, dwelling_municipality(options, request.dwelling_json));
  if (!options.valid_until.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(request.valid_until_ms, client::parse_end_time_ms(options.valid_until));
  }
  return request;
}

int confirm(Context& context, const ConfirmOptions& options) {
  auto request = confirm_request(options);
  if (!request.ok()) return context.fail(request.status(), "landlord confirm: reading the input");
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "landlord confirm");
  auto status = signer->node.status();
  if (!status.ok()) return context.fail(status.status(), "landlord confirm: asking the node");
  auto certificate = client::prepare_landlord_confirmation(status->chain_id, *request);
  if (!certificate.ok()) return context.fail(certificate.status(), "landlord confirm: the dwelling file");
  Status checked = check_before_issue(*certificate, {{"--valid-until", request->valid_until_ms}}, false);
  if (!checked.ok()) return context.fail(checked, "landlord confirm: nothing was sent");
  auto receipt =
      client::issue_to_file(signer->node, signer->key.key_pair, *certificate,
                            client::landlord_issue_action(signer->node, *certificate, *request), options.out_path, signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "landlord confirm refused");
  std::string bundle_note;
  const std::string qr = finish_issuance(context, signer->node, *certificate, options.out_path, bundle_note);
  json machine = {{"action", "landlord.confirm"},
                  {"id", certificate->id.hex()},
                  {"event", request->event},
                  {"event_date", request->event_date},
                  {"municipality", request->municipality},
                  {"certificate_file", options.out_path},
                  {"qr", qr},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, "Landlord confirmation " + certificate->id.hex() + " issued in block " +
                                   std::to_string(receipt->height) + ": " + request->event + " on " +
                                   request->event_date + " into a dwelling in " + request->municipality +
                                   ", signed by your identified key.\nGive the certificate file " + options.out_path +
                                   " (or its QR code) to the person moving; they show it at the registration "
                                   "office, which marks it used." +
                                   bundle_note + "\nQR text: " + qr + "\n");
}

int consume(Context& context, const std::string& certificate_text) {
  auto id = client::certificate_id_from(certificate_text);
  if (!id.ok()) return context.fail(id.status(), "landlord consume: reading the certificate");
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "landlord consume");
  auto receipt = client::submit_call(signer->node, signer->key.key_pair,
                                     client::landlord_consume_action(signer->node, *id), signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "landlord consume refused");
  json machine = {{"action", "landlord.consume"},
                  {"id", id->hex()},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, "Landlord confirmation " + id->hex() + " registered and marked used in block " +
                                   std::to_string(receipt->height) +
                                   " (reason code registered). It cannot be used for another registration.");
}

int revoke(Context& context, const std::string& certificate_text, const std::string& reason) {
  return send_reason_change(context, {client::contract_names::landlord, "revoke", certificate_text, reason,
                                      "Landlord confirmation", "revoked", " Registration offices will refuse it."});
}

void add_confirm(CLI::App& landlord, Context& context) {
  auto options = std::make_shared<ConfirmOptions>();
  CLI::App* command = landlord.add_subcommand("confirm", "confirm a move-in or move-out (signed by the landlord)");
  command->add_option("--event", options->event, "move-in or move-out")->required();
  command->add_option("--date", options->date, "date of the move, YYYY-MM-DD")->required();
  command
      ->add_option("--dwelling", options->dwelling_path,
                   "JSON file: landlord, owner, dwelling address, persons moving (docs/certificates.md)")
      ->required();
  command->add_option("--out", options->out_path, "where to write the certificate file for the tenant")->required();
  command->add_option("--municipality", options->municipality,
                      "the dwelling's municipality (default: \"municipality\" in the dwelling file)");
  command->add_option("--valid-until", options->valid_until, "optional end of validity (ISO 8601 or ms)");
  command->callback(context.action([&context, options] { return confirm(context, *options); }));
}

}  // namespace

void register_landlord_commands(CLI::App& app, Context& context) {
  CLI::App* landlord =
      app.add_subcommand("landlord", "landlord confirmations of a move (Wohnungsgeberbestaetigung, docs/domain.md 1)");
  landlord->require_subcommand(1);
  add_confirm(*landlord, context);

  auto consumed = std::make_shared<std::string>();
  CLI::App* consume_command =
      landlord->add_subcommand("consume", "register the move and mark the confirmation used (registration office)");
  consume_command->add_option("CERT", *consumed, "certificate file or id (64 hex digits)")->required();
  consume_command->callback(context.action([&context, consumed] { return consume(context, *consumed); }));

  auto revoked = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  CLI::App* revoke_command =
      landlord->add_subcommand("revoke", "withdraw a confirmation before it is used (the issuing landlord)");
  revoke_command->add_option("CERT", *revoked, "certificate file or id (64 hex digits)")->required();
  revoke_command->add_option("--reason", *reason, "reason code, e.g. wrong_date")->required();
  revoke_command->callback(context.action([&context, revoked, reason] { return revoke(context, *revoked, *reason); }));
}

}  // namespace govchain::cli
