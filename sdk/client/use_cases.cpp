#include "client/use_cases.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "codec/codec.h"
#include "crypto/hash.h"

namespace govchain::client {

namespace {

using json = nlohmann::json;

// Parses a caller's JSON object input (checked by canonical_json first).
Result<json> input_object(const std::string& text, const char* what) {
  auto canonical = canonical_json(text);
  if (!canonical.ok()) return canonical.status().with_context(what);
  return json::parse(*canonical);
}

void write_codes(codec::Writer& writer, const std::vector<std::string>& codes) {
  writer.count(codes.size());
  for (const auto& code : codes) writer.text(code);
}

chain::Action call(const char* contract, const char* method, codec::Writer& arguments) {
  return contract_call_action(contract, method, arguments.take());
}

// Reads the chain id, then prepares, submits and returns the certificate.
template <typename Request, typename Prepare, typename MakeAction>
Result<Issued> issue_with(const Client& client, const crypto::KeyPair& key_pair, const Request& request,
                          const SubmitOptions& options, Prepare prepare, MakeAction make_action) {
  GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus status, client.status());
  GOVCHAIN_ASSIGN_OR_RETURN(CertificateFile certificate, prepare(status.chain_id, request));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt,
                            submit_call(client, key_pair, make_action(certificate, request), options));
  return Issued{std::move(certificate), std::move(receipt)};
}

}  // namespace

Result<chain::Receipt> submit_call(const Client& client, const crypto::KeyPair& key_pair, chain::Action action,
                                   const SubmitOptions& options) {
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Tx tx, client.prepare_tx(key_pair, std::move(action), options.gas_limit));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, client.submit_and_wait(tx, options.wait_ms));
  if (receipt.status != Code::ok)
    return error(receipt.status,
                 receipt.message.empty() ? "the transaction failed without a message" : receipt.message);
  return receipt;
}

Result<std::string> municipality_of_role(const Client& client, const PublicKey& account, const std::string& role,
                                         const TrustOptions& trust) {
  GOVCHAIN_ASSIGN_OR_RETURN(ProvenRoles roles, client.roles(account, trust));
  std::vector<std::string> found;
  for (const auto& entry : roles.roles)
    if (entry.role == role) found.push_back(entry.municipality);
  if (found.empty())
    return error(Code::not_found, "key " + account.hex() + " holds the role " + role + " in no municipality");
  if (found.size() > 1)
    return error(Code::invalid_argument, "key " + account.hex() + " holds the role " + role +
                                             " in several municipalities; choose one with --municipality");
  return found.front();
}

Result<chain::Receipt> issue_to_file(const Client& client, const crypto::KeyPair& key_pair,
                                     const CertificateFile& certificate, chain::Action action,
                                     const std::string& out_path, const SubmitOptions& options) {
  GOVCHAIN_TRY(write_certificate_file(out_path, certificate));
  auto receipt = submit_call(client, key_pair, std::move(action), options);
  // Only a refusal by the chain is final; on a timeout the transaction may
  // still commit, so the file stays.
  if (!receipt.ok() && receipt.status().code() != Code::timeout) std::remove(out_path.c_str());
  return receipt;
}

chain::Action reason_action(const char* contract, const char* method, const Hash& id, const std::string& reason) {
  codec::Writer arguments;
  arguments.fixed(id);
  arguments.text(reason);
  return call(contract, method, arguments);
}

// ---- Identity ------------------------------------------------------------------------

Result<CertificateFile> prepare_identity_attestation(const std::string& chain_id,
                                                     const IdentityAttestationRequest& request) {
  GOVCHAIN_ASSIGN_OR_RETURN(json attributes, input_object(request.attributes_json, "identity attributes"));
  json document = {{"attributes", attributes}, {"level", request.level}};
  return new_certificate(certificate_types::identity, contract_names::identity, chain_id, request.municipality,
                         document.dump());
}

chain::Action identity_issue_action(const CertificateFile& certificate, const IdentityAttestationRequest& request) {
  codec::Writer arguments;
  arguments.fixed(certificate.id);
  arguments.text(request.municipality);
  arguments.fixed(request.subject);
  arguments.text(request.level);
  arguments.fixed(certificate.commitment());
  arguments.i64(request.valid_from_ms);
  arguments.i64(request.valid_until_ms);
  arguments.fixed(request.previous_id);
  return call(contract_names::identity, "issue", arguments);
}

Result<Issued> attest_identity(const Client& client, const crypto::KeyPair& office,
                               const IdentityAttestationRequest& request, const SubmitOptions& options) {
  return issue_with(client, office, request, options, prepare_identity_attestation, identity_issue_action);
}

Hash identity_rotation_message(const Hash& id, const Hash& new_id, const PublicKey& new_subject) {
  codec::Writer message;
  message.fixed(id);
  message.fixed(new_id);
  message.fixed(new_subject);
  return crypto::tagged_hash(identity_rotation_tag, message.data());
}

CertificateFile prepare_key_rotation(const CertificateFile& old_certificate) {
  CertificateFile rotated = old_certificate;
  rotated.id = crypto::random_32();
  return rotated;
}

chain::Action identity_rotate_action(const Hash& id, const Hash& new_id, const crypto::KeyPair& new_key) {
  const Hash message = identity_rotation_message(id, new_id, new_key.public_key);
  codec::Writer arguments;
  arguments.fixed(id);
  arguments.fixed(new_id);
  arguments.fixed(new_key.public_key);
  arguments.fixed(crypto::sign(new_key.secret, message.view()));
  return call(contract_names::identity, "rotate_key", arguments);
}

