// govchain dogpermit issue --permit FILE --insurance-until TIME --out CERT
//                          [--condition CODE]... [--valid-from TIME] [--valid-until TIME] [--municipality ID]
// govchain dogpermit suspend|reinstate|revoke CERT|ID --reason CODE
// govchain dogpermit renew-insurance CERT|ID --insurance-until TIME
// govchain dogpermit transfer CERT --to MUNICIPALITY
//
// The dangerous-dog permit of the Landeshundegesetz NRW (docs/domain.md section 2),
// by the public_order_office (--key). Keeper, dog and insurance details go only
// into the certificate file; the chain gets condition codes and the insurance
// end date. A transfer is signed by the office of the keeper's new
// municipality and needs the permit file (its commitment proves it saw it).
#include <iostream>

#include "certificate_bundle.h"
#include "client/local_time.h"
#include "client/use_cases.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct IssueOptions {
  std::string permit_path, insurance_until, out_path, valid_from, valid_until, municipality;
  std::vector<std::string> conditions;
  bool force = false;
};

Result<client::DogPermitRequest> issue_request(const Context& context, const Signer& signer,
                                               const IssueOptions& options) {
  client::DogPermitRequest request;
  request.conditions = options.conditions;
  GOVCHAIN_ASSIGN_OR_RETURN(request.insurance_valid_until_ms, client::parse_end_time_ms(options.insurance_until));
  if (!options.valid_from.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(request.valid_from_ms, client::parse_time_ms(options.valid_from));
  }
  if (!options.valid_until.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(request.valid_until_ms, client::parse_end_time_ms(options.valid_until));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(request.permit_json, client::read_small_file(options.permit_path, 1024 * 1024));
  request.municipality = options.municipality;
  if (request.municipality.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(client::TrustOptions trust, context.trust());
    GOVCHAIN_ASSIGN_OR_RETURN(
        request.municipality,
        client::municipality_of_role(signer.node, signer.key.key_pair.public_key, "public_order_office", trust));
  }
  return request;
}

std::string conditions_text(const std::vector<std::string>& conditions) {
  if (conditions.empty()) return "no conditions";
  std::string text = "conditions";
  for (const auto& condition : conditions) text += " " + condition;
  return text;
}

int issue(Context& context, const IssueOptions& options) {
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "dogpermit issue");
  auto request = issue_request(context, *signer, options);
  if (!request.ok()) return context.fail(request.status(), "dogpermit issue: reading the input");
  auto status = signer->node.status();
  if (!status.ok()) return context.fail(status.status(), "dogpermit issue: asking the node");
  auto certificate = client::prepare_dog_permit(status->chain_id, *request);
  if (!certificate.ok()) return context.fail(certificate.status(), "dogpermit issue: the permit file");
  Status checked = check_before_issue(
      *certificate,
      {{"--insurance-until", request->insurance_valid_until_ms}, {"--valid-until", request->valid_until_ms}},
      options.force);
  if (!checked.ok()) return context.fail(checked, "dogpermit issue: nothing was sent");
  auto receipt =
      client::issue_to_file(signer->node, signer->key.key_pair, *certificate,
                            client::dog_permit_issue_action(signer->node, *certificate, *request), options.out_path, signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "dogpermit issue refused");
  std::string bundle_note;
  const std::string qr = finish_issuance(context, signer->node, *certificate, options.out_path, bundle_note);
  json machine = {{"action", "dogpermit.issue"},
                  {"id", certificate->id.hex()},
                  {"municipality", request->municipality},
                  {"conditions", request->conditions},
                  {"insurance_valid_until_ms", request->insurance_valid_until_ms},
                  {"certificate_file", options.out_path},
                  {"qr", qr},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, "Dangerous-dog permit " + certificate->id.hex() + " issued by " + request->municipality +
                                   " in block " + std::to_string(receipt->height) + " with " +
                                   conditions_text(request->conditions) + "; valid while the insurance runs (until " +
                                   client::format_time_local(request->insurance_valid_until_ms) +
                                   ").\nGive the certificate file " + options.out_path +
                                   " to the keeper, who carries it (or its QR code) when walking the dog." +
                                   bundle_note + "\nQR text: " + qr + "\n");
}

// suspend, reinstate, revoke: (id, reason) by the controlling office.
int change_status(Context& context, const char* method, const char* done, const std::string& certificate_text,
                  const std::string& reason) {
  return send_reason_change(
      context, {client::contract_names::dogpermit, method, certificate_text, reason, "Dangerous-dog permit", done, ""});
}

