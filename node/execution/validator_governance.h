// Validator set governance: which municipality's node key validates, and how
// the member municipalities change that by vote
// (docs/decisions/validator-set-changes.md).
//
// Rules, checked by execution on every node alike:
// - Members are the municipalities on chain; each has one vote, cast by its
//   admin account. Each member has at most one validator (equal voting
//   power per municipality).
// - A member's admin proposes to add a validator (for a member without one,
//   or for a new member, named with its display name and admin) or to remove
//   a member's validator. The proposer's municipality approves with the
//   proposal. At most `pending_validator_proposals_max` proposals are open or
//   waiting for activation, and at most one per municipality.
// - Member admins vote once per proposal. When more than two thirds of the
//   members approve, the proposal is approved in that block; its change takes
//   effect `validator_change_delay_blocks` later: at the end of block
//   approved + delay - 1 the set in state changes, so the block at
//   `activation_height` = approved + delay is the first one the new set
//   decides. When approval is no longer reachable the proposal is rejected;
//   when `validator_proposal_ttl_blocks` pass without a decision, it expires.
// - A single-validator chain (dev mode) does not change its set, and a
//   removal never empties it.
//
// The validator set for height h is the one in state after block h - 1;
// consensus, proposal checks and catch-up all read it from there.
//
// State layout (state_keys.h): "g/v" the validators (sorted by key, each
// with its municipality), "g/ml" the member ids (sorted), "g/vpc" the
// number of proposals so far (ids are 1..count), "g/vp/<id>" one proposal
// record, "g/vpl" the ids of open and approved-not-yet-active proposals.
//
// Functions read and write through the given state; not thread-safe beyond
// the state's own guarantees.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "execution/overlay.h"

namespace govchain::execution {

inline constexpr size_t pending_validator_proposals_max = 16;
// Members (and so validators: each belongs to one member) at most. Bounded
// so that the member list, the validator set and a proposal's votes each
// fit one state value (limits::state_value_size_bytes_max): the validator
// set takes up to 100 bytes per entry.
inline constexpr size_t members_max = 500;
static_assert(4 + members_max * (32 + 4 + 64) <= 64 * 1024);
// Gas beyond the transaction's base cost for a proposal or a vote.
inline constexpr uint64_t gas_validator_governance = 50'000;

struct ValidatorEntry {
  PublicKey key;
  std::string municipality;
  bool operator==(const ValidatorEntry&) const = default;
};

enum class ProposalStatus : uint8_t { open = 1, approved = 2, rejected = 3, expired = 4, activated = 5 };
std::string_view proposal_status_name(ProposalStatus status);

struct ValidatorProposalRecord {
  uint64_t id = 0;
  chain::ValidatorProposal change;
  PublicKey proposer;
  uint64_t proposed_height = 0;
  uint64_t expires_height = 0;  // undecided after this block: expired
  ProposalStatus status = ProposalStatus::open;
  uint64_t decided_height = 0;     // approved or rejected in this block; 0 while open
  uint64_t activation_height = 0;  // approved: first height decided by the changed set
  std::vector<std::string> approvals;   // member ids, sorted
  std::vector<std::string> rejections;  // member ids, sorted
  bool operator==(const ValidatorProposalRecord&) const = default;
};

// Reading state (any StateReader, also a historical one).
Result<std::vector<ValidatorEntry>> read_validator_entries(const StateReader& state);
Result<std::vector<PublicKey>> read_validators(const StateReader& state);  // sorted
Result<std::vector<std::string>> read_members(const StateReader& state);   // sorted ids
Result<uint64_t> read_validator_proposal_count(const StateReader& state);
Result<std::optional<ValidatorProposalRecord>> read_validator_proposal(const StateReader& state, uint64_t id);
// Open proposals and approved ones not yet active, by id.
Result<std::vector<ValidatorProposalRecord>> read_pending_validator_proposals(const StateReader& state);
// Node keys the transport admits: the current validators and the keys of
// approved additions, so that a joining node can sync before it validates.
Result<std::vector<PublicKey>> read_admitted_node_keys(const StateReader& state);

class ValidatorGovernance {
 public:
  ValidatorGovernance(Overlay& state, const chain::Parameters& parameters) : state_(state), parameters_(parameters) {}

  // Writes the members and the validators of the genesis.
  Status apply_genesis(const chain::Genesis& genesis);
  // Records a proposal by `sender` in block `height`; returns its id.
  // unauthorized: the sender is no member's admin; invalid / already_exists
  // / not_found / resource_exhausted: the change cannot be proposed (the
  // message says why).
  Result<uint64_t> propose(const PublicKey& sender, const chain::ValidatorProposal& change, uint64_t height);
  // Records `sender`'s vote in block `height` and decides the proposal when
  // the votes allow; returns its status after the vote.
  Result<ProposalStatus> vote(const PublicKey& sender, const chain::ValidatorVote& vote, uint64_t height);
  // At the end of block `height`: applies approved changes whose activation
  // height is height + 1 and expires undecided proposals past their ttl.
  // Returns the ids whose change was applied.
  Result<std::vector<uint64_t>> end_block(uint64_t height);

 private:
  Result<std::vector<std::string>> municipalities_of_admin(const PublicKey& sender) const;
  Status check_change(const chain::ValidatorProposal& change) const;
  Status apply_change(const ValidatorProposalRecord& record);
  void write_proposal(const ValidatorProposalRecord& record);
  Status write_pending_ids(const std::vector<uint64_t>& ids);

  Overlay& state_;
  const chain::Parameters& parameters_;
};

}  // namespace govchain::execution
