#include "sync/protocol.h"

#include <cassert>

#include "codec/codec.h"
#include "core/limits.h"

namespace govchain::sync {

namespace {

// Signatures in one certificate at most: one per validator.
constexpr size_t commit_signature_size_bytes = 32 + 64;

Status check_end(const codec::Reader& reader, std::string_view what) {
  Status finished = reader.finish();
  if (!finished.ok()) return finished.with_context(what);
  return Status();
}

}  // namespace

Bytes encode_status(const StatusMessage& status) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(status.height);
  writer.fixed(status.block_hash);
  return writer.take();
}

Result<StatusMessage> decode_status(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "status message"));
  StatusMessage status;
  GOVCHAIN_ASSIGN_OR_RETURN(status.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(status.block_hash, reader.fixed<32>());
  GOVCHAIN_TRY(check_end(reader, "status message"));
  return status;
}

Bytes encode_block_request(const BlockRequest& request) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(request.from_height);
  writer.u32(request.count);
  return writer.take();
}

Result<BlockRequest> decode_block_request(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "block request"));
  BlockRequest request;
  GOVCHAIN_ASSIGN_OR_RETURN(request.from_height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(request.count, reader.u32());
  if (request.count == 0 || request.count > blocks_per_response_max)
    return error(Code::invalid, "block request for " + std::to_string(request.count) + " blocks; 1 to " +
                                    std::to_string(blocks_per_response_max) + " allowed");
  GOVCHAIN_TRY(check_end(reader, "block request"));
  return request;
}

Bytes encode_block_response(const BlockResponse& response) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.count(response.blocks.size());
  for (const auto& entry : response.blocks) {
    writer.bytes(entry.block);
    writer.bytes(chain::encode_commit(entry.commit));
  }
  return writer.take();
}

Result<BlockResponse> decode_block_response(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "block response"));
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(blocks_per_response_max, 8));
  BlockResponse response;
  response.blocks.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    CertifiedBlock entry;
    GOVCHAIN_ASSIGN_OR_RETURN(entry.block, reader.bytes(block_response_size_bytes_max));
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes commit,
                              reader.bytes(consensus::validators_max * commit_signature_size_bytes + 1024));
    GOVCHAIN_ASSIGN_OR_RETURN(entry.commit, chain::decode_commit(commit));
    response.blocks.push_back(std::move(entry));
  }
  GOVCHAIN_TRY(check_end(reader, "block response"));
  return response;
}

Bytes encode_tx_batch(const TxBatch& batch) {
  assert(!batch.txs.empty() && batch.txs.size() <= txs_per_batch_max);
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.count(batch.txs.size());
  for (const auto& tx : batch.txs) writer.bytes(tx);
  return writer.take();
}

Result<TxBatch> decode_tx_batch(ByteView bytes) {
  if (bytes.size() > tx_batch_size_bytes_max)
    return error(Code::too_large, "transaction batch of " + std::to_string(bytes.size()) + " bytes; at most " +
                                      std::to_string(tx_batch_size_bytes_max) + " allowed");
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "transaction batch"));
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(txs_per_batch_max, 4));
  if (count == 0) return error(Code::invalid, "empty transaction batch");
  TxBatch batch;
  batch.txs.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes tx, reader.bytes(limits::tx_size_bytes_max));
    batch.txs.push_back(std::move(tx));
  }
  GOVCHAIN_TRY(check_end(reader, "transaction batch"));
  return batch;
}

Bytes encode_snapshot_request(const SnapshotRequest& request) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(request.height);
  return writer.take();
}

Result<SnapshotRequest> decode_snapshot_request(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "snapshot request"));
  SnapshotRequest request;
  GOVCHAIN_ASSIGN_OR_RETURN(request.height, reader.u64());
  GOVCHAIN_TRY(check_end(reader, "snapshot request"));
  return request;
}

Bytes encode_snapshot_offer(const SnapshotOffer& offer) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(offer.height);
  if (offer.height == 0) return writer.take();
  writer.fixed(offer.block_hash);
  offer.signers.encode(writer);
  return writer.take();
}

Result<SnapshotOffer> decode_snapshot_offer(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "snapshot offer"));
  SnapshotOffer offer;
  GOVCHAIN_ASSIGN_OR_RETURN(offer.height, reader.u64());
  if (offer.height > 0) {
    GOVCHAIN_ASSIGN_OR_RETURN(offer.block_hash, reader.fixed<32>());
    GOVCHAIN_ASSIGN_OR_RETURN(offer.signers, consensus::ValidatorSet::decode(reader));
  }
  GOVCHAIN_TRY(check_end(reader, "snapshot offer"));
  return offer;
}

Bytes encode_state_request(const StateRequest& request) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.u64(request.height);
  writer.count(request.records.size());
  for (const auto& record : request.records) {
    writer.u8(static_cast<uint8_t>(record.kind));
    writer.fixed(record.hash);
  }
  return writer.take();
}

Result<StateRequest> decode_state_request(ByteView bytes) {
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "state request"));
  StateRequest request;
  GOVCHAIN_ASSIGN_OR_RETURN(request.height, reader.u64());
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(state_records_per_request_max, 33));
  if (count == 0) return error(Code::invalid, "state request for no record");
  request.records.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(uint8_t kind, reader.u8());
    if (kind != static_cast<uint8_t>(state::RecordKind::page) && kind != static_cast<uint8_t>(state::RecordKind::leaf))
      return error(Code::invalid, "state request: unknown record kind " + std::to_string(kind));
    GOVCHAIN_ASSIGN_OR_RETURN(Hash hash, reader.fixed<32>());
    request.records.push_back({static_cast<state::RecordKind>(kind), hash});
  }
  GOVCHAIN_TRY(check_end(reader, "state request"));
  return request;
}

Bytes encode_state_response(const StateResponse& response) {
  codec::Writer writer;
  writer.u8(codec::format_version);
  writer.count(response.records.size());
  for (const auto& record : response.records) {
    writer.boolean(record.has_value());
    if (record) writer.bytes(*record);
  }
  return writer.take();
}

Result<StateResponse> decode_state_response(ByteView bytes) {
  if (bytes.size() > state_response_size_bytes_max)
    return error(Code::too_large, "state response of " + std::to_string(bytes.size()) + " bytes; at most " +
                                      std::to_string(state_response_size_bytes_max) + " allowed");
  codec::Reader reader(bytes);
  GOVCHAIN_TRY(consensus::decode_version(reader, "state response"));
  GOVCHAIN_ASSIGN_OR_RETURN(size_t count, reader.count(state_records_per_request_max, 1));
  StateResponse response;
  response.records.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    GOVCHAIN_ASSIGN_OR_RETURN(bool present, reader.boolean());
    if (!present) {
      response.records.emplace_back();
      continue;
    }
    GOVCHAIN_ASSIGN_OR_RETURN(Bytes record, reader.bytes(state::state_record_size_bytes_max()));
    response.records.emplace_back(std::move(record));
  }
  GOVCHAIN_TRY(check_end(reader, "state response"));
  return response;
}

}  // namespace govchain::sync
