// Subscription to committed blocks over the node's WebSocket /v1/events:
// one message per committed block, with the receipts of its transactions.
//
// Events are notifications, not proofs: use them to learn that something
// happened (a receipt for a transaction a portal waits for, a new height),
// and Client::read_state_proven() or Client::block() to check what matters.
//
// subscribe_blocks() blocks the calling thread and runs `on_event` on it.
// It keeps no state between calls; calls from several threads are
// independent. Nothing throws.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/block.h"
#include "client/client.h"
#include "core/status.h"

namespace govchain::client {

struct BlockEvent {
  uint64_t height = 0;
  Hash hash;
  int64_t time_ms = 0;
  Hash state_root;
  uint64_t tx_count = 0;
  std::vector<chain::Receipt> results;  // one receipt per transaction, in block order
  std::string raw_json;
};

// Parses one /v1/events message; Code::malformed names what is wrong.
Result<BlockEvent> parse_block_event_json(std::string_view body);

// Returns true to keep receiving, false to stop.
using BlockEventHandler = std::function<bool(const BlockEvent& event)>;

// Connects to the node of `client` and calls `on_event` for each committed
// block until `on_event` returns false or `duration_ms` has passed (both are
// a normal end: ok). Code::unavailable when the node cannot be reached or
// drops the subscription (a subscriber that reads too slowly is dropped by
// the node), Code::malformed for a message that does not parse.
Status subscribe_blocks(const Client& client, const BlockEventHandler& on_event, uint64_t duration_ms);

}  // namespace govchain::client
