// govchain identity attest --holder PUBKEY --level LEVEL --attributes FILE --out CERT --expires TIME
//                          [--valid-from TIME] [--municipality ID] [--previous-id HEX]
// govchain identity revoke CERT|ID --reason CODE
// govchain identity rotate CERT --new-key FILE --out NEWCERT
//
// Identity attestations (docs/domain.md section 4): an identity_office attests
// that a key belongs to a person or company it identified. The attributes
// (the personal data) go only into the certificate file; the chain gets the
// commitment, the key, the level and the dates. Signed with --key.
#include <iostream>

#include "certificate_bundle.h"
#include "client/local_time.h"
#include "client/use_cases.h"
#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

struct AttestOptions {
  std::string holder, level = "substantial", attributes_path, out_path, expires, valid_from, municipality, previous_id;
};

Result<client::IdentityAttestationRequest> attest_request(const Context& context, const Signer& signer,
                                                          const AttestOptions& options) {
  client::IdentityAttestationRequest request;
  GOVCHAIN_ASSIGN_OR_RETURN(request.subject, parse_account(options.holder));
  request.level = options.level;
  GOVCHAIN_ASSIGN_OR_RETURN(request.valid_until_ms, client::parse_end_time_ms(options.expires));
  if (!options.valid_from.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(request.valid_from_ms, client::parse_time_ms(options.valid_from));
  }
  if (!options.previous_id.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(request.previous_id, Hash::from_hex_string(options.previous_id));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(request.attributes_json, client::read_small_file(options.attributes_path, 1024 * 1024));
  request.municipality = options.municipality;
  if (request.municipality.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(client::TrustOptions trust, context.trust());
    GOVCHAIN_ASSIGN_OR_RETURN(
        request.municipality,
        client::municipality_of_role(signer.node, signer.key.key_pair.public_key, "identity_office", trust));
  }
  return request;
}

int attest(Context& context, const AttestOptions& options) {
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "identity attest");
  auto request = attest_request(context, *signer, options);
  if (!request.ok()) return context.fail(request.status(), "identity attest: reading the input");
  auto status = signer->node.status();
  if (!status.ok()) return context.fail(status.status(), "identity attest: asking the node");
  auto certificate = client::prepare_identity_attestation(status->chain_id, *request);
  if (!certificate.ok()) return context.fail(certificate.status(), "identity attest: the attributes file");
  Status checked = check_before_issue(*certificate, {{"--expires", request->valid_until_ms}}, false);
  if (!checked.ok()) return context.fail(checked, "identity attest: nothing was sent");
  auto receipt =
      client::issue_to_file(signer->node, signer->key.key_pair, *certificate,
                            client::identity_issue_action(signer->node, *certificate, *request), options.out_path, signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "identity attest refused");
  std::string bundle_note;
  const std::string qr = finish_issuance(context, signer->node, *certificate, options.out_path, bundle_note);
  json machine = {{"action", "identity.attest"},
                  {"id", certificate->id.hex()},
                  {"holder", request->subject.hex()},
                  {"level", request->level},
                  {"municipality", request->municipality},
                  {"valid_until_ms", request->valid_until_ms},
                  {"certificate_file", options.out_path},
                  {"qr", qr},
                  {"height", receipt->height},
                  {"tx_hash", receipt->tx_hash.hex()}};
  std::string human = "Identity attestation " + certificate->id.hex() + " issued in block " +
                      std::to_string(receipt->height) + ": " + request->municipality + " attests that key " +
                      request->subject.hex() + " belongs to the person in the attributes, at level " + request->level +
                      ", until " + client::format_time_local(request->valid_until_ms) + ".\nThe certificate file " +
                      options.out_path +
                      " holds the attributes and the salt: give it to the holder. The chain holds only the "
                      "commitment." +
                      bundle_note + "\nQR text: " + qr + "\n";
  return context.emit(machine, human);
}

int revoke(Context& context, const std::string& certificate_text, const std::string& reason) {
  return send_reason_change(
      context, {client::contract_names::identity, "revoke", certificate_text, reason, "Identity attestation", "revoked",
                " From now on it verifies as INVALID, and the key no longer counts as "
                "identified."});
}