int renew_insurance(Context& context, const std::string& certificate_text, const std::string& until) {
  auto id = client::certificate_id_from(certificate_text);
  if (!id.ok()) return context.fail(id.status(), "dogpermit renew-insurance: reading the certificate");
  auto until_ms = client::parse_end_time_ms(until);
  if (!until_ms.ok()) return context.fail(until_ms.status(), "dogpermit renew-insurance: --insurance-until");
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "dogpermit renew-insurance");
  auto receipt =
      client::submit_call(signer->node, signer->key.key_pair,
                          client::dog_permit_renew_insurance_action(signer->node, *id, *until_ms), signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "dogpermit renew-insurance refused");
  json machine = {{"action", "dogpermit.renew_insurance"},
                  {"id", id->hex()},
                  {"insurance_valid_until_ms", *until_ms},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, "Insurance of dangerous-dog permit " + id->hex() + " recorded until " +
                                   client::format_time_local(*until_ms) + " in block " +
                                   std::to_string(receipt->height) + " (history: insurance_renewed).");
}

int transfer(Context& context, const std::string& certificate_path, const std::string& municipality) {
  auto certificate = client::read_certificate_file(certificate_path);
  if (!certificate.ok()) return context.fail(certificate.status(), "dogpermit transfer: reading the permit file");
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "dogpermit transfer");
  auto receipt =
      client::submit_call(signer->node, signer->key.key_pair,
                          client::dog_permit_transfer_action(signer->node, *certificate, municipality), signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "dogpermit transfer refused");
  json machine = {{"action", "dogpermit.transfer"},
                  {"id", certificate->id.hex()},
                  {"municipality", municipality},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, "Dangerous-dog permit " + certificate->id.hex() + " taken over by " + municipality +
                                   " in block " + std::to_string(receipt->height) +
                                   " (reason code keeper_moved); the previous office can no longer change it.");
}

void add_issue(CLI::App& dogpermit, Context& context) {
  auto options = std::make_shared<IssueOptions>();
  CLI::App* command = dogpermit.add_subcommand("issue", "issue a dangerous-dog permit (public_order_office)");
  command->add_option("--permit", options->permit_path, "JSON file: keeper, dog, insurance (docs/certificates.md)")
      ->required();
  command
      ->add_option("--insurance-until", options->insurance_until,
                   "end of the liability insurance (ISO 8601 or ms; a date alone: the end of that day, "
                   "Europe/Berlin)")
      ->required();
  command->add_option("--out", options->out_path, "where to write the certificate file for the keeper")->required();
  command->add_option("--condition", options->conditions, "condition code, repeatable (muzzle, lead, ...)");
  command->add_option("--valid-from", options->valid_from, "start of validity (default: at once)");
  command->add_option("--valid-until", options->valid_until,
                      "end of validity (default: none; a date alone: the end of that day, Europe/Berlin)");
  command->add_option("--municipality", options->municipality, "default: where --key holds public_order_office");
  command->add_flag("--force", options->force, "issue even when the insurance or the validity has already ended");
  command->callback(context.action([&context, options] { return issue(context, *options); }));
}

void add_status_change(CLI::App& dogpermit, Context& context, const char* method, const char* done,
                       const char* description, const char* example_reason) {
  auto certificate = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  CLI::App* command = dogpermit.add_subcommand(method, description);
  command->add_option("CERT", *certificate, "certificate file or id (64 hex digits)")->required();
  command->add_option("--reason", *reason, std::string("reason code, e.g. ") + example_reason)->required();
  command->callback(context.action([&context, certificate, reason, method, done] {
    return change_status(context, method, done, *certificate, *reason);
  }));
}

}  // namespace

void register_dogpermit_commands(CLI::App& app, Context& context) {
  CLI::App* dogpermit = app.add_subcommand("dogpermit", "dangerous-dog permits (LHundG NRW, docs/domain.md 2)");
  dogpermit->require_subcommand(1);
  add_issue(*dogpermit, context);
  add_status_change(*dogpermit, context, "suspend", "suspended", "suspend a permit (controlling office)",
                    "insurance_lapsed");
  add_status_change(*dogpermit, context, "reinstate", "reinstated", "reinstate a suspended permit",
                    "insurance_renewed");
  add_status_change(*dogpermit, context, "revoke", "revoked", "revoke a permit for good", "keeper_unreliable");

  auto renewed = std::make_shared<std::string>();
  auto until = std::make_shared<std::string>();
  CLI::App* renew = dogpermit->add_subcommand("renew-insurance", "record renewed liability insurance");
  renew->add_option("CERT", *renewed, "certificate file or id (64 hex digits)")->required();
  renew->add_option("--insurance-until", *until, "new end of the insurance (ISO 8601 or ms)")->required();
  renew->callback(context.action([&context, renewed, until] { return renew_insurance(context, *renewed, *until); }));

  auto moved = std::make_shared<std::string>();
  auto target = std::make_shared<std::string>();
  CLI::App* transfer_command = dogpermit->add_subcommand(
      "transfer", "take a permit over after the keeper moved (office of the new municipality)");
  transfer_command->add_option("CERT", *moved, "the permit's certificate file (shown by the keeper)")->required();
  transfer_command->add_option("--to", *target, "the new municipality (where --key holds public_order_office)")
      ->required();
  transfer_command->callback(context.action([&context, moved, target] { return transfer(context, *moved, *target); }));
}

}  // namespace govchain::cli
