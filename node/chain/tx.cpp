#include "chain/tx.h"

#include <algorithm>

#include "chain/text.h"
#include "codec/codec.h"
#include "crypto/hash.h"
#include "crypto/schnorr.h"

namespace govchain::chain {

namespace {

enum class ActionKind : uint8_t {
  role_grant = 1,
  role_revoke = 2,
  contract_deploy = 3,
  contract_call = 4,
  evidence_report = 5,
  validator_proposal = 6,
  validator_vote = 7,
  contract_proposal = 8,
  contract_vote = 9
};

void write_action(codec::Writer& writer, const Action& action) {
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, RoleGrant> || std::is_same_v<T, RoleRevoke>) {
          writer.u8(
              static_cast<uint8_t>(std::is_same_v<T, RoleGrant> ? ActionKind::role_grant : ActionKind::role_revoke));
          writer.text(value.municipality);
          writer.text(value.role);
          writer.fixed(value.account);
        } else if constexpr (std::is_same_v<T, ContractDeploy>) {
          writer.u8(static_cast<uint8_t>(ActionKind::contract_deploy));
          writer.text(value.name);
          writer.text(value.municipality);
          writer.bytes(value.code);
          writer.text(value.abi_json);
        } else if constexpr (std::is_same_v<T, EvidenceReport>) {
          writer.u8(static_cast<uint8_t>(ActionKind::evidence_report));
          writer.bytes(value.evidence);
        } else if constexpr (std::is_same_v<T, ValidatorProposal>) {
          writer.u8(static_cast<uint8_t>(ActionKind::validator_proposal));
          writer.u8(static_cast<uint8_t>(value.kind));
          writer.text(value.municipality);
          writer.text(value.name);
          writer.fixed(value.admin);
          writer.fixed(value.validator);
        } else if constexpr (std::is_same_v<T, ValidatorVote> || std::is_same_v<T, ContractVote>) {
          writer.u8(static_cast<uint8_t>(std::is_same_v<T, ValidatorVote> ? ActionKind::validator_vote
                                                                          : ActionKind::contract_vote));
          writer.u64(value.proposal_id);
          writer.u8(value.approve ? 1 : 0);
        } else if constexpr (std::is_same_v<T, ContractProposal>) {
          writer.u8(static_cast<uint8_t>(ActionKind::contract_proposal));
          writer.u8(static_cast<uint8_t>(value.kind));
          writer.text(value.contract);
          writer.bytes(value.code);
          writer.text(value.abi_json);
          writer.text(value.owner);
        } else {
          writer.u8(static_cast<uint8_t>(ActionKind::contract_call));
          writer.text(value.contract);
          writer.text(value.method);
          writer.bytes(value.arguments);
        }
      },
      action);
}

template <typename T>
Result<Action> read_role_change(codec::Reader& reader) {
  T change;
  auto municipality = reader.text(name_size_bytes_max);
  if (!municipality.ok()) return municipality.status();
  auto role = reader.text(name_size_bytes_max);
  if (!role.ok()) return role.status();
  auto account = reader.fixed<32>();
  if (!account.ok()) return account.status();
  change.municipality = *municipality;
  change.role = *role;
  change.account = *account;
  return Action(change);
}

Result<Action> read_deploy(codec::Reader& reader) {
  ContractDeploy deploy;
  auto name = reader.text(name_size_bytes_max);
  if (!name.ok()) return name.status();
  auto municipality = reader.text(name_size_bytes_max);
  if (!municipality.ok()) return municipality.status();
  auto code = reader.bytes(limits::tx_payload_size_bytes_max);
  if (!code.ok()) return code.status();
  auto abi = reader.text(abi_size_bytes_max);
  if (!abi.ok()) return abi.status();
  deploy.name = *name;
  deploy.municipality = *municipality;
  deploy.code = std::move(*code);
  deploy.abi_json = std::move(*abi);
  return Action(std::move(deploy));
}

