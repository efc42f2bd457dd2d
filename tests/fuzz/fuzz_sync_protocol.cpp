// Decodes arbitrary bytes as each node-to-node sync message (status, block
// request, block response, transaction batch, and the state sync messages:
// snapshot request and offer, state request and response); whatever decodes must
// re-encode to the same bytes, and what decodes must stay within its limits.
#include <cstdint>
#include <cstdlib>

#include "round_trip.h"
#include "sync/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using govchain::fuzz::check_round_trip;
  using namespace govchain::sync;
  govchain::ByteView input(data, size);
  check_round_trip(
      decode_status(input), [](const StatusMessage& value) { return encode_status(value); }, data, size);
  auto request = decode_block_request(input);
  if (request.ok() && (request->count == 0 || request->count > blocks_per_response_max)) std::abort();
  check_round_trip(
      request, [](const BlockRequest& value) { return encode_block_request(value); }, data, size);
  auto response = decode_block_response(input);
  if (response.ok() && response->blocks.size() > blocks_per_response_max) std::abort();
  check_round_trip(
      response, [](const BlockResponse& value) { return encode_block_response(value); }, data, size);
  auto batch = decode_tx_batch(input);
  if (batch.ok() && (batch->txs.empty() || batch->txs.size() > txs_per_batch_max)) std::abort();
  check_round_trip(
      batch, [](const TxBatch& value) { return encode_tx_batch(value); }, data, size);
  check_round_trip(
      decode_snapshot_request(input), [](const SnapshotRequest& value) { return encode_snapshot_request(value); }, data,
      size);
  check_round_trip(
      decode_snapshot_offer(input), [](const SnapshotOffer& value) { return encode_snapshot_offer(value); }, data,
      size);
  auto state_request = decode_state_request(input);
  if (state_request.ok() &&
      (state_request->records.empty() || state_request->records.size() > state_records_per_request_max))
    std::abort();
  check_round_trip(
      state_request, [](const StateRequest& value) { return encode_state_request(value); }, data, size);
  auto state_response = decode_state_response(input);
  if (state_response.ok()) {
    if (size > state_response_size_bytes_max || state_response->records.size() > state_records_per_request_max)
      std::abort();
    for (const auto& record : state_response->records)
      if (record && record->size() > govchain::state::state_record_size_bytes_max()) std::abort();
  }
  check_round_trip(
      state_response, [](const StateResponse& value) { return encode_state_response(value); }, data, size);
  return 0;
}