Result<Issued> rotate_identity_key(const Client& client, const crypto::KeyPair& holder,
                                   const CertificateFile& old_certificate, const crypto::KeyPair& new_key,
                                   const SubmitOptions& options) {
  CertificateFile rotated = prepare_key_rotation(old_certificate);
  GOVCHAIN_ASSIGN_OR_RETURN(
      chain::Receipt receipt,
      submit_call(client, holder, identity_rotate_action(old_certificate.id, rotated.id, new_key), options));
  return Issued{std::move(rotated), std::move(receipt)};
}

// ---- Landlord ------------------------------------------------------------------------

Result<CertificateFile> prepare_landlord_confirmation(const std::string& chain_id,
                                                      const LandlordConfirmationRequest& request) {
  GOVCHAIN_ASSIGN_OR_RETURN(json dwelling, input_object(request.dwelling_json, "dwelling"));
  json document = {{"dwelling", dwelling}, {"event", request.event}, {"event_date", request.event_date}};
  return new_certificate(certificate_types::landlord, contract_names::landlord, chain_id, request.municipality,
                         document.dump());
}

chain::Action landlord_issue_action(const CertificateFile& certificate, const LandlordConfirmationRequest& request) {
  codec::Writer arguments;
  arguments.fixed(certificate.id);
  arguments.text(request.municipality);
  arguments.fixed(certificate.commitment());
  arguments.text(request.event);
  arguments.text(request.event_date);
  arguments.i64(request.valid_until_ms);
  return call(contract_names::landlord, "issue", arguments);
}

chain::Action landlord_consume_action(const Hash& id) {
  codec::Writer arguments;
  arguments.fixed(id);
  return call(contract_names::landlord, "consume", arguments);
}

Result<Issued> confirm_landlord_event(const Client& client, const crypto::KeyPair& landlord,
                                      const LandlordConfirmationRequest& request, const SubmitOptions& options) {
  return issue_with(client, landlord, request, options, prepare_landlord_confirmation, landlord_issue_action);
}

// ---- Dog permit ----------------------------------------------------------------------

Result<CertificateFile> prepare_dog_permit(const std::string& chain_id, const DogPermitRequest& request) {
  GOVCHAIN_ASSIGN_OR_RETURN(json permit, input_object(request.permit_json, "dog permit"));
  json document = {{"conditions", request.conditions}, {"permit", permit}};
  return new_certificate(certificate_types::dogpermit, contract_names::dogpermit, chain_id, request.municipality,
                         document.dump());
}

chain::Action dog_permit_issue_action(const CertificateFile& certificate, const DogPermitRequest& request) {
  codec::Writer arguments;
  arguments.fixed(certificate.id);
  arguments.text(request.municipality);
  arguments.fixed(certificate.commitment());
  arguments.i64(request.valid_from_ms);
  arguments.i64(request.valid_until_ms);
  arguments.i64(request.insurance_valid_until_ms);
  write_codes(arguments, request.conditions);
  return call(contract_names::dogpermit, "issue", arguments);
}

chain::Action dog_permit_renew_insurance_action(const Hash& id, int64_t insurance_valid_until_ms) {
  codec::Writer arguments;
  arguments.fixed(id);
  arguments.i64(insurance_valid_until_ms);
  return call(contract_names::dogpermit, "renew_insurance", arguments);
}

chain::Action dog_permit_transfer_action(const CertificateFile& certificate, const std::string& new_municipality) {
  codec::Writer arguments;
  arguments.fixed(certificate.id);
  arguments.text(new_municipality);
  arguments.fixed(certificate.commitment());
  return call(contract_names::dogpermit, "transfer", arguments);
}

Result<Issued> issue_dog_permit(const Client& client, const crypto::KeyPair& office, const DogPermitRequest& request,
                                const SubmitOptions& options) {
  return issue_with(client, office, request, options, prepare_dog_permit, dog_permit_issue_action);
}

// ---- Street music --------------------------------------------------------------------

Result<CertificateFile> prepare_street_music_permit(const std::string& chain_id,
                                                    const StreetMusicPermitRequest& request) {
  GOVCHAIN_ASSIGN_OR_RETURN(json musician, input_object(request.musician_json, "musician"));
  json document = {{"conditions", request.conditions},
                   {"musician", musician},
                   {"valid_from_ms", request.valid_from_ms},
                   {"valid_until_ms", request.valid_until_ms},
                   {"zone", request.zone}};
  return new_certificate(certificate_types::streetmusic, contract_names::streetmusic, chain_id, request.municipality,
                         document.dump());
}

chain::Action street_music_issue_action(const CertificateFile& certificate, const StreetMusicPermitRequest& request) {
  codec::Writer arguments;
  arguments.fixed(certificate.id);
  arguments.text(request.municipality);
  arguments.fixed(certificate.commitment());
  arguments.text(request.zone);
  arguments.i64(request.valid_from_ms);
  arguments.i64(request.valid_until_ms);
  write_codes(arguments, request.conditions);
  return call(contract_names::streetmusic, "issue", arguments);
}

Result<Issued> issue_street_music_permit(const Client& client, const crypto::KeyPair& office,
                                         const StreetMusicPermitRequest& request, const SubmitOptions& options) {
  return issue_with(client, office, request, options, prepare_street_music_permit, street_music_issue_action);
}

}  // namespace govchain::client