Result<Action> read_call(codec::Reader& reader) {
  ContractCall call;
  auto contract = reader.text(name_size_bytes_max);
  if (!contract.ok()) return contract.status();
  auto method = reader.text(name_size_bytes_max);
  if (!method.ok()) return method.status();
  auto arguments = reader.bytes(limits::tx_payload_size_bytes_max);
  if (!arguments.ok()) return arguments.status();
  call.contract = *contract;
  call.method = *method;
  call.arguments = std::move(*arguments);
  return Action(std::move(call));
}

Result<Action> read_evidence_report(codec::Reader& reader) {
  auto evidence = reader.bytes(evidence_size_bytes_max);
  if (!evidence.ok()) return evidence.status();
  return Action(EvidenceReport{std::move(*evidence)});
}

Result<Action> read_validator_proposal(codec::Reader& reader) {
  ValidatorProposal proposal;
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t kind, reader.u8());
  if (kind != static_cast<uint8_t>(ValidatorChangeKind::add) &&
      kind != static_cast<uint8_t>(ValidatorChangeKind::remove))
    return error(Code::malformed, "unknown validator change kind " + std::to_string(kind));
  proposal.kind = static_cast<ValidatorChangeKind>(kind);
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.municipality, reader.text(name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.name, reader.text(municipality_name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.admin, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.validator, reader.fixed<32>());
  return Action(std::move(proposal));
}

template <typename T>
Result<Action> read_vote(codec::Reader& reader) {
  T vote;
  GOVCHAIN_ASSIGN_OR_RETURN(vote.proposal_id, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t approve, reader.u8());
  if (approve > 1) return error(Code::malformed, "a vote's approval flag must be 0 or 1");
  vote.approve = approve == 1;
  return Action(vote);
}

Result<Action> read_contract_proposal(codec::Reader& reader) {
  ContractProposal proposal;
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t kind, reader.u8());
  if (kind < static_cast<uint8_t>(ContractChangeKind::deploy) || kind > static_cast<uint8_t>(ContractChangeKind::owner))
    return error(Code::malformed, "unknown contract change kind " + std::to_string(kind));
  proposal.kind = static_cast<ContractChangeKind>(kind);
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.contract, reader.text(name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.code, reader.bytes(limits::tx_payload_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.abi_json, reader.text(abi_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(proposal.owner, reader.text(name_size_bytes_max));
  return Action(std::move(proposal));
}

Result<Action> read_action(codec::Reader& reader) {
  auto kind = reader.u8();
  if (!kind.ok()) return kind.status();
  switch (static_cast<ActionKind>(*kind)) {
    case ActionKind::role_grant:
      return read_role_change<RoleGrant>(reader);
    case ActionKind::role_revoke:
      return read_role_change<RoleRevoke>(reader);
    case ActionKind::contract_deploy:
      return read_deploy(reader);
    case ActionKind::contract_call:
      return read_call(reader);
    case ActionKind::evidence_report:
      return read_evidence_report(reader);
    case ActionKind::validator_proposal:
      return read_validator_proposal(reader);
    case ActionKind::validator_vote:
      return read_vote<ValidatorVote>(reader);
    case ActionKind::contract_proposal:
      return read_contract_proposal(reader);
    case ActionKind::contract_vote:
      return read_vote<ContractVote>(reader);
  }
  return error(Code::malformed, "unknown action kind " + std::to_string(*kind));
}

void write_body(codec::Writer& writer, const Tx& tx) {
  writer.u8(codec::format_version);
  writer.text(tx.chain_id);
  writer.fixed(tx.sender);
  writer.u64(tx.nonce);
  writer.u64(tx.gas_limit);
  write_action(writer, tx.action);
}

}  // namespace

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > name_size_bytes_max) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

std::string_view validator_change_kind_name(ValidatorChangeKind kind) {
  return kind == ValidatorChangeKind::add ? "add" : "remove";
}

std::string_view contract_change_kind_name(ContractChangeKind kind) {
  switch (kind) {
    case ContractChangeKind::deploy:
      return "deploy";
    case ContractChangeKind::upgrade:
      return "upgrade";
    case ContractChangeKind::owner:
      return "owner";
  }
  return "unknown";
}

