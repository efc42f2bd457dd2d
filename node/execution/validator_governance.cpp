#include "execution/validator_governance.h"

#include <algorithm>

#include "codec/codec.h"
#include "consensus/certificate.h"
#include "execution/accounts.h"
#include "execution/governance.h"
#include "execution/state_keys.h"

namespace govchain::execution {

namespace {

Bytes encode_entries(std::vector<ValidatorEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  codec::Writer writer;
  writer.count(entries.size());
  for (const auto& entry : entries) {
    writer.fixed(entry.key);
    writer.text(entry.municipality);
  }
  return writer.take();
}

void write_names(codec::Writer& writer, const std::vector<std::string>& names) {
  writer.count(names.size());
  for (const auto& name : names) writer.text(name);
}

Result<std::vector<std::string>> read_names(codec::Reader& reader) {
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(members_max, 1));
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(std::string name, reader.text(chain::name_size_bytes_max));
    names.push_back(std::move(name));
  }
  return names;
}

Bytes encode_proposal(const ValidatorProposalRecord& record) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(record.id);
  writer.u8(static_cast<uint8_t>(record.change.kind));
  writer.text(record.change.municipality);
  writer.text(record.change.name);
  writer.fixed(record.change.admin);
  writer.fixed(record.change.validator);
  writer.fixed(record.proposer);
  writer.u64(record.proposed_height);
  writer.u64(record.expires_height);
  writer.u8(static_cast<uint8_t>(record.status));
  writer.u64(record.decided_height);
  writer.u64(record.activation_height);
  write_names(writer, record.approvals);
  write_names(writer, record.rejections);
  return writer.take();
}

Result<ValidatorProposalRecord> decode_proposal(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t version, reader.u8());
  if (version != codec::format_version) return error(Code::malformed, "unknown proposal record version");
  ValidatorProposalRecord record;
  GOVCHAIN_ASSIGN_OR_RETURN(record.id, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t kind, reader.u8());
  if (kind < 1 || kind > 2) return error(Code::malformed, "unknown validator change kind in a proposal record");
  record.change.kind = static_cast<chain::ValidatorChangeKind>(kind);
  GOVCHAIN_ASSIGN_OR_RETURN(record.change.municipality, reader.text(chain::name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.change.name, reader.text(chain::municipality_name_size_bytes_max));
  GOVCHAIN_ASSIGN_OR_RETURN(record.change.admin, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.change.validator, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.proposer, reader.fixed<32>());
  GOVCHAIN_ASSIGN_OR_RETURN(record.proposed_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.expires_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(uint8_t status, reader.u8());
  if (status < 1 || status > 5) return error(Code::malformed, "unknown status in a proposal record");
  record.status = static_cast<ProposalStatus>(status);
  GOVCHAIN_ASSIGN_OR_RETURN(record.decided_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.activation_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(record.approvals, read_names(reader));
  GOVCHAIN_ASSIGN_OR_RETURN(record.rejections, read_names(reader));
  GOVCHAIN_TRY(reader.finish());
  return record;
}

Result<uint64_t> read_u64(const StateReader& state, const Bytes& key) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(key));
  if (!stored) return uint64_t{0};
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t value, reader.u64());
  GOVCHAIN_TRY(reader.finish());
  return value;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void insert_sorted(std::vector<std::string>& names, const std::string& name) {
  names.insert(std::upper_bound(names.begin(), names.end(), name), name);
}

// More than two thirds of `members` approve.
bool is_supermajority(size_t approvals, size_t members) { return approvals * 3 > members * 2; }

}  // namespace

std::string_view proposal_status_name(ProposalStatus status) {
  switch (status) {
    case ProposalStatus::open: return "open";
    case ProposalStatus::approved: return "approved";
    case ProposalStatus::rejected: return "rejected";
    case ProposalStatus::expired: return "expired";
    case ProposalStatus::activated: return "activated";
  }
  return "unknown";
}

