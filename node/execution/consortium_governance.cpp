#include "execution/consortium_governance.h"

#include <algorithm>

#include "codec/codec.h"
#include "crypto/hash.h"
#include "execution/accounts.h"
#include "execution/contract_store.h"
#include "execution/contracts.h"
#include "execution/governance.h"
#include "execution/state_keys.h"

namespace govchain::execution {

namespace {

constexpr size_t failure_size_bytes_max = 512;

void write_names(codec::Writer& writer, const std::vector<std::string>& names) {
  writer.count(names.size());
  for (const auto& name : names) writer.text(name);
}

Result<std::vector<std::string>> read_names(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(members_max, 4));
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string name, reader.text(chain::name_size_bytes_max));
    names.push_back(std::move(name));
  }
  return names;
}

Bytes encode_record(const ContractProposalRecord& record) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(record.id);
  writer.u8(static_cast<uint8_t>(record.kind));
  writer.text(record.contract);
  writer.text(record.owner);
  writer.fixed(record.code_hash);
  writer.u64(record.code_size_bytes);
  writer.fixed(record.abi_hash);
  writer.fixed(record.proposer);
  writer.text(record.proposer_municipality);
  writer.u64(record.proposed_height);
  writer.u64(record.expires_height);
  writer.u8(static_cast<uint8_t>(record.status));
  writer.u64(record.decided_height);
  writer.u64(record.activation_height);
  writer.text(record.failure);
  write_names(writer, record.approvals);
  write_names(writer, record.rejections);
  return writer.take();
}

Status read_record_head(codec::Reader& reader, ContractProposalRecord& record) {
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != codec::format_version) return error(Code::malformed, "unknown contract proposal record version");
  GOVCHAIN_ASSIGN_OR_RETURN(record.id, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t kind, reader.u8());
  if (kind < 1 || kind > 3) return error(Code::malformed, "unknown contract change kind in a proposal record");
  record.kind = static_cast<chain::ContractChangeKind>(kind);
  GOVCHAIN_ASSIGN_OR_RETURN(record.contract, reader.text(chain::name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.owner, reader.text(chain::name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.code_hash, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.code_size_bytes, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.abi_hash, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.proposer, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.proposer_municipality, reader.text(chain::name_size_bytes_max));
  return Status();
}

Result<ContractProposalRecord> decode_record(ByteView bytes) {
  codec::Reader reader(bytes);
  ContractProposalRecord record;
  GOVCHAIN_TRY(read_record_head(reader, record));
  GOVCHAIN_ASSIGN_OR_RETURN(record.proposed_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.expires_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t status, reader.u8());
  if (status < 1 || status > 6) return error(Code::malformed, "unknown status in a contract proposal record");
  record.status = static_cast<ContractProposalStatus>(status);
  GOVCHAIN_ASSIGN_OR_RETURN(record.decided_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.activation_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.failure, reader.text(failure_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.approvals, read_names(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(record.rejections, read_names(reader));
  GOVCHAIN_TRY(reader.finish());
  return record;
}

void write_record(Overlay& state, const ContractProposalRecord& record) {
  state.set(keys::contract_proposal(record.id), encode_record(record));
}

Result<std::vector<uint64_t>> read_pending_ids(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::pending_contract_proposals()));
  std::vector<uint64_t> ids;
  if (!stored) return ids;
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(pending_contract_proposals_max, 8));
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t id, reader.u64());
    ids.push_back(id);
  }
  GOVCHAIN_TRY(reader.finish());
  return ids;
}

void write_pending_ids(Overlay& state, const std::vector<uint64_t>& ids) {
  codec::Writer writer;
  writer.count(ids.size());
  for (uint64_t id : ids) writer.u64(id);
  if (ids.empty())
    state.erase(keys::pending_contract_proposals());
  else
    state.set(keys::pending_contract_proposals(), writer.data());
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// More than two thirds of `members` approve.
bool is_supermajority(size_t approvals, size_t members) { return approvals * 3 > members * 2; }

// The member municipalities whose admin `sender` is; unauthorized if none.
Result<std::vector<std::string>> administered_members(const StateReader& state, const PublicKey& sender) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto administered, read_administered(state, sender));
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state));
  std::erase_if(administered, [&](const std::string& id) { return !contains(members, id); });
  if (administered.empty())
    return error(Code::unauthorized, "only a member municipality's admin may propose or vote on shared contracts");
  return administered;
}

}  // namespace

