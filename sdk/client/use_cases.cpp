#include "client/use_cases.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "client/contracts.h"
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

// The call `contract.method(arguments)`, encoded by the contract's ABI:
// the argument names, order and types (codes checked) are the ABI's only.
Result<chain::Action> encode_call(const abi::Abi& abi, const char* contract, const char* method,
                                  const json& arguments) {
  GOVCHAIN_ASSIGN_OR_RETURN(const abi::Method* found, abi::method_of(abi, method));
  auto encoded = abi::encode_arguments(abi, *found, arguments);
  if (!encoded.ok()) return encoded.status().with_context(std::string(contract) + "." + method);
  return contract_call_action(contract, method, std::move(*encoded));
}

// `make_action(abi, arguments...)` with the ABI of `contract` from the node.
template <typename MakeAction, typename... Arguments>
Result<chain::Action> with_deployed_abi(const Client& client, const char* contract, MakeAction make_action,
                                        const Arguments&... arguments) {
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi abi, fetch_abi(client, contract));
  return make_action(abi, arguments...);
}

// Reads the chain id and the contract's ABI, then prepares, submits and
// returns the certificate.
template <typename Request, typename Prepare>
Result<Issued> issue_with(const Client& client, const crypto::KeyPair& key_pair, const char* contract,
                          const Request& request, const SubmitOptions& options, Prepare prepare,
                          Result<chain::Action> (*make_action)(const abi::Abi&, const CertificateFile&,
                                                               const Request&)) {
  GOVCHAIN_ASSIGN_OR_RETURN(NodeStatus status, client.status());
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi abi, fetch_abi(client, contract));
  GOVCHAIN_ASSIGN_OR_RETURN(CertificateFile certificate, prepare(status.chain_id, request));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Action action, make_action(abi, certificate, request));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, submit_call(client, key_pair, std::move(action), options));
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

Result<chain::Receipt> submit_call(const Client& client, const crypto::KeyPair& key_pair,
                                   Result<chain::Action> action, const SubmitOptions& options) {
  if (!action.ok()) return action.status();
  return submit_call(client, key_pair, std::move(*action), options);
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

Result<chain::Receipt> issue_to_file(const Client& client, const crypto::KeyPair& key_pair,
                                     const CertificateFile& certificate, Result<chain::Action> action,
                                     const std::string& out_path, const SubmitOptions& options) {
  if (!action.ok()) return action.status();
  return issue_to_file(client, key_pair, certificate, std::move(*action), out_path, options);
}

Result<chain::Action> reason_action(const abi::Abi& abi, const char* contract, const char* method, const Hash& id,
                                    const std::string& reason) {
  return encode_call(abi, contract, method, {{"id", id.hex()}, {"reason", reason}});
}

Result<chain::Action> reason_action(const Client& client, const char* contract, const char* method, const Hash& id,
                                    const std::string& reason) {
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi abi, fetch_abi(client, contract));
  return reason_action(abi, contract, method, id, reason);
}

// ---- Identity ------------------------------------------------------------------------

Result<CertificateFile> prepare_identity_attestation(const std::string& chain_id,
                                                     const IdentityAttestationRequest& request) {
  GOVCHAIN_ASSIGN_OR_RETURN(json attributes, input_object(request.attributes_json, "identity attributes"));
  json document = {{"attributes", attributes}, {"level", request.level}};
  return new_certificate(certificate_types::identity, contract_names::identity, chain_id, request.municipality,
                         document.dump());
}

Result<chain::Action> identity_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                            const IdentityAttestationRequest& request) {
  return encode_call(abi, contract_names::identity, "issue",
                     {{"id", certificate.id.hex()},
                      {"municipality", request.municipality},
                      {"subject", request.subject.hex()},
                      {"level", request.level},
                      {"commitment", certificate.commitment().hex()},
                      {"valid_from_ms", request.valid_from_ms},
                      {"valid_until_ms", request.valid_until_ms},
                      {"previous_id", request.previous_id.hex()}});
}