Result<std::vector<ValidatorEntry>> read_validator_entries(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::validators()));
  if (!stored) return error(Code::not_found, "the state holds no validator set");
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(consensus::validators_max, PublicKey::size_bytes + 1));
  std::vector<ValidatorEntry> entries;
  for (size_t i = 0; i < count; ++i) {
    ValidatorEntry entry;
    GOVCHAIN_ASSIGN_OR_RETURN(entry.key, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(entry.municipality, reader.text(chain::name_size_bytes_max));
    entries.push_back(std::move(entry));
  }
  GOVCHAIN_TRY(reader.finish());
  return entries;
}

Result<std::vector<PublicKey>> read_validators(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto entries, read_validator_entries(state));
  std::vector<PublicKey> keys;
  for (const auto& entry : entries) keys.push_back(entry.key);
  return keys;
}

Result<std::vector<std::string>> read_members(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::members()));
  if (!stored) return std::vector<std::string>{};
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_names(reader));
  GOVCHAIN_TRY(reader.finish());
  return members;
}

Result<uint64_t> read_validator_proposal_count(const StateReader& state) {
  return read_u64(state, keys::validator_proposal_count());
}

Result<std::optional<ValidatorProposalRecord>> read_validator_proposal(const StateReader& state, uint64_t id) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::validator_proposal(id)));
  if (!stored) return std::optional<ValidatorProposalRecord>();
  auto record = decode_proposal(*stored);
  if (!record.ok()) return record.status().with_context("validator proposal " + std::to_string(id));
  return std::optional<ValidatorProposalRecord>(std::move(*record));
}

static Result<std::vector<uint64_t>> read_pending_ids(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto stored, state.get(keys::pending_validator_proposals()));
  std::vector<uint64_t> ids;
  if (!stored) return ids;
  codec::Reader reader(*stored);
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(pending_validator_proposals_max, 8));
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint64_t id, reader.u64());
    ids.push_back(id);
  }
  GOVCHAIN_TRY(reader.finish());
  return ids;
}

Result<std::vector<ValidatorProposalRecord>> read_pending_validator_proposals(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto ids, read_pending_ids(state));
  std::vector<ValidatorProposalRecord> records;
  for (uint64_t id : ids) {
    GOVCHAIN_ASSIGN_OR_RETURN(auto record, read_validator_proposal(state, id));
    if (!record) return error(Code::corruption, "pending validator proposal " + std::to_string(id) + " has no record");
    records.push_back(std::move(*record));
  }
  return records;
}

Result<std::vector<PublicKey>> read_admitted_node_keys(const StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto keys, read_validators(state));
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_validator_proposals(state));
  for (const auto& record : pending)
    if (record.status == ProposalStatus::approved && record.change.kind == chain::ValidatorChangeKind::add)
      keys.push_back(record.change.validator);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// ---- ValidatorGovernance ----------------------------------------------------

Status ValidatorGovernance::apply_genesis(const chain::Genesis& genesis) {
  if (genesis.municipalities.size() > members_max || genesis.validators.size() > members_max)
    return error(Code::too_large,
                 "a genesis may name at most " + std::to_string(members_max) + " municipalities and validators");
  std::vector<std::string> members;
  for (const auto& municipality : genesis.municipalities) members.push_back(municipality.id);
  std::sort(members.begin(), members.end());
  codec::Writer writer;
  write_names(writer, members);
  state_.set(keys::members(), writer.data());
  std::vector<ValidatorEntry> entries;
  for (const auto& validator : genesis.validators) entries.push_back({validator.public_key, validator.municipality});
  state_.set(keys::validators(), encode_entries(entries));
  return Status();
}

Result<std::vector<std::string>> ValidatorGovernance::municipalities_of_admin(const PublicKey& sender) const {
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state_));
  Governance governance(state_);
  std::vector<std::string> administered;
  for (const auto& id : members) {
    GOVCHAIN_ASSIGN_OR_RETURN(bool admin, governance.is_admin(sender, id));
    if (admin) administered.push_back(id);
  }
  if (administered.empty())
    return error(Code::unauthorized, "only a member municipality's admin may propose or vote on validator changes");
  return administered;
}

