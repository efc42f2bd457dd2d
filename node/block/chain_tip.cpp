#include "block/chain_tip.h"

#include "block/state_reader.h"
#include "execution/validator_governance.h"

namespace govchain::block {

Result<consensus::ValidatorSet> read_validator_set(const execution::StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::vector<PublicKey> keys, execution::read_validators(state));
  return consensus::ValidatorSet::create(std::move(keys));
}

Result<ChainTip> advance_tip(const ChainTip& parent, const chain::Header& header,
                             const execution::StateReader& state_after) {
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::ValidatorSet next, read_validator_set(state_after));
  return ChainTip{chain::head_of(header), std::move(next), parent.next_validators};
}

Result<ChainTip> genesis_tip(const chain::Header& header, const execution::StateReader& state) {
  GOVCHAIN_ASSIGN_OR_RETURN(consensus::ValidatorSet set, read_validator_set(state));
  return ChainTip{chain::head_of(header), set, set};
}

Result<ChainTip> load_tip(const chain::BlockStore& blocks, const state::StateTree& tree) {
  GOVCHAIN_ASSIGN_OR_RETURN(std::optional<uint64_t> latest, blocks.latest_height());
  if (!latest) return error(Code::not_found, "the store holds no block yet");
  GOVCHAIN_ASSIGN_OR_RETURN(chain::Block head, blocks.block(*latest));
  ChainTip tip;
  tip.head = chain::head_of(head.header);
  GOVCHAIN_ASSIGN_OR_RETURN(tip.next_validators, read_validator_set(TreeState(tree, head.header.state_root)));
  tip.head_signers = tip.next_validators;
  // A store that state sync started at its head has no parent block: the
  // set that signed the head was checked and kept with the sync record.
  GOVCHAIN_ASSIGN_OR_RETURN(auto sync_base, blocks.sync_base());
  if (sync_base && sync_base->height == *latest) {
    tip.head_signers = sync_base->head_signers;
  } else if (*latest > 0) {
    GOVCHAIN_ASSIGN_OR_RETURN(chain::Block parent, blocks.block(*latest - 1));
    GOVCHAIN_ASSIGN_OR_RETURN(tip.head_signers, read_validator_set(TreeState(tree, parent.header.state_root)));
  }
  return tip;
}

}  // namespace govchain::block
