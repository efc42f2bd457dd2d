// A chain in memory for tests, test vectors and benchmarks of proof bundles:
// validators with real keys, the node's own state tree (node/state) over a
// memory store, headers signed into commit certificates as the consensus
// would, and validator set changes through the "g/v" state entry.
//
// Not part of the client SDK (it links node internals); used by
// unit.client_bundle, bundle_vectors and verify_bench. Single-threaded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "client/bundle.h"
#include "client/certificate.h"
#include "client/trust_anchor.h"
#include "crypto/schnorr.h"
#include "state/state_tree.h"
#include "storage/store.h"

namespace govchain::client::testing {

// The stored form of a certificate record (format byte 1 + the ABI struct),
// as sdk/contract/govchain/certificate.h writes it.
Bytes encode_stored_certificate_record(const CertificateRecord& record);

class TestChain {
 public:
  // A chain whose genesis names `validator_count` fresh validators.
  TestChain(std::string chain_id, size_t validator_count);

  const TrustAnchor& genesis_anchor() const { return genesis_anchor_; }
  const std::vector<crypto::KeyPair>& validators() const { return current_; }

  // Applies `changes` and makes the next block (time `time_ms`) signed by
  // the first `signer_count` validators of the set that decides it (0: the
  // smallest quorum). Returns its height.
  Result<uint64_t> add_block(std::vector<state::StateChange> changes, int64_t time_ms, size_t signer_count = 0);
  // Writes a new validator set into the state in the next block (time
  // `time_ms`); it decides the blocks after that one.
  Result<uint64_t> change_validators(std::vector<crypto::KeyPair> next, int64_t time_ms);

  // The bundle of `keys` at the latest block, from `anchor` (the genesis
  // anchor unless given).
  Result<ProofBundle> bundle(const std::vector<Bytes>& keys) const;
  Result<Bytes> encoded_bundle(const std::vector<Bytes>& keys) const;

  uint64_t height() const { return blocks_.size(); }

 private:
  struct BlockRecord {
    CertifiedBlock block;
    std::vector<PublicKey> deciding;  // the set that decided it
  };
  struct ChangeRecord {
    uint64_t activation_height = 0;
    Bytes value;
  };
  std::string chain_id_;
  std::unique_ptr<storage::KeyValueStore> store_;
  std::unique_ptr<state::StateTree> tree_;
  Hash root_;
  std::vector<crypto::KeyPair> current_;  // decides the next block
  std::vector<crypto::KeyPair> pending_;  // written in the last block, decides from the next
  TrustAnchor genesis_anchor_;
  std::vector<BlockRecord> blocks_;  // blocks_[h - 1] is block h
  std::vector<ChangeRecord> changes_;
};

}  // namespace govchain::client::testing