std::string_view contract_proposal_status_name(ContractProposalStatus status) {
  switch (status) {
    case ContractProposalStatus::open:
      return "open";
    case ContractProposalStatus::approved:
      return "approved";
    case ContractProposalStatus::rejected:
      return "rejected";
    case ContractProposalStatus::expired:
      return "expired";
    case ContractProposalStatus::activated:
      return "activated";
    case ContractProposalStatus::failed:
      return "failed";
  }
  return "unknown";
}

Result<uint64_t> read_contract_proposal_count(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::contract_proposal_count()));
  if (!stored) return uint64_t{0};
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t count, reader.u64());
  GOVCHAIN_TRY(reader.finish());
  return count;
}

Result<std::optional<ContractProposalRecord>> read_contract_proposal(const StateReader& state, uint64_t id) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::contract_proposal(id)));
  if (!stored) return std::optional<ContractProposalRecord>();
  auto record = decode_record(*stored);
  if (!record.ok()) return record.status().with_context("contract proposal " + std::to_string(id));
  return std::optional<ContractProposalRecord>(std::move(*record));
}

Result<std::vector<ContractProposalRecord>> read_pending_contract_proposals(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto ids, read_pending_ids(state));
  std::vector<ContractProposalRecord> records;
  for (uint64_t id : ids) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_contract_proposal(state, id));
    if (!record) return error(Code::corruption, "pending contract proposal " + std::to_string(id) + " has no record");
    records.push_back(std::move(*record));
  }
  return records;
}

Status authorize_direct_deploy(const StateReader& state, const PublicKey& sender, const chain::ContractDeploy& deploy) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto administered, read_administered(state, sender));
  if (!std::binary_search(administered.begin(), administered.end(), deploy.municipality))
    return error(Code::unauthorized, "only the admin of municipality '" + deploy.municipality +
                                         "' may deploy or upgrade contracts in its name");
  GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_contract_record(state, deploy.name));
  if (record && record->shared)
    return error(Code::unauthorized, "contract '" + deploy.name +
                                         "' is shared by the consortium; it is upgraded only by a vote of the members "
                                         "(govchain consortium propose-upgrade)");
  if (record && record->municipality != deploy.municipality)
    return error(Code::unauthorized, "contract '" + deploy.name + "' belongs to municipality '" + record->municipality +
                                         "'; only its admin may upgrade it");
  if (record) return Status();
  auto space = contract_namespace(deploy.name);
  if (space && *space == deploy.municipality) return Status();
  return error(Code::unauthorized, "a municipality deploys its own contracts as '" + deploy.municipality +
                                       ".<name>'; '" + deploy.name +
                                       "' would be a shared contract of the consortium, deployed only by a vote of "
                                       "the members (govchain consortium propose-deploy)");
}

// ---- ConsortiumGovernance ---------------------------------------------------

Status ConsortiumGovernance::check_change(const chain::ContractProposal& change) const {
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_contract_proposals(state_));
  for (const auto& record : pending)
    if (record.contract == change.contract)
      return error(Code::already_exists, "contract proposal " + std::to_string(record.id) + " for '" + change.contract +
                                             "' is still " + std::string(contract_proposal_status_name(record.status)));
  if (pending.size() >= pending_contract_proposals_max)
    return error(Code::resource_exhausted, "the chain already holds " + std::to_string(pending.size()) +
                                               " undecided or unapplied contract proposals; vote on those first");
  GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_contract_record(state_, change.contract));
  using Kind = chain::ContractChangeKind;
  if (change.kind == Kind::deploy) {
    if (record) return error(Code::already_exists, "contract '" + change.contract + "' exists; propose an upgrade");
    if (contract_namespace(change.contract))
      return error(Code::invalid, "a shared contract's name has no municipality prefix (no '.')");
    return Status();
  }
  if (!record) return error(Code::not_found, "no contract named '" + change.contract + "' on this chain");
  if (change.kind == Kind::upgrade && !record->shared)
    return error(Code::invalid, "contract '" + change.contract + "' belongs to '" + record->municipality +
                                    "', whose admin upgrades it directly");
  if (change.kind == Kind::owner && !change.owner.empty()) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state_));
    if (!contains(members, change.owner))
      return error(Code::not_found, "'" + change.owner + "' is not a member municipality");
  }
  return Status();
}