Result<Issued> attest_identity(const Client& client, const crypto::KeyPair& office,
                               const IdentityAttestationRequest& request, const SubmitOptions& options) {
  return issue_with(client, office, contract_names::identity, request, options, prepare_identity_attestation,
                    identity_issue_action);
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

Result<chain::Action> identity_rotate_action(const abi::Abi& abi, const Hash& id, const Hash& new_id,
                                             const crypto::KeyPair& new_key) {
  const Hash message = identity_rotation_message(id, new_id, new_key.public_key);
  return encode_call(abi, contract_names::identity, "rotate_key",
                     {{"id", id.hex()},
                      {"new_id", new_id.hex()},
                      {"new_subject", new_key.public_key.hex()},
                      {"signature", crypto::sign(new_key.secret, message.view()).hex()}});
}

Result<Issued> rotate_identity_key(const Client& client, const crypto::KeyPair& holder,
                                   const CertificateFile& old_certificate, const crypto::KeyPair& new_key,
                                   const SubmitOptions& options) {
  CertificateFile rotated = prepare_key_rotation(old_certificate);
  GOVCHAIN_ASSIGN_OR_RETURN(abi::Abi abi, fetch_abi(client, contract_names::identity));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Action action, identity_rotate_action(abi, old_certificate.id, rotated.id, new_key));
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Receipt receipt, submit_call(client, holder, std::move(action), options));
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

Result<chain::Action> landlord_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                            const LandlordConfirmationRequest& request) {
  return encode_call(abi, contract_names::landlord, "issue",
                     {{"id", certificate.id.hex()},
                      {"municipality", request.municipality},
                      {"commitment", certificate.commitment().hex()},
                      {"event", request.event},
                      {"event_date", request.event_date},
                      {"valid_until_ms", request.valid_until_ms}});
}

Result<chain::Action> landlord_consume_action(const abi::Abi& abi, const Hash& id) {
  return encode_call(abi, contract_names::landlord, "consume", {{"id", id.hex()}});
}

Result<Issued> confirm_landlord_event(const Client& client, const crypto::KeyPair& landlord,
                                      const LandlordConfirmationRequest& request, const SubmitOptions& options) {
  return issue_with(client, landlord, contract_names::landlord, request, options, prepare_landlord_confirmation,
                    landlord_issue_action);
}

// ---- Dog permit ----------------------------------------------------------------------

Result<CertificateFile> prepare_dog_permit(const std::string& chain_id, const DogPermitRequest& request) {
  GOVCHAIN_ASSIGN_OR_RETURN(json permit, input_object(request.permit_json, "dog permit"));
  json document = {{"conditions", request.conditions}, {"permit", permit}};
  return new_certificate(certificate_types::dogpermit, contract_names::dogpermit, chain_id, request.municipality,
                         document.dump());
}

Result<chain::Action> dog_permit_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                              const DogPermitRequest& request) {
  return encode_call(abi, contract_names::dogpermit, "issue",
                     {{"id", certificate.id.hex()},
                      {"municipality", request.municipality},
                      {"commitment", certificate.commitment().hex()},
                      {"valid_from_ms", request.valid_from_ms},
                      {"valid_until_ms", request.valid_until_ms},
                      {"insurance_valid_until_ms", request.insurance_valid_until_ms},
                      {"conditions", request.conditions}});
}

Result<chain::Action> dog_permit_renew_insurance_action(const abi::Abi& abi, const Hash& id,
                                                        int64_t insurance_valid_until_ms) {
  return encode_call(abi, contract_names::dogpermit, "renew_insurance",
                     {{"id", id.hex()}, {"insurance_valid_until_ms", insurance_valid_until_ms}});
}

Result<chain::Action> dog_permit_transfer_action(const abi::Abi& abi, const CertificateFile& certificate,
                                                 const std::string& new_municipality) {
  return encode_call(abi, contract_names::dogpermit, "transfer",
                     {{"id", certificate.id.hex()},
                      {"municipality", new_municipality},
                      {"commitment", certificate.commitment().hex()}});
}

