// The node-to-node protocol above the p2p transport: message types, the
// catch-up messages (status, block request, block response) and their
// canonical encodings. Certificates travel in their one encoding
// (consensus/certificate.h), as blocks store them.
//
// Consensus messages travel as their consensus encodings
// (consensus::encode_proposal / encode_vote / encode_evidence) and
// transactions as chain::encode_tx, alone or several in a batch; this
// header adds the batch and what catch-up needs. Every decoder accepts one canonical encoding and bounds every
// count: the bytes come from the network.
//
// Plain values and pure functions; safe to use from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "chain/block.h"
#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "core/bytes.h"
#include "core/status.h"

namespace govchain::sync {

// p2p message types (payload encodings in brackets).
namespace message_type {
inline constexpr uint8_t tx = 1;              // chain::encode_tx
inline constexpr uint8_t proposal = 2;        // consensus::encode_proposal
inline constexpr uint8_t vote = 3;            // consensus::encode_vote
inline constexpr uint8_t evidence = 4;        // consensus::encode_evidence
inline constexpr uint8_t status = 5;          // encode_status
inline constexpr uint8_t block_request = 6;   // encode_block_request
inline constexpr uint8_t block_response = 7;  // encode_block_response
inline constexpr uint8_t txs = 8;             // encode_tx_batch
}  // namespace message_type

// Transactions in one gossip batch at most, and the batch's encoded size
// at most (a batch holds at least one transaction, whatever its size up to
// limits::tx_size_bytes_max).
inline constexpr uint32_t txs_per_batch_max = 1024;
inline constexpr size_t tx_batch_size_bytes_max = 1024 * 1024;

// Blocks in one response at most, and their encoded size at most (a
// response always carries at least one block when the peer has it).
inline constexpr uint32_t blocks_per_response_max = 32;
inline constexpr size_t block_response_size_bytes_max = 8 * 1024 * 1024;

// What a node announces to its peers on connect and after every commit.
struct StatusMessage {
  uint64_t height = 0;  // latest committed block
  Hash block_hash;
  bool operator==(const StatusMessage&) const = default;
};

// "Send me committed blocks from_height .. from_height + count - 1."
struct BlockRequest {
  uint64_t from_height = 0;
  uint32_t count = 0;  // 1 .. blocks_per_response_max
  bool operator==(const BlockRequest&) const = default;
};

// A committed block with the certificate that finalised it.
struct CertifiedBlock {
  Bytes block;  // chain::encode_block
  chain::CommitCertificate commit;
  bool operator==(const CertifiedBlock&) const = default;
};

// Consecutive blocks, ascending from the requested height; empty when the
// peer has none of them.
struct BlockResponse {
  std::vector<CertifiedBlock> blocks;
  bool operator==(const BlockResponse&) const = default;
};

// Gossiped transactions: each entry is one chain::encode_tx, not decoded
// here (the receiver decodes and checks each one). Encoding: version,
// count (1 .. txs_per_batch_max), then each transaction as length-prefixed
// bytes of at most limits::tx_size_bytes_max.
struct TxBatch {
  std::vector<Bytes> txs;
  bool operator==(const TxBatch&) const = default;
};

Bytes encode_status(const StatusMessage& status);
Result<StatusMessage> decode_status(ByteView bytes);
Bytes encode_block_request(const BlockRequest& request);
Result<BlockRequest> decode_block_request(ByteView bytes);
Bytes encode_block_response(const BlockResponse& response);
Result<BlockResponse> decode_block_response(ByteView bytes);
// Precondition: 1 .. txs_per_batch_max entries (the sender's batcher keeps
// to the bounds). The decoder refuses an empty batch, more entries, an
// entry over the transaction size limit, a batch over
// tx_batch_size_bytes_max, and anything not canonical (Code::malformed /
// invalid).
Bytes encode_tx_batch(const TxBatch& batch);
Result<TxBatch> decode_tx_batch(ByteView bytes);
// Bytes that an entry of `tx_size_bytes` adds to a batch's encoding.
inline constexpr size_t tx_batch_entry_size_bytes(size_t tx_size_bytes) { return 4 + tx_size_bytes; }
// Encoded size of a batch without entries (version and count).
inline constexpr size_t tx_batch_header_size_bytes = 1 + 4;

}  // namespace govchain::sync
