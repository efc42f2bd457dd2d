#include "app/block_events.h"

#include <memory>

#include "rpc/api.h"

namespace govchain::app {

BlockEvents::BlockEvents(BlockEventSink sink, size_t blocks_queued_max)
    : sink_(std::move(sink)), worker_("block events", blocks_queued_max) {}

void BlockEvents::publish(const chain::Header& header, size_t tx_count, std::vector<chain::Receipt> receipts) {
  auto shared_receipts = std::make_shared<const std::vector<chain::Receipt>>(std::move(receipts));
  worker_.post([this, header, tx_count, shared_receipts] {
    // Nobody listening (most validators): no text to build.
    if (sink_.subscriber_count() == 0) return;
    sink_.broadcast(rpc::block_event_json(header, tx_count, *shared_receipts));
  });
}

}  // namespace govchain::app
