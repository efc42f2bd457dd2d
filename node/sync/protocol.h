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
#include <optional>
#include <vector>

#include "chain/block.h"
#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "core/bytes.h"
#include "core/status.h"
#include "state/state_sync.h"

namespace govchain::sync {

// p2p message types (payload encodings in brackets).
namespace message_type {
inline constexpr uint8_t tx = 1;                // chain::encode_tx
inline constexpr uint8_t proposal = 2;          // consensus::encode_proposal
inline constexpr uint8_t vote = 3;              // consensus::encode_vote
inline constexpr uint8_t evidence = 4;          // consensus::encode_evidence
inline constexpr uint8_t status = 5;            // encode_status
inline constexpr uint8_t block_request = 6;     // encode_block_request
inline constexpr uint8_t block_response = 7;    // encode_block_response
inline constexpr uint8_t txs = 8;               // encode_tx_batch
inline constexpr uint8_t snapshot_request = 9;  // encode_snapshot_request
inline constexpr uint8_t snapshot_offer = 10;   // encode_snapshot_offer
inline constexpr uint8_t state_request = 11;    // encode_state_request
inline constexpr uint8_t state_response = 12;   // encode_state_response
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

// State sync (docs/p2p.md, "State sync"): records asked for in one request
// at most, and a response's encoded size at most. A response to a full
// request of the largest records may hold fewer (the server stops before
// the bound; the syncing node asks again for the rest).
inline constexpr uint32_t state_records_per_request_max = 256;
inline constexpr size_t state_response_size_bytes_max = 4 * 1024 * 1024;

// "Which snapshot do you offer?" Height 0: your latest block; otherwise that
// height (an operator's trusted height).
struct SnapshotRequest {
  uint64_t height = 0;
  bool operator==(const SnapshotRequest&) const = default;
};

// A block whose state the peer serves: its height and hash, and the
// validator set that signed its certificate (the set deciding that height,
// which the syncing node checks against the header's validator_set_hash).
// Height 0: no snapshot offered.
struct SnapshotOffer {
  uint64_t height = 0;
  Hash block_hash;
  consensus::ValidatorSet signers;
  bool operator==(const SnapshotOffer&) const = default;
};

// One record of the state tree, by kind and hash (state/state_sync.h).
struct StateRecordId {
  state::RecordKind kind = state::RecordKind::page;
  Hash hash;
  bool operator==(const StateRecordId&) const = default;
};

// "Send me these records of the state at `height`" (1 ..
// state_records_per_request_max records). Records are content-addressed,
// so the height only tells the server which snapshot the node syncs.
struct StateRequest {
  uint64_t height = 0;
  std::vector<StateRecordId> records;
  bool operator==(const StateRequest&) const = default;
};

// The records asked for, in the order asked, each as stored or nullopt when
// the server lacks it; at most as many as asked, fewer when the size bound
// ended the answer.
struct StateResponse {
  std::vector<std::optional<Bytes>> records;
  bool operator==(const StateResponse&) const = default;
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
Bytes encode_snapshot_request(const SnapshotRequest& request);
Result<SnapshotRequest> decode_snapshot_request(ByteView bytes);
Bytes encode_snapshot_offer(const SnapshotOffer& offer);
Result<SnapshotOffer> decode_snapshot_offer(ByteView bytes);
// The decoders refuse more records than state_records_per_request_max, an
// unknown record kind, a record over state::state_record_size_bytes_max, a
// response over state_response_size_bytes_max, and anything not canonical.
Bytes encode_state_request(const StateRequest& request);
Result<StateRequest> decode_state_request(ByteView bytes);
Bytes encode_state_response(const StateResponse& response);
Result<StateResponse> decode_state_response(ByteView bytes);
// Bytes that a record of `size_bytes` adds to a response's encoding.
inline constexpr size_t state_response_entry_size_bytes(size_t size_bytes) { return 1 + 4 + size_bytes; }

// Bytes that an entry of `tx_size_bytes` adds to a batch's encoding.
inline constexpr size_t tx_batch_entry_size_bytes(size_t tx_size_bytes) { return 4 + tx_size_bytes; }
// Encoded size of a batch without entries (version and count).
inline constexpr size_t tx_batch_header_size_bytes = 1 + 4;

}  // namespace govchain::sync
