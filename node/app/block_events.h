// BlockEvents: the WebSocket event announcing each committed block with its
// transactions' results (rpc::block_event_json), built and broadcast on a
// worker thread in commit order, so that committing does not wait for the
// JSON of thousands of receipts. Nothing is built while nobody listens.
//
// The queue is bounded (`blocks_queued_max`): when events fall that far
// behind, publish() waits, slowing commits down instead of growing memory.
//
// Ownership: the node owns it; the sink's functions must stay valid until
// stop(). Thread-safety: publish() from the committing thread (one at a
// time); stop() from the owner's thread, after which publish() runs the job
// at once on its caller.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/serial_worker.h"
#include "chain/block.h"

namespace govchain::app {

struct BlockEventSink {
  std::function<size_t()> subscriber_count;
  std::function<void(const std::string& text)> broadcast;
};

class BlockEvents {
 public:
  BlockEvents(BlockEventSink sink, size_t blocks_queued_max);

  void publish(const chain::Header& header, size_t tx_count, std::vector<chain::Receipt> receipts);
  // Returns once every event published before the call is out.
  void drain() { worker_.drain(); }
  // Publishes what is queued, then stops the worker.
  void stop() { worker_.stop(); }

 private:
  BlockEventSink sink_;
  SerialWorker worker_;
};

}  // namespace govchain::app
