#include "block/header_check.h"

#include "consensus/certificate.h"

namespace govchain::block {

Status check_header(const chain::Header& header, std::string_view chain_id, const ChainTip& tip) {
  const chain::ChainHead& parent = tip.head;
  auto invalid = [&](const std::string& why) {
    return error(Code::invalid, "block " + std::to_string(header.height) + ": " + why);
  };
  if (header.chain_id != chain_id) return invalid("is for chain '" + header.chain_id + "'");
  if (header.height != parent.height + 1)
    return invalid("does not follow the head at height " + std::to_string(parent.height));
  if (header.previous_hash != parent.block_hash) return invalid("does not link to the head " + parent.block_hash.hex());
  if (header.time_ms <= parent.time_ms) return invalid("its time is not after its parent's");
  if (!tip.next_validators.contains(header.proposer)) return invalid("its proposer is not a validator");
  if (header.validator_set_hash != tip.next_validators.hash()) return invalid("names another validator set");
  const chain::CommitCertificate& last = header.last_commit;
  if (last.height != parent.height || last.block_hash != parent.block_hash)
    return invalid("carries a certificate for another block than its parent");
  // Block 0 follows from the genesis file; its hash, checked above, is all
  // that a certificate for it can say.
  if (parent.height == 0) return Status();
  Status certified =
      consensus::verify_commit_certificate(last, chain_id, parent.height, parent.block_hash, tip.head_signers);
  if (!certified.ok()) return invalid("its parent's certificate does not verify: " + certified.to_string());
  return Status();
}

}  // namespace govchain::block