int rotate(Context& context, const std::string& certificate_path, const std::string& new_key_path,
           const std::string& out_path) {
  auto old_certificate = client::read_certificate_file(certificate_path);
  if (!old_certificate.ok()) return context.fail(old_certificate.status(), "identity rotate: reading the certificate");
  client::KeyLoadOptions load_options;
  load_options.allow_dev_keys = context.dev_keys_allowed();
  auto new_key = client::load_key_file(new_key_path, load_options);
  if (!new_key.ok()) return context.fail(new_key.status(), "identity rotate: loading --new-key");
  auto signer = open_signer(context);
  if (!signer.ok()) return context.fail(signer.status(), "identity rotate");
  client::CertificateFile rotated = client::prepare_key_rotation(*old_certificate);
  auto receipt = client::issue_to_file(
      signer->node, signer->key.key_pair, rotated,
      client::identity_rotate_action(signer->node, old_certificate->id, rotated.id, new_key->key_pair), out_path,
      signer->submit);
  if (!receipt.ok()) return context.fail(receipt.status(), "identity rotate refused");
  json machine = {{"action", "identity.rotate"},  {"old_id", old_certificate->id.hex()},
                  {"id", rotated.id.hex()},       {"new_key", new_key->key_pair.public_key.hex()},
                  {"certificate_file", out_path}, {"qr", client::reference_to_text(client::reference_of(rotated))},
                  {"height", receipt->height},    {"tx_hash", receipt->tx_hash.hex()}};
  return context.emit(machine, "Key rotated in block " + std::to_string(receipt->height) + ": attestation " +
                                   old_certificate->id.hex() + " is revoked (key_rotated) and the new key " +
                                   new_key->key_pair.public_key.hex() + " is attested by " + rotated.id.hex() +
                                   " with the same level, attributes and expiry.\nNew certificate file: " + out_path);
}

void add_attest(CLI::App& identity, Context& context) {
  auto options = std::make_shared<AttestOptions>();
  CLI::App* command =
      identity.add_subcommand("attest", "attest that a key belongs to an identified person (identity_office)");
  command->add_option("--holder", options->holder, "the holder's public key (64 hex digits) or key file")->required();
  command->add_option("--level", options->level, "basic, substantial or high (eIDAS)")->capture_default_str();
  command->add_option("--attributes", options->attributes_path, "JSON file with the identity attributes")->required();
  command->add_option("--out", options->out_path, "where to write the certificate file for the holder")->required();
  command->add_option("--expires", options->expires, "expiry: ISO 8601 time or ms since 1970")->required();
  command->add_option("--valid-from", options->valid_from, "start of validity (default: 0, at once)");
  command->add_option("--municipality", options->municipality, "default: where the --key holds identity_office");
  command->add_option("--previous-id", options->previous_id, "attestation this one replaces (lost key)");
  command->callback(context.action([&context, options] { return attest(context, *options); }));
}

}  // namespace

void register_identity_commands(CLI::App& app, Context& context) {
  CLI::App* identity = app.add_subcommand("identity", "identity attestations of keys (docs/domain.md section 4)");
  identity->require_subcommand(1);
  add_attest(*identity, context);

  auto certificate = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  CLI::App* revoke_command =
      identity->add_subcommand("revoke", "revoke an attestation (the holder, or the identity_office)");
  revoke_command->add_option("CERT", *certificate, "certificate file or id (64 hex digits)")->required();
  revoke_command->add_option("--reason", *reason, "reason code, e.g. key_lost")->required();
  revoke_command->callback(
      context.action([&context, certificate, reason] { return revoke(context, *certificate, *reason); }));

  auto old_path = std::make_shared<std::string>();
  auto new_key = std::make_shared<std::string>();
  auto out_path = std::make_shared<std::string>();
  CLI::App* rotate_command =
      identity->add_subcommand("rotate", "move an attestation to a new key (signed by the current key, --key)");
  rotate_command->add_option("CERT", *old_path, "the current attestation's certificate file")->required();
  rotate_command->add_option("--new-key", *new_key, "key file of the new key (it signs the rotation too)")->required();
  rotate_command->add_option("--out", *out_path, "where to write the new certificate file")->required();
  rotate_command->callback(context.action(
      [&context, old_path, new_key, out_path] { return rotate(context, *old_path, *new_key, *out_path); }));
}

}  // namespace govchain::cli