Result<Issued> issue_dog_permit(const Client& client, const crypto::KeyPair& office, const DogPermitRequest& request,
                                const SubmitOptions& options) {
  return issue_with(client, office, contract_names::dogpermit, request, options, prepare_dog_permit,
                    dog_permit_issue_action);
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

Result<chain::Action> street_music_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                                const StreetMusicPermitRequest& request) {
  return encode_call(abi, contract_names::streetmusic, "issue",
                     {{"id", certificate.id.hex()},
                      {"municipality", request.municipality},
                      {"commitment", certificate.commitment().hex()},
                      {"zone", request.zone},
                      {"valid_from_ms", request.valid_from_ms},
                      {"valid_until_ms", request.valid_until_ms},
                      {"conditions", request.conditions}});
}

Result<Issued> issue_street_music_permit(const Client& client, const crypto::KeyPair& office,
                                         const StreetMusicPermitRequest& request, const SubmitOptions& options) {
  return issue_with(client, office, contract_names::streetmusic, request, options, prepare_street_music_permit,
                    street_music_issue_action);
}

// ---- The same actions with the ABI fetched from the node ----------------------------

Result<chain::Action> identity_issue_action(const Client& client, const CertificateFile& certificate,
                                            const IdentityAttestationRequest& request) {
  Result<chain::Action> (*make)(const abi::Abi&, const CertificateFile&, const IdentityAttestationRequest&) =
      identity_issue_action;
  return with_deployed_abi(client, contract_names::identity, make, certificate, request);
}

Result<chain::Action> identity_rotate_action(const Client& client, const Hash& id, const Hash& new_id,
                                             const crypto::KeyPair& new_key) {
  Result<chain::Action> (*make)(const abi::Abi&, const Hash&, const Hash&, const crypto::KeyPair&) =
      identity_rotate_action;
  return with_deployed_abi(client, contract_names::identity, make, id, new_id, new_key);
}

Result<chain::Action> landlord_issue_action(const Client& client, const CertificateFile& certificate,
                                            const LandlordConfirmationRequest& request) {
  Result<chain::Action> (*make)(const abi::Abi&, const CertificateFile&, const LandlordConfirmationRequest&) =
      landlord_issue_action;
  return with_deployed_abi(client, contract_names::landlord, make, certificate, request);
}

Result<chain::Action> landlord_consume_action(const Client& client, const Hash& id) {
  Result<chain::Action> (*make)(const abi::Abi&, const Hash&) = landlord_consume_action;
  return with_deployed_abi(client, contract_names::landlord, make, id);
}

Result<chain::Action> dog_permit_issue_action(const Client& client, const CertificateFile& certificate,
                                              const DogPermitRequest& request) {
  Result<chain::Action> (*make)(const abi::Abi&, const CertificateFile&, const DogPermitRequest&) =
      dog_permit_issue_action;
  return with_deployed_abi(client, contract_names::dogpermit, make, certificate, request);
}

Result<chain::Action> dog_permit_renew_insurance_action(const Client& client, const Hash& id,
                                                        int64_t insurance_valid_until_ms) {
  Result<chain::Action> (*make)(const abi::Abi&, const Hash&, int64_t) = dog_permit_renew_insurance_action;
  return with_deployed_abi(client, contract_names::dogpermit, make, id, insurance_valid_until_ms);
}

Result<chain::Action> dog_permit_transfer_action(const Client& client, const CertificateFile& certificate,
                                                 const std::string& new_municipality) {
  Result<chain::Action> (*make)(const abi::Abi&, const CertificateFile&, const std::string&) =
      dog_permit_transfer_action;
  return with_deployed_abi(client, contract_names::dogpermit, make, certificate, new_municipality);
}

Result<chain::Action> street_music_issue_action(const Client& client, const CertificateFile& certificate,
                                                const StreetMusicPermitRequest& request) {
  Result<chain::Action> (*make)(const abi::Abi&, const CertificateFile&, const StreetMusicPermitRequest&) =
      street_music_issue_action;
  return with_deployed_abi(client, contract_names::streetmusic, make, certificate, request);
}

}  // namespace govchain::client