Status ValidatorGovernance::check_change(const chain::ValidatorProposal& change) const {
  GOVCHAIN_ASSIGN_OR_RETURN(auto entries, read_validator_entries(state_));
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state_));
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_validator_proposals(state_));
  const std::string& id = change.municipality;
  for (const auto& record : pending) {
    if (record.change.municipality == id)
      return error(Code::already_exists, "validator proposal " + std::to_string(record.id) + " for '" + id +
                                             "' is still " + std::string(proposal_status_name(record.status)));
    if (change.kind == chain::ValidatorChangeKind::add && record.change.validator == change.validator)
      return error(Code::already_exists, "validator proposal " + std::to_string(record.id) + " already names that node key");
  }
  if (pending.size() >= pending_validator_proposals_max)
    return error(Code::resource_exhausted, "the chain already holds " + std::to_string(pending.size()) +
                                               " undecided or unapplied validator proposals; vote on those first");
  auto has_validator = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.municipality == id; });
  bool is_member = contains(members, id);
  if (change.kind == chain::ValidatorChangeKind::remove) {
    if (has_validator == entries.end()) return error(Code::not_found, "municipality '" + id + "' has no validator");
    if (entries.size() == 1) return error(Code::invalid, "the last validator cannot be removed");
    return Status();
  }
  if (entries.size() == 1)
    return error(Code::invalid, "a single-validator (dev) chain does not change its validator set; "
                                "start a consortium with `govchain network new`");
  if (has_validator != entries.end())
    return error(Code::already_exists, "municipality '" + id + "' already has a validator; remove it first");
  for (const auto& entry : entries)
    if (entry.key == change.validator)
      return error(Code::already_exists, "that node key already validates for '" + entry.municipality + "'");
  if (is_member && !change.name.empty())
    return error(Code::already_exists, "'" + id + "' is already a member; propose its validator without name and admin");
  if (!is_member && change.name.empty())
    return error(Code::not_found, "'" + id + "' is not a member; a new member needs a display name and an admin");
  if (!is_member && members.size() >= members_max)
    return error(Code::resource_exhausted, "the chain has " + std::to_string(members.size()) + " members, the limit");
  const size_t validators_max = std::min(consensus::validators_max, members_max);
  if (entries.size() >= validators_max)
    return error(Code::resource_exhausted, "the validator set is at its limit of " + std::to_string(validators_max));
  return Status();
}

Result<uint64_t> ValidatorGovernance::propose(const PublicKey& sender, const chain::ValidatorProposal& change,
                                              uint64_t height) {
  GOVCHAIN_TRY(municipalities_of_admin(sender).status());
  GOVCHAIN_TRY(check_change(change));
  GOVCHAIN_ASSIGN_OR_RETURN(uint64_t count, read_validator_proposal_count(state_));
  ValidatorProposalRecord record;
  record.id = count + 1;
  record.change = change;
  record.proposer = sender;
  record.proposed_height = height;
  record.expires_height = height + parameters_.validator_proposal_ttl_blocks;
  codec::Writer count_writer;
  count_writer.u64(record.id);
  state_.set(keys::validator_proposal_count(), count_writer.data());
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_ids(state_));
  pending.push_back(record.id);
  GOVCHAIN_TRY(write_pending_ids(pending));
  write_proposal(record);
  GOVCHAIN_TRY(vote(sender, {record.id, true}, height).status());
  return record.id;
}

