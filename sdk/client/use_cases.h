// Typed client functions for the certificate use cases: identity
// attestations, landlord confirmations, dangerous-dog permits and
// street-music permits (docs/domain.md sections 1-4, docs/contracts.md section 9).
//
// Each action is encoded through the contract's ABI (client/abi.h): the
// arguments are given by name as JSON and the ABI alone decides their order
// and types, so nothing here repeats a contract's layout, and codes are
// checked before anything is sent (a reason that is not a code is refused
// with Code::invalid_argument). The ABI is the one deployed with the
// contract (fetch_abi, client/contracts.h) or, offline, the one the module
// carries (abi::module_abi). For each use case there are three layers, so a
// portal module takes what it needs:
//   prepare_*   builds the certificate file (document, fresh id and salt),
//               offline and pure;
//   *_action    builds the chain::Action of one contract method from the
//               contract's ABI, pure;
//   issue_* / submit_call  fetch the ABI from the node, sign, submit and wait
//               for the receipt.
// A receipt whose status is not ok comes back as its Status, with the
// contract's own abort message ("caller does not hold the required role in
// this municipality", "certificate already consumed", ...).
//
// Documents (the personal data) go only into the certificate file; the chain
// gets the commitment, ids, codes and dates (docs/certificates.md lists the
// document schemas).
//
// Ownership: all values belong to the caller; the Client and key pairs are
// only read. Thread-safety: pure functions are thread-safe; submitting two
// transactions of one key at once races for the nonce (one will fail with
// nonce_too_low), so serialise per key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain/tx.h"
#include "client/abi.h"
#include "client/certificate.h"
#include "client/client.h"
#include "client/tx_builder.h"
#include "crypto/schnorr.h"

namespace govchain::client {

// Contract names (as deployed by the dev chain) and certificate types.
namespace contract_names {
inline constexpr const char* identity = "identity";
inline constexpr const char* landlord = "landlord";
inline constexpr const char* dogpermit = "dogpermit";
inline constexpr const char* streetmusic = "streetmusic";
}  // namespace contract_names
namespace certificate_types {
inline constexpr const char* identity = "identity_attestation";
inline constexpr const char* landlord = "landlord_confirmation";
inline constexpr const char* dogpermit = "dog_permit";
inline constexpr const char* streetmusic = "street_music_permit";
}  // namespace certificate_types

struct SubmitOptions {
  uint64_t gas_limit = default_gas_limit;
  uint64_t wait_ms = 30000;  // until the transaction is committed
};

// Signs `action` with the key's next nonce, submits it and waits. Ok only
// when the receipt's status is ok; otherwise the receipt's status and message.
Result<chain::Receipt> submit_call(const Client& client, const crypto::KeyPair& key_pair, chain::Action action,
                                   const SubmitOptions& options);
// The same for an action that may have failed to build (its Status then).
Result<chain::Receipt> submit_call(const Client& client, const crypto::KeyPair& key_pair, Result<chain::Action> action,
                                   const SubmitOptions& options);

// The one municipality in which `account` holds `role` (proven state read);
// Code::not_found when none, Code::invalid_argument when several (then the
// caller must choose).
Result<std::string> municipality_of_role(const Client& client, const PublicKey& account, const std::string& role,
                                         const TrustOptions& trust);

// Issues a prepared certificate and keeps its file: writes `out_path` first
// (never overwriting; owner-only), so the holder's file exists even if the
// process dies after the chain commits, then submits `action`; removes the
// file again when the chain refuses.
Result<chain::Receipt> issue_to_file(const Client& client, const crypto::KeyPair& key_pair,
                                     const CertificateFile& certificate, chain::Action action,
                                     const std::string& out_path, const SubmitOptions& options);
// The same for an action that may have failed to build: nothing is written then.
Result<chain::Receipt> issue_to_file(const Client& client, const crypto::KeyPair& key_pair,
                                     const CertificateFile& certificate, Result<chain::Action> action,
                                     const std::string& out_path, const SubmitOptions& options);

// A certificate issued on the chain, and the file to hand to the holder.
struct Issued {
  CertificateFile certificate;
  chain::Receipt receipt;
};

// Actions common to certificate contracts with (id, reason) arguments:
// revoke, suspend, reinstate. `reason` must be a code ([a-z0-9_]{1,32}).
Result<chain::Action> reason_action(const abi::Abi& abi, const char* contract, const char* method, const Hash& id,
                                    const std::string& reason);

// Every *_action below also comes with a `const Client&` in place of the
// ABI: it fetches the deployed contract's ABI from the node first.
Result<chain::Action> reason_action(const Client& client, const char* contract, const char* method, const Hash& id,
                                    const std::string& reason);

// ---- Identity attestation (contract identity) -------------------------------------

inline constexpr const char* identity_rotation_tag = "govchain/identity/rotate";

struct IdentityAttestationRequest {
  std::string municipality;  // of the identity_office
  PublicKey subject;         // the attested key
  std::string level;         // basic, substantial or high
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;   // required by the contract
  Hash previous_id;             // zero: none (else continues a key chain after a lost key)
  std::string attributes_json;  // a JSON object: the identity attributes
};

// Document: {"attributes": <attributes>, "level": <level>}.
Result<CertificateFile> prepare_identity_attestation(const std::string& chain_id,
                                                     const IdentityAttestationRequest& request);
Result<chain::Action> identity_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                            const IdentityAttestationRequest& request);
Result<chain::Action> identity_issue_action(const Client& client, const CertificateFile& certificate,
                                            const IdentityAttestationRequest& request);
