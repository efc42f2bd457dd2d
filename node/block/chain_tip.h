// ChainTip: what a block on top of a node's head is checked against — the
// head, the validator set that decides the next height (kept in the head's
// state) and the set that signed the head's certificate (kept in the state
// before the head). Validator sets change by governance (execution/
// validator_governance.h), so both come from state, never from the genesis
// alone.
//
// Plain values and functions; a ChainTip is safe to copy between threads.
#pragma once

#include "chain/block.h"
#include "chain/block_store.h"
#include "consensus/messages.h"
#include "execution/overlay.h"
#include "state/state_tree.h"

namespace govchain::block {

struct ChainTip {
  chain::ChainHead head;
  consensus::ValidatorSet next_validators;  // decides height head.height + 1
  consensus::ValidatorSet head_signers;     // signed the certificate of the head
};

// The validator set that `state` holds (the one deciding the block after
// the block that left this state).
Result<consensus::ValidatorSet> read_validator_set(const execution::StateReader& state);

// The tip once the block with `header` is committed on top of `parent`:
// its signers are the set that decided it, and `state_after` (the state the
// block left) names the next set.
Result<ChainTip> advance_tip(const ChainTip& parent, const chain::Header& header,
                             const execution::StateReader& state_after);

// The tip right after the genesis block (`header`, height 0), whose state
// is `state`: nobody signed block 0, so both sets are the genesis set.
Result<ChainTip> genesis_tip(const chain::Header& header, const execution::StateReader& state);

// The tip of a node's stored chain: the latest block of `blocks` and the
// validator sets read from `tree` at its state root and its parent's (for a
// store that state sync started at its latest block, which has no parent
// block or state, the signing set kept with the sync record).
// Code::not_found when the store holds no block.
Result<ChainTip> load_tip(const chain::BlockStore& blocks, const state::StateTree& tree);

}  // namespace govchain::block
