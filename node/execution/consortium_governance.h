// Consortium governance of contracts: who may deploy, upgrade and hand over
// which contract (docs/decisions/consortium-contracts.md).
//
// Rules, checked by execution on every node alike:
// - A municipality's admin deploys and upgrades, with a plain
//   ContractDeploy, the contracts of its namespace ("<municipality>.<name>")
//   and any contract a vote handed to its municipality.
// - The shared contracts (every other name: the use cases all members use)
//   belong to the consortium. Deploying a new one, upgrading one, or
//   changing a contract's owner (to a member, or back to the consortium) is
//   a ContractProposal by a member's admin, decided like a validator change
//   (validator_governance.h): members vote once each, the proposer's
//   municipality approves with the proposal, more than two thirds of the
//   members approve it, and the change is applied at the end of block
//   `activation_height - 1`, `validator_change_delay_blocks` after the block
//   that approved it, on every node at the same height. A proposal that can
//   no longer reach two thirds is rejected; one undecided after
//   `validator_proposal_ttl_blocks` expires.
// - The module is loaded and checked when it is proposed (a proposal that
//   could never be applied is refused at once) and again when it is applied;
//   if it fails then (the chain's limits changed meanwhile), the proposal
//   ends as "failed" and the block goes on.
// - A proposal's code and ABI are staged under their own keys
//   ("g/cpx/<id>" chunked, "g/cpa/<id>") until the proposal is decided, so
//   that no value grows beyond the state tree's limits; they are removed
//   when it is applied, rejected or expired.
//
// State layout (state_keys.h): "g/cpc" the number of proposals (ids are
// 1..count), "g/cp/<id>" one record, "g/cpl" the open and approved ids.
// Functions read and write through the given state; not thread-safe beyond
// the state's own guarantees.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "chain/genesis.h"
#include "chain/tx.h"
#include "execution/overlay.h"
#include "execution/validator_governance.h"

namespace govchain::execution {

class ContractHost;
struct BlockContext;

inline constexpr size_t pending_contract_proposals_max = 16;
// Gas beyond the transaction's base cost for a proposal or a vote (loading
// a proposed module is paid per byte of the transaction as well).
inline constexpr uint64_t gas_contract_governance = 50'000;

// Status of a contract proposal: the validator proposal statuses, and
// failed (approved, but the change could not be applied at activation).
enum class ContractProposalStatus : uint8_t {
  open = 1,
  approved = 2,
  rejected = 3,
  expired = 4,
  activated = 5,
  failed = 6
};
std::string_view contract_proposal_status_name(ContractProposalStatus status);

struct ContractProposalRecord {
  uint64_t id = 0;
  chain::ContractChangeKind kind = chain::ContractChangeKind::deploy;
  std::string contract;
  std::string owner;  // kind owner: the new owner ("" = the consortium)
  Hash code_hash;     // deploy, upgrade: SHA-256 of the staged module
  uint64_t code_size_bytes = 0;
  Hash abi_hash;  // deploy, upgrade with an ABI: SHA-256 of the staged ABI
  PublicKey proposer;
  std::string proposer_municipality;
  uint64_t proposed_height = 0;
  uint64_t expires_height = 0;
  ContractProposalStatus status = ContractProposalStatus::open;
  uint64_t decided_height = 0;
  uint64_t activation_height = 0;
  std::string failure;                  // failed: why the change could not be applied
  std::vector<std::string> approvals;   // member ids, sorted
  std::vector<std::string> rejections;  // member ids, sorted
  bool operator==(const ContractProposalRecord&) const = default;
};

Result<uint64_t> read_contract_proposal_count(const StateReader& state);
Result<std::optional<ContractProposalRecord>> read_contract_proposal(const StateReader& state, uint64_t id);
Result<std::vector<ContractProposalRecord>> read_pending_contract_proposals(const StateReader& state);

// A direct ContractDeploy by `sender`: allowed for the admin of the deploying
// municipality in its own namespace, or for a contract its municipality
// owns. unauthorized otherwise, with what to do instead.
Status authorize_direct_deploy(const StateReader& state, const PublicKey& sender, const chain::ContractDeploy& deploy);

class ConsortiumGovernance {
 public:
  ConsortiumGovernance(Overlay& state, const chain::Parameters& parameters, const ContractHost* contracts)
      : state_(state), parameters_(parameters), contracts_(contracts) {}

  Result<uint64_t> propose(const PublicKey& sender, const chain::ContractProposal& change, const BlockContext& context);
  Result<ContractProposalStatus> vote(const PublicKey& sender, const chain::ContractVote& vote, uint64_t height);
  // At the end of block `context.height`: applies approved changes due at
  // the next height, expires undecided proposals. Returns applied ids.
  Result<std::vector<uint64_t>> end_block(const BlockContext& context);

 private:
  Status check_change(const chain::ContractProposal& change) const;
  Status apply(ContractProposalRecord& record, const BlockContext& context);
  Status apply_code(const ContractProposalRecord& record, const BlockContext& context);
  Status apply_owner(const ContractProposalRecord& record);
  Status decide(ContractProposalRecord& record, uint64_t height);
  Status discard_staged(uint64_t id);
  Status remove_pending(uint64_t id);

  Overlay& state_;
  const chain::Parameters& parameters_;
  const ContractHost* contracts_;
};

}  // namespace govchain::execution