Result<Issued> attest_identity(const Client& client, const crypto::KeyPair& office,
                               const IdentityAttestationRequest& request, const SubmitOptions& options);
// What the new key signs to rotate: tagged_hash(rotate tag, id || new_id || new_subject).
Hash identity_rotation_message(const Hash& id, const Hash& new_id, const PublicKey& new_subject);
// The new attestation's file: same document and salt (the commitment is
// inherited by the contract), a fresh id.
CertificateFile prepare_key_rotation(const CertificateFile& old_certificate);
Result<chain::Action> identity_rotate_action(const abi::Abi& abi, const Hash& id, const Hash& new_id,
                                             const crypto::KeyPair& new_key);
Result<chain::Action> identity_rotate_action(const Client& client, const Hash& id, const Hash& new_id,
                                             const crypto::KeyPair& new_key);
// Signed by the holder's current key; the old attestation becomes revoked
// (key_rotated) and the returned file is the new key's attestation.
Result<Issued> rotate_identity_key(const Client& client, const crypto::KeyPair& holder,
                                   const CertificateFile& old_certificate, const crypto::KeyPair& new_key,
                                   const SubmitOptions& options);

// ---- Landlord confirmation (contract landlord) -------------------------------------

struct LandlordConfirmationRequest {
  std::string municipality;    // where the dwelling is
  std::string event;           // move_in or move_out
  std::string event_date;      // YYYY-MM-DD
  int64_t valid_until_ms = 0;  // 0: no end
  std::string dwelling_json;   // JSON object: landlord, owner, dwelling address, persons moving
};

// Document: {"dwelling": <dwelling>, "event": <event>, "event_date": <date>}.
Result<CertificateFile> prepare_landlord_confirmation(const std::string& chain_id,
                                                      const LandlordConfirmationRequest& request);
Result<chain::Action> landlord_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                            const LandlordConfirmationRequest& request);
Result<chain::Action> landlord_consume_action(const abi::Abi& abi, const Hash& id);
Result<chain::Action> landlord_issue_action(const Client& client, const CertificateFile& certificate,
                                            const LandlordConfirmationRequest& request);
Result<chain::Action> landlord_consume_action(const Client& client, const Hash& id);
Result<Issued> confirm_landlord_event(const Client& client, const crypto::KeyPair& landlord,
                                      const LandlordConfirmationRequest& request, const SubmitOptions& options);

// ---- Dangerous-dog permit (contract dogpermit) -------------------------------------

struct DogPermitRequest {
  std::string municipality;  // of the public_order_office
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;  // 0: no end
  int64_t insurance_valid_until_ms = 0;
  std::vector<std::string> conditions;  // codes, e.g. muzzle, lead
  std::string permit_json;              // JSON object: keeper, dog, insurance
};

// Document: {"conditions": [...], "permit": <permit>}.
Result<CertificateFile> prepare_dog_permit(const std::string& chain_id, const DogPermitRequest& request);
Result<chain::Action> dog_permit_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                              const DogPermitRequest& request);
Result<chain::Action> dog_permit_renew_insurance_action(const abi::Abi& abi, const Hash& id,
                                                        int64_t insurance_valid_until_ms);
// By the public_order_office of the keeper's new municipality, which proves
// with the commitment that it saw the permit file.
Result<chain::Action> dog_permit_transfer_action(const abi::Abi& abi, const CertificateFile& certificate,
                                                 const std::string& new_municipality);
Result<chain::Action> dog_permit_issue_action(const Client& client, const CertificateFile& certificate,
                                              const DogPermitRequest& request);
Result<chain::Action> dog_permit_renew_insurance_action(const Client& client, const Hash& id,
                                                        int64_t insurance_valid_until_ms);
Result<chain::Action> dog_permit_transfer_action(const Client& client, const CertificateFile& certificate,
                                                 const std::string& new_municipality);
Result<Issued> issue_dog_permit(const Client& client, const crypto::KeyPair& office, const DogPermitRequest& request,
                                const SubmitOptions& options);

// ---- Street-music permit (contract streetmusic) -------------------------------------

struct StreetMusicPermitRequest {
  std::string municipality;
  std::string zone;  // a zone code, e.g. markt or AC-ALTSTADT-03
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;  // required, at most 366 days after valid_from_ms
  std::vector<std::string> conditions;
  std::string musician_json;  // JSON object: the musician
};

// Document: {"conditions", "musician", "valid_from_ms", "valid_until_ms", "zone"}.
Result<CertificateFile> prepare_street_music_permit(const std::string& chain_id,
                                                    const StreetMusicPermitRequest& request);
Result<chain::Action> street_music_issue_action(const abi::Abi& abi, const CertificateFile& certificate,
                                                const StreetMusicPermitRequest& request);
Result<chain::Action> street_music_issue_action(const Client& client, const CertificateFile& certificate,
                                                const StreetMusicPermitRequest& request);
Result<Issued> issue_street_music_permit(const Client& client, const crypto::KeyPair& office,
                                         const StreetMusicPermitRequest& request, const SubmitOptions& options);

}  // namespace govchain::client