Result<uint64_t> ConsortiumGovernance::propose(const PublicKey& sender, const chain::ContractProposal& change,
                                               const BlockContext& context) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto administered, administered_members(state_, sender));
  GOVCHAIN_TRY(check_change(change));
  ContractProposalRecord record;
  if (change.kind != chain::ContractChangeKind::owner) {
    if (contracts_ == nullptr) return error(Code::unavailable, "this node was started without a contract runtime");
    GOVCHAIN_TRY(check_contract_version(state_, change.contract, administered.front(), change.code.size(),
                                        change.abi_json.size()));
    chain::ContractDeploy deploy{change.contract, administered.front(), change.code, change.abi_json};
    GOVCHAIN_TRY(contracts_->check_deploy(deploy));
    record.code_hash = crypto::sha256(ByteView(change.code));
    record.code_size_bytes = change.code.size();
    if (!change.abi_json.empty()) record.abi_hash = crypto::sha256(change.abi_json);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t count, read_contract_proposal_count(state_));
  record.id = count + 1;
  record.kind = change.kind;
  record.contract = change.contract;
  record.owner = change.owner;
  record.proposer = sender;
  record.proposer_municipality = administered.front();
  record.proposed_height = context.height;
  record.expires_height = context.height + parameters_.validator_proposal_ttl_blocks;
  codec::Writer count_writer;
  count_writer.u64(record.id);
  state_.set(keys::contract_proposal_count(), count_writer.data());
  if (change.kind != chain::ContractChangeKind::owner) {
    GOVCHAIN_TRY(write_chunked(state_, keys::contract_proposal_code(record.id), change.code));
    if (!change.abi_json.empty()) state_.set(keys::contract_proposal_abi(record.id), to_bytes(change.abi_json));
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_ids(state_));
  pending.push_back(record.id);
  write_pending_ids(state_, pending);
  write_record(state_, record);
  GOVCHAIN_TRY(vote(sender, {record.id, true}, context.height).status());
  return record.id;
}

Result<ContractProposalStatus> ConsortiumGovernance::vote(const PublicKey& sender, const chain::ContractVote& vote,
                                                          uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto administered, administered_members(state_, sender));
  GOVCHAIN_ASSIGN_OR_RETURN(auto found, read_contract_proposal(state_, vote.proposal_id));
  if (!found) return error(Code::not_found, "no contract proposal " + std::to_string(vote.proposal_id));
  ContractProposalRecord record = std::move(*found);
  if (record.status != ContractProposalStatus::open)
    return error(Code::invalid, "contract proposal " + std::to_string(record.id) + " is already " +
                                    std::string(contract_proposal_status_name(record.status)));
  for (const auto& id : administered) {
    if (contains(record.approvals, id) || contains(record.rejections, id))
      return error(Code::already_exists,
                   "'" + id + "' has already voted on contract proposal " + std::to_string(record.id));
    auto& side = vote.approve ? record.approvals : record.rejections;
    side.insert(std::upper_bound(side.begin(), side.end(), id), id);
  }
  GOVCHAIN_TRY(decide(record, height));
  write_record(state_, record);
  return record.status;
}

Status ConsortiumGovernance::decide(ContractProposalRecord& record, uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state_));
  if (is_supermajority(record.approvals.size(), members.size())) {
    record.status = ContractProposalStatus::approved;
    record.decided_height = height;
    record.activation_height = height + parameters_.validator_change_delay_blocks;
  } else if (!is_supermajority(members.size() - std::min(members.size(), record.rejections.size()), members.size())) {
    record.status = ContractProposalStatus::rejected;
    record.decided_height = height;
    GOVCHAIN_TRY(remove_pending(record.id));
    GOVCHAIN_TRY(discard_staged(record.id));
  }
  return Status();
}