Result<ProposalStatus> ValidatorGovernance::vote(const PublicKey& sender, const chain::ValidatorVote& vote,
                                                 uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto administered, municipalities_of_admin(sender));
  GOVCHAIN_ASSIGN_OR_RETURN(auto found, read_validator_proposal(state_, vote.proposal_id));
  if (!found) return error(Code::not_found, "no validator proposal " + std::to_string(vote.proposal_id));
  ValidatorProposalRecord record = std::move(*found);
  if (record.status != ProposalStatus::open)
    return error(Code::invalid, "validator proposal " + std::to_string(record.id) + " is already " +
                                    std::string(proposal_status_name(record.status)));
  for (const auto& id : administered) {
    if (contains(record.approvals, id) || contains(record.rejections, id))
      return error(Code::already_exists, "'" + id + "' has already voted on proposal " + std::to_string(record.id));
    insert_sorted(vote.approve ? record.approvals : record.rejections, id);
  }
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state_));
  if (is_supermajority(record.approvals.size(), members.size())) {
    record.status = ProposalStatus::approved;
    record.decided_height = height;
    record.activation_height = height + parameters_.validator_change_delay_blocks;
  } else if (!is_supermajority(members.size() - record.rejections.size(), members.size())) {
    record.status = ProposalStatus::rejected;
    record.decided_height = height;
    GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_ids(state_));
    std::erase(pending, record.id);
    GOVCHAIN_TRY(write_pending_ids(pending));
  }
  write_proposal(record);
  return record.status;
}

Result<std::vector<uint64_t>> ValidatorGovernance::end_block(uint64_t height) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto pending, read_pending_validator_proposals(state_));
  std::vector<uint64_t> applied;
  std::vector<uint64_t> still_pending;
  for (auto& record : pending) {
    if (record.status == ProposalStatus::approved && record.activation_height == height + 1) {
      GOVCHAIN_TRY(apply_change(record));
      record.status = ProposalStatus::activated;
      write_proposal(record);
      applied.push_back(record.id);
    } else if (record.status == ProposalStatus::open && height >= record.expires_height) {
      record.status = ProposalStatus::expired;
      record.decided_height = height;
      write_proposal(record);
    } else {
      still_pending.push_back(record.id);
    }
  }
  if (still_pending.size() != pending.size()) GOVCHAIN_TRY(write_pending_ids(still_pending));
  return applied;
}

Status ValidatorGovernance::apply_change(const ValidatorProposalRecord& record) {
  GOVCHAIN_ASSIGN_OR_RETURN(auto entries, read_validator_entries(state_));
  const chain::ValidatorProposal& change = record.change;
  if (change.kind == chain::ValidatorChangeKind::remove) {
    std::erase_if(entries, [&](const auto& entry) { return entry.municipality == change.municipality; });
    if (entries.empty()) return error(Code::corruption, "a validator removal would empty the set");
    state_.set(keys::validators(), encode_entries(entries));
    return Status();
  }
  entries.push_back({change.validator, change.municipality});
  state_.set(keys::validators(), encode_entries(entries));
  if (change.name.empty()) return Status();
  GOVCHAIN_ASSIGN_OR_RETURN(auto members, read_members(state_));
  insert_sorted(members, change.municipality);
  codec::Writer writer;
  write_names(writer, members);
  state_.set(keys::members(), writer.data());
  chain::Municipality municipality{change.municipality, change.name, change.admin};
  state_.set(keys::municipality(change.municipality), encode_municipality(municipality));
  return index_admin(state_, change.admin, change.municipality);
}

void ValidatorGovernance::write_proposal(const ValidatorProposalRecord& record) {
  state_.set(keys::validator_proposal(record.id), encode_proposal(record));
}

Status ValidatorGovernance::write_pending_ids(const std::vector<uint64_t>& ids) {
  if (ids.size() > pending_validator_proposals_max)
    return error(Code::resource_exhausted, "too many pending validator proposals");
  codec::Writer writer;
  writer.count(ids.size());
  for (uint64_t id : ids) writer.u64(id);
  if (ids.empty())
    state_.erase(keys::pending_validator_proposals());
  else
    state_.set(keys::pending_validator_proposals(), writer.data());
  return Status();
}

}  // namespace govchain::execution
