// Blocks, headers, commit certificates, receipts and events.
//
// A header commits to everything a light client needs: the chain id, the
// height, the block time (milliseconds since the Unix epoch, chosen by the
// proposer and the only clock execution sees), the previous block's hash,
// the Merkle root of the transactions, the state root after executing them,
// the root of the receipts, the proposer, the hash of the validator set, and
// the commit certificate of the previous block. The certificate that
// finalises a block is stored beside it and carried in the next header.
// Plain values; thread-safe to copy and read.
#pragma once

#include <string>
#include <vector>

#include "chain/tx.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::chain {

// Validator signatures over (chain id, height, round, block hash) that
// finalised a block: one in dev mode, more than two thirds of the validator
// set under BFT consensus.
struct CommitSignature {
  PublicKey validator;
  Signature signature;
  bool operator==(const CommitSignature&) const = default;
};
struct CommitCertificate {
  uint64_t height = 0;
  uint32_t round = 0;
  Hash block_hash;
  std::vector<CommitSignature> signatures;
  bool operator==(const CommitCertificate&) const = default;
};

struct Header {
  std::string chain_id;
  uint64_t height = 0;
  int64_t time_ms = 0;
  Hash previous_hash;
  Hash txs_root;
  Hash state_root;
  Hash receipts_root;
  PublicKey proposer;
  Hash validator_set_hash;
  CommitCertificate last_commit;
  bool operator==(const Header&) const = default;
};

struct Block {
  Header header;
  std::vector<Tx> txs;
  bool operator==(const Block&) const = default;
};

struct Event {
  std::string contract;  // empty for system modules
  std::string topic;
  Bytes data;
  bool operator==(const Event&) const = default;
};

struct Receipt {
  Hash tx_hash;
  uint64_t height = 0;
  uint32_t index = 0;
  Code status = Code::ok;
  std::string message;  // why it failed, or a contract's abort message
  uint64_t gas_used = 0;
  Bytes return_data;
  std::vector<Event> events;
  bool operator==(const Receipt&) const = default;
};

Bytes encode_header(const Header& header);
Result<Header> decode_header(ByteView bytes);
Hash block_hash(const Header& header);

Bytes encode_block(const Block& block);
Result<Block> decode_block(ByteView bytes);

Bytes encode_commit(const CommitCertificate& commit);
Result<CommitCertificate> decode_commit(ByteView bytes);
// The digest `validator` signs to commit `block_hash`: exactly the signing
// digest of its consensus precommit for (height, round, block_hash)
// (consensus::vote_signing_digest), so a commit certificate is the quorum of
// precommits itself. tests/unit/test_sync.cpp checks that the two agree.
Hash commit_sign_hash(std::string_view chain_id, uint64_t height, uint32_t round, const Hash& block_hash,
                      const PublicKey& validator);

Bytes encode_receipt(const Receipt& receipt);
Result<Receipt> decode_receipt(ByteView bytes);

// Binary Merkle root (tagged leaves and nodes; an odd last node is promoted)
// over transaction hashes or receipt hashes. Empty list -> zero hash.
Hash merkle_root(const std::vector<Hash>& leaves);
Hash txs_root(const std::vector<Tx>& txs);
Hash receipts_root(const std::vector<Receipt>& receipts);

}  // namespace govchain::chain