Status ConsortiumGovernance::remove_pending(uint64_t id) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_ids(state_));
  std::erase(pending, id);
  write_pending_ids(state_, pending);
  return Status();
}

Status ConsortiumGovernance::discard_staged(uint64_t id) {
  GOVCHAIN_TRY(erase_chunked(state_, keys::contract_proposal_code(id)));
  state_.erase(keys::contract_proposal_abi(id));
  return Status();
}

Result<std::vector<uint64_t>> ConsortiumGovernance::end_block(const BlockContext& context) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_contract_proposals(state_));
  std::vector<uint64_t> applied;
  std::vector<uint64_t> still_pending;
  for (auto& record : pending) {
    if (record.status == ContractProposalStatus::approved && record.activation_height == context.height + 1) {
      GOVCHAIN_TRY(apply(record, context));
      if (record.status == ContractProposalStatus::activated) applied.push_back(record.id);
    } else if (record.status == ContractProposalStatus::open && context.height >= record.expires_height) {
      record.status = ContractProposalStatus::expired;
      record.decided_height = context.height;
      GOVCHAIN_TRY(discard_staged(record.id));
    } else {
      still_pending.push_back(record.id);
      continue;
    }
    write_record(state_, record);
  }
  if (still_pending.size() != pending.size()) write_pending_ids(state_, still_pending);
  return applied;
}

// Applies an approved change; a change that cannot be applied any more ends
// the proposal as failed, with its writes undone, and the block goes on.
// Only a failure to read or write state is returned as an error.
Status ConsortiumGovernance::apply(ContractProposalRecord& record, const BlockContext& context) {
  size_t checkpoint = state_.checkpoint();
  Status outcome = record.kind == chain::ContractChangeKind::owner ? apply_owner(record) : apply_code(record, context);
  if (outcome.code() == Code::io_error || outcome.code() == Code::corruption) return outcome;
  if (outcome.ok()) {
    record.status = ContractProposalStatus::activated;
  } else {
    state_.revert(checkpoint);
    record.status = ContractProposalStatus::failed;
    record.failure = outcome.to_string().substr(0, failure_size_bytes_max);
  }
  return discard_staged(record.id);
}

Status ConsortiumGovernance::apply_code(const ContractProposalRecord& record, const BlockContext& context) {
  if (contracts_ == nullptr) return error(Code::unavailable, "this node was started without a contract runtime");
  GOVCHAIN_ASSIGN_OR_RETURN(auto code, read_chunked(state_, keys::contract_proposal_code(record.id)));
  if (!code || crypto::sha256(ByteView(*code)) != record.code_hash)
    return error(Code::corruption, "the staged code of contract proposal " + std::to_string(record.id) + " is missing");
  std::string abi_json;
  if (!record.abi_hash.is_zero()) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto abi, state_.get(keys::contract_proposal_abi(record.id)));
    if (!abi)
      return error(Code::corruption,
                   "the staged ABI of contract proposal " + std::to_string(record.id) + " is missing");
    abi_json.assign(abi->begin(), abi->end());
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto existing, read_contract_record(state_, record.contract));
  if (record.kind == chain::ContractChangeKind::deploy && existing)
    return error(Code::already_exists, "contract '" + record.contract + "' was deployed meanwhile");
  if (record.kind == chain::ContractChangeKind::upgrade && (!existing || !existing->shared))
    return error(Code::invalid, "contract '" + record.contract + "' is no longer a shared contract");
  chain::ContractDeploy deploy{record.contract, record.proposer_municipality, std::move(*code), std::move(abi_json)};
  return contracts_->deploy(state_, deploy, context);
}

Status ConsortiumGovernance::apply_owner(const ContractProposalRecord& record) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto existing, read_contract_record(state_, record.contract));
  if (!existing) return error(Code::not_found, "contract '" + record.contract + "' no longer exists");
  if (record.owner.empty()) {
    existing->shared = true;
  } else {
    existing->shared = false;
    existing->municipality = record.owner;
  }
  write_contract_record(state_, record.contract, *existing);
  return Status();
}

}  // namespace govchain::execution
