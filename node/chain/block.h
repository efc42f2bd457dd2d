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

#include "chain/checked_tx.h"
#include "chain/tx.h"
#include "consensus/certificate.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::chain {

// The certificate that finalised a block: validator signatures over their
// precommits for it (one in dev mode, more than two thirds of the validator
// set under BFT consensus). Its type, encoding and verifier are the
// consensus layer's (consensus/certificate.h); these names are the chain's
// view of the same type.
using CommitCertificate = consensus::CommitCertificate;
using CommitSignature = consensus::CommitSignature;
using consensus::decode_commit;
using consensus::encode_commit;

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

// The latest committed block of a node, as far as its readers need it.
struct ChainHead {
  uint64_t height = 0;
  Hash block_hash;
  Hash state_root;
  int64_t time_ms = 0;
  bool operator==(const ChainHead&) const = default;
};
ChainHead head_of(const Header& header);

// A block as it travels, its header decoded and its transactions still the
// bytes they came in: what a node executing someone else's block starts
// from, so that each transaction is hashed and sized from its own bytes
// once (chain::check_tx) instead of being decoded and encoded again.
struct BlockFrame {
  Header header;
  std::vector<Bytes> txs;  // each the canonical encoding of one transaction (not yet decoded)
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

// A block's encoding: the header, then the transaction count and each
// transaction as length-prefixed bytes. encode_block of checked
// transactions writes the bytes they came in, which are their canonical
// encodings, so both forms give the same bytes.
Bytes encode_block(const Block& block);
Bytes encode_block(const Header& header, const std::vector<CheckedTx>& txs);
// The decoders refuse more than limits::block_size_bytes_max bytes and
// limits::block_txs_max transactions (genesis parameters may only be
// lower), anything not canonical, and trailing bytes.
Result<Block> decode_block(ByteView bytes);
Result<BlockFrame> decode_block_frame(ByteView bytes);
// Only the header at the start of a block's encoding (the rest is not
// looked at): for checks that need no transaction.
Result<Header> decode_block_header(ByteView bytes);

Bytes encode_receipt(const Receipt& receipt);
Result<Receipt> decode_receipt(ByteView bytes);

// Binary Merkle root (tagged leaves and nodes; an odd last node is promoted)
// over transaction hashes or receipt hashes. Empty list -> zero hash.
Hash merkle_root(const std::vector<Hash>& leaves);
Hash txs_root(const std::vector<Tx>& txs);
Hash receipts_root(const std::vector<Receipt>& receipts);

}  // namespace govchain::chain