const std::vector<std::string>& known_roles() {
  static const std::vector<std::string> roles = {"registration_office", "public_order_office", "identity_office",
                                                 "archive"};
  return roles;
}

bool is_known_role(std::string_view role) {
  const auto& roles = known_roles();
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string_view action_name(const Action& action) {
  switch (action.index()) {
    case 0:
      return "role_grant";
    case 1:
      return "role_revoke";
    case 2:
      return "contract_deploy";
    case 3:
      return "contract_call";
    case 4:
      return "evidence_report";
    case 5:
      return "validator_proposal";
    case 6:
      return "validator_vote";
    case 7:
      return "contract_proposal";
    default:
      return "contract_vote";
  }
}

Bytes encode_tx_body(const Tx& tx) {
  codec::Writer writer;
  write_body(writer, tx);
  return writer.take();
}

Bytes encode_tx(const Tx& tx) {
  codec::Writer writer;
  write_body(writer, tx);
  writer.fixed(tx.signature);
  return writer.take();
}

Bytes encode_action(const Action& action) {
  codec::Writer writer;
  write_action(writer, action);
  return writer.take();
}

Result<Action> decode_action(ByteView bytes) {
  codec::Reader reader(bytes);
  auto action = read_action(reader);
  if (!action.ok()) return action.status();
  GOVCHAIN_TRY(reader.finish());
  return action;
}

Result<Tx> decode_tx(ByteView bytes) {
  if (bytes.size() > limits::tx_size_bytes_max)
    return error(Code::too_large, "transaction has " + std::to_string(bytes.size()) + " bytes, limit is " +
                                      std::to_string(limits::tx_size_bytes_max));
  codec::Reader reader(bytes);
  auto version = reader.u8();
  if (!version.ok()) return version.status();
  if (*version != codec::format_version)
    return error(Code::malformed, "unsupported transaction format version " + std::to_string(*version));
  Tx tx;
  auto chain_id = reader.text(chain_id_size_bytes_max);
  if (!chain_id.ok()) return chain_id.status().with_context("chain id");
  auto sender = reader.fixed<32>();
  if (!sender.ok()) return sender.status().with_context("sender");
  auto nonce = reader.u64();
  if (!nonce.ok()) return nonce.status().with_context("nonce");
  auto gas_limit = reader.u64();
  if (!gas_limit.ok()) return gas_limit.status().with_context("gas limit");
  auto action = read_action(reader);
  if (!action.ok()) return action.status().with_context("action");
  auto signature = reader.fixed<64>();
  if (!signature.ok()) return signature.status().with_context("signature");
  GOVCHAIN_TRY(reader.finish());
  tx.chain_id = std::move(*chain_id);
  tx.sender = *sender;
  tx.nonce = *nonce;
  tx.gas_limit = *gas_limit;
  tx.action = std::move(*action);
  tx.signature = *signature;
  return tx;
}

Hash tx_hash(const Tx& tx) { return crypto::tagged_hash(crypto::tags::tx, encode_tx_body(tx)); }

void sign_tx(Tx& tx, const crypto::SecretKey& secret) { tx.signature = crypto::sign(secret, tx_hash(tx).view()); }

static Status check_validator_proposal(const ValidatorProposal& proposal) {
  if (!is_valid_name(proposal.municipality))
    return error(Code::invalid, "municipality id must be 1-64 characters of a-z, 0-9, '-', '_', '.'");
  if (proposal.kind == ValidatorChangeKind::remove) {
    if (!proposal.name.empty() || !proposal.admin.is_zero() || !proposal.validator.is_zero())
      return error(Code::invalid, "a proposal to remove a validator names only the municipality");
    return Status();
  }
  if (proposal.validator.is_zero()) return error(Code::invalid, "a proposal to add a validator needs its node key");
  if (proposal.name.empty() != proposal.admin.is_zero())
    return error(Code::invalid,
                 "a new member needs both a display name and an admin account; "
                 "an existing member needs neither");
  return Status();
}

// Modules are stored in chunks up to this size (node/execution/
// contract_store.h); the decoder bounds it too, this says so for
// transactions built in memory.
static Status check_code_size(const Bytes& code) {
  if (code.size() > limits::tx_payload_size_bytes_max)
    return error(Code::too_large, "contract code has " + std::to_string(code.size()) + " bytes, limit is " +
                                      std::to_string(limits::tx_payload_size_bytes_max));
  return Status();
}

static Status check_contract_proposal(const ContractProposal& proposal) {
  if (proposal.kind == ContractChangeKind::owner) {
    if (!proposal.code.empty() || !proposal.abi_json.empty())
      return error(Code::invalid, "a proposal to change a contract's owner carries no code and no ABI");
    return Status();
  }
  if (!proposal.owner.empty())
    return error(Code::invalid, "a proposal to deploy or upgrade a shared contract names no owner");
  if (proposal.code.empty()) return error(Code::invalid, "contract code is empty");
  GOVCHAIN_TRY(check_code_size(proposal.code));
  if (proposal.kind == ContractChangeKind::deploy && proposal.abi_json.empty())
    return error(Code::invalid, "a new shared contract needs its ABI");
  return Status();
}

static Status check_action(const Action& action) {
  if (const auto* grant = std::get_if<RoleGrant>(&action)) {
    if (!is_known_role(grant->role)) return error(Code::invalid, "unknown role '" + grant->role + "'");
  } else if (const auto* revoke = std::get_if<RoleRevoke>(&action)) {
    if (!is_known_role(revoke->role)) return error(Code::invalid, "unknown role '" + revoke->role + "'");
  } else if (const auto* deploy = std::get_if<ContractDeploy>(&action)) {
    if (!is_valid_name(deploy->name))
      return error(Code::invalid, "contract name must be 1-64 characters of a-z, 0-9, '-', '_', '.'");
    if (deploy->code.empty()) return error(Code::invalid, "contract code is empty");
    GOVCHAIN_TRY(check_code_size(deploy->code));
  } else if (const auto* call = std::get_if<ContractCall>(&action)) {
    if (!is_valid_name(call->contract)) return error(Code::invalid, "contract name is not valid");
    if (call->method.empty()) return error(Code::invalid, "method name is empty");
  } else if (const auto* report = std::get_if<EvidenceReport>(&action)) {
    if (report->evidence.empty()) return error(Code::invalid, "evidence report is empty");
  } else if (const auto* proposal = std::get_if<ValidatorProposal>(&action)) {
    return check_validator_proposal(*proposal);
  } else if (const auto* change = std::get_if<ContractProposal>(&action)) {
    return check_contract_proposal(*change);
  }
  return Status();
}

Status check_tx_content(const Tx& tx, std::string_view chain_id, size_t encoded_size_bytes, size_t tx_size_bytes_max) {
  GOVCHAIN_TRY(check_tx_text(tx));
  if (encoded_size_bytes > tx_size_bytes_max)
    return error(Code::too_large, "transaction has " + std::to_string(encoded_size_bytes) + " bytes, limit is " +
                                      std::to_string(tx_size_bytes_max));
  if (tx.chain_id != chain_id)
    return error(Code::wrong_chain,
                 "transaction is for chain '" + tx.chain_id + "', this node runs '" + std::string(chain_id) + "'");
  return check_action(tx.action);
}

Status check_tx_signature(const Tx& tx, const Hash& hash) {
  if (!crypto::verify(tx.sender, hash.view(), tx.signature))
    return error(Code::bad_signature, "signature does not verify for sender " + tx.sender.hex());
  return Status();
}

Status check_tx_stateless(const Tx& tx, std::string_view chain_id, size_t encoded_size_bytes,
                          size_t tx_size_bytes_max) {
  GOVCHAIN_TRY(check_tx_content(tx, chain_id, encoded_size_bytes, tx_size_bytes_max));
  return check_tx_signature(tx, tx_hash(tx));
}

}  // namespace govchain::chain
