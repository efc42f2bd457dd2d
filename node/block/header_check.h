// The check of a block header against the chain it claims to extend: a
// pure function of the header and its explicit inputs (chain id, the tip:
// parent head, deciding validator set, parent's signers). It reads no state,
// no clock and no store, so a node judging a proposal, a node importing
// blocks and `govchaind --check` apply the same rule.
#pragma once

#include <string_view>

#include "block/chain_tip.h"
#include "chain/block.h"

namespace govchain::block {

// Ok when `header` may follow `tip` on chain `chain_id`: same chain, the
// next height, links to the head's hash, a time after the head's, a
// proposer from the deciding set, that set's hash, and a last_commit that
// certifies the head (verified against the head's signers; the genesis
// block, height 0, is certified by its hash alone). Code::invalid with the
// reason otherwise.
Status check_header(const chain::Header& header, std::string_view chain_id, const ChainTip& tip);

}  // namespace govchain::block
